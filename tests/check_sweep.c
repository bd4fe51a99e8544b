/*
 * check_sweep.c: white-box tests of src/sweep.[ch]: sweeping spans one by
 * one, reclaiming unreachable and GC_free'd slots, the page reclaimer,
 * proportional sweeping and finishing the sweep.
 *
 * Objects the tests keep live in static arrays (roots); objects meant to
 * die are remembered only hidden, and the stack is cleared before each
 * collection.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <gc/gc.h>

#include "central.h"
#include "collect.h"
#include "heap.h"
#include "os.h"
#include "pacer.h"
#include "span.h"
#include "sweep.h"
#include "testutil.h"

#define clear_stack sgc_test_clear_stack

#define MAXOBJ 4096

static void *volatile keep[MAXOBJ]; /* roots */
static uintptr_t hidden[MAXOBJ]; /* not roots */

static int is_object(uintptr_t hid)
{
	struct sgc_obj o;
	return sgc_find_object((uintptr_t)sgc_test_reveal(hid), 0, &o);
}

static int span_gone(uintptr_t hid)
{
	return sgc_span_of_heap((uintptr_t)sgc_test_reveal(hid)) == NULL;
}

static size_t unswept_spans(void)
{
	uintptr_t h = sgc_heap_sweepgen();
	size_t n = 0;
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++) {
		struct sgc_central *c = &sgc_centrals[i];
		n += sgc_central_partial_unswept(c, h)->n +
		     sgc_central_full_unswept(c, h)->n;
	}
	return n;
}

/* Every span on a central list is swept for the current cycle. */
static void assert_all_swept(void)
{
	uintptr_t h = sgc_heap_sweepgen();
	ck_assert_uint_eq(unswept_spans(), 0);
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++) {
		struct sgc_central *c = &sgc_centrals[i];
		struct sgc_span_list *l[2] = { sgc_central_partial_swept(c, h),
					       sgc_central_full_swept(c, h) };
		for (int j = 0; j < 2; j++)
			for (struct sgc_span *s = l[j]->head; s; s = s->next)
				if (sgc_load_relaxed(&s->sweepgen) != h)
					ck_abort_msg("span %p: sweepgen %lu, heap %lu",
						     (void *)s->start,
						     (unsigned long)sgc_load_relaxed(&s->sweepgen),
						     (unsigned long)h);
	}
}

/* Fill n hidden slots with garbage objects of size sz. */
static SGC_NOINLINE void make_garbage(size_t n, size_t sz)
{
	for (size_t i = 0; i < n; i++) {
		void *p = GC_malloc(sz);
		ck_assert_ptr_nonnull(p);
		memset(p, 0x33, sz);
		hidden[i] = sgc_test_hide(p);
	}
}

/* Nothing is unswept before the first collection. */
START_TEST(test_done_before_first_collection)
{
	void *p = GC_malloc(100);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(unswept_spans(), 0);
	/* Nothing to sweep before the first collection. */
	ck_assert_int_eq(sgc_sweep_done(), 1);
	ck_assert_uint_eq(sgc_sweep_one(), 0);
	ck_assert_int_eq(sgc_sweep_done(), 1);
}
END_TEST

/* After a collection, sgc_sweep_one sweeps spans one at a time and frees
 * those with nothing marked. */
