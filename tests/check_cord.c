/*
 * check_cord.c: cords (libcord: cord.h, cord_pos.h, ec.h), through the
 * public interface, with collections in between to show that what a cord
 * holds stays alive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <gc/gc.h>
#include <gc/cord.h>
#include <gc/ec.h>

static void setup(void)
{
	GC_INIT();
}

/* The cord's characters as a C string (for short cords). */
static const char *str(CORD x)
{
	return CORD_to_const_char_star(x);
}

START_TEST(test_basics)
{
	CORD x = CORD_from_char_star("Hello, ");
	CORD y = CORD_cat(x, "world");
	ck_assert_str_eq(str(y), "Hello, world");
	ck_assert_uint_eq(CORD_len(y), 12);
	ck_assert_uint_eq(CORD_len(CORD_EMPTY), 0);
	ck_assert_ptr_eq(CORD_cat(CORD_EMPTY, y), y);
	ck_assert_ptr_eq(CORD_cat(y, CORD_EMPTY), y);
	ck_assert_int_eq(CORD_fetch(y, 7), 'w');
	ck_assert_str_eq(str(CORD_substr(y, 3, 4)), "lo, ");
	ck_assert_str_eq(str(CORD_substr(y, 7, 100)), "world");
	ck_assert_ptr_null(CORD_substr(y, 12, 1));
	ck_assert_str_eq(str(CORD_cat_char(y, '!')), "Hello, world!");
	ck_assert_str_eq(str(CORD_catn(3, "a", "bc", "def")), "abcdef");
	ck_assert_str_eq(str(CORD_cat_char_star(y, "!?xyz", 2)),
			 "Hello, world!?");
	ck_assert_int_eq(CORD_cmp(y, "Hello, world"), 0);
	ck_assert_int_lt(CORD_cmp(y, "Hello, worle"), 0);
	ck_assert_int_gt(CORD_cmp(y, "Hello"), 0);
	ck_assert_int_lt(CORD_cmp(CORD_EMPTY, y), 0);
	ck_assert_int_eq(CORD_ncmp(y, 7, "xworldx", 1, 5), 0);
	ck_assert_uint_eq(CORD_chr(y, 0, 'o'), 4);
	ck_assert_uint_eq(CORD_chr(y, 5, 'o'), 8);
	ck_assert_uint_eq(CORD_chr(y, 9, 'o'), CORD_NOT_FOUND);
	ck_assert_uint_eq(CORD_rchr(y, 11, 'o'), 8);
	ck_assert_uint_eq(CORD_rchr(y, 7, 'o'), 4);
	ck_assert_uint_eq(CORD_rchr(y, 3, 'o'), CORD_NOT_FOUND);
	ck_assert_uint_eq(CORD_str(y, 0, "world"), 7);
	ck_assert_uint_eq(CORD_str(y, 0, "worlds"), CORD_NOT_FOUND);
	ck_assert_uint_eq(CORD_str(y, 0, "l"), 2);
	ck_assert_uint_eq(CORD_str(y, 3, "l"), 3);
	ck_assert_uint_eq(CORD_str(y, 4, "l"), 10);
}
END_TEST

static char digit_fn(size_t i, void *cd)
{
	(void)cd;
	return (char)('0' + i % 10);
}

START_TEST(test_functions_and_nul)
{
	CORD d = CORD_from_fn(digit_fn, NULL, 1000);
	ck_assert_uint_eq(CORD_len(d), 1000);
	ck_assert_int_eq(CORD_fetch(d, 987), '7');
	CORD s = CORD_substr(d, 95, 10);
	ck_assert_str_eq(str(s), "5678901234");
	CORD s2 = CORD_substr(CORD_substr(d, 100, 500), 33, 200);
	ck_assert_int_eq(CORD_fetch(s2, 0), '3');
	ck_assert_uint_eq(CORD_len(s2), 200);
	CORD n = CORD_cat(CORD_cat("ab", CORD_nul(2)), "cd");
	ck_assert_uint_eq(CORD_len(n), 6);
	ck_assert_int_eq(CORD_fetch(n, 2), 0);
	ck_assert_int_eq(CORD_fetch(n, 4), 'c');
	ck_assert(!CORD_IS_STRING(n));
	ck_assert_str_eq(str(CORD_chars('x', 5)), "xxxxx");
	ck_assert_uint_eq(CORD_len(CORD_chars('y', 100000)), 100000);
	ck_assert_uint_eq(CORD_chr(n, 0, 0), 2);
}
END_TEST

static int count_fn(char c, void *cd)
{
	(*(size_t *)cd) += (unsigned char)c;
	return 0;
}

static int stop_at_x(char c, void *cd)
{
	(void)cd;
	return c == 'x' ? 7 : 0;
}

static int batched(const char *s, void *cd)
{
	(*(size_t *)cd) += 1000 * strlen(s);
	return 0;
}

