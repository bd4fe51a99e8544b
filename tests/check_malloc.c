/*
 * check_malloc.c: white-box tests of src/malloc.[ch], the allocation
 * entry points: request sizes and classes, alignment, zeroing of reused
 * memory, uncollectable objects, GC_free, GC_realloc, GC_memalign and
 * the out-of-memory path, and allocation from a signal handler that
 * interrupted an allocation or a collection.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gc/gc_mark.h>

#include "testutil.h"
#include "cache.h"
#include "heap.h"
#include "malloc.h"
#include "sizeclass.h"
#include "span.h"

#define scrub_stack sgc_test_clear_stack

static void *volatile g_keep;

#define malloc_fixture sgc_test_pad_fixture

#define collect sgc_test_collect

/* Hide a pointer's provenance from the compiler: GC_malloc's alloc_size
 * and malloc attributes let it assume things that a collector's slots
 * and OOM results do not satisfy (writes into the slot's tail, a result
 * equal to a static's address). */
static inline void *launder(void *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* The request malloc.h promises for lb bytes with the extra byte. */
static size_t expected_request(size_t lb, int extra)
{
	size_t req = lb + (extra ? 1 : 0);
	return req <= 8 ? 8 : (req + 15) & ~(size_t)15;
}

START_TEST(test_size_classes)
{
	for (size_t lb = 0; lb <= SGC_MAX_SMALL_SIZE; lb++) {
		char *p = GC_malloc(lb);
		if (!p)
			ck_abort_msg("GC_malloc(%zu) failed", lb);
		size_t got = GC_size(p);
		size_t req = expected_request(lb, 1);
		size_t want = req <= SGC_MAX_SMALL_SIZE ?
				      sgc_class_size(sgc_size_to_class(req)) :
				      sgc_round_up(req, SGC_PAGE_SIZE);
		if (got != want)
			ck_abort_msg("GC_malloc(%zu): size %zu, expected %zu",
				     lb, got, want);
		if (got < lb + 1)
			ck_abort_msg("GC_malloc(%zu): no room for the extra byte"
				     " (size %zu)", lb, got);
		if (lb >= 8 && (uintptr_t)p % 16 != 0)
			ck_abort_msg("GC_malloc(%zu) = %p: not 16-aligned", lb,
				     (void *)p);
		if ((uintptr_t)p % 8 != 0)
			ck_abort_msg("GC_malloc(%zu) = %p: not 8-aligned", lb,
				     (void *)p);
		if (got == 24)
			ck_abort_msg("GC_malloc(%zu): the 24-byte class is used",
				     lb);
		if (GC_base(p + lb) != p)
			ck_abort_msg("GC_malloc(%zu): p + %zu is not inside", lb,
				     lb);
		GC_free(p);
	}
}
END_TEST

/* Uncollectable objects pay no extra byte. */
START_TEST(test_uncollectable_no_extra_byte)
{
	for (size_t lb = 1; lb <= 4096; lb++) {
		void *p = GC_malloc_uncollectable(lb);
		size_t want = sgc_class_size(sgc_size_to_class(
			expected_request(lb, 0)));
		if (GC_size(p) != want)
			ck_abort_msg("GC_malloc_uncollectable(%zu): size %zu, "
				     "expected %zu", lb, GC_size(p), want);
		GC_free(p);
	}
	ck_assert_uint_eq(GC_size(GC_malloc_uncollectable(16)), 16);
	ck_assert_uint_eq(GC_size(GC_malloc(16)), 32);
}
END_TEST

START_TEST(test_no_extra_byte_without_interior)
{
	GC_set_all_interior_pointers(0);
	GC_init();
	ck_assert_uint_eq(GC_size(GC_malloc(16)), 16);
	ck_assert_uint_eq(GC_size(GC_malloc(64)), 64);
	ck_assert_uint_eq(GC_size(GC_malloc(65536)), 65536);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_large_sizes)
{
	static const size_t sizes[] = { 32768, 32769, 40000, 65535, 65536,
					100000, 1 << 20, (3 << 20) + 5 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *p = GC_malloc(sizes[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % SGC_PAGE_SIZE, 0);
		ck_assert_uint_eq(GC_size(p),
				  sgc_round_up(sizes[i] + 1, SGC_PAGE_SIZE));
		ck_assert(all_zero(p, sizes[i]));
		ck_assert_ptr_eq(GC_base(p + sizes[i]), p);
	}
}
END_TEST

/* n objects of size bytes, filled with 0xa5, dropped; their addresses
 * (hidden) in out. */
static SGC_NOINLINE void fill_and_drop(size_t n, size_t size, uintptr_t *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = GC_malloc(size);
		ck_assert_ptr_nonnull(p);
		memset(p, 0xa5, GC_size(p));
		out[i] = sgc_test_hide(p);
	}
}

/* Memory dirtied by fill_and_drop in this test: hidden bases and sizes. */
#define MAX_DIRTY 4096
static uintptr_t g_dirty[MAX_DIRTY];
static size_t g_dirty_size[MAX_DIRTY], g_ndirty;

static int in_dirty(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	for (size_t i = 0; i < g_ndirty; i++) {
		uintptr_t b = (uintptr_t)sgc_test_reveal(g_dirty[i]);
		if (a + 1 > b && a < b + g_dirty_size[i])
			return 1;
	}
	return 0;
}

/* Fill n objects of size, drop them, collect, and allocate n again: all
 * zero, and most of them in memory that was dirty. */
static void reuse_is_zeroed(size_t size, size_t n)
{
	uintptr_t *old = g_dirty + g_ndirty;
	ck_assert_uint_le(g_ndirty + n, MAX_DIRTY);
	g_keep = GC_malloc(size); /* keeps a span of the class alive */
	fill_and_drop(n, size, old);
	for (size_t i = 0; i < n; i++)
		g_dirty_size[g_ndirty + i] = GC_size(sgc_test_reveal(old[i]));
	g_ndirty += n;
	collect();
	size_t reused = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = GC_malloc(size);
		ck_assert_ptr_nonnull(p);
		reused += in_dirty(p);
		if (!all_zero(p, GC_size(p)))
			ck_abort_msg("size %zu: object %zu at %p is dirty", size,
				     i, (void *)p);
	}
	ck_assert_msg(reused > n / 2, "size %zu: only %zu of %zu slots reused",
		      size, reused, n);
}

