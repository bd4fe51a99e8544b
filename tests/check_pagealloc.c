/*
 * check_pagealloc.c: white-box tests of src/pagealloc.[ch].
 *
 * Each test drives its own struct sgc_pagealloc over a reservation of its
 * own (the allocator never touches the pages, except scavenge_all, which
 * decommits them), so the heap's allocator is not involved and GC_init is
 * not needed.  After every operation check_pa() verifies the invariants
 * stated in pagealloc.h against the bits.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "pagealloc.h"
#include "testutil.h"

#define CP SGC_CHUNK_PAGES
#define PG SGC_PAGE_SIZE

static struct sgc_pagealloc pa;
static uintptr_t base;

static void setup_pa(size_t cap_pages)
{
	void *p = sgc_os_reserve(cap_pages * PG, PG);
	ck_assert_ptr_nonnull(p);
	base = (uintptr_t)p;
	ck_assert_int_eq(sgc_pagealloc_init(&pa, base, cap_pages), 0);
}

static size_t pidx(uintptr_t addr)
{
	return (addr - base) / PG;
}

static uintptr_t paddr(size_t i)
{
	return base + i * PG;
}

static int used(size_t i)
{
	return sgc_pagealloc_in_use(&pa, i);
}

/* The invariants of pagealloc.h, checked from the bits. */
static void check_pa_at(const char *what, int line)
{
	size_t nchunks = sgc_round_up(pa.npages, CP) / CP;
	size_t free_pages = 0, scav = 0;

	for (size_t c = 0; c < nchunks; c++) {
		struct sgc_chunk_sum s =
			sgc_pagealloc_summarize(&pa.bits[c * SGC_CHUNK_WORDS]);
		struct sgc_chunk_sum t = pa.sums[c];
		if (s.start != t.start || s.max != t.max || s.end != t.end)
			ck_abort_msg("%s (line %d): chunk %zu summary {%u,%u,%u},"
				     " bits say {%u,%u,%u}", what, line, c,
				     t.start, t.max, t.end, s.start, s.max,
				     s.end);
	}
	for (size_t i = 0; i < pa.npages; i++) {
		if (!used(i)) {
			free_pages++;
			if (i / CP < pa.first_free)
				ck_abort_msg("%s (line %d): page %zu free below"
					     " first_free chunk %zu", what,
					     line, i, pa.first_free);
		}
	}
	for (size_t i = pa.npages; i < nchunks * CP; i++)
		if (!used(i))
			ck_abort_msg("%s (line %d): page %zu past the end is free",
				     what, line, i);
	for (size_t w = 0; w < pa.cap_pages / 64; w++)
		scav += sgc_popcount64(pa.scav[w]);
	if (free_pages != pa.free_pages)
		ck_abort_msg("%s (line %d): free_pages %zu, bits say %zu", what,
			     line, pa.free_pages, free_pages);
	if (scav != pa.scav_pages)
		ck_abort_msg("%s (line %d): scav_pages %zu, bits say %zu", what,
			     line, pa.scav_pages, scav);
}

#define check_pa(what) check_pa_at(what, __LINE__)

static uintptr_t alloc(size_t n)
{
	uintptr_t a = sgc_pagealloc_alloc(&pa, n);
	check_pa("alloc");
	if (a) {
		for (size_t i = pidx(a); i < pidx(a) + n; i++)
			if (!used(i))
				ck_abort_msg("allocated page %zu not in use", i);
	}
	return a;
}

static void pfree(uintptr_t a, size_t n)
{
	sgc_pagealloc_free(&pa, a, n);
	check_pa("free");
	for (size_t i = pidx(a); i < pidx(a) + n; i++)
		if (used(i))
			ck_abort_msg("freed page %zu still in use", i);
}

static void grow(size_t n)
{
	sgc_pagealloc_grow(&pa, n);
	check_pa("grow");
}

/* ---- summaries ---- */

