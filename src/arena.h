/*
 * arena.h: arenas and the arena map.
 *
 * The heap's address space is cut into 64 MiB arenas.  Each arena in use
 * has a heap_arena record, kept outside the heap, holding the page -> span
 * table and one-bit-per-page bitmaps.  The two-level arena map turns any
 * address into its heap_arena or NULL, so lookups are safe on any word:
 * L1 (a static array of SGC_ARENA_L1_ENTRIES) points to L2 blocks of
 * SGC_ARENA_L2_ENTRIES, each covering 256 GiB and created with the first
 * arena inside it.  Departure from Go (whose L1 has one entry on 64-bit
 * Linux and whose L2 takes 32 MiB of address space): a real first level
 * keeps the map's address-space cost to 32 KiB per 256 GiB used, which
 * counts under RLIMIT_AS (heap.c); the cost is one more load, of an L1
 * entry that stays in cache.

 * Invariants:
 *  - a heap_arena, once published in the map, is never freed or moved;
 *  - page_in_use has the bit of the first page of every in-use span, and
 *    only those; page_marks has the bit of the first page of every span
 *    holding an object marked by the current (or last) mark phase;
 *  - every page at or above zeroed_base (an offset in the arena) has never
 *    been handed out and reads as zero.
 *
 * Locks: arenas (and L2 blocks) are created with the heap lock held.
 * spans[] entries are written with the heap lock held and read without
 * it (a reader validates the span it finds, see span.h).  The bitmaps are atomic words.
 * zeroed_base is read and written with the heap lock held.
 */
#ifndef SGC_ARENA_H
#define SGC_ARENA_H

#ifndef SGC_BUILDING
#error "src/arena.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "atomics.h"
#include "util.h"

struct sgc_span;

#define SGC_ARENA_BITMAP_WORDS (SGC_PAGES_PER_ARENA / 64)
/* Arenas the map covers, and how its index splits into L1 and L2. */
#define SGC_ARENA_INDEX_BITS (SGC_ADDR_BITS - SGC_ARENA_SHIFT)
#define SGC_ARENA_L2_BITS 12
#define SGC_ARENA_L1_ENTRIES \
	((uintptr_t)1 << (SGC_ARENA_INDEX_BITS - SGC_ARENA_L2_BITS))
#define SGC_ARENA_L2_ENTRIES ((uintptr_t)1 << SGC_ARENA_L2_BITS)

struct sgc_heap_arena {
	struct sgc_span *spans[SGC_PAGES_PER_ARENA]; /* page -> span */
	sgc_atomic_word page_in_use[SGC_ARENA_BITMAP_WORDS];   /* atomic */
	sgc_atomic_word page_marks[SGC_ARENA_BITMAP_WORDS];    /* atomic */
	sgc_atomic_word page_specials[SGC_ARENA_BITMAP_WORDS]; /* atomic */
	uintptr_t base;        /* address of the arena's first byte */
	uintptr_t zeroed_base; /* offset: pages above are fresh; heap lock */
};

/* The map's first level; entries are atomic (release on publication).
 * Holds no heap addresses, but is excluded from the roots (init.c). */
SGC_HIDDEN extern struct sgc_heap_arena **sgc_arena_l1[SGC_ARENA_L1_ENTRIES];

/* Create and publish the metadata of the arena starting at base.
 * Heap lock held.  NULL when the system refuses memory. */
SGC_HIDDEN struct sgc_heap_arena *sgc_arena_create(uintptr_t base);

/* The arena holding addr, or NULL; safe on any word. */
static inline struct sgc_heap_arena *sgc_arena_of(uintptr_t addr)
{
	uintptr_t i = addr >> SGC_ARENA_SHIFT;
	if (SGC_UNLIKELY(i >> SGC_ARENA_INDEX_BITS))
		return NULL;
	struct sgc_heap_arena **l2 =
		__atomic_load_n(&sgc_arena_l1[i >> SGC_ARENA_L2_BITS],
				__ATOMIC_ACQUIRE);
	if (!l2)
		return NULL;
	return __atomic_load_n(&l2[i & (SGC_ARENA_L2_ENTRIES - 1)],
			       __ATOMIC_ACQUIRE);
}

static inline uintptr_t sgc_arena_page_index(uintptr_t addr)
{
	return (addr >> SGC_PAGE_SHIFT) & (SGC_PAGES_PER_ARENA - 1);
}

static inline void sgc_bitmap_set(sgc_atomic_word *map, uintptr_t i)
{
	sgc_atomic_or(&map[i / 64], (uintptr_t)1 << (i % 64));
}

static inline void sgc_bitmap_clear(sgc_atomic_word *map, uintptr_t i)
{
	sgc_atomic_and(&map[i / 64], ~((uintptr_t)1 << (i % 64)));
}

static inline int sgc_bitmap_test(const sgc_atomic_word *map, uintptr_t i)
{
	return (sgc_load_relaxed(&map[i / 64]) >> (i % 64)) & 1;
}

#endif /* SGC_ARENA_H */
