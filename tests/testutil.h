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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <gc/gc.h>
#include "knobs.h"
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

/* Run fn in a forked child whose stderr goes to a pipe, for tests that
 * expect a process to abort with a message (or not to hang): the child's
 * wait status, or -1 when it had not ended after timeout_s seconds (a
 * hang; it is killed), and its stderr, NUL-terminated, in out.  The child
 * exits 0 when fn returns. */
static inline int sgc_test_run_child(void (*fn)(void), int timeout_s,
				     char *out, size_t outsz)
{
	int fd[2];
	ck_assert_int_eq(pipe(fd), 0);
	fflush(stderr);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		fn();
		_exit(0);
	}
	close(fd[1]);
	int status = -1;
	for (int i = 0; i < timeout_s * 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		status = -1;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	size_t n = 0;
	ssize_t r;
	while (n + 1 < outsz && (r = read(fd[0], out + n, outsz - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(fd[0]);
	return status;
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

/* The same, for the white-box suites that count on no automatic
 * collection within their first few MiB: the pacer's floor follows the
 * live heap down to 256 KiB (pacer.h), so hold it at its ceiling,
 * SGC_MIN_GC_BUDGET, through GC_set_min_bytes_allocd, as a client can.
 * Set before the collector starts, it holds in every forked test. */
static inline int sgc_test_run_budget(Suite *s)
{
	GC_set_min_bytes_allocd(SGC_MIN_GC_BUDGET);
	return sgc_test_run(s);
}

#endif /* SGC_TESTUTIL_H */
