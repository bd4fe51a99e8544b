/*
 * check_collect.c: white-box tests of src/collect.[ch]: the cycle count,
 * disabling, the start callback, collection events, the pause statistics,
 * unmapping, and
 * long runs (a bounded heap under churn, many cycles over a live
 * structure).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gc/gc_mark.h>
#include <spangc.h>
#include "testutil.h"
#include "collect.h"
#include "heap.h"
#include "pacer.h"

#define scrub_stack sgc_test_clear_stack

#define MIB ((size_t)1 << 20)

static void *volatile g_keep;

#define collect_fixture sgc_test_pad_fixture

#define collect sgc_test_collect

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Allocate bytes of short-lived objects of size each. */
static SGC_NOINLINE void churn(size_t bytes, size_t size)
{
	for (size_t done = 0; done < bytes; done += size) {
		char *p = GC_malloc(size);
		if (!p)
			ck_abort_msg("GC_malloc(%zu) failed", size);
		p[0] = 1;
	}
}

START_TEST(test_gc_no_counts)
{
	GC_word n0 = GC_get_gc_no();
	for (GC_word i = 1; i <= 5; i++) {
		GC_gcollect();
		ck_assert_uint_eq(GC_get_gc_no(), n0 + i);
	}
}
END_TEST

START_TEST(test_disable_nests)
{
	GC_word n0 = GC_get_gc_no();
	ck_assert(!GC_is_disabled());
	GC_disable();
	GC_disable();
	ck_assert(GC_is_disabled());
	GC_gcollect();
	ck_assert_uint_eq(GC_get_gc_no(), n0);
	/* Allocation far past the budget does not collect either. */
	churn(64 * MIB, 1000);
	ck_assert_uint_eq(GC_get_gc_no(), n0);
	GC_enable();
	ck_assert(GC_is_disabled());
	GC_gcollect();
	ck_assert_uint_eq(GC_get_gc_no(), n0);
	GC_enable();
	ck_assert(!GC_is_disabled());
	GC_gcollect();
	ck_assert_uint_eq(GC_get_gc_no(), n0 + 1);
	/* Allocation collects again on its own. */
	churn(64 * MIB, 1000);
	ck_assert_uint_gt(GC_get_gc_no(), n0 + 1);
}
END_TEST

START_TEST(test_dont_gc_variable)
{
	GC_word n0 = GC_get_gc_no();
	GC_dont_gc = 1;
	ck_assert(GC_is_disabled());
	GC_gcollect();
	churn(32 * MIB, 4000);
	ck_assert_uint_eq(GC_get_gc_no(), n0);
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 0);
	GC_dont_gc = 0;
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_uint_eq(GC_get_gc_no(), n0 + 1);
}
END_TEST

START_TEST(test_enable_too_often)
{
	GC_init();
	GC_disable();
	GC_enable();
	GC_enable(); /* aborts */
}
END_TEST

static int g_starts;
static GC_word g_gc_no_at_start;

static void GC_CALLBACK on_start(void)
{
	g_starts++;
	g_gc_no_at_start = GC_get_gc_no();
}

START_TEST(test_start_callback)
{
	GC_word n0 = GC_get_gc_no();
	GC_set_start_callback(on_start);
	ck_assert_ptr_eq((void *)GC_get_start_callback(), (void *)on_start);
	GC_gcollect();
	ck_assert_int_eq(g_starts, 1);
	ck_assert_uint_eq(g_gc_no_at_start, n0); /* before the count moves */
	GC_gcollect();
	GC_gcollect();
	ck_assert_int_eq(g_starts, 3);
	/* Cycles started by allocation call it too, once each. */
	churn(40 * MIB, 2000);
	ck_assert_uint_gt(GC_get_gc_no(), n0 + 3);
	ck_assert_uint_eq((GC_word)g_starts, GC_get_gc_no() - n0);
	/* Not while disabled. */
	GC_disable();
	int before = g_starts;
	GC_gcollect();
	ck_assert_int_eq(g_starts, before);
	GC_enable();
	GC_set_start_callback(0);
	GC_gcollect();
	ck_assert_int_eq(g_starts, before);
}
END_TEST

