/*
 * sweep.h: sweeping and the page reclaimer (Go's mgcsweep).
 *
 * After each mark, every in-use span needs sweeping (see the sweepgen table
 * in span.h).  Spans are swept, each claimed by one compare-and-swap:
 *  (a) by an allocator that takes an unswept span from its central;
 *  (b) in proportion to allocation (sgc_sweep_pay), so that sweeping ends
 *      well before the next collection is due;
 *  (c) by a background sweeper thread (a registered thread of the
 *      collector's own, stopped like any other while it works, and
 *      blocked, as in GC_do_blocking, while it waits for a cycle), when
 *      SPANGC_BACKGROUND_SWEEP=1 asks for it; by default that thread
 *      returns memory, and sweeps only once no cycle has come for a
 *      second (SGC_QUIET_SWEEP_NS; init.h says why);
 *  (d) by the page reclaimer, which, before the heap takes new pages,
 *      frees whole spans with nothing marked, found through
 *      page_in_use & ~page_marks without touching their object bits;
 *  (e) by sgc_sweep_finish, at the start of the next cycle, for any rest;
 *  (f) by a client call that looks an object up (GC_free, GC_base, ...),
 *      before it reads the span's allocation state (sgc_sweep_claim).
 * Every sweep runs inside the sweeping thread's critical section, so a
 * stopped thread never holds a claimed span.  Disclaim procedures run
 * with the span claimed; the calls they make on it (GC_base, GC_size,
 * GC_free) see that this thread holds the claim and do not wait for it.
 *
 * Sweeping a span makes its mark bits its alloc bits (less any objects
 * released by GC_free), gives it fresh zeroed mark bits, and frees it when
 * nothing in it was marked.
 *
 * Locks: none held on entry; takes central locks and the heap lock.
 */
#ifndef SGC_SWEEP_H
#define SGC_SWEEP_H

#ifndef SGC_BUILDING
#error "src/sweep.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include "span.h"

/* Sweep s, which the caller claimed (sweepgen h - 1) and took off its
 * list.  Returns 1 when the span stays (sweepgen h, caller puts it on a
 * list or uses it), 0 when it was freed. */
SGC_HIDDEN int sgc_sweep_span(struct sgc_span *s);

/* For a mutator about to read or change s's allocation state, which a
 * sweep replaces (Go's ensureSwept, in two halves): claims s and returns 1
 * when it is unswept, and the caller then sweeps it with
 * sgc_sweep_claimed; returns 0 once s is swept or no longer in use,
 * waiting while another thread sweeps it.  Critical section held. */
SGC_HIDDEN int sgc_sweep_claim(struct sgc_span *s);
SGC_HIDDEN void sgc_sweep_claimed(struct sgc_span *s);

/* Whether the calling thread holds s's claim while it runs client code
 * from the sweep (a disclaim procedure).  Lookups it makes on s then read
 * the span as it is: its allocation bits are the old ones until the
 * procedures are done.  sgc_sweep_claim returns 0 for such a span rather
 * than wait for itself. */
SGC_HIDDEN int sgc_sweep_held_here(const struct sgc_span *s);

/* Whether the last sweep of s kept it whole for want of memory: its alloc
 * bits are then a shared read-only bitmap that nobody may change in
 * place (GC_free defers to the next sweep instead). */
SGC_HIDDEN int sgc_sweep_kept_whole(const struct sgc_span *s);

/* Note that a span of the given class exists (sgc_heap_alloc_span, before
 * the span is published): sgc_sweep_one passes over classes that never
 * had one without taking their locks. */
SGC_HIDDEN void sgc_sweep_note_class(unsigned spanclass);

/* Sweep one unswept span from the centrals; its page count, or 0 when no
 * unswept span is left. */
SGC_HIDDEN size_t sgc_sweep_one(void);

/* Sweep everything that is left. */
SGC_HIDDEN void sgc_sweep_finish(void);

/* Whether no unswept span is left on the central lists. */
SGC_HIDDEN int sgc_sweep_done(void);

/* Begin a sweep phase: sweepgen has just moved; pages is the number of
 * pages to sweep, budget the bytes of allocation they must be swept in. */
SGC_HIDDEN void sgc_sweep_start_cycle(size_t pages, size_t budget);

/* Proportional sweeping: called on allocation slow paths. */
SGC_HIDDEN void sgc_sweep_pay(void);

/* The page reclaimer: free unmarked spans until npages pages were freed
 * or the heap was walked once this cycle. */
SGC_HIDDEN void sgc_sweep_reclaim(size_t npages);

/* Start the background thread if it is not running.  World lock held,
 * world running, not in a critical section: pthread_create may wait for
 * a lock of the C library (its stack cache's) held by another thread,
 * which must then be free to run.  Created at the end of a cycle, inside
 * a critical section and with signals blocked, it deadlocked so against
 * another thread's collection: that thread had stopped the holder of the
 * stack cache's lock, and waited for the creator, which could not stop. */
SGC_HIDDEN void sgc_sweep_start_background(void);

/* Wake the background thread: it sweeps what the allocators leave, if
 * configured to, then returns free memory beyond the heap's goal to the
 * system.  Called at the end of each cycle. */
SGC_HIDDEN void sgc_sweep_background(void);

/* Forget the background sweeper in the child of a fork. */
SGC_HIDDEN void sgc_sweep_fork_child(void);

/* Pages freed by the reclaimer since start. */
SGC_HIDDEN size_t sgc_sweep_pages_reclaimed(void);

/* Spans swept since start: in all, and of them freed whole by the page
 * reclaimer, swept in proportion to allocation, by the background thread
 * and by sgc_sweep_finish (at a cycle's start, or after GC_gcollect); the
 * rest were swept by allocators taking a span from their central.  Each
 * figure is read atomically, the set not at one instant. */
struct sgc_sweep_tally {
	size_t spans, reclaimed, proportional, background, finished;
};
SGC_HIDDEN void sgc_sweep_get_tally(struct sgc_sweep_tally *t);

#endif /* SGC_SWEEP_H */
