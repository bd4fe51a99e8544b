/*
 * spangc: allocation for Java-style objects (gcj), source- and
 * binary-compatible with bdwgc 8.2's <gc/gc_gcj.h>.
 *
 * The first word of such an object points to its type structure (a
 * vtable); the vtable's second word (offset sizeof(GC_word)) holds a mark
 * descriptor (gc_mark.h) that says how objects of that type are scanned.
 * A freshly allocated object whose vtable pointer is still zero is not
 * scanned (it holds nothing yet).
 */
#ifndef GC_GCJ_H
#define GC_GCJ_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Call once before the calls below.  mp is a mark procedure
 * (GC_mark_proc) installed at mp_index, which should be below
 * GC_RESERVED_MARK_PROCS (GC_GCJ_RESERVED_MARK_PROC_INDEX, 0, when the
 * client needs no other); vtables may name it in their descriptors.
 * With the environment variable GC_IGNORE_GCJ_INFO set, gcj objects are
 * scanned conservatively instead. */
GC_API void GC_CALL GC_init_gcj_malloc(int /* mp_index */,
                                       void * /* really GC_mark_proc */);

/* A zeroed object of lb bytes (plus the extra byte GC_malloc adds) whose
 * first word is set to ptr_to_struct_containing_descr.  Out of memory:
 * what GC_oom_fn returns. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_gcj_malloc(size_t /* lb */,
                      void * /* ptr_to_struct_containing_descr */);
/* The debug version: as GC_gcj_malloc until spangc's debug allocation
 * adds headers. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_gcj_malloc(size_t /* lb */,
                            void * /* ptr_to_struct_containing_descr */,
                            GC_EXTRA_PARAMS);
/* For a client that keeps a pointer near the object's start. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_gcj_malloc_ignore_off_page(size_t /* lb */,
                                void * /* ptr_to_struct_containing_descr */);

/* The kinds of gcj objects (debug ones share the first in spangc). */
GC_API int GC_gcj_kind;
GC_API int GC_gcj_debug_kind;

#ifdef GC_DEBUG
# define GC_GCJ_MALLOC(s, d) GC_debug_gcj_malloc(s, d, GC_EXTRAS)
# define GC_GCJ_MALLOC_IGNORE_OFF_PAGE(s, d) \
        GC_debug_gcj_malloc(s, d, GC_EXTRAS)
#else
# define GC_GCJ_MALLOC(s, d) GC_gcj_malloc(s, d)
# define GC_GCJ_MALLOC_IGNORE_OFF_PAGE(s, d) \
        GC_gcj_malloc_ignore_off_page(s, d)
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_GCJ_H */
