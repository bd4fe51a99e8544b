/*
 * check_typed.c: white-box tests of src/typed.[ch]: descriptors from
 * bitmaps of any length, typed objects and arrays scanned precisely (a
 * word the descriptor leaves out retains nothing, even when it holds a
 * pointer), and gcj objects scanned by their vtable's descriptor.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include <gc/gc_mark.h>
#include <gc/gc_typed.h>
#include <gc/gc_gcj.h>

static SGC_NOINLINE int hidden_live(uintptr_t h)
{
	void *p = sgc_test_reveal(h);
	return GC_base(p) == p;
}

/* A fresh normal object holding tag; its address hidden in *hidden. */
static SGC_NOINLINE void *target(uintptr_t tag, uintptr_t *hidden)
{
	uintptr_t *t = GC_malloc(32);
	ck_assert_ptr_nonnull(t);
	t[0] = tag;
	*hidden = sgc_test_hide(t);
	return t;
}

START_TEST(test_make_descriptor_forms)
{
	GC_word bm[4] = { 0 };
	ck_assert_uint_eq(GC_make_descriptor(bm, 10), 0);
	bm[0] = 0x7; /* words 0-2: a prefix, a length */
	ck_assert_uint_eq(GC_make_descriptor(bm, 10), 24 | GC_DS_LENGTH);
	bm[0] = 0x5; /* words 0 and 2: a bitmap, first word in the msb */
	ck_assert_uint_eq(GC_make_descriptor(bm, 10),
			  (GC_word)1 << 63 | (GC_word)1 << 61 | GC_DS_BITMAP);
	/* bits past len are not looked at */
	bm[0] = 0x5 | (GC_word)1 << 20;
	ck_assert_uint_eq(GC_make_descriptor(bm, 10),
			  (GC_word)1 << 63 | (GC_word)1 << 61 | GC_DS_BITMAP);
	/* beyond 62 words: a mark procedure */
	bm[0] = 1;
	bm[1] = (GC_word)1 << 40;
	ck_assert_uint_eq(GC_make_descriptor(bm, 200) & GC_DS_TAGS, GC_DS_PROC);
}
END_TEST

struct rec {
	void *p;          /* pointer */
	uintptr_t fake;   /* not a pointer, though it may hold one */
	void *q;          /* pointer */
	uintptr_t fake2;
	uintptr_t val;
};

static struct rec *volatile g_rec;
static GC_descr rec_descr;

static SGC_NOINLINE void build_rec(uintptr_t *hd)
{
	struct rec *r = GC_malloc_explicitly_typed(sizeof *r, rec_descr);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->val, 0);
	r->p = target(1, &hd[0]);
	r->fake = (uintptr_t)target(2, &hd[1]);
	r->q = target(3, &hd[2]);
	r->fake2 = (uintptr_t)target(4, &hd[3]) + 8; /* interior */
	r->val = 42;
	g_rec = r;
}

START_TEST(test_typed_precise)
{
	GC_word bm[GC_BITMAP_SIZE(struct rec)] = { 0 };
	GC_set_bit(bm, GC_WORD_OFFSET(struct rec, p));
	GC_set_bit(bm, GC_WORD_OFFSET(struct rec, q));
	rec_descr = GC_make_descriptor(bm, GC_WORD_LEN(struct rec));
	uintptr_t hd[4];
	build_rec(hd);
	for (int i = 0; i < 3; i++) {
		sgc_test_collect();
		ck_assert(hidden_live(hd[0]));
		ck_assert(!hidden_live(hd[1]));
		ck_assert(hidden_live(hd[2]));
		ck_assert(!hidden_live(hd[3]));
		ck_assert_uint_eq(g_rec->val, 42);
		ck_assert_uint_eq(*(uintptr_t *)g_rec->p, 1);
		ck_assert_uint_eq(*(uintptr_t *)g_rec->q, 3);
	}
	/* the ignore-off-page variant, large */
	void *big = GC_malloc_explicitly_typed_ignore_off_page(100000,
							       rec_descr);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_ge(GC_size(big), 100000);
}
END_TEST

