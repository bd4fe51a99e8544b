/*
 * check_kinds.c: white-box tests of src/kinds.[ch] and the mark side of
 * client kinds in src/mark.c: descriptors of every form, mark procedures
 * (with tagged pointers the conservative scan cannot see), the push
 * calls, batch allocation and the inline-allocation macros.
 *
 * Objects that must die are reachable only through hidden pointers or
 * words the collector is told not to read; their death is seen through
 * GC_base (NULL once the sweep has reclaimed them), with no allocation
 * between the collection and the check.
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "testutil.h"
#include <gc/gc_mark.h>
#include <gc/gc_inline.h>
#include "kinds.h"
#include "mark.h"

static SGC_NOINLINE int hidden_live(uintptr_t h)
{
	void *p = sgc_test_reveal(h);
	return GC_base(p) == p;
}

/* ---- A kind whose objects hold tagged pointers ---- */

/* A cell: n slots, each 0 or (pointer | TAG) ^ KEY: never a pointer to
 * the conservative eye. */
#define TAG 1
#define KEY ((uintptr_t)0x5a5a000000000000)
#define CELL_SLOTS 4

struct cell {
	uintptr_t n;
	uintptr_t slot[CELL_SLOTS];
	uintptr_t payload;
};

static unsigned cell_kind;
static sgc_atomic_word cell_marks;     /* calls of the mark procedure */
static sgc_atomic_word cell_unmarked;  /* calls on an unmarked object */
static sgc_atomic_word cell_off_main;  /* calls on another thread */
static pthread_t main_thread;

static uintptr_t tag(const void *p)
{
	return p ? ((uintptr_t)p | TAG) ^ KEY : 0;
}

static void *untag(uintptr_t w)
{
	return w ? (void *)((w ^ KEY) & ~(uintptr_t)TAG) : NULL;
}

static struct GC_ms_entry *cell_mark(GC_word *addr, struct GC_ms_entry *msp,
				     struct GC_ms_entry *msl, GC_word env)
{
	struct cell *c = (struct cell *)addr;
	sgc_fetch_add(&cell_marks, 1);
	if (env != 7)
		sgc_fetch_add(&cell_unmarked, 1000000); /* wrong env */
	if (!GC_is_marked(c))
		sgc_fetch_add(&cell_unmarked, 1);
	if (!pthread_equal(pthread_self(), main_thread))
		sgc_fetch_add(&cell_off_main, 1);
	for (uintptr_t i = 0; i < c->n && i < CELL_SLOTS; i++) {
		void *p = untag(c->slot[i]);
		msp = GC_MARK_AND_PUSH(p, msp, msl, (void **)&c->slot[i]);
	}
	return msp;
}

static void cell_setup(void)
{
	sgc_test_setup();
	main_thread = pthread_self();
	unsigned proc = GC_new_proc(cell_mark);
	ck_assert_uint_ge(proc, GC_RESERVED_MARK_PROCS);
	cell_kind = GC_new_kind(GC_new_free_list(), GC_MAKE_PROC(proc, 7), 0,
				1);
	ck_assert_uint_ge(cell_kind, 4);
	sgc_test_pad = GC_malloc(16);
}

static struct cell *new_cell(uintptr_t payload)
{
	struct cell *c = GC_generic_malloc(sizeof *c, (int)cell_kind);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < CELL_SLOTS; i++)
		ck_assert_uint_eq(c->slot[i], 0);
	c->payload = payload;
	return c;
}

static void cell_add(struct cell *c, const void *p)
{
	c->slot[c->n++] = tag(p);
}

static struct cell *volatile g_root;
static uintptr_t h[16];

/* root -> a (cell) -> { b (normal), c (cell) -> d (atomic) };
 * e (cell) -> f (normal), e unreachable;
 * g (normal) reachable only through a tagged word in a normal object. */
