/*
 * check_central.c: white-box tests of src/central.[ch]: handing spans to
 * caches and taking them back, the swept/unswept split by sweepgen parity,
 * and sweeping on demand.
 *
 * The tests play the part of a cache: they take spans with
 * sgc_central_cache_span, allocate slots by hand (as the cache's fast path
 * does) and give them back with sgc_central_uncache_span.
 */
#include <check.h>
#include <stdint.h>
#include <gc/gc.h>

#include "central.h"
#include "collect.h"
#include "heap.h"
#include "span.h"
#include "sweep.h"
#include "testutil.h"

#define clear_stack sgc_test_clear_stack

static unsigned test_class(void)
{
	return sgc_spanclass(SGC_KIND_NORMAL, sgc_size_to_class(64));
}

static struct sgc_central *test_central(void)
{
	return &sgc_centrals[test_class()];
}

/* Allocate one slot of s as the cache would; its address. */
static uintptr_t take_slot(struct sgc_span *s)
{
	uint32_t i = sgc_span_next_free_index(s);
	ck_assert_uint_lt(i, s->nelems);
	s->alloc_count++;
	return s->start + (uintptr_t)i * s->elem_size;
}

static void fill(struct sgc_span *s)
{
	while (s->alloc_count < s->nelems)
		take_slot(s);
	ck_assert_uint_eq(sgc_span_next_free_index(s), s->nelems);
}

static size_t total_listed(struct sgc_central *c)
{
	return c->partial[0].n + c->partial[1].n + c->full[0].n + c->full[1].n;
}

/* A span handed to a cache: swept, with a free slot, marked cached
 * (h + 3) and on no list. */
START_TEST(test_cache_span_fresh)
{
	struct sgc_central *c = test_central();
	uintptr_t h = sgc_heap_sweepgen();
	size_t n0 = sgc_load_relaxed(&sgc_heap.nspans);

	struct sgc_span *s = sgc_central_cache_span(c);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->spanclass, test_class());
	ck_assert_uint_eq(sgc_load_relaxed(&s->state), SGC_SPAN_IN_USE);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), h + 3);
	ck_assert_ptr_null(s->on_list);
	ck_assert_uint_lt(s->alloc_count, s->nelems);
	ck_assert_uint_eq(s->elem_size, 64);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.nspans), n0 + 1);
	ck_assert_uint_eq(total_listed(c), 0);
	ck_assert_uint_eq(take_slot(s), s->start);

	/* Back: on the partial swept list, sweepgen h. */
	sgc_central_uncache_span(c, s);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), h);
	ck_assert_ptr_eq(s->on_list, sgc_central_partial_swept(c, h));
	ck_assert_uint_eq(sgc_central_partial_swept(c, h)->n, 1);
	ck_assert_ptr_eq(sgc_central_partial_swept(c, h)->head, s);
	ck_assert_int_eq(sgc_verify_heap(), 0);

	/* Taken again: the same span, not a new one. */
	struct sgc_span *t = sgc_central_cache_span(c);
	ck_assert_ptr_eq(t, s);
	ck_assert_ptr_null(t->on_list);
	ck_assert_uint_eq(sgc_central_partial_swept(c, h)->n, 0);
	ck_assert_uint_eq(sgc_load_relaxed(&t->sweepgen), h + 3);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.nspans), n0 + 1);
	ck_assert_uint_eq(take_slot(t), t->start + 64);
	sgc_central_uncache_span(c, t);
}
END_TEST

/* A full span goes back on the full swept list and is not handed out
 * again. */
START_TEST(test_uncache_full)
{
	struct sgc_central *c = test_central();
	uintptr_t h = sgc_heap_sweepgen();

	struct sgc_span *s = sgc_central_cache_span(c);
	fill(s);
	sgc_central_uncache_span(c, s);
	ck_assert_ptr_eq(s->on_list, sgc_central_full_swept(c, h));
	ck_assert_uint_eq(sgc_central_full_swept(c, h)->n, 1);
	ck_assert_uint_eq(sgc_central_partial_swept(c, h)->n, 0);

	struct sgc_span *t = sgc_central_cache_span(c);
	ck_assert_ptr_ne(t, s);
	ck_assert_uint_eq(t->alloc_count, 0);
	ck_assert_ptr_eq(s->on_list, sgc_central_full_swept(c, h));
	sgc_central_uncache_span(c, t);
	ck_assert_ptr_eq(t->on_list, sgc_central_partial_swept(c, h));
	ck_assert_int_eq(sgc_verify_heap(), 0);

	/* Lists of other classes are untouched. */
	unsigned other = sgc_spanclass(SGC_KIND_PTRFREE, sgc_size_to_class(64));
	ck_assert_uint_eq(total_listed(&sgc_centrals[other]), 0);
}
END_TEST

