/*
 * thread.h: threads, as far as the collector needs them today.
 *
 * For now this layer knows the calling thread only: the bounds of its
 * stack, and how to scan it with the callee-saved registers spilled onto
 * it.  The thread registry, stop-the-world by signals and the bdwgc thread
 * API come with the thread issue and live here too.
 *
 * Locks: none; per-thread state is thread-local.
 */
#ifndef SGC_THREAD_H
#define SGC_THREAD_H

#ifndef SGC_BUILDING
#error "src/thread.h is internal to spangc; include <gc.h> instead"
#endif

#include <stdint.h>
#include "roots.h"
#include "util.h"

/* The hot end (highest address) of the calling thread's stack. */
SGC_HIDDEN uintptr_t sgc_thread_stack_bottom(void);

/* Call fn on the calling thread's live stack, from the current stack
 * pointer to its bottom, with its registers saved on it. */
SGC_HIDDEN void sgc_thread_scan_current(sgc_range_fn fn);

#endif /* SGC_THREAD_H */
