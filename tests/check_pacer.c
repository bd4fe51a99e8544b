/*
 * check_pacer.c: white-box tests of src/pacer.[ch]: the budget formula of
 * pacer.h, its floor, the initial heap size and the divisor from the
 * environment, sgc_pacer_due, and collections triggered by allocation,
 * from one thread and from several at once.
 */
#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <gc/gc.h>

#include "collect.h"
#include "heap.h"
#include "pacer.h"
#include "stats.h"
#include "testutil.h"

#define clear_stack sgc_test_clear_stack

#define MiB ((size_t)1 << 20)

static size_t budget(void)
{
	return sgc_load_relaxed(&sgc_pacer.budget);
}

static intptr_t since_gc(void)
{
	return (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
}

/* budget = max((2 * scanned + ptrfree / 4 + roots) / D, initial / D,
 * floor), floor = the live bytes and roots, kept within
 * [SGC_MIN_GC_BUDGET_BASE, SGC_MIN_GC_BUDGET], with the expected values
 * worked out by hand. */
START_TEST(test_budget_formula)
{
	static const struct {
		size_t scanned, ptrfree, roots, initial;
		GC_word d;
		size_t expect;
	} cases[] = {
		/* (60 + 2 + 1) MiB / 3 */
		{ 30 * MiB, 8 * MiB, 1 * MiB, 0, 3, 21 * MiB },
		{ 30 * MiB, 8 * MiB, 1 * MiB, 0, 1, 63 * MiB },
		{ 30 * MiB, 8 * MiB, 1 * MiB, 0, 7, 9 * MiB },
		/* Integer arithmetic: (20000002 + 1000000 + 12345) / 2 */
		{ 10000001, 4000003, 12345, 0, 2, 10506173 },
		/* Pointer-free data counts a quarter: 40 MiB / 4 / 2 */
		{ 0, 40 * MiB, 0, 0, 2, 5 * MiB },
		/* Roots alone: 15 MiB / 3 */
		{ 0, 0, 15 * MiB, 0, 3, 5 * MiB },
		/* The floor follows the live heap: 2 MiB / 3 < 1 MiB */
		{ 1 * MiB, 0, 0, 0, 3, 1 * MiB },
		/* ... roots and pointer-free data included: 0.92 < 2.5 MiB */
		{ 1 * MiB, 1 * MiB, MiB / 2, 0, 3, 5 * MiB / 2 },
		/* ... but not below 256 KiB */
		{ 0, 0, 0, 0, 3, SGC_MIN_GC_BUDGET_BASE },
		{ 0, 100 << 10, 50 << 10, 0, 3, SGC_MIN_GC_BUDGET_BASE },
		/* ... nor above 4 MiB: 20 MiB / 6 < 4 MiB < 10 MiB */
		{ 10 * MiB, 0, 0, 0, 6, SGC_MIN_GC_BUDGET },
		/* The initial heap size: 60 MiB / 3 > 6 MiB / 3 */
		{ 3 * MiB, 0, 0, 60 * MiB, 3, 20 * MiB },
		/* ... unless the live data needs more: 100 MiB / 4 */
		{ 50 * MiB, 0, 0, 60 * MiB, 4, 25 * MiB },
		/* ... which also lifts an empty heap's floor: 9 MiB / 3 */
		{ 0, 0, 0, 9 * MiB, 3, 3 * MiB },
		/* ... and 3 MiB live and roots lift 3 MiB / 3 */
		{ 2 * MiB, 0, MiB, 3 * MiB, 3, 3 * MiB },
	};
	GC_word d0 = GC_get_free_space_divisor();
	size_t initial0 = sgc_pacer.initial_heap;

	ck_assert_uint_eq(d0, 3);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		GC_set_free_space_divisor(cases[i].d);
		ck_assert_uint_eq(GC_get_free_space_divisor(), cases[i].d);
		sgc_pacer.initial_heap = cases[i].initial;
		sgc_pacer_note_alloc(12345);
		sgc_pacer_end_cycle(cases[i].scanned, cases[i].ptrfree,
				    cases[i].roots);
		ck_assert_msg(budget() == cases[i].expect,
			      "case %zu: budget %zu, expected %zu", i,
			      budget(), cases[i].expect);
		ck_assert_int_eq(since_gc(), 0);
	}
	/* GC_set_free_space_divisor(0) is ignored. */
	GC_set_free_space_divisor(4);
	GC_set_free_space_divisor(0);
	ck_assert_uint_eq(GC_get_free_space_divisor(), 4);
	GC_set_free_space_divisor(d0);
	sgc_pacer.initial_heap = initial0;
}
END_TEST

