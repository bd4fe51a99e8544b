/*
 * check_init.c: white-box tests of src/init.[ch]: start-up, the
 * environment variables bdwgc honours, and the warning procedure.
 *
 * Most tests set the environment and then initialise, so they do not use
 * the fixture that calls GC_init; each runs in its own process.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <spangc.h>

#include "testutil.h"
#include "collect.h"
#include "heap.h"
#include "init.h"
#include "os.h"
#include "sweep.h"
#include "pacer.h"

#define scrub_stack sgc_test_clear_stack

#define MIB ((size_t)1 << 20)

static void *volatile g_keep;

static void no_gc_env(void)
{
	unsetenv("GC_INITIAL_HEAP_SIZE");
	unsetenv("GC_MAXIMUM_HEAP_SIZE");
	unsetenv("GC_FREE_SPACE_DIVISOR");
	unsetenv("GC_DONT_GC");
	unsetenv("GC_PRINT_STATS");
}

static int g_warnings;
static char g_last_warning[256];

static void GC_CALLBACK record_warning(char *msg, GC_word arg)
{
	g_warnings++;
	snprintf(g_last_warning, sizeof g_last_warning, msg, (unsigned long)arg);
}

static int g_oom_calls;

static void *GC_CALLBACK counting_oom(size_t bytes)
{
	(void)bytes;
	g_oom_calls++;
	return NULL;
}

static void verify(void)
{
	ck_assert_int_eq(sgc_verify_heap(), 0);
}

START_TEST(test_init_idempotent)
{
	no_gc_env();
	ck_assert(!GC_is_init_called());
	GC_init();
	ck_assert(GC_is_init_called());
	uintptr_t base = sgc_heap.base;
	size_t heap = GC_get_heap_size();
	void *p = GC_malloc(100);
	memset(p, 0x5c, 100);
	g_keep = p;
	GC_init();
	GC_init();
	ck_assert_uint_eq(sgc_heap.base, base);
	ck_assert_uint_eq(GC_get_heap_size(), heap);
	ck_assert_ptr_eq(GC_base(p), p);
	ck_assert_int_eq(((unsigned char *)p)[99], 0x5c);
	ck_assert_uint_eq(GC_get_gc_no(), 0);
	verify();
}
END_TEST

START_TEST(test_first_alloc_initialises)
{
	no_gc_env();
	ck_assert(!GC_is_init_called());
	ck_assert_uint_eq(GC_get_heap_size(), 0);
	static int not_heap;
	ck_assert_ptr_null(GC_base(&not_heap));
	void *p = GC_malloc(24);
	ck_assert_ptr_nonnull(p);
	ck_assert(GC_is_init_called());
	ck_assert_ptr_eq(GC_base(p), p);
	ck_assert_uint_gt(GC_get_heap_size(), 0);
	verify();
}
END_TEST

/* Each allocation entry point initialises on its own. */
START_TEST(test_other_entry_points_initialise)
{
	no_gc_env();
	void *p = GC_malloc_atomic(10);
	ck_assert_ptr_nonnull(p);
	ck_assert(GC_is_init_called());
	verify();
}
END_TEST