static struct sgc_chunk_sum ref_summary(const unsigned char *u)
{
	struct sgc_chunk_sum s = { 0, 0, 0 };
	unsigned run = 0;
	while (s.start < CP && !u[s.start])
		s.start++;
	for (unsigned i = 0; i < CP; i++) {
		run = u[i] ? 0 : run + 1;
		if (run > s.max)
			s.max = (uint16_t)run;
	}
	s.end = (uint16_t)run;
	return s;
}

static void bits_of(const unsigned char *u, uint64_t *w)
{
	memset(w, 0, SGC_CHUNK_WORDS * 8);
	for (unsigned i = 0; i < CP; i++)
		if (u[i])
			w[i / 64] |= (uint64_t)1 << (i % 64);
}

static void expect_summary(const unsigned char *u, const char *what)
{
	uint64_t w[SGC_CHUNK_WORDS];
	bits_of(u, w);
	struct sgc_chunk_sum s = sgc_pagealloc_summarize(w);
	struct sgc_chunk_sum r = ref_summary(u);
	if (s.start != r.start || s.max != r.max || s.end != r.end)
		ck_abort_msg("%s: summary {%u,%u,%u}, expected {%u,%u,%u}", what,
			     s.start, s.max, s.end, r.start, r.max, r.end);
}

START_TEST(test_summarize_fixed)
{
	unsigned char u[CP];
	uint64_t w[SGC_CHUNK_WORDS];
	struct sgc_chunk_sum s;

	memset(u, 0, sizeof u);
	bits_of(u, w);
	s = sgc_pagealloc_summarize(w);
	ck_assert_uint_eq(s.start, CP);
	ck_assert_uint_eq(s.max, CP);
	ck_assert_uint_eq(s.end, CP);

	memset(u, 1, sizeof u);
	bits_of(u, w);
	s = sgc_pagealloc_summarize(w);
	ck_assert_uint_eq(s.start, 0);
	ck_assert_uint_eq(s.max, 0);
	ck_assert_uint_eq(s.end, 0);

	/* One used page at 0, at 511, in the middle of a word, on a word's
	 * edge. */
	memset(u, 0, sizeof u);
	u[0] = 1;
	bits_of(u, w);
	s = sgc_pagealloc_summarize(w);
	ck_assert_uint_eq(s.start, 0);
	ck_assert_uint_eq(s.max, CP - 1);
	ck_assert_uint_eq(s.end, CP - 1);

	memset(u, 0, sizeof u);
	u[CP - 1] = 1;
	bits_of(u, w);
	s = sgc_pagealloc_summarize(w);
	ck_assert_uint_eq(s.start, CP - 1);
	ck_assert_uint_eq(s.max, CP - 1);
	ck_assert_uint_eq(s.end, 0);

	memset(u, 0, sizeof u);
	u[100] = 1;
	u[300] = 1;
	bits_of(u, w);
	s = sgc_pagealloc_summarize(w);
	ck_assert_uint_eq(s.start, 100);
	ck_assert_uint_eq(s.max, 211);
	ck_assert_uint_eq(s.end, 211);

	memset(u, 1, sizeof u);
	for (unsigned i = 63; i < 63 + 130; i++)
		u[i] = 0;
	bits_of(u, w);
	s = sgc_pagealloc_summarize(w);
	ck_assert_uint_eq(s.start, 0);
	ck_assert_uint_eq(s.max, 130);
	ck_assert_uint_eq(s.end, 0);

	for (unsigned k = 0; k < CP; k += 37) {
		memset(u, 0, sizeof u);
		u[k] = 1;
		expect_summary(u, "one used page");
		memset(u, 1, sizeof u);
		u[k] = 0;
		expect_summary(u, "one free page");
	}
}
END_TEST

START_TEST(test_summarize_random)
{
	unsigned char u[CP];
	unsigned seed = 99;
	for (int n = 0; n < 20000; n++) {
		/* Runs of random lengths, so long free runs occur, and
		 * short ones, so words hold many. */
		unsigned i = 0;
		while (i < CP) {
			seed = seed * 1103515245u + 12345u;
			unsigned len = 1 + (seed >> 16) % (n % 4 == 0 ? 300 :
							   n % 4 == 1 ? 3 : 70);
			unsigned char v = (unsigned char)((seed >> 3) & 1);
			for (unsigned k = 0; k < len && i < CP; k++)
				u[i++] = v;
		}
		expect_summary(u, "random");
	}
}
END_TEST

