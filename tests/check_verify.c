/*
 * check_verify.c: white-box tests of src/verify.[ch], the heap verifier.
 *
 * The verifier must find a healthy heap healthy after every kind of
 * operation, and must notice each invariant broken on purpose.  The
 * corruption tests break the heap for good: they run without the
 * verifying teardown (each test is its own process), and must not
 * collect afterwards (debug builds verify inside GC_gcollect and abort).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spangc.h>
#include "testutil.h"
#include "central.h"
#include "collect.h"
#include "heap.h"
#include "span.h"

#define scrub_stack sgc_test_clear_stack

static void *volatile g_keep;
static void *volatile g_keep2;

#define collect sgc_test_collect

/* A little of everything: small and large objects, atomic and
 * uncollectable ones, frees, reallocs, aligned objects. */
static SGC_NOINLINE void mixed_work(int round)
{
	void **keep = GC_malloc(512 * sizeof(void *));
	g_keep = keep;
	for (int i = 0; i < 512; i++) {
		size_t n = (size_t)(i * 97 + round * 13) % 6000 + 1;
		switch (i % 6) {
		case 0: keep[i] = GC_malloc(n); break;
		case 1: keep[i] = GC_malloc_atomic(n); break;
		case 2: keep[i] = GC_malloc(n * 20); break;
		case 3: keep[i] = GC_memalign(256, n); break;
		case 4: keep[i] = GC_realloc(GC_malloc(n), n * 3); break;
		default: GC_free(GC_malloc(n)); keep[i] = NULL; break;
		}
	}
	void *u = GC_malloc_uncollectable(100);
	GC_free(GC_malloc(100000));
	GC_free(u);
	for (int i = 0; i < 512; i += 7)
		keep[i] = NULL;
}

START_TEST(test_healthy_fresh)
{
	ck_assert_int_eq(sgc_verify_heap(), 0);
	ck_assert_int_eq(spangc_verify_heap(), 0);
}
END_TEST

START_TEST(test_healthy_after_work)
{
	for (int round = 0; round < 5; round++) {
		mixed_work(round);
		ck_assert_int_eq(sgc_verify_heap(), 0);
		collect();
		ck_assert_int_eq(sgc_verify_heap(), 0);
		/* Mid-sweep: a cycle without finishing the sweep, then work
		 * that sweeps part of the heap. */
		scrub_stack();
		ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
		ck_assert_int_eq(sgc_verify_heap(), 0);
		mixed_work(round + 100);
		ck_assert_int_eq(sgc_verify_heap(), 0);
	}
	GC_gcollect_and_unmap();
	ck_assert_int_eq(sgc_verify_heap(), 0);
	mixed_work(7);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_healthy_before_init)
{
	/* Nothing to check yet, nothing broken. */
	ck_assert(!GC_is_init_called());
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* A swept span on a central list, holding a live object; verifies clean
 * first (the control for each corruption below). */
static struct sgc_span *settled_span(size_t size)
{
	GC_init();
	void *p = GC_malloc(size);
	ck_assert_ptr_nonnull(p);
	g_keep = p;
	g_keep2 = GC_malloc(size);
	collect();
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)g_keep);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->on_list);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), sgc_heap_sweepgen());
	ck_assert_int_eq(sgc_verify_heap(), 0);
	return s;
}

