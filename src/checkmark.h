/*
 * checkmark.h: check-mark mode, an independent second marker.
 *
 * With SPANGC_CHECKMARK=1 (or sgc_config.checkmark set), each collection
 * re-marks the heap right after the mark phase, world still stopped, with
 * a deliberately simple marker of its own: one thread, an explicit stack,
 * no prefetch, no splitting, no sharing, its own mark bits (one bit per
 * heap word, in memory from the system, dropped at the end) and its own
 * conversion from a word to an object (division, not find_object's
 * multiply).  Every object it reaches must carry the mark phase's mark;
 * the first one that does not aborts the program naming the object, its
 * span and the referrer the checker found it through.
 *
 * What it checks is one direction only: the checker's set must be inside
 * the mark phase's.  The mark phase legitimately marks more: the roots
 * the checker leaves out below, and its own stack frames.
 *
 * Roots it scans: static data and added roots (roots.h), every registered
 * thread's stack (thread.h; the collecting thread's only above the frame
 * the collection started from, as the checker's own frames hold heap
 * addresses the mark phase never saw), and every allocated object of an
 * uncollectable kind.  Left out, so objects reachable only through them
 * are not checked: the finalizers' roots (finalize.h), GC_push_other_roots,
 * the contents pushed for mark_from_all kinds, and the contents of objects
 * whose descriptor is a mark procedure (GC_DS_PROC: running client code
 * twice per cycle is not the simple marker this is meant to be).  Objects
 * of those kinds are still checked for their own mark when reached.
 *
 * Locks: called by the collector with the world stopped and the world lock
 * held; takes no lock itself except through the roots and thread walks.
 */
#ifndef SGC_CHECKMARK_H
#define SGC_CHECKMARK_H

#ifndef SGC_BUILDING
#error "src/checkmark.h is internal to spangc; include <gc.h> instead"
#endif

#include <stdint.h>
#include "util.h"

/* Re-mark and compare; aborts on the first reachable unmarked object.
 * stack_top: an address in the collecting thread's stack at or below
 * (older than) the frames that hold the collector's own locals; that
 * thread's stack is scanned from there up. */
SGC_HIDDEN void sgc_checkmark_run(uintptr_t stack_top);

/* Keep the checker's state out of the roots. */
SGC_HIDDEN void sgc_checkmark_init(void);

/* Objects the last run reached and checked (for tests). */
SGC_HIDDEN size_t sgc_checkmark_last_checked(void);

#endif /* SGC_CHECKMARK_H */
