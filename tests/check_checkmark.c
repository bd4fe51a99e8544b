/*
 * check_checkmark.c: white-box tests of check-mark mode (src/checkmark.[ch])
 * and of SPANGC_VERIFY.
 *
 * The checker must stay quiet on a correct heap full of what programs
 * make (threads returning lists, typed objects, a client kind, an
 * uncollectable holder, finalizers), and must abort, naming the object,
 * when the mark phase misses a reachable object: a test hook run right
 * after the mark phase (sgc_collect_hooks.marked) clears one reachable
 * object's mark bit, as a broken marker would.
 */
#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include <gc/gc_typed.h>

#include "testutil.h"
#include "checkmark.h"
#include "collect.h"
#include "init.h"

struct node {
	struct node *next;
	uintptr_t val;
};

struct rec {
	void *p;
	GC_word fake;
	void *q;
};

#define NTHREADS 3
#define LIST_LEN 3000

static struct node *volatile g_list;
static struct node **volatile g_lists;
static struct rec **volatile g_recs;
static void **volatile g_kind_objs;
static void **volatile g_uncoll;
static volatile int g_finalized;
static void *volatile g_keep[50];

static struct node *build_list(size_t n, uintptr_t seed)
{
	struct node *head = NULL;
	for (size_t i = 0; i < n; i++) {
		struct node *x = GC_MALLOC(sizeof *x);
		if (!x)
			return NULL;
		x->next = head;
		x->val = seed * 1000003u + (n - 1 - i);
		head = x;
	}
	return head;
}

/* 1 when the list holds seed's n values in order. */
static int list_ok(const struct node *x, size_t n, uintptr_t seed)
{
	for (size_t i = 0; i < n; i++, x = x->next)
		if (!x || x->val != seed * 1000003u + i)
			return 0;
	return x == NULL;
}

/* Build a list, publish it, and collect from this thread.  (Published
 * through g_lists rather than the thread's return value, whose keeping
 * alive until the join is thread.c's business and tested there.) */
static void *worker(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;
	struct node *l = build_list(LIST_LEN, seed);
	g_lists[seed - 10] = l;
	for (int i = 0; i < 3; i++) {
		GC_gcollect();
		/* garbage in between, so cycles have something to sweep */
		for (int j = 0; j < 500; j++)
			(void)GC_MALLOC(48);
	}
	return NULL;
}

static void GC_CALLBACK count_fin(void *obj, void *cd)
{
	(void)obj;
	(void)cd;
	/* Threads that allocate run finalizers, two at once at times. */
	__atomic_fetch_add(&g_finalized, 1, __ATOMIC_RELAXED);
}

static __attribute__((noinline)) void build_heap(void)
{
	g_list = build_list(LIST_LEN, 1);
	GC_word bm[GC_BITMAP_SIZE(struct rec)] = { 0 };
	GC_set_bit(bm, GC_WORD_OFFSET(struct rec, p));
	GC_set_bit(bm, GC_WORD_OFFSET(struct rec, q));
	GC_descr d = GC_make_descriptor(bm, GC_WORD_LEN(struct rec));
	g_recs = GC_MALLOC(200 * sizeof(struct rec *));
	for (int i = 0; i < 200; i++) {
		struct rec *r = GC_MALLOC_EXPLICITLY_TYPED(sizeof *r, d);
		r->p = build_list(3, 100 + (uintptr_t)i);
		r->q = GC_MALLOC_ATOMIC(64);
		r->fake = 0;
		g_recs[i] = r;
	}
	/* A client kind scanned whole (a length descriptor, adjusted). */
	int kind = (int)GC_new_kind(GC_new_free_list(), 0 | GC_DS_LENGTH, 1,
				    1);
	g_kind_objs = GC_MALLOC(100 * sizeof(void *));
	for (int i = 0; i < 100; i++) {
		void **o = GC_generic_malloc(4 * sizeof(void *), kind);
		o[0] = build_list(2, 500 + (uintptr_t)i);
		g_kind_objs[i] = o;
	}
	/* Reached only through an uncollectable object, whose address is
	 * kept hidden. */
	void **u = GC_MALLOC_UNCOLLECTABLE(2 * sizeof(void *));
	u[0] = build_list(LIST_LEN, 2);
	g_uncoll = (void **)sgc_test_hide(u);
	/* Finalizers: half the objects stay reachable. */
	for (int i = 0; i < 100; i++) {
		void *o = GC_MALLOC(32);
		GC_REGISTER_FINALIZER(o, count_fin, NULL, NULL, NULL);
		if (i % 2 == 0)
			g_keep[i / 2] = o;
	}
}