START_TEST(test_reused_small_zeroed)
{
	reuse_is_zeroed(48, 2000);
	reuse_is_zeroed(200, 500);
	reuse_is_zeroed(3000, 50);
	reuse_is_zeroed(32767, 8); /* the largest class */
}
END_TEST

START_TEST(test_reused_large_zeroed)
{
	reuse_is_zeroed(100000, 4);
}
END_TEST

/* Pages of a freed large object, dirty, become small spans: zeroed. */
START_TEST(test_freed_pages_to_small_zeroed)
{
	collect();
	char *l = GC_malloc(1 << 20);
	ck_assert_ptr_nonnull(l);
	memset(l, 0x5a, 1 << 20);
	GC_free(l);
	size_t inside = 0;
	for (int i = 0; i < 20000; i++) {
		char *p = GC_malloc(100);
		if ((uintptr_t)p >= (uintptr_t)l &&
		    (uintptr_t)p < (uintptr_t)l + (1 << 20))
			inside++;
		if (!all_zero(p, GC_size(p)))
			ck_abort_msg("object %d at %p is dirty", i, (void *)p);
	}
	ck_assert_uint_gt(inside, 1000);
}
END_TEST

static SGC_NOINLINE uintptr_t new_uncollectable(void **target)
{
	void **u = GC_malloc_uncollectable(64);
	ck_assert_ptr_nonnull(u);
	void *t = GC_malloc(64);
	ck_assert_ptr_nonnull(t);
	memset(t, 0x33, 64);
	u[0] = t;
	u[1] = (void *)(uintptr_t)0x1234;
	*target = (void *)sgc_test_hide(t);
	return sgc_test_hide(u);
}

static SGC_NOINLINE int hidden_live(uintptr_t h)
{
	void *p = sgc_test_reveal(h);
	return GC_base(p) == p;
}