START_TEST(test_sweep_one)
{
	/* A live span of another class, then garbage filling 3 spans. */
	keep[0] = GC_malloc(200);
	unsigned sc = sgc_size_to_class(64);
	size_t per_span = sgc_class_nelems(sc);
	size_t n = 3 * per_span;
	make_garbage(n, 63);
	size_t n0 = sgc_load_relaxed(&sgc_heap.nspans);
	ck_assert_uint_ge(n0, 4);

	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_int_eq(sgc_sweep_done(), 0);
	ck_assert_uint_eq(unswept_spans(), n0);
	/* Not swept yet: the garbage is still allocated. */
	for (size_t i = 0; i < n; i++)
		if (!is_object(hidden[i]))
			ck_abort_msg("object %zu freed before the sweep", i);

	size_t swept = 0, pages = 0, npg;
	while ((npg = sgc_sweep_one()) != 0) {
		swept++;
		pages += npg;
		ck_assert_uint_eq(unswept_spans(), n0 - swept);
	}
	ck_assert_uint_eq(swept, n0);
	ck_assert_uint_ge(pages, 3 * sgc_class_npages(sc));
	ck_assert_int_eq(sgc_sweep_done(), 1);
	assert_all_swept();
	/* The garbage spans are gone, the live one stays. */
	for (size_t i = 0; i < n; i++)
		if (!span_gone(hidden[i]))
			ck_abort_msg("span of garbage object %zu kept", i);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.nspans), 1);
	ck_assert_ptr_nonnull(sgc_span_of_heap((uintptr_t)keep[0]));
	ck_assert_ptr_eq(GC_base(keep[0]), keep[0]);
}
END_TEST

/* The first object of the heap is not kept alive by the collector's own
 * variables. */
/* Allocate the heap's first object in a frame of its own, so that no copy
 * of its address stays in the test's frame; 0 if it is not at the base. */
static SGC_NOINLINE uintptr_t alloc_heap_base_hidden(void)
{
	void *p = GC_malloc(32);
	if (p != (void *)sgc_heap.base)
		return 0;
	keep[0] = GC_malloc(32); /* the span stays for another object */
	return sgc_test_hide(p);
}

START_TEST(test_heap_base_object_collected)
{
	hidden[0] = alloc_heap_base_hidden();
	ck_assert_uint_ne(hidden[0], 0);
	clear_stack();
	GC_gcollect();
	/* The object at the heap's base is collected too. */
	ck_assert_int_eq(is_object(hidden[0]), 0);
	ck_assert_int_eq(is_object((uintptr_t)sgc_test_hide(keep[0])), 1);
}
END_TEST

/* Unreachable objects' slots become free and are allocated again;
 * reachable objects keep their contents. */
enum { N_SLOTS = 20 };

/* Allocation phases run in helpers, so that the stale pointers they
 * leave in their frames are cleared with the stack. */
static SGC_NOINLINE struct sgc_span *alloc_pattern(void)
{
	keep[N_SLOTS] = GC_malloc(40); /* the span's first slot: kept */
	for (int i = 0; i < N_SLOTS; i++) {
		char *p = GC_malloc(40);
		memset(p, 'a' + i, 40);
		if (i % 2)
			hidden[i] = sgc_test_hide(p);
		else
			keep[i] = p;
	}
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)keep[0]);
	ck_assert_ptr_eq(sgc_span_of_heap((uintptr_t)keep[N_SLOTS]), s);
	ck_assert_ptr_eq(sgc_span_of_heap((uintptr_t)sgc_test_reveal(
				 hidden[N_SLOTS - 1])), s);
	return s;
}

START_TEST(test_unreachable_slots_reused)
{
	enum { N = N_SLOTS };
	struct sgc_span *s = alloc_pattern();
	clear_stack();
	GC_gcollect();

	ck_assert_uint_eq(s->alloc_count, N / 2 + 1);
	for (int i = 0; i < N; i++) {
		if (i % 2) {
			ck_assert_int_eq(is_object(hidden[i]), 0);
		} else {
			char *p = keep[i];
			for (int j = 0; j < 40; j++)
				ck_assert_int_eq(p[j], 'a' + i);
			ck_assert_ptr_eq(GC_base(p), p);
		}
	}
	/* The freed slots are handed out again, lowest first, zeroed. */
	for (int i = 1; i < N; i += 2) {
		char *q = GC_malloc(40);
		ck_assert_ptr_eq(q, sgc_test_reveal(hidden[i]));
		for (int j = 0; j < 40; j++)
			ck_assert_int_eq(q[j], 0);
	}
	/* Then the slots after the last object. */
	char *q = GC_malloc(40);
	ck_assert_ptr_eq(q, (char *)sgc_test_reveal(hidden[N - 1]) + 48);
}
END_TEST

