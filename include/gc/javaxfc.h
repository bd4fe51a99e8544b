/*
 * javaxfc.h: finalization calls for Java-like runtimes (bdwgc's API,
 * written for spangc).
 */
#ifndef GC_JAVAXFC_H
#define GC_JAVAXFC_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs every registered finalizer, reachable object or not, until none
 * is left (finalizers that register new ones included): for shutdown.
 * Objects stay allocated; their memory is reclaimed by later collections
 * once they are unreachable. */
GC_API void GC_CALL GC_finalize_all(void);

/* Stop one registered thread (a pthread_t passed as a pointer) until
 * GC_resume_thread; it stays stopped through collections, which scan its
 * stack.  Suspensions do not nest: one resume ends any number of
 * suspends.  A thread may suspend itself (it then waits to be resumed).
 * An unregistered thread is ignored. */
#ifndef GC_SUSPEND_THREAD_ID
# define GC_SUSPEND_THREAD_ID void *
#endif
GC_API void GC_CALL GC_suspend_thread(GC_SUSPEND_THREAD_ID);
GC_API void GC_CALL GC_resume_thread(GC_SUSPEND_THREAD_ID);
GC_API int GC_CALL GC_is_thread_suspended(GC_SUSPEND_THREAD_ID);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_JAVAXFC_H */