static SGC_NOINLINE void build_cells(void)
{
	struct cell *a = new_cell(1), *c = new_cell(3), *e = new_cell(5);
	uintptr_t *b = GC_malloc(32), *d = GC_malloc_atomic(32);
	uintptr_t *f = GC_malloc(32), *g = GC_malloc(32);
	uintptr_t *holder = GC_malloc(32);
	b[0] = 2;
	d[0] = 4;
	f[0] = 6;
	g[0] = 7;
	cell_add(a, b);
	cell_add(a, c);
	cell_add(c, d);
	cell_add(e, f);
	holder[0] = tag(g);
	a->slot[CELL_SLOTS - 1] = tag(holder);
	a->n = CELL_SLOTS;
	h[0] = sgc_test_hide(a);
	h[1] = sgc_test_hide(b);
	h[2] = sgc_test_hide(c);
	h[3] = sgc_test_hide(d);
	h[4] = sgc_test_hide(e);
	h[5] = sgc_test_hide(f);
	h[6] = sgc_test_hide(g);
	h[7] = sgc_test_hide(holder);
	g_root = a;
}

static SGC_NOINLINE void check_cells(void)
{
	ck_assert(hidden_live(h[0]));
	ck_assert(hidden_live(h[1]));
	ck_assert(hidden_live(h[2]));
	ck_assert(hidden_live(h[3]));
	ck_assert(hidden_live(h[7]));
	ck_assert(!hidden_live(h[4]));
	ck_assert(!hidden_live(h[5]));
	ck_assert(!hidden_live(h[6]));
	struct cell *a = g_root;
	ck_assert_uint_eq(a->payload, 1);
	ck_assert_uint_eq(*(uintptr_t *)untag(a->slot[0]), 2);
	struct cell *c = untag(a->slot[1]);
	ck_assert_uint_eq(c->payload, 3);
	ck_assert_uint_eq(*(uintptr_t *)untag(c->slot[0]), 4);
}

START_TEST(test_tagged_mark_proc)
{
	build_cells();
	for (int cycle = 0; cycle < 3; cycle++) {
		sgc_test_collect();
		check_cells();
	}
	ck_assert_uint_ge(sgc_load_relaxed(&cell_marks), 6);
	ck_assert_uint_eq(sgc_load_relaxed(&cell_unmarked), 0);
	g_root = NULL;
	sgc_test_collect();
	ck_assert(!hidden_live(h[0]));
	ck_assert(!hidden_live(h[3]));
}
END_TEST

/* A long chain of cells, many cycles, half dropped each time. */
#define CHAIN 20000

static struct cell *volatile g_chain[2];

static SGC_NOINLINE void build_chain(int which, size_t n)
{
	struct cell *head = NULL;
	for (size_t i = 0; i < n; i++) {
		struct cell *c = new_cell(i);
		uintptr_t *leaf = GC_malloc_atomic(16);
		ck_assert_ptr_nonnull(leaf);
		leaf[0] = i * 3;
		cell_add(c, head);
		cell_add(c, leaf);
		head = c;
	}
	g_chain[which] = head;
}

/* Drop chain which; the hidden address of its head. */
static SGC_NOINLINE uintptr_t drop_chain(int which)
{
	uintptr_t dead = sgc_test_hide(g_chain[which]);
	g_chain[which] = NULL;
	return dead;
}

static SGC_NOINLINE size_t check_chain(int which, size_t n)
{
	size_t k = 0;
	for (struct cell *c = g_chain[which]; c; c = untag(c->slot[0]), k++) {
		if (c->payload != n - 1 - k)
			ck_abort_msg("cell %zu holds %lu", k,
				     (unsigned long)c->payload);
		uintptr_t *leaf = untag(c->slot[1]);
		if (leaf[0] != c->payload * 3 || GC_base(leaf) != leaf)
			ck_abort_msg("leaf of cell %zu lost", k);
	}
	return k;
}

START_TEST(test_tagged_chain_cycles)
{
	for (int round = 0; round < 4; round++) {
		build_chain(round & 1, CHAIN);
		sgc_test_collect();
		ck_assert_uint_eq(check_chain(round & 1, CHAIN), CHAIN);
		uintptr_t dead = drop_chain(round & 1);
		sgc_test_collect();
		ck_assert(!hidden_live(dead));
		ck_assert_int_eq(sgc_verify_heap(), 0);
	}
}
END_TEST

/* A binary tree of cells (slots: left, right, leaf), wide enough for the
 * markers to share: the mark procedure runs on whichever marker pops a
 * cell. */
