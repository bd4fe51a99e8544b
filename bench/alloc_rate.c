/*
 * alloc_rate: nanoseconds per allocation of small objects that die at once
 * (16, 32 and 64 bytes; GC_MALLOC and GC_MALLOC_ATOMIC), collection cost
 * included, since nothing is kept live and the collector runs as often as
 * its pacing asks.
 *
 * Each iteration allocates one object, checks that a GC_MALLOC object
 * arrives zeroed (first and last word), writes its first word and stores
 * the pointer in a volatile variable, so no compiler can drop the call.
 * Each of the six loops is warmed up (1/10 of its count) before timing.
 * Afterwards an untimed pass allocates while keeping the last 64 objects
 * of each kind tagged, and checks that none was reused while live.
 *
 * Built with -DUSE_MALLOC (bench/run's "malloc" variant), the same loops
 * call malloc and free instead (free right after the volatile store), as
 * the allocator reference; both kinds are then plain malloc, the zero
 * check is skipped, and no collector is linked.
 *
 * Usage: alloc_rate [MILLIONS]  (iterations per loop, default 20; 0.2
 *        makes a quick run)
 * Figures: ns_malloc16, ns_malloc32, ns_malloc64 (GC_MALLOC or malloc),
 * ns_atomic16, ns_atomic32, ns_atomic64 (GC_MALLOC_ATOMIC or malloc), and
 * for the collectors the pause figures.  Exits 1 when a check fails.
 */
#ifdef USE_MALLOC
#define BENCH_NO_GC
#define IS_GC 0
#else
#include <gc.h>
#define IS_GC 1
#endif
#include "bench.h"

static void *volatile sink;

static inline uintptr_t *alloc_obj(size_t size, int atomic)
{
	if (!IS_GC) {
		(void)atomic;
		return malloc(size);
	}
#ifndef USE_MALLOC
	if (atomic)
		return GC_MALLOC_ATOMIC(size);
	return GC_MALLOC(size);
#endif
}

static inline void release_obj(void *p)
{
	if (!IS_GC)
		free(p);
}

/* One timed loop; size and atomic are constants after inlining.  Returns
 * ns per iteration. */
static inline __attribute__((always_inline))
double loop(size_t size, int atomic, size_t iters)
{
	size_t last = size / sizeof(uintptr_t) - 1, bad = 0;
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < iters; i++) {
		uintptr_t *p = alloc_obj(size, atomic);
		if (!p)
			bench_die("alloc_rate: out of memory");
		if (IS_GC && !atomic)
			bad += (p[0] | p[last]) != 0;
		p[0] = i;
		sink = p;
		release_obj(p);
	}
	double ns = (double)(bench_now_ns() - t0) / (double)iters;
	if (bad)
		bench_die("alloc_rate: %zu objects of %zu bytes were not zeroed",
			  bad, size);
	return ns;
}

static double measure(size_t size, int atomic, size_t iters)
{
	switch (size * 2 + (size_t)atomic) {
	case 32: loop(16, 0, iters / 10); return loop(16, 0, iters);
	case 33: loop(16, 1, iters / 10); return loop(16, 1, iters);
	case 64: loop(32, 0, iters / 10); return loop(32, 0, iters);
	case 65: loop(32, 1, iters / 10); return loop(32, 1, iters);
	case 128: loop(64, 0, iters / 10); return loop(64, 0, iters);
	default: loop(64, 1, iters / 10); return loop(64, 1, iters);
	}
}

enum { KEEP = 64 };

/* Recent objects, tagged; static so the collector sees them (bss). */
static uintptr_t *recent[2][KEEP];

static uintptr_t tag(size_t i)
{
	return (uintptr_t)bench_hash(i);
}

/* Keep the last KEEP objects of each kind, check each tag before the slot
 * is reused; objects dropped earlier are garbage. */
static void check_reuse(size_t iters)
{
	static const size_t sizes[] = { 16, 32, 64 };
	for (size_t i = 0; i < iters; i++) {
		int atomic = (int)(i & 1);
		size_t size = sizes[i / 2 % 3];
		uintptr_t **slot = &recent[atomic][i / 2 % KEEP];
		if (*slot && (*slot)[0] != tag(i - 2 * KEEP))
			bench_die("alloc_rate: a live object was reused");
		release_obj(*slot);
		uintptr_t *p = alloc_obj(size, atomic);
		if (!p)
			bench_die("alloc_rate: out of memory");
		p[0] = tag(i);
		*slot = p;
	}
}

int main(int argc, char **argv)
{
	double millions = bench_arg(argc, argv, 1, 20, "[MILLIONS]");
	size_t iters = (size_t)(millions * 1e6);
	if (iters < 10)
		iters = 10;
#ifndef USE_MALLOC
	GC_INIT();
	bench_pauses_start();
#endif
	static const size_t sizes[] = { 16, 32, 64 };
	for (int atomic = 0; atomic < 2; atomic++)
		for (int k = 0; k < 3; k++) {
			char name[32];
			double ns = measure(sizes[k], atomic, iters);
			snprintf(name, sizeof name, "ns_%s%zu",
				 atomic ? "atomic" : "malloc", sizes[k]);
			printf("%s: %.2f ns per allocation\n", name, ns);
			bench_metric(name, ns);
		}
	check_reuse(iters / 4 < 1000000 ? iters / 4 + 2 * KEEP : 1000000);
#ifndef USE_MALLOC
	bench_pauses_report(0);
#endif
	return 0;
}