/* Collection events, recorded without allocating (the world is stopped
 * for most of them). */
enum { MAX_EVENTS = 4096 };
static GC_EventType g_events[MAX_EVENTS];
static GC_word g_event_gc_no[MAX_EVENTS];
static int g_nevents;

static void GC_CALLBACK on_event(GC_EventType ev)
{
	if (g_nevents < MAX_EVENTS) {
		g_event_gc_no[g_nevents] = GC_get_gc_no();
		g_events[g_nevents] = ev;
	}
	g_nevents++;
}

/* The steps of one cycle, in spangc's order. */
static const GC_EventType cycle_events[] = {
	GC_EVENT_START, GC_EVENT_PRE_STOP_WORLD, GC_EVENT_POST_STOP_WORLD,
	GC_EVENT_MARK_START, GC_EVENT_MARK_END, GC_EVENT_RECLAIM_START,
	GC_EVENT_RECLAIM_END, GC_EVENT_PRE_START_WORLD,
	GC_EVENT_POST_START_WORLD, GC_EVENT_END,
};
#define NCYCLE_EVENTS ((int)(sizeof cycle_events / sizeof cycle_events[0]))

/* Every recorded event belongs to a complete cycle in order; the count
 * moves between POST_START_WORLD and END.  Returns the number of cycles. */
static int check_events(GC_word n0)
{
	ck_assert_int_le(g_nevents, MAX_EVENTS);
	ck_assert_int_eq(g_nevents % NCYCLE_EVENTS, 0);
	for (int i = 0; i < g_nevents; i++) {
		int step = i % NCYCLE_EVENTS;
		GC_word cycle = (GC_word)(i / NCYCLE_EVENTS);
		ck_assert_msg(g_events[i] == cycle_events[step],
			      "event %d is %d, want %d", i, (int)g_events[i],
			      (int)cycle_events[step]);
		GC_word want = n0 + cycle + (g_events[i] == GC_EVENT_END);
		ck_assert_uint_eq(g_event_gc_no[i], want);
	}
	return g_nevents / NCYCLE_EVENTS;
}

START_TEST(test_collection_events)
{
	GC_word n0 = GC_get_gc_no();
	ck_assert_ptr_null((void *)GC_get_on_collection_event());
	GC_set_on_collection_event(on_event);
	ck_assert_ptr_eq((void *)GC_get_on_collection_event(),
			 (void *)on_event);
	GC_gcollect();
	ck_assert_int_eq(check_events(n0), 1);
	GC_gcollect();
	GC_gcollect();
	ck_assert_int_eq(check_events(n0), 3);
	/* Cycles started by allocation report too. */
	churn(40 * MIB, 2000);
	ck_assert_uint_gt(GC_get_gc_no(), n0 + 3);
	ck_assert_uint_eq((GC_word)check_events(n0), GC_get_gc_no() - n0);
	/* Nothing while disabled, nor once the callback is removed. */
	int before = g_nevents;
	GC_disable();
	GC_gcollect();
	GC_enable();
	ck_assert_int_eq(g_nevents, before);
	GC_set_on_collection_event(0);
	ck_assert_ptr_null((void *)GC_get_on_collection_event());
	GC_gcollect();
	ck_assert_int_eq(g_nevents, before);
}
END_TEST

