/*
 * testutil.h: helpers shared by the white-box Check suites.
 *
 * Every suite runs each test in a fresh forked process (Check's default),
 * initialises the collector in the fixture, and checks the heap verifier
 * in the teardown, so a test that leaves a broken invariant fails.
 */
#ifndef SGC_TESTUTIL_H
#define SGC_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gc/gc.h>
#include "verify.h"

/* White-box tests look at a cycle's mark bits and unswept spans: no
 * background sweeper unless a suite asks for it (check_thread does). */
static inline void sgc_test_setup(void)
{
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 0);
	GC_init();
}

static inline void sgc_test_teardown(void)
{
	ck_assert_int_eq(sgc_verify_heap(), 0);
}

/* Add the standard fixture to a test case. */
static inline void sgc_test_fixture(TCase *tc)
{
	tcase_add_checked_fixture(tc, sgc_test_setup, sgc_test_teardown);
	tcase_set_timeout(tc, 120);
}

/* Overwrite 128 KiB of stack below the caller, so stale copies of pointers
 * from earlier calls do not keep objects alive.  Not instrumented, and no
 * memset: under AddressSanitizer the buffer must not get redzones, and
 * memset's interceptor would trip over poisoning left by other frames. */
static __attribute__((noinline, unused, no_sanitize("address")))
void sgc_test_clear_stack(void)
{
	volatile uintptr_t buf[16384];
	for (size_t i = 0; i < sizeof buf / sizeof buf[0]; i++)
		buf[i] = 0;
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

/* Scrub the stack, then collect and finish sweeping.  Inlined so that
 * the scrub covers the stack right below the test's own frame. */
static inline __attribute__((always_inline)) void sgc_test_collect(void)
{
	sgc_test_clear_stack();
	GC_gcollect();
}

/* The standard fixture plus a first allocation ("the pad"), so that the
 * objects a test makes do not start at the heap's first address. */
static void *volatile sgc_test_pad;

static void sgc_test_pad_setup(void)
{
	GC_init();
	sgc_test_pad = GC_malloc(16);
}

static inline void sgc_test_pad_fixture(TCase *tc)
{
	sgc_test_fixture(tc);
	tcase_add_checked_fixture(tc, sgc_test_pad_setup, NULL);
}

/* Hide a pointer from the conservative scan (as GC_HIDE_POINTER). */
static inline uintptr_t sgc_test_hide(const void *p)
{
	return ~(uintptr_t)p;
}

static inline void *sgc_test_reveal(uintptr_t h)
{
	return (void *)~h;
}

/* Run a suite in the usual way; the process exit status.  The white-box
 * suites look at spans and bits between cycles, so the background sweeper
 * stays off unless the suite asked for it before (check_thread does). */
static inline int sgc_test_run(Suite *s)
{
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 0);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* SGC_TESTUTIL_H */