/* GC_free'd objects are reclaimed at once when their span is in the
 * caller's cache, and stay reclaimed across a sweep, even when still
 * referenced. */
START_TEST(test_gc_free_reclaimed)
{
	for (int i = 0; i < 4; i++)
		keep[i] = GC_malloc(100);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)keep[0]);
	GC_free(keep[1]);
	GC_free(keep[2]);
	ck_assert_ptr_null(GC_base(keep[1]));
	ck_assert_uint_eq(s->alloc_count, 2);
	/* The slots are the next ones handed out, lowest first. */
	ck_assert_ptr_eq(GC_malloc(100), keep[1]);
	ck_assert_ptr_eq(GC_malloc(100), keep[2]);
	keep[4] = GC_malloc(100);
	ck_assert_uint_eq(s->alloc_count, 5);
	GC_free(keep[4]); /* still referenced from keep[] */
	ck_assert_uint_eq(s->alloc_count, 4);

	GC_gcollect();
	ck_assert_uint_eq(s->alloc_count, 4);
	ck_assert_ptr_eq(GC_base(keep[0]), keep[0]);
	ck_assert_ptr_eq(GC_base(keep[3]), keep[3]);
	ck_assert_ptr_null(GC_base(keep[4]));
	ck_assert_ptr_eq(GC_malloc(100), keep[4]);

	/* Freed after the mark that found it reachable, before its span is
	 * swept: the sweep must not keep it. */
	for (int i = 6; i < 9; i++)
		keep[i] = GC_malloc(300);
	struct sgc_span *t = sgc_span_of_heap((uintptr_t)keep[6]);
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_uint_eq(sgc_load_relaxed(&t->sweepgen), sgc_heap_sweepgen() - 2);
	GC_free(keep[7]);
	sgc_sweep_finish();
	ck_assert_uint_eq(t->alloc_count, 2);
	ck_assert_ptr_null(GC_base(keep[7]));
	ck_assert_uint_eq(sgc_load_relaxed(&t->freed_bits), 0);
	ck_assert_ptr_eq(GC_malloc(300), keep[7]);

	/* A large object's span goes at once. */
	keep[5] = GC_malloc(100000);
	ck_assert_ptr_nonnull(sgc_span_of_heap((uintptr_t)keep[5]));
	size_t pages = sgc_heap.pages_in_use;
	GC_free(keep[5]);
	ck_assert_ptr_null(sgc_span_of_heap((uintptr_t)keep[5]));
	ck_assert_uint_eq(sgc_heap.pages_in_use,
			  pages - (100001 + SGC_PAGE_SIZE - 1) / SGC_PAGE_SIZE);
}
END_TEST

/* The page reclaimer frees whole unmarked spans without sweeping them,
 * and leaves marked spans to the sweepers. */
enum { NL = 6 };

struct reclaim_setup {
	struct sgc_span *live, *live_small;
	size_t garbage_pages, n_small_spans;
};

static SGC_NOINLINE void reclaim_setup(struct reclaim_setup *r, size_t large)
{
	keep[0] = GC_malloc(large);
	memset(keep[0], 0x42, large);
	for (int i = 0; i < NL; i++)
		hidden[i] = sgc_test_hide(GC_malloc(large));
	keep[1] = GC_malloc(16);
	for (int i = 0; i < 200; i++)
		hidden[NL + i] = sgc_test_hide(GC_malloc_atomic(500));
	struct sgc_span *live = sgc_span_of_heap((uintptr_t)keep[0]);
	struct sgc_span *live_small = sgc_span_of_heap((uintptr_t)keep[1]);
	size_t garbage_pages = NL * 5, n_small_spans = 0;
	for (int i = NL; i < NL + 200; i++) {
		struct sgc_span *s =
			sgc_span_of_heap((uintptr_t)sgc_test_reveal(hidden[i]));
		if (i == NL || s != sgc_span_of_heap((uintptr_t)
				sgc_test_reveal(hidden[i - 1]))) {
			garbage_pages += s->npages;
			n_small_spans++;
		}
	}
	r->live = live;
	r->live_small = live_small;
	r->garbage_pages = garbage_pages;
	r->n_small_spans = n_small_spans;
}

