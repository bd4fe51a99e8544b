/*
 * typed.c: typed and gcj allocation (see typed.h).
 */
#include <stdlib.h>
#include <string.h>
#include <gc/gc_typed.h>
#include <gc/gc_gcj.h>
#include <gc/gc_mark.h>
#include "debug.h"
#include "init.h"
#include "kinds.h"
#include "malloc.h"
#include "typed.h"

#define WORD_BITS (8 * sizeof(GC_word))
#define ENV_SHIFT (GC_DS_TAG_BITS + GC_LOG_MAX_MARK_PROCS)

/* World lock to write; -1 (all ones) until set up. */
static sgc_atomic_word typed_kind = (uintptr_t)-1;
static sgc_atomic_word bitmap_proc, array_proc; /* procedure indices */

/* A long bitmap, kept for good; the descriptor's environment. */
struct long_bitmap {
	size_t nbits;
	GC_word bits[];
};

/* Mark the words of the object at addr whose bits are set. */
static struct GC_ms_entry *mark_bitmap(GC_word *addr, const GC_word *bits,
				       size_t nbits, struct GC_ms_entry *msp,
				       struct GC_ms_entry *msl)
{
	for (size_t w = 0; w * WORD_BITS < nbits; w++) {
		GC_word b = bits[w];
		while (b) {
			unsigned i = (unsigned)__builtin_ctzl(b);
			b &= b - 1;
			GC_word *p = addr + w * WORD_BITS + i;
			msp = GC_MARK_AND_PUSH((void *)*p, msp, msl, (void **)p);
		}
	}
	return msp;
}

static struct GC_ms_entry *long_bitmap_proc(GC_word *addr,
					    struct GC_ms_entry *msp,
					    struct GC_ms_entry *msl,
					    GC_word env)
{
	const struct long_bitmap *lb = (const struct long_bitmap *)env;
	return mark_bitmap(addr, lb->bits, lb->nbits, msp, msl);
}

/* One element at addr, scanned as d (not per-object) says. */
static struct GC_ms_entry *mark_element(GC_word *addr, GC_descr d,
					struct GC_ms_entry *msp,
					struct GC_ms_entry *msl)
{
	switch (d & GC_DS_TAGS) {
	case GC_DS_LENGTH:
		for (size_t i = 0; i < d / sizeof(GC_word); i++)
			msp = GC_MARK_AND_PUSH((void *)addr[i], msp, msl,
					       (void **)&addr[i]);
		return msp;
	case GC_DS_BITMAP:
		d &= ~(GC_descr)GC_DS_TAGS;
		for (GC_word *p = addr; d; d <<= 1, p++)
			if ((GC_signed_word)d < 0)
				msp = GC_MARK_AND_PUSH((void *)*p, msp, msl,
						       (void **)p);
		return msp;
	default:
		/* GC_make_descriptor's long bitmaps (checked when the array
		 * was allocated) */
		return long_bitmap_proc(addr, msp, msl, d >> ENV_SHIFT);
	}
}

static struct GC_ms_entry *array_mark_proc(GC_word *addr,
					   struct GC_ms_entry *msp,
					   struct GC_ms_entry *msl, GC_word env)
{
	(void)env;
	size_t size = 0;
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)addr);
	if (!s)
		return msp;
	size = sgc_span_elem_bytes(s);
	GC_word *trailer = (GC_word *)((char *)addr + size) - 4;
	size_t elem = trailer[0], n = trailer[1];
	GC_descr d = trailer[2];
	for (size_t i = 0; i < n; i++)
		msp = mark_element((GC_word *)((char *)addr + i * elem), d,
				   msp, msl);
	return msp;
}

/* Create the typed kind and procedures once. */
static unsigned typed_setup(void)
{
	uintptr_t k = sgc_load_acquire(&typed_kind);
	if (k != (uintptr_t)-1)
		return (unsigned)k;
	int taken = sgc_kinds_lock();
	k = sgc_load_acquire(&typed_kind);
	if (k == (uintptr_t)-1) {
		sgc_store_relaxed(&bitmap_proc, sgc_kinds_new_proc(
			"GC_make_descriptor", long_bitmap_proc));
		sgc_store_relaxed(&array_proc, sgc_kinds_new_proc(
			"GC_calloc_explicitly_typed", array_mark_proc));
		/* The descriptor is in the object's last word. */
		k = sgc_kinds_new("GC_malloc_explicitly_typed",
				  (uintptr_t)-(intptr_t)sizeof(GC_word) |
					  GC_DS_PER_OBJECT, 1, 1);
		sgc_store_release(&typed_kind, k);
	}
	sgc_kinds_unlock(taken);
	return (unsigned)k;
}

