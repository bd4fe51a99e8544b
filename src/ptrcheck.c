/*
 * ptrcheck.c: displacements and pointer checks (see ptrcheck.h).
 */
#include <gc/gc.h>
#include "cache.h"
#include "init.h"
#include "kinds.h"
#include "malloc.h"
#include "ptrcheck.h"
#include "roots.h"
#include "thread.h"

uint8_t sgc_displacements[SGC_MAX_DISPLACEMENT];

void GC_register_displacement(size_t n)
{
	if (n >= SGC_MAX_DISPLACEMENT)
		sgc_fatal("GC_register_displacement(%zu): displacements must"
			  " be below %d", n, SGC_MAX_DISPLACEMENT);
	/* A byte that only goes from 0 to 1: no lock, and no start-up (a
	 * client may register displacements before GC_init, and before
	 * GC_set_all_interior_pointers(0)). */
	__atomic_store_n(&sgc_displacements[n], 1, __ATOMIC_RELAXED);
}

void GC_debug_register_displacement(size_t n)
{
	/* A debug object's client bytes start past its header: an offset
	 * into them is that much further from the object's start. */
	GC_register_displacement(n);
	GC_register_displacement(n + GC_get_debug_header_size());
}

static void GC_CALLBACK default_same_obj_fail(void *p, void *q)
{
	sgc_fatal("GC_same_obj test failed: %p and %p are not in the same"
		  " object", p, q);
}

static void GC_CALLBACK default_displacement_fail(void *p)
{
	sgc_fatal("GC_is_valid_displacement test failed: %p is not a valid"
		  " pointer to a heap object", p);
}

static void GC_CALLBACK default_visible_fail(void *p)
{
	sgc_fatal("GC_is_visible test failed: the collector does not scan"
		  " %p", p);
}

void (*GC_same_obj_print_proc)(void *, void *) = default_same_obj_fail;
void (*GC_is_valid_displacement_print_proc)(void *) =
	default_displacement_fail;
void (*GC_is_visible_print_proc)(void *) = default_visible_fail;

/* The object p points into, when p points into the heap's spans: 1 found,
 * 0 in the heap but no object there, -1 not in the heap. */
static int lookup(const void *p, struct sgc_obj *o)
{
	if (!sgc_load_acquire(&sgc_ready) ||
	    !sgc_span_of_heap((uintptr_t)p))
		return -1;
	return sgc_find_client_object(p, o);
}

void *GC_same_obj(void *p, void *q)
{
	struct sgc_obj o;
	int r = lookup(p, &o);
	if (r < 0) {
		/* p outside the heap: fine unless q is inside it */
		if (lookup(q, &o) < 0)
			return p;
	} else if (r > 0) {
		uintptr_t size = sgc_span_elem_bytes(o.span);
		if ((uintptr_t)q >= o.base && (uintptr_t)q < o.base + size)
			return p;
	} else if (p == q) {
		return p;
	}
	GC_same_obj_print_proc(p, q);
	return p;
}

void *GC_is_valid_displacement(void *p)
{
	struct sgc_obj o;
	int r = lookup(p, &o);
	if (r < 0)
		return p;
	if (r > 0) {
		uintptr_t off = (uintptr_t)p - o.base;
		if (GC_all_interior_pointers || off == 0 ||
		    sgc_displacement_ok(o.span, off))
			return p;
	}
	GC_is_valid_displacement_print_proc(p);
	return p;
}

void *GC_pre_incr(void **p, ptrdiff_t how_much)
{
	void *initial = *p;
	void *result = GC_same_obj((char *)initial + how_much, initial);
	if (!GC_all_interior_pointers)
		(void)GC_is_valid_displacement(result);
	*p = result;
	return result;
}

void *GC_post_incr(void **p, ptrdiff_t how_much)
{
	void *initial = *p;
	void *result = GC_same_obj((char *)initial + how_much, initial);
	if (!GC_all_interior_pointers)
		(void)GC_is_valid_displacement(result);
	*p = result;
	return initial;
}

/* Whether the word at off bytes into an object of s may hold a pointer
 * that the mark reads: by the span's descriptor where it tells (a mark
 * procedure's choice cannot be known: yes). */
static int word_scanned(const struct sgc_span *s, uintptr_t base,
			uintptr_t off)
{
	if (s->scanned == SGC_SCAN_WHOLE)
		return 1;
	if (s->scanned == SGC_SCAN_NONE)
		return 0;
	uintptr_t d = s->descr;
	if ((d & GC_DS_TAGS) == GC_DS_PER_OBJECT) {
		intptr_t doff = (intptr_t)(d & ~(uintptr_t)GC_DS_TAGS);
		if (doff >= 0) {
			d = *(const uintptr_t *)(base + (uintptr_t)doff);
		} else {
			uintptr_t type = *(const uintptr_t *)base;
			if (!type)
				return 0;
			d = *(const uintptr_t *)(type + (uintptr_t)(-doff) -
						 GC_INDIR_PER_OBJ_BIAS);
		}
	}
	switch (d & GC_DS_TAGS) {
	case GC_DS_LENGTH:
		return off < d;
	case GC_DS_BITMAP:
		return off / sizeof(void *) < 8 * sizeof(void *) - 2 &&
		       ((d << (off / sizeof(void *))) >> (8 * sizeof(void *) - 1));
	default:
		return 1;
	}
}

static __thread uintptr_t visible_query;
static __thread int visible_found;

static void root_hit(uintptr_t lo, uintptr_t hi)
{
	if (visible_query >= lo && visible_query < hi)
		visible_found = 1;
}

void *GC_is_visible(void *p)
{
	uintptr_t a = (uintptr_t)p;
	struct sgc_obj o;
	volatile uintptr_t here = 0;
	if (a % sizeof(void *) != 0)
		goto fail;
	struct sgc_thread *t = sgc_thread_self();
	if (t && a >= (uintptr_t)&here && a < t->stack_bottom)
		return p;
	int r = lookup(p, &o);
	if (r > 0) {
		if (word_scanned(o.span, o.base, a - o.base))
			return p;
		goto fail;
	}
	if (r == 0)
		goto fail;
	if (!sgc_load_acquire(&sgc_ready))
		return p; /* nothing to check against yet */
	struct sgc_cache *c = sgc_cache_get();
	if (c)
		sgc_critical_enter(c);
	visible_query = a;
	visible_found = 0;
	sgc_roots_for_each_now(root_hit);
	int found = visible_found;
	if (c)
		sgc_critical_leave(c);
	if (found)
		return p;
fail:
	GC_is_visible_print_proc(p);
	return p;
}