START_TEST(test_reclaim)
{
	size_t large = 5 * SGC_PAGE_SIZE - 100;
	struct reclaim_setup r;
	reclaim_setup(&r, large);
	struct sgc_span *live = r.live, *live_small = r.live_small;
	size_t garbage_pages = r.garbage_pages;
	ck_assert_uint_ge(r.n_small_spans, 2);
	/* The pages in this thread's page cache go back in the stop. */
	size_t pages0 = sgc_heap.pages_in_use -
			sgc_load_relaxed(&sgc_heap.cached_pages);

	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	uintptr_t h = sgc_heap_sweepgen();
	size_t r0 = sgc_sweep_pages_reclaimed();
	sgc_sweep_reclaim(1000000);
	ck_assert_uint_eq(sgc_sweep_pages_reclaimed() - r0, garbage_pages);
	ck_assert_uint_eq(sgc_heap.pages_in_use, pages0 - garbage_pages);
	for (int i = 0; i < NL + 200; i++)
		if (!span_gone(hidden[i]))
			ck_abort_msg("garbage span of object %d not reclaimed", i);
	/* The marked spans were not swept. */
	ck_assert_uint_eq(sgc_load_relaxed(&live->sweepgen), h - 2);
	ck_assert_uint_eq(sgc_load_relaxed(&live_small->sweepgen), h - 2);
	ck_assert_uint_eq(((unsigned char *)keep[0])[large - 1], 0x42);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	/* A second call in the same cycle does nothing. */
	sgc_sweep_reclaim(1000000);
	ck_assert_uint_eq(sgc_sweep_pages_reclaimed() - r0, garbage_pages);
	sgc_sweep_finish();
	ck_assert_uint_eq(sgc_load_relaxed(&live->sweepgen), h);
	ck_assert_ptr_eq(GC_base(keep[0]), keep[0]);
	ck_assert_ptr_eq(GC_base(keep[1]), keep[1]);
}
END_TEST

/* The heap calls the reclaimer before taking pages while sweeping is
 * unfinished: a new large object reuses a garbage span's pages. */
static SGC_NOINLINE void alloc_three(size_t large)
{
	keep[0] = GC_malloc(large);
	hidden[0] = sgc_test_hide(GC_malloc(large));
	keep[1] = GC_malloc(large);
	ck_assert_uint_gt((uintptr_t)sgc_test_reveal(hidden[0]),
			  (uintptr_t)keep[0]);
}

START_TEST(test_reclaim_on_alloc)
{
	size_t large = 8 * SGC_PAGE_SIZE - 100;
	alloc_three(large);

	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_int_eq(sgc_sweep_done(), 0);
	size_t r0 = sgc_sweep_pages_reclaimed();
	void *p = GC_malloc(large);
	ck_assert_ptr_eq(p, sgc_test_reveal(hidden[0]));
	ck_assert_uint_ge(sgc_sweep_pages_reclaimed() - r0, 8);
	keep[2] = p;
}
END_TEST

static SGC_NOINLINE size_t alloc_one_per_span(size_t n)
{
	size_t per_span = sgc_class_nelems(sgc_size_to_class(64));
	size_t nkeep = 0;
	GC_disable();
	for (size_t i = 0; i < n; i++) {
		void *p = GC_malloc(48);
		if (i % per_span == 0)
			keep[nkeep++] = p;
	}
	GC_enable();
	return nkeep;
}

/* Proportional sweeping: allocation drives the sweep, which ends before
 * the next collection is due. */