START_TEST(test_uncollectable)
{
	void *th;
	uintptr_t uh = new_uncollectable(&th);
	for (int i = 0; i < 3; i++)
		collect();
	ck_assert(hidden_live(uh));
	ck_assert(hidden_live((uintptr_t)th)); /* scanned: its target lives */
	void **u = sgc_test_reveal(uh);
	ck_assert_uint_eq((uintptr_t)u[1], 0x1234);
	ck_assert(all_zero(u + 2, 64 - 2 * sizeof(void *)));
	GC_free(u);
	u = NULL;
	collect();
	ck_assert(!hidden_live(uh));
	ck_assert(!hidden_live((uintptr_t)th));
}
END_TEST

START_TEST(test_atomic_uncollectable)
{
	char *p = GC_malloc_atomic_uncollectable(1000);
	ck_assert_ptr_nonnull(p);
	memset(p, 0x77, 1000);
	uintptr_t h = sgc_test_hide(p);
	p = NULL;
	collect();
	collect();
	ck_assert(hidden_live(h));
	p = sgc_test_reveal(h);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq((unsigned char)p[i], 0x77);
	GC_free(p);
}
END_TEST

/* A freed small slot of the caller's cached span is the next one handed
 * out in its class, zeroed for the kinds that are zeroed. */
static void *alloc_of_kind(int kind, size_t n)
{
	switch (kind) {
	case 0:
		return GC_malloc(n);
	case 1:
		return GC_malloc_atomic(n);
	case 2:
		return GC_malloc_uncollectable(n);
	default:
		return GC_malloc_atomic_uncollectable(n);
	}
}

START_TEST(test_free_small_reused_at_once)
{
	for (int kind = 0; kind < 4; kind++) {
		char *p = alloc_of_kind(kind, 40);
		ck_assert_ptr_nonnull(p);
		memset(p, 0x5a, 40);
		GC_free(p);
		ck_assert_ptr_null(GC_base(p));
		char *q = alloc_of_kind(kind, 40);
		ck_assert_ptr_eq(q, p);
		if (kind != 1 && kind != 3)
			ck_assert(all_zero(q, 40));
		GC_free(q);
	}
	/* Two holes below the allocation point: both are reused, then the
	 * span goes on past them. */
	char *a[10];
	for (int i = 0; i < 10; i++)
		a[i] = GC_malloc_uncollectable(100);
	GC_free(a[3]);
	GC_free(a[7]);
	char *x = GC_malloc_uncollectable(100);
	char *y = GC_malloc_uncollectable(100);
	char *z = GC_malloc_uncollectable(100);
	ck_assert((x == a[3] && y == a[7]) || (x == a[7] && y == a[3]));
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_ne(z, a[i]);
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_eq(GC_base(a[i]), a[i]);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	collect();
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_eq(GC_base(a[i]), a[i]);
	ck_assert_ptr_eq(GC_base(z), z);
}
END_TEST

/* C++ programs send every delete to GC_free: allocate/free pairs need no
 * collection and no heap (bdwgc: none either). */
START_TEST(test_free_pairs_need_no_collection)
{
	collect();
	unsigned long gc0 = GC_get_gc_no();
	size_t heap0 = GC_get_heap_size();
	for (long i = 0; i < 2000000; i++) {
		long *p = GC_MALLOC_UNCOLLECTABLE(24 + (size_t)(i % 4) * 8);
		ck_assert_ptr_nonnull(p);
		p[0] = i;
		GC_FREE(p);
	}
	for (long i = 0; i < 500000; i++) {
		long *p = GC_MALLOC(40);
		p[0] = i;
		GC_FREE(p);
	}
	ck_assert_uint_eq(GC_get_gc_no(), gc0);
	ck_assert_uint_eq(GC_get_heap_size(), heap0);
}
END_TEST

