/*
 * check_mark.c: white-box tests of src/mark.[ch].
 *
 * Most tests run one cycle with sgc_collect() and no sweeping afterwards,
 * so the mark bits of the cycle can be read with sgc_mark_is_marked();
 * the others finish the cycle (GC_gcollect) and test survival through the
 * allocation state (GC_base is NULL for a reclaimed object).
 *
 * Objects that must die are reachable only through hidden pointers, and
 * the stack is scrubbed before each collection.  Every test first
 * allocates a pad object: the very first object of the heap sits at the
 * heap's base address, which the collector's own statics may hold (see
 * check_roots), so it is kept out of the objects under test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spangc.h>
#include "testutil.h"
#include "collect.h"
#include "heap.h"
#include "init.h"
#include "mark.h"
#include "os.h"
#include "span.h"
#include "sweep.h"

#define scrub_stack sgc_test_clear_stack

#define LIST_LEN 100000
#define TREE_DEPTH 17 /* 2^17 - 1 nodes */
#define WIDE 20000    /* children of the wide node: > 8192 pending */

struct node {
	struct node *next;
	uintptr_t val;
};

struct tnode {
	struct tnode *left, *right;
	uintptr_t val;
};

static struct node *volatile g_list;
static struct tnode *volatile g_tree;
static void *volatile g_holder;
static void *volatile g_holder2;
static volatile uintptr_t g_word;

#define mark_fixture sgc_test_pad_fixture

/* Mark state of the object whose base is p: 1 marked, 0 unmarked, -1 when
 * p is not an allocated object. */
static SGC_NOINLINE int mark_state(const void *p)
{
	struct sgc_obj o;
	if (!sgc_find_object((uintptr_t)p, 0, &o))
		return -1;
	return sgc_mark_is_marked(&o) != 0;
}

static SGC_NOINLINE int hidden_mark_state(uintptr_t h)
{
	return mark_state(sgc_test_reveal(h));
}

/* One cycle, unswept afterwards, from a scrubbed stack. */
static inline __attribute__((always_inline)) void collect_unswept(void)
{
	scrub_stack();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
}

static inline __attribute__((always_inline)) void collect_full(void)
{
	scrub_stack();
	GC_gcollect();
}

static SGC_NOINLINE int hidden_live(uintptr_t h)
{
	void *p = sgc_test_reveal(h);
	return GC_base(p) == p;
}

/* A list of n nodes holding n-1 .. 0, prepended one by one. */
static SGC_NOINLINE struct node *build_list(size_t n)
{
	struct node *head = NULL;
	for (size_t i = 0; i < n; i++) {
		struct node *x = GC_malloc(sizeof *x);
		if (!x)
			ck_abort_msg("GC_malloc failed at node %zu", i);
		x->next = head;
		x->val = i;
		head = x;
	}
	return head;
}

static SGC_NOINLINE void build_rooted_list(size_t n)
{
	g_list = NULL;
	for (size_t i = 0; i < n; i++) {
		struct node *x = GC_malloc(sizeof *x);
		if (!x)
			ck_abort_msg("GC_malloc failed at node %zu", i);
		x->next = g_list;
		x->val = i;
		g_list = x;
	}
}

static SGC_NOINLINE uintptr_t build_hidden_list(size_t n)
{
	return sgc_test_hide(build_list(n));
}

/* Walk the rooted list: count nodes that are marked (mode 0) or live
 * after sweeping (mode 1) with intact values; abort on the first bad one. */
static SGC_NOINLINE size_t check_list(struct node *head, size_t n, int mode)
{
	size_t k = 0;
	for (struct node *x = head; x; x = x->next, k++) {
		if (x->val != n - 1 - k)
			ck_abort_msg("node %zu holds %lu", k, (unsigned long)x->val);
		if (mode == 0 && mark_state(x) != 1)
			ck_abort_msg("node %zu of %zu not marked (state %d)", k, n,
				     mark_state(x));
		if (mode == 1 && GC_base(x) != x)
			ck_abort_msg("node %zu of %zu reclaimed", k, n);
	}
	return k;
}

START_TEST(test_long_list_marked)
{
	uintptr_t dead = build_hidden_list(1000);
	build_rooted_list(LIST_LEN);
	collect_unswept();
	ck_assert_uint_eq(check_list(g_list, LIST_LEN, 0), LIST_LEN);
	/* The unreachable list went through the same cycle unmarked. */
	size_t marked = 0, k = 0;
	for (struct node *x = sgc_test_reveal(dead); x; x = x->next, k++)
		marked += mark_state(x) == 1;
	ck_assert_uint_eq(k, 1000);
	ck_assert_uint_eq(marked, 0);
}
END_TEST

