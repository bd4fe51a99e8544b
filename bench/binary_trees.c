/*
 * binary_trees: the Computer Language Benchmarks Game's binary-trees,
 * single-threaded, written from its published description.
 *
 * With N the argument (default 21), min depth 4 and max depth
 * max(6, N):
 *   1. build a "stretch" tree of depth max+1, check it, drop it;
 *   2. build a long-lived tree of depth max;
 *   3. for d = 4, 6, ..., max: build and check 2^(max - d + 4) trees of
 *      depth d, one at a time;
 *   4. check the long-lived tree.
 * A tree's check is its node count (1 + check(left) + check(right)); the
 * standard output lines carry the checks.  A full tree of depth d has
 * 2^(d+1) - 1 nodes, so every check is also verified arithmetically, and
 * exits 1 when one differs.
 *
 * A node is two pointers (16 bytes asked: 16 in spangc; 32 in bdwgc, whose
 * default of interior pointers adds a byte to every object).
 *
 * Usage: binary_trees [N]   (default 21; 10 makes a quick run)
 * Prints the standard lines and "metric NAME VALUE" lines.  Uses only the
 * bdwgc API.
 */
#include <gc.h>
#include "bench.h"

struct node {
	struct node *left, *right;
};

static struct node *bottom_up_tree(int depth)
{
	struct node *n = GC_MALLOC(sizeof *n);
	if (!n)
		bench_die("binary_trees: out of memory");
	if (depth > 0) {
		n->left = bottom_up_tree(depth - 1);
		n->right = bottom_up_tree(depth - 1);
	}
	return n;
}

/* The node count; a leaf is a node with no children (both or none). */
static long item_check(const struct node *n)
{
	if (!n->left != !n->right)
		bench_die("binary_trees: a node with one child");
	if (!n->left)
		return 1;
	return 1 + item_check(n->left) + item_check(n->right);
}

static long full_tree_nodes(int depth)
{
	return (1L << (depth + 1)) - 1;
}

static void expect(long got, long want, const char *what, int depth)
{
	if (got != want)
		bench_die("binary_trees: %s of depth %d: check %ld, want %ld",
			  what, depth, got, want);
}

/* The stretch tree is built, checked and dropped in a frame of its own:
 * a dead local of main's frame (t = NULL is a dead store the compiler may
 * drop) would otherwise keep 2^(N+2) nodes alive for the whole run under
 * either collector, depending on how main happens to be compiled. */
static __attribute__((noinline)) long stretch_check(int depth)
{
	struct node *t = bottom_up_tree(depth);
	return item_check(t);
}

static struct node *long_lived;         /* static: a root in .bss */

int main(int argc, char **argv)
{
	int n = (int)bench_arg(argc, argv, 1, 21, "[N]");
	int min_depth = 4;
	int max_depth = n > min_depth + 2 ? n : min_depth + 2;
	if (max_depth > 28)
		bench_die("binary_trees: N must be at most 28");

	GC_INIT();
	bench_pauses_start();
	int stretch = max_depth + 1;
	long c = stretch_check(stretch);
	printf("stretch tree of depth %d\t check: %ld\n", stretch, c);
	expect(c, full_tree_nodes(stretch), "stretch tree", stretch);

	long_lived = bottom_up_tree(max_depth);

	for (int d = min_depth; d <= max_depth; d += 2) {
		long iters = 1L << (max_depth - d + min_depth);
		long check = 0;
		for (long i = 0; i < iters; i++)
			check += item_check(bottom_up_tree(d));
		printf("%ld\t trees of depth %d\t check: %ld\n", iters, d, check);
		expect(check, iters * full_tree_nodes(d), "trees", d);
	}

	c = item_check(long_lived);
	printf("long lived tree of depth %d\t check: %ld\n", max_depth, c);
	expect(c, full_tree_nodes(max_depth), "long lived tree", max_depth);
	bench_metric("heap_mib", GC_get_heap_size() / 1048576.0);
	bench_pauses_report(0);
	return 0;
}
