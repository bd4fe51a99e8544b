/*
 * churn: a sliding window of live objects of random sizes, with pointers
 * between them, replaced one at a time at random; how large the heap grows
 * for the bytes live, and how long the churn takes.
 *
 * The window is a ring of SLOTS object pointers (itself a GC_MALLOC'd
 * array).  Each step picks a random slot, checks the object there, and
 * replaces it with a new one.  Sizes run from 8 bytes to 64 KiB, skewed
 * small: 90% are 8..256 bytes, 9% 257..4096, 1% 4097..65536 (mean about
 * 660 bytes).  30% are GC_MALLOC_ATOMIC, the rest GC_MALLOC.
 *
 * Every object carries a check: w[0] is its header (sequence number and
 * size; for 8-byte objects a hash of them), w[1] the hash of w[0], and the
 * last word of an object of 64 bytes or more w[1]'s complement.  A scanned
 * object of 32 bytes or more links to one other live object (two from 48
 * bytes): the pointer, then the header it expects there.  When an object
 * is replaced, every object linking to its slot is updated to point to the
 * new one (reverse links are kept outside the GC heap), so nothing outside
 * the window stays reachable and the live bytes are exactly the window's.
 * Replacing an object checks it and its links' targets; at the end every
 * object is checked.  A premature free shows as an object whose memory was
 * reused: its header or tail no longer matches.
 *
 * The PRNG is seeded with a constant, so runs are identical.
 *
 * Usage: churn [SLOTS [STEPS]]   (default 100000 slots, about 64 MiB live,
 *        and 20 * SLOTS steps; "churn 2000 20000" is a quick run)
 * Figures: live_mib (the window's bytes at the end, as requested), heap_mib
 * (largest GC_get_heap_size seen, sampled every 1024 steps), heap_live_ratio
 * (the two divided), alloc_mib, and the pause figures.  Exits 1 when a
 * check fails.  Uses only the bdwgc API.
 */
#include <gc.h>
#include "bench.h"

enum { LINKS = 2, SAMPLE_EVERY = 1024 };

static uint64_t **ring;         /* static: a root in .bss */

/* Bookkeeping outside the GC heap (malloc; neither collector scans it). */
static uint64_t *seq_of;        /* slot -> the object's sequence number */
static uint32_t *size_of;       /* slot -> its size in bytes */
static int32_t *out_target;     /* link 2*slot+k -> target slot, -1 none */
static int32_t *rev_head;       /* slot -> first link pointing at it */
static int32_t *rev_next, *rev_prev;    /* by link id */
static size_t nslots;
static uint64_t rng = 12345;

static uint64_t word0(uint64_t seq, uint32_t size)
{
	uint64_t hdr = seq << 17 | size;
	return size < 16 ? bench_hash(hdr) : hdr;
}

static size_t nlinks_for(uint32_t size, int atomic)
{
	return atomic || size < 32 ? 0 : size < 48 ? 1 : LINKS;
}

static uint32_t random_size(void)
{
	uint64_t r = bench_below(&rng, 1000);
	if (r < 900)
		return 8 + (uint32_t)bench_below(&rng, 249);
	if (r < 990)
		return 257 + (uint32_t)bench_below(&rng, 4096 - 257 + 1);
	return 4097 + (uint32_t)bench_below(&rng, 65536 - 4097 + 1);
}

static void check_header(const uint64_t *o, uint64_t seq, uint32_t size,
			 size_t slot)
{
	if (!o)
		bench_die("churn: slot %zu is empty", slot);
	if (o[0] != word0(seq, size))
		bench_die("churn: object %llu (%u bytes, slot %zu) has header"
			  " %#llx: it was freed and reused",
			  (unsigned long long)seq, size, slot,
			  (unsigned long long)o[0]);
	if (size >= 16 && o[1] != bench_hash(o[0]))
		bench_die("churn: object %llu: check word overwritten",
			  (unsigned long long)seq);
	if (size >= 64 && o[size / 8 - 1] != ~o[1])
		bench_die("churn: object %llu: tail overwritten",
			  (unsigned long long)seq);
}

/* Check the object in a slot and the targets of its links. */
static void check_slot(size_t s)
{
	const uint64_t *o = ring[s];
	check_header(o, seq_of[s], size_of[s], s);
	for (size_t k = 0; k < LINKS; k++) {
		int32_t t = out_target[LINKS * s + k];
		if (t < 0)
			continue;
		if ((const uint64_t *)o[2 + 2 * k] != ring[t] ||
		    o[3 + 2 * k] != word0(seq_of[t], size_of[t]))
			bench_die("churn: link %zu of object %llu is stale", k,
				  (unsigned long long)seq_of[s]);
		check_header(ring[t], seq_of[t], size_of[t], (size_t)t);
	}
}