START_TEST(test_quiet_on_busy_heap)
{
	sgc_config.checkmark = 1;
	sgc_config.verify = 1;
	build_heap();
	pthread_t t[NTHREADS];
	g_lists = GC_MALLOC(NTHREADS * sizeof(struct node *));
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, worker,
						   (void *)(uintptr_t)(10 + i)),
				 0);
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(GC_pthread_join(t[i], NULL), 0);
	for (int cycle = 0; cycle < 5; cycle++) {
		sgc_test_collect();
		GC_invoke_finalizers();
		ck_assert(list_ok(g_list, LIST_LEN, 1));
		for (int i = 0; i < NTHREADS; i++)
			ck_assert(list_ok(g_lists[i], LIST_LEN, 10 + i));
		for (int i = 0; i < 200; i++)
			ck_assert(list_ok(g_recs[i]->p, 3, 100 + i));
		for (int i = 0; i < 100; i++)
			ck_assert(list_ok(((void **)g_kind_objs[i])[0], 2,
					  500 + i));
		void **u = sgc_test_reveal((uintptr_t)g_uncoll);
		ck_assert(list_ok(u[0], LIST_LEN, 2));
	}
	/* Every list node at least was checked in the last cycle. */
	ck_assert_uint_ge(sgc_checkmark_last_checked(),
			  (NTHREADS + 2) * LIST_LEN + 200 * 4 + 100 * 3);
	ck_assert_int_ge(g_finalized, 1);
	ck_assert_int_le(g_finalized, 50);
}
END_TEST

/* The test hook: drop the mark of the third node of g_list. */
static void drop_a_mark(void)
{
	GC_clear_mark_bit(g_list->next->next);
}

START_TEST(test_catches_dropped_mark)
{
	sgc_config.checkmark = 1;
	g_list = build_list(100, 3);
	sgc_collect_hooks.marked = drop_a_mark;
	sgc_test_collect();
	/* Not reached with the checker on: it aborts in the collection. */
	sgc_collect_hooks.marked = NULL;
}
END_TEST

/* With the checker off, the same dropped mark goes unnoticed and the node
 * is reclaimed: the hook does break the mark, so the test above can only
 * pass because the checker caught it. */
START_TEST(test_dropped_mark_unnoticed_without_checker)
{
	sgc_config.checkmark = 0;
	g_list = build_list(100, 3);
	uintptr_t third = sgc_test_hide(g_list->next->next);
	sgc_collect_hooks.marked = drop_a_mark;
	sgc_test_collect();
	sgc_collect_hooks.marked = NULL;
	ck_assert_ptr_null(GC_base(sgc_test_reveal(third)));
	g_list->next->next = NULL; /* now dangling: cut it off */
}
END_TEST

START_TEST(test_environment)
{
	setenv("SPANGC_CHECKMARK", "1", 1);
	setenv("SPANGC_VERIFY", "1", 1);
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 0);
	GC_init();
	ck_assert_int_eq(sgc_config.checkmark, 1);
	ck_assert_int_eq(sgc_config.verify, 1);
	g_list = build_list(1000, 4);
	sgc_test_collect();
	ck_assert(list_ok(g_list, 1000, 4));
	ck_assert_uint_ge(sgc_checkmark_last_checked(), 1000);
}
END_TEST

Suite *make_checkmark_suite(void)
{
	Suite *s = suite_create("checkmark");
	TCase *tc = tcase_create("quiet");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_quiet_on_busy_heap);
	tcase_add_test(tc, test_dropped_mark_unnoticed_without_checker);
	suite_add_tcase(s, tc);

	tc = tcase_create("catches");
	sgc_test_pad_fixture(tc);
	tcase_add_test_raise_signal(tc, test_catches_dropped_mark, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("environment");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_environment);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_checkmark_suite());
}
