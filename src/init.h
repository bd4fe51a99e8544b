/*
 * init.h: start-up, configuration from the environment, and the client's
 * callbacks (warnings, out of memory, collection start).
 *
 * Initialisation runs once, on GC_init or on the first call that needs the
 * collector; GC_init is idempotent and cheap afterwards (one acquire load).
 *
 * Locks: the init lock serialises the first initialisation; the config is
 * written before the ready flag is published and read freely after.
 */
#ifndef SGC_INIT_H
#define SGC_INIT_H

#ifndef SGC_BUILDING
#error "src/init.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include "atomics.h"
#include "util.h"

struct sgc_config {
	int print_stats; /* GC_PRINT_STATS */
	int background;  /* SPANGC_BACKGROUND_SWEEP, below */
	int checkmark;   /* SPANGC_CHECKMARK=1: check each mark (checkmark.h) */
	int verify;      /* SPANGC_VERIFY=1: verify the heap after each cycle */
	int span_queue;  /* SPANGC_SPAN_QUEUE=0: mark object by object only */
	int page_cache;  /* SPANGC_PAGE_CACHE=0: no per-thread page caches */
};

/* What the background thread does.  Sweeping there is off by default: on
 * two cores it cost more than it saved (gcbench 1.7 s against 1.3 s,
 * binary_trees 20 13.5 s against 9.5 s), as the sweeper's spans, locks
 * and cache lines went back and forth with the allocating thread's, and
 * the allocators sweep in proportion anyway (sweep.h). */
enum {
	SGC_BACKGROUND_NONE,     /* no thread (SPANGC_BACKGROUND_SWEEP=0) */
	SGC_BACKGROUND_SCAVENGE, /* return free memory; sweep only when the
				  * program has gone quiet (the default) */
	SGC_BACKGROUND_SWEEP     /* sweep, then that (=1) */
};

SGC_HIDDEN extern struct sgc_config sgc_config;
SGC_HIDDEN extern sgc_atomic_word sgc_ready; /* atomic */

SGC_HIDDEN void sgc_init_slow(void);

static inline void sgc_ensure_init(void)
{
	if (SGC_UNLIKELY(!sgc_load_acquire(&sgc_ready)))
		sgc_init_slow();
}

/* Report a client-visible warning through the warn proc. */
SGC_HIDDEN void sgc_warn(const char *msg, uintptr_t arg);

/* Out of memory for a request of bytes: warn, and return what the
 * client's OOM function returns. */
SGC_HIDDEN void *sgc_oom(size_t bytes);

#endif /* SGC_INIT_H */