START_TEST(test_long_list_survives)
{
	build_rooted_list(LIST_LEN);
	collect_full();
	collect_full();
	ck_assert_uint_eq(check_list(g_list, LIST_LEN, 1), LIST_LEN);
}
END_TEST

static SGC_NOINLINE struct tnode *build_tree(int depth, uintptr_t *next)
{
	if (depth == 0)
		return NULL;
	struct tnode *t = GC_malloc(sizeof *t);
	if (!t)
		ck_abort_msg("GC_malloc failed in build_tree");
	t->val = (*next)++;
	t->left = build_tree(depth - 1, next);
	t->right = build_tree(depth - 1, next);
	return t;
}

/* Detach g_tree->right->left; returns it hidden. */
static SGC_NOINLINE uintptr_t cut_subtree(void)
{
	uintptr_t h = sgc_test_hide(g_tree->right->left);
	g_tree->right->left = NULL;
	return h;
}

/* Count nodes that are live with intact values. */
static SGC_NOINLINE size_t check_tree_live(const struct tnode *t)
{
	if (!t)
		return 0;
	if (GC_base((void *)t) != t)
		ck_abort_msg("tree node %lu reclaimed", (unsigned long)t->val);
	return 1 + check_tree_live(t->left) + check_tree_live(t->right);
}

/* Count nodes that are marked; abort on an unmarked one. */
static SGC_NOINLINE size_t check_tree(const struct tnode *t)
{
	if (!t)
		return 0;
	if (mark_state(t) != 1)
		ck_abort_msg("tree node %lu not marked", (unsigned long)t->val);
	return 1 + check_tree(t->left) + check_tree(t->right);
}

START_TEST(test_deep_tree_marked)
{
	uintptr_t next = 0;
	g_tree = build_tree(TREE_DEPTH, &next);
	ck_assert_uint_eq(next, ((size_t)1 << TREE_DEPTH) - 1);
	/* Cut one subtree off: it must stay unmarked. */
	uintptr_t cut = cut_subtree();
	collect_unswept();
	size_t n = check_tree(g_tree);
	ck_assert_uint_eq(n, ((size_t)1 << TREE_DEPTH) - 1 -
			  (((size_t)1 << (TREE_DEPTH - 2)) - 1));
	const struct tnode *c = sgc_test_reveal(cut);
	ck_assert_int_eq(mark_state(c), 0);
	ck_assert_int_eq(mark_state(c->left), 0);
	ck_assert_int_eq(mark_state(c->right->right), 0);
}
END_TEST

/* holder (of kind per atomic) holds the only pointer to a new object;
 * returns that object, hidden. */
static SGC_NOINLINE uintptr_t holder_with_target(int atomic,
						 void *volatile *root)
{
	void **h = atomic ? GC_malloc_atomic(64) : GC_malloc(64);
	ck_assert_ptr_nonnull(h);
	memset(h, 0, 64);
	void *t = GC_malloc(64);
	ck_assert_ptr_nonnull(t);
	h[3] = t;
	*root = h;
	return sgc_test_hide(t);
}

START_TEST(test_ptrfree_not_scanned)
{
	uintptr_t via_atomic = holder_with_target(1, &g_holder);
	uintptr_t via_normal = holder_with_target(0, &g_holder2);
	collect_unswept();
	ck_assert_int_eq(mark_state(g_holder), 1);
	ck_assert_int_eq(mark_state(g_holder2), 1);
	ck_assert_int_eq(hidden_mark_state(via_normal), 1);
	ck_assert_int_eq(hidden_mark_state(via_atomic), 0);
	sgc_sweep_finish();
	ck_assert(hidden_live(via_normal));
	ck_assert(!hidden_live(via_atomic));
}
END_TEST

/* A normal holder with a base pointer to x, a pointer 8 bytes into y, and
 * a pointer just past the requested end of z (64 bytes) and of w (a large
 * object of exactly 16 pages).  Returns x, y, z, w hidden. */
static SGC_NOINLINE void build_interior(uintptr_t out[4])
{
	void **h = GC_malloc(4 * sizeof(void *));
	char *x = GC_malloc(64), *y = GC_malloc(64), *z = GC_malloc(64);
	char *w = GC_malloc(16 * 8192);
	ck_assert(h && x && y && z && w);
	h[0] = x;
	h[1] = y + 8;
	h[2] = z + 64;
	h[3] = w + 16 * 8192;
	g_holder = h;
	out[0] = sgc_test_hide(x);
	out[1] = sgc_test_hide(y);
	out[2] = sgc_test_hide(z);
	out[3] = sgc_test_hide(w);
}