/* ---- basic allocation ---- */

START_TEST(test_init_empty)
{
	setup_pa(1000);
	ck_assert_uint_eq(pa.cap_pages, 1024); /* rounded up to chunks */
	ck_assert_uint_eq(pa.npages, 0);
	ck_assert_uint_eq(pa.free_pages, 0);
	ck_assert_uint_eq(pa.base, base);
	ck_assert_uint_eq(alloc(1), 0);
	ck_assert_uint_eq(alloc(0), 0);
	check_pa("init");
}
END_TEST

START_TEST(test_grow_and_fill)
{
	setup_pa(4096);
	grow(100);
	ck_assert_uint_eq(pa.npages, 100);
	ck_assert_uint_eq(pa.free_pages, 100);
	ck_assert_uint_eq(alloc(0), 0);
	ck_assert_uint_eq(alloc(101), 0);
	ck_assert_uint_eq(alloc(1), paddr(0));
	ck_assert_uint_eq(alloc(99), paddr(1));
	ck_assert_uint_eq(pa.free_pages, 0);
	ck_assert_uint_eq(alloc(1), 0);
	/* Growing adds pages at the end, in the same chunk and past it. */
	grow(300);
	ck_assert_uint_eq(pa.free_pages, 300);
	ck_assert_uint_eq(alloc(300), paddr(100));
	ck_assert_uint_eq(alloc(1), 0);
	grow(1);
	ck_assert_uint_eq(alloc(1), paddr(400));
	grow(CP - 401); /* to the chunk's end */
	ck_assert_uint_eq(alloc(CP - 401), paddr(401));
	grow(CP * 3);
	ck_assert_uint_eq(alloc(CP * 3), paddr(CP));
	ck_assert_uint_eq(pa.free_pages, 0);
}
END_TEST

START_TEST(test_grow_past_cap_aborts)
{
	setup_pa(1024);
	sgc_pagealloc_grow(&pa, 1000);
	sgc_pagealloc_grow(&pa, 25);
}
END_TEST

/* Runs come out in address order: the lowest that fits. */
START_TEST(test_first_fit)
{
	uintptr_t r[10];
	setup_pa(2048);
	grow(1024);
	for (int k = 0; k < 10; k++) {
		r[k] = alloc(10);
		ck_assert_uint_eq(r[k], paddr(10 * (size_t)k));
	}
	pfree(r[2], 10);
	pfree(r[5], 10);
	pfree(r[7], 10);
	/* 11 fits in none of the holes: it goes after the last run. */
	ck_assert_uint_eq(alloc(11), paddr(100));
	/* Smaller requests fill the lowest hole first. */
	ck_assert_uint_eq(alloc(4), paddr(20));
	ck_assert_uint_eq(alloc(6), paddr(24));
	ck_assert_uint_eq(alloc(7), paddr(50));
	ck_assert_uint_eq(alloc(3), paddr(57));
	ck_assert_uint_eq(alloc(10), paddr(70));
	ck_assert_uint_eq(alloc(1), paddr(111));
}
END_TEST

