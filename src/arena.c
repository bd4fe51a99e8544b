/*
 * arena.c: the arena map and heap_arena records (see arena.h).
 *
 * The L2 table covers 2^22 arenas (256 TiB) in 32 MiB of address space
 * that the system fills in lazily: only the pages of it that hold entries
 * for arenas in use ever become resident.
 */
#include <string.h>
#include "arena.h"
#include "os.h"

struct sgc_heap_arena **sgc_arena_l2;

int sgc_arena_map_init(void)
{
	if (sgc_arena_l2)
		return 0;
	sgc_arena_l2 = sgc_os_alloc(SGC_ARENA_L2_ENTRIES * sizeof(void *));
	return sgc_arena_l2 ? 0 : -1;
}

struct sgc_heap_arena *sgc_arena_create(uintptr_t base)
{
	SGC_CHECK(base % SGC_ARENA_SIZE == 0);
	uintptr_t i = base >> SGC_ARENA_SHIFT;
	SGC_CHECK(i < SGC_ARENA_L2_ENTRIES);
	if (sgc_arena_l2[i])
		return sgc_arena_l2[i];
	struct sgc_heap_arena *ha = sgc_os_alloc(sizeof *ha);
	if (!ha)
		return NULL;
	ha->base = base;
	ha->zeroed_base = 0;
	__atomic_store_n(&sgc_arena_l2[i], ha, __ATOMIC_RELEASE);
	return ha;
}
