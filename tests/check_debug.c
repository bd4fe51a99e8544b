/*
 * check_debug.c: debug allocation and leak mode (src/debug.c), through
 * the public calls and the GC_DEBUG forms of the macros.
 *
 * Reports go through the warn procedure; the tests collect them in a
 * buffer and look for the object, its site and the bytes that changed.
 */
#define GC_DEBUG
#define GC_THREADS
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <gc/gc.h>
#include <gc/gc_gcj.h>
#include <gc/gc_mark.h>
#include <spangc.h>
#include "testutil.h"

#define NOINLINE __attribute__((noinline))

static char warnings[65536];
static size_t nwarn;
static int warn_calls;

static void GC_CALLBACK capture(char *msg, GC_word arg)
{
	char line[4096];
	snprintf(line, sizeof line, msg, (unsigned long)arg);
	size_t n = strlen(line);
	if (nwarn + n + 1 < sizeof warnings) {
		memcpy(warnings + nwarn, line, n + 1);
		nwarn += n;
	}
	warn_calls++;
}

static void capture_reset(void)
{
	nwarn = 0;
	warnings[0] = 0;
	warn_calls = 0;
	GC_set_warn_proc(capture);
}

/* How many times needle occurs in the captured warnings. */
static int occurrences(const char *needle)
{
	int n = 0;
	for (const char *p = warnings; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void setup(void)
{
	sgc_test_setup();
	capture_reset();
}

/* Write v at p + off, out of the compiler's sight: the tests smash on
 * purpose what -Warray-bounds would reject. */
static NOINLINE void poke(void *p, long off, unsigned char v)
{
	unsigned char *q = p;
	__asm__ __volatile__("" : "+r"(q));
	q[off] = v;
}

static char site_buf[64];

/* "check_debug.c:<line>" */
static const char *site_of(int line)
{
	snprintf(site_buf, sizeof site_buf, "check_debug.c:%d", line);
	return site_buf;
}

START_TEST(test_header_size)
{
	ck_assert_uint_eq(GC_get_debug_header_size(), GC_debug_header_size);
	ck_assert_uint_eq(GC_get_debug_header_size() % 16, 0);
	char *p = GC_MALLOC(10);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % 16, 0);
	ck_assert_ptr_eq(GC_base(p), p - GC_get_debug_header_size());
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(p[i], 0);
	GC_FREE(p);
	ck_assert_int_eq(warn_calls, 0);
}
END_TEST

START_TEST(test_smash_past_end_on_free)
{
	char *p = GC_MALLOC(10); int line = __LINE__;
	poke(p, 10, 'X'); /* one byte past the end */
	GC_FREE(p);
	ck_assert_int_eq(warn_calls, 1);
	ck_assert_int_eq(occurrences("smashed object"), 1);
	ck_assert_int_eq(occurrences(site_of(line)), 1);
	ck_assert_int_eq(occurrences("byte 10 (0 past the end)"), 1);
	ck_assert_int_eq(occurrences("0x58"), 1);
	char addr[32];
	snprintf(addr, sizeof addr, "%p", (void *)p);
	ck_assert_int_ge(occurrences(addr), 1);
}
END_TEST

START_TEST(test_smash_before_start_on_free)
{
	unsigned char *p = GC_MALLOC_ATOMIC(24); int line = __LINE__;
	memset(p, 0, 24);
	poke(p, -1, 0x42); /* one byte before the start */
	GC_FREE(p);
	ck_assert_int_eq(occurrences("smashed object"), 1);
	ck_assert_int_eq(occurrences(site_of(line)), 1);
	ck_assert_int_eq(occurrences("byte -1 (1 before the start)"), 1);
}
END_TEST

static uintptr_t kept; /* hidden: the smashed object stays reachable */
static int smash_line;

static NOINLINE void make_and_smash(void)
{
	char *p = GC_MALLOC(33); smash_line = __LINE__;
	memset(p, 'a', 33);
	poke(p, 33, 'a'); /* past the end */
	kept = sgc_test_hide(p);
}

static void *volatile live_root;

START_TEST(test_smash_found_by_collection_once)
{
	make_and_smash();
	live_root = (void *)~kept;
	sgc_test_collect();
	ck_assert_int_eq(occurrences("GC Warning: collection: smashed object"),
			 1);
	ck_assert_int_eq(occurrences(site_of(smash_line)), 1);
	ck_assert_int_eq(occurrences("byte 33 (0 past the end), after the"
				     " object: 0x61, was 0xfd"), 1);
	/* found with the world stopped, symbolised once it ran again */
	ck_assert_int_eq(occurrences("call chain at allocation:"), 1);
	ck_assert_int_eq(occurrences("\001"), 0);
	/* Reported once: repaired after the report. */
	sgc_test_collect();
	ck_assert_int_eq(occurrences("smashed object"), 1);
	/* A new smash is reported again. */
	poke(live_root, 40, 'b');
	sgc_test_collect();
	ck_assert_int_eq(occurrences("smashed object"), 2);
	GC_FREE(live_root);
	ck_assert_int_eq(occurrences("smashed object"), 2);
}
END_TEST

START_TEST(test_double_free_reported)
{
	void *p = GC_MALLOC(16); int line = __LINE__;
	GC_FREE(p);
	ck_assert_int_eq(warn_calls, 0);
	GC_FREE(p);
	ck_assert_int_eq(occurrences("object freed twice"), 1);
	ck_assert_int_eq(occurrences(site_of(line)), 1);
}
END_TEST

START_TEST(test_write_after_free_reported)
{
	char *p = GC_MALLOC(16); int line = __LINE__;
	live_root = p;
	GC_FREE(p);
	p[3] = 7;
	sgc_test_collect();
	ck_assert_int_eq(occurrences("smashed freed object"), 1);
	ck_assert_int_eq(occurrences("written after GC_debug_free"), 1);
	ck_assert_int_eq(occurrences(site_of(line)), 1);
	live_root = NULL;
}
END_TEST

START_TEST(test_debug_free_of_plain_object)
{
	void *p = GC_malloc(16);
	GC_debug_free(p);
	ck_assert_int_eq(occurrences("no debug information"), 1);
	ck_assert_ptr_null(GC_base(p)); /* freed as asked */
}
END_TEST

/* GC_free on a debug object: the pointer is inside the object. */
START_TEST(test_plain_free_of_debug_object_aborts)
{
	GC_free(GC_MALLOC(16));
}
END_TEST

START_TEST(test_debug_free_foreign_aborts)
{
	static int not_heap;
	GC_debug_free(&not_heap);
}
END_TEST

START_TEST(test_realloc_keeps_contents)
{
	int *p = GC_MALLOC(8 * sizeof(int));
	for (int i = 0; i < 8; i++)
		p[i] = i * 3;
	p = GC_REALLOC(p, 1000 * sizeof(int)); int line = __LINE__;
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(p[i], i * 3);
	poke(p, 1000 * sizeof(int), 1); /* past the new end */
	p = GC_REALLOC(p, 4 * sizeof(int));
	ck_assert_int_eq(occurrences(site_of(line)), 1);
	ck_assert_int_eq(occurrences("GC_debug_realloc: smashed object"), 1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(p[i], i * 3);
	ck_assert_ptr_null(GC_REALLOC(p, 0));
	void *q = GC_malloc(24);
	q = GC_debug_realloc(q, 100, __FILE__, __LINE__);
	ck_assert_int_eq(occurrences("no debug information"), 1);
	ck_assert_uint_ge(GC_size(q), 100);
}
END_TEST

START_TEST(test_all_calls)
{
	void *ps[12];
	int n = 0;
	ps[n++] = GC_MALLOC_UNCOLLECTABLE(100);
	ps[n++] = GC_MALLOC_ATOMIC_UNCOLLECTABLE(100);
	ps[n++] = GC_MALLOC_IGNORE_OFF_PAGE(100000);
	ps[n++] = GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(100000);
	ps[n++] = GC_STRDUP("spangc");
	ps[n++] = GC_STRNDUP("spangc", 4);
	ps[n++] = GC_debug_malloc_stubborn(10, __FILE__, __LINE__);
	ps[n++] = GC_debug_generic_or_special_malloc(10, 1, __FILE__, __LINE__);
	ps[n++] = GC_debug_malloc_replacement(50);
	ps[n++] = GC_debug_realloc_replacement(NULL, 60);
	ck_assert_str_eq(ps[4], "spangc");
	ck_assert_str_eq(ps[5], "span");
	for (int i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(ps[i]);
		ck_assert_ptr_eq(GC_base(ps[i]),
				 (char *)ps[i] - GC_get_debug_header_size());
	}
	GC_debug_change_stubborn(ps[0]);
	GC_debug_end_stubborn_change(ps[0]);
	GC_debug_ptr_store_and_dirty(ps[0], ps[1]);
	ck_assert_ptr_eq(*(void **)ps[0], ps[1]);
	GC_debug_register_displacement(0);
	sgc_test_collect();
	for (int i = 0; i < n; i++)
		GC_FREE(ps[i]);
	sgc_test_collect();
	ck_assert_int_eq(warn_calls, 0);
}
END_TEST

static int finalized;
static void *finalized_obj;

static void GC_CALLBACK note_final(void *obj, void *cd)
{
	finalized += cd == (void *)&finalized;
	finalized_obj = obj;
}

static uintptr_t fin_hidden;

static NOINLINE void make_finalizable(void)
{
	void *p = GC_MALLOC(32);
	GC_finalization_proc ofn = (GC_finalization_proc)1;
	void *ocd = (void *)1;
	GC_REGISTER_FINALIZER(p, note_final, &finalized, &ofn, &ocd);
	ck_assert_ptr_null((void *)ofn);
	ck_assert_ptr_null(ocd);
	GC_REGISTER_FINALIZER(p, note_final, &finalized, &ofn, &ocd);
	ck_assert_ptr_eq((void *)ofn, (void *)note_final);
	ck_assert_ptr_eq(ocd, &finalized);
	fin_hidden = sgc_test_hide(p);
}

START_TEST(test_debug_finalizer_sees_client_pointer)
{
	make_finalizable();
	for (int i = 0; i < 4 && !finalized; i++) {
		sgc_test_collect();
		GC_invoke_finalizers();
	}
	ck_assert_int_eq(finalized, 1);
	ck_assert_ptr_eq(finalized_obj, (void *)~fin_hidden);
}
END_TEST

struct cell {
	struct cell *next;
	long value;
};

/* Debug and plain objects mixed in one list, through many cycles. */
START_TEST(test_debug_and_plain_mix)
{
	struct cell *head = NULL;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 500; i++) {
			struct cell *c = (i & 1) ? GC_malloc(sizeof *c) :
						   GC_MALLOC(sizeof *c);
			c->next = head;
			c->value = round * 1000 + i;
			head = c;
			(void)GC_MALLOC(40); /* garbage */
			(void)GC_malloc(40);
		}
		long n = 0;
		for (struct cell *c = head; c; c = c->next)
			n++;
		ck_assert_int_eq(n, (round + 1) * 500);
		if (round % 5 == 4)
			GC_gcollect();
	}
	int round = 19, i = 499;
	for (struct cell *c = head; c; c = c->next) {
		ck_assert_int_eq(c->value, round * 1000 + i);
		if (--i < 0) {
			i = 499;
			round--;
		}
	}
	ck_assert_int_eq(spangc_verify_heap(), 0);
	ck_assert_int_eq(warn_calls, 0);
}
END_TEST

