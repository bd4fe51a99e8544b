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

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_JAVAXFC_H */
