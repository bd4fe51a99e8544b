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
};

SGC_HIDDEN int sgc_pagealloc_init(struct sgc_pagealloc *pa, uintptr_t base,
				  size_t cap_pages);

/* Add npages free pages at the end of the range. */
SGC_HIDDEN void sgc_pagealloc_grow(struct sgc_pagealloc *pa, size_t npages);

/* The lowest run of npages free pages, marked in use; 0 when none. */
SGC_HIDDEN uintptr_t sgc_pagealloc_alloc(struct sgc_pagealloc *pa,
					 size_t npages);

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

/* Recompute a chunk's summary from its bits (exposed for the verifier). */
SGC_HIDDEN struct sgc_chunk_sum sgc_pagealloc_summarize(const uint64_t *w);

static inline int sgc_pagealloc_in_use(const struct sgc_pagealloc *pa,
				       size_t page)
{
	return (pa->bits[page / 64] >> (page % 64)) & 1;
}

#endif /* SGC_PAGEALLOC_H */