/* With the defaults and nothing live, the first budget is the floor of
 * an empty heap. */
START_TEST(test_initial_budget)
{
	ck_assert_uint_eq(sgc_pacer.initial_heap, 0);
	ck_assert_uint_eq(budget(), SGC_MIN_GC_BUDGET_BASE);
	ck_assert_int_eq(sgc_pacer_due(), 0);
}
END_TEST

/* GC_INITIAL_HEAP_SIZE and GC_FREE_SPACE_DIVISOR from the environment
 * (no fixture: set before GC_init). */
START_TEST(test_initial_heap_env)
{
	setenv("GC_INITIAL_HEAP_SIZE", "30M", 1);
	setenv("GC_FREE_SPACE_DIVISOR", "5", 1);
	GC_init();
	ck_assert_uint_eq(sgc_pacer.initial_heap, 30 * MiB);
	ck_assert_uint_eq(GC_get_free_space_divisor(), 5);
	ck_assert_uint_eq(budget(), 6 * MiB);
	ck_assert_uint_ge(GC_get_heap_size(), 30 * MiB);
	/* A cycle with little live data keeps the initial size's budget. */
	GC_gcollect();
	ck_assert_uint_eq(budget(), 6 * MiB);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

START_TEST(test_initial_heap_env_small)
{
	setenv("GC_INITIAL_HEAP_SIZE", "3M", 1);
	GC_init();
	ck_assert_uint_eq(budget(), MiB); /* 3 MiB / 3, above the floor */
	ck_assert_uint_ge(GC_get_heap_size(), 3 * MiB);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* sgc_pacer_due: once the bytes since the last cycle reach the budget;
 * credits (negative notes) count back. */
START_TEST(test_due)
{
	size_t b = budget();
	uintptr_t total0 = sgc_load_relaxed(&sgc_pacer.total);
	sgc_pacer_end_cycle(0, 0, 0);
	ck_assert_int_eq(sgc_pacer_due(), 0);
	sgc_pacer_note_alloc((intptr_t)b - 1);
	ck_assert_int_eq(sgc_pacer_due(), 0);
	ck_assert_uint_eq(GC_get_bytes_since_gc(), b - 1);
	sgc_pacer_note_alloc(1);
	ck_assert_int_eq(sgc_pacer_due(), 1);
	sgc_pacer_note_alloc(1000);
	ck_assert_int_eq(sgc_pacer_due(), 1);
	sgc_pacer_note_alloc(-1000);
	ck_assert_int_eq(sgc_pacer_due(), 1);
	sgc_pacer_note_alloc(-1);
	ck_assert_int_eq(sgc_pacer_due(), 0);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_pacer.total) - total0, b - 1);
	/* A net credit below zero: not due, and no bytes reported. */
	sgc_pacer_end_cycle(0, 0, 0);
	sgc_pacer_note_alloc(-4096);
	ck_assert_int_eq(since_gc(), -4096);
	ck_assert_int_eq(sgc_pacer_due(), 0);
	ck_assert_uint_eq(GC_get_bytes_since_gc(), 0);
	/* A larger budget is due later. */
	sgc_pacer_end_cycle(50 * MiB, 0, 0);
	ck_assert_uint_eq(budget(), 34952533); /* 100 MiB / 3 */
	sgc_pacer_note_alloc((intptr_t)(32 * MiB));
	ck_assert_int_eq(sgc_pacer_due(), 0);
	sgc_pacer_note_alloc(34952533 - 32 * (intptr_t)MiB - 1);
	ck_assert_int_eq(sgc_pacer_due(), 0);
	sgc_pacer_note_alloc(1);
	ck_assert_int_eq(sgc_pacer_due(), 1);
	sgc_pacer_end_cycle(0, 0, 0);
	ck_assert_int_eq(sgc_pacer_due(), 0);
}
END_TEST