static int cmp_word(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* Objects freed in spans the cache has moved past (full, on their
 * central's list) are reused by the next allocations too. */
START_TEST(test_free_on_central_reused)
{
	enum { N = 5000, SZ = 200 };
	void **objs = GC_malloc_uncollectable(N * sizeof *objs);
	uintptr_t *addr = malloc(N * sizeof *addr);
	ck_assert_ptr_nonnull(addr);
	collect();
	for (int i = 0; i < N; i++) {
		objs[i] = GC_malloc(SZ);
		memset(objs[i], 0x33, SZ);
	}
	size_t heap0 = GC_get_heap_size();
	for (int i = 0; i < N; i++) {
		addr[i] = sgc_test_hide(objs[i]);
		GC_free(objs[i]);
		objs[i] = NULL;
	}
	ck_assert_int_eq(sgc_verify_heap(), 0);
	qsort(addr, N, sizeof *addr, cmp_word);
	int reused = 0;
	for (int i = 0; i < N; i++) {
		objs[i] = GC_malloc(SZ);
		uintptr_t h = sgc_test_hide(objs[i]);
		reused += bsearch(&h, addr, N, sizeof *addr, cmp_word) != NULL;
		ck_assert(all_zero(objs[i], SZ));
		memset(objs[i], i & 0xff, SZ);
	}
	/* All but the never-used tail of the span the cache held. */
	uint32_t tail = sgc_span_of_heap((uintptr_t)objs[0])->nelems;
	ck_assert_int_ge(reused, N - (int)tail);
	ck_assert_uint_eq(GC_get_heap_size(), heap0);
	collect();
	for (int i = 0; i < N; i++)
		for (int k = 0; k < SZ; k++)
			ck_assert_int_eq(((unsigned char *)objs[i])[k], i & 0xff);
	free(addr);
	GC_free(objs);
}
END_TEST

START_TEST(test_free_large_at_once)
{
	collect();
	char *p = GC_malloc(300000);
	ck_assert_ptr_nonnull(p);
	memset(p, 0x11, 300000);
	size_t free1 = GC_get_free_bytes();
	GC_free(p);
	ck_assert_ptr_null(GC_base(p));
	ck_assert_uint_eq(GC_get_free_bytes(),
			  free1 + sgc_round_up(300001, SGC_PAGE_SIZE));
	char *q = GC_malloc(300000);
	ck_assert_ptr_eq(q, p);
	ck_assert(all_zero(q, 300000));
}
END_TEST

START_TEST(test_free_null_and_twice)
{
	GC_free(NULL);
	void *p = GC_malloc(40);
	GC_free(p);
	GC_free(p); /* aborts */
}
END_TEST

START_TEST(test_free_interior_aborts)
{
	char *p = GC_malloc(40);
	GC_free(p + 8);
}
END_TEST

START_TEST(test_realloc_in_place)
{
	unsigned char *p = launder(GC_malloc(100)); /* 112-byte slot */
	ck_assert_uint_eq(GC_size(p), 112);
	memset(p, 0xab, 112); /* the tail too, as a client might */
	unsigned char *q = launder(GC_realloc(p, 104));
	ck_assert_ptr_eq(q, p);
	for (int i = 0; i < 104; i++)
		ck_assert_int_eq(q[i], 0xab);
	ck_assert(all_zero(q + 104, 112 - 104));
	/* Shrinking within the class (and above half) stays too. */
	memset(q, 0xcd, 112);
	q = launder(GC_realloc(q, 60));
	ck_assert_ptr_eq(q, p);
	for (int i = 0; i < 60; i++)
		ck_assert_int_eq(q[i], 0xcd);
	ck_assert(all_zero(q + 60, 112 - 60));
	/* Large objects too. */
	unsigned char *l = launder(GC_malloc(100000)); /* 13 pages */
	memset(l, 0xef, GC_size(l));
	unsigned char *m = launder(GC_realloc(l, 90000));
	ck_assert_ptr_eq(m, l);
	for (int i = 0; i < 90000; i++)
		if (m[i] != 0xef)
			ck_abort_msg("byte %d lost", i);
	ck_assert(all_zero(m + 90000, GC_size(m) - 90000));
}
END_TEST

START_TEST(test_realloc_moves)
{
	unsigned char *p = GC_malloc(100);
	for (int i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	unsigned char *q = GC_realloc(p, 5000);
	ck_assert_ptr_ne(q, p);
	ck_assert_ptr_eq(GC_base(q), q);
	ck_assert_ptr_null(GC_base(p)); /* the old one was freed */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(q[i], i);
	ck_assert(all_zero(q + 112, GC_size(q) - 112));
	/* Growing a large object past its pages. */
	unsigned char *l = GC_malloc(50000);
	for (int i = 0; i < 50000; i++)
		l[i] = (unsigned char)(i * 13);
	unsigned char *m = GC_realloc(l, 500000);
	ck_assert_ptr_ne(m, l);
	for (int i = 0; i < 50000; i++)
		if (m[i] != (unsigned char)(i * 13))
			ck_abort_msg("byte %d lost", i);
	ck_assert(all_zero(m + 50000, 500000 - 50000));
	/* Shrinking far below half moves to a smaller class. */
	unsigned char *r = GC_realloc(m, 10);
	ck_assert_ptr_ne(r, m);
	ck_assert_uint_eq(GC_size(r), 16);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(r[i], (unsigned char)(i * 13));
	/* The kind is kept: an atomic object stays atomic. */
	void *a = GC_malloc_atomic(40);
	void *b = GC_realloc(a, 4000);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)b);
	ck_assert_uint_eq(sgc_spanclass_kind(s->spanclass), SGC_KIND_PTRFREE);
}
END_TEST

START_TEST(test_realloc_null_and_zero)
{
	void *p = GC_realloc(NULL, 50);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(GC_base(p), p);
	ck_assert(all_zero(p, 50));
	ck_assert_ptr_null(GC_realloc(p, 0));
	ck_assert_ptr_null(GC_base(p));
}
END_TEST

static const size_t memalign_sizes[] = {
	0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 127, 128,
	255, 256, 1023, 1024, 1025, 4095, 4096, 4097, 8191, 8192, 8193,
	16383, 16384, 32766, 32767, 32768, 32769, 65535, 65536, 100000
};
#define NSIZES (sizeof memalign_sizes / sizeof memalign_sizes[0])
#define NALIGNS 13 /* 16 .. 65536 */

START_TEST(test_memalign)
{
	void **keep = GC_malloc(NALIGNS * NSIZES * sizeof(void *));
	ck_assert_ptr_nonnull(keep);
	g_keep = keep;
	size_t k = 0;
	for (size_t align = 16; align <= 65536; align *= 2) {
		for (size_t i = 0; i < NSIZES; i++, k++) {
			size_t lb = memalign_sizes[i];
			unsigned char *p = GC_memalign(align, lb);
			if (!p)
				ck_abort_msg("GC_memalign(%zu, %zu) failed", align, lb);
			if ((uintptr_t)p % align)
				ck_abort_msg("GC_memalign(%zu, %zu) = %p", align, lb,
					     (void *)p);
			unsigned char *base = GC_base(p);
			if (!base || base + GC_size(base) < p + lb)
				ck_abort_msg("GC_memalign(%zu, %zu): object too"
					     " small", align, lb);
			if (!all_zero(p, lb))
				ck_abort_msg("GC_memalign(%zu, %zu): not zeroed",
					     align, lb);
			memset(p, (int)(k & 0xff), lb);
			keep[k] = p;
		}
	}
	ck_assert_uint_eq(k, NALIGNS * NSIZES);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	/* Kept alive by the pointers returned (interior ones above a page),
	 * contents intact after collections with garbage in between. */
	for (int c = 0; c < 3; c++) {
		for (int j = 0; j < 1000; j++)
			(void)GC_malloc(memalign_sizes[j % NSIZES]);
		collect();
	}
	for (k = 0; k < NALIGNS * NSIZES; k++) {
		unsigned char *p = keep[k];
		size_t lb = memalign_sizes[k % NSIZES];
		for (size_t b = 0; b < lb; b++)
			if (p[b] != (unsigned char)(k & 0xff))
				ck_abort_msg("memalign object %zu changed", k);
	}
}
END_TEST

START_TEST(test_memalign_bad)
{
	ck_assert_ptr_null(GC_memalign(24, 10));
	ck_assert_ptr_null(GC_memalign(0, 10));
	void *p = NULL;
	ck_assert_int_ne(GC_posix_memalign(&p, 4, 10), 0);
	ck_assert_int_ne(GC_posix_memalign(&p, 48, 10), 0);
	ck_assert_int_eq(GC_posix_memalign(&p, 64, 10), 0);
	ck_assert_uint_eq((uintptr_t)p % 64, 0);
}
END_TEST

static int g_oom_calls;
static size_t g_oom_last;
static char g_oom_sentinel;

static void *GC_CALLBACK counting_oom(size_t bytes)
{
	g_oom_calls++;
	g_oom_last = bytes;
	return NULL;
}

static void *GC_CALLBACK sentinel_oom(size_t bytes)
{
	(void)bytes;
	g_oom_calls++;
	return &g_oom_sentinel;
}

START_TEST(test_huge_calls_oom)
{
	static const volatile size_t huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 2,
				       (size_t)1 << 50, (size_t)1 << 46 };
	GC_set_warn_proc(GC_ignore_warn_proc);
	GC_set_oom_fn(counting_oom);
	int calls = 0;
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		ck_assert_ptr_null(GC_malloc(huge[i]));
		ck_assert_int_eq(g_oom_calls, ++calls);
		ck_assert_uint_eq(g_oom_last, huge[i]);
		ck_assert_ptr_null(GC_malloc_atomic(huge[i]));
		ck_assert_int_eq(g_oom_calls, ++calls);
		ck_assert_ptr_null(GC_malloc_uncollectable(huge[i]));
		ck_assert_int_eq(g_oom_calls, ++calls);
		ck_assert_ptr_null(GC_memalign(4096, huge[i]));
		ck_assert_int_eq(g_oom_calls, ++calls);
		ck_assert_ptr_null(GC_memalign(65536, huge[i]));
		ck_assert_int_eq(g_oom_calls, ++calls);
	}
	/* A failed realloc leaves the object alone. */
	char *p = GC_malloc(100);
	memset(p, 0x42, 100);
	ck_assert_ptr_null(GC_realloc(p, SIZE_MAX / 2));
	ck_assert_int_eq(g_oom_calls, ++calls);
	ck_assert_ptr_eq(GC_base(p), p);
	ck_assert_int_eq(p[99], 0x42);
	/* What the OOM function returns is the result. */
	GC_set_oom_fn(sentinel_oom);
	void *r = launder(GC_malloc(huge[0]));
	ck_assert_ptr_eq(r, &g_oom_sentinel);
	/* The heap is usable afterwards. */
	ck_assert_ptr_nonnull(GC_malloc(1000));
}
END_TEST