START_TEST(test_memalign_initialises)
{
	no_gc_env();
	void *p = GC_memalign(64, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert(GC_is_init_called());
	verify();
}
END_TEST

START_TEST(test_default_heap_small)
{
	no_gc_env();
	GC_init();
	/* The control for the tests below: no environment, a small heap. */
	ck_assert_uint_lt(GC_get_heap_size(), 16 * MIB);
	ck_assert_uint_eq(GC_get_free_space_divisor(), 3);
	ck_assert(!GC_is_disabled());
}
END_TEST

static void initial_heap_is(const char *value, size_t bytes)
{
	no_gc_env();
	setenv("GC_INITIAL_HEAP_SIZE", value, 1);
	GC_init();
	ck_assert_msg(GC_get_heap_size() >= bytes, "GC_INITIAL_HEAP_SIZE=%s:"
		      " heap %zu < %zu", value, GC_get_heap_size(), bytes);
	ck_assert_uint_lt(GC_get_heap_size(), bytes + 2 * MIB);
	verify();
}

START_TEST(test_initial_heap_plain)
{
	initial_heap_is("33554432", 32 * MIB);
}
END_TEST

START_TEST(test_initial_heap_k)
{
	initial_heap_is("40960k", 40 * MIB);
}
END_TEST

START_TEST(test_initial_heap_m)
{
	initial_heap_is("48M", 48 * MIB);
}
END_TEST

START_TEST(test_initial_heap_g)
{
	initial_heap_is("1G", 1024 * MIB);
}
END_TEST

START_TEST(test_initial_heap_bad)
{
	no_gc_env();
	GC_set_warn_proc(record_warning);
	setenv("GC_INITIAL_HEAP_SIZE", "48X", 1);
	GC_init();
	ck_assert_uint_lt(GC_get_heap_size(), 16 * MIB);
	ck_assert_int_eq(g_warnings, 1);
	ck_assert_msg(strstr(g_last_warning, "environment") != NULL,
		      "warning: %s", g_last_warning);
}
END_TEST

/* Keep allocating 64 KiB objects, all reachable, until NULL. */
static SGC_NOINLINE size_t fill_until_null(size_t limit)
{
	void **list = NULL;
	size_t bytes = 0;
	while (bytes < limit) {
		void **p = GC_malloc(64 << 10);
		if (!p)
			break;
		p[0] = list;
		list = p;
		g_keep = list;
		bytes += 64 << 10;
	}
	return bytes;
}

/* The same with 1000-byte objects; returns how many were had. */
static SGC_NOINLINE size_t fill_small_until_null(size_t limit)
{
	size_t n = 0;
	while (n < limit) {
		void **p = GC_malloc(1000);
		if (!p)
			break;
		p[0] = g_keep;
		g_keep = p;
		n++;
	}
	return n;
}

START_TEST(test_maximum_heap)
{
	no_gc_env();
	setenv("GC_MAXIMUM_HEAP_SIZE", "16M", 1);
	GC_init();
	GC_set_warn_proc(record_warning);
	GC_set_oom_fn(counting_oom);
	ck_assert_ptr_null(GC_malloc(32 * MIB));
	ck_assert_int_eq(g_oom_calls, 1);
	ck_assert_ptr_nonnull(strstr(g_last_warning, "out of memory"));
	size_t got = fill_until_null(64 * MIB);
	ck_assert_uint_lt(got, 16 * MIB);
	ck_assert_uint_gt(got, 8 * MIB);
	ck_assert_int_eq(g_oom_calls, 2);
	ck_assert_uint_le(GC_get_heap_size(), 16 * MIB);
	/* Small objects fail the same way once the heap is full. */
	size_t n = fill_small_until_null(100000);
	ck_assert_uint_lt(n, 100000);
	ck_assert_int_eq(g_oom_calls, 3);
	ck_assert_uint_le(GC_get_heap_size(), 16 * MIB);
	verify();
}
END_TEST

/* Without the limit the same loop reaches its own limit: the control. */
START_TEST(test_no_maximum_heap)
{
	no_gc_env();
	GC_init();
	GC_set_oom_fn(counting_oom);
	ck_assert_uint_eq(fill_until_null(64 * MIB), 64 * MIB);
	ck_assert_int_eq(g_oom_calls, 0);
}
END_TEST

START_TEST(test_free_space_divisor)
{
	no_gc_env();
	setenv("GC_FREE_SPACE_DIVISOR", "7", 1);
	GC_init();
	ck_assert_uint_eq(GC_get_free_space_divisor(), 7);
	GC_set_free_space_divisor(0); /* ignored */
	ck_assert_uint_eq(GC_get_free_space_divisor(), 7);
	GC_set_free_space_divisor(2);
	ck_assert_uint_eq(GC_get_free_space_divisor(), 2);
}
END_TEST

/* SPANGC_BACKGROUND_SWEEP: unset, the background thread only returns
 * memory; 1, it sweeps as well; 0, there is none. */
static void check_background(const char *value, int expect)
{
	no_gc_env();
	if (value)
		setenv("SPANGC_BACKGROUND_SWEEP", value, 1);
	else
		unsetenv("SPANGC_BACKGROUND_SWEEP");
	GC_init();
	ck_assert_int_eq(sgc_config.background, expect);
}

START_TEST(test_background_default)
{
	check_background(NULL, SGC_BACKGROUND_SCAVENGE);
}
END_TEST

START_TEST(test_background_sweep)
{
	check_background("1", SGC_BACKGROUND_SWEEP);
}
END_TEST

START_TEST(test_background_none)
{
	check_background("0", SGC_BACKGROUND_NONE);
}
END_TEST

/* By default the background thread leaves sweeping to the allocators,
 * but sweeps what is left once the program has gone quiet (no cycle for
 * SGC_QUIET_SWEEP_NS), so that the garbage's memory can go back. */
START_TEST(test_background_quiet_sweep)
{
	no_gc_env();
	unsetenv("SPANGC_BACKGROUND_SWEEP");
	GC_init();
	for (size_t total = 0; total < 16 * MIB; total += 1024)
		g_keep = GC_malloc(1000);
	g_keep = NULL;
	/* A cycle that nothing sweeps after: no allocation follows. */
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_int_eq(sgc_sweep_done(), 0);
	for (int i = 0; i < 400 && !sgc_sweep_done(); i++)
		usleep(50000);
	ck_assert_int_eq(sgc_sweep_done(), 1);
}
END_TEST

START_TEST(test_dont_gc)
{
	no_gc_env();
	setenv("GC_DONT_GC", "1", 1);
	GC_init();
	ck_assert(GC_is_disabled());
	GC_gcollect();
	for (int i = 0; i < 64 * 1024; i++)
		(void)GC_malloc(1000);
	ck_assert_uint_eq(GC_get_gc_no(), 0);
	verify();
}
END_TEST

/* Run f with fd 2 sent to a file; returns what was written (malloc'd). */
static char *capture_stderr(void (*f)(void))
{
	char path[] = "/tmp/check_init_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(2);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, 2), 2);
	f();
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)n, 0), n);
	close(fd);
	return buf;
}