START_TEST(test_proportional_sweep)
{
	/* About 8 MiB of 64-byte objects, one kept per span so that the
	 * page reclaimer cannot free the spans: only sweeping frees their
	 * garbage.  No collection meanwhile. */
	size_t nkeep = alloc_one_per_span((8 << 20) / 64);
	uintptr_t gc0 = GC_get_gc_no();
	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_int_eq(sgc_sweep_done(), 0);
	size_t unswept0 = unswept_spans();
	ck_assert_uint_gt(unswept0, 100);
	size_t budget = sgc_load_relaxed(&sgc_pacer.budget);

	/* Allocate in another class (pointer-free, 1 KiB), so that only the
	 * proportional sweeper can reach the 48-byte spans. */
	size_t allocated = 0;
	int saw_progress = 0;
	while (!sgc_sweep_done()) {
		if (GC_get_gc_no() != gc0 + 1)
			ck_abort_msg("a collection started before sweeping ended");
		if (allocated > budget)
			ck_abort_msg("sweeping not done after %zu bytes",
				     allocated);
		void *p = GC_malloc_atomic(1000);
		if (!p)
			ck_abort_msg("out of memory");
		allocated += 1008;
		if (!saw_progress && unswept_spans() < unswept0)
			saw_progress = allocated < budget / 2;
	}
	ck_assert_int_eq(saw_progress, 1);
	ck_assert_uint_eq(GC_get_gc_no(), gc0 + 1);
	ck_assert(!sgc_pacer_due());
	assert_all_swept();
	for (size_t i = 0; i < nkeep; i++) {
		ck_assert_ptr_eq(GC_base(keep[i]), keep[i]);
		ck_assert_uint_eq(sgc_span_of_heap((uintptr_t)keep[i])->alloc_count, 1);
	}
}
END_TEST

/* sgc_sweep_finish leaves nothing unswept. */
START_TEST(test_sweep_finish)
{
	keep[0] = GC_malloc(64);
	make_garbage(2000, 64);
	for (int i = 0; i < 100; i++)
		keep[1 + i] = GC_malloc_atomic(300 * (size_t)(i + 1));
	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_uint_gt(unswept_spans(), 0);
	ck_assert_int_eq(sgc_sweep_done(), 0);
	sgc_sweep_finish();
	ck_assert_int_eq(sgc_sweep_done(), 1);
	assert_all_swept();
	ck_assert_int_eq(sgc_verify_heap(), 0);
	for (int i = 0; i < 101; i++)
		ck_assert_ptr_eq(GC_base(keep[i]), keep[i]);
	for (int i = 0; i < 2000; i++)
		if (is_object(hidden[i]))
			ck_abort_msg("garbage object %d survived", i);
}
END_TEST

/* Sweeping a span by hand: its mark bits become its alloc bits. */
static SGC_NOINLINE struct sgc_span *alloc_ten_drop_two(void)
{
	for (int i = 0; i < 10; i++)
		keep[i] = GC_malloc(24);
	keep[3] = keep[5] = NULL;
	return sgc_span_of_heap((uintptr_t)keep[0]);
}

START_TEST(test_sweep_span_direct)
{
	struct sgc_span *s = alloc_ten_drop_two();
	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	uintptr_t h = sgc_heap_sweepgen();
	struct sgc_central *c = &sgc_centrals[s->spanclass];
	ck_assert_ptr_eq(s->on_list, sgc_central_partial_unswept(c, h));
	ck_assert(sgc_cas(&s->sweepgen, h - 2, h - 1));
	sgc_central_unlink(c, s);
	ck_assert_int_eq(sgc_sweep_span(s), 1);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), h);
	ck_assert_uint_eq(s->alloc_count, 8);
	/* Allocation resumes at the first free slot; the allocated prefix
	 * before it needs no alloc bit. */
	ck_assert_uint_eq(s->free_index, 3);
	ck_assert_uint_eq(s->alloc_cache & 1, 1);
	ck_assert_int_eq(sgc_bit(s->alloc_bits, 0), 1);
	ck_assert_int_eq(sgc_bit(s->alloc_bits, 3), 0);
	ck_assert_int_eq(sgc_bit(s->alloc_bits, 5), 0);
	ck_assert_int_eq(sgc_bit(s->alloc_bits, 9), 1);
	ck_assert_int_eq(sgc_bit(s->alloc_bits, 10), 0);
	for (uint32_t i = 0; i < s->nelems; i++)
		ck_assert_int_eq(sgc_span_marked(s, i), 0);
	ck_assert_int_eq(s->needzero, 1);
	sgc_central_put_swept(c, s);
	ck_assert_ptr_eq(s->on_list, sgc_central_partial_swept(c, h));
}
END_TEST

