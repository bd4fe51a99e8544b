/*
 * check_gcbits.c: white-box tests of src/gcbits.[ch].
 *
 * The collector is not initialised here: its spans would hold bits from
 * the epochs these tests rotate by hand.  Each test runs in a fresh
 * process, so the epochs start empty.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcbits.h"
#include "testutil.h"

/* Words a chunk can hand out: the 64 KiB less its header of two words
 * (the link and the bump count, see gcbits.c). */
static size_t chunk_words(void)
{
	return SGC_GCBITS_CHUNK_BYTES / 8 - 2;
}

static void expect_counts(size_t next, size_t cur, size_t prev, size_t fr,
			  int line)
{
	size_t c[4];
	sgc_gcbits_counts(c);
	if (c[0] != next || c[1] != cur || c[2] != prev || c[3] != fr)
		ck_abort_msg("line %d: counts {%zu,%zu,%zu,%zu}, want "
			     "{%zu,%zu,%zu,%zu}", line, c[0], c[1], c[2], c[3],
			     next, cur, prev, fr);
}

#define COUNTS(a, b, c, d) expect_counts(a, b, c, d, __LINE__)

static int zero_words(const uint64_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Allocations are zeroed, 8-byte aligned, and disjoint: each one is filled
 * with its own pattern and all are checked at the end. */
START_TEST(test_alloc_zeroed_disjoint)
{
	enum { N = 2000 };
	static uint64_t *p[N];
	static size_t n[N];
	unsigned seed = 7;

	COUNTS(0, 0, 0, 0);
	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		n[i] = 1 + (seed >> 8) % (i % 50 == 0 ? 3000 : 40);
		p[i] = sgc_gcbits_alloc(n[i]);
		if (!p[i])
			ck_abort_msg("alloc %d of %zu words failed", i, n[i]);
		if ((uintptr_t)p[i] % 8 != 0)
			ck_abort_msg("alloc %d misaligned", i);
		if (!zero_words(p[i], n[i]))
			ck_abort_msg("alloc %d of %zu words not zero", i, n[i]);
		for (size_t k = 0; k < n[i]; k++)
			p[i][k] = ((uint64_t)i << 32) | k;
	}
	for (int i = 0; i < N; i++)
		for (size_t k = 0; k < n[i]; k++)
			if (p[i][k] != (((uint64_t)i << 32) | k))
				ck_abort_msg("alloc %d word %zu overwritten", i, k);
	/* All of it in the next epoch, nothing else. */
	size_t c[4];
	sgc_gcbits_counts(c);
	ck_assert_uint_gt(c[0], 1);
	ck_assert_uint_eq(c[1] + c[2] + c[3], 0);
}
END_TEST

/* Bump allocation: small requests share a chunk, a request that does not
 * fit starts a new one, and the largest request fills a chunk alone. */
START_TEST(test_chunk_packing)
{
	size_t cw = chunk_words();
	uint64_t *a = sgc_gcbits_alloc(1);
	uint64_t *b = sgc_gcbits_alloc(2);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(b, a + 1);
	COUNTS(1, 0, 0, 0);
	/* What is left of the chunk, exactly. */
	uint64_t *c = sgc_gcbits_alloc(cw - 3);
	ck_assert_ptr_eq(c, a + 3);
	COUNTS(1, 0, 0, 0);
	uint64_t *d = sgc_gcbits_alloc(1);
	COUNTS(2, 0, 0, 0);
	ck_assert(d < a || d >= a + cw);
	/* The whole of a chunk in one request. */
	uint64_t *e = sgc_gcbits_alloc(cw);
	ck_assert_ptr_nonnull(e);
	COUNTS(3, 0, 0, 0);
	ck_assert(zero_words(e, cw));
	memset(e, 0xff, cw * 8);
	ck_assert(e + cw <= d || e > d);
}
END_TEST

START_TEST(test_alloc_too_big_aborts)
{
	sgc_gcbits_alloc(chunk_words() + 1);
}
END_TEST

START_TEST(test_alloc_zero_aborts)
{
	sgc_gcbits_alloc(0);
}
END_TEST

/* The epochs rotate: next -> current -> previous -> free. */
START_TEST(test_rotate_counts)
{
	size_t cw = chunk_words();
	COUNTS(0, 0, 0, 0);
	sgc_gcbits_rotate();
	COUNTS(0, 0, 0, 0);
	ck_assert_ptr_nonnull(sgc_gcbits_alloc(cw));
	ck_assert_ptr_nonnull(sgc_gcbits_alloc(cw));
	COUNTS(2, 0, 0, 0);
	sgc_gcbits_rotate();
	COUNTS(0, 2, 0, 0);
	ck_assert_ptr_nonnull(sgc_gcbits_alloc(5));
	COUNTS(1, 2, 0, 0);
	sgc_gcbits_rotate();
	COUNTS(0, 1, 2, 0);
	sgc_gcbits_rotate();
	COUNTS(0, 0, 1, 2);
	/* A new chunk comes from the free epoch. */
	ck_assert_ptr_nonnull(sgc_gcbits_alloc(5));
	COUNTS(1, 0, 1, 1);
	sgc_gcbits_rotate();
	COUNTS(0, 1, 0, 2);
	sgc_gcbits_rotate();
	COUNTS(0, 0, 1, 2);
	sgc_gcbits_rotate();
	COUNTS(0, 0, 0, 3);
	sgc_gcbits_rotate();
	COUNTS(0, 0, 0, 3);
	/* All three are reused before any new chunk. */
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(sgc_gcbits_alloc(cw));
	COUNTS(3, 0, 0, 0);
	ck_assert_ptr_nonnull(sgc_gcbits_alloc(cw));
	COUNTS(4, 0, 0, 0);
}
END_TEST

