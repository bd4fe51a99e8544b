/*
 * check_sizeclass.c: white-box tests of src/sizeclass.[ch].
 *
 * Each property is tested independently of sgc_sizeclass_check(), so that
 * a bug in the self-check cannot hide a bug in the tables.  The last test
 * re-runs the generator and compares its output with the committed tables;
 * it needs SGC_MKSIZECLASSES (the generator binary) and SGC_SRCDIR (the
 * source tree), which `make check` exports, and is skipped without them.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sizeclass.h"

#define MAX_TABLE_BYTES (1 << 20)

START_TEST(test_self_check)
{
	ck_assert_int_eq(sgc_sizeclass_check(), 0);
}
END_TEST

/*
 * Every small size gets a class that holds it, and no smaller class would.
 * Loops test with if + ck_abort_msg: each ck_assert records a checkpoint
 * through a pipe, which a million times over costs seconds.
 */
START_TEST(test_smallest_fit)
{
	size_t size;

	ck_assert_uint_eq(sgc_class_size(sgc_size_to_class(0)), 8);
	for (size = 1; size <= SGC_MAX_SMALL_SIZE; size++) {
		unsigned cls = sgc_size_to_class(size);

		if (cls == 0 || cls >= SGC_NUM_SIZE_CLASSES)
			ck_abort_msg("size %zu: class %u out of range", size,
				     cls);
		if (sgc_class_size(cls) < size)
			ck_abort_msg("size %zu: class %u holds only %zu", size,
				     cls, sgc_class_size(cls));
		if (cls > 1 && sgc_class_size(cls - 1) >= size)
			ck_abort_msg("size %zu: class %u, but class %u (%zu) "
				     "fits", size, cls, cls - 1,
				     sgc_class_size(cls - 1));
	}
	ck_assert_uint_eq(sgc_size_to_class(SGC_MAX_SMALL_SIZE + 1), 0);
}
END_TEST

/* Spans are whole, objects fit, and the tail is at most 1/8 of the span. */
START_TEST(test_geometry)
{
	unsigned cls;

	ck_assert_uint_eq(sgc_class_size(0), 0);
	ck_assert_uint_eq(sgc_class_nelems(0), 0);
	for (cls = 1; cls < SGC_NUM_SIZE_CLASSES; cls++) {
		size_t size = sgc_class_size(cls);
		size_t span = (size_t)sgc_class_npages(cls) * SGC_PAGE_SIZE;

		ck_assert_uint_gt(size, sgc_class_size(cls - 1));
		ck_assert_uint_eq(sgc_class_nelems(cls), span / size);
		ck_assert_msg((span % size) * 8 <= span,
			      "class %u: tail %zu of %zu", cls, span % size,
			      span);
	}
	ck_assert_uint_eq(sgc_class_size(SGC_NUM_SIZE_CLASSES - 1),
			  SGC_MAX_SMALL_SIZE);
}
END_TEST

/* A fixed-seed xorshift: random offsets, reproducible failures. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* The magic division agrees with '/' on random offsets in every span. */
START_TEST(test_class_div_random)
{
	uint64_t state = 0x9e3779b97f4a7c15u;
	unsigned cls, i;

	for (cls = 1; cls < SGC_NUM_SIZE_CLASSES; cls++) {
		uintptr_t size = sgc_class_size(cls);
		uintptr_t span = (uintptr_t)sgc_class_npages(cls) *
				 SGC_PAGE_SIZE;

		for (i = 0; i < 20000; i++) {
			uintptr_t off = next_random(&state) % (span + 1);

			if (sgc_class_div(cls, off) != off / size)
				ck_abort_msg("class %u: %zu / %zu gave %u", cls,
					     (size_t)off, (size_t)size,
					     sgc_class_div(cls, off));
		}
	}
}
END_TEST

/* Whole file into a malloc'd buffer; *len gets its size. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(MAX_TABLE_BYTES);

	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, MAX_TABLE_BYTES, f);
	ck_assert_msg(*len < MAX_TABLE_BYTES, "%s is too large", path);
	fclose(f);
	return buf;
}

/* Standard output of the generator run with arg (or none). */
static char *run_generator(const char *gen, const char *arg, size_t *len)
{
	char *buf = malloc(MAX_TABLE_BYTES);
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(gen, gen, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*len = 0;
	while ((n = read(fds[0], buf + *len, MAX_TABLE_BYTES - *len)) > 0)
		*len += (size_t)n;
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s %s failed (status %d)", gen, arg ? arg : "", status);
	ck_assert_msg(*len < MAX_TABLE_BYTES, "generator output too large");
	return buf;
}

/* One committed file equals what the generator prints now. */
static void compare_with_generator(const char *gen, const char *srcdir,
				   const char *file, const char *arg)
{
	char path[4096];
	size_t want_len, got_len;
	char *want, *got;

	snprintf(path, sizeof(path), "%s/%s", srcdir, file);
	want = read_file(path, &want_len);
	got = run_generator(gen, arg, &got_len);
	ck_assert_msg(got_len == want_len && memcmp(got, want, got_len) == 0,
		      "%s differs from the output of %s %s; regenerate it",
		      path, gen, arg ? arg : "");
	free(want);
	free(got);
}

/* The committed tables are the generator's output, not hand edits. */
START_TEST(test_tables_are_generated)
{
	const char *gen = getenv("SGC_MKSIZECLASSES");
	const char *srcdir = getenv("SGC_SRCDIR");

	if (!gen || !*gen || !srcdir || !*srcdir) {
		fprintf(stderr, "check_sizeclass: SGC_MKSIZECLASSES or "
			"SGC_SRCDIR unset; skipping the generator test\n");
		return;
	}
	compare_with_generator(gen, srcdir, "src/sizeclass_table.c", NULL);
	compare_with_generator(gen, srcdir, "src/sizeclass_table.h", "-h");
}
END_TEST

Suite *make_sizeclass_suite(void)
{
	Suite *s = suite_create("sizeclass");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_self_check);
	tcase_add_test(tc, test_smallest_fit);
	tcase_add_test(tc, test_geometry);
	tcase_add_test(tc, test_class_div_random);
	tcase_add_test(tc, test_tables_are_generated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(make_sizeclass_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