START_TEST(test_stats)
{
	struct spangc_stats st;
	spangc_get_stats(&st);
	ck_assert_uint_eq(st.cycles, 0);
	ck_assert_uint_eq(st.total_pause_ns, 0);
	unsigned long long sum = 0, max = 0;
	char *big = GC_malloc(MIB);
	g_keep = big;
	for (int i = 0; i < 20; i++) {
		churn(MIB, 100);
		collect();
		spangc_get_stats(&st);
		ck_assert_uint_eq(st.cycles, (unsigned long)i + 1);
		ck_assert_uint_eq(st.cycles, GC_get_gc_no());
		sum += st.last_pause_ns;
		if (st.last_pause_ns > max)
			max = st.last_pause_ns;
		ck_assert_uint_ge(st.max_pause_ns, st.last_pause_ns);
		ck_assert_uint_ge(st.total_pause_ns, st.max_pause_ns);
		ck_assert_uint_eq(st.total_pause_ns, sum);
		ck_assert_uint_eq(st.max_pause_ns, max);
		ck_assert_uint_ge(st.live_bytes, MIB);
		ck_assert_uint_lt(st.live_bytes, 4 * MIB);
		ck_assert_uint_eq(st.heap_size, GC_get_heap_size());
		ck_assert_uint_ge(st.total_allocated, (size_t)(i + 1) * MIB);
	}
	/* Dropping the big object shows in the next cycle's live bytes. */
	g_keep = NULL;
	big = NULL;
	collect();
	spangc_get_stats(&st);
	ck_assert_uint_lt(st.live_bytes, MIB);
}
END_TEST

/* Reveal out of line: in the caller, the compiler may otherwise keep the
 * revealed pointer instead of the hidden one across a collection. */
static SGC_NOINLINE void *reveal(uintptr_t h)
{
	return sgc_test_reveal(h);
}

/* Allocate and drop a big object filled with 0xee; returns it hidden. */
static SGC_NOINLINE uintptr_t big_dropped(size_t n)
{
	char *p = GC_malloc(n);
	ck_assert_ptr_nonnull(p);
	memset(p, 0xee, n);
	return sgc_test_hide(p);
}

START_TEST(test_unmap)
{
	ck_assert_uint_eq(GC_get_unmapped_bytes(), 0);
	uintptr_t h = big_dropped(8 * MIB);
	size_t heap0 = GC_get_heap_size();
	scrub_stack();
	GC_gcollect_and_unmap();
	char *old = reveal(h);
	ck_assert_ptr_null(GC_base(old));
	size_t unmapped = GC_get_unmapped_bytes();
	ck_assert_uint_ge(unmapped, 8 * MIB);
	ck_assert_uint_eq(GC_get_heap_size(), heap0 - unmapped);
	ck_assert_uint_eq(GC_get_free_bytes(), 0);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	/* The pages come back, zero. */
	char *p = GC_malloc(8 * MIB);
	ck_assert_ptr_eq(p, old);
	ck_assert(all_zero(p, 8 * MIB));
	ck_assert_uint_le(GC_get_unmapped_bytes(), unmapped - 8 * MIB);
	memset(p, 0xdd, 8 * MIB);
	g_keep = p;
}
END_TEST

/* Half of an unmapped run is reused and dirtied, then freed again: a run
 * over both halves (partly returned, partly dirty) must be zeroed. */
START_TEST(test_unmap_partial_reuse)
{
	uintptr_t h = big_dropped(8 * MIB);
	scrub_stack();
	GC_gcollect_and_unmap();
	ck_assert_uint_ge(GC_get_unmapped_bytes(), 8 * MIB);
	uintptr_t h2 = big_dropped(4 * MIB);
	ck_assert_uint_eq(h2, h);
	collect(); /* frees the half again, dirty, not unmapped */
	char *old = reveal(h);
	ck_assert_ptr_null(GC_base(old));
	char *p = GC_malloc(8 * MIB);
	ck_assert_ptr_eq(p, old);
	for (size_t i = 0; i < 8 * MIB; i++)
		if (p[i])
			ck_abort_msg("byte %zu of the reused run is %d", i, p[i]);
	/* Small objects carved from unmapped pages are zero too. */
	g_keep = p;
	uintptr_t h3 = big_dropped(2 * MIB);
	scrub_stack();
	GC_gcollect_and_unmap();
	char *q = reveal(h3);
	size_t inside = 0;
	for (int i = 0; i < 20000; i++) {
		char *r = GC_malloc(100);
		inside += r >= q && r < q + 2 * MIB;
		if (!all_zero(r, 100))
			ck_abort_msg("small object %d is dirty", i);
		memset(r, 0x99, 100);
	}
	ck_assert_uint_gt(inside, 1000);
}
END_TEST