START_TEST(test_iteration_and_positions)
{
	CORD x = CORD_cat(CORD_cat("abcdefghijklmnopqrstuvwxyz0123",
				   CORD_from_fn(digit_fn, NULL, 40)),
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	size_t sum = 0, want = 0;
	const char *flat = CORD_to_char_star(x);
	ck_assert_uint_eq(strlen(flat), CORD_len(x));
	for (const char *p = flat; *p; p++)
		want += (unsigned char)*p;
	ck_assert_int_eq(CORD_iter(x, count_fn, &sum), 0);
	ck_assert_uint_eq(sum, want);
	sum = 0;
	ck_assert_int_eq(CORD_riter(x, count_fn, &sum), 0);
	ck_assert_uint_eq(sum, want);
	ck_assert_int_eq(CORD_iter(x, stop_at_x, NULL), 7);
	sum = 0;
	CORD_iter5(x, 5, count_fn, batched, &sum);
	ck_assert_uint_ge(sum, 1000 * 25); /* the first leaf's rest, batched */

	CORD_pos p;
	size_t i = 0;
	CORD_FOR(p, x) {
		ck_assert_int_eq(CORD_pos_fetch(p), flat[i]);
		ck_assert_uint_eq(CORD_pos_to_index(p), i);
		i++;
	}
	ck_assert_uint_eq(i, CORD_len(x));
	CORD_set_pos(p, x, CORD_len(x) - 1);
	for (i = CORD_len(x); i-- > 0; CORD_prev(p)) {
		ck_assert(CORD_pos_valid(p));
		ck_assert_int_eq(CORD_pos_fetch(p), flat[i]);
	}
	ck_assert(!CORD_pos_valid(p));
	CORD_set_pos(p, x, 40);
	ck_assert_ptr_eq(CORD_pos_to_cord(p), x);
	ck_assert_int_eq(CORD_pos_fetch(p), flat[40]);
}
END_TEST

START_TEST(test_long_and_balanced_through_collections)
{
	CORD x = CORD_EMPTY;
	char buf[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(buf, sizeof buf, "%d,", i);
		x = CORD_cat(x, CORD_from_char_star(buf));
		if (i % 5000 == 0)
			GC_gcollect();
	}
	GC_gcollect();
	CORD b = CORD_balance(x);
	ck_assert_int_eq(CORD_cmp(x, b), 0);
	/* Every piece still there, in order. */
	size_t at = 0;
	for (int i = 0; i < 20000; i += 997) {
		snprintf(buf, sizeof buf, "%d,", i);
		at = CORD_str(b, at, buf);
		ck_assert_uint_ne(at, CORD_NOT_FOUND);
	}
	/* Built from the right too. */
	CORD y = CORD_EMPTY;
	for (int i = 0; i < 5000; i++)
		y = CORD_cat("x", y);
	ck_assert_uint_eq(CORD_len(y), 5000);
	ck_assert_uint_eq(CORD_chr(y, 0, 'y'), CORD_NOT_FOUND);
}
END_TEST

START_TEST(test_ec)
{
	CORD_ec ec;
	CORD_ec_init(ec);
	for (int i = 0; i < 1000; i++)
		CORD_ec_append(ec, (char)('a' + i % 26));
	CORD_ec_append_cord(ec, "!end");
	CORD r = CORD_ec_to_cord(ec);
	ck_assert_uint_eq(CORD_len(r), 1004);
	ck_assert_int_eq(CORD_fetch(r, 27), 'b');
	ck_assert_uint_eq(CORD_str(r, 0, "!end"), 1000);
}
END_TEST

START_TEST(test_printf)
{
	CORD out;
	CORD name = CORD_cat("spa", "ngc");
	int n = CORD_sprintf(&out, "%s|%5d|%-4r|%.3r|%x|%%|%ld|%5.1f|%c|%*d",
			     "ab", 42, name, name, 255, 123456789012L, 3.14159,
			     'z', 4, 7);
	const char *want = "ab|   42|spangc|spa|ff|%|123456789012|  3.1|z|   7";
	ck_assert_str_eq(str(out), want);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_int_eq(CORD_sprintf(&out, "%r%r", CORD_chars('-', 3),
				      CORD_from_fn(digit_fn, NULL, 20)), 23);
	ck_assert_str_eq(str(out), "---01234567890123456789");
	int where = -1;
	CORD_sprintf(&out, CORD_cat("abc", "%n|%r"), &where, "x");
	ck_assert_int_eq(where, 3);
	ck_assert_str_eq(str(out), "abc|x");
	FILE *f = tmpfile();
	ck_assert_int_eq(CORD_fprintf(f, "%r=%d\n", name, 1), 9);
	rewind(f);
	char line[32];
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_str_eq(line, "spangc=1\n");
	fclose(f);
}
END_TEST

START_TEST(test_files)
{
	FILE *f = tmpfile();
	for (int i = 0; i < 5000; i++)
		fprintf(f, "line %d\n", i);
	long size = ftell(f);
	rewind(f);
	CORD eager = CORD_from_file_eager(f);
	ck_assert_uint_eq(CORD_len(eager), (size_t)size);
	rewind(f);
	CORD lazy = CORD_from_file_lazy(f);
	ck_assert_uint_eq(CORD_len(lazy), (size_t)size);
	GC_gcollect();
	ck_assert_int_eq(CORD_cmp(eager, lazy), 0);
	ck_assert_uint_eq(CORD_str(lazy, 0, "line 4321\n"),
			  CORD_str(eager, 0, "line 4321\n"));
	rewind(f);
	ck_assert_int_eq(CORD_cmp(CORD_from_file(f), eager), 0);
	FILE *g = tmpfile();
	ck_assert_int_gt(CORD_put(lazy, g), 0);
	ck_assert_int_eq(ftell(g), size);
	fclose(g);
	/* The lazy cord reads f: keep it open until here. */
	fclose(f);
}
END_TEST

static Suite *cord_suite(void)
{
	Suite *s = suite_create("cord");
	TCase *tc = tcase_create("cord");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_basics);
	tcase_add_test(tc, test_functions_and_nul);
	tcase_add_test(tc, test_iteration_and_positions);
	tcase_add_test(tc, test_long_and_balanced_through_collections);
	tcase_add_test(tc, test_ec);
	tcase_add_test(tc, test_printf);
	tcase_add_test(tc, test_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cord_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