static size_t live(void)
{
	return sgc_load_relaxed(&sgc_stats.live_bytes);
}

static size_t formula_budget(void)
{
	return sgc_load_relaxed(&sgc_pacer.min_budget);
}

/* Allocating garbage triggers collections by itself, each once the
 * budget is used up (give or take a span), and the heap stays small. */
START_TEST(test_alloc_triggers_collections)
{
	uintptr_t gc0 = GC_get_gc_no();
	size_t total = 0, limit = 64 * MiB;
	uintptr_t last_gc = gc0;
	/* The most any cycle set the heap target to: live + budget. */
	size_t cycles = 0, target_max = live() + formula_budget();
	size_t least = budget(), most = budget();

	clear_stack();
	for (total = 0; total < limit; total += 512) {
		if (!GC_malloc(500))
			ck_abort_msg("out of memory");
		uintptr_t g = GC_get_gc_no();
		if (g != last_gc) {
			cycles += g - last_gc;
			last_gc = g;
			if (live() + formula_budget() > target_max)
				target_max = live() + formula_budget();
			if (budget() < least)
				least = budget();
			if (budget() > most)
				most = budget();
		}
		/* The cache counts a span's free slots when it takes it. */
		if (since_gc() > (intptr_t)(budget() + 64 * 1024))
			ck_abort_msg("%zd bytes since the last cycle, budget %zu",
				     (ssize_t)since_gc(), budget());
	}
	/* Nothing is kept, so the budget is the floor of a heap that holds
	 * only its roots: 256 KiB and a little more in the optimised build,
	 * about 250 cycles for 64 MiB.  One cycle per budget's worth, give
	 * or take the span a cache takes ahead and the last one. */
	ck_assert_msg(cycles <= limit / least + 1 &&
		      cycles + 1 >= limit / (most + 64 * 1024),
		      "%zu cycles for 64 MiB at budgets of %zu to %zu bytes",
		      cycles, least, most);
	/* At the formula's budget (the floor, or the roots' share where
	 * they are large, as under AddressSanitizer), or above it by what an
	 * earlier cycle found live beyond what the last one did (garbage a
	 * stale stack word kept): the heap target an earlier cycle set,
	 * live + budget, is reused (sgc_pacer_reuse_heap).  Never grown by
	 * garbage. */
	ck_assert_uint_ge(budget(), SGC_MIN_GC_BUDGET_BASE);
	ck_assert_uint_ge(budget(), formula_budget());
	ck_assert_uint_le(live() + budget(), target_max);
	ck_assert_uint_le(GC_get_heap_size(), 24 * MiB);
}
END_TEST

/* Large objects count as well: 64 MiB of them run a cycle for every
 * budget's worth, give or take one.  The budget is the floor of a heap
 * that holds only its roots, below 1 MiB in the optimised build (a
 * cycle for each object) and larger where the roots are
 * (AddressSanitizer's), so the bound is taken from the largest budget
 * in effect. */
START_TEST(test_large_alloc_triggers)
{
	uintptr_t gc0 = GC_get_gc_no();
	size_t most = budget();
	for (int i = 0; i < 64; i++) {
		if (!GC_malloc_atomic(MiB))
			ck_abort_msg("out of memory");
		if (budget() > most)
			most = budget();
	}
	uintptr_t cycles = GC_get_gc_no() - gc0;
	ck_assert_uint_ge(most, SGC_MIN_GC_BUDGET_BASE);
	ck_assert_msg(cycles + 1 >= 64 * MiB / (most + MiB),
		      "%lu cycles for 64 MiB at budgets up to %zu bytes",
		      (unsigned long)cycles, most);
	ck_assert_uint_ge(cycles, 8);
	ck_assert_uint_le(GC_get_heap_size(), 24 * MiB);
}
END_TEST