START_TEST(test_interior_on)
{
	uintptr_t o[4];
	ck_assert_int_eq(GC_get_all_interior_pointers(), 1);
	build_interior(o);
	collect_unswept();
	ck_assert_int_eq(hidden_mark_state(o[0]), 1);
	ck_assert_int_eq(hidden_mark_state(o[1]), 1);
	/* Just past the end: the extra byte keeps it inside the object. */
	ck_assert_int_eq(hidden_mark_state(o[2]), 1);
	ck_assert_int_eq(hidden_mark_state(o[3]), 1);
	sgc_sweep_finish();
	for (int i = 0; i < 4; i++)
		ck_assert_msg(hidden_live(o[i]), "object %d reclaimed", i);
}
END_TEST

START_TEST(test_interior_off)
{
	uintptr_t o[4];
	GC_set_all_interior_pointers(0);
	GC_init();
	sgc_test_pad = GC_malloc(16);
	ck_assert_int_eq(GC_get_all_interior_pointers(), 0);
	build_interior(o);
	collect_unswept();
	ck_assert_int_eq(hidden_mark_state(o[0]), 1);
	ck_assert_int_eq(hidden_mark_state(o[1]), 0);
	ck_assert_int_eq(hidden_mark_state(o[3]), 0);
	sgc_sweep_finish();
	ck_assert(hidden_live(o[0]));
	ck_assert(!hidden_live(o[1]));
	ck_assert(!hidden_live(o[3]));
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* Run f with fd 2 sent to a file; returns what was written (malloc'd). */
static char *capture_stderr(void (*f)(void))
{
	char path[] = "/tmp/check_mark_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	int saved = dup(2);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, 2), 2);
	f();
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)n, 0), n);
	close(fd);
	return buf;
}

/* A wide node: WIDE children, each holding a leaf: marking it pushes more
 * entries than one mark-stack segment holds. */
struct child {
	struct child *leaf;
	uintptr_t val;
};

static SGC_NOINLINE void build_wide_sized(size_t size)
{
	struct child **w = GC_malloc(WIDE * sizeof *w);
	ck_assert_ptr_nonnull(w);
	g_holder = w;
	for (size_t i = 0; i < WIDE; i++) {
		struct child *c = GC_malloc(size);
		struct child *l = GC_malloc(size);
		if (!c || !l)
			ck_abort_msg("GC_malloc failed at child %zu", i);
		l->val = ~i;
		c->val = i;
		c->leaf = l;
		w[i] = c;
	}
}

static void build_wide(void)
{
	build_wide_sized(sizeof(struct child));
}

static SGC_NOINLINE void check_wide(void)
{
	struct child **w = g_holder;
	for (size_t i = 0; i < WIDE; i++) {
		struct child *c = w[i];
		if (GC_base(c) != c || c->val != i)
			ck_abort_msg("child %zu lost", i);
		if (GC_base(c->leaf) != c->leaf || c->leaf->val != ~i)
			ck_abort_msg("leaf %zu lost", i);
	}
}

/* Build the wide node of children of size bytes, collect with a mark
 * stack of one segment, and check that the mark overflowed and that the
 * rescan lost nothing (garbage of the same size would reuse a lost slot). */
static void overflow_wide(size_t size)
{
	sgc_mark_segment_limit = 1;
	build_wide_sized(size);
	sgc_config.print_stats = 1;
	char *log = capture_stderr(collect_full);
	sgc_config.print_stats = 0;
	ck_assert_msg(strstr(log, "mark stack overflowed") != NULL,
		      "no overflow reported in: %s", log);
	free(log);
	check_wide();
	for (int i = 0; i < 2 * WIDE; i++)
		(void)GC_malloc(size);
	check_wide();
	ck_assert_int_eq(spangc_verify_heap(), 0);
}

/* With the span queue: objects of 512 bytes (511 asked, plus the extra
 * byte), 16 to a span, make WIDE / 8 spans grey at once.  A span queue
 * limited to 1024 spans pushes the objects of the others one by one, and
 * those overflow the mark stack. */