/* Threads make debug objects, free half of them, collect, and return
 * their lists; no report may come, and every value must be intact.  No
 * ck_assert in the workers (TSan: see the common rules). */
struct tnode {
	struct tnode *next;
	long value;
};

/* The lists are kept here, not returned through pthread_join: this
 * suite is about debug objects, not exit values. */
static struct tnode *thread_heads[4];

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	struct tnode *head = NULL;
	for (int i = 0; i < 3000; i++) {
		struct tnode *n = GC_MALLOC(sizeof *n);
		struct tnode *junk = GC_MALLOC(sizeof *junk);
		n->value = id * 100000 + i;
		n->next = head;
		head = n;
		GC_FREE(junk);
		if (i % 1000 == 999)
			GC_gcollect();
	}
	thread_heads[id] = head;
	return NULL;
}

START_TEST(test_threads)
{
	pthread_t t[4];
	for (long k = 0; k < 4; k++)
		ck_assert_int_eq(pthread_create(&t[k], NULL, worker,
						(void *)(intptr_t)k), 0);
	for (int k = 0; k < 4; k++)
		ck_assert_int_eq(pthread_join(t[k], NULL), 0);
	GC_gcollect();
	for (long k = 0; k < 4; k++) {
		long i = 2999;
		for (struct tnode *n = thread_heads[k]; n; n = n->next, i--)
			ck_assert_int_eq(n->value, k * 100000 + i);
		ck_assert_int_eq(i, -1);
	}
	ck_assert_int_eq(warn_calls, 0);
}
END_TEST

