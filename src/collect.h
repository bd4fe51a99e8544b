/*
 * collect.h: one collection cycle from end to end.
 *
 *   stop the world -> flush caches -> finish leftover sweeping -> rotate
 *   gcbits epochs -> mark -> bump sweepgen -> restart the world -> set up
 *   proportional sweeping and the next trigger -> report.
 *
 * Locks: the collection lock serialises cycles; no other lock is held on
 * entry.
 */
#ifndef SGC_COLLECT_H
#define SGC_COLLECT_H

#ifndef SGC_BUILDING
#error "src/collect.h is internal to spangc; include <gc.h> instead"
#endif

#include <stdint.h>
#include "util.h"

enum sgc_collect_reason {
	SGC_REASON_ALLOC,    /* the pacer's trigger */
	SGC_REASON_EXPLICIT, /* GC_gcollect and friends */
	SGC_REASON_OOM       /* the heap could not grow */
};

/* Run a cycle unless collection is disabled.  1 when a cycle ran. */
SGC_HIDDEN int sgc_collect(enum sgc_collect_reason why);

/* Collect if the pacer says so; pay sweep debt.  Allocation slow path. */
SGC_HIDDEN void sgc_collect_maybe(void);

#endif /* SGC_COLLECT_H */