START_TEST(test_overflow_wide_spans)
{
	ck_assert(sgc_config.span_queue);
	GC_set_markers_count(1); /* one queue holds every grey span */
	sgc_mark_spanq_limit = 1024;
	uintptr_t refused = sgc_load_relaxed(&sgc_mark_spanq_refused);
	overflow_wide(511);
	ck_assert_uint_gt(sgc_load_relaxed(&sgc_mark_spanq_refused), refused);
}
END_TEST

/* Object by object, the wide node's children overflow the stack. */
START_TEST(test_overflow_wide)
{
	sgc_config.span_queue = 0;
	overflow_wide(sizeof(struct child));
}
END_TEST

/* The same structure without the limit does not overflow: the log line
 * depends on the limit, not on the structure alone. */
START_TEST(test_no_overflow_without_limit)
{
	build_wide();
	sgc_config.print_stats = 1;
	char *log = capture_stderr(collect_full);
	sgc_config.print_stats = 0;
	ck_assert_msg(strstr(log, "gc ") != NULL, "no stats line: %s", log);
	ck_assert_msg(strstr(log, "mark stack overflowed") == NULL,
		      "overflow reported in: %s", log);
	free(log);
	check_wide();
}
END_TEST

START_TEST(test_overflow_list)
{
	sgc_mark_segment_limit = 1;
	build_rooted_list(LIST_LEN);
	collect_full();
	for (int i = 0; i < LIST_LEN; i++)
		(void)GC_malloc(sizeof(struct node));
	ck_assert_uint_eq(check_list(g_list, LIST_LEN, 1), LIST_LEN);
}
END_TEST

/* Many cycles with two markers over a heap worth sharing: the mark stack
 * (and so the collector's own memory) stays flat.  Before segments were
 * pooled, every segment a helper emptied stayed on that helper's spare
 * list and marker 0 mapped new ones: memory grew with every cycle. */
START_TEST(test_two_markers_memory_flat)
{
	GC_set_markers_count(2);
	GC_start_mark_threads();
	ck_assert_int_ge(GC_get_parallel(), 1);
	build_wide();
	uintptr_t next = 0;
	g_tree = build_tree(TREE_DEPTH, &next);
	for (int i = 0; i < 10; i++)
		collect_full();
	ck_assert_uint_eq(sgc_mark_last_markers(), 2);
	struct spangc_stats st;
	spangc_get_stats(&st);
	size_t before = st.metadata_bytes, segs = sgc_mark_segments();
	for (int i = 0; i < 300; i++)
		collect_full();
	spangc_get_stats(&st);
	ck_assert_uint_eq(sgc_mark_last_markers(), 2);
	ck_assert_msg(st.metadata_bytes <= before + (256 << 10),
		      "metadata grew from %zu to %zu bytes (segments %zu -> %zu)",
		      before, st.metadata_bytes, segs, sgc_mark_segments());
	ck_assert_uint_le(sgc_mark_segments(), segs + 8);
	check_wide();
	ck_assert_uint_eq(check_tree_live(g_tree), next);
}
END_TEST

/* One cycle that needs far more mark stack than usual (a node with
 * 200000 children, some 200 segments), then ordinary cycles: the
 * segments of the peak go back to the system within a few cycles. */
static SGC_NOINLINE void build_very_wide(size_t n)
{
	void **w = GC_malloc(n * sizeof *w);
	ck_assert_ptr_nonnull(w);
	for (size_t i = 0; i < n; i++) {
		w[i] = GC_malloc(16);
		if (!w[i])
			ck_abort_msg("GC_malloc failed at %zu", i);
	}
	g_holder2 = w;
}

/* The span queue holds spans, not objects: 200000 small children in some
 * 400 spans leave the mark stack a segment or two. */
START_TEST(test_span_queue_few_entries)
{
	ck_assert(sgc_config.span_queue);
	GC_disable();
	build_very_wide(200000);
	GC_enable();
	collect_full();
	ck_assert_uint_le(sgc_mark_last_peak(), 2);
	void **w = g_holder2;
	for (size_t i = 0; i < 200000; i++)
		ck_assert_ptr_eq(GC_base(w[i]), w[i]);
	ck_assert_int_eq(spangc_verify_heap(), 0);
}
END_TEST

