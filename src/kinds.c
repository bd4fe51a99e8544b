/*
 * kinds.c: client-defined object kinds, mark procedures and the generic
 * allocation calls (see kinds.h).
 */
#include <stdlib.h>
#include <gc/gc_inline.h>
#include "cache.h"
#include "heap.h"
#include "init.h"
#include "kinds.h"
#include "malloc.h"
#include "sweep.h"
#include "thread.h"

GC_mark_proc sgc_mark_procs[SGC_MAX_MARK_PROCS];
static unsigned next_proc = GC_RESERVED_MARK_PROCS; /* world lock */

/* bdwgc's free lists hold this many entries (one per granule count up
 * to its largest small object, and the zeroth). */
#define FREE_LIST_ENTRIES 257

int sgc_kinds_lock(void)
{
	sgc_ensure_init();
	if (sgc_world_held())
		return 0;
	sgc_world_lock_acquire();
	return 1;
}

void sgc_kinds_unlock(int taken)
{
	if (taken)
		sgc_world_lock_release();
}

int sgc_kinds_valid(int k)
{
	return k >= 0 && k < SGC_MAX_KINDS &&
	       __atomic_load_n(&sgc_kinds[k].in_use, __ATOMIC_ACQUIRE);
}

/* Abort naming call unless k is a defined kind. */
static unsigned check_kind(const char *call, size_t lb, int k)
{
	if (!sgc_kinds_valid(k))
		sgc_fatal("%s(%zu, %d): no such object kind", call, lb, k);
	return (unsigned)k;
}

unsigned sgc_kinds_new(const char *call, uintptr_t descr, int relocate,
		       int clear)
{
	int scan = SGC_SCAN_DESCR;
	if (descr == 0 && !relocate)
		scan = SGC_SCAN_NONE;
	else if (descr == GC_DS_LENGTH && relocate)
		scan = SGC_SCAN_WHOLE;
	int k = sgc_kind_new(SGC_SCAN_NONE, clear || scan != SGC_SCAN_NONE);
	if (k < 0)
		sgc_fatal("%s: too many object kinds (at most %d)", call,
			  SGC_MAX_KINDS);
	struct sgc_kind *kd = &sgc_kinds[k];
	kd->descr = scan == SGC_SCAN_DESCR ? descr : 0;
	kd->relocate = scan == SGC_SCAN_DESCR && relocate;
	/* Published after the descriptor: no span of k exists before. */
	__atomic_store_n(&kd->scanned, (uint8_t)scan, __ATOMIC_RELEASE);
	return (unsigned)k;
}

unsigned sgc_kinds_new_proc(const char *call, GC_mark_proc proc)
{
	if (next_proc >= SGC_MAX_MARK_PROCS)
		sgc_fatal("%s(%p): too many mark procedures (at most %d)",
			  call, (void *)(uintptr_t)proc, SGC_MAX_MARK_PROCS);
	unsigned idx = next_proc++;
	__atomic_store_n(&sgc_mark_procs[idx], proc, __ATOMIC_RELEASE);
	return idx;
}

/* ---- gc_mark.h: kinds and mark procedures ---- */

void **GC_new_free_list_inner(void)
{
	void **fl = calloc(FREE_LIST_ENTRIES, sizeof *fl);
	if (!fl)
		sgc_fatal("GC_new_free_list: out of memory");
	return fl;
}

void **GC_new_free_list(void)
{
	int taken = sgc_kinds_lock();
	void **fl = GC_new_free_list_inner();
	sgc_kinds_unlock(taken);
	return fl;
}

static unsigned new_kind(const char *call, void **fl, GC_word descr,
			 int adjust, int clear)
{
	if (!fl || (adjust != 0 && adjust != 1) || (clear != 0 && clear != 1))
		sgc_fatal("%s(%p, %#lx, %d, %d): bad argument", call,
			  (void *)fl, (unsigned long)descr, adjust, clear);
	return sgc_kinds_new(call, descr, adjust, clear);
}

unsigned GC_new_kind_inner(void **fl, GC_word descr, int adjust, int clear)
{
	return new_kind("GC_new_kind_inner", fl, descr, adjust, clear);
}

unsigned GC_new_kind(void **fl, GC_word descr, int adjust, int clear)
{
	int taken = sgc_kinds_lock();
	unsigned k = new_kind("GC_new_kind", fl, descr, adjust, clear);
	sgc_kinds_unlock(taken);
	return k;
}

unsigned GC_new_proc_inner(GC_mark_proc proc)
{
	return sgc_kinds_new_proc("GC_new_proc_inner", proc);
}

