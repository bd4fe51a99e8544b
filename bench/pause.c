/*
 * pause: stop-the-world pauses over a large live heap while the program
 * keeps producing garbage, and the marking rate they imply.
 *
 * The live heap: an array of roots (GC_MALLOC), each the head of a list of
 * 1024 nodes; a node is three words (next, cross, tag: 24 bytes asked, 32
 * allocated by either collector), its cross pointer leads to the node at
 * half its index in the same list, and its tag is a hash of (list, index).
 * The lists are built with collections disabled, then one GC_gcollect()
 * settles the heap before measuring.
 *
 * The measured phase allocates GARBAGE_MIB of short-lived objects (16 to
 * 256 bytes, GC_MALLOC, first word written) and, after every MiB of them,
 * replaces one random list with a freshly built one (after checking the
 * old one), so the live graph changes while the collector runs.  At the
 * end every list is checked.
 *
 * Every collection of that phase is recorded through
 * GC_set_on_collection_event (see bench.h): the pause is PRE_STOP_WORLD ..
 * POST_START_WORLD, the cycle START .. END, the mark MARK_START ..
 * MARK_END.  GC_start_mark_threads() is called so that bdwgc, in this
 * single-threaded program, honours GC_MARKERS as spangc does; bench/run
 * runs it with GC_MARKERS=1 and GC_MARKERS=2.
 *
 * Usage: pause [LIVE_MIB [GARBAGE_MIB]]  (default 1024 MiB of live nodes,
 *        counted as nodes * 24 bytes, and 4 * LIVE_MIB of garbage;
 *        "pause 16 64" is a quick run)
 * Figures: pause_max_ms, pause_p99_ms (nearest rank), pause_mean_ms,
 * pause_total_ms, pauses, cycle_max_ms, cycle_total_ms, mark_mean_ms,
 * mark_max_ms, mark_mb_s (live MiB / mean mark time in seconds), markers
 * (GC_get_parallel() + 1), live_mib, heap_mib, build_ms, collections.
 * Exits 1 when a check fails.  Uses only the bdwgc API.
 */
#define GC_THREADS                      /* declares GC_get_parallel */
#include <gc.h>
#include "bench.h"

struct node {
	struct node *next, *cross;
	uint64_t tag;
};

enum { LIST_LEN = 1024 };

static struct node **lists;     /* static: a root in .bss */
static size_t nlists;

static uint64_t tag_of(size_t list, size_t idx)
{
	return bench_hash((uint64_t)list << 32 | idx);
}

static struct node *build_list(size_t list)
{
	struct node *at[LIST_LEN];      /* on the stack: scanned */
	for (size_t i = 0; i < LIST_LEN; i++) {
		struct node *n = GC_MALLOC(sizeof *n);
		if (!n)
			bench_die("pause: out of memory");
		n->tag = tag_of(list, i);
		if (i > 0) {
			n->cross = at[i / 2];
			at[i - 1]->next = n;
		}
		at[i] = n;
	}
	return at[0];
}

static void check_list(size_t list)
{
	size_t i = 0, half = 0;
	const struct node *h = NULL;    /* the node at index i / 2 */
	for (const struct node *n = lists[list]; n; n = n->next, i++) {
		if (i >= LIST_LEN || n->tag != tag_of(list, i))
			bench_die("pause: node %zu of list %zu damaged", i, list);
		if (i == 0) {
			h = n;
			if (n->cross)
				bench_die("pause: list %zu: bad cross link", list);
		} else {
			if (i / 2 != half) {
				h = h->next;
				half = i / 2;
			}
			if (n->cross != h)
				bench_die("pause: node %zu of list %zu: bad cross"
					  " link", i, list);
		}
	}
	if (i != LIST_LEN)
		bench_die("pause: list %zu has %zu nodes", list, i);
}

static void *volatile sink;

int main(int argc, char **argv)
{
	const char *usage = "[LIVE_MIB [GARBAGE_MIB]]";
	double live_mib = bench_arg(argc, argv, 1, 1024, usage);
	double garbage_mib = bench_arg(argc, argv, 2, 4 * live_mib, usage);
	size_t list_bytes = LIST_LEN * sizeof(struct node);
	nlists = (size_t)(live_mib * 1048576.0 / (double)list_bytes);
	if (nlists < 1)
		nlists = 1;
	uint64_t rng = 42;

	GC_INIT();
	GC_start_mark_threads();
	GC_disable();
	double t0 = bench_now_ms();
	lists = bench_nonnull(GC_MALLOC(nlists * sizeof *lists), "roots");
	for (size_t l = 0; l < nlists; l++)
		lists[l] = build_list(l);
	double build_ms = bench_now_ms() - t0;
	GC_enable();
	GC_gcollect();

	bench_pauses_start();
	uint64_t garbage = (uint64_t)(garbage_mib * 1048576.0), done = 0;
	uint64_t next_replace = 1 << 20;
	while (done < garbage) {
		size_t size = 16 + 8 * (size_t)bench_below(&rng, 31);
		uint64_t *p = GC_MALLOC(size);
		if (!p)
			bench_die("pause: out of memory");
		p[0] = done;
		sink = p;
		done += size;
		if (done >= next_replace) {
			size_t l = bench_below(&rng, nlists);
			check_list(l);
			lists[l] = build_list(l);
			done += list_bytes;
			next_replace = done + (1 << 20);
		}
	}
	struct bench_pauses rec = bench_pauses;  /* before reporting stops it */
	bench_pauses_report(1);

	for (size_t l = 0; l < nlists; l++)
		check_list(l);
	double live = (double)nlists * (double)list_bytes / 1048576.0;
	double mark_s = rec.marks ? rec.mark_total_ms / rec.marks / 1e3 : 0;
	bench_metric("mark_mb_s", mark_s > 0 ? live / mark_s : 0);
	bench_metric("markers", GC_get_parallel() + 1);
	bench_metric("live_mib", live);
	bench_metric("heap_mib", GC_get_heap_size() / 1048576.0);
	bench_metric("build_ms", build_ms);
	printf("pause: %.0f MiB live, %d markers, %zu pauses, max %.1f ms\n",
	       live, GC_get_parallel() + 1, rec.n, rec.max_ms);
	return 0;
}