/* Over the maximum heap size: OOM function, NULL, heap intact. */
START_TEST(test_max_heap_oom)
{
	GC_set_warn_proc(GC_ignore_warn_proc);
	GC_set_oom_fn(counting_oom);
	GC_set_max_heap_size(32 << 20);
	ck_assert_ptr_null(GC_malloc(64 << 20));
	ck_assert_int_eq(g_oom_calls, 1);
	void *p = GC_malloc(1 << 20);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(g_oom_calls, 1);
}
END_TEST

/* ---- Allocation from a signal handler ---- */

static volatile sig_atomic_t handler_allocs;
static size_t handler_size;

static void allocating_handler(int sig)
{
	(void)sig;
	void *p = GC_malloc(handler_size);
	if (p)
		handler_allocs++;
}

/* The handler allocates while this thread is inside an allocation's
 * critical section (as if the signal came while it held a central's or
 * the heap's lock). */
static void signal_inside_allocation(void)
{
	signal(SIGUSR1, allocating_handler);
	struct sgc_cache *c = sgc_self_cache("test");
	sgc_critical_enter(c);
	raise(SIGUSR1);
	sgc_critical_leave(c);
}

/* The same where the handler's size class has a span with free slots in
 * the thread's cache: its fast path would hand out a slot the
 * interrupted allocation may be about to hand out too. */
