/*
 * check_os.c: white-box tests of src/os.h (os_linux.c).
 *
 * Whether memory is accessible is probed without signals: write(2) from
 * an address into a pipe fails with EFAULT when the address cannot be
 * read, and read(2) into an address fails with EFAULT when it cannot be
 * written.  So the tests work the same under AddressSanitizer.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"
#include "testutil.h"

static int probe_fds[2] = { -1, -1 };

static void open_probe(void)
{
	if (probe_fds[0] < 0)
		ck_assert_int_eq(pipe(probe_fds), 0);
}

/* Whether the byte at p can be read. */
static int readable(const void *p)
{
	char c;
	open_probe();
	ssize_t n = write(probe_fds[1], p, 1);
	if (n != 1) {
		ck_assert_int_eq(errno, EFAULT);
		return 0;
	}
	ck_assert_int_eq(read(probe_fds[0], &c, 1), 1);
	return 1;
}

/* Whether the byte at p can be written (its value is kept). */
static int writable(void *p)
{
	char c = 0;
	open_probe();
	if (!readable(p))
		return 0;
	memcpy(&c, p, 1); /* readable: safe */
	ck_assert_int_eq(write(probe_fds[1], &c, 1), 1);
	ssize_t n = read(probe_fds[0], p, 1);
	if (n != 1) {
		ck_assert_int_eq(errno, EFAULT);
		ck_assert_int_eq(read(probe_fds[0], &c, 1), 1); /* drain */
		return 0;
	}
	return 1;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

START_TEST(test_page_size)
{
	size_t ps = sgc_os_page_size();
	ck_assert_uint_eq(ps, (size_t)sysconf(_SC_PAGESIZE));
	ck_assert(sgc_is_pow2(ps));
	ck_assert_uint_ge(ps, 4096);
	/* The heap's pages are whole OS pages (or the OS page is larger and
	 * the heap must commit in OS pages: a knob mismatch we want to see). */
	ck_assert_uint_eq(SGC_PAGE_SIZE % ps, 0);
	ck_assert_uint_eq(sgc_os_page_size(), ps); /* cached value agrees */
}
END_TEST

START_TEST(test_ncpus)
{
	int n = sgc_os_ncpus();
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;
	ck_assert_int_ge(n, 1);
	if (conf > 0)
		ck_assert_int_le(n, conf);
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		ck_assert_int_eq(n, CPU_COUNT(&set));
}
END_TEST

/* Restricting the affinity mask changes the count: it is the CPUs this
 * process may run on, not the machine's. */
START_TEST(test_ncpus_affinity)
{
	cpu_set_t set, one;
	ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
	int cpu = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			cpu = i;
			break;
		}
	ck_assert_int_ge(cpu, 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
	ck_assert_int_eq(sgc_os_ncpus(), 1);
}
END_TEST

START_TEST(test_nanotime_monotonic)
{
	uint64_t prev = sgc_os_nanotime();
	ck_assert_uint_gt(prev, 0);
	for (int i = 0; i < 100000; i++) {
		uint64_t t = sgc_os_nanotime();
		if (t < prev)
			ck_abort_msg("nanotime went back: %llu after %llu",
				     (unsigned long long)t,
				     (unsigned long long)prev);
		prev = t;
	}
	/* It moves: a sleep (however short it really is) lies between two
	 * readings. */
	struct timespec ts = { 0, 1000000 };
	uint64_t a = sgc_os_nanotime();
	nanosleep(&ts, NULL);
	uint64_t b = sgc_os_nanotime();
	ck_assert_uint_gt(b, a);
}
END_TEST

/* It is CLOCK_MONOTONIC in nanoseconds: bracketed by two direct reads. */
START_TEST(test_nanotime_is_monotonic_clock)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t t = sgc_os_nanotime();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t lo = (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec;
	uint64_t hi = (uint64_t)t1.tv_sec * 1000000000u + (uint64_t)t1.tv_nsec;
	ck_assert_uint_le(lo, t);
	ck_assert_uint_le(t, hi);
}
END_TEST

START_TEST(test_reserve_aligned_and_inaccessible)
{
	static const size_t aligns[] = { 4096, (size_t)64 << 10, (size_t)1 << 20,
					 SGC_ARENA_SIZE, (size_t)1 << 30 };
	void *prev = NULL;
	for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
		size_t size = (size_t)4 << 20;
		char *p = sgc_os_reserve(size, aligns[k]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % aligns[k], 0);
		ck_assert_ptr_ne(p, prev);
		/* No access anywhere in it. */
		ck_assert(!readable(p));
		ck_assert(!readable(p + size / 2));
		ck_assert(!readable(p + size - 1));
		prev = p;
	}
}
END_TEST