#define TREE_DEPTH 17

static struct cell *volatile g_tree;

static SGC_NOINLINE struct cell *build_tree(int depth, uintptr_t *next)
{
	if (depth == 0)
		return NULL;
	struct cell *c = new_cell((*next)++);
	uintptr_t *leaf = GC_malloc_atomic(16);
	ck_assert_ptr_nonnull(leaf);
	leaf[0] = c->payload * 3;
	cell_add(c, build_tree(depth - 1, next));
	cell_add(c, build_tree(depth - 1, next));
	cell_add(c, leaf);
	return c;
}

static SGC_NOINLINE size_t check_tree(const struct cell *c)
{
	if (!c)
		return 0;
	uintptr_t *leaf = untag(c->slot[2]);
	if (leaf[0] != c->payload * 3 || GC_base(leaf) != leaf)
		ck_abort_msg("leaf of tree cell %lu lost",
			     (unsigned long)c->payload);
	return 1 + check_tree(untag(c->slot[0])) +
	       check_tree(untag(c->slot[1]));
}

/* Cut the tree's right half off; its root, hidden. */
static SGC_NOINLINE uintptr_t cut_tree(void)
{
	struct cell *right = untag(g_tree->slot[1]);
	g_tree->slot[1] = 0;
	return sgc_test_hide(right);
}

START_TEST(test_mark_proc_parallel)
{
	uintptr_t next = 0;
	sgc_mark_set_markers(2);
	GC_start_mark_threads();
	g_tree = build_tree(TREE_DEPTH, &next);
	for (int cycle = 0; cycle < 3; cycle++) {
		sgc_test_collect();
		ck_assert_uint_eq(check_tree(g_tree), next);
	}
	/* the helper joined (whether it got work is up to the scheduler) */
	ck_assert_uint_eq(sgc_mark_last_markers(), 2);
	ck_assert_uint_eq(sgc_load_relaxed(&cell_unmarked), 0);
	if (getenv("SGC_TEST_FIGURES"))
		fprintf(stderr, "mark procedure calls: %lu, on the helper: %lu\n",
			(unsigned long)sgc_load_relaxed(&cell_marks),
			(unsigned long)sgc_load_relaxed(&cell_off_main));
	uintptr_t dead = cut_tree();
	sgc_test_collect();
	ck_assert(!hidden_live(dead));
	ck_assert_uint_eq(check_tree(g_tree), next / 2 + 1);
}
END_TEST

/* ---- Descriptor forms ---- */

/* Objects of 6 words; words hold pointers to fresh normal objects; each
 * kind reads some of them.  Returns which of the six targets survive as
 * a bit mask. */
static SGC_NOINLINE void fill6(uintptr_t *o, uintptr_t *hidden, int from)
{
	for (int i = from; i < 6; i++) {
		uintptr_t *t = GC_malloc(16);
		ck_assert_ptr_nonnull(t);
		t[0] = (uintptr_t)i;
		o[i] = (uintptr_t)t;
		hidden[i] = sgc_test_hide(t);
	}
}

static void *volatile g_obj;

static SGC_NOINLINE unsigned survivors(const uintptr_t *hidden, int from)
{
	unsigned m = 0;
	for (int i = from; i < 6; i++)
		m |= (unsigned)hidden_live(hidden[i]) << i;
	return m;
}

static SGC_NOINLINE unsigned run_kind(GC_word descr, int adjust, int from,
				      void (*prep)(uintptr_t *))
{
	uintptr_t hidden[6] = { 0 };
	unsigned k = GC_new_kind(GC_new_free_list(), descr, adjust, 0);
	uintptr_t *o = GC_generic_malloc(6 * sizeof(uintptr_t), (int)k);
	ck_assert_ptr_nonnull(o);
	size_t size;
	ck_assert_int_eq(GC_get_kind_and_size(o, &size), (int)k);
	ck_assert_uint_ge(size, 6 * sizeof(uintptr_t));
	if (prep)
		prep(o);
	fill6(o, hidden, from);
	g_obj = o;
	sgc_test_collect();
	sgc_test_collect();
	ck_assert_ptr_eq(GC_base(g_obj), g_obj);
	unsigned m = survivors(hidden, from);
	g_obj = NULL;
	return m;
}