/* Runs that cross chunk boundaries, through wholly free chunks. */
START_TEST(test_chunk_boundaries)
{
	setup_pa(8 * CP);
	grow(8 * CP);
	ck_assert_uint_eq(alloc(300), paddr(0));
	/* Free end of chunk 0 (212 pages) + chunks 1, 2 + start of 3. */
	ck_assert_uint_eq(alloc(1500), paddr(300));
	ck_assert_uint_eq(pa.free_pages, 8 * CP - 1800);
	/* The rest of chunk 3 (end at 4 * CP) plus one page of chunk 4. */
	ck_assert_uint_eq(alloc(4 * CP - 1800 + 1), paddr(1800));
	ck_assert_uint_eq(pa.first_free, 4);

	/* A run made of a chunk's end and the next chunk's start only. */
	pfree(paddr(CP - 10), 20); /* 502 .. 521 */
	ck_assert_uint_eq(pa.first_free, 0);
	ck_assert_uint_eq(alloc(21), paddr(4 * CP + 1));
	ck_assert_uint_eq(alloc(20), paddr(CP - 10));
	ck_assert_uint_eq(pa.first_free, 4);

	/* A run that would need a wholly free chunk which is not: the end of
	 * chunk 1, all of chunk 2 but for its first page, and beyond. */
	pfree(paddr(2 * CP - 50), 50);
	pfree(paddr(2 * CP + 1), CP - 1);
	/* 50 + 0 (page 2 * CP used) does not make 100: the run must come
	 * from chunk 2's free 511 pages. */
	ck_assert_uint_eq(alloc(100), paddr(2 * CP + 1));
	ck_assert_uint_eq(alloc(50), paddr(2 * CP - 50));
	/* Chunk 2 has 411 free pages at its end and chunk 3 is in use: 412
	 * pages go to chunk 4, after the 22 in use there; 411 fit in
	 * chunk 2. */
	ck_assert_uint_eq(alloc(412), paddr(4 * CP + 22));
	ck_assert_uint_eq(alloc(411), paddr(2 * CP + 101));
	ck_assert_uint_eq(pa.first_free, 4);

	/* A run across several wholly free chunks, then the exact rest. */
	ck_assert_uint_eq(pa.free_pages, 8 * CP - (4 * CP + 22 + 412));
	ck_assert_uint_eq(alloc(2 * CP + 5), paddr(4 * CP + 22 + 412));
	ck_assert_uint_eq(alloc(pa.free_pages), paddr(6 * CP + 22 + 412 + 5));
	ck_assert_uint_eq(pa.free_pages, 0);
	ck_assert_uint_eq(alloc(1), 0);
}
END_TEST

/* Requests of exactly the free space succeed; one page more fails, and so
 * does a request that fits in the total but in no run. */
START_TEST(test_exact_and_no_fit)
{
	setup_pa(4 * CP);
	grow(1000);
	ck_assert_uint_eq(alloc(1001), 0);
	ck_assert_uint_eq(alloc(1000), paddr(0));
	ck_assert_uint_eq(alloc(1), 0);
	pfree(paddr(0), 1000);
	ck_assert_uint_eq(pa.free_pages, 1000);
	/* Fragment: every other block of 100 in use. */
	for (size_t k = 0; k < 10; k++)
		ck_assert_uint_eq(alloc(100), paddr(100 * k));
	for (size_t k = 0; k < 10; k += 2)
		pfree(paddr(100 * k), 100);
	ck_assert_uint_eq(pa.free_pages, 500);
	ck_assert_uint_eq(alloc(101), 0);
	ck_assert_uint_eq(alloc(500), 0);
	ck_assert_uint_eq(alloc(100), paddr(0));
	ck_assert_uint_eq(alloc(100), paddr(200));
	ck_assert_uint_eq(alloc(100), paddr(400));
	ck_assert_uint_eq(alloc(100), paddr(600));
	ck_assert_uint_eq(alloc(100), paddr(800));
	ck_assert_uint_eq(alloc(1), 0);
	ck_assert_uint_eq(pa.free_pages, 0);
	/* The same over whole chunks: all pages of 3 chunks in one run. */
	pfree(paddr(0), 1000);
	grow(3 * CP - 1000);
	ck_assert_uint_eq(pa.free_pages, 3 * CP);
	ck_assert_uint_eq(alloc(3 * CP + 1), 0);
	ck_assert_uint_eq(alloc(3 * CP), paddr(0));
}
END_TEST