/* Object by object, the same structure needs some 200 segments. */
START_TEST(test_peak_segments_given_back)
{
	sgc_config.span_queue = 0;
	struct spangc_stats st;
	spangc_get_stats(&st);
	size_t meta_before = st.metadata_bytes;
	GC_disable(); /* no cycle while building: the first one is the peak */
	build_very_wide(200000);
	GC_enable();
	collect_full();
	ck_assert_uint_ge(sgc_mark_last_peak(), 100);
	spangc_get_stats(&st);
	ck_assert_msg(sgc_mark_segments() <= 32,
		      "%zu segments kept after a peak of %zu",
		      sgc_mark_segments(), sgc_mark_last_peak());
	/* 100 segments are 1.6 MiB: most of it went back. */
	ck_assert_uint_lt(st.metadata_bytes, meta_before + (1 << 20));
	g_holder2 = NULL;
	collect_full();
	ck_assert_uint_le(sgc_mark_segments(), 32);
}
END_TEST

/* A whole cycle with every os request failing (the fault injector):
 * the mark stack cannot get a single segment and overflows into the
 * rescan, sweeping cannot get alloc bits and keeps spans whole; nothing
 * live is lost and the heap verifies.  Then, with memory back, garbage
 * made meanwhile is reclaimed. */
static void collect_two(void)
{
	collect_full();
	collect_full();
}

START_TEST(test_cycle_without_memory)
{
	/* No cycle before the failing ones: no mark-stack segment exists. */
	GC_disable();
	build_wide();
	uintptr_t next = 0;
	g_tree = build_tree(TREE_DEPTH, &next);
	uintptr_t dead = build_hidden_list(1000);
	GC_enable();
	sgc_config.print_stats = 1;
	sgc_os_fail_request(1, 1);
	char *log = capture_stderr(collect_two);
	sgc_os_fail_request(0, 0);
	sgc_config.print_stats = 0;
	ck_assert_msg(strstr(log, "mark stack overflowed") != NULL,
		      "no overflow reported in: %s", log);
	free(log);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	check_wide();
	ck_assert_uint_eq(check_tree_live(g_tree), next);
	collect_full();
	collect_full();
	ck_assert(!hidden_live(dead));
	check_wide();
	ck_assert_uint_eq(check_tree_live(g_tree), next);
}
END_TEST

/* The first object of a fresh span of a class nothing else uses: slot 1
 * is free (at free_index). */
static SGC_NOINLINE void *first_of_fresh_span(size_t size)
{
	void *p = GC_malloc(size);
	ck_assert_ptr_nonnull(p);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)p);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq((uintptr_t)p, s->start);
	ck_assert_uint_ge(s->nelems, 2);
	ck_assert_uint_eq(s->free_index, 1);
	return p;
}

START_TEST(test_free_slot_not_marked)
{
	char *p = first_of_fresh_span(3000);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)p);
	uintptr_t slot1 = (uintptr_t)p + s->elem_size;
	struct sgc_obj o;
	ck_assert_int_eq(sgc_find_object(slot1, 1, &o), 0);
	ck_assert_int_eq(sgc_find_object(slot1 + 16, 1, &o), 0);
	ck_assert_int_eq(sgc_find_object(slot1, 0, &o), 0);
	g_holder = p;
	g_word = slot1 + 16;
	collect_unswept();
	ck_assert_int_eq(sgc_span_marked(s, 0), 1);
	for (uint32_t i = 1; i < s->nelems; i++)
		ck_assert_msg(!sgc_span_marked(s, i), "free slot %u marked", i);
	sgc_sweep_finish();
	ck_assert_ptr_eq(sgc_span_of_heap((uintptr_t)p), s);
	ck_assert_uint_eq(s->alloc_count, 1);
	ck_assert_int_eq(sgc_find_object(slot1, 1, &o), 0);
}
END_TEST

/* x and y share a span; y holds the only pointer to z.  Returns y. */
static SGC_NOINLINE void *freed_holder(uintptr_t *z_hidden)
{
	void **x = first_of_fresh_span(3000);
	void **y = GC_malloc(3000);
	ck_assert_ptr_eq(sgc_span_of_heap((uintptr_t)y),
			 sgc_span_of_heap((uintptr_t)x));
	void *z = GC_malloc(64);
	y[5] = z;
	g_holder = x;
	*z_hidden = sgc_test_hide(z);
	return y;
}