/* A type structure for indirect per-object descriptors: the descriptor
 * sits GC_INDIR_PER_OBJ_BIAS + 8 bytes before where the kind says. */
static GC_word type_struct[4];

static void prep_direct(uintptr_t *o)
{
	/* descriptor in word 1: a bitmap of words 3 and 5 */
	o[1] = ((GC_word)1 << 60 | (GC_word)1 << 58) | GC_DS_BITMAP;
}

static void prep_indirect(uintptr_t *o)
{
	o[0] = (uintptr_t)type_struct;
}

START_TEST(test_descriptor_forms)
{
	/* nothing */
	ck_assert_uint_eq(run_kind(0, 0, 0, NULL), 0);
	/* whole object */
	ck_assert_uint_eq(run_kind(0 | GC_DS_LENGTH, 1, 0, NULL), 0x3f);
	/* the first 16 bytes */
	ck_assert_uint_eq(run_kind(16 | GC_DS_LENGTH, 0, 0, NULL), 0x3);
	/* all but the last 48 bytes of 64 (48 + the extra byte, rounded) */
	ck_assert_uint_eq(run_kind((GC_word)-48 | GC_DS_LENGTH, 1, 0, NULL),
			  0x3);
	/* a bitmap of words 0, 2 and 5 */
	ck_assert_uint_eq(run_kind((GC_word)1 << 63 | (GC_word)1 << 61 |
				   (GC_word)1 << 58 | GC_DS_BITMAP, 0, 0, NULL),
			  0x25);
	/* per object, at byte 8 of the object */
	ck_assert_uint_eq(run_kind(8 | GC_DS_PER_OBJECT, 0, 2, prep_direct),
			  0x28);
	/* per object, through the type the first word points to, whose
	 * word 2 holds a bitmap of words 1 and 4 */
	type_struct[2] = ((GC_word)1 << 62 | (GC_word)1 << 59) | GC_DS_BITMAP;
	ck_assert_uint_eq(run_kind((GC_word)-(GC_signed_word)(16 +
				    GC_INDIR_PER_OBJ_BIAS) | GC_DS_PER_OBJECT,
				   0, 1, prep_indirect), 0x12);
}
END_TEST

/* ---- Roots pushed by the client ---- */

static uintptr_t *other_buf;      /* outside the heap: malloc */
static uintptr_t *eager_buf;
static GC_push_other_roots_proc old_push;
static sgc_atomic_word pushes;

static void GC_CALLBACK push_mine(void)
{
	sgc_fetch_add(&pushes, 1);
	GC_push_all(other_buf, other_buf + 4);
	GC_push_conditional(other_buf + 4, other_buf + 8, 0);
	GC_push_all_eager(eager_buf, eager_buf + 4);
	if (old_push)
		old_push();
}

static SGC_NOINLINE void fill_bufs(uintptr_t *hd)
{
	for (int i = 0; i < 3; i++) {
		void *p = GC_malloc(64);
		ck_assert_ptr_nonnull(p);
		hd[i] = sgc_test_hide(p);
	}
	other_buf[1] = ~hd[0];
	other_buf[5] = ~hd[1];
	eager_buf[2] = ~hd[2];
}

START_TEST(test_push_other_roots)
{
	uintptr_t hd[3];
	other_buf = calloc(8, sizeof *other_buf);
	eager_buf = calloc(4, sizeof *eager_buf);
	ck_assert_ptr_nonnull(GC_get_push_other_roots());
	old_push = GC_push_other_roots;
	GC_push_other_roots = push_mine; /* assigned directly, as clients do */
	ck_assert_ptr_eq(GC_get_push_other_roots(), push_mine);
	fill_bufs(hd);
	sgc_test_collect();
	sgc_test_collect();
	ck_assert(hidden_live(hd[0]));
	ck_assert(hidden_live(hd[1]));
	ck_assert(hidden_live(hd[2]));
	ck_assert_uint_ge(sgc_load_relaxed(&pushes), 2);
	GC_set_push_other_roots(old_push);
	sgc_test_collect();
	ck_assert(!hidden_live(hd[0]));
	ck_assert(!hidden_live(hd[1]));
	ck_assert(!hidden_live(hd[2]));
	free(other_buf);
	free(eager_buf);
}
END_TEST