/* Freed neighbours merge: after freeing them, a larger run fits again. */
START_TEST(test_coalescing)
{
	setup_pa(4 * CP);
	grow(2 * CP);
	/* Three neighbours straddling the chunk boundary, fenced in. */
	ck_assert_uint_eq(alloc(CP - 150), paddr(0));
	uintptr_t a = alloc(100), b = alloc(100), c = alloc(100);
	ck_assert_uint_eq(a, paddr(CP - 150));
	ck_assert_uint_eq(b, paddr(CP - 50));
	ck_assert_uint_eq(c, paddr(CP + 50));
	ck_assert_uint_eq(alloc(pa.free_pages), paddr(CP + 150)); /* fence */
	ck_assert_uint_eq(pa.free_pages, 0);

	pfree(a, 100);
	pfree(c, 100);
	ck_assert_uint_eq(pa.free_pages, 200);
	ck_assert_uint_eq(alloc(101), 0);
	ck_assert_uint_eq(alloc(200), 0);
	pfree(b, 100);
	ck_assert_uint_eq(alloc(301), 0);
	ck_assert_uint_eq(alloc(300), a);
	pfree(a, 300);
	/* Freeing in pieces and in other orders merges the same way. */
	pfree(paddr(0), 1);
	pfree(paddr(1), CP - 151);
	ck_assert_uint_eq(alloc(CP + 150), paddr(0));
	ck_assert_uint_eq(pa.free_pages, 0);
}
END_TEST

/* first_free: no chunk below it has a free page, and it lets a search
 * start late, but a free below moves it back. */
START_TEST(test_first_free_hint)
{
	setup_pa(8 * CP);
	grow(4 * CP);
	ck_assert_uint_eq(pa.first_free, 0);
	ck_assert_uint_eq(alloc(CP), paddr(0));
	ck_assert_uint_eq(pa.first_free, 1);
	ck_assert_uint_eq(alloc(CP + 3), paddr(CP));
	ck_assert_uint_eq(pa.first_free, 2);
	pfree(paddr(7), 1);
	ck_assert_uint_eq(pa.first_free, 0);
	ck_assert_uint_eq(alloc(1), paddr(7));
	ck_assert_uint_eq(pa.first_free, 2);
	ck_assert_uint_eq(alloc(1), paddr(2 * CP + 3));
	/* Fill everything: the hint runs off the end, and a free brings it
	 * back to exactly that chunk. */
	ck_assert_uint_eq(alloc(pa.free_pages), paddr(2 * CP + 4));
	ck_assert_uint_ge(pa.first_free, 3);
	pfree(paddr(3 * CP + 5), 2);
	ck_assert_uint_eq(pa.first_free, 3);
	ck_assert_uint_eq(alloc(2), paddr(3 * CP + 5));
}
END_TEST

/* Growing a full allocator whose last chunk is partly past the end: the
 * new pages of that chunk must be found first. */
START_TEST(test_grow_when_full)
{
	setup_pa(8 * CP);
	grow(600);
	ck_assert_uint_eq(alloc(600), paddr(0));
	ck_assert_uint_eq(alloc(1), 0);
	/* Grow within the last chunk. */
	grow(100);
	ck_assert_uint_eq(alloc(1), paddr(600));
	ck_assert_uint_eq(alloc(99), paddr(601));
	/* Full again (first_free ran to the end, chunk 2); grow across the
	 * next chunk boundary: pages 700..1023 of chunk 1 become free. */
	ck_assert_uint_eq(pa.first_free, 2);
	sgc_pagealloc_grow(&pa, 600);
	ck_assert_uint_eq(pa.free_pages, 600);
	/* first_free moves back to the chunk the grow started in. */
	check_pa("grow across a chunk boundary");
	ck_assert_uint_eq(alloc(1), paddr(700));
	(void)0;
}
END_TEST

/* ---- randomized against a model ---- */

#define RCAP (6 * CP)

struct live {
	size_t start, n;
};

static unsigned char model[RCAP];
static size_t model_npages;

static long model_find(size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < model_npages; i++) {
		run = model[i] ? 0 : run + 1;
		if (run == n)
			return (long)(i + 1 - n);
	}
	return -1;
}

/* Grow only after filling every free run now and then, so that grows
 * happen with first_free at the end (see test_grow_when_full). */
