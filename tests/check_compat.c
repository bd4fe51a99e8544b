/*
 * check_compat.c: black-box tests of the rest of bdwgc's API (issue 11
 * items 5 and 6): stop functions and GC_try_to_collect, the incremental
 * calls in a collector without incremental mode, bdwgc's variables and
 * their setters, statistics, root exclusions and the static-roots filter,
 * threads on an alternate signal stack, thread suspension, explicit world
 * stops, the abort function and the dumps.
 *
 * Uses the public headers only and links the public library.  Each test
 * runs in a fresh process (Check's fork mode), so settings made before
 * the collector's first use are seen as "before GC_INIT".  Worker threads
 * never call ck_assert (see common test rules): they report to the main
 * thread through variables.
 */
#define _GNU_SOURCE
#define GC_THREADS 1
#include <gc.h>
#include <gc/gc_mark.h>
#include <gc/javaxfc.h>

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define MIB ((size_t)1 << 20)

Suite *make_compat_suite(void);

struct node {
	struct node *next;
	long value;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Overwrites the dead part of the stack below the caller. */
static NOINLINE void clear_stack(void)
{
	char buf[64 * 1024];
	void *volatile vp = buf;
	memset(vp, 0, sizeof buf);
}

/* Garbage of a few sizes, so that wrongly freed slots get reused. */
static NOINLINE void churn(void)
{
	for (int i = 0; i < 2000; i++)
		memset(GC_MALLOC(48), 0xA5, 48);
	for (int i = 0; i < 20; i++)
		memset(GC_MALLOC(5000), 0xA5, 5000);
}

/* A list of n nodes, values n-1 .. 0, with collections while it grows. */
static NOINLINE struct node *make_list(long n, int collect_every)
{
	struct node *head = NULL;
	for (long i = 0; i < n; i++) {
		struct node *x = GC_NEW(struct node);
		if (!x)
			return NULL;
		x->value = i;
		x->next = head;
		head = x;
		if (collect_every && i % collect_every == 0)
			GC_gcollect();
	}
	return head;
}

/* 1 when the list is n nodes long with values n-1 .. 0. */
static NOINLINE int list_ok(const struct node *head, long n)
{
	long expect = n - 1;
	for (; head; head = head->next, expect--)
		if (head->value != expect || GC_base((void *)head) != head)
			return 0;
	return expect == -1;
}

/* A disappearing link to a fresh object: the link holds the object
 * hidden, and is cleared when the object dies. */
static GC_hidden_pointer weak_link;

static NOINLINE void *make_weak_target(void)
{
	void *p = GC_MALLOC(64);
	memset(p, 0x3C, 64);
	if (weak_link)
		GC_unregister_disappearing_link((void **)&weak_link);
	weak_link = GC_HIDE_POINTER(p);
	ck_assert_int_eq(GC_general_register_disappearing_link(
				 (void **)&weak_link, p), GC_SUCCESS);
	return p;
}

/* Collect up to n times (clearing the stack between) until the weak
 * target has died; 1 if it did. */
static NOINLINE int target_dies(int n)
{
	for (int i = 0; i < n && weak_link; i++) {
		churn();
		clear_stack();
		GC_gcollect();
	}
	return weak_link == 0;
}

/* ------------------------------------------------------------------ */
/* Stop functions                                                       */
/* ------------------------------------------------------------------ */

static int stop_calls;

static int GC_CALLBACK always_stop(void)
{
	stop_calls++;
	return 1;
}

static int GC_CALLBACK never_stop(void)
{
	stop_calls++;
	return 0;
}

static NOINLINE void drop_target(void)
{
	(void)make_weak_target();
}

START_TEST(test_try_to_collect)
{
	GC_INIT();
	drop_target();
	clear_stack();
	GC_word before = GC_get_gc_no();
	/* A stop function that says stop: nothing collected, 0 returned. */
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(GC_try_to_collect(always_stop), 0);
		ck_assert_ptr_nonnull(GC_REVEAL_POINTER(weak_link));
	}
	ck_assert_uint_eq(GC_get_gc_no(), before);
	ck_assert_int_gt(stop_calls, 0);
	/* One that never stops: full collections, 1 returned. */
	int ran = 0;
	for (int i = 0; i < 10 && weak_link; i++) {
		churn();
		clear_stack();
		ran += GC_try_to_collect(never_stop);
	}
	ck_assert_int_gt(ran, 0);
	ck_assert_uint_gt(GC_get_gc_no(), before);
	ck_assert(weak_link == 0);
	/* Disabled collection: 0, as bdwgc. */
	GC_disable();
	ck_assert_int_eq(GC_try_to_collect(never_stop), 0);
	GC_enable();
}
END_TEST

