/*
 * heap.h: the heap (Go's mheap): address space, arenas, the page
 * allocator and span allocation.
 *
 * The heap owns a window of address space, [base, window_end), reserves
 * it from the system arena by arena as it grows (reserved_end), and grows
 * its managed range [base, end) upward inside what is reserved, creating
 * arena records as the range enters new arenas (heap.c tells how the
 * window is placed).  Spans are carved from that range by the page
 * allocator.
 *
 * Page caches (Go's pageCache): each thread's cache holds up to 64 pages
 * of one aligned group, taken from the page allocator at once (one heap
 * lock for up to 64 spans), and makes one-page spans from them with no
 * heap lock: span turnover, the allocation slow path, then costs the
 * metadata lock (span.c) and not the page allocator's search.  The pages
 * taken are off the black lists, so any kind may use them; the lists
 * change only in a mark, and every cache gives its pages back when the
 * world stops for one (sgc_cache_flush_all).
 *
 * Invariants: a page of [base, end) is either in exactly one in-use span
 * (its pagealloc bit set, its spans[] entry pointing at that span), or
 * in a thread's page cache (bit set, not a span), or free (bit clear);
 * pages_in_use is the sum of the in-use spans' npages plus cached_pages,
 * the pages the page caches hold.
 *
 * Locks: the heap lock guards the page allocator, end, reserved_end,
 * pages_in_use and zeroed_base.  Order: a central's lock may be held when
 * taking the heap lock, never the reverse; the gcbits lock and the
 * metadata lock (span.c) may be taken with the heap lock held.  sweepgen
 * and cached_pages are atomic.
 */
#ifndef SGC_HEAP_H
#define SGC_HEAP_H

#ifndef SGC_BUILDING
#error "src/heap.h is internal to spangc; include <gc.h> instead"
#endif

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "atomics.h"
#include "pagealloc.h"
#include "span.h"

struct sgc_heap {
	pthread_mutex_t lock;
	struct sgc_pagealloc pages;
	uintptr_t base;           /* start of the window and of the heap */
	uintptr_t window_end;     /* the heap never grows past it */
	uintptr_t reserved_end;   /* reserved from the system; heap lock */
	uintptr_t end;            /* end of the managed range; heap lock */
	size_t max_bytes;         /* GC_set_max_heap_size; 0 = no limit */
	size_t pages_in_use;      /* heap lock */
	sgc_atomic_word cached_pages; /* atomic: in page caches */
	sgc_atomic_word sweepgen; /* atomic */
	sgc_atomic_word nspans;   /* atomic: spans in use */
};

SGC_HIDDEN extern struct sgc_heap sgc_heap;

/* The arenas of the heap's window, indexed by (address - sgc_heap.base)
 * >> SGC_ARENA_SHIFT: for a word already known to lie in the heap, one
 * load where sgc_arena_of takes two (the mark's lookup, one dependent
 * load shorter).  An entry is set when its arena is created and never
 * cleared; the world is stopped while the mark reads them.  Not roots
 * (init.c). */
SGC_HIDDEN extern struct sgc_heap_arena
	*sgc_window_arenas[SGC_HEAP_WINDOW >> SGC_ARENA_SHIFT];

SGC_HIDDEN int sgc_heap_init(void);

/* Flags of sgc_heap_alloc_span. */
enum {
	SGC_HEAP_GROW = 1,      /* the heap may grow */
	SGC_HEAP_FIRST_PAGE = 2 /* only the first page must be off the black
				 * lists (GC_malloc_ignore_off_page) */
};

/* A new in-use span of npages pages for spanclass, published and swept for
 * the current cycle; *needzero says whether its memory may be dirty.
 * Grows the heap when flags has SGC_HEAP_GROW.  NULL when the pages cannot
 * be had (maximum heap size, system out of memory), or when only
 * black-listed pages are free and the heap may not grow (the caller
 * collects and retries with SGC_HEAP_GROW; with it, black-listed pages are
 * taken after one growth failed to give clean ones).  No lock held on
 * entry, except possibly the central's lock. */
SGC_HIDDEN struct sgc_span *sgc_heap_alloc_span(size_t npages,
						unsigned spanclass,
						int flags, int *needzero);

/* Black-listing (pagealloc.h): on unless SPANGC_NO_BLACKLIST=1.  Read by
 * the marker and the allocator; set at start-up and by tests. */
SGC_HIDDEN extern int sgc_heap_black_listing;

/* Start of a mark, world stopped: age the black lists. */
SGC_HIDDEN void sgc_heap_black_age(void);

/* The end of the range root words black-list pages in: the reservation
 * or SGC_BLACK_LIST_REACH past the base, whichever is further, inside the
 * window.  World stopped. */
static inline uintptr_t sgc_heap_black_reach(void)
{
	uintptr_t r = sgc_heap.base + SGC_BLACK_LIST_REACH;
	if (r < sgc_heap.reserved_end)
		r = sgc_heap.reserved_end;
	return r < sgc_heap.window_end ? r : sgc_heap.window_end;
}

/* World stopped, from the root scan: w, a word of the roots below
 * sgc_heap_black_reach() that finds no object, black-lists its page when
 * that page is free. */
SGC_HIDDEN void sgc_heap_black_list_word(uintptr_t w);

/* Times a large object had to be put on black-listed pages. */
SGC_HIDDEN size_t sgc_heap_black_fallbacks(void);

/* A thread's page cache (heap.h; in its sgc_cache): the pages of group
 * it holds, and which of them were returned to the system (read as zero)
 * and which may hold old data.  Its thread alone touches it, inside a
 * critical section, and the collector with the world stopped. */
struct sgc_pcache {
	uintptr_t group; /* 64 pages, aligned to 64 pages of the heap */
	uint64_t pages, scav, dirty;
};

/* Give the pages of pc back to the page allocator.  Takes the heap lock
 * (none when pc is empty). */
SGC_HIDDEN void sgc_heap_pcache_flush(struct sgc_pcache *pc);

/* Give an in-use span's pages back; the span must be claimed by the caller
 * and on no central list.  Takes the heap lock. */
SGC_HIDDEN void sgc_heap_free_span(struct sgc_span *s);

/* Grow the managed range by at least bytes; 0 on success. */
SGC_HIDDEN int sgc_heap_grow(size_t bytes);

/* Managed bytes, and bytes returned to the system.  Racy reads. */
SGC_HIDDEN size_t sgc_heap_mapped_bytes(void);
SGC_HIDDEN size_t sgc_heap_unmapped_bytes(void);
SGC_HIDDEN size_t sgc_heap_free_bytes(void);

/* Return free pages worth up to bytes to the system, highest first. */
SGC_HIDDEN size_t sgc_heap_scavenge_some(size_t bytes);

/* Return all free pages to the system. */
SGC_HIDDEN size_t sgc_heap_scavenge(void);

/* Bytes returned to the system by the two calls above since start. */
SGC_HIDDEN size_t sgc_heap_returned_bytes(void);

static inline uintptr_t sgc_heap_sweepgen(void)
{
	return sgc_load_acquire(&sgc_heap.sweepgen);
}

/* Whether addr is inside the heap's managed range.  Any thread, any
 * time: another may be growing the heap (an acquire load, so that a
 * range seen includes its arenas). */
static inline int sgc_heap_contains(uintptr_t addr)
{
	return addr >= sgc_heap.base &&
	       addr < __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE);
}

#endif /* SGC_HEAP_H */