#define FILL_BEFORE_GROW 1

static unsigned rnd_state = 2024;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

START_TEST(test_random_vs_model)
{
	static struct live lv[RCAP];
	size_t nlive = 0;
	setup_pa(RCAP);
	memset(model, 0, sizeof model);
	model_npages = 0;
	grow(CP / 2 + 17);
	model_npages = CP / 2 + 17;

	for (int op = 0; op < 8000; op++) {
		unsigned r = rnd(100);
		if (r < 3 && model_npages < RCAP) {
			size_t g = 1 + rnd(300);
			int fill = FILL_BEFORE_GROW && rnd(2);
			while (fill) {
				/* Allocate the lowest free run, whole. */
				size_t i = 0, n = 0;
				while (i < model_npages && model[i])
					i++;
				while (i + n < model_npages && !model[i + n])
					n++;
				if (n == 0)
					break;
				if (alloc(n) != paddr(i))
					ck_abort_msg("op %d: fill alloc(%zu)", op, n);
				memset(&model[i], 1, n);
				lv[nlive].start = i;
				lv[nlive].n = n;
				nlive++;
			}
			if (model_npages + g > RCAP)
				g = RCAP - model_npages;
			grow(g);
			model_npages += g;
		} else if (r < 55 || nlive == 0) {
			size_t n;
			unsigned k = rnd(10);
			if (k < 6)
				n = 1 + rnd(8);
			else if (k < 9)
				n = 1 + rnd(100);
			else
				n = 1 + rnd(2 * CP);
			long want = model_find(n);
			uintptr_t got = alloc(n);
			if (want < 0) {
				if (got != 0)
					ck_abort_msg("op %d: alloc(%zu) gave page %zu,"
						     " model has no run", op, n,
						     pidx(got));
				continue;
			}
			if (got != paddr((size_t)want))
				ck_abort_msg("op %d: alloc(%zu) gave %s%zu, model"
					     " says page %ld", op, n,
					     got ? "page " : "nothing ",
					     got ? pidx(got) : 0, want);
			memset(&model[want], 1, n);
			lv[nlive].start = (size_t)want;
			lv[nlive].n = n;
			nlive++;
		} else {
			size_t k = rnd((unsigned)nlive);
			struct live l = lv[k];
			if (l.n > 1 && rnd(4) == 0) {
				/* Free a part: the front or the back. */
				size_t part = 1 + rnd((unsigned)l.n - 1);
				if (rnd(2)) {
					pfree(paddr(l.start), part);
					memset(&model[l.start], 0, part);
					lv[k].start += part;
				} else {
					pfree(paddr(l.start + l.n - part), part);
					memset(&model[l.start + l.n - part], 0, part);
				}
				lv[k].n -= part;
			} else {
				pfree(paddr(l.start), l.n);
				memset(&model[l.start], 0, l.n);
				lv[k] = lv[--nlive];
			}
		}
		for (size_t i = 0; i < model_npages; i++)
			if (used(i) != model[i])
				ck_abort_msg("op %d: page %zu is %d, model %d", op,
					     i, used(i), model[i]);
	}
	/* Free all: one run covers everything again. */
	for (size_t k = 0; k < nlive; k++)
		pfree(paddr(lv[k].start), lv[k].n);
	ck_assert_uint_eq(pa.free_pages, model_npages);
	ck_assert_uint_eq(alloc(model_npages), paddr(0));
}
END_TEST

/* ---- scavenging ---- */