static void signal_inside_fast_allocation(void)
{
	void *keep = GC_malloc(handler_size); /* the class's span is cached */
	signal_inside_allocation();
	GC_reachable_here(keep);
}

static void GC_CALLBACK raising_start_callback(void)
{
	raise(SIGUSR1);
}

/* The handler allocates while this thread runs a collection. */
static void signal_inside_collection(void)
{
	signal(SIGUSR1, allocating_handler);
	GC_set_start_callback(raising_start_callback);
	GC_gcollect();
}

static void expect_reentry_abort(void (*fn)(void), const char *during)
{
	char out[4096];
	int status = sgc_test_run_child(fn, 20, out, sizeof out);
	ck_assert_msg(status != -1, "the child hung (stderr: %s)", out);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		      "status %#x, stderr: %s", status, out);
	ck_assert_msg(strstr(out, "GC_malloc called from a signal handler") &&
			      strstr(out, during),
		      "stderr: %s", out);
}

/* Large objects take the slow path every time; a small object whose
 * class has never been used takes it too; one whose class has free
 * slots at hand would take the fast path, and must not. */
START_TEST(test_signal_alloc_in_allocation)
{
	handler_size = 100000;
	expect_reentry_abort(signal_inside_allocation, "an allocation");
	handler_size = 3000;
	expect_reentry_abort(signal_inside_allocation, "an allocation");
	handler_size = 24;
	expect_reentry_abort(signal_inside_fast_allocation, "an allocation");
}
END_TEST