/* The swept/unswept split is a sweepgen parity: a collection turns every
 * swept list into an unswept one without touching a span. */
static volatile uintptr_t keep_partial, keep_full;

START_TEST(test_lists_swap_after_collect)
{
	struct sgc_central *c = test_central();
	uintptr_t h = sgc_heap_sweepgen();

	struct sgc_span *a = sgc_central_cache_span(c);
	struct sgc_span *b = sgc_central_cache_span(c);
	ck_assert_ptr_ne(a, b);
	keep_partial = take_slot(a);
	take_slot(a); /* garbage */
	fill(b);
	keep_full = b->start + 5 * 64; /* one object of the full span */
	sgc_central_uncache_span(c, a);
	sgc_central_uncache_span(c, b);
	ck_assert_ptr_eq(a->on_list, sgc_central_partial_swept(c, h));
	ck_assert_ptr_eq(b->on_list, sgc_central_full_swept(c, h));

	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	uintptr_t h2 = sgc_heap_sweepgen();
	ck_assert_uint_eq(h2, h + 2);
	/* Same lists, now the unswept ones; the spans need sweeping. */
	ck_assert_ptr_eq(sgc_central_partial_unswept(c, h2),
			 sgc_central_partial_swept(c, h));
	ck_assert_ptr_eq(sgc_central_full_unswept(c, h2),
			 sgc_central_full_swept(c, h));
	ck_assert_ptr_ne(sgc_central_partial_swept(c, h2),
			 sgc_central_partial_swept(c, h));
	ck_assert_ptr_eq(a->on_list, sgc_central_partial_unswept(c, h2));
	ck_assert_ptr_eq(b->on_list, sgc_central_full_unswept(c, h2));
	ck_assert_uint_eq(sgc_load_relaxed(&a->sweepgen), h2 - 2);
	ck_assert_uint_eq(sgc_load_relaxed(&b->sweepgen), h2 - 2);
	ck_assert_uint_eq(sgc_central_partial_swept(c, h2)->n, 0);
	ck_assert_uint_eq(sgc_central_full_swept(c, h2)->n, 0);
	ck_assert_int_eq(sgc_verify_heap(), 0);

	/* GC_gcollect sweeps everything: only the reachable object of each
	 * span is left, and both spans have free slots now. */
	GC_gcollect();
	uintptr_t h3 = sgc_heap_sweepgen();
	ck_assert_uint_eq(h3, h + 4);
	ck_assert_uint_eq(sgc_load_relaxed(&a->sweepgen), h3);
	ck_assert_uint_eq(sgc_load_relaxed(&b->sweepgen), h3);
	ck_assert_ptr_eq(a->on_list, sgc_central_partial_swept(c, h3));
	ck_assert_ptr_eq(b->on_list, sgc_central_partial_swept(c, h3));
	ck_assert_uint_eq(a->alloc_count, 1);
	ck_assert_uint_eq(b->alloc_count, 1);
	ck_assert_uint_eq(sgc_central_partial_unswept(c, h3)->n, 0);
	ck_assert_uint_eq(sgc_central_full_unswept(c, h3)->n, 0);
	ck_assert_uint_eq(sgc_central_full_swept(c, h3)->n, 0);
}
END_TEST

/* cache_span sweeps an unswept span on demand and hands it out. */
START_TEST(test_cache_span_sweeps_on_demand)
{
	struct sgc_central *c = test_central();
	struct sgc_span *a = sgc_central_cache_span(c);
	keep_partial = take_slot(a);
	take_slot(a);
	take_slot(a);
	sgc_central_uncache_span(c, a);
	size_t n0 = sgc_load_relaxed(&sgc_heap.nspans);

	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	uintptr_t h = sgc_heap_sweepgen();
	ck_assert_uint_eq(sgc_load_relaxed(&a->sweepgen), h - 2);
	ck_assert_uint_eq(a->alloc_count, 3); /* not swept yet */

	struct sgc_span *t = sgc_central_cache_span(c);
	ck_assert_ptr_eq(t, a);
	ck_assert_uint_eq(sgc_load_relaxed(&t->sweepgen), h + 3);
	ck_assert_uint_eq(t->alloc_count, 1); /* swept: two slots freed */
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.nspans), n0);
	/* The freed slots come first, in address order. */
	ck_assert_uint_eq(take_slot(t), t->start + 64);
	ck_assert_uint_eq(take_slot(t), t->start + 128);
	ck_assert_uint_eq(take_slot(t), t->start + 192);
	sgc_central_uncache_span(c, t);
	ck_assert_ptr_eq(t->on_list, sgc_central_partial_swept(c, h));
}
END_TEST

/* A full unswept span that sweeping leaves full goes to the full swept
 * list; empty unswept spans are freed; then the heap provides a span. */
