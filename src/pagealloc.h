/*
 * pagealloc.h: the page allocator.
 *
 * Hands out runs of 8 KiB pages from one contiguous range [base, base +
 * npages * SGC_PAGE_SIZE) that grows at its end.  Address-ordered first
 * fit over a bitmap (1 = page in use), with a summary per chunk of 512
 * pages: the free run at the chunk's start, the longest free run inside
 * it, and the free run at its end.  A search visits the summaries of the
 * chunks below the answer, never their bits, except in the chunk where
 * the run is found.
 *
 * A second bitmap, scav, records free pages whose memory was returned to
 * the system (they read as zero again).
 *
 * Two more, the black lists (bdwgc's), record free pages that words in
 * the roots pointed into: black_new those of the current (or last) mark,
 * black_old those of the mark before.  A page on either list is not handed
 * out for objects the collector scans (sgc_pagealloc_alloc_clean), so a
 * stray integer in static data or on a stack cannot keep a structure
 * alive; a page leaves the lists once two marks in a row found no root
 * word pointing at it.  Only the first black_*_hi words of each list may
 * be nonzero.  Bits are set with the world stopped, by the marker
 * scanning the roots, and read with the heap lock held.
 *
 * Invariants: every chunk's summary equals the one computed from its
 * bits; pages in [npages, round_up(npages, 512)) have their bit set;
 * no chunk below first_free has a free page; free_pages counts the zero
 * bits below npages.
 *
 * Locks: every function is called with the heap lock held.  The two page
 * counters are also read without it, by the statistics calls: they are
 * atomic, written (relaxed) only with the lock held.
 */
#ifndef SGC_PAGEALLOC_H
#define SGC_PAGEALLOC_H

#ifndef SGC_BUILDING
#error "src/pagealloc.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "atomics.h"
#include "util.h"

#define SGC_CHUNK_PAGES 512
#define SGC_CHUNK_WORDS (SGC_CHUNK_PAGES / 64)

struct sgc_chunk_sum {
	uint16_t start, max, end;
};

struct sgc_pagealloc {
	uintptr_t base;       /* address of page 0 */
	size_t npages;        /* pages managed */
	size_t cap_pages;     /* pages the bitmaps can describe */
	uint64_t *bits;       /* 1 = in use */
	uint64_t *scav;       /* 1 = free and returned to the system */
	struct sgc_chunk_sum *sums;
	size_t first_free;    /* chunk index: none below has a free page */
	sgc_atomic_word free_pages; /* atomic: zero bits below npages */
	sgc_atomic_word scav_pages; /* atomic: bits set in scav */
	uint64_t *black_new;  /* 1 = a root word pointed here, this mark */
	uint64_t *black_old;  /* the same, the mark before */
	size_t black_new_hi;  /* words of black_new that may be nonzero */
	size_t black_old_hi;  /* words of black_old that may be nonzero */
};

SGC_HIDDEN int sgc_pagealloc_init(struct sgc_pagealloc *pa, uintptr_t base,
				  size_t cap_pages);

/* Add npages free pages at the end of the range. */
SGC_HIDDEN void sgc_pagealloc_grow(struct sgc_pagealloc *pa, size_t npages);

/* The lowest run of npages free pages, marked in use; 0 when none. */
SGC_HIDDEN uintptr_t sgc_pagealloc_alloc(struct sgc_pagealloc *pa,
					 size_t npages);

/* For a thread's page cache (heap.h): the free pages, on neither black
 * list, of the aligned group of 64 pages that holds the first such page,
 * all marked in use at once.  Returns the group's address and sets *pages
 * (bit k for page k of the group) and *scav (those of them that were
 * returned to the system, whose scavenged bits are taken); 0 when no free
 * page is clean. */
SGC_HIDDEN uintptr_t sgc_pagealloc_take_group(struct sgc_pagealloc *pa,
					      uint64_t *pages,
					      uint64_t *scav);

/* Give back pages of a group taken so, unused: pages free again, scav
 * (a subset) still returned to the system. */
SGC_HIDDEN void sgc_pagealloc_return_group(struct sgc_pagealloc *pa,
					   uintptr_t group, uint64_t pages,
					   uint64_t scav);

/* Mark the pages of [addr, addr + npages pages) free. */
SGC_HIDDEN void sgc_pagealloc_free(struct sgc_pagealloc *pa, uintptr_t addr,
				   size_t npages);

/* Free pages at the very end of the range (a grow extends that run). */
SGC_HIDDEN size_t sgc_pagealloc_free_tail(const struct sgc_pagealloc *pa);

/* Whether every page of the run was returned to the system (so reads as
 * zero); clears their scavenged bits. */
SGC_HIDDEN int sgc_pagealloc_take_scavenged(struct sgc_pagealloc *pa,
					    uintptr_t addr, size_t npages);

/* Return up to max_pages free pages to the system, highest addresses
 * first (allocation prefers the lowest); the number returned. */
SGC_HIDDEN size_t sgc_pagealloc_scavenge(struct sgc_pagealloc *pa,
					 size_t max_pages);

/* Return every free page to the system; the number of pages returned. */
SGC_HIDDEN size_t sgc_pagealloc_scavenge_all(struct sgc_pagealloc *pa);

/* Black lists.  Start of a mark (world stopped): the new list becomes the
 * old one, and the new one starts empty. */
SGC_HIDDEN void sgc_pagealloc_black_age(struct sgc_pagealloc *pa);
/* World stopped, one marker: put page (an index below cap_pages) on the
 * new list. */
static inline void sgc_pagealloc_black_add(struct sgc_pagealloc *pa,
					   size_t page)
{
	size_t k = page / 64;
	pa->black_new[k] |= (uint64_t)1 << (page % 64);
	if (k >= pa->black_new_hi)
		pa->black_new_hi = k + 1;
}
/* Whether page is on either list. */
SGC_HIDDEN int sgc_pagealloc_is_black(const struct sgc_pagealloc *pa,
				      size_t page);
/* Pages on either list, and of those the ones that are free (tests). */
SGC_HIDDEN size_t sgc_pagealloc_black_count(const struct sgc_pagealloc *pa,
					    size_t *free_out);
/* As sgc_pagealloc_alloc, but a run with a black-listed page among its
 * first check pages (npages, or 1 for an object whose interior pointers
 * past its first page are ignored) is passed over; 0 when the bounded
 * search finds no clean run.  Black pages are skipped a word at a time;
 * the bound, SGC_BLACK_SEARCH_RUNS, is on the free runs that start on a
 * clean page but hold a black one further in. */
SGC_HIDDEN uintptr_t sgc_pagealloc_alloc_clean(struct sgc_pagealloc *pa,
					       size_t npages, size_t check);
/* Recompute a chunk's summary from its bits (exposed for the verifier). */
SGC_HIDDEN struct sgc_chunk_sum sgc_pagealloc_summarize(const uint64_t *w);

static inline int sgc_pagealloc_in_use(const struct sgc_pagealloc *pa,
				       size_t page)
{
	return (pa->bits[page / 64] >> (page % 64)) & 1;
}

#endif /* SGC_PAGEALLOC_H */