/* ---- Generic allocation and queries ---- */

static size_t counted;
static size_t counted_bytes;

static void GC_CALLBACK count_cells(void *obj, size_t bytes, void *cd)
{
	size_t k;
	if (GC_get_kind_and_size(obj, &k) == *(int *)cd) {
		counted++;
		counted_bytes += bytes;
	}
}

static void *GC_CALLBACK enumerate(void *cd)
{
	GC_enumerate_reachable_objects_inner(count_cells, cd);
	return NULL;
}

START_TEST(test_generic_calls)
{
	void *p = GC_generic_malloc(100, 1);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 1);
	p = GC_generic_malloc_ignore_off_page(100000, 0);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 0);
	p = GC_generic_malloc_uncollectable(40, 1);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 2);
	GC_free(p);
	p = GC_generic_malloc_uncollectable(40, 0);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 3);
	GC_free(p);
	p = GC_generic_or_special_malloc(40, 2);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 2);
	GC_free(p);
	p = GC_malloc_kind(24, (int)cell_kind);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), (int)cell_kind);
	p = GC_malloc_kind_global(24, 1);
	ck_assert_int_eq(GC_get_kind_and_size(p, NULL), 1);
	p = NULL;
	build_chain(0, 1000);
	sgc_test_collect();
	int k = (int)cell_kind;
	GC_call_with_alloc_lock(enumerate, &k);
	ck_assert_uint_ge(counted, 1000);
	ck_assert_uint_eq(counted_bytes, counted * GC_size(g_chain[0]));
	GC_register_describe_type_fn(k, NULL);
}
END_TEST

START_TEST(test_bad_kind_aborts)
{
	GC_generic_malloc(16, 23);
}
END_TEST

START_TEST(test_mark_and_push_outside_mark_aborts)
{
	GC_mark_and_push(GC_malloc(8), NULL, NULL, NULL);
}
END_TEST

/* ---- Batch and inline allocation ---- */

static void *volatile g_many;

static SGC_NOINLINE size_t take_many(size_t lb, uintptr_t *first_hidden)
{
	void *l = GC_malloc_many(lb);
	ck_assert_ptr_nonnull(l);
	size_t n = 0;
	for (void *p = l; p; p = GC_NEXT(p), n++) {
		ck_assert_uint_ge(GC_size(p), lb);
		for (size_t w = 1; w < lb / sizeof(void *); w++)
			ck_assert_uint_eq(((uintptr_t *)p)[w], 0);
		((uintptr_t *)p)[1] = n + 100;
	}
	*first_hidden = sgc_test_hide(l);
	g_many = l;
	return n;
}

START_TEST(test_malloc_many)
{
	uintptr_t first;
	size_t n = take_many(48, &first);
	ck_assert_uint_gt(n, 1);
	sgc_test_collect();
	size_t k = 0;
	for (void *p = g_many; p; p = GC_NEXT(p), k++) {
		ck_assert_ptr_eq(GC_base(p), p);
		ck_assert_uint_eq(((uintptr_t *)p)[1], k + 100);
	}
	ck_assert_uint_eq(k, n);
	g_many = NULL;
	sgc_test_collect();
	ck_assert(!hidden_live(first));

	/* the generic form, any kind, and a large size */
	void *l = NULL;
	GC_generic_malloc_many(64, (int)cell_kind, &l);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(GC_get_kind_and_size(l, NULL), (int)cell_kind);
	GC_generic_malloc_many(100000, 1, &l);
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_null(GC_NEXT(l));
	ck_assert_uint_ge(GC_size(l), 100000);
}
END_TEST

static void *tiny_fl[GC_TINY_FREELISTS];
static void *tiny_atomic_fl[GC_TINY_FREELISTS];

struct pair {
	struct pair *car;
	void *cdr;
};

static struct pair *volatile g_pairs;

static SGC_NOINLINE void cons_list(size_t n)
{
	struct pair *l = NULL;
	for (size_t i = 0; i < n; i++) {
		void *r;
		GC_CONS(r, l, (void *)(uintptr_t)(i * 2 + 1), tiny_fl);
		ck_assert_ptr_nonnull(r);
		l = r;
	}
	g_pairs = l;
}