START_TEST(test_heap_bounded)
{
	/* A live structure of about 1 MiB stays throughout. */
	void **live = GC_malloc(1024 * sizeof(void *));
	g_keep = live;
	for (int i = 0; i < 1024; i++)
		live[i] = GC_malloc(1000);
	size_t heap0 = GC_get_heap_size();
	size_t target = 100 * (heap0 > 4 * MIB ? heap0 : 4 * MIB);
	GC_word n0 = GC_get_gc_no();
	size_t max_heap = 0;
	for (size_t done = 0; done < target; done += 16 * MIB) {
		churn(4 * MIB, 24);
		churn(4 * MIB, 300);
		churn(4 * MIB, 5000);
		churn(4 * MIB, 70000);
		if (GC_get_heap_size() > max_heap)
			max_heap = GC_get_heap_size();
	}
	ck_assert_uint_gt(GC_get_gc_no(), n0 + 50);
	ck_assert_msg(max_heap <= 64 * MIB, "heap grew to %zu bytes for %zu"
		      " live", max_heap, (size_t)MIB);
	for (int i = 0; i < 1024; i++)
		ck_assert_ptr_eq(GC_base(live[i]), live[i]);
}
END_TEST

struct node {
	struct node *next;
	uintptr_t val;
	uintptr_t sum; /* val of every node after this one, summed */
};

static SGC_NOINLINE void build(size_t n)
{
	struct node *head = NULL;
	uintptr_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		struct node *x = GC_malloc(sizeof *x);
		ck_assert_ptr_nonnull(x);
		x->next = head;
		x->val = i * 2654435761u;
		x->sum = sum;
		sum += x->val;
		head = x;
	}
	g_keep = head;
}

static SGC_NOINLINE size_t verify_list(void)
{
	size_t n = 0;
	uintptr_t sum = 0;
	struct node *x;
	/* Every node allocated; then each suffix sum matches. */
	for (x = g_keep; x; x = x->next, n++) {
		if (GC_base(x) != x)
			ck_abort_msg("node %zu reclaimed", n);
		sum += x->val;
	}
	x = g_keep;
	for (; x; x = x->next) {
		sum -= x->val;
		if (x->sum != sum)
			ck_abort_msg("node with val %lu corrupted",
				     (unsigned long)x->val);
	}
	return n;
}

START_TEST(test_many_cycles)
{
	build(10000);
	GC_word n0 = GC_get_gc_no();
	for (int i = 1; i <= 1000; i++) {
		churn(20000, 48);
		collect();
		if (i % 100 == 0) {
			ck_assert_uint_eq(verify_list(), 10000);
			ck_assert_int_eq(sgc_verify_heap(), 0);
		}
	}
	ck_assert_uint_ge(GC_get_gc_no(), n0 + 1000);
}
END_TEST

Suite *make_collect_suite(void)
{
	Suite *s = suite_create("collect");
	TCase *tc = tcase_create("control");
	collect_fixture(tc);
	tcase_add_test(tc, test_gc_no_counts);
	tcase_add_test(tc, test_disable_nests);
	tcase_add_test(tc, test_dont_gc_variable);
	tcase_add_test(tc, test_start_callback);
	tcase_add_test(tc, test_collection_events);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);

	tc = tcase_create("abort");
	tcase_set_timeout(tc, 120);
	tcase_add_test_raise_signal(tc, test_enable_too_often, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("unmap");
	collect_fixture(tc);
	tcase_add_test(tc, test_unmap);
	tcase_add_test(tc, test_unmap_partial_reuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("long");
	collect_fixture(tc);
	tcase_add_test(tc, test_heap_bounded);
	tcase_add_test(tc, test_many_cycles);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run_budget(make_collect_suite());
}
