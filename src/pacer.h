/*
 * pacer.h: when to collect.
 *
 * bdwgc's rule, kept so that a program sees the same heap it saw on
 * bdwgc: a collection starts once the bytes allocated since the last one
 * pass
 *     budget = max((2 * live_scanned + live_ptrfree / 4 + roots) / D,
 *                  initial_heap_size / D, floor)
 *     floor = min(SGC_MIN_GC_BUDGET,
 *                 max(SGC_MIN_GC_BUDGET_BASE, live_scanned + live_ptrfree
 *                                             + roots))
 * where D is GC_free_space_divisor (default 3) and the live figures are the
 * last mark's.  The floor follows what the program keeps: a program that
 * keeps little collects every 256 KiB, as its cycles cost little, and
 * holds little more memory than bdwgc, which collects every 64 KiB or so
 * on a small heap; a program that keeps a few MiB gets a budget as large
 * as its live heap (Go's GOGC=100), up to 4 MiB, from where the formula
 * takes over.  The floor also moves the cycles of a program's start-up,
 * and with them the heap a peak leaves (below): binary_trees, whose
 * start-up builds 200 MiB, now collects at 0.25, 0.6, 1.3 ... 200 MiB
 * live and keeps a heap of 333 MiB after the peak, where the 4 MiB floor
 * gave 4, 8, 13 ... 172 MiB and 287 MiB (103 cycles and 1.14 times
 * bdwgc's peak RSS against 128 and 0.98); gcbench moved the other way
 * (0.79 against 1.10).  Which step lands nearer the peak is the luck of
 * each program, not a property of either floor.
 *
 * Then, as bdwgc does, the heap already there is used before the next
 * cycle.  bdwgc collects only once its heap is full, and its heap never
 * shrinks, so after a peak (a big temporary structure at start-up, say)
 * it collects far less often than the budget alone says.  Here the heap
 * target is
 *     H = max(live + budget, min(retained, H_prev * (1 - dt / TAU)))
 * where retained is the heap's memory not returned to the system, TAU
 * SGC_HEAP_TARGET_TAU_NS (60 s) and dt the time since the previous cycle
 * less SGC_HEAP_TARGET_BUSY_NS (5 s), or 0; the allocation allowed until
 * the next cycle is H - live.  So a peak's memory is reused at once, and
 * for as long as the program fills it within 5 s, as bdwgc keeps its heap
 * (a decay by all the time that passed made binary_trees collect 20-40%
 * more often than bdwgc, the more the slower the machine); a program
 * that fills it more slowly gets H back to live + budget within a few
 * minutes, and the scavenger returns what lies beyond H (sweep.c).
 * Meanwhile the heap grows only while the formula's budget is not spent
 * (sgc_pacer_may_grow); past it, a full heap means a cycle, which keeps
 * the heap at the peak's size, not above.  The decay is by time, not by
 * cycle, so that a program collecting often does not keep its peak for
 * longer than one collecting rarely; GC_gcollect_and_unmap drops the
 * peak at once.
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
#include <gc/gc.h>
#include "atomics.h"
#include "compat.h"
#include "util.h"

struct sgc_pacer {
	sgc_atomic_word since_gc;   /* atomic: bytes allocated since the last
				     * cycle (signed) */
	sgc_atomic_word total;      /* atomic: bytes allocated since start */
	sgc_atomic_word budget;     /* bytes allowed between cycles */
	sgc_atomic_word min_budget; /* the budget before reuse_heap */
	size_t initial_heap;        /* GC_INITIAL_HEAP_SIZE */
	size_t heap_target;         /* H above; atomic */
	uint64_t heap_target_ns;    /* when H was set; world stopped */
};

SGC_HIDDEN extern struct sgc_pacer sgc_pacer;

/* Count bytes allocated (or, negative, returned unused). */
static inline void sgc_pacer_note_alloc(intptr_t bytes)
{
	sgc_fetch_add(&sgc_pacer.since_gc, (uintptr_t)bytes);
	sgc_fetch_add(&sgc_pacer.total, (uintptr_t)bytes);
}

/* Count bytes released by GC_free that allocation can reuse before the
 * next cycle: they do not count toward it (bdwgc's GC_bytes_freed).  At
 * most what was allocated since the last cycle is taken off (racily),
 * so that freeing old objects never holds off the next collection for
 * long (bdwgc keeps counting an eighth of its allocation for the same
 * reason).  The total is left alone. */
static inline void sgc_pacer_note_free(size_t bytes)
{
	intptr_t since = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
	if (since <= 0)
		return;
	if ((size_t)since < bytes)
		bytes = (size_t)since;
	sgc_fetch_add(&sgc_pacer.since_gc, (uintptr_t)0 - bytes);
}

/* Whether allocation has used up the budget. */
static inline int sgc_pacer_due(void)
{
	intptr_t since = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
	return since >= (intptr_t)sgc_load_relaxed(&sgc_pacer.budget);
}

/* Whether the heap may grow now: only while the allocation since the last
 * cycle is below the budget of the formula, as on bdwgc, which collects
 * rather than expands once that is spent.  So the heap a peak left is
 * reused (the budget above) but does not grow further meanwhile. */
static inline int sgc_pacer_may_grow(void)
{
	if (__atomic_load_n(&GC_dont_gc, __ATOMIC_RELAXED) ||
	    sgc_compat_grow_instead())
		return 1;
	intptr_t since = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
	return since < (intptr_t)sgc_load_relaxed(&sgc_pacer.min_budget);
}

SGC_HIDDEN void sgc_pacer_init(void);

/* Set the budget after a mark that found the given live bytes. */
SGC_HIDDEN void sgc_pacer_end_cycle(size_t live_scanned, size_t live_ptrfree,
				    size_t roots);

/* Then raise the budget to reuse the heap retained (bytes of memory not
 * returned to the system) beyond the live bytes, as described above; now
 * is sgc_os_nanotime(). */
SGC_HIDDEN void sgc_pacer_reuse_heap(size_t live, size_t retained,
				     uint64_t now);

/* Forget the peak: the next cycle's target is live + budget (after
 * GC_gcollect_and_unmap has returned the free memory). */
SGC_HIDDEN void sgc_pacer_forget_peak(void);

#endif /* SGC_PACER_H */