/* No collection while disabled, however much is allocated; the first
 * allocation slow path after GC_enable collects. */
START_TEST(test_disabled)
{
	uintptr_t gc0 = GC_get_gc_no();
	size_t size0 = GC_get_heap_size();

	GC_disable();
	ck_assert_int_eq(GC_is_disabled(), 1);
	for (size_t total = 0; total < 24 * MiB; total += 512)
		if (!GC_malloc(500))
			ck_abort_msg("out of memory");
	ck_assert_uint_eq(GC_get_gc_no(), gc0);
	ck_assert_int_eq(sgc_pacer_due(), 1);
	ck_assert_uint_ge(GC_get_heap_size(), size0 + 20 * MiB);
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 0);
	GC_gcollect();
	ck_assert_uint_eq(GC_get_gc_no(), gc0);

	GC_enable();
	ck_assert_int_eq(GC_is_disabled(), 0);
	/* Within one span's worth of allocation, a cycle runs. */
	for (int i = 0; i < 64 && GC_get_gc_no() == gc0; i++)
		GC_malloc(500);
	ck_assert_uint_eq(GC_get_gc_no(), gc0 + 1);
	ck_assert_int_eq(sgc_pacer_due(), 0);
}
END_TEST

/* A trigger already spent by another thread's cycle starts no second
 * one: the pacer's reason re-checks the budget under the world lock. */
START_TEST(test_spent_trigger)
{
	GC_gcollect();
	uintptr_t gc0 = GC_get_gc_no();
	ck_assert_int_eq(sgc_pacer_due(), 0);
	ck_assert_int_eq(sgc_collect(SGC_REASON_ALLOC), 0);
	ck_assert_uint_eq(GC_get_gc_no(), gc0);
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_uint_eq(GC_get_gc_no(), gc0 + 1);
}
END_TEST

enum { TRIGGER_THREADS = 4 };

static void *garbage_worker(void *arg)
{
	size_t bytes = (size_t)(uintptr_t)arg;
	for (size_t total = 0; total < bytes; total += 512)
		if (!GC_malloc(500))
			ck_abort_msg("out of memory");
	return NULL;
}

/* Several threads reaching the budget together run one cycle, not one
 * each: 64 MiB of garbage at a 4 MiB budget gives about 16 cycles
 * however many threads allocate it. */
START_TEST(test_threads_share_trigger)
{
	pthread_t t[TRIGGER_THREADS];
	/* A budget of 4 MiB whatever is live, as a client can ask. */
	GC_set_min_bytes_allocd(SGC_MIN_GC_BUDGET);
	GC_gcollect();
	uintptr_t gc0 = GC_get_gc_no();
	for (int i = 0; i < TRIGGER_THREADS; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, garbage_worker,
				 (void *)(uintptr_t)(64 * MiB / TRIGGER_THREADS)),
				 0);
	for (int i = 0; i < TRIGGER_THREADS; i++)
		ck_assert_int_eq(GC_pthread_join(t[i], NULL), 0);
	ck_assert_uint_le(budget(), SGC_MIN_GC_BUDGET + MiB / 2);
	ck_assert_uint_ge(GC_get_gc_no() - gc0, 12);
	ck_assert_uint_le(GC_get_gc_no() - gc0, 18);
}
END_TEST

/* The heap target, worked by hand: a peak's memory is reused, kept while
 * cycles come within SGC_HEAP_TARGET_BUSY_NS of each other, decays with
 * the time beyond that, is capped by the memory retained, and is dropped
 * on request. */