START_TEST(test_set_stop_func)
{
	GC_INIT();
	ck_assert_ptr_nonnull(GC_get_stop_func());
	ck_assert_int_eq(GC_get_stop_func()(), 0); /* the default goes on */
	GC_set_stop_func(always_stop);
	ck_assert(GC_get_stop_func() == always_stop);
	GC_word before = GC_get_gc_no();
	GC_gcollect();
	/* Automatic collections are asked too: 64 MiB of garbage, none. */
	for (int i = 0; i < 64 * 1024; i++)
		memset(GC_MALLOC(1024), 1, 1024);
	ck_assert_uint_eq(GC_get_gc_no(), before);
	GC_set_stop_func(never_stop);
	GC_gcollect();
	ck_assert_uint_gt(GC_get_gc_no(), before);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Incremental mode: not available, answered as bdwgc does then         */
/* ------------------------------------------------------------------ */

START_TEST(test_incremental_calls)
{
	GC_enable_incremental(); /* initialises, as bdwgc */
	ck_assert(GC_is_init_called());
	ck_assert_int_eq(GC_is_incremental_mode(), 0);
	ck_assert_int_eq(GC_incremental_protection_needs(), GC_PROTECTS_NONE);
	GC_start_incremental_collection();
	GC_set_manual_vdb_allowed(1);
	ck_assert_int_eq(GC_get_manual_vdb_allowed(), 1);
	struct node *a = GC_MALLOC_STUBBORN(sizeof *a);
	struct node *b = GC_NEW_STUBBORN(struct node);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	GC_CHANGE_STUBBORN(a);
	GC_PTR_STORE_AND_DIRTY(&a->next, b);
	GC_END_STUBBORN_CHANGE(a);
	ck_assert_ptr_eq(a->next, b);
	b->value = 77;
	b = NULL;
	for (int i = 0; i < 5; i++) {
		churn();
		GC_gcollect();
	}
	ck_assert_int_eq(a->next->value, 77);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Variables, setters and getters                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_variables_before_init)
{
	/* Written directly before the collector starts, as old clients do. */
	GC_no_dls = 0;
	GC_dont_expand = 0;
	GC_max_retries = 4;
	GC_full_freq = 9;
	GC_time_limit = 40;
	GC_use_entire_heap = 1;
	GC_dont_precollect = 1;
	GC_free_space_divisor = 6;
	GC_INIT();
	ck_assert_uint_eq(GC_get_max_retries(), 4);
	ck_assert_int_eq(GC_get_full_freq(), 9);
	ck_assert_uint_eq(GC_get_time_limit(), 40);
	ck_assert_int_eq(GC_get_dont_precollect(), 1);
	ck_assert_uint_eq(GC_get_free_space_divisor(), 6);
	/* And the other way. */
	GC_set_max_retries(1);
	ck_assert_uint_eq(GC_max_retries, 1);
	GC_set_full_freq(3);
	ck_assert_int_eq(GC_full_freq, 3);
	GC_set_time_limit(GC_TIME_UNLIMITED);
	ck_assert_uint_eq(GC_time_limit, GC_TIME_UNLIMITED);
	GC_set_no_dls(0);
	ck_assert_int_eq(GC_no_dls, 0);
	GC_set_dont_expand(0);
	ck_assert_int_eq(GC_dont_expand, 0);
	GC_set_non_gc_bytes(4096);
	ck_assert_uint_eq(GC_non_gc_bytes, 4096);
	ck_assert_uint_eq(GC_get_non_gc_bytes(), 4096);
	struct GC_timeval_s tv = { 12, 345 };
	GC_set_time_limit_tv(tv);
	ck_assert_uint_eq(GC_get_time_limit_tv().tv_ms, 12);
	ck_assert_uint_eq(GC_get_time_limit_tv().tv_nsec, 345);
	GC_set_min_bytes_allocd(8192);
	ck_assert_uint_eq(GC_get_min_bytes_allocd(), 8192);
	GC_set_rate(5);
	ck_assert_int_eq(GC_get_rate(), 5);
	GC_set_max_prior_attempts(3);
	ck_assert_int_eq(GC_get_max_prior_attempts(), 3);
	GC_set_dont_precollect(0);
	ck_assert_int_eq(GC_dont_precollect, 0);
	ck_assert_int_eq(GC_get_pages_executable(), 0);
	/* GC_gc_no follows the collections. */
	GC_word n = GC_gc_no;
	GC_gcollect();
	ck_assert_uint_eq(GC_gc_no, n + 1);
	ck_assert_uint_eq(GC_gc_no, GC_get_gc_no());
	/* The list survives collections with all of this set. */
	struct node *l = make_list(20000, 5000);
	churn();
	GC_gcollect();
	ck_assert(list_ok(l, 20000));
}
END_TEST

START_TEST(test_pages_executable)
{
	GC_set_pages_executable(1);
	GC_INIT();
	ck_assert_int_eq(GC_get_pages_executable(), 1);
	/* Later calls do not change it (bdwgc: set before GC_INIT). */
	GC_set_pages_executable(0);
	ck_assert_int_eq(GC_get_pages_executable(), 1);
	struct node *l = make_list(5000, 1000);
	ck_assert(list_ok(l, 5000));
}
END_TEST

START_TEST(test_disable_automatic_collection)
{
	GC_INIT();
	GC_set_disable_automatic_collection(1);
	ck_assert_int_eq(GC_get_disable_automatic_collection(), 1);
	GC_word before = GC_get_gc_no();
	for (int i = 0; i < 48 * 1024; i++)
		memset(GC_MALLOC(1024), 1, 1024);
	ck_assert_uint_eq(GC_get_gc_no(), before);
	GC_gcollect(); /* explicit ones still run */
	ck_assert_uint_eq(GC_get_gc_no(), before + 1);
	GC_set_disable_automatic_collection(0);
	for (int i = 0; i < 48 * 1024; i++)
		memset(GC_MALLOC(1024), 1, 1024);
	ck_assert_uint_gt(GC_get_gc_no(), before + 1);
}
END_TEST

START_TEST(test_force_unmap_on_gcollect)
{
	GC_INIT();
	GC_set_force_unmap_on_gcollect(1);
	ck_assert_int_eq(GC_get_force_unmap_on_gcollect(), 1);
	for (int i = 0; i < 64; i++)
		memset(GC_MALLOC_ATOMIC(256 * 1024), 1, 256 * 1024);
	clear_stack();
	GC_gcollect();
	ck_assert_uint_gt(GC_get_unmapped_bytes(), 0);
}
END_TEST

static GC_word resized_to;
static int resize_calls;

static void GC_CALLBACK on_resize(GC_word size)
{
	resized_to = size;
	resize_calls++;
}

START_TEST(test_on_heap_resize)
{
	GC_INIT();
	GC_set_on_heap_resize(on_resize);
	ck_assert(GC_get_on_heap_resize() == on_resize);
	ck_assert(GC_on_heap_resize == on_resize);
	ck_assert(GC_expand_hp(16 * MIB));
	ck_assert_int_ge(resize_calls, 1);
	ck_assert_uint_eq(resized_to, GC_get_heap_size());
}
END_TEST

START_TEST(test_prof_stats)
{
	GC_INIT();
	GC_set_non_gc_bytes(777);
	void *p = GC_MALLOC(1000);
	GC_FREE(p);
	ck_assert_uint_ge(GC_get_expl_freed_bytes_since_gc(), 1000);
	struct GC_prof_stats_s st;
	ck_assert_uint_eq(GC_get_prof_stats(&st, sizeof st), sizeof st);
	ck_assert_uint_eq(st.gc_no, GC_get_gc_no());
	ck_assert_uint_eq(st.non_gc_bytes, 777);
	ck_assert_uint_ge(st.expl_freed_bytes_since_gc, 1000);
	ck_assert_uint_ge(st.heapsize_full, GC_get_heap_size());
	ck_assert_uint_ge(st.obtained_from_os_bytes, GC_get_heap_size());
	ck_assert_uint_ge(st.allocd_bytes_before_gc + st.bytes_allocd_since_gc,
			  1000);
	ck_assert_uint_eq(GC_get_prof_stats_unsafe(&st, sizeof st), sizeof st);
	/* An older client's smaller struct: only its part is written. */
	GC_word small[3] = { 1, 2, 3 };
	ck_assert_uint_eq(GC_get_prof_stats((struct GC_prof_stats_s *)small,
					    2 * sizeof(GC_word)),
			  2 * sizeof(GC_word));
	ck_assert_uint_eq(small[2], 3);
	/* A newer client's bigger one: unknown fields are -1. */
	GC_word big[sizeof st / sizeof(GC_word) + 2];
	memset(big, 0, sizeof big);
	ck_assert_uint_eq(GC_get_prof_stats((struct GC_prof_stats_s *)big,
					    sizeof big), sizeof st);
	ck_assert_uint_eq(big[sizeof st / sizeof(GC_word)], (GC_word)-1);
	void *volatile live = GC_MALLOC(5000);
	GC_gcollect();
	ck_assert_uint_eq(GC_get_expl_freed_bytes_since_gc(), 0);
	ck_assert_ptr_nonnull(live);
	ck_assert_uint_le(GC_get_memory_use(), GC_get_heap_size());
	ck_assert_uint_gt(GC_get_memory_use(), 0);
	ck_assert_uint_ge(GC_get_size_map_at(1), 1);
	ck_assert_uint_ge(GC_get_size_map_at(100), 100);
	ck_assert_uint_eq(GC_get_size_map_at(-1), (size_t)-1);
	ck_assert_uint_eq(GC_get_size_map_at(1 << 30), (size_t)-1);
	ck_assert_uint_eq(GC_get_full_gc_total_time(), 0);
	GC_start_performance_measurement();
	GC_gcollect();
	(void)GC_get_full_gc_total_time(); /* milliseconds: may be 0 */
}
END_TEST

/* ------------------------------------------------------------------ */
/* Roots: exclusions and the static-roots filter                        */
/* ------------------------------------------------------------------ */

/* A static root holding a plain pointer to the weak target. */
static struct {
	char pad[64];
	void *p;
	char pad2[64];
} excluded_root;

static NOINLINE void root_target(void)
{
	excluded_root.p = make_weak_target();
}

/* The same into *slot; the test's own frame never holds the pointer. */
static NOINLINE void root_target_at(void **slot)
{
	*slot = make_weak_target();
}

START_TEST(test_exclude_static_roots)
{
	GC_INIT();
	/* Rooted by the static: lives. */
	root_target();
	ck_assert(!target_dies(5));
	/* The same static, excluded: the object dies though the static
	 * still points to it. */
	GC_exclude_static_roots(&excluded_root, (char *)&excluded_root +
				sizeof excluded_root);
	ck_assert(target_dies(10));
	ck_assert_ptr_nonnull(excluded_root.p);
	/* The exclusion table cleared: rooted again. */
	GC_clear_exclusion_table();
	root_target();
	ck_assert(!target_dies(5));
	/* Also for roots added with GC_add_roots. */
	static void *added[4];
	GC_add_roots(added, added + 4);
	root_target_at(&added[2]);
	excluded_root.p = NULL;
	ck_assert(!target_dies(5));
	GC_exclude_static_roots(added + 2, added + 3);
	ck_assert(target_dies(10));
}
END_TEST

static int filter_calls, filter_saw_main;

static int GC_CALLBACK skip_main(const char *name, void *start, size_t size)
{
	(void)start;
	(void)size;
	filter_calls++;
	if (name && name[0] == '\0') {
		filter_saw_main = 1;
		return 0;
	}
	return 1;
}

START_TEST(test_static_roots_filter)
{
	GC_INIT();
	root_target();
	GC_register_has_static_roots_callback(skip_main);
	ck_assert(target_dies(10));
	ck_assert_int_gt(filter_calls, 0);
	ck_assert(filter_saw_main);
	GC_register_has_static_roots_callback(0);
	root_target();
	ck_assert(!target_dies(5));
}
END_TEST

/* ------------------------------------------------------------------ */
/* A thread running on its alternate signal stack                       */
/* ------------------------------------------------------------------ */

#define ALT_NODES 3000
#define ALT_STACK (1 << 20)

static volatile int alt_phase;   /* 1: in the handler, 2: may leave */
static volatile int alt_result;  /* 1: the list was intact */
static volatile int alt_on_alt;  /* the handler ran on the alt stack */
static int alt_register;         /* call GC_register_altstack */
static char *alt_mem;

static void alt_handler(int sig)
{
	(void)sig;
	volatile char here;
	alt_on_alt = &here >= alt_mem && &here < alt_mem + ALT_STACK;
	/* The list lives in this frame, on the alternate stack, only. */
	struct node *head = make_list(ALT_NODES, 500);
	__atomic_store_n(&alt_phase, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&alt_phase, __ATOMIC_ACQUIRE) != 2)
		sleep_ms(1); /* the main thread collects meanwhile */
	churn();
	GC_gcollect();
	alt_result = list_ok(head, ALT_NODES);
}

