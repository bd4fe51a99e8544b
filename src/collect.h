/*
 * collect.h: one collection cycle from end to end.
 *
 *   stop the world -> flush caches -> finish leftover sweeping -> rotate
 *   gcbits epochs -> mark -> bump sweepgen -> restart the world -> set up
 *   proportional sweeping and the next trigger -> report.
 *
 * Locks: the world lock (thread.h) serialises cycles; the caller holds no
 * lock and is not inside a critical section.
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
	SGC_REASON_OOM,      /* the heap could not grow */
	SGC_REASON_FULL      /* the heap is full and the budget spent */
};

/* Run a cycle unless collection is disabled or, for the reasons other
 * than EXPLICIT, another thread's cycle ran while this one waited for the
 * world lock (its trigger is then spent).  1 when a cycle ran. */
SGC_HIDDEN int sgc_collect(enum sgc_collect_reason why);

/* Whether the calling thread is running a collection (from taking the
 * world lock for it to releasing it). */
SGC_HIDDEN int sgc_collect_running_here(void);

/* Abort, naming call: the calling thread entered the collector again
 * while it was inside an allocation's locked part or a collection (from a
 * signal handler, or a callback the collector made), and would wait for
 * ever on the locks its own interrupted frames hold. */
SGC_HIDDEN SGC_NORETURN void sgc_collect_reentered(const char *call);


/* Hooks for the modules above the collector (debug.c), which the cycle
 * knows only as these pointers: stopped runs with the world just stopped,
 * before the mark; restarted with the world just restarted (world lock
 * held); done once the cycle is over and the world lock released.  Each
 * is NULL or set once, with the world lock held, and read under it. */
struct sgc_collect_hooks {
	void (*stopped)(void);
	void (*restarted)(void);
	void (*done)(void);
	/* test only: the mark phase just ended, world stopped, before the
	 * check-mark run and finalization (a test drops a mark here) */
	void (*marked)(void);
};
SGC_HIDDEN extern struct sgc_collect_hooks sgc_collect_hooks;

/* Install the pthread_atfork handlers unless the client said no. */
SGC_HIDDEN void sgc_collect_init_fork(void);

#endif /* SGC_COLLECT_H */