START_TEST(test_reuse_heap_formula)
{
	const uint64_t s = 1000000000, t0 = 5 * s;
	size_t b;

	ck_assert_uint_eq(SGC_HEAP_TARGET_BUSY_NS, 5 * s);
	ck_assert_uint_eq(SGC_HEAP_TARGET_TAU_NS, 60 * s);
	sgc_pacer_forget_peak();
	/* At the peak: 90 MiB live, budget 60 MiB, 200 MiB retained. */
	sgc_pacer_end_cycle(90 * MiB, 0, 0);
	b = budget();
	ck_assert_uint_eq(b, 60 * MiB);
	sgc_pacer_reuse_heap(90 * MiB, 200 * MiB, t0);
	ck_assert_uint_eq(budget(), 60 * MiB);
	ck_assert_uint_eq(sgc_pacer.heap_target, 150 * MiB);
	/* After it, 15 MiB live (budget 10 MiB): the 150 MiB are there to
	 * use before the next cycle, whole while cycles come within 5 s. */
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	ck_assert_uint_eq(budget(), 10 * MiB);
	sgc_pacer_reuse_heap(15 * MiB, 200 * MiB, t0 + s);
	ck_assert_uint_eq(sgc_pacer.heap_target, 150 * MiB);
	ck_assert_uint_eq(budget(), 135 * MiB);
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 200 * MiB, t0 + 6 * s);
	ck_assert_uint_eq(sgc_pacer.heap_target, 150 * MiB);
	/* Six seconds on, one second counts: 1/60 is gone. */
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 200 * MiB, t0 + 12 * s);
	ck_assert_uint_eq(sgc_pacer.heap_target, 150 * MiB - 150 * MiB / 60);
	ck_assert_uint_eq(budget(), sgc_pacer.heap_target - 15 * MiB);
	/* Thirty-five seconds on, half of that is left. */
	size_t h = sgc_pacer.heap_target;
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 200 * MiB, t0 + 47 * s);
	ck_assert_uint_eq(sgc_pacer.heap_target, h - h / 2);
	/* Never more than the memory retained... */
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 40 * MiB, t0 + 48 * s);
	ck_assert_uint_eq(sgc_pacer.heap_target, 40 * MiB);
	ck_assert_uint_eq(budget(), 25 * MiB);
	/* ... nor less than live + budget, whatever was retained. */
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 8 * MiB, t0 + 49 * s);
	ck_assert_uint_eq(budget(), 10 * MiB);
	ck_assert_uint_eq(sgc_pacer.heap_target, 25 * MiB);
	/* 65 s without a cycle (a minute beyond the busy interval) forget
	 * the peak. */
	sgc_pacer_end_cycle(90 * MiB, 0, 0);
	sgc_pacer_reuse_heap(90 * MiB, 200 * MiB, t0 + 50 * s);
	ck_assert_uint_eq(sgc_pacer.heap_target, 150 * MiB);
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 200 * MiB, t0 + 115 * s);
	ck_assert_uint_eq(budget(), 10 * MiB);
	/* So does sgc_pacer_forget_peak. */
	sgc_pacer_end_cycle(90 * MiB, 0, 0);
	sgc_pacer_reuse_heap(90 * MiB, 200 * MiB, t0 + 116 * s);
	sgc_pacer_forget_peak();
	sgc_pacer_end_cycle(15 * MiB, 0, 0);
	sgc_pacer_reuse_heap(15 * MiB, 200 * MiB, t0 + 116 * s);
	ck_assert_uint_eq(budget(), 10 * MiB);
	sgc_pacer_forget_peak();
	sgc_pacer_end_cycle(0, 0, 0);
}
END_TEST

struct big { struct big *next; uintptr_t words[127]; };

/* A temporary structure of 48 MiB, dropped. */
static SGC_NOINLINE void make_peak(void)
{
	struct big *head = NULL;
	for (size_t i = 0; i < 48 * MiB / sizeof(struct big); i++) {
		struct big *b = GC_MALLOC(sizeof *b);
		if (!b)
			ck_abort_msg("out of memory");
		b->next = head;
		head = b;
	}
	GC_reachable_here(head);
}