static SGC_NOINLINE size_t check_pairs(void)
{
	size_t k = 0;
	for (struct pair *x = g_pairs; x; x = x->car, k++)
		ck_assert_uint_eq((uintptr_t)x->cdr, (50000 - 1 - k) * 2 + 1);
	return k;
}

static SGC_NOINLINE uintptr_t drop_pairs(void)
{
	uintptr_t dead = sgc_test_hide(g_pairs);
	g_pairs = NULL;
	memset(tiny_fl, 0, sizeof tiny_fl);
	return dead;
}

START_TEST(test_inline_macros)
{
	void *p, *q;
	GC_MALLOC_WORDS(p, 3, tiny_fl);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ge(GC_size(p), 3 * sizeof(void *));
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_null(((void **)p)[i]);
	GC_MALLOC_ATOMIC_WORDS(q, 5, tiny_atomic_fl);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(GC_get_kind_and_size(q, NULL), GC_I_PTRFREE);
	GC_MALLOC_WORDS(p, 1000, tiny_fl); /* too large: the default path */
	ck_assert_uint_ge(GC_size(p), 1000 * sizeof(void *));
	/* A counter below num_direct allocates directly and counts. */
	void *direct_fl[GC_TINY_FREELISTS];
	for (int i = 0; i < GC_TINY_FREELISTS; i++)
		direct_fl[i] = (void *)1;
	GC_FAST_MALLOC_GRANS(p, 2, direct_fl, 5, GC_I_NORMAL,
			     GC_malloc(32), (void)0);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(direct_fl[2], (void *)4);

	cons_list(50000);
	sgc_test_collect();
	ck_assert_uint_eq(check_pairs(), 50000);
	uintptr_t dead = drop_pairs();
	sgc_test_collect();
	ck_assert(!hidden_live(dead));
}
END_TEST


/* ---- Displacements and pointer checks ---- */

static void *volatile g_disp[4];

/* Objects held at +0, +16 (registered), +24 (not) and, large, +16. */
static SGC_NOINLINE void build_displaced(uintptr_t *hd)
{
	char *a = GC_malloc(64), *b = GC_malloc(64), *c = GC_malloc(64);
	char *d = GC_malloc(100000);
	ck_assert(a && b && c && d);
	g_disp[0] = a;
	g_disp[1] = b + 16;
	g_disp[2] = c + 24;
	g_disp[3] = d + 16;
	hd[0] = sgc_test_hide(a);
	hd[1] = sgc_test_hide(b);
	hd[2] = sgc_test_hide(c);
	hd[3] = sgc_test_hide(d);
}

static void interior_off_setup(void)
{
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 0);
	GC_set_all_interior_pointers(0);
	GC_init();
	sgc_test_pad = GC_malloc(16);
}

START_TEST(test_displacements)
{
	uintptr_t hd[4];
	ck_assert_int_eq(GC_get_all_interior_pointers(), 0);
	GC_REGISTER_DISPLACEMENT(16);
	build_displaced(hd);
	sgc_test_collect();
	sgc_test_collect();
	ck_assert(hidden_live(hd[0]));
	ck_assert(hidden_live(hd[1]));
	ck_assert(!hidden_live(hd[2]));
	ck_assert(hidden_live(hd[3]));
	/* registering it later keeps the next ones */
	GC_register_displacement(24);
	GC_debug_register_displacement(40);
	build_displaced(hd);
	sgc_test_collect();
	ck_assert(hidden_live(hd[2]));
}
END_TEST

START_TEST(test_displacement_too_large_aborts)
{
	GC_register_displacement(SGC_MAX_DISPLACEMENT);
}
END_TEST

static int fails_same, fails_disp, fails_visible;
static void GC_CALLBACK same_fail(void *p, void *q)
{
	(void)p;
	(void)q;
	fails_same++;
}
static void GC_CALLBACK disp_fail(void *p)
{
	(void)p;
	fails_disp++;
}
static void GC_CALLBACK visible_fail(void *p)
{
	(void)p;
	fails_visible++;
}

static void *volatile g_static_word;