START_TEST(test_scavenge_accounting)
{
	setup_pa(4 * CP);
	grow(2 * CP);
	uintptr_t a = alloc(100);
	ck_assert_uint_eq(a, paddr(0));
	ck_assert_uint_eq(pa.scav_pages, 0);
	ck_assert_uint_eq(sgc_pagealloc_scavenge_all(&pa), 2 * CP - 100);
	check_pa("scavenge");
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 100);
	/* In-use pages are not scavenged. */
	for (size_t i = 0; i < 100; i++)
		ck_assert(!((pa.scav[i / 64] >> (i % 64)) & 1));
	/* Again: nothing new. */
	ck_assert_uint_eq(sgc_pagealloc_scavenge_all(&pa), 0);
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 100);
	/* Scavenging changes nothing of the allocation state. */
	ck_assert_uint_eq(pa.free_pages, 2 * CP - 100);

	/* A fresh run of scavenged pages: take_scavenged says so, once. */
	uintptr_t b = alloc(50);
	ck_assert_uint_eq(b, paddr(100));
	ck_assert_int_eq(sgc_pagealloc_take_scavenged(&pa, b, 50), 1);
	check_pa("take");
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 150);
	ck_assert_int_eq(sgc_pagealloc_take_scavenged(&pa, b, 50), 0);
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 150);
	/* Never scavenged. */
	ck_assert_int_eq(sgc_pagealloc_take_scavenged(&pa, a, 100), 0);

	/* Free a, scavenge: only a's pages are new. */
	pfree(a, 100);
	ck_assert_uint_eq(sgc_pagealloc_scavenge_all(&pa), 100);
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 50);

	/* A run partly scavenged: not all, but its scavenged bits are
	 * taken. */
	uintptr_t c = alloc(10);
	ck_assert_uint_eq(c, paddr(0));
	ck_assert_int_eq(sgc_pagealloc_take_scavenged(&pa, c, 5), 1);
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 55);
	ck_assert_int_eq(sgc_pagealloc_take_scavenged(&pa, c, 10), 0);
	ck_assert_uint_eq(pa.scav_pages, 2 * CP - 60);
	check_pa("take partial");
	/* Pages past the end are never scavenged. */
	grow(10);
	ck_assert_uint_eq(sgc_pagealloc_scavenge_all(&pa), 10);
	check_pa("scavenge after grow");
}
END_TEST

/* Scavenging returns the memory of free pages only: on committed memory,
 * free pages read zero afterwards and in-use pages keep their data. */
START_TEST(test_scavenge_memory)
{
	setup_pa(CP);
	ck_assert_int_eq(sgc_os_commit((void *)base, CP * PG), 0);
	grow(64);
	uintptr_t a = alloc(8), b = alloc(8), c = alloc(8);
	memset((void *)base, 0x77, 64 * PG);
	pfree(b, 8);
	ck_assert_uint_eq(sgc_pagealloc_scavenge_all(&pa), 64 - 16);
	const unsigned char *m = (const unsigned char *)base;
	for (size_t i = 0; i < 64 * PG; i++) {
		int in_use = (i >= pidx(a) * PG && i < (pidx(a) + 8) * PG) ||
			     (i >= pidx(c) * PG && i < (pidx(c) + 8) * PG);
		unsigned char want = in_use ? 0x77 : 0;
		if (m[i] != want)
			ck_abort_msg("byte %zu (page %zu) is %#x, want %#x", i,
				     i / PG, m[i], want);
	}
}
END_TEST

Suite *make_pagealloc_suite(void)
{
	Suite *s = suite_create("pagealloc");
	TCase *tc = tcase_create("summary");
	tcase_add_test(tc, test_summarize_fixed);
	tcase_add_test(tc, test_summarize_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_init_empty);
	tcase_add_test(tc, test_grow_and_fill);
	tcase_add_test_raise_signal(tc, test_grow_past_cap_aborts, SIGABRT);
	tcase_add_test(tc, test_first_fit);
	tcase_add_test(tc, test_chunk_boundaries);
	tcase_add_test(tc, test_exact_and_no_fit);
	tcase_add_test(tc, test_coalescing);
	tcase_add_test(tc, test_first_free_hint);
	tcase_add_test(tc, test_grow_when_full);
	tcase_add_test(tc, test_random_vs_model);
	suite_add_tcase(s, tc);

	tc = tcase_create("scavenge");
	tcase_add_test(tc, test_scavenge_accounting);
	tcase_add_test(tc, test_scavenge_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	(void)sgc_test_clear_stack; /* a static helper of testutil.h */
	return sgc_test_run(make_pagealloc_suite());
}
