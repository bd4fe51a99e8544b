/*
 * gc_disclaim.h: disclaim procedures and GC_finalized_malloc (bdwgc's
 * API, written for spangc).
 *
 * A disclaim procedure is asked about each unreachable object of its kind
 * just before the object's memory is reclaimed; returning nonzero keeps
 * the object for one more cycle.  It runs in whichever thread sweeps the
 * object's span (an allocating thread or the background sweeper), like
 * bdwgc's with its allocation lock held: it must not allocate from the
 * collector, take the allocation lock, or resurrect the object.
 */
#ifndef GC_DISCLAIM_H
#define GC_DISCLAIM_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int (GC_CALLBACK *GC_disclaim_proc)(void * /* obj */);

/* Sets proc as kind's disclaim procedure.  With mark_from_all nonzero,
 * what every allocated object of kind references (reachable or not) is
 * kept, so proc may use it; chains of such objects then take a cycle per
 * link to reclaim, and cycles of them are never reclaimed. */
GC_API void GC_CALL GC_register_disclaim_proc(int /* kind */,
                                              GC_disclaim_proc /* proc */,
                                              int /* mark_from_all */);

/* Prepares the kind used by GC_finalized_malloc; idempotent, thread-safe. */
GC_API void GC_CALL GC_init_finalized_malloc(void);

struct GC_finalizer_closure {
    GC_finalization_proc proc;
    void *cd;
};

/* size bytes, zeroed, whose closure fc->proc(obj, fc->cd) runs when the
 * object is reclaimed (the cycle that finds it unreachable).  fc must
 * stay valid until then; objects it and obj reference are kept for it. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_finalized_malloc(size_t /* size */,
                            const struct GC_finalizer_closure * /* fc */);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_DISCLAIM_H */