/* ---- leak mode ---- */

static void leak_setup(void)
{
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 0);
	GC_set_find_leak(1);
	GC_init();
	capture_reset();
}

static int leak_line, freed_line, live_line;
static void *volatile leak_live;

static NOINLINE void make_leaks(void)
{
	void *p;
	p = GC_MALLOC(24); leak_line = __LINE__;
	p = GC_MALLOC(24); freed_line = __LINE__;
	GC_FREE(p);
	leak_live = GC_MALLOC(24); live_line = __LINE__;
	(void)GC_malloc(48); /* a plain leak: no site */
}

START_TEST(test_leak_reported_once)
{
	ck_assert_int_eq(GC_get_find_leak(), 1);
	make_leaks();
	sgc_test_collect();
	ck_assert_int_eq(occurrences("leaked object"), 2);
	ck_assert_int_eq(occurrences(site_of(leak_line)), 1);
	ck_assert_int_eq(occurrences(site_of(freed_line)), 0);
	ck_assert_int_eq(occurrences(site_of(live_line)), 0);
	ck_assert_int_eq(occurrences("allocated without a site"), 1);
	ck_assert_int_eq(occurrences("call chain at allocation:"), 1);
	sgc_test_collect();
	sgc_test_collect();
	ck_assert_int_eq(occurrences("leaked object"), 2);
	/* Drop the live one: it is reported now, once. */
	leak_live = NULL;
	sgc_test_collect();
	ck_assert_int_eq(occurrences(site_of(live_line)), 1);
	sgc_test_collect();
	ck_assert_int_eq(occurrences("leaked object"), 3);
}
END_TEST

