/*
 * mt_gcbench: GCBench's work (see gcbench.c) in THREADS threads at once.
 * Each thread builds its own long-lived tree of depth DEPTH and its own
 * long-lived array, then its own short-lived trees of depths 4..DEPTH, and
 * finally checks its long-lived data; so THREADS threads do THREADS times
 * the single-threaded work, and on a machine with that many free cores the
 * wall time would stay that of one thread if allocation and collection
 * scaled perfectly.
 *
 * Threads are created with pthread_create, which <gc.h> redirects to the
 * collector's wrapper when GC_THREADS is defined, so both collectors know
 * every thread.  bdwgc starts its helper markers when the first thread is
 * created; spangc starts its own at its first collection.
 *
 * Usage: mt_gcbench [DEPTH [THREADS]]
 *   DEPTH    as for gcbench (default 20; 8 makes a quick run)
 *   THREADS  default $BENCH_THREADS, else 2 (bench/run runs 1 and 2)
 * Prints "metric NAME VALUE" lines; exits 1 when a check fails.  Uses only
 * the bdwgc API.
 */
#define GC_THREADS
#include <gc.h>
#include <pthread.h>
#include "bench.h"
#include "gcbench.h"

enum { MAX_THREADS = 64 };

struct worker {
	pthread_t tid;
	int depth, stretch;
	double ms;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	double t0 = bench_now_ms();
	/* Locals on this thread's stack: the collector scans it. */
	struct gcb_node *t = gcb_make_tree(w->stretch);
	if (gcb_check_tree(t, w->stretch) != gcb_tree_size(w->stretch))
		bench_die("mt_gcbench: stretch tree damaged");
	t = NULL;
	struct gcb_node *long_lived = gcb_new_node(w->depth);
	gcb_populate(w->depth, long_lived);
	double *array = gcb_make_array();

	for (int d = GCB_MIN_DEPTH; d <= w->depth; d += 2)
		gcb_time_construction(d, w->stretch);

	long nodes = gcb_check_tree(long_lived, w->depth);
	if (nodes != gcb_tree_size(w->depth))
		bench_die("mt_gcbench: long-lived tree has %ld nodes"
			  " (-1: damaged), want %ld", nodes,
			  gcb_tree_size(w->depth));
	long bad = gcb_check_array(array);
	if (bad)
		bench_die("mt_gcbench: %ld array elements changed", bad);
	w->ms = bench_now_ms() - t0;
	return NULL;
}

static struct worker workers[MAX_THREADS];

int main(int argc, char **argv)
{
	const char *usage = "[DEPTH [THREADS]]";
	int depth = (int)bench_arg(argc, argv, 1, 20, usage);
	const char *env = getenv("BENCH_THREADS");
	int nthreads = env && *env ? atoi(env) : 2;
	nthreads = (int)bench_arg(argc, argv, 2, nthreads, usage);
	if (depth < GCB_MIN_DEPTH || depth > 26)
		bench_die("mt_gcbench: DEPTH must be in [%d, 26]",
			  GCB_MIN_DEPTH);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		bench_die("mt_gcbench: THREADS must be in [1, %d]",
			  MAX_THREADS);
	int stretch = depth + 2 < 18 ? depth + 2 : 18;

	GC_INIT();
	bench_pauses_start();
	double t0 = bench_now_ms();
	for (int i = 0; i < nthreads; i++) {
		workers[i].depth = depth;
		workers[i].stretch = stretch;
		int err = pthread_create(&workers[i].tid, NULL, work,
					 &workers[i]);
		if (err)
			bench_die("mt_gcbench: pthread_create: %s",
				  strerror(err));
	}
	double max_ms = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(workers[i].tid, NULL);
		if (workers[i].ms > max_ms)
			max_ms = workers[i].ms;
	}
	double total_ms = bench_now_ms() - t0;
	printf("mt_gcbench: %d threads, depth %d: %.1f ms\n", nthreads, depth,
	       total_ms);
	bench_metric("threads", nthreads);
	bench_metric("total_ms", total_ms);
	bench_metric("thread_ms_max", max_ms);
	bench_metric("heap_mib", GC_get_heap_size() / 1048576.0);
	bench_pauses_report(0);
	return 0;
}