/* Whether [p, p + len) is all mapped (whatever its protection). */
static int mapped(const void *p, size_t len)
{
	unsigned char vec[64];
	ck_assert_uint_le(len / sgc_os_page_size(), sizeof vec);
	if (mincore((void *)p, len, vec) == 0)
		return 1;
	ck_assert_int_eq(errno, ENOMEM);
	return 0;
}

/* The over-sized mapping made to align the reservation is trimmed: the
 * reservation is mapped, the excess around it is not (the tail always
 * exists, as head < align; the head only when the mapping was unaligned).
 * Nothing else maps memory in between: the test is single-threaded. */
START_TEST(test_reserve_trims_excess)
{
	size_t ps = sgc_os_page_size();
	size_t size = (size_t)8 << 20, align = (size_t)1 << 30;
	for (int k = 0; k < 4; k++) {
		char *p = sgc_os_reserve(size, align);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % align, 0);
		ck_assert(mapped(p, ps));
		ck_assert(mapped(p + size - ps, ps));
		ck_assert(!mapped(p + size, ps));
		/* Committing the whole reservation succeeds. */
		ck_assert_int_eq(sgc_os_commit(p, size), 0);
		ck_assert(writable(p));
		ck_assert(writable(p + size - 1));
		sgc_os_release(p, size);
		ck_assert(!mapped(p, ps));
		ck_assert(!mapped(p + size - ps, ps));
	}
}
END_TEST

START_TEST(test_commit_decommit_release)
{
	size_t ps = sgc_os_page_size();
	size_t size = (size_t)1 << 20;
	char *p = sgc_os_reserve(size, SGC_PAGE_SIZE);
	ck_assert_ptr_nonnull(p);

	/* Commit the middle: only that becomes accessible, and it is zero. */
	char *mid = p + 16 * ps;
	size_t msize = 32 * ps;
	ck_assert_int_eq(sgc_os_commit(mid, msize), 0);
	ck_assert(all_zero(mid, msize));
	ck_assert(writable(mid));
	ck_assert(writable(mid + msize - 1));
	ck_assert(!readable(mid - 1));
	ck_assert(!readable(mid + msize));
	memset(mid, 0xa5, msize);
	ck_assert_uint_eq((unsigned char)mid[msize - 1], 0xa5);

	/* Decommit half: those pages read zero (and stay accessible), the
	 * others keep their data. */
	sgc_os_decommit(mid, msize / 2);
	ck_assert(all_zero(mid, msize / 2));
	for (size_t i = msize / 2; i < msize; i++)
		if ((unsigned char)mid[i] != 0xa5)
			ck_abort_msg("byte %zu lost by decommitting others", i);
	/* Decommitted pages can be written again. */
	mid[0] = 1;
	ck_assert_int_eq(mid[0], 1);
	sgc_os_decommit(mid, msize);
	ck_assert(all_zero(mid, msize));

	/* Release: nothing is readable any more. */
	sgc_os_release(p, size);
	ck_assert(!readable(mid));
	ck_assert(!readable(p));
}
END_TEST

START_TEST(test_os_alloc)
{
	size_t size = (size_t)3 << 20;
	char *p = sgc_os_alloc(size);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % sgc_os_page_size(), 0);
	ck_assert(all_zero(p, size));
	memset(p, 0x5a, size);
	char *q = sgc_os_alloc(4096);
	ck_assert_ptr_nonnull(q);
	ck_assert(q + 4096 <= p || q >= p + size);
	ck_assert(all_zero(q, 4096));
	sgc_os_release(p, size);
	ck_assert(!readable(p));
	sgc_os_release(q, 4096);
}
END_TEST

