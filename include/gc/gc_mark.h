/*
 * spangc: the interface for clients that mark their own objects.
 *
 * For now only the heap bounds that mark procedures test candidate words
 * against before calling into the collector, and the collection-start
 * hook.  More of bdwgc's gc_mark.h (object kinds, mark procedures, push
 * functions) is added here later.
 */
#ifndef GC_MARK_H
#define GC_MARK_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every heap object lies in [GC_least_plausible_heap_addr,
 * GC_greatest_plausible_heap_addr].  The range may be wider than the
 * heap (it may already cover a coming expansion), so a word inside it is
 * only a candidate, never proof of a pointer.  The collector writes these;
 * clients only read them. */
GC_API void *GC_least_plausible_heap_addr;
GC_API void *GC_greatest_plausible_heap_addr;

/* Called at the start of each collection, with the world stopped (NULL:
 * none).  It must not allocate or take locks that the collector's callers
 * may hold.  bdwgc declares these here, not in gc.h. */
typedef void (GC_CALLBACK *GC_start_callback_proc)(void);
GC_API void GC_CALL GC_set_start_callback(GC_start_callback_proc);
GC_API GC_start_callback_proc GC_CALL GC_get_start_callback(void);

/* Clears some of the stack below the caller (stale frames may hold
 * pointers a conservative scan would see) and returns its argument, so
 * that a caller can write "return GC_clear_stack(result);".  Defined in
 * src/compat.c. */
GC_API void *GC_CALL GC_clear_stack(void *);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_MARK_H */
