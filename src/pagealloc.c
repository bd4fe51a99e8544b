/*
 * pagealloc.c: address-ordered first fit over a bitmap with chunk
 * summaries (see pagealloc.h).
 *
 * Departure from Go: Go's page allocator covers the whole address space
 * with a radix tree of summaries because its arenas may be anywhere.
 * spangc reserves the heap's address space in one piece (see heap.c), so
 * a flat array of chunk summaries is enough and a search is a linear walk
 * over summaries of the chunks below the answer.
 */
#include <string.h>
#include "os.h"
#include "pagealloc.h"

int sgc_pagealloc_init(struct sgc_pagealloc *pa, uintptr_t base,
		       size_t cap_pages)
{
	memset(pa, 0, sizeof *pa);
	cap_pages = sgc_round_up(cap_pages, SGC_CHUNK_PAGES);
	pa->base = base;
	pa->cap_pages = cap_pages;
	pa->bits = sgc_os_alloc(cap_pages / 8);
	pa->scav = sgc_os_alloc(cap_pages / 8);
	pa->sums = sgc_os_alloc(cap_pages / SGC_CHUNK_PAGES * sizeof *pa->sums);
	pa->black_new = sgc_os_alloc(cap_pages / 8);
	pa->black_old = sgc_os_alloc(cap_pages / 8);
	if (!pa->bits || !pa->scav || !pa->sums || !pa->black_new ||
	    !pa->black_old)
		return -1;
	return 0;
}

/* The longest run of zeros strictly between two set bits of x (x != 0),
 * or max if that is longer. */
static unsigned inner_max(uint64_t x, unsigned max)
{
	uint64_t y = x >> __builtin_ctzll(x); /* bit 0 set */
	for (;;) {
		if (~y == 0)
			return max;
		y >>= __builtin_ctzll(~y); /* drop the ones */
		if (y == 0)
			return max; /* only the word's top zeros were left */
		unsigned z = (unsigned)__builtin_ctzll(y);
		if (z > max)
			max = z;
		y >>= z;
	}
}

/* Word by word: runs that cross words are carried in cur, the runs inside
 * a word are found with ctz, one step per run of ones and of zeros. */
struct sgc_chunk_sum sgc_pagealloc_summarize(const uint64_t *w)
{
	struct sgc_chunk_sum s;
	unsigned cur = 0, max = 0, k;
	for (k = 0; k < SGC_CHUNK_WORDS && w[k] == 0; k++)
		cur += 64;
	if (k == SGC_CHUNK_WORDS) {
		s.start = s.max = s.end = SGC_CHUNK_PAGES;
		return s;
	}
	for (; k < SGC_CHUNK_WORDS; k++) {
		uint64_t x = w[k];
		if (x == 0) {
			cur += 64;
			continue;
		}
		cur += (unsigned)__builtin_ctzll(x);
		if (cur > max)
			max = cur;
		max = inner_max(x, max);
		cur = (unsigned)__builtin_clzll(x);
	}
	if (cur > max)
		max = cur;
	unsigned start = 0;
	for (k = 0; w[k] == 0; k++)
		start += 64;
	start += (unsigned)__builtin_ctzll(w[k]);
	s.start = (uint16_t)start;
	s.max = (uint16_t)max;
	s.end = (uint16_t)cur;
	return s;
}

static void update_chunk(struct sgc_pagealloc *pa, size_t c)
{
	pa->sums[c] = sgc_pagealloc_summarize(&pa->bits[c * SGC_CHUNK_WORDS]);
}

