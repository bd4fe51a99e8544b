/*
 * test_assert.h: the assertion of the test programs that run outside
 * Check: the whole programs built against Debian's bdwgc headers as well
 * (leak_program, smash_program), programs a script runs and judges by
 * their exit status (false_refs, xmlcheck), and the fuzz harnesses with
 * their replay driver.
 *
 * test_assert(cond, fmt, ...): when cond is false, print
 * "FILE:LINE: FAIL: cond: message" on stderr and end the program, with
 * exit status 1, or with abort() where TEST_ASSERT_ABORTS is defined
 * before the include (the fuzz harnesses: libFuzzer and fuzz_main catch
 * the abort and name the input).  Never compiled out, unlike assert().
 */
#ifndef SGC_TEST_ASSERT_H
#define SGC_TEST_ASSERT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noreturn, format(printf, 4, 5), unused)) void
test_assert_fail(const char *file, int line, const char *cond,
		 const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: FAIL: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
#ifdef TEST_ASSERT_ABORTS
	abort();
#else
	exit(1);
#endif
}

#define test_assert(cond, ...)                                              \
	do {                                                                \
		if (!(cond))                                                \
			test_assert_fail(__FILE__, __LINE__, #cond,         \
					 __VA_ARGS__);                      \
	} while (0)

#endif /* SGC_TEST_ASSERT_H */