START_TEST(test_cache_span_frees_empty)
{
	struct sgc_central *c = test_central();
	enum { N = 3 };
	struct sgc_span *g[N];
	uintptr_t gstart[N]; /* hidden */

	struct sgc_span *f = sgc_central_cache_span(c);
	fill(f);
	/* Keep every object of f: a chain from the first to the last. */
	keep_full = f->start;
	for (uint32_t i = 0; i + 1 < f->nelems; i++)
		*(uintptr_t *)(f->start + i * 64) = f->start + (i + 1) * 64;
	for (int i = 0; i < N; i++) {
		g[i] = sgc_central_cache_span(c);
		gstart[i] = sgc_test_hide((void *)g[i]->start);
		take_slot(g[i]);
		take_slot(g[i]);
	}
	for (int i = 0; i < N; i++)
		sgc_central_uncache_span(c, g[i]);
	sgc_central_uncache_span(c, f);
	size_t n0 = sgc_load_relaxed(&sgc_heap.nspans);
	size_t p0 = sgc_heap.pages_in_use;
	size_t npages = f->npages;

	clear_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	uintptr_t h = sgc_heap_sweepgen();
	ck_assert_uint_eq(sgc_central_partial_unswept(c, h)->n, N);
	ck_assert_uint_eq(sgc_central_full_unswept(c, h)->n, 1);

	struct sgc_span *t = sgc_central_cache_span(c);
	ck_assert_ptr_nonnull(t);
	/* All three garbage spans were swept and freed, the full one was
	 * swept and parked; the span handed out is new, from the lowest
	 * free pages. */
	ck_assert_uint_eq(sgc_central_partial_unswept(c, h)->n, 0);
	ck_assert_uint_eq(sgc_central_full_unswept(c, h)->n, 0);
	ck_assert_ptr_eq(f->on_list, sgc_central_full_swept(c, h));
	ck_assert_uint_eq(sgc_load_relaxed(&f->sweepgen), h);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.nspans), n0 - N + 1);
	ck_assert_uint_eq(sgc_heap.pages_in_use, p0 - (N - 1) * npages);
	ck_assert_uint_eq(t->alloc_count, 0);
	uintptr_t lowest = UINTPTR_MAX;
	for (int i = 0; i < N; i++) {
		uintptr_t gs = (uintptr_t)sgc_test_reveal(gstart[i]);
		if (gs < lowest)
			lowest = gs;
		if (gs != t->start)
			ck_assert_ptr_null(sgc_span_of_heap(gs));
	}
	ck_assert_uint_eq(t->start, lowest);
	sgc_central_uncache_span(c, t);
}
END_TEST

/* Unlinking a span from whichever list holds it. */
START_TEST(test_unlink_and_lists)
{
	struct sgc_central *c = test_central();
	uintptr_t h = sgc_heap_sweepgen();
	struct sgc_span *s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = sgc_central_cache_span(c);
		take_slot(s[i]);
	}
	for (int i = 0; i < 3; i++)
		sgc_central_uncache_span(c, s[i]);
	struct sgc_span_list *l = sgc_central_partial_swept(c, h);
	ck_assert_uint_eq(l->n, 3);
	ck_assert_ptr_eq(l->head, s[2]); /* pushed at the head */
	ck_assert_ptr_eq(s[2]->next, s[1]);
	ck_assert_ptr_eq(s[1]->prev, s[2]);

	sgc_central_unlink(c, s[1]); /* from the middle */
	ck_assert_ptr_null(s[1]->on_list);
	ck_assert_uint_eq(l->n, 2);
	ck_assert_ptr_eq(s[2]->next, s[0]);
	ck_assert_ptr_eq(s[0]->prev, s[2]);
	sgc_central_unlink(c, s[1]); /* no list: nothing happens */
	ck_assert_uint_eq(l->n, 2);

	ck_assert_ptr_eq(sgc_span_list_pop(l), s[2]);
	ck_assert_ptr_eq(l->head, s[0]);
	ck_assert_ptr_null(s[0]->prev);
	sgc_central_put_swept(c, s[2]);
	sgc_central_put_swept(c, s[1]);
	ck_assert_uint_eq(l->n, 3);
}
END_TEST

Suite *make_central_suite(void)
{
	Suite *s = suite_create("central");
	TCase *tc = tcase_create("lists");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_cache_span_fresh);
	tcase_add_test(tc, test_uncache_full);
	tcase_add_test(tc, test_unlink_and_lists);
	suite_add_tcase(s, tc);

	tc = tcase_create("sweepgen");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_lists_swap_after_collect);
	tcase_add_test(tc, test_cache_span_sweeps_on_demand);
	tcase_add_test(tc, test_cache_span_frees_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_central_suite());
}