/* Set (used = 1) or clear bits [i, i + n) and refresh their summaries. */
static void set_range(struct sgc_pagealloc *pa, size_t i, size_t n, int used)
{
	size_t end = i + n;
	size_t c0 = i / SGC_CHUNK_PAGES, c1 = (end - 1) / SGC_CHUNK_PAGES;
	while (i < end) {
		size_t w = i / 64;
		unsigned b = (unsigned)(i % 64);
		size_t k = 64 - b < end - i ? 64 - b : end - i;
		uint64_t mask = (k == 64 ? ~(uint64_t)0 : (((uint64_t)1 << k) - 1)) << b;
		if (used)
			pa->bits[w] |= mask;
		else
			pa->bits[w] &= ~mask;
		i += k;
	}
	for (size_t c = c0; c <= c1; c++)
		update_chunk(pa, c);
}

/* The counters change with the heap lock held, which orders the writers;
 * the stores are atomic for the readers that do not take it. */
static void add_free(struct sgc_pagealloc *pa, size_t delta)
{
	sgc_store_relaxed(&pa->free_pages,
			  sgc_load_relaxed(&pa->free_pages) + delta);
}

static void add_scav(struct sgc_pagealloc *pa, size_t delta)
{
	sgc_store_relaxed(&pa->scav_pages,
			  sgc_load_relaxed(&pa->scav_pages) + delta);
}

void sgc_pagealloc_grow(struct sgc_pagealloc *pa, size_t npages)
{
	size_t old = pa->npages;
	SGC_CHECK(old + npages <= pa->cap_pages);
	size_t chunk_end = sgc_round_up(old + npages, SGC_CHUNK_PAGES);
	/* Pages past the new end in the last chunk stay "in use". */
	if (chunk_end > old + npages)
		set_range(pa, old + npages, chunk_end - old - npages, 1);
	set_range(pa, old, npages, 0);
	pa->npages = old + npages;
	add_free(pa, npages);
	if (npages && old / SGC_CHUNK_PAGES < pa->first_free)
		pa->first_free = old / SGC_CHUNK_PAGES;
}

/* The length of the run of pages starting at bit i of w (a chunk's
 * words) that are all free (used 0) or all in use (used 1). */
static unsigned run_at(const uint64_t *w, unsigned i, int used)
{
	unsigned run = 0;
	while (i < SGC_CHUNK_PAGES) {
		uint64_t x = w[i / 64] >> (i % 64);
		if (used) /* the bits shifted in at the top read as free */
			x = ~x;
		unsigned avail = 64 - i % 64;
		unsigned z = x ? (unsigned)__builtin_ctzll(x) : avail;
		if (z > avail)
			z = avail;
		run += z;
		i += z;
		if (z < avail)
			break;
	}
	return run;
}

/* First run of n free pages in a chunk's words w (n <= chunk size), as a
 * page index relative to the chunk, or -1. */
static long find_in_chunk(const uint64_t *w, size_t n)
{
	if (n == 1) { /* most spans: the first clear bit */
		for (unsigned k = 0; k < SGC_CHUNK_WORDS; k++)
			if (~w[k])
				return (long)(k * 64 +
					      (unsigned)__builtin_ctzll(~w[k]));
		return -1;
	}
	unsigned i = 0;
	while (i < SGC_CHUNK_PAGES) {
		unsigned run = run_at(w, i, 0);
		if (run >= n)
			return (long)i;
		i += run;
		i += run_at(w, i, 1); /* the used pages that stopped it */
	}
	return -1;
}

/* The first run of npages free pages starting at or after page from, or
 * -1.  Pages below from in its chunk count as used: that chunk's words
 * are copied with them set and summarised afresh. */