START_TEST(test_pointer_checks)
{
	GC_same_obj_print_proc = same_fail;
	GC_is_valid_displacement_print_proc = disp_fail;
	GC_is_visible_print_proc = visible_fail;
	char *a = GC_malloc(64), *b = GC_malloc(64);
	void **n = GC_malloc(4 * sizeof(void *));
	void **at = GC_malloc_atomic(4 * sizeof(void *));
	static char outside[64];

	ck_assert_ptr_eq(GC_same_obj(a + 10, a), a + 10);
	ck_assert_int_eq(fails_same, 0);
	GC_same_obj(a, b);
	ck_assert_int_eq(fails_same, 1);
	GC_same_obj(outside + 1, outside); /* neither in the heap */
	ck_assert_int_eq(fails_same, 1);
	GC_same_obj(outside, a);
	ck_assert_int_eq(fails_same, 2);

	char *p = a;
	ck_assert_ptr_eq(GC_pre_incr((void **)&p, 8), a + 8);
	ck_assert_ptr_eq(p, a + 8);
	ck_assert_ptr_eq(GC_post_incr((void **)&p, 8), a + 8);
	ck_assert_ptr_eq(p, a + 16);
	GC_pre_incr((void **)&p, 4096); /* out of the object */
	ck_assert_int_eq(fails_same, 3);

	/* interior pointers on: any interior pointer is valid */
	GC_is_valid_displacement(a + 24);
	GC_is_valid_displacement(outside);
	ck_assert_int_eq(fails_disp, 0);

	ck_assert_ptr_eq(GC_is_visible(n + 1), n + 1);
	GC_is_visible((void *)&g_static_word);
	void *local = NULL;
	GC_is_visible(&local);
	ck_assert_int_eq(fails_visible, 0);
	GC_is_visible(at + 1);
	ck_assert_int_eq(fails_visible, 1);
	GC_is_visible((char *)n + 1); /* unaligned */
	ck_assert_int_eq(fails_visible, 2);
	void **m = malloc(16);
	GC_is_visible(m);
	ck_assert_int_eq(fails_visible, 3);
	free(m);
	(void)local;
}
END_TEST

START_TEST(test_pointer_checks_interior_off)
{
	GC_is_valid_displacement_print_proc = disp_fail;
	char *a = GC_malloc(64);
	GC_is_valid_displacement(a);
	ck_assert_int_eq(fails_disp, 0);
	GC_is_valid_displacement(a + 24);
	ck_assert_int_eq(fails_disp, 1);
	GC_register_displacement(24);
	GC_is_valid_displacement(a + 24);
	ck_assert_int_eq(fails_disp, 1);
}
END_TEST

START_TEST(test_same_obj_default_aborts)
{
	GC_same_obj(GC_malloc(16), GC_malloc(16));
}
END_TEST

Suite *make_kinds_suite(void);

Suite *make_kinds_suite(void)
{
	Suite *s = suite_create("kinds");
	TCase *tc = tcase_create("mark_proc");
	tcase_add_checked_fixture(tc, cell_setup, sgc_test_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_tagged_mark_proc);
	tcase_add_test(tc, test_tagged_chain_cycles);
	tcase_add_test(tc, test_mark_proc_parallel);
	tcase_add_test(tc, test_generic_calls);
	tcase_add_test_raise_signal(tc, test_bad_kind_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_mark_and_push_outside_mark_aborts,
				    SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("descriptors");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_descriptor_forms);
	tcase_add_test(tc, test_push_other_roots);
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_add_checked_fixture(tc, cell_setup, sgc_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_malloc_many);
	tcase_add_test(tc, test_inline_macros);
	suite_add_tcase(s, tc);

	tc = tcase_create("ptrcheck");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_pointer_checks);
	tcase_add_test_raise_signal(tc, test_same_obj_default_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	/* GC_set_all_interior_pointers must come before GC_init. */
	tc = tcase_create("displacements");
	tcase_add_checked_fixture(tc, interior_off_setup, sgc_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_displacements);
	tcase_add_test(tc, test_pointer_checks_interior_off);
	tcase_add_test_raise_signal(tc, test_displacement_too_large_aborts,
				    SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_kinds_suite());
}