static void env_leak_setup(void)
{
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 0);
	setenv("GC_FIND_LEAK", "1", 1);
	GC_init();
	capture_reset();
}

static NOINLINE void plain_leak(void)
{
	(void)GC_malloc_atomic(100);
}

START_TEST(test_leak_env)
{
	ck_assert_int_eq(GC_get_find_leak(), 1);
	plain_leak();
	sgc_test_collect();
	ck_assert_int_eq(occurrences("leaked object"), 1);
	ck_assert_int_eq(occurrences("pointer-free"), 1);
}
END_TEST


/* ---- call chains ---- */

static NOINLINE void *chain_inner(size_t n)
{
	void *p = GC_MALLOC(n);
	__asm__ __volatile__("" ::: "memory");
	return p;
}

START_TEST(test_call_chain_in_smash)
{
	char *p = chain_inner(20);
	poke(p, 20, 'Z');
	GC_FREE(p);
	ck_assert_int_eq(occurrences("smashed object"), 1);
	ck_assert_int_eq(occurrences("call chain at allocation:"), 1);
	ck_assert_int_ge(occurrences("#0 0x"), 1);
	ck_assert_int_ge(occurrences("#1 0x"), 1);
	/* the frames are the caller's, symbolised into the test program */
	ck_assert_int_ge(occurrences("check_debug"), 2);
	ck_assert_int_eq(occurrences("\001"), 0);
}
END_TEST

/* ---- client kinds and gcj ---- */

static NOINLINE int hidden_live(uintptr_t h)
{
	void *p = sgc_test_reveal(h);
	return GC_base(p) == p;
}

/* A fresh plain object; its address hidden in *hidden. */
static NOINLINE void *plain_target(uintptr_t *hidden)
{
	void *t = GC_malloc(32);
	ck_assert_ptr_nonnull(t);
	*hidden = sgc_test_hide(t);
	return t;
}

struct vtable {
	void *clazz;
	GC_word descr;
};

/* 4-word objects: word 0 the vtable, words 1 and 3 pointers, word 2 not */
static struct vtable vt_precise = {
	NULL, (GC_word)1 << 62 | (GC_word)1 << 60 | GC_DS_BITMAP
};
static uintptr_t *volatile typed_root;
static int typed_line;

static NOINLINE void build_typed(uintptr_t *o, uintptr_t *hd)
{
	for (int i = 1; i < 4; i++)
		o[i] = (uintptr_t)plain_target(&hd[i - 1]);
	typed_root = o;
}

/* Contents survive, the descriptor is read at the client's words, and a
 * smash past the end is reported with the allocation site. */