GC_descr GC_make_descriptor(const GC_word *bm, size_t len)
{
	typed_setup();
	size_t last = len; /* index of the last set bit, or len for none */
	for (size_t i = len; i-- > 0;)
		if (GC_get_bit(bm, i)) {
			last = i;
			break;
		}
	if (last == len)
		return 0 | GC_DS_LENGTH;
	size_t i = 0;
	while (i <= last && GC_get_bit(bm, i))
		i++;
	if (i > last) /* a prefix: a length */
		return (GC_descr)((last + 1) * sizeof(GC_word)) | GC_DS_LENGTH;
	if (last < WORD_BITS - GC_DS_TAG_BITS) {
		GC_descr d = 0;
		for (i = 0; i <= last; i++)
			if (GC_get_bit(bm, i))
				d |= (GC_descr)1 << (WORD_BITS - 1 - i);
		return d | GC_DS_BITMAP;
	}
	size_t nwords = (last + WORD_BITS) / WORD_BITS;
	struct long_bitmap *lb = calloc(1, sizeof *lb + nwords * sizeof(GC_word));
	if (!lb || ((uintptr_t)lb >> (WORD_BITS - ENV_SHIFT)) != 0) {
		free(lb);
		/* Conservative, as bdwgc documents for lack of memory. */
		return (GC_descr)((last + 1) * sizeof(GC_word)) | GC_DS_LENGTH;
	}
	lb->nbits = last + 1;
	for (i = 0; i <= last; i++)
		if (GC_get_bit(bm, i))
			lb->bits[i / WORD_BITS] |= (GC_word)1 << (i % WORD_BITS);
	return GC_MAKE_PROC((GC_descr)sgc_load_relaxed(&bitmap_proc),
			    (GC_descr)(uintptr_t)lb);
}

/* The size of the object p starts (just allocated by this thread). */
static size_t object_size(const void *p)
{
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)p);
	return sgc_span_elem_bytes(s);
}

static void *malloc_typed(size_t lb, GC_descr d, int off_page)
{
	unsigned k = typed_setup();
	if (lb > SIZE_MAX - 2 * sizeof(GC_word))
		return sgc_oom(lb);
	GC_word *p = off_page ? sgc_alloc_ignore_off_page(lb + sizeof(GC_word), k)
			      : sgc_alloc(lb + sizeof(GC_word), k);
	if (!p)
		return NULL;
	size_t size = object_size(p);
	__atomic_store_n(&p[size / sizeof(GC_word) - 1], d, __ATOMIC_RELEASE);
	return p;
}

void *GC_malloc_explicitly_typed(size_t lb, GC_descr d)
{
	return malloc_typed(lb, d, 0);
}

void *GC_malloc_explicitly_typed_ignore_off_page(size_t lb, GC_descr d)
{
	return malloc_typed(lb, d, 1);
}

