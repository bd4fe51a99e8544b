/*
 * check_backptr.c: why is an object alive (gc_backptr.h, src/backptr.c).
 *
 * An object held through three debug objects from a static root: the
 * report names the object, the three holders with their sites and the
 * offsets of the references, and the root.
 */
#define GC_DEBUG
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <gc/gc.h>
#include <gc/gc_backptr.h>
#include <gc/gc_mark.h>
#include "testutil.h"

#define NOINLINE __attribute__((noinline))

struct holder {
	long tag;
	void *next;
};

/* Global, so that its name is in the dynamic symbol table. */
struct holder *backptr_test_root;

static int line_a, line_b, line_c, line_t;
static uintptr_t hidden_t, hidden_c;

static NOINLINE void build(void)
{
	struct holder *a = GC_MALLOC(sizeof *a); line_a = __LINE__;
	struct holder *b = GC_MALLOC(sizeof *b); line_b = __LINE__;
	struct holder *c = GC_MALLOC(sizeof *c); line_c = __LINE__;
	char *t = GC_MALLOC_ATOMIC(40); line_t = __LINE__;
	a->next = b;
	b->next = c;
	c->next = t;
	backptr_test_root = a;
	hidden_t = sgc_test_hide(t);
	hidden_c = sgc_test_hide(c);
}

/* The report GC_print_backtrace writes on stderr, into buf. */
static NOINLINE void print_backtrace_of(void *p, char *buf, size_t len)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	int saved = dup(2);
	dup2(fileno(f), 2);
	GC_print_backtrace(p);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	fputs(buf, stderr); /* shown in the test log */
}

static NOINLINE void print_backtrace_into(char *buf, size_t len)
{
	print_backtrace_of((void *)~hidden_t, buf, len);
}

static int contains(const char *buf, const char *fmt, int line)
{
	char needle[128];
	snprintf(needle, sizeof needle, fmt, line);
	return strstr(buf, needle) != NULL;
}

START_TEST(test_chain_of_three)
{
	static char buf[8192];
	build();
	sgc_test_clear_stack();
	print_backtrace_into(buf, sizeof buf);
	ck_assert_msg(strncmp(buf, "Why is 0x", 9) == 0, "%s", buf);
	ck_assert_msg(contains(buf, "check_backptr.c:%d alive?\n", line_t),
		      "%s", buf);
	/* The three holders, innermost first, each at offset 8. */
	char want[3][64];
	snprintf(want[0], 64, "check_backptr.c:%d\n", line_c);
	snprintf(want[1], 64, "check_backptr.c:%d\n", line_b);
	snprintf(want[2], 64, "check_backptr.c:%d\n", line_a);
	const char *at = buf;
	for (int i = 0; i < 3; i++) {
		const char *h = strstr(at, "  held at offset 8 of 0x");
		ck_assert_msg(h != NULL, "holder %d missing:\n%s", i, buf);
		const char *w = strstr(h, want[i]);
		ck_assert_msg(w != NULL, "holder %d: %s missing:\n%s", i,
			      want[i], buf);
		ck_assert_msg(strchr(h, '\n') == w + strlen(want[i]) - 1,
			      "holder %d out of order:\n%s", i, buf);
		at = w;
	}
	ck_assert_msg(strstr(at, "held by a root: static data or an added"
			     " root at 0x") != NULL, "%s", buf);
	ck_assert_msg(strstr(at, "backptr_test_root+0 in ") != NULL, "%s",
		      buf);
	/* the object's own call chain, under its description */
	ck_assert_msg(strstr(buf, "alive?\n    call chain at allocation:\n"
			     "        #0 0x") != NULL, "%s", buf);
}
END_TEST

START_TEST(test_back_ptr_info)
{
	void *base = NULL;
	size_t off = 99;
	build();
	sgc_test_clear_stack();
	ck_assert_int_eq(GC_get_back_ptr_info((void *)~hidden_t, &base, &off),
			 GC_REFD_FROM_HEAP);
	ck_assert_ptr_eq(base, (void *)~hidden_c);
	ck_assert_uint_eq(off, offsetof(struct holder, next));
	ck_assert_int_eq(GC_get_back_ptr_info(backptr_test_root, &base, &off),
			 GC_REFD_FROM_ROOT);
	ck_assert_ptr_eq(base, &backptr_test_root);
	ck_assert_uint_eq(off, 0);
	void *plain = GC_malloc(16);
	ck_assert_int_eq(GC_get_back_ptr_info(plain, &base, &off), GC_NO_SPACE);
	GC_reachable_here(plain);
}
END_TEST

START_TEST(test_random_addresses)
{
	build();
	for (int i = 0; i < 10; i++) {
		void *p = GC_generate_random_valid_address();
		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_nonnull(GC_base(p));
		void *h = GC_generate_random_heap_address();
		ck_assert_ptr_nonnull(h); /* maybe in free space */
	}
	GC_generate_random_backtrace();
}
END_TEST