START_TEST(test_freed_object_neither_marked_nor_scanned)
{
	uintptr_t zh;
	void *y = freed_holder(&zh);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)y);
	uint32_t yi = sgc_span_index(s, (uintptr_t)y);
	GC_free(y);
	g_word = (uintptr_t)y; /* a stale pointer to the freed object */
	y = NULL;
	struct sgc_obj o;
	ck_assert_int_eq(sgc_find_object(g_word, 1, &o), 0);
	collect_unswept();
	ck_assert_int_eq(sgc_span_marked(s, yi), 0);
	ck_assert_int_eq(hidden_mark_state(zh), 0);
	sgc_sweep_finish();
	ck_assert_ptr_null(GC_base((void *)g_word));
	ck_assert(!hidden_live(zh));
	ck_assert_uint_eq(s->alloc_count, 1);
	/* The stale pointer does not resurrect the slot in a later cycle. */
	collect_full();
	ck_assert_ptr_null(GC_base((void *)g_word));
	ck_assert_uint_eq(s->alloc_count, 1);
}
END_TEST

START_TEST(test_free_pages_not_marked)
{
	char *l = GC_malloc(200000);
	ck_assert_ptr_nonnull(l);
	memset(l, 0xab, 200000);
	GC_free(l);
	g_word = (uintptr_t)l + 100;
	struct sgc_obj o;
	ck_assert_int_eq(sgc_find_object(g_word, 1, &o), 0);
	ck_assert_ptr_null(sgc_span_of_heap(g_word));
	collect_unswept();
	struct sgc_heap_arena *ha = sgc_arena_of((uintptr_t)l);
	ck_assert_int_eq(sgc_bitmap_test(ha->page_marks,
					 sgc_arena_page_index((uintptr_t)l)), 0);
	ck_assert_ptr_null(sgc_span_of_heap(g_word));
	sgc_sweep_finish();
	/* The root word black-listed the free pages: a large object of a
	 * scanned kind goes elsewhere (heap.h). */
	char *volatile k = GC_malloc(200000);
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_ne(k, l);
	GC_free(k);
	/* Black-listing off: the pages are free for the next large object,
	 * zeroed. */
	sgc_heap_black_listing = 0;
	char *m = GC_malloc(200000);
	ck_assert_ptr_eq(m, l);
	for (size_t i = 0; i < 200000; i++)
		if (m[i])
			ck_abort_msg("byte %zu of the reused pages is %d", i, m[i]);
}
END_TEST

/* sgc_mark_word accepts exactly what find_object accepts. */
START_TEST(test_mark_word)
{
	char *p = first_of_fresh_span(3000);
	g_holder = p;
	collect_unswept(); /* sets the mark phase's heap bounds */
	sgc_sweep_finish();
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)p);
	ck_assert_int_eq(sgc_span_marked(s, 0), 0);
	sgc_mark_word((uintptr_t)p + s->elem_size + 8); /* free slot */
	sgc_mark_word((uintptr_t)p + s->elem_size);
	ck_assert_int_eq(sgc_span_marked(s, 1), 0);
	ck_assert_int_eq(sgc_span_marked(s, 0), 0);
	sgc_mark_word((uintptr_t)p + 100); /* interior */
	sgc_mark_drain();
	ck_assert_int_eq(sgc_span_marked(s, 0), 1);
	/* Leave the span as sweeping expects it: no marks while swept. */
	s->gcmarks[0] = 0;
}
END_TEST

Suite *make_mark_suite(void)
{
	Suite *s = suite_create("mark");
	TCase *tc = tcase_create("reach");
	mark_fixture(tc);
	tcase_add_test(tc, test_long_list_marked);
	tcase_add_test(tc, test_long_list_survives);
	tcase_add_test(tc, test_deep_tree_marked);
	tcase_add_test(tc, test_ptrfree_not_scanned);
	suite_add_tcase(s, tc);

	tc = tcase_create("interior");
	mark_fixture(tc);
	tcase_add_test(tc, test_interior_on);
	suite_add_tcase(s, tc);

	/* GC_set_all_interior_pointers must come before GC_init. */
	tc = tcase_create("interior_off");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_interior_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("overflow");
	mark_fixture(tc);
	tcase_add_test(tc, test_overflow_wide);
	tcase_add_test(tc, test_overflow_wide_spans);
	tcase_add_test(tc, test_no_overflow_without_limit);
	tcase_add_test(tc, test_overflow_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	mark_fixture(tc);
	tcase_add_test(tc, test_two_markers_memory_flat);
	tcase_add_test(tc, test_peak_segments_given_back);
	tcase_add_test(tc, test_span_queue_few_entries);
	tcase_add_test(tc, test_cycle_without_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	mark_fixture(tc);
	tcase_add_test(tc, test_free_slot_not_marked);
	tcase_add_test(tc, test_freed_object_neither_marked_nor_scanned);
	tcase_add_test(tc, test_free_pages_not_marked);
	tcase_add_test(tc, test_mark_word);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run_budget(make_mark_suite());
}