/* No memory for a span's fresh alloc bits (the os layer's fault injector
 * fails every request): the sweep keeps the span whole for the cycle,
 * every slot allocated, and the next cycle reclaims its garbage.  Before,
 * the sweep aborted ("out of memory for alloc bits"). */
static SGC_NOINLINE struct sgc_span *alloc_ten_hide_two(void)
{
	for (int i = 0; i < 10; i++) {
		keep[i] = GC_malloc(24);
		ck_assert_ptr_nonnull(keep[i]);
		memset(keep[i], 0x40 + i, 24);
	}
	hidden[3] = sgc_test_hide(keep[3]);
	hidden[5] = sgc_test_hide(keep[5]);
	keep[3] = keep[5] = NULL;
	return sgc_span_of_heap((uintptr_t)keep[0]);
}

START_TEST(test_sweep_out_of_memory_keeps_span)
{
	struct sgc_span *s = alloc_ten_hide_two();
	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	uintptr_t h = sgc_heap_sweepgen();
	struct sgc_central *c = &sgc_centrals[s->spanclass];
	ck_assert(sgc_cas(&s->sweepgen, h - 2, h - 1));
	sgc_central_unlink(c, s);
	sgc_os_fail_request(1, 1);
	int in_use = sgc_sweep_span(s);
	sgc_os_fail_request(0, 0);
	ck_assert_int_eq(in_use, 1);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), h);
	ck_assert_uint_eq(s->alloc_count, s->nelems);
	ck_assert_uint_eq(s->free_index, s->nelems);
	ck_assert_uint_eq(s->alloc_cache, 0);
	for (uint32_t i = 0; i < s->nelems; i++)
		ck_assert_int_eq(sgc_span_marked(s, i), 0);
	ck_assert(is_object(hidden[3]));
	ck_assert(is_object(hidden[5]));
	sgc_central_put_swept(c, s);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	for (int i = 0; i < 10; i++) {
		if (i == 3 || i == 5)
			continue;
		unsigned char *p = keep[i];
		ck_assert_ptr_eq(GC_base(p), p);
		ck_assert_int_eq(p[0], 0x40 + i);
		ck_assert_int_eq(p[23], 0x40 + i);
	}
	/* With memory back, the next cycle reclaims the two. */
	clear_stack();
	GC_gcollect();
	ck_assert(!is_object(hidden[3]));
	ck_assert(!is_object(hidden[5]));
	ck_assert_ptr_eq(GC_base(keep[9]), keep[9]);
}
END_TEST

Suite *make_sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("sweep");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_done_before_first_collection);
	tcase_add_test(tc, test_sweep_one);
	tcase_add_test(tc, test_heap_base_object_collected);
	tcase_add_test(tc, test_unreachable_slots_reused);
	tcase_add_test(tc, test_gc_free_reclaimed);
	tcase_add_test(tc, test_sweep_span_direct);
	tcase_add_test(tc, test_sweep_finish);
	tcase_add_test(tc, test_sweep_out_of_memory_keeps_span);
	suite_add_tcase(s, tc);

	tc = tcase_create("reclaim");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_reclaim);
	tcase_add_test(tc, test_reclaim_on_alloc);
	suite_add_tcase(s, tc);

	tc = tcase_create("proportional");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_proportional_sweep);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run_budget(make_sweep_suite());
}
