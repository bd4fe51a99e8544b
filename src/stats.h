/*
 * stats.h: figures about the collector's work, for GC_get_* calls,
 * spangc_get_stats and GC_PRINT_STATS logging.
 *
 * Written by the collector at the end of each cycle (world lock held);
 * read without the lock by anyone (the statistics calls, the background
 * scavenger), hence atomic: each figure is current, a set of them read
 * together may straddle a cycle.
 *
 * Also the client's collection-event callback (GC_set_on_collection_event):
 * an atomic word, stored and loaded with release/acquire, so a callback set
 * while another thread collects takes effect at some event boundary.
 */
#ifndef SGC_STATS_H
#define SGC_STATS_H

#ifndef SGC_BUILDING
#error "src/stats.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include <gc/gc.h>
#include "atomics.h"
#include "mark.h"
#include "util.h"

struct sgc_stats {
	volatile unsigned long cycles;  /* atomic */
	sgc_atomic_word live_bytes;     /* atomic */
	sgc_atomic_word total_pause_ns; /* atomic, as the two below */
	sgc_atomic_word max_pause_ns, last_pause_ns;
};

_Static_assert(sizeof(sgc_atomic_word) >= sizeof(uint64_t),
	       "pause times need 64-bit atomic words");

SGC_HIDDEN extern struct sgc_stats sgc_stats;

/* Record a finished cycle and log it when GC_PRINT_STATS asks. */
SGC_HIDDEN void sgc_stats_cycle(const struct sgc_mark_result *m,
				uint64_t pause_ns, int why);

/* Tell the client's collection-event callback, if any, that a cycle
 * reached step ev.  Called by the collecting thread only. */
SGC_HIDDEN void sgc_stats_event(GC_EventType ev);

#endif /* SGC_STATS_H */