static uintptr_t cycles_for_garbage(size_t bytes)
{
	uintptr_t gc0 = GC_get_gc_no();
	for (size_t total = 0; total < bytes; total += 512)
		if (!GC_malloc(500))
			ck_abort_msg("out of memory");
	return GC_get_gc_no() - gc0;
}

/* After a peak, allocation first fills the heap the peak left behind, as
 * on bdwgc; GC_gcollect_and_unmap returns that memory and drops the
 * peak, and the budget alone paces the cycles again. */
START_TEST(test_peak_reused)
{
	make_peak();
	clear_stack();
	GC_gcollect();
	ck_assert_uint_ge(GC_get_heap_size(), 48 * MiB);
	ck_assert_uint_ge(budget(), 40 * MiB);
	/* 64 MiB of garbage: two or three cycles, not sixteen. */
	ck_assert_uint_le(cycles_for_garbage(64 * MiB), 3);
	ck_assert_uint_ge(GC_get_heap_size(),
			  40 * MiB);

	GC_gcollect_and_unmap();
	ck_assert_uint_le(GC_get_heap_size(),
			  16 * MiB);
	GC_gcollect();
	ck_assert_uint_le(budget(), SGC_MIN_GC_BUDGET + MiB);
	ck_assert_uint_ge(cycles_for_garbage(64 * MiB), 12);
}
END_TEST

enum { PINNED = 48 * MiB / sizeof(struct big) / 8 };
static struct big *pinned[PINNED];

/* A 48 MiB peak of which every eighth object stays live: its spans stay
 * in use, so the memory it leaves serves only its own size class. */
static SGC_NOINLINE void make_pinned_peak(void)
{
	struct big *head = NULL;
	for (size_t i = 0; i < 8 * (size_t)PINNED; i++) {
		struct big *b = GC_MALLOC(sizeof *b);
		if (!b)
			ck_abort_msg("out of memory");
		b->next = head;
		head = b;
		if (i % 8 == 0)
			pinned[i / 8] = b;
	}
	GC_reachable_here(head);
	/* Only the pinned objects stay: cut the chain at each. */
	for (size_t i = 0; i < PINNED; i++)
		pinned[i]->next = NULL;
}

/* The heap such a peak leaves is reused for the next cycle's budget, but
 * allocation of another class cannot use it: the heap then grows only
 * until the formula's budget is spent, and a cycle comes instead of more
 * growth (bdwgc's rule).  Without that rule the heap grows by the whole
 * reused budget, about 40 MiB here. */
START_TEST(test_full_heap_collects)
{
	make_pinned_peak();
	clear_stack();
	GC_gcollect();
	size_t heap0 = GC_get_heap_size();
	ck_assert_uint_ge(heap0, 48 * MiB);
	ck_assert_uint_ge(budget(), 30 * MiB);
	uintptr_t gc0 = GC_get_gc_no();
	(void)cycles_for_garbage(64 * MiB);
	ck_assert_uint_ge(GC_get_gc_no() - gc0, 2);
	ck_assert_uint_le(GC_get_heap_size(), heap0 + 12 * MiB);
	for (size_t i = 0; i < PINNED; i++)
		pinned[i] = NULL;
	GC_gcollect_and_unmap();
}
END_TEST

Suite *make_pacer_suite(void)
{
	Suite *s = suite_create("pacer");
	TCase *tc = tcase_create("budget");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_budget_formula);
	tcase_add_test(tc, test_initial_budget);
	tcase_add_test(tc, test_due);
	tcase_add_test(tc, test_reuse_heap_formula);
	suite_add_tcase(s, tc);

	tc = tcase_create("env");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_initial_heap_env);
	tcase_add_test(tc, test_initial_heap_env_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("trigger");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_alloc_triggers_collections);
	tcase_add_test(tc, test_large_alloc_triggers);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_spent_trigger);
	tcase_add_test(tc, test_threads_share_trigger);
	tcase_add_test(tc, test_peak_reused);
	tcase_add_test(tc, test_full_heap_collects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_pacer_suite());
}