START_TEST(test_bad_alloc_count)
{
	struct sgc_span *s = settled_span(200);
	s->alloc_count++;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_alloc_count_past_nelems)
{
	struct sgc_span *s = settled_span(200);
	s->alloc_count = s->nelems + 1;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_bad_alloc_bits)
{
	struct sgc_span *s = settled_span(200);
	/* An allocated object the count does not know about. */
	uint32_t i = s->nelems - 1;
	ck_assert(!sgc_span_is_allocated(s, i));
	s->alloc_bits[i / 64] |= (uint64_t)1 << (i % 64);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_mark_bits_on_swept_span)
{
	struct sgc_span *s = settled_span(200);
	s->gcmarks[0] = 1;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_page_in_use_cleared)
{
	struct sgc_span *s = settled_span(200);
	sgc_bitmap_clear(sgc_arena_of(s->start)->page_in_use,
			 sgc_arena_page_index(s->start));
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_page_in_use_on_inner_page)
{
	struct sgc_span *s = settled_span(100000); /* a 13-page span */
	ck_assert_uint_gt(s->npages, 1);
	uintptr_t inner = s->start + SGC_PAGE_SIZE;
	sgc_bitmap_set(sgc_arena_of(inner)->page_in_use,
		       sgc_arena_page_index(inner));
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_page_in_use_on_free_page)
{
	settled_span(200);
	/* The last page of the heap is free in a fresh heap. */
	uintptr_t last = sgc_heap.end - SGC_PAGE_SIZE;
	ck_assert(!sgc_pagealloc_in_use(&sgc_heap.pages,
					(last - sgc_heap.base) / SGC_PAGE_SIZE));
	sgc_bitmap_set(sgc_arena_of(last)->page_in_use,
		       sgc_arena_page_index(last));
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_span_unlinked)
{
	struct sgc_span *s = settled_span(200);
	struct sgc_central *c = &sgc_centrals[s->spanclass];
	pthread_mutex_lock(&c->lock);
	sgc_span_list_remove(s->on_list, s);
	pthread_mutex_unlock(&c->lock);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_span_on_wrong_central)
{
	struct sgc_span *s = settled_span(200);
	struct sgc_central *c = &sgc_centrals[s->spanclass];
	struct sgc_central *other = &sgc_centrals[s->spanclass + 1];
	uintptr_t sg = sgc_heap_sweepgen();
	pthread_mutex_lock(&c->lock);
	sgc_span_list_remove(s->on_list, s);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&other->lock);
	sgc_span_list_push(sgc_central_partial_swept(other, sg), s);
	pthread_mutex_unlock(&other->lock);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_list_count_wrong)
{
	struct sgc_span *s = settled_span(200);
	s->on_list->n++;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_chunk_summary)
{
	settled_span(200);
	sgc_heap.pages.sums[0].max ^= 1;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_chunk_summary_end)
{
	settled_span(200);
	struct sgc_chunk_sum *sum = &sgc_heap.pages.sums[0];
	sum->end = (uint16_t)(sum->end + 1);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_free_pages_wrong)
{
	settled_span(200);
	sgc_heap.pages.free_pages++;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_free_pages_low)
{
	settled_span(200);
	sgc_heap.pages.free_pages--;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_pages_in_use_wrong)
{
	settled_span(200);
	sgc_heap.pages_in_use++;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_nspans_wrong)
{
	settled_span(200);
	sgc_fetch_add(&sgc_heap.nspans, 1);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_page_maps_elsewhere)
{
	struct sgc_span *s = settled_span(100000);
	uintptr_t inner = s->start + 2 * SGC_PAGE_SIZE;
	struct sgc_heap_arena *ha = sgc_arena_of(inner);
	ha->spans[sgc_arena_page_index(inner)] = NULL;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_free_bit_under_span)
{
	struct sgc_span *s = settled_span(100000);
	size_t page = (s->start - sgc_heap.base) / SGC_PAGE_SIZE + 3;
	sgc_heap.pages.bits[page / 64] &= ~((uint64_t)1 << (page % 64));
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_bad_layout)
{
	struct sgc_span *s = settled_span(200);
	s->nelems--;
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_bad_sweepgen)
{
	struct sgc_span *s = settled_span(200);
	sgc_store_relaxed(&s->sweepgen, sgc_heap_sweepgen() + 1);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_cached_and_listed)
{
	struct sgc_span *s = settled_span(200);
	sgc_store_relaxed(&s->sweepgen, sgc_heap_sweepgen() + 3);
	ck_assert_int_gt(sgc_verify_heap(), 0);
}
END_TEST

/* Several problems at once are counted separately. */
START_TEST(test_counts_problems)
{
	struct sgc_span *s = settled_span(200);
	s->alloc_count++;
	int one = sgc_verify_heap();
	ck_assert_int_gt(one, 0);
	sgc_heap.pages.free_pages++;
	ck_assert_int_gt(sgc_verify_heap(), one);
}
END_TEST

Suite *make_verify_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("healthy");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_healthy_fresh);
	tcase_add_test(tc, test_healthy_after_work);
	suite_add_tcase(s, tc);

	tc = tcase_create("uninitialised");
	tcase_add_test(tc, test_healthy_before_init);
	suite_add_tcase(s, tc);

	/* No verifying teardown: these leave the heap broken. */
	tc = tcase_create("broken");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bad_alloc_count);
	tcase_add_test(tc, test_alloc_count_past_nelems);
	tcase_add_test(tc, test_bad_alloc_bits);
	tcase_add_test(tc, test_mark_bits_on_swept_span);
	tcase_add_test(tc, test_page_in_use_cleared);
	tcase_add_test(tc, test_page_in_use_on_inner_page);
	tcase_add_test(tc, test_page_in_use_on_free_page);
	tcase_add_test(tc, test_span_unlinked);
	tcase_add_test(tc, test_span_on_wrong_central);
	tcase_add_test(tc, test_list_count_wrong);
	tcase_add_test(tc, test_chunk_summary);
	tcase_add_test(tc, test_chunk_summary_end);
	tcase_add_test(tc, test_free_pages_wrong);
	tcase_add_test(tc, test_free_pages_low);
	tcase_add_test(tc, test_pages_in_use_wrong);
	tcase_add_test(tc, test_nspans_wrong);
	tcase_add_test(tc, test_page_maps_elsewhere);
	tcase_add_test(tc, test_free_bit_under_span);
	tcase_add_test(tc, test_bad_layout);
	tcase_add_test(tc, test_bad_sweepgen);
	tcase_add_test(tc, test_cached_and_listed);
	tcase_add_test(tc, test_counts_problems);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_verify_suite());
}