static long find_from(const struct sgc_pagealloc *pa, size_t from,
		      size_t npages)
{
	size_t nchunks = sgc_round_up(pa->npages, SGC_CHUNK_PAGES) / SGC_CHUNK_PAGES;
	size_t run = 0, run_start = 0;
	size_t c = from / SGC_CHUNK_PAGES;
	if (c < pa->first_free) {
		c = pa->first_free;
		from = c * SGC_CHUNK_PAGES;
	}
	for (; c < nchunks; c++) {
		const uint64_t *w = &pa->bits[c * SGC_CHUNK_WORDS];
		struct sgc_chunk_sum s = pa->sums[c];
		uint64_t masked[SGC_CHUNK_WORDS];
		size_t cstart = c * SGC_CHUNK_PAGES;
		if (from > cstart) {
			size_t below = from - cstart;
			for (unsigned k = 0; k < SGC_CHUNK_WORDS; k++) {
				size_t lo = (size_t)k * 64;
				uint64_t m = below >= lo + 64 ? ~(uint64_t)0 :
					     below <= lo ? 0 :
					     ((uint64_t)1 << (below - lo)) - 1;
				masked[k] = w[k] | m;
			}
			w = masked;
			s = sgc_pagealloc_summarize(w);
		}
		if (s.start == SGC_CHUNK_PAGES) { /* wholly free */
			if (run == 0)
				run_start = cstart;
			run += SGC_CHUNK_PAGES;
			if (run >= npages)
				return (long)run_start;
			continue;
		}
		if (run + s.start >= npages)
			return (long)(run ? run_start : cstart);
		if (s.max >= npages) {
			long i = find_in_chunk(w, npages);
			SGC_CHECK(i >= 0);
			return (long)cstart + i;
		}
		run = s.end;
		run_start = cstart + SGC_CHUNK_PAGES - s.end;
	}
	return -1;
}

/* n pages were just marked in use: count them, and move first_free past
 * the chunks left with no free page. */
static void note_taken(struct sgc_pagealloc *pa, size_t n)
{
	size_t nchunks = sgc_round_up(pa->npages, SGC_CHUNK_PAGES) / SGC_CHUNK_PAGES;
	add_free(pa, -n);
	while (pa->first_free < nchunks && pa->sums[pa->first_free].max == 0)
		pa->first_free++;
}

/* n pages from page i on were just marked free. */
static void note_freed(struct sgc_pagealloc *pa, size_t i, size_t n)
{
	add_free(pa, n);
	if (i / SGC_CHUNK_PAGES < pa->first_free)
		pa->first_free = i / SGC_CHUNK_PAGES;
}

/* Mark [found, found + npages) in use and advance first_free. */
static uintptr_t take_run(struct sgc_pagealloc *pa, size_t found,
			  size_t npages)
{
	set_range(pa, found, npages, 1);
	note_taken(pa, npages);
	return pa->base + (uintptr_t)found * SGC_PAGE_SIZE;
}

uintptr_t sgc_pagealloc_alloc(struct sgc_pagealloc *pa, size_t npages)
{
	if (npages == 0 || npages > pa->free_pages)
		return 0;
	long found = find_from(pa, pa->first_free * SGC_CHUNK_PAGES, npages);
	if (found < 0)
		return 0;
	return take_run(pa, (size_t)found, npages);
}

/* Black lists (pagealloc.h). */

void sgc_pagealloc_black_age(struct sgc_pagealloc *pa)
{
	uint64_t *t = pa->black_old;
	memset(t, 0, pa->black_old_hi * sizeof *t);
	pa->black_old = pa->black_new;
	pa->black_old_hi = pa->black_new_hi;
	pa->black_new = t;
	pa->black_new_hi = 0;
}

/* Word k of the union of the two lists. */
static uint64_t black_word(const struct sgc_pagealloc *pa, size_t k)
{
	uint64_t x = 0;
	if (k < pa->black_new_hi)
		x |= pa->black_new[k];
	if (k < pa->black_old_hi)
		x |= pa->black_old[k];
	return x;
}

int sgc_pagealloc_is_black(const struct sgc_pagealloc *pa, size_t page)
{
	return (black_word(pa, page / 64) >> (page % 64)) & 1;
}