static void link_add(size_t s, size_t k, size_t t)
{
	int32_t l = (int32_t)(LINKS * s + k);
	out_target[l] = (int32_t)t;
	rev_prev[l] = -1;
	rev_next[l] = rev_head[t];
	if (rev_head[t] >= 0)
		rev_prev[rev_head[t]] = l;
	rev_head[t] = l;
	uint64_t *o = ring[s];
	o[2 + 2 * k] = (uint64_t)(uintptr_t)ring[t];
	o[3 + 2 * k] = word0(seq_of[t], size_of[t]);
}

static void link_remove(int32_t l)
{
	int32_t t = out_target[l];
	if (t < 0)
		return;
	if (rev_prev[l] >= 0)
		rev_next[rev_prev[l]] = rev_next[l];
	else
		rev_head[t] = rev_next[l];
	if (rev_next[l] >= 0)
		rev_prev[rev_next[l]] = rev_prev[l];
	out_target[l] = -1;
}

/* A new object in slot s (whose links are already removed); links to
 * random other slots below limit. */
static void fill_slot(size_t s, uint64_t seq, size_t limit)
{
	uint32_t size = random_size();
	int atomic = bench_below(&rng, 10) < 3;
	uint64_t *o = atomic ? GC_MALLOC_ATOMIC(size) : GC_MALLOC(size);
	if (!o)
		bench_die("churn: out of memory");
	o[0] = word0(seq, size);
	if (size >= 16)
		o[1] = bench_hash(o[0]);
	if (size >= 64)
		o[size / 8 - 1] = ~o[1];
	ring[s] = o;
	seq_of[s] = seq;
	size_of[s] = size;
	/* Whoever linked to this slot now links to the new object. */
	for (int32_t l = rev_head[s]; l >= 0; l = rev_next[l]) {
		uint64_t *from = ring[l / LINKS];
		size_t k = (size_t)l % LINKS;
		from[2 + 2 * k] = (uint64_t)(uintptr_t)o;
		from[3 + 2 * k] = o[0];
	}
	size_t n = limit > 1 ? nlinks_for(size, atomic) : 0;
	for (size_t k = 0; k < n; k++) {
		size_t t;
		do
			t = bench_below(&rng, limit);
		while (t == s);
		link_add(s, k, t);
	}
}

static void *xcalloc(size_t n, size_t size)
{
	return bench_nonnull(calloc(n, size), "bookkeeping");
}

int main(int argc, char **argv)
{
	const char *usage = "[SLOTS [STEPS]]";
	nslots = (size_t)bench_arg(argc, argv, 1, 100000, usage);
	size_t steps = (size_t)bench_arg(argc, argv, 2, 20.0 * nslots, usage);
	if (nslots < 2 || nslots > (1u << 28))
		bench_die("churn: SLOTS must be in [2, 2^28]");

	seq_of = xcalloc(nslots, sizeof *seq_of);
	size_of = xcalloc(nslots, sizeof *size_of);
	out_target = xcalloc(LINKS * nslots, sizeof *out_target);
	rev_next = xcalloc(LINKS * nslots, sizeof *rev_next);
	rev_prev = xcalloc(LINKS * nslots, sizeof *rev_prev);
	rev_head = xcalloc(nslots, sizeof *rev_head);
	memset(out_target, 0xff, LINKS * nslots * sizeof *out_target);
	memset(rev_head, 0xff, nslots * sizeof *rev_head);

	GC_INIT();
	bench_pauses_start();
	double t0 = bench_now_ms();
	ring = bench_nonnull(GC_MALLOC(nslots * sizeof *ring), "the ring");
	uint64_t seq = 1, alloc_bytes = 0;
	size_t heap_peak = 0;
	for (size_t s = 0; s < nslots; s++) {
		fill_slot(s, seq++, s);
		alloc_bytes += size_of[s];
	}
	for (size_t i = 0; i < steps; i++) {
		size_t s = bench_below(&rng, nslots);
		check_slot(s);
		for (size_t k = 0; k < LINKS; k++)
			link_remove((int32_t)(LINKS * s + k));
		fill_slot(s, seq++, nslots);
		alloc_bytes += size_of[s];
		if (i % SAMPLE_EVERY == 0 && GC_get_heap_size() > heap_peak)
			heap_peak = GC_get_heap_size();
	}
	double ms = bench_now_ms() - t0;
	if (GC_get_heap_size() > heap_peak)
		heap_peak = GC_get_heap_size();
	uint64_t live = 0;
	for (size_t s = 0; s < nslots; s++) {
		check_slot(s);
		live += size_of[s];
	}
	printf("churn: %zu slots, %zu steps, %.1f MiB live, peak heap %.1f"
	       " MiB, %.1f ms\n", nslots, steps, live / 1048576.0,
	       heap_peak / 1048576.0, ms);
	bench_metric("total_ms", ms);
	bench_metric("live_mib", live / 1048576.0);
	bench_metric("heap_mib", heap_peak / 1048576.0);
	bench_metric("heap_live_ratio", (double)heap_peak / (double)live);
	bench_metric("alloc_mib", alloc_bytes / 1048576.0);
	bench_pauses_report(0);
	return 0;
}