/* Bits written in an epoch survive two rotations (they serve as mark bits
 * and then alloc bits), even while much is allocated meanwhile; after the
 * third rotation their chunks are reused, and come back zeroed. */
START_TEST(test_reuse_after_three_rotations)
{
	enum { NA = 300, W = 100 };
	static uint64_t *p[NA];
	size_t cw = chunk_words();

	for (int i = 0; i < NA; i++) {
		p[i] = sgc_gcbits_alloc(W);
		ck_assert_ptr_nonnull(p[i]);
		memset(p[i], 0xa5 ^ i, W * 8);
	}
	size_t c[4];
	sgc_gcbits_counts(c);
	size_t nchunks = c[0];
	ck_assert_uint_ge(nchunks, 2);

	/* Two rotations with allocation in between: nothing of p is
	 * reused. */
	for (int r = 0; r < 2; r++) {
		sgc_gcbits_rotate();
		for (int i = 0; i < NA; i++) {
			uint64_t *q = sgc_gcbits_alloc(W);
			ck_assert_ptr_nonnull(q);
			if (!zero_words(q, W))
				ck_abort_msg("round %d: fresh bits not zero", r);
			memset(q, 0x3c, W * 8);
		}
	}
	for (int i = 0; i < NA; i++) {
		const unsigned char *b = (const unsigned char *)p[i];
		for (size_t k = 0; k < W * 8; k++)
			if (b[k] != (unsigned char)(0xa5 ^ i))
				ck_abort_msg("alloc %d byte %zu changed before"
					     " its epoch was freed", i, k);
	}

	/* The third rotation frees p's epoch: p's chunks are the next ones
	 * handed out, and read zero although we wrote to them. */
	sgc_gcbits_rotate();
	sgc_gcbits_counts(c);
	ck_assert_uint_eq(c[3], nchunks);
	size_t reused = 0;
	for (size_t k = 0; k < nchunks; k++) {
		uint64_t *q = sgc_gcbits_alloc(cw);
		ck_assert_ptr_nonnull(q);
		if (!zero_words(q, cw))
			ck_abort_msg("reused chunk %zu not zeroed", k);
		for (int i = 0; i < NA; i++)
			if (p[i] >= q && p[i] < q + cw) {
				reused++;
				if (!zero_words(p[i], W))
					ck_abort_msg("bits of alloc %d not zero",
						     i);
			}
	}
	ck_assert_uint_eq(reused, NA);
	sgc_gcbits_counts(c);
	ck_assert_uint_eq(c[3], 0);
	ck_assert_uint_eq(c[0], nchunks);
}
END_TEST

/* Same with small requests: the reused chunk is zero where it was used,
 * bump allocation restarts at its beginning. */
START_TEST(test_reuse_small)
{
	uint64_t *a = sgc_gcbits_alloc(4);
	uint64_t *b = sgc_gcbits_alloc(4);
	ck_assert_ptr_eq(b, a + 4);
	memset(a, 0xff, 8 * 8);
	for (int r = 0; r < 3; r++)
		sgc_gcbits_rotate();
	COUNTS(0, 0, 0, 1);
	uint64_t *x = sgc_gcbits_alloc(8);
	ck_assert_ptr_eq(x, a);
	ck_assert(zero_words(x, 8));
	uint64_t *y = sgc_gcbits_alloc(1);
	ck_assert_ptr_eq(y, a + 8);
	ck_assert(zero_words(y, 1));
	COUNTS(1, 0, 0, 0);
}
END_TEST

Suite *make_gcbits_suite(void)
{
	Suite *s = suite_create("gcbits");
	TCase *tc = tcase_create("alloc");
	tcase_add_test(tc, test_alloc_zeroed_disjoint);
	tcase_add_test(tc, test_chunk_packing);
	tcase_add_test_raise_signal(tc, test_alloc_too_big_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_alloc_zero_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("epochs");
	tcase_add_test(tc, test_rotate_counts);
	tcase_add_test(tc, test_reuse_after_three_rotations);
	tcase_add_test(tc, test_reuse_small);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	(void)sgc_test_clear_stack; /* a static helper of testutil.h */
	return sgc_test_run(make_gcbits_suite());
}