size_t sgc_pagealloc_black_count(const struct sgc_pagealloc *pa,
				 size_t *free_out)
{
	size_t hi = pa->black_new_hi > pa->black_old_hi ? pa->black_new_hi :
			pa->black_old_hi;
	size_t n = 0, nfree = 0;
	for (size_t k = 0; k < hi; k++) {
		uint64_t b = black_word(pa, k);
		n += (size_t)__builtin_popcountll(b);
		if (k * 64 < pa->npages)
			nfree += (size_t)__builtin_popcountll(b & ~pa->bits[k]);
	}
	if (free_out)
		*free_out = nfree;
	return n;
}

/* The first black-listed page of [i, i + n), or SIZE_MAX when none. */
static size_t first_black(const struct sgc_pagealloc *pa, size_t i, size_t n)
{
	size_t end = i + n;
	size_t hi = (pa->black_new_hi > pa->black_old_hi ? pa->black_new_hi :
		     pa->black_old_hi) * 64;
	if (end > hi)
		end = hi;
	while (i < end) {
		uint64_t x = black_word(pa, i / 64) >> (i % 64);
		if (x) {
			size_t j = i + (size_t)__builtin_ctzll(x);
			return j < end ? j : SIZE_MAX;
		}
		i += 64 - i % 64;
	}
	return SIZE_MAX;
}

/* The first page at or after from that is free and on neither list, or
 * SIZE_MAX.  Word by word over both maps, chunks with no free page
 * skipped by their summary: black pages cost nothing each. */
static size_t first_clean(const struct sgc_pagealloc *pa, size_t from)
{
	size_t nwords = sgc_round_up(pa->npages, SGC_CHUNK_PAGES) / 64;
	for (size_t k = from / 64; k < nwords; k++) {
		if (k % SGC_CHUNK_WORDS == 0 &&
		    pa->sums[k / SGC_CHUNK_WORDS].max == 0) {
			k += SGC_CHUNK_WORDS - 1;
			continue;
		}
		uint64_t x = ~(pa->bits[k] | black_word(pa, k));
		if (k == from / 64)
			x &= ~(uint64_t)0 << (from % 64);
		if (x)
			return k * 64 + (size_t)__builtin_ctzll(x);
	}
	return SIZE_MAX;
}

uintptr_t sgc_pagealloc_alloc_clean(struct sgc_pagealloc *pa, size_t npages,
				    size_t check)
{
	if (npages == 0 || npages > pa->free_pages)
		return 0;
	size_t from = pa->first_free * SGC_CHUNK_PAGES;
	for (unsigned tries = 0; tries < SGC_BLACK_SEARCH_RUNS; tries++) {
		from = first_clean(pa, from);
		if (from == SIZE_MAX)
			return 0;
		long found = find_from(pa, from, npages);
		if (found < 0)
			return 0;
		size_t b = first_black(pa, (size_t)found, check);
		if (b == SIZE_MAX)
			return take_run(pa, (size_t)found, npages);
		from = b + 1; /* no clean run can start at or below b */
	}
	return 0;
}

uintptr_t sgc_pagealloc_take_group(struct sgc_pagealloc *pa, uint64_t *pages,
				   uint64_t *scav)
{
	if (!pa->free_pages)
		return 0;
	size_t i = first_clean(pa, pa->first_free * SGC_CHUNK_PAGES);
	if (i == SIZE_MAX)
		return 0;
	size_t k = i / 64;
	/* Pages past npages read as in use (pagealloc.h): never taken. */
	uint64_t take = ~(pa->bits[k] | black_word(pa, k));
	pa->bits[k] |= take;
	update_chunk(pa, k / SGC_CHUNK_WORDS);
	note_taken(pa, (size_t)__builtin_popcountll(take));
	*scav = pa->scav[k] & take;
	pa->scav[k] &= ~*scav;
	add_scav(pa, -(size_t)__builtin_popcountll(*scav));
	*pages = take;
	return pa->base + (uintptr_t)k * 64 * SGC_PAGE_SIZE;
}