/* Huge-page metadata: aligned as asked, zeroed, writable, released like
 * any other (whether the system backs it with huge pages is its own). */
START_TEST(test_os_alloc_huge)
{
	size_t size = (size_t)4 << 20, align = (size_t)2 << 20;
	char *p = sgc_os_alloc_huge(size, align);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % align, 0);
	ck_assert(all_zero(p, size));
	memset(p, 0x5a, size);
	ck_assert_int_eq(p[size - 1], 0x5a);
	sgc_os_release(p, size);
	ck_assert(!readable(p));
}
END_TEST

static int check_stack_bounds(void)
{
	uintptr_t lo = 0, hi = 0;
	volatile int local = 0;
	if (sgc_os_thread_stack(&lo, &hi) != 0)
		return 1;
	if (!(lo < hi))
		return 2;
	if (!((uintptr_t)&local >= lo && (uintptr_t)&local < hi))
		return 3;
	if (hi - lo < 16384)
		return 4;
	return local;
}

START_TEST(test_thread_stack_main)
{
	uintptr_t lo, hi;
	ck_assert_int_eq(check_stack_bounds(), 0);
	ck_assert_int_eq(sgc_os_thread_stack(&lo, &hi), 0);
	/* The bounds are the whole stack, not just the part in use: far
	 * larger than the frames of this test. */
	ck_assert_uint_ge(hi - lo, (uintptr_t)64 << 10);
	/* Static data and the heap are outside it. */
	static int static_var;
	ck_assert(!((uintptr_t)&static_var >= lo && (uintptr_t)&static_var < hi));
	void *m = malloc(16);
	ck_assert(!((uintptr_t)m >= lo && (uintptr_t)m < hi));
	free(m);
}
END_TEST

struct thread_result {
	int rc;
	uintptr_t lo, hi, local;
};

static void *thread_main(void *arg)
{
	struct thread_result *r = arg;
	volatile int local = 0;
	r->rc = sgc_os_thread_stack(&r->lo, &r->hi);
	r->local = (uintptr_t)&local;
	if (r->rc == 0)
		r->rc = check_stack_bounds();
	return NULL;
}

START_TEST(test_thread_stack_other_thread)
{
	pthread_t t;
	pthread_attr_t attr;
	struct thread_result r = { -1, 0, 0, 0 };
	uintptr_t lo, hi;
	size_t want = (size_t)256 << 10;

	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&attr, want), 0);
	ck_assert_int_eq(pthread_create(&t, &attr, thread_main, &r), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	ck_assert_int_eq(r.rc, 0);
	ck_assert(r.local >= r.lo && r.local < r.hi);
	ck_assert_uint_ge(r.hi - r.lo, want);
	/* A different stack from the main thread's. */
	ck_assert_int_eq(sgc_os_thread_stack(&lo, &hi), 0);
	ck_assert(r.hi <= lo || r.lo >= hi);
}
END_TEST

Suite *make_os_suite(void)
{
	Suite *s = suite_create("os");
	TCase *tc = tcase_create("machine");
	tcase_add_test(tc, test_page_size);
	tcase_add_test(tc, test_ncpus);
	tcase_add_test(tc, test_ncpus_affinity);
	tcase_add_test(tc, test_nanotime_monotonic);
	tcase_add_test(tc, test_nanotime_is_monotonic_clock);
	tcase_add_test(tc, test_thread_stack_main);
	tcase_add_test(tc, test_thread_stack_other_thread);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_test(tc, test_reserve_aligned_and_inaccessible);
	tcase_add_test(tc, test_reserve_trims_excess);
	tcase_add_test(tc, test_commit_decommit_release);
	tcase_add_test(tc, test_os_alloc);
	tcase_add_test(tc, test_os_alloc_huge);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	(void)sgc_test_clear_stack; /* a static helper of testutil.h */
	return sgc_test_run(make_os_suite());
}
