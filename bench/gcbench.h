/*
 * gcbench.h: the trees of Boehm's GCBench (after the description by John
 * Ellis and Pete Kovac, as adapted by Hans Boehm), shared by gcbench.c and
 * mt_gcbench.c.
 *
 * A tree "of depth d" has d levels below its root: TreeSize(d) = 2^(d+1)-1
 * nodes.  Populate builds one top down, filling in the children of an
 * existing node; MakeTree builds one bottom up, children before parents.
 * Every node records its depth (i) and its complement (j), so that a
 * traversal can check that no node was reclaimed and reused.
 *
 * Sizes: a node is two pointers and two ints, 24 bytes asked (32 bytes in
 * spangc; bdwgc, counting its extra byte for interior pointers, also 32).
 */
#ifndef GCBENCH_H
#define GCBENCH_H

struct gcb_node {
	struct gcb_node *left, *right;
	int i, j;
};

enum {
	GCB_ARRAY_SIZE = 500000,  /* doubles in the long-lived array */
	GCB_MIN_DEPTH = 4,
};

static long gcb_tree_size(int depth)
{
	return (1L << (depth + 1)) - 1;
}

/* Short-lived trees of depth d built per phase: 2 * TreeSize(stretch) /
 * TreeSize(d), so that each phase allocates about as many nodes; at least
 * one (depths above the stretch depth would otherwise get none). */
static long gcb_num_iters(int depth, int stretch_depth)
{
	long n = 2 * gcb_tree_size(stretch_depth) / gcb_tree_size(depth);
	return n > 0 ? n : 1;
}

static struct gcb_node *gcb_new_node(int depth)
{
	struct gcb_node *n = GC_MALLOC(sizeof *n);
	if (!n)
		bench_die("gcbench: out of memory");
	n->i = depth;
	n->j = ~depth;
	return n;
}

/* Give node (at depth levels above the leaves) its descendants. */
static void gcb_populate(int depth, struct gcb_node *node)
{
	if (depth <= 0)
		return;
	depth--;
	node->left = gcb_new_node(depth);
	node->right = gcb_new_node(depth);
	gcb_populate(depth, node->left);
	gcb_populate(depth, node->right);
}

static struct gcb_node *gcb_make_tree(int depth)
{
	if (depth <= 0)
		return gcb_new_node(0);
	struct gcb_node *l = gcb_make_tree(depth - 1);
	struct gcb_node *r = gcb_make_tree(depth - 1);
	struct gcb_node *n = gcb_new_node(depth);
	n->left = l;
	n->right = r;
	return n;
}

/* Nodes of a complete tree of the given depth, or -1 if its shape or
 * payloads are wrong. */
static long gcb_check_tree(const struct gcb_node *n, int depth)
{
	if (!n || n->i != depth || n->j != ~depth)
		return -1;
	if (depth == 0)
		return n->left || n->right ? -1 : 1;
	long l = gcb_check_tree(n->left, depth - 1);
	long r = gcb_check_tree(n->right, depth - 1);
	return l < 0 || r < 0 ? -1 : 1 + l + r;
}

/* One phase: iters trees of depth d top down, then as many bottom up; the
 * first and last of each kind are checked. */
static void gcb_time_construction(int depth, int stretch_depth)
{
	long iters = gcb_num_iters(depth, stretch_depth);
	long want = gcb_tree_size(depth);
	for (long k = 0; k < iters; k++) {
		struct gcb_node *t = gcb_new_node(depth);
		gcb_populate(depth, t);
		if ((k == 0 || k == iters - 1) && gcb_check_tree(t, depth) != want)
			bench_die("gcbench: top-down tree of depth %d damaged",
				  depth);
	}
	for (long k = 0; k < iters; k++) {
		struct gcb_node *t = gcb_make_tree(depth);
		if ((k == 0 || k == iters - 1) && gcb_check_tree(t, depth) != want)
			bench_die("gcbench: bottom-up tree of depth %d damaged",
				  depth);
	}
}

/* The long-lived array: GC_MALLOC_ATOMIC, values 1/(k+1). */
static double *gcb_make_array(void)
{
	double *a = GC_MALLOC_ATOMIC(sizeof(double) * GCB_ARRAY_SIZE);
	if (!a)
		bench_die("gcbench: out of memory");
	for (long k = 0; k < GCB_ARRAY_SIZE; k++)
		a[k] = 1.0 / (double)(k + 1);
	return a;
}

static long gcb_check_array(const double *a)
{
	long bad = 0;
	for (long k = 0; k < GCB_ARRAY_SIZE; k++)
		bad += a[k] != 1.0 / (double)(k + 1);
	return bad;
}

#endif /* GCBENCH_H */