void sgc_pagealloc_return_group(struct sgc_pagealloc *pa, uintptr_t group,
				uint64_t pages, uint64_t scav)
{
	size_t k = (group - pa->base) / SGC_PAGE_SIZE / 64;
	SGC_CHECK(group >= pa->base && k * 64 < pa->npages &&
		  (pa->bits[k] & pages) == pages && (scav & ~pages) == 0);
	pa->bits[k] &= ~pages;
	update_chunk(pa, k / SGC_CHUNK_WORDS);
	note_freed(pa, k * 64, (size_t)__builtin_popcountll(pages));
	pa->scav[k] |= scav;
	add_scav(pa, (size_t)__builtin_popcountll(scav));
}

void sgc_pagealloc_free(struct sgc_pagealloc *pa, uintptr_t addr, size_t npages)
{
	size_t i = (addr - pa->base) / SGC_PAGE_SIZE;
	SGC_CHECK(addr >= pa->base && i + npages <= pa->npages);
	for (size_t k = 0; SGC_DEBUG && k < npages; k++)
		SGC_ASSERT(sgc_pagealloc_in_use(pa, i + k));
	set_range(pa, i, npages, 0);
	note_freed(pa, i, npages);
}

size_t sgc_pagealloc_free_tail(const struct sgc_pagealloc *pa)
{
	size_t n = 0, i = pa->npages;
	while (i > 0 && !sgc_pagealloc_in_use(pa, i - 1)) {
		i--;
		n++;
	}
	return n;
}

int sgc_pagealloc_take_scavenged(struct sgc_pagealloc *pa, uintptr_t addr,
				 size_t npages)
{
	size_t i = (addr - pa->base) / SGC_PAGE_SIZE, end = i + npages;
	int all = 1;
	for (; i < end; i++) {
		uint64_t bit = (uint64_t)1 << (i % 64);
		if (pa->scav[i / 64] & bit) {
			pa->scav[i / 64] &= ~bit;
			add_scav(pa, (size_t)-1);
		} else
			all = 0;
	}
	return all;
}

size_t sgc_pagealloc_scavenge(struct sgc_pagealloc *pa, size_t max_pages)
{
	size_t n = 0, i = pa->npages;
	while (i > 0 && n < max_pages) {
		size_t k = i - 1;
		if (sgc_pagealloc_in_use(pa, k) ||
		    ((pa->scav[k / 64] >> (k % 64)) & 1)) {
			i--;
			continue;
		}
		/* A run of free, unscavenged pages ending at k. */
		size_t j = k + 1;
		while (k > 0 && j - k < max_pages - n &&
		       !sgc_pagealloc_in_use(pa, k - 1) &&
		       !((pa->scav[(k - 1) / 64] >> ((k - 1) % 64)) & 1))
			k--;
		sgc_os_decommit((void *)(pa->base + k * SGC_PAGE_SIZE),
				(j - k) * SGC_PAGE_SIZE);
		for (size_t m = k; m < j; m++)
			pa->scav[m / 64] |= (uint64_t)1 << (m % 64);
		add_scav(pa, j - k);
		n += j - k;
		i = k;
	}
	return n;
}

size_t sgc_pagealloc_scavenge_all(struct sgc_pagealloc *pa)
{
	size_t n = 0, i = 0;
	while (i < pa->npages) {
		if (sgc_pagealloc_in_use(pa, i)) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < pa->npages && !sgc_pagealloc_in_use(pa, j))
			j++;
		sgc_os_decommit((void *)(pa->base + i * SGC_PAGE_SIZE),
				(j - i) * SGC_PAGE_SIZE);
		for (size_t k = i; k < j; k++) {
			if (!((pa->scav[k / 64] >> (k % 64)) & 1)) {
				n++;
				add_scav(pa, 1);
			}
			pa->scav[k / 64] |= (uint64_t)1 << (k % 64);
		}
		i = j;
	}
	return n;
}
