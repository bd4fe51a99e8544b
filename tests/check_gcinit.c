/*
 * check_gcinit.c: GC_INIT's configuration macros (issue 11 item 7).
 *
 * A bdwgc client configures the collector by defining macros before it
 * includes <gc.h>; GC_INIT() then applies them, the ones that must come
 * before initialisation first.  Every test calls GC_INIT() in a fresh
 * process (Check's fork mode) and checks that each setting took effect.
 */
#define _GNU_SOURCE
#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1 /* a plain pthread, registered by hand */
#define GC_FREE_SPACE_DIVISOR 7
#define GC_FULL_FREQ 5
#define GC_TIME_LIMIT 20
#define GC_MAX_RETRIES 3
#define GC_ALLOCD_BYTES_PER_FINALIZER 12345
#define GC_IGNORE_WARN 1
#define GC_FORCE_UNMAP_ON_GCOLLECT 1
#define GC_INITIAL_HEAP_SIZE (32 << 20)
#define GC_MAXIMUM_HEAP_SIZE ((size_t)256 << 20)
#define GC_MARKERS 3
#define GC_SIG_SUSPEND (SIGRTMIN + 5)
#define GC_SIG_THR_RESTART (SIGRTMIN + 6)
#define GC_ALLOW_REGISTER_THREADS 1
#define GC_DONT_REGISTER_MAIN_STATIC_DATA 1
#include <gc.h>

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

Suite *make_gcinit_suite(void);

START_TEST(test_settings)
{
	GC_INIT();
	ck_assert_uint_eq(GC_get_free_space_divisor(), 7);
	ck_assert_int_eq(GC_get_full_freq(), 5);
	ck_assert_uint_eq(GC_get_time_limit(), 20);
	ck_assert_uint_eq(GC_get_max_retries(), 3);
	ck_assert_uint_eq(GC_get_allocd_bytes_per_finalizer(), 12345);
	ck_assert(GC_get_warn_proc() == GC_ignore_warn_proc);
	ck_assert_int_eq(GC_get_force_unmap_on_gcollect(), 1);
	ck_assert_int_eq(GC_get_suspend_signal(), SIGRTMIN + 5);
	ck_assert_int_eq(GC_get_thr_restart_signal(), SIGRTMIN + 6);
}
END_TEST

START_TEST(test_heap_sizes)
{
	GC_INIT();
	ck_assert_uint_ge(GC_get_heap_size(), (size_t)32 << 20);
	/* Beyond the maximum heap size: NULL (the default OOM function). */
	ck_assert_ptr_null(GC_MALLOC_ATOMIC((size_t)512 << 20));
	void *p = GC_MALLOC_ATOMIC((size_t)16 << 20);
	ck_assert_ptr_nonnull(p);
}
END_TEST

START_TEST(test_markers)
{
	GC_INIT();
	GC_start_mark_threads();
	ck_assert_int_eq(GC_get_parallel(), 2); /* 3 markers: 2 helpers */
	void *volatile keep = GC_MALLOC(100);
	GC_gcollect();
	ck_assert_ptr_eq(GC_base(keep), keep);
}
END_TEST

static volatile int reg_result = -1;

static void *plain_thread(void *arg)
{
	(void)arg;
	struct GC_stack_base sb;
	if (GC_get_stack_base(&sb) != GC_SUCCESS)
		return NULL;
	reg_result = GC_register_my_thread(&sb);
	void *volatile p = GC_MALLOC(64);
	if (!p)
		reg_result = -2;
	GC_unregister_my_thread();
	return NULL;
}

START_TEST(test_allow_register_threads)
{
	GC_INIT();
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, plain_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(reg_result, GC_SUCCESS);
}
END_TEST

/* With GC_DONT_REGISTER_MAIN_STATIC_DATA, the executable's own static
 * data is no root: an object only it references dies. */
static GC_hidden_pointer weak;
static void *main_static;

static NOINLINE void make_target(void)
{
	void *p = GC_MALLOC(64);
	weak = GC_HIDE_POINTER(p);
	GC_general_register_disappearing_link((void **)&weak, p);
	main_static = p;
}

static NOINLINE void clear_stack(void)
{
	char buf[64 * 1024];
	void *volatile vp = buf;
	memset(vp, 0, sizeof buf);
}

START_TEST(test_main_static_data)
{
	GC_INIT();
	make_target();
	for (int i = 0; i < 10 && weak; i++) {
		for (int j = 0; j < 1000; j++)
			memset(GC_MALLOC(64), 1, 64);
		clear_stack();
		GC_gcollect();
	}
	ck_assert(weak == 0);
	ck_assert_ptr_nonnull(main_static);
	/* Roots added by hand still count. */
	GC_add_roots(&main_static, &main_static + 1);
	make_target();
	for (int i = 0; i < 5; i++) {
		clear_stack();
		GC_gcollect();
	}
	ck_assert(weak != 0);
}
END_TEST

Suite *make_gcinit_suite(void)
{
	Suite *s = suite_create("gcinit");
	TCase *tc = tcase_create("hooks");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_settings);
	tcase_add_test(tc, test_heap_sizes);
	tcase_add_test(tc, test_markers);
	tcase_add_test(tc, test_allow_register_threads);
	tcase_add_test(tc, test_main_static_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(make_gcinit_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
