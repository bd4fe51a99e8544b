/*
 * pacer.h: when to collect.
 *
 * bdwgc's rule, kept so that a program sees the same heap it saw on
 * bdwgc: a collection starts once the bytes allocated since the last one
 * pass
 *     budget = max((2 * live_scanned + live_ptrfree / 4 + roots) / D,
 *                  initial_heap_size / D, SGC_MIN_GC_BUDGET)
 * where D is GC_free_space_divisor (default 3) and the live figures are the
 * last mark's.  Allocation is counted when a thread caches a span (its
 * free slots) and credited back when the span is released, so the fast
 * path counts nothing.
 *
 * Locks: the counters are atomic words; the budget is written at the end
 * of a cycle (world stopped) and read racily.
 */
#ifndef SGC_PACER_H
#define SGC_PACER_H

#ifndef SGC_BUILDING
#error "src/pacer.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "atomics.h"
#include "util.h"

struct sgc_pacer {
	sgc_atomic_word since_gc;   /* atomic: bytes allocated since the last
				     * cycle (signed) */
	sgc_atomic_word total;      /* atomic: bytes allocated since start */
	sgc_atomic_word budget;     /* bytes allowed between cycles */
	size_t initial_heap;        /* GC_INITIAL_HEAP_SIZE */
};

SGC_HIDDEN extern struct sgc_pacer sgc_pacer;

/* Count bytes allocated (or, negative, returned unused). */
static inline void sgc_pacer_note_alloc(intptr_t bytes)
{
	sgc_fetch_add(&sgc_pacer.since_gc, (uintptr_t)bytes);
	sgc_fetch_add(&sgc_pacer.total, (uintptr_t)bytes);
}

/* Whether allocation has used up the budget. */
static inline int sgc_pacer_due(void)
{
	intptr_t since = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
	return since >= (intptr_t)sgc_load_relaxed(&sgc_pacer.budget);
}

SGC_HIDDEN void sgc_pacer_init(void);

/* Set the budget after a mark that found the given live bytes. */
SGC_HIDDEN void sgc_pacer_end_cycle(size_t live_scanned, size_t live_ptrfree,
				    size_t roots);

#endif /* SGC_PACER_H */