START_TEST(test_signal_alloc_in_collection)
{
	handler_size = 100000;
	expect_reentry_abort(signal_inside_collection, "the collector");
}
END_TEST

/* Outside the collector a handler may allocate. */
START_TEST(test_signal_alloc_outside)
{
	signal(SIGUSR1, allocating_handler);
	handler_size = 100000;
	raise(SIGUSR1);
	handler_size = 24;
	raise(SIGUSR1);
	ck_assert_int_eq(handler_allocs, 2);
}
END_TEST

Suite *make_malloc_suite(void)
{
	Suite *s = suite_create("malloc");
	TCase *tc = tcase_create("sizes");
	malloc_fixture(tc);
	tcase_add_test(tc, test_size_classes);
	tcase_add_test(tc, test_uncollectable_no_extra_byte);
	tcase_add_test(tc, test_large_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("no_interior");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_no_extra_byte_without_interior);
	suite_add_tcase(s, tc);

	tc = tcase_create("zero");
	malloc_fixture(tc);
	tcase_add_test(tc, test_reused_small_zeroed);
	tcase_add_test(tc, test_reused_large_zeroed);
	tcase_add_test(tc, test_freed_pages_to_small_zeroed);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	malloc_fixture(tc);
	tcase_add_test(tc, test_uncollectable);
	tcase_add_test(tc, test_atomic_uncollectable);
	tcase_add_test(tc, test_free_small_reused_at_once);
	tcase_add_test(tc, test_free_pairs_need_no_collection);
	tcase_add_test(tc, test_free_on_central_reused);
	tcase_add_test(tc, test_free_large_at_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("signal_handler");
	malloc_fixture(tc);
	tcase_add_test(tc, test_signal_alloc_in_allocation);
	tcase_add_test(tc, test_signal_alloc_in_collection);
	tcase_add_test(tc, test_signal_alloc_outside);
	suite_add_tcase(s, tc);

	tc = tcase_create("free_abort");
	tcase_set_timeout(tc, 120);
	tcase_add_test_raise_signal(tc, test_free_null_and_twice, SIGABRT);
	tcase_add_test_raise_signal(tc, test_free_interior_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("realloc");
	malloc_fixture(tc);
	tcase_add_test(tc, test_realloc_in_place);
	tcase_add_test(tc, test_realloc_moves);
	tcase_add_test(tc, test_realloc_null_and_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("memalign");
	malloc_fixture(tc);
	tcase_add_test(tc, test_memalign);
	tcase_add_test(tc, test_memalign_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("oom");
	malloc_fixture(tc);
	tcase_add_test(tc, test_huge_calls_oom);
	tcase_add_test(tc, test_max_heap_oom);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_malloc_suite());
}