unsigned GC_new_proc(GC_mark_proc proc)
{
	int taken = sgc_kinds_lock();
	unsigned idx = sgc_kinds_new_proc("GC_new_proc", proc);
	sgc_kinds_unlock(taken);
	return idx;
}

void GC_register_describe_type_fn(int k, GC_describe_type_fn fn)
{
	check_kind("GC_register_describe_type_fn", 0, k);
	__atomic_store_n(&sgc_kinds[k].describe, fn, __ATOMIC_RELEASE);
}

/* ---- Allocation by kind ---- */

void *GC_generic_malloc(size_t lb, int k)
{
	return sgc_alloc(lb, check_kind("GC_generic_malloc", lb, k));
}

void *GC_generic_malloc_ignore_off_page(size_t lb, int k)
{
	return sgc_alloc_ignore_off_page(
		lb, check_kind("GC_generic_malloc_ignore_off_page", lb, k));
}

void *GC_generic_malloc_uncollectable(size_t lb, int k)
{
	switch (check_kind("GC_generic_malloc_uncollectable", lb, k)) {
	case SGC_KIND_NORMAL:
	case SGC_KIND_UNCOLLECTABLE:
		return sgc_alloc(lb, SGC_KIND_UNCOLLECTABLE);
	case SGC_KIND_PTRFREE:
	case SGC_KIND_AUNCOLLECTABLE:
		return sgc_alloc(lb, SGC_KIND_AUNCOLLECTABLE);
	default:
		sgc_fatal("GC_generic_malloc_uncollectable(%zu, %d): kind %d"
			  " has no uncollectable variant (only the built-in"
			  " kinds do)", lb, k, k);
	}
}

void *GC_generic_or_special_malloc(size_t lb, int k)
{
	return sgc_alloc(lb, check_kind("GC_generic_or_special_malloc", lb,
					 k));
}

void *GC_malloc_kind(size_t lb, int k)
{
	return sgc_alloc(lb, check_kind("GC_malloc_kind", lb, k));
}

void *GC_malloc_kind_global(size_t lb, int k)
{
	return sgc_alloc(lb, check_kind("GC_malloc_kind_global", lb, k));
}

void GC_generic_malloc_many(size_t lb, int k, void **result)
{
	unsigned kind = check_kind("GC_generic_malloc_many", lb, k);
	*result = sgc_alloc_many(lb, kind);
}

void *GC_malloc_many(size_t lb)
{
	size_t raw = lb + (GC_all_interior_pointers != 0);
	if (raw < lb)
		return sgc_oom(lb);
	return sgc_alloc_many(raw, SGC_KIND_NORMAL);
}

/* ---- Queries ---- */

int GC_get_kind_and_size(const void *p, size_t *psize)
{
	struct sgc_obj o;
	if (!sgc_load_acquire(&sgc_ready) || !sgc_find_client_object(p, &o))
		sgc_fatal("GC_get_kind_and_size(%p): not an object of the"
			  " collector's heap", p);
	if (psize)
		*psize = sgc_span_elem_bytes(o.span);
	return (int)sgc_spanclass_kind(o.span->spanclass);
}

/* Every allocated object, with the world lock held (bdwgc: after a full
 * collection, its allocation lock held).  Sweeping is finished first, so
 * that the allocated objects are those the last collection kept, and
 * those allocated since. */
void GC_enumerate_reachable_objects_inner(GC_reachable_object_proc proc,
					  void *cd)
{
	if (!sgc_load_acquire(&sgc_ready))
		return;
	struct sgc_cache *c = sgc_cache_get();
	if (c)
		sgc_critical_enter(c);
	sgc_sweep_finish();
	uintptr_t end = __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE);
	for (uintptr_t a = sgc_heap.base; a < end; a += SGC_PAGE_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		if (!sgc_bitmap_test(ha->page_in_use,
				     sgc_arena_page_index(a)))
			continue;
		struct sgc_span *s = sgc_span_of(a);
		if (!s || s->start != a ||
		    sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE)
			continue;
		uintptr_t size = sgc_span_elem_bytes(s);
		for (uint32_t i = 0; i < s->nelems; i++)
			if (sgc_span_is_allocated(s, i))
				proc((void *)(s->start +
					      (uintptr_t)i * s->elem_size),
				     size, cd);
	}
	if (c)
		sgc_critical_leave(c);
}

int GC_is_tmp_root(void *p)
{
	(void)p;
	return 0; /* every root is rescanned at each collection; none is
		   * registered as temporary */
}