/* ---- finalization ---- */

static int finalized;
static uintptr_t hidden_f, hidden_ft;
static int line_f;

static void GC_CALLBACK note_final(void *obj, void *cd)
{
	(void)obj;
	(void)cd;
	finalized++;
}

/* f (with a finalizer) -> t, neither reachable otherwise. */
static NOINLINE void build_finalizable(void)
{
	struct holder *f = GC_MALLOC(sizeof *f); line_f = __LINE__;
	char *t = GC_MALLOC_ATOMIC(24);
	f->next = t;
	GC_REGISTER_FINALIZER(f, note_final, NULL, NULL, NULL);
	hidden_f = sgc_test_hide(f);
	hidden_ft = sgc_test_hide(t);
}

/* GC_get_back_ptr_info on the object hidden as h answers want, with the
 * holder hidden as hb (0: none to check) at offset off; no address is
 * left in the caller's frame. */
static NOINLINE void expect_info(uintptr_t h, GC_ref_kind want, uintptr_t hb,
				 size_t off)
{
	void *base = NULL;
	size_t o = 99;
	ck_assert_int_eq(GC_get_back_ptr_info((void *)~h, &base, &o), want);
	if (hb) {
		ck_assert_uint_eq(sgc_test_hide(base), hb);
		ck_assert_uint_eq(o, off);
	}
	base = NULL;
	__asm__ __volatile__("" : : "r"(base) : "memory");
}

START_TEST(test_kept_for_finalization)
{
	static char buf[8192];
	GC_set_finalize_on_demand(1);
	build_finalizable();
	sgc_test_clear_stack();
	/* Before a collection: t waits for f's finalizer. */
	expect_info(hidden_ft, GC_FINALIZER_REFD, hidden_f,
		    offsetof(struct holder, next));
	sgc_test_clear_stack();
	print_backtrace_of((void *)~hidden_ft, buf, sizeof buf);
	ck_assert_msg(strstr(buf, "held by a root: kept for finalization of"
			     " 0x") != NULL, "%s", buf);
	ck_assert_msg(contains(buf, "check_backptr.c:%d (the word at offset"
			       " 8", line_f), "%s", buf);
	/* After one: f is queued, its finalizer not run (on demand). */
	sgc_test_collect();
	ck_assert_int_eq(finalized, 0);
	expect_info(hidden_f, GC_FINALIZER_REFD, 0, 0);
	sgc_test_clear_stack();
	print_backtrace_of((void *)~hidden_f, buf, sizeof buf);
	ck_assert_msg(strstr(buf, "held by a root: queued for finalization")
		      != NULL, "%s", buf);
	sgc_test_clear_stack();
	expect_info(hidden_ft, GC_REFD_FROM_HEAP, hidden_f,
		    offsetof(struct holder, next));
	ck_assert_int_eq(GC_invoke_finalizers(), 1);
}
END_TEST

/* ---- roots pushed by the client ---- */

static void **client_area; /* the C allocator's: not a root by itself */
static uintptr_t hidden_ct;

static void GC_CALLBACK push_area(void)
{
	GC_push_all(client_area, client_area + 2);
}

static NOINLINE void build_client_root(void)
{
	client_area = calloc(2, sizeof(void *));
	ck_assert_ptr_nonnull(client_area);
	char *t = GC_MALLOC_ATOMIC(24);
	client_area[1] = t;
	hidden_ct = sgc_test_hide(t);
}

START_TEST(test_client_root)
{
	static char buf[8192];
	build_client_root();
	sgc_test_clear_stack();
	GC_set_push_other_roots(push_area);
	expect_info(hidden_ct, GC_REFD_FROM_ROOT,
		    sgc_test_hide(&client_area[1]), 0);
	sgc_test_clear_stack();
	print_backtrace_of((void *)~hidden_ct, buf, sizeof buf);
	char want[128];
	snprintf(want, sizeof want, "held by a root: pushed by the client's"
		 " push_other_roots callback, the word at %p",
		 (void *)&client_area[1]);
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	sgc_test_collect();
	ck_assert_ptr_eq(GC_base((void *)~hidden_ct),
			 (char *)~hidden_ct - GC_get_debug_header_size());
	GC_set_push_other_roots(0);
}
END_TEST

static Suite *backptr_suite(void)
{
	Suite *s = suite_create("backptr");
	TCase *tc = tcase_create("backptr");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_chain_of_three);
	tcase_add_test(tc, test_back_ptr_info);
	tcase_add_test(tc, test_random_addresses);
	tcase_add_test(tc, test_kept_for_finalization);
	tcase_add_test(tc, test_client_root);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(backptr_suite());
}