/* A 100-word object, pointers at words 0, 70 and 99 only. */
#define LONG_WORDS 100
static uintptr_t *volatile g_long;

static SGC_NOINLINE void build_long(GC_descr d, uintptr_t *hd)
{
	uintptr_t *o = GC_malloc_explicitly_typed(LONG_WORDS * sizeof(void *),
						  d);
	ck_assert_ptr_nonnull(o);
	for (int i = 0; i < LONG_WORDS; i++)
		ck_assert_uint_eq(o[i], 0);
	o[0] = (uintptr_t)target(10, &hd[0]);
	o[70] = (uintptr_t)target(11, &hd[1]);
	o[99] = (uintptr_t)target(12, &hd[2]);
	o[50] = (uintptr_t)target(13, &hd[3]);
	o[98] = (uintptr_t)target(14, &hd[4]);
	g_long = o;
}

START_TEST(test_typed_long_bitmap)
{
	GC_word bm[2] = { 0 };
	GC_set_bit(bm, 0);
	GC_set_bit(bm, 70);
	GC_set_bit(bm, 99);
	GC_descr d = GC_make_descriptor(bm, LONG_WORDS);
	uintptr_t hd[5];
	build_long(d, hd);
	sgc_test_collect();
	sgc_test_collect();
	ck_assert(hidden_live(hd[0]));
	ck_assert(hidden_live(hd[1]));
	ck_assert(hidden_live(hd[2]));
	ck_assert(!hidden_live(hd[3]));
	ck_assert(!hidden_live(hd[4]));
}
END_TEST

/* Arrays: n elements of 4 words, pointer in word 1 only (or in words
 * 1 and 70 of a long element). */
#define NELEM 3000
static uintptr_t *volatile g_arr;

static SGC_NOINLINE void build_array(GC_descr d, size_t words, size_t ptr2,
				     uintptr_t *hd_real, uintptr_t *hd_fake)
{
	uintptr_t *a = GC_calloc_explicitly_typed(NELEM, words * sizeof(void *),
						  d);
	ck_assert_ptr_nonnull(a);
	for (size_t i = 0; i < NELEM; i++) {
		uintptr_t *e = a + i * words;
		e[1] = (uintptr_t)target(i, &hd_real[i]);
		if (ptr2)
			e[ptr2] = e[1];
		e[0] = (uintptr_t)target(i + NELEM, &hd_fake[i]);
	}
	g_arr = a;
}

static uintptr_t hd_real[NELEM], hd_fake[NELEM];

static void check_array(size_t words)
{
	sgc_test_collect();
	for (size_t i = 0; i < NELEM; i++) {
		if (!hidden_live(hd_real[i]))
			ck_abort_msg("element %zu's target died", i);
		if (hidden_live(hd_fake[i]))
			ck_abort_msg("element %zu's non-pointer retained", i);
		ck_assert_uint_eq(*(uintptr_t *)g_arr[i * words + 1], i);
	}
}

START_TEST(test_calloc_typed)
{
	GC_word bm[2] = { 0 };
	GC_set_bit(bm, 1);
	build_array(GC_make_descriptor(bm, 4), 4, 0, hd_real, hd_fake);
	check_array(4);
}
END_TEST

START_TEST(test_calloc_typed_long)
{
	GC_word bm[2] = { 0 };
	GC_set_bit(bm, 1);
	GC_set_bit(bm, 70);
	build_array(GC_make_descriptor(bm, 72), 72, 70, hd_real, hd_fake);
	check_array(72);
}
END_TEST

START_TEST(test_calloc_typed_overflow)
{
	GC_word bm[1] = { 2 };
	GC_descr d = GC_make_descriptor(bm, 2);
	volatile size_t huge = SIZE_MAX / 8;
	ck_assert_ptr_null(GC_calloc_explicitly_typed(huge, 16, d));
	/* all words pointers: an ordinary object */
	bm[0] = 3;
	void *p = GC_calloc_explicitly_typed(10, 16,
					     GC_make_descriptor(bm, 2));
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 1);
}
END_TEST

