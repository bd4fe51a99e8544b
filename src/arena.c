/*
 * arena.c: the arena map and heap_arena records (see arena.h).
 *
 * L2 blocks (32 KiB) and arena records come from sgc_os_alloc and are
 * never freed: an address once in the heap keeps its record.
 */
#include <string.h>
#include "arena.h"
#include "os.h"

struct sgc_heap_arena **sgc_arena_l1[SGC_ARENA_L1_ENTRIES];

struct sgc_heap_arena *sgc_arena_create(uintptr_t base)
{
	SGC_CHECK(base % SGC_ARENA_SIZE == 0);
	uintptr_t i = base >> SGC_ARENA_SHIFT;
	SGC_CHECK(i >> SGC_ARENA_INDEX_BITS == 0);
	struct sgc_heap_arena ***slot = &sgc_arena_l1[i >> SGC_ARENA_L2_BITS];
	struct sgc_heap_arena **l2 = *slot;
	if (!l2) {
		l2 = sgc_os_alloc(SGC_ARENA_L2_ENTRIES * sizeof *l2);
		if (!l2)
			return NULL;
		__atomic_store_n(slot, l2, __ATOMIC_RELEASE);
	}
	struct sgc_heap_arena **at = &l2[i & (SGC_ARENA_L2_ENTRIES - 1)];
	if (*at)
		return *at;
	struct sgc_heap_arena *ha = sgc_os_alloc(sizeof *ha);
	if (!ha)
		return NULL;
	ha->base = base;
	ha->zeroed_base = 0;
	__atomic_store_n(at, ha, __ATOMIC_RELEASE);
	return ha;
}