static void *alt_thread(void *arg)
{
	(void)arg;
	stack_t ss, old;
	alt_mem = malloc(ALT_STACK);
	if (!alt_mem)
		return NULL;
	ss.ss_sp = alt_mem;
	ss.ss_size = ALT_STACK;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, &old) != 0)
		return NULL;
	if (alt_register) {
		pthread_attr_t attr;
		void *lo;
		size_t size;
		pthread_getattr_np(pthread_self(), &attr);
		pthread_attr_getstack(&attr, &lo, &size);
		pthread_attr_destroy(&attr);
		GC_register_altstack(lo, size, alt_mem, ALT_STACK);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = alt_handler;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_kill(pthread_self(), SIGUSR1);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	return NULL;
}

static void run_altstack(int reg)
{
	GC_INIT();
	/* The collector's threads (markers, the background one) now, not
	 * from the collections inside the signal handler: starting a thread
	 * calls malloc, which is not signal-safe. */
	GC_start_mark_threads();
	GC_gcollect();
	alt_register = reg;
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, alt_thread, NULL), 0);
	while (__atomic_load_n(&alt_phase, __ATOMIC_ACQUIRE) != 1)
		sleep_ms(1);
	/* Collections from this thread while the other one is stopped on
	 * its alternate stack. */
	for (int i = 0; i < 10; i++) {
		churn();
		GC_gcollect();
	}
	__atomic_store_n(&alt_phase, 2, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(alt_result);
	ck_assert_int_eq(GC_get_gc_no() > 10, 1);
	free(alt_mem);
}