/* ---- gcj ---- */

struct vtable {
	void *clazz;
	GC_word descr;
};

/* Objects of 4 words: word 0 the vtable, word 1 a pointer, word 2 not,
 * word 3 a pointer. */
static struct vtable vt_precise = {
	NULL, (GC_word)1 << 62 | (GC_word)1 << 60 | GC_DS_BITMAP
};
static struct vtable vt_length = { NULL, 32 | GC_DS_LENGTH };
static uintptr_t *volatile g_gcj[2];

static SGC_NOINLINE void build_gcj(int which, struct vtable *vt,
				   uintptr_t *hd)
{
	uintptr_t *o = GC_gcj_malloc(4 * sizeof(void *), vt);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_eq((void *)o[0], vt);
	o[1] = (uintptr_t)target(1, &hd[0]);
	o[2] = (uintptr_t)target(2, &hd[1]);
	o[3] = (uintptr_t)target(3, &hd[2]);
	g_gcj[which] = o;
}

static struct GC_ms_entry *gcj_proc(GC_word *addr, struct GC_ms_entry *msp,
				    struct GC_ms_entry *msl, GC_word env)
{
	(void)env;
	return GC_MARK_AND_PUSH((void *)addr[2], msp, msl, (void **)&addr[2]);
}

static struct vtable vt_proc;

START_TEST(test_gcj)
{
	uintptr_t a[3], b[3], c[3];
	GC_init_gcj_malloc(GC_GCJ_RESERVED_MARK_PROC_INDEX, (void *)gcj_proc);
	GC_init_gcj_malloc(5, NULL); /* a second call changes nothing */
	vt_proc.descr = GC_MAKE_PROC(GC_GCJ_RESERVED_MARK_PROC_INDEX, 0);
	ck_assert_int_ge(GC_gcj_kind, 4);
	build_gcj(0, &vt_precise, a);
	build_gcj(1, &vt_length, b);
	sgc_test_collect();
	sgc_test_collect();
	ck_assert(hidden_live(a[0]));
	ck_assert(!hidden_live(a[1]));
	ck_assert(hidden_live(a[2]));
	ck_assert(hidden_live(b[0]));
	ck_assert(hidden_live(b[1]));
	ck_assert(hidden_live(b[2]));
	/* the reserved mark procedure, named by a vtable */
	build_gcj(1, &vt_proc, c);
	sgc_test_collect();
	ck_assert(!hidden_live(c[0]));
	ck_assert(hidden_live(c[1]));
	ck_assert(!hidden_live(c[2]));
	void *d = GC_debug_gcj_malloc(16, &vt_length, __FILE__, __LINE__);
	ck_assert_int_eq(GC_get_kind_and_size(d, NULL), GC_gcj_debug_kind);
	d = GC_gcj_malloc_ignore_off_page(50000, &vt_length);
	ck_assert_int_eq(GC_get_kind_and_size(d, NULL), GC_gcj_kind);
}
END_TEST

START_TEST(test_gcj_uninitialised_aborts)
{
	GC_gcj_malloc(16, &vt_length);
}
END_TEST

Suite *make_typed_suite(void);

Suite *make_typed_suite(void)
{
	Suite *s = suite_create("typed");
	TCase *tc = tcase_create("typed");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_make_descriptor_forms);
	tcase_add_test(tc, test_typed_precise);
	tcase_add_test(tc, test_typed_long_bitmap);
	tcase_add_test(tc, test_calloc_typed);
	tcase_add_test(tc, test_calloc_typed_long);
	tcase_add_test(tc, test_calloc_typed_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("gcj");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_gcj);
	tcase_add_test_raise_signal(tc, test_gcj_uninitialised_aborts,
				    SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run_budget(make_typed_suite());
}
