/*
 * gcbench: Boehm's GCBench (John Ellis and Pete Kovac's benchmark, in
 * Hans Boehm's C version), written from its published description.
 *
 *   1. Stretch the heap: build a tree of the stretch depth and drop it.
 *   2. Build a long-lived tree of depth DEPTH (top down) and a long-lived
 *      array of 500,000 doubles (GC_MALLOC_ATOMIC).
 *   3. For depths 4, 6, ..., DEPTH: build NumIters(d) = 2 * TreeSize(stretch)
 *      / TreeSize(d) short-lived trees of depth d top down (Populate), then
 *      as many bottom up (MakeTree), dropping each at once (at least one of
 *      each kind per depth).
 *   4. Check that the long-lived tree is whole (node count and payloads)
 *      and that every array element still holds its value.
 *
 * Sizes: the classic program uses a long-lived and deepest tree of depth 16
 * and a stretch depth of 18; issue 5 asks for 20 (a 64 MiB long-lived
 * tree), which is the default here.  The stretch depth is DEPTH + 2 capped
 * at 18, so "gcbench 16" is the classic configuration.
 *
 * Usage: gcbench [DEPTH]   (default 20; 8 makes a quick run)
 * Prints one line per phase and "metric NAME VALUE" lines; exits 1 when a
 * check fails.  Uses only the bdwgc API.
 */
#include <gc.h>
#include "bench.h"
#include "gcbench.h"

static struct gcb_node *long_lived;     /* static: a root in .bss */
static double *array;

int main(int argc, char **argv)
{
	int depth = (int)bench_arg(argc, argv, 1, 20, "[DEPTH]");
	if (depth < GCB_MIN_DEPTH || depth > 26)
		bench_die("gcbench: DEPTH must be in [%d, 26]", GCB_MIN_DEPTH);
	int stretch = depth + 2 < 18 ? depth + 2 : 18;

	GC_INIT();
	bench_pauses_start();
	double t0 = bench_now_ms();
	printf("gcbench: stretch depth %d, long-lived depth %d, short-lived"
	       " depths %d..%d\n", stretch, depth, GCB_MIN_DEPTH, depth);

	struct gcb_node *t = gcb_make_tree(stretch);
	if (gcb_check_tree(t, stretch) != gcb_tree_size(stretch))
		bench_die("gcbench: stretch tree damaged");
	t = NULL;

	long_lived = gcb_new_node(depth);
	gcb_populate(depth, long_lived);
	array = gcb_make_array();

	for (int d = GCB_MIN_DEPTH; d <= depth; d += 2) {
		double t1 = bench_now_ms();
		gcb_time_construction(d, stretch);
		printf("depth %2d: 2 x %ld trees in %.1f ms\n", d,
		       gcb_num_iters(d, stretch), bench_now_ms() - t1);
	}

	long nodes = gcb_check_tree(long_lived, depth);
	long bad = gcb_check_array(array);
	double total_ms = bench_now_ms() - t0;
	printf("gcbench: %.1f ms\n", total_ms);
	bench_metric("total_ms", total_ms);
	bench_metric("heap_mib", GC_get_heap_size() / 1048576.0);
	bench_pauses_report(0);
	if (nodes != gcb_tree_size(depth))
		bench_die("gcbench: long-lived tree has %ld nodes (-1: damaged),"
			  " want %ld", nodes, gcb_tree_size(depth));
	if (bad)
		bench_die("gcbench: %ld array elements changed", bad);
	return 0;
}