static void check_typed_debug(uintptr_t *o, int line, int first_word)
{
	uintptr_t hd[3];
	ck_assert_ptr_eq(GC_base(o), (char *)o - GC_get_debug_header_size());
	uintptr_t w0 = o[0];
	build_typed(o, hd);
	o = NULL;
	for (int i = 0; i < 3; i++)
		sgc_test_collect();
	o = typed_root;
	ck_assert_uint_eq(o[0], w0);
	ck_assert(hidden_live(hd[0]));
	ck_assert(first_word || !hidden_live(hd[1]));
	ck_assert(hidden_live(hd[2]));
	ck_assert_uint_eq(o[1], ~hd[0]);
	ck_assert_uint_eq(o[3], ~hd[2]);
	ck_assert_int_eq(warn_calls, 0);
	poke(o, 4 * sizeof(void *), 'S');
	sgc_test_collect();
	ck_assert_int_eq(occurrences("GC Warning: collection: smashed object"),
			 1);
	ck_assert_int_eq(occurrences(site_of(line)), 1);
	ck_assert_int_eq(occurrences("call chain at allocation:"), 1);
	/* realloc keeps the kind and contents; free checks the guards */
	uintptr_t *q = GC_REALLOC(o, 6 * sizeof(void *));
	ck_assert_uint_eq(q[0], w0);
	ck_assert_uint_eq(q[1], ~hd[0]);
	ck_assert_int_eq(GC_get_kind_and_size(q, NULL),
			 GC_get_kind_and_size(o, NULL));
	typed_root = q;
	poke(q, -2, 'T');
	GC_FREE(q);
	ck_assert_int_eq(occurrences("smashed object"), 2);
	ck_assert_int_eq(occurrences("byte -2 (2 before the start)"), 1);
	typed_root = NULL;
	sgc_test_collect();
}

START_TEST(test_debug_gcj)
{
	GC_init_gcj_malloc(GC_GCJ_RESERVED_MARK_PROC_INDEX, NULL);
	uintptr_t *o = GC_GCJ_MALLOC(4 * sizeof(void *), &vt_precise);
	typed_line = __LINE__ - 1;
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_eq((void *)o[0], &vt_precise);
	ck_assert_int_eq(GC_get_kind_and_size(o, NULL), GC_gcj_debug_kind);
	ck_assert_int_ne(GC_gcj_debug_kind, GC_gcj_kind);
	check_typed_debug(o, typed_line, 0);
}
END_TEST

START_TEST(test_debug_client_kind)
{
	/* words 1 and 3 of each object hold pointers */
	int k = (int)GC_new_kind(GC_new_free_list(),
				 (GC_word)1 << 62 | (GC_word)1 << 60 |
					 GC_DS_BITMAP,
				 0, 1);
	uintptr_t *o = GC_debug_generic_or_special_malloc(
		4 * sizeof(void *), k, __FILE__, __LINE__);
	typed_line = __LINE__ - 1;
	ck_assert_ptr_nonnull(o);
	o[0] = 12345;
	check_typed_debug(o, typed_line, 0);
}
END_TEST

/* A kind scanned whole: every word of the client's bytes counts. */
START_TEST(test_debug_client_kind_whole)
{
	int k = (int)GC_new_kind(GC_new_free_list(), GC_DS_LENGTH, 1, 1);
	uintptr_t *o = GC_debug_generic_or_special_malloc(
		4 * sizeof(void *), k, __FILE__, __LINE__);
	typed_line = __LINE__ - 1;
	ck_assert_ptr_nonnull(o);
	check_typed_debug(o, typed_line, 1);
}
END_TEST

static Suite *debug_suite(void)
{
	Suite *s = suite_create("debug");
	TCase *tc = tcase_create("debug");
	tcase_add_checked_fixture(tc, setup, sgc_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_header_size);
	tcase_add_test(tc, test_smash_past_end_on_free);
	tcase_add_test(tc, test_smash_before_start_on_free);
	tcase_add_test(tc, test_smash_found_by_collection_once);
	tcase_add_test(tc, test_double_free_reported);
	tcase_add_test(tc, test_write_after_free_reported);
	tcase_add_test(tc, test_debug_free_of_plain_object);
	tcase_add_test_raise_signal(tc, test_plain_free_of_debug_object_aborts,
				    SIGABRT);
	tcase_add_test_raise_signal(tc, test_debug_free_foreign_aborts,
				    SIGABRT);
	tcase_add_test(tc, test_realloc_keeps_contents);
	tcase_add_test(tc, test_all_calls);
	tcase_add_test(tc, test_debug_finalizer_sees_client_pointer);
	tcase_add_test(tc, test_debug_and_plain_mix);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_call_chain_in_smash);
	tcase_add_test(tc, test_debug_gcj);
	tcase_add_test(tc, test_debug_client_kind);
	tcase_add_test(tc, test_debug_client_kind_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("leak");
	tcase_add_checked_fixture(tc, leak_setup, sgc_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_leak_reported_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("leak_env");
	tcase_add_checked_fixture(tc, env_leak_setup, sgc_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_leak_env);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(debug_suite());
}