static void init_and_collect_three(void)
{
	GC_init();
	g_keep = GC_malloc(1000);
	scrub_stack();
	GC_gcollect();
	GC_gcollect();
	GC_gcollect();
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *l = text; l && *l; ) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		const char *hit = strstr(l, needle);
		if (hit && hit < l + len)
			n++;
		l = e ? e + 1 : NULL;
	}
	return n;
}

START_TEST(test_print_stats)
{
	no_gc_env();
	setenv("GC_PRINT_STATS", "1", 1);
	char *log = capture_stderr(init_and_collect_three);
	ck_assert_int_eq(count_lines_with(log, "spangc: gc "), 3);
	ck_assert_int_eq(count_lines_with(log, "gc 1 (explicit)"), 1);
	ck_assert_int_eq(count_lines_with(log, "gc 3 (explicit)"), 1);
	free(log);
}
END_TEST

START_TEST(test_no_print_stats)
{
	no_gc_env();
	char *log = capture_stderr(init_and_collect_three);
	ck_assert_int_eq(count_lines_with(log, "spangc: gc "), 0);
	ck_assert_uint_eq(GC_get_gc_no(), 3);
	free(log);
}
END_TEST

START_TEST(test_warn_proc)
{
	no_gc_env();
	GC_init();
	GC_set_warn_proc(record_warning);
	ck_assert_ptr_eq((void *)GC_get_warn_proc(), (void *)record_warning);
	ck_assert_int_eq(g_warnings, 0);
	volatile size_t huge = SIZE_MAX / 4;
	ck_assert_ptr_null(GC_malloc(huge));
	ck_assert_int_eq(g_warnings, 1);
	ck_assert_msg(strstr(g_last_warning, "out of memory") != NULL,
		      "warning: %s", g_last_warning);
	char want[64];
	snprintf(want, sizeof want, "%zu", (size_t)(SIZE_MAX / 4));
	ck_assert_msg(strstr(g_last_warning, want) != NULL,
		      "warning without the size: %s", g_last_warning);
	/* The ignoring procedure drops them. */
	GC_set_warn_proc(GC_ignore_warn_proc);
	ck_assert_ptr_null(GC_malloc(huge));
	ck_assert_int_eq(g_warnings, 1);
}
END_TEST

/*
 * The fault injector walked over start-up and a busy cycle: for every n
 * up to the requests such a run makes, a child process makes the nth os
 * request fail (alone, then with every one after it).  Each child must
 * end well: its lists intact and the heap verified, or an allocation
 * answered NULL after the out-of-memory handler ran, or, during GC_init
 * only, a clear abort (bdwgc too cannot start without its first heap and
 * thread record).  Never a crash, never corruption.
 */
#define WALK_LISTS 40
#define WALK_NODES 1000

struct walk_node {
	struct walk_node *next;
	uintptr_t check;
	char pad[32];
};

static void *GC_CALLBACK walk_oom(size_t bytes)
{
	(void)bytes;
	return NULL;
}

static struct walk_node *walk_list(uintptr_t seed)
{
	struct walk_node *head = NULL;
	for (uintptr_t i = 0; i < WALK_NODES; i++) {
		struct walk_node *n = GC_malloc(sizeof *n);
		if (!n)
			_exit(3);
		n->next = head;
		n->check = seed * 1000003u + i;
		memset(n->pad, (int)(seed & 0x7f), sizeof n->pad);
		head = n;
	}
	return head;
}

static int walk_ok(const struct walk_node *n, uintptr_t seed)
{
	for (uintptr_t i = WALK_NODES; i-- > 0; n = n->next)
		if (!n || GC_base((void *)n) != n ||
		    n->check != seed * 1000003u + i ||
		    n->pad[31] != (char)(seed & 0x7f))
			return 0;
	return n == NULL;
}

/* The child: exit 0 when all is well, 3 on a NULL allocation, 4 on
 * corruption.  'I' goes down fd once GC_init has returned; the number of
 * requests made, in decimal, at the end. */