void *GC_calloc_explicitly_typed(size_t n, size_t lb, GC_descr d)
{
	unsigned k = typed_setup();
	if (lb != 0 && n > (SIZE_MAX - 8 * sizeof(GC_word)) / lb)
		return sgc_oom(SIZE_MAX);
	size_t bytes = n * lb;
	if (d == (0 | GC_DS_LENGTH)) { /* no pointers: still zeroed */
		void *p = sgc_alloc(bytes, SGC_KIND_PTRFREE);
		if (p)
			memset(p, 0, bytes);
		return p;
	}
	if (d == (lb | GC_DS_LENGTH)) /* every word */
		return sgc_alloc(bytes, SGC_KIND_NORMAL);
	if ((d & GC_DS_TAGS) == GC_DS_PER_OBJECT ||
	    ((d & GC_DS_TAGS) == GC_DS_PROC &&
	     ((d >> GC_DS_TAG_BITS) & (GC_MAX_MARK_PROCS - 1)) !=
		     sgc_load_relaxed(&bitmap_proc)))
		sgc_fatal("GC_calloc_explicitly_typed(%zu, %zu, %#lx): not a"
			  " descriptor from GC_make_descriptor", n, lb,
			  (unsigned long)d);
	GC_word *p = sgc_alloc(bytes + 4 * sizeof(GC_word), k);
	if (!p)
		return NULL;
	GC_word *trailer = p + object_size(p) / sizeof(GC_word) - 4;
	trailer[0] = lb;
	trailer[1] = n;
	trailer[2] = d;
	__atomic_store_n(&trailer[3],
			 GC_MAKE_PROC((GC_word)sgc_load_relaxed(&array_proc),
				      (GC_word)0),
			 __ATOMIC_RELEASE);
	return p;
}

/* ---- gcj ---- */

int GC_gcj_kind;
int GC_gcj_debug_kind;
static sgc_atomic_word gcj_ready; /* world lock to write */

void GC_init_gcj_malloc(int mp_index, void *mp)
{
	int taken = sgc_kinds_lock();
	if (sgc_load_acquire(&gcj_ready)) {
		sgc_kinds_unlock(taken);
		return;
	}
	if (mp_index < 0 || mp_index >= GC_MAX_MARK_PROCS)
		sgc_fatal("GC_init_gcj_malloc(%d, %p): bad mark procedure"
			  " index", mp_index, mp);
	__atomic_store_n(&sgc_mark_procs[mp_index], (GC_mark_proc)mp,
			 __ATOMIC_RELEASE);
	const char *ignore = getenv("GC_IGNORE_GCJ_INFO");
	GC_word descr = ignore ? (0 | GC_DS_LENGTH) :
		(GC_word)-(GC_signed_word)(sizeof(GC_word) +
					   GC_INDIR_PER_OBJ_BIAS) |
		GC_DS_PER_OBJECT;
	unsigned k = sgc_kinds_new("GC_init_gcj_malloc", descr, ignore != NULL,
				   1);
	GC_gcj_kind = (int)k;
	/* bdwgc's debug gcj kind: here the gcj kind's debug twin, whose
	 * objects are marked by the vtable after their debug header. */
	int dk = sgc_debug_kind_locked((int)k);
	GC_gcj_debug_kind = dk >= 0 ? dk : (int)k;
	sgc_store_release(&gcj_ready, 1);
	sgc_kinds_unlock(taken);
}

static void *gcj_malloc(const char *call, size_t lb, void *vtable)
{
	if (!sgc_load_acquire(&gcj_ready))
		sgc_fatal("%s(%zu, %p): call GC_init_gcj_malloc first", call,
			  lb, vtable);
	void **p = sgc_alloc(lb < sizeof(void *) ? sizeof(void *) : lb,
			     (unsigned)GC_gcj_kind);
	if (p)
		__atomic_store_n(p, vtable, __ATOMIC_RELEASE);
	return p;
}

void *GC_gcj_malloc(size_t lb, void *vtable)
{
	return gcj_malloc("GC_gcj_malloc", lb, vtable);
}

void *GC_gcj_malloc_ignore_off_page(size_t lb, void *vtable)
{
	return gcj_malloc("GC_gcj_malloc_ignore_off_page", lb, vtable);
}

void *GC_debug_gcj_malloc(size_t lb, void *vtable, GC_EXTRA_PARAMS)
{
	if (!sgc_load_acquire(&gcj_ready))
		sgc_fatal("GC_debug_gcj_malloc(%zu, %p): call"
			  " GC_init_gcj_malloc first", lb, vtable);
#ifdef GC_ADD_CALLER
	uintptr_t caller = (uintptr_t)ra;
#else
	uintptr_t caller = (uintptr_t)__builtin_extract_return_addr(
		__builtin_return_address(0));
#endif
	void **p = sgc_debug_alloc_kind(lb < sizeof(void *) ? sizeof(void *) :
				       lb, GC_gcj_kind, s, i, caller);
	if (p)
		__atomic_store_n(p, vtable, __ATOMIC_RELEASE);
	return p;
}