START_TEST(test_altstack_found)
{
	run_altstack(0);
}
END_TEST

START_TEST(test_altstack_registered)
{
	run_altstack(1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Suspension, explicit stops, the allocation lock                      */
/* ------------------------------------------------------------------ */

static volatile long spin_count;
static volatile int spin_stop, spin_result;

static void *spinner(void *arg)
{
	(void)arg;
	struct node *head = make_list(2000, 0);
	while (!__atomic_load_n(&spin_stop, __ATOMIC_ACQUIRE)) {
		memset(GC_MALLOC(64), 7, 64);
		__atomic_add_fetch(&spin_count, 1, __ATOMIC_RELEASE);
	}
	spin_result = list_ok(head, 2000);
	return NULL;
}

static long spins(void)
{
	return __atomic_load_n(&spin_count, __ATOMIC_ACQUIRE);
}

static void wait_spins_above(long n)
{
	while (spins() <= n)
		sleep_ms(1);
}

/* GC_set_on_thread_event: a collection tells of each thread it stops and
 * restarts, with the thread's id. */
static pthread_t event_thread;
static volatile int events_suspended, events_unsuspended, events_other;

static void GC_CALLBACK count_thread_event(GC_EventType e, void *id)
{
	if ((pthread_t)id != event_thread)
		return;
	if (e == GC_EVENT_THREAD_SUSPENDED)
		__atomic_add_fetch(&events_suspended, 1, __ATOMIC_RELAXED);
	else if (e == GC_EVENT_THREAD_UNSUSPENDED)
		__atomic_add_fetch(&events_unsuspended, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&events_other, 1, __ATOMIC_RELAXED);
}

START_TEST(test_thread_events)
{
	GC_INIT();
	ck_assert_ptr_null((void *)GC_get_on_thread_event());
	ck_assert_int_eq(pthread_create(&event_thread, NULL, spinner, NULL), 0);
	wait_spins_above(1000);
	GC_set_on_thread_event(count_thread_event);
	ck_assert_ptr_eq((void *)GC_get_on_thread_event(),
			 (void *)count_thread_event);
	for (int i = 0; i < 3; i++)
		GC_gcollect();
	GC_set_on_thread_event(0);
	__atomic_store_n(&spin_stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(event_thread, NULL), 0);
	ck_assert(spin_result);
	ck_assert_int_ge(events_suspended, 3);
	ck_assert_int_eq(events_suspended, events_unsuspended);
	ck_assert_int_eq(events_other, 0);
}
END_TEST

START_TEST(test_suspend_resume)
{
	GC_INIT();
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, spinner, NULL), 0);
	wait_spins_above(1000);
	ck_assert(!GC_is_thread_suspended((GC_SUSPEND_THREAD_ID)t));
	GC_suspend_thread((GC_SUSPEND_THREAD_ID)t);
	ck_assert(GC_is_thread_suspended((GC_SUSPEND_THREAD_ID)t));
	long c = spins();
	sleep_ms(20);
	/* Collections with the thread suspended scan its stack. */
	for (int i = 0; i < 5; i++) {
		churn();
		GC_gcollect();
	}
	ck_assert_int_eq(spins(), c);
	GC_suspend_thread((GC_SUSPEND_THREAD_ID)t); /* no nesting */
	GC_resume_thread((GC_SUSPEND_THREAD_ID)t);
	ck_assert(!GC_is_thread_suspended((GC_SUSPEND_THREAD_ID)t));
	wait_spins_above(c + 1000);
	/* Again, while collections run from both threads. */
	GC_suspend_thread((GC_SUSPEND_THREAD_ID)t);
	c = spins();
	GC_gcollect();
	ck_assert_int_eq(spins(), c);
	GC_resume_thread((GC_SUSPEND_THREAD_ID)t);
	wait_spins_above(c + 1000);
	__atomic_store_n(&spin_stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(spin_result);
	/* An unregistered or finished thread: ignored. */
	GC_suspend_thread((GC_SUSPEND_THREAD_ID)t);
	ck_assert(!GC_is_thread_suspended((GC_SUSPEND_THREAD_ID)t));
}
END_TEST

START_TEST(test_stop_world_external)
{
	GC_INIT();
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, spinner, NULL), 0);
	wait_spins_above(1000);
	GC_stop_world_external();
	long c = spins();
	sleep_ms(20);
	long c2 = spins();
	GC_start_world_external();
	ck_assert_int_eq(c, c2);
	wait_spins_above(c + 1000);
	GC_alloc_lock();
	GC_alloc_unlock();
	__atomic_store_n(&spin_stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(spin_result);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The abort function, output                                           */
/* ------------------------------------------------------------------ */

static void GC_CALLBACK exit_42(const char *msg)
{
	(void)msg;
	_exit(msg && strstr(msg, "GC_free") ? 42 : 43);
}

START_TEST(test_abort_func)
{
	GC_INIT();
	GC_set_abort_func(exit_42);
	ck_assert(GC_get_abort_func() == exit_42);
	int not_heap;
	GC_free(&not_heap); /* a fatal error: the abort function runs */
}
END_TEST

/* Run fn with stdout sent to a file; returns the file's contents
 * (malloc'd). */
static char *capture_stdout(void (*fn)(void))
{
	char path[] = "/tmp/check_compat_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)n + 1);
	ck_assert_int_eq(pread(fd, buf, (size_t)n, 0), n);
	buf[n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void dump_named(void)
{
	GC_dump_named("check_compat");
}

START_TEST(test_dumps)
{
	GC_INIT();
	struct node *l = make_list(5000, 0);
	void *big = GC_MALLOC(100000);
	char *out = capture_stdout(GC_dump);
	ck_assert_int_gt((int)strlen(out), 100);
	free(out);
	out = capture_stdout(dump_named);
	ck_assert_ptr_nonnull(strstr(out, "check_compat"));
#ifdef SPANGC_TEST
	ck_assert_ptr_nonnull(strstr(out, "normal"));
	ck_assert_ptr_nonnull(strstr(out, "Roots"));
	ck_assert_ptr_nonnull(strstr(out, "free"));
#endif
	free(out);
	out = capture_stdout(GC_dump_regions);
	ck_assert_int_gt((int)strlen(out), 10);
	free(out);
	GC_dump_finalization();
	ck_assert(list_ok(l, 5000));
	GC_reachable_here(big);
}
END_TEST

START_TEST(test_misc_calls)
{
	GC_INIT();
	int x = 5;
	ck_assert_ptr_eq(GC_clear_stack(&x), &x);
	GC_set_log_fd(2);
	GC_word before = GC_get_gc_no();
	GC_deinit();
	GC_gcollect();
	ck_assert_uint_eq(GC_get_gc_no(), before + 1);
}
END_TEST

Suite *make_compat_suite(void)
{
	Suite *s = suite_create("compat");
	TCase *tc = tcase_create("stop");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_try_to_collect);
	tcase_add_test(tc, test_set_stop_func);
	tcase_add_test(tc, test_incremental_calls);
	suite_add_tcase(s, tc);
	tc = tcase_create("variables");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_variables_before_init);
	tcase_add_test(tc, test_pages_executable);
	tcase_add_test(tc, test_disable_automatic_collection);
	tcase_add_test(tc, test_force_unmap_on_gcollect);
	tcase_add_test(tc, test_on_heap_resize);
	tcase_add_test(tc, test_prof_stats);
	suite_add_tcase(s, tc);
	tc = tcase_create("roots");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exclude_static_roots);
	tcase_add_test(tc, test_static_roots_filter);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
#if !defined(__SANITIZE_THREAD__)
	/* Not under ThreadSanitizer: its signal layer runs no other handler
	 * (the collector's suspend signal) while one is running, so a thread
	 * that waits inside its handler, as these tests' does, is never
	 * stopped and the collection waits for ever. */
	tcase_add_test(tc, test_altstack_found);
	tcase_add_test(tc, test_altstack_registered);
#else
	(void)test_altstack_found;
	(void)test_altstack_registered;
#endif
	tcase_add_test(tc, test_suspend_resume);
	tcase_add_test(tc, test_thread_events);
	tcase_add_test(tc, test_stop_world_external);
	suite_add_tcase(s, tc);
	tc = tcase_create("output");
	tcase_set_timeout(tc, 120);
	tcase_add_exit_test(tc, test_abort_func, 42);
	tcase_add_test(tc, test_dumps);
	tcase_add_test(tc, test_misc_calls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(make_compat_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