static SGC_NOINLINE void walk_child(unsigned long n, int sticky, int fd)
{
	static struct walk_node *volatile lists[WALK_LISTS];
	GC_set_oom_fn(walk_oom);
	sgc_os_fail_request(n, sticky);
	GC_init();
	if (write(fd, "I", 1) != 1)
		_exit(5);
	for (uintptr_t k = 0; k < WALK_LISTS; k++) {
		lists[k] = walk_list(k + 1);
		(void)walk_list(k + 1000); /* garbage */
	}
	GC_gcollect();
	for (uintptr_t k = 0; k < WALK_LISTS; k += 2)
		lists[k] = walk_list(k + 1);
	GC_gcollect();
	for (uintptr_t k = 0; k < WALK_LISTS; k++)
		if (!walk_ok(lists[k], k + 1))
			_exit(4);
	if (spangc_verify_heap() != 0)
		_exit(4);
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%lu", sgc_os_requests());
	if (write(fd, buf, (size_t)len) != len)
		_exit(5);
	_exit(0);
}

/* Run one child; its wait status, whether it got past GC_init, and what
 * it wrote after. */
static int walk_run(unsigned long n, int sticky, int *inited,
		    unsigned long *requests)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		walk_child(n, sticky, fds[1]);
	}
	close(fds[1]);
	char buf[64] = { 0 };
	size_t got = 0;
	ssize_t r;
	while (got < sizeof buf - 1 &&
	       (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)r;
	close(fds[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*inited = got > 0 && buf[0] == 'I';
	*requests = *inited ? strtoul(buf + 1, NULL, 10) : 0;
	return status;
}

START_TEST(test_out_of_memory_walk)
{
	int inited;
	unsigned long total;
	int status = walk_run(0, 0, &inited, &total);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the run without failures ended with status %#x", status);
	ck_assert_uint_gt(total, 10);
	unsigned outcomes[4] = { 0 }; /* ok, NULL, start-up abort, later */
	/* Every request fails in turn in the release and ASan builds.  A
	 * forked child under ThreadSanitizer costs a hundred times more (two
	 * to six minutes for the whole walk on two cores), so there the walk
	 * takes every seventh request and the last: TSan looks for races,
	 * which the walk's children, one thread each, cannot have. */
	unsigned long stride = SGC_TSAN ? 7 : 1;
	for (unsigned long n = 1; n <= total;
	     n += n + stride > total ? 1 : stride) {
		for (int sticky = 0; sticky < 2; sticky++) {
			unsigned long req;
			status = walk_run(n, sticky, &inited, &req);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				outcomes[0]++;
			else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
				outcomes[1]++;
			else if (WIFSIGNALED(status) &&
				 WTERMSIG(status) == SIGABRT && !inited)
				outcomes[2]++;
			else
				ck_abort_msg("request %lu of %lu failing%s: child"
					     " ended with status %#x (%s GC_init)",
					     n, total, sticky ? " and after" : "",
					     status, inited ? "after" : "in");
		}
	}
	/* The walk did reach the paths: some runs could not allocate. */
	ck_assert_uint_gt(outcomes[1] + outcomes[2], 0);
}
END_TEST

Suite *make_init_suite(void)
{
	Suite *s = suite_create("init");
	TCase *tc = tcase_create("start");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_init_idempotent);
	tcase_add_test(tc, test_first_alloc_initialises);
	tcase_add_test(tc, test_other_entry_points_initialise);
	tcase_add_test(tc, test_memalign_initialises);
	suite_add_tcase(s, tc);

	tc = tcase_create("environment");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_default_heap_small);
	tcase_add_test(tc, test_initial_heap_plain);
	tcase_add_test(tc, test_initial_heap_k);
	tcase_add_test(tc, test_initial_heap_m);
	tcase_add_test(tc, test_initial_heap_g);
	tcase_add_test(tc, test_initial_heap_bad);
	tcase_add_test(tc, test_maximum_heap);
	tcase_add_test(tc, test_no_maximum_heap);
	tcase_add_test(tc, test_free_space_divisor);
	tcase_add_test(tc, test_background_default);
	tcase_add_test(tc, test_background_sweep);
	tcase_add_test(tc, test_background_none);
	tcase_add_test(tc, test_background_quiet_sweep);
	tcase_add_test(tc, test_dont_gc);
	tcase_add_test(tc, test_print_stats);
	tcase_add_test(tc, test_no_print_stats);
	suite_add_tcase(s, tc);

	tc = tcase_create("out_of_memory");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_out_of_memory_walk);
	suite_add_tcase(s, tc);

	tc = tcase_create("warnings");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_warn_proc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_init_suite());
}
