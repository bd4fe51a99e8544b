/*
 * mark_scaling: how long a full collection takes over a large, fully live
 * heap of small pointer-rich objects, and how that time scales with the
 * number of markers (GC_MARKERS=1 or 2 in the environment).
 *
 * The heap: an array of R roots (GC_MALLOC), each the root of a complete
 * binary tree of DEPTH levels; every LIST_EVERY-th leaf carries a list of
 * LIST_LEN nodes through its left pointer, so the graph also has long
 * chains that a marker must follow one node at a time.  A node is two
 * pointers and a payload word (24 bytes requested; both collectors round it
 * up to 32, so the heap is about 4/3 of the "live MiB" asked for).
 * Every payload is a hash of (root, preorder index), checked after the
 * collections, once some fresh garbage has been allocated over anything the
 * collector may have freed by mistake.
 *
 * Usage: mark_scaling [MiB of live nodes, counted as nodes * 24; default 1024]
 * Prints "metric NAME VALUE" lines; exits 0 only if the structure is intact.
 * Uses only the bdwgc API, so it builds against spangc and against libgc.
 *
 * bdwgc starts its helper markers only when the client creates a thread or
 * calls GC_start_mark_threads(); this program is single-threaded, so it
 * calls it (for both collectors) and prints the number of markers in use.
 */
#define GC_THREADS                      /* declares GC_get_parallel */
#include <gc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct node {
	struct node *l, *r;
	uintptr_t payload;
};

enum {
	DEPTH = 16,                     /* 65535 tree nodes per root */
	LIST_EVERY = 2048,              /* leaves (of 32768) carrying a list */
	LIST_LEN = 1024,
	NCOLLECT = 5,
	GARBAGE_NODES = 1 << 21,        /* allocated before verifying */
};

#define TREE_NODES ((1UL << DEPTH) - 1)
#define LEAVES (1UL << (DEPTH - 1))
#define NODES_PER_ROOT (TREE_NODES + LEAVES / LIST_EVERY * LIST_LEN)

static struct node **roots;     /* static: the collector finds it in .bss */
static size_t nroots;

static uintptr_t hash(uintptr_t root, uintptr_t idx)
{
	uint64_t x = ((uint64_t)root << 32 | idx) + 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return (uintptr_t)(x ^ (x >> 31));
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct node *new_node(uintptr_t root, uintptr_t idx)
{
	struct node *n = GC_MALLOC(sizeof *n);
	if (!n) {
		fprintf(stderr, "mark_scaling: out of memory\n");
		exit(2);
	}
	n->payload = hash(root, idx);   /* l and r are already zero */
	return n;
}

/* Build a subtree in preorder; leaf number *leaf decides whether a list
 * hangs off it. */
static struct node *build(uintptr_t root, int depth, uintptr_t *idx,
			  uintptr_t *leaf)
{
	struct node *n = new_node(root, (*idx)++);
	if (depth > 1) {
		n->l = build(root, depth - 1, idx, leaf);
		n->r = build(root, depth - 1, idx, leaf);
	} else if ((*leaf)++ % LIST_EVERY == 0) {
		struct node **link = &n->l;
		for (int i = 0; i < LIST_LEN; i++) {
			*link = new_node(root, (*idx)++);
			link = &(*link)->l;
		}
	}
	return n;
}

/* Walk in the same order as build; return the number of bad nodes. */
static size_t check(uintptr_t root, const struct node *n, int depth,
		    uintptr_t *idx, uintptr_t *leaf)
{
	size_t bad = 0;
	if (!n)
		return 1;
	bad += n->payload != hash(root, (*idx)++);
	if (depth > 1) {
		bad += check(root, n->l, depth - 1, idx, leaf);
		bad += check(root, n->r, depth - 1, idx, leaf);
	} else if ((*leaf)++ % LIST_EVERY == 0) {
		const struct node *p = n->l;
		for (int i = 0; i < LIST_LEN; i++, p = p->l) {
			if (!p)
				return bad + 1;
			bad += p->payload != hash(root, (*idx)++);
		}
		bad += p != NULL;
	} else {
		bad += n->l != NULL || n->r != NULL;
	}
	return bad;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	size_t want_nodes = (mib << 20) / sizeof(struct node);
	nroots = (want_nodes + NODES_PER_ROOT - 1) / NODES_PER_ROOT;
	if (nroots == 0)
		nroots = 1;

	GC_INIT();
	GC_start_mark_threads();
	/* The heap is all live: collecting while building would only measure
	 * the pacer, so build with collections off. */
	GC_disable();
	double t0 = now_ms();
	roots = GC_MALLOC(nroots * sizeof *roots);
	if (!roots)
		return 2;
	for (size_t i = 0; i < nroots; i++) {
		uintptr_t idx = 0, leaf = 0;
		roots[i] = build(i, DEPTH, &idx, &leaf);
	}
	double build_ms = now_ms() - t0;
	GC_enable();

	double ms[NCOLLECT];
	for (int i = 0; i < NCOLLECT; i++) {
		double t = now_ms();
		GC_gcollect();
		ms[i] = now_ms() - t;
	}
	size_t heap = GC_get_heap_size();

	/* Reuse anything freed by mistake before checking. */
	for (size_t i = 0; i < GARBAGE_NODES; i++) {
		struct node *g = GC_MALLOC(sizeof *g);
		if (g)
			memset(g, 0x5a, sizeof *g);
	}
	size_t bad = 0;
	for (size_t i = 0; i < nroots; i++) {
		uintptr_t idx = 0, leaf = 0;
		bad += check(i, roots[i], DEPTH, &idx, &leaf);
	}

	qsort(ms, NCOLLECT, sizeof ms[0], cmp_double);
	printf("metric markers %d\n", GC_get_parallel() + 1);
	printf("metric live_nodes %zu\n", nroots * NODES_PER_ROOT);
	printf("metric live_mib %.1f\n",
	       nroots * NODES_PER_ROOT * sizeof(struct node) / 1048576.0);
	printf("metric heap_mib %.1f\n", heap / 1048576.0);
	printf("metric build_ms %.1f\n", build_ms);
	printf("metric gcollect_ms_median %.1f\n", ms[NCOLLECT / 2]);
	printf("metric gcollect_ms_min %.1f\n", ms[0]);
	printf("metric collections %lu\n", (unsigned long)GC_get_gc_no());
	if (bad) {
		fprintf(stderr, "mark_scaling: %zu damaged nodes\n", bad);
		return 1;
	}
	return 0;
}
