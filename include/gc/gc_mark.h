/*
 * spangc: the interface for clients that define their own object kinds
 * and mark procedures, source- and binary-compatible with bdwgc 8.2's
 * <gc/gc_mark.h>.
 *
 * A kind is a family of objects that the collector scans one way, given
 * by a mark descriptor (below).  A client makes a kind with GC_new_kind,
 * allocates in it with GC_generic_malloc, and may give it a mark
 * procedure (GC_new_proc, GC_MAKE_PROC): a function the collector calls,
 * on any of its marker threads, for each reachable object of the kind;
 * the function reports the object's references with GC_MARK_AND_PUSH.
 */
#ifndef GC_MARK_H
#define GC_MARK_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for a mark procedure's code in bdwgc's tables (unused here). */
#define GC_PROC_BYTES 100

/* A mark-stack entry.  Clients only pass pointers to entries around. */
#if defined(SGC_BUILDING) || defined(GC_BUILD) || defined(NOT_GCBUILD)
struct GC_ms_entry;
#else
struct GC_ms_entry { void *opaque; };
#endif

/* A mark procedure: called for an object (addr) of a kind whose
 * descriptor names it, with the top of a mark stack (the last entry in
 * use), the stack's limit and the environment from the descriptor.  It
 * pushes the object's references (GC_MARK_AND_PUSH) and returns the new
 * top.  It runs while the world is stopped, possibly on several marker
 * threads at once; it must not allocate or take locks a stopped thread
 * may hold. */
typedef struct GC_ms_entry *(*GC_mark_proc)(GC_word * /* addr */,
                                struct GC_ms_entry * /* mark_stack_ptr */,
                                struct GC_ms_entry * /* mark_stack_limit */,
                                GC_word /* env */);

#define GC_LOG_MAX_MARK_PROCS 6
#define GC_MAX_MARK_PROCS (1 << GC_LOG_MAX_MARK_PROCS)

/* Indices below this are the client's to fill (GC_init_gcj_malloc);
 * GC_new_proc hands out the ones above. */
#define GC_RESERVED_MARK_PROCS 8
#define GC_GCJ_RESERVED_MARK_PROC_INDEX 0

/* Mark descriptors: the low GC_DS_TAG_BITS bits say how to read the
 * rest. */
#define GC_DS_TAG_BITS 2
#define GC_DS_TAGS ((1 << GC_DS_TAG_BITS) - 1)
/* The word is a length in bytes (a multiple of 4): scan that much from
 * the object's start. */
#define GC_DS_LENGTH 0
/* The upper bits are a bitmap of the first 62 words, the most
 * significant bit for the first word; a set bit marks a word that may
 * hold a pointer. */
#define GC_DS_BITMAP 1
/* The upper bits hold a mark procedure's index and its environment. */
#define GC_DS_PROC 2
#define GC_MAKE_PROC(proc_index, env) \
        (((((env) << GC_LOG_MAX_MARK_PROCS) | (proc_index)) \
          << GC_DS_TAG_BITS) | GC_DS_PROC)
/* The real descriptor is stored in the object, at the byte offset
 * descr & ~GC_DS_TAGS; or, when that offset is negative, in the type
 * structure the object's first word points to, at
 * -(descr & ~GC_DS_TAGS) - GC_INDIR_PER_OBJ_BIAS bytes into it.  Such
 * descriptors must lie in the first two or the last two words of the
 * object, which are zero until the client stores them. */
#define GC_DS_PER_OBJECT 3
#define GC_INDIR_PER_OBJ_BIAS 0x10

/* Every heap object lies in [GC_least_plausible_heap_addr,
 * GC_greatest_plausible_heap_addr].  The range may be wider than the
 * heap (it may already cover a coming expansion), so a word inside it is
 * only a candidate, never proof of a pointer.  The collector writes these;
 * clients only read them (mark procedures test words against them). */
GC_API void *GC_least_plausible_heap_addr;
GC_API void *GC_greatest_plausible_heap_addr;

/* Mark the object obj points to (anywhere inside it when interior
 * pointers are recognised, else at its start or a registered
 * displacement) and queue its contents, unless it was marked already.
 * Only from a mark procedure, or a root pusher (GC_set_push_other_roots).
 * Returns the new top of the mark stack; src, where obj was found, is
 * for debugging.  A word that is no object is ignored. */
GC_API struct GC_ms_entry *GC_CALL GC_mark_and_push(void * /* obj */,
                                struct GC_ms_entry * /* mark_stack_ptr */,
                                struct GC_ms_entry * /* mark_stack_limit */,
                                void ** /* src */);

/* The same with the cheap range test first. */
#define GC_MARK_AND_PUSH(obj, msp, lim, src) \
        ((GC_word)(obj) >= (GC_word)GC_least_plausible_heap_addr && \
         (GC_word)(obj) <= (GC_word)GC_greatest_plausible_heap_addr ? \
         GC_mark_and_push(obj, msp, lim, src) : (msp))

/* Bytes of the header debug allocation puts before the client's part
 * (0: spangc's debug allocation has none yet). */
GC_API GC_ATTR_CONST size_t GC_CALL GC_get_debug_header_size(void);
#define GC_USR_PTR_FROM_BASE(p) \
        ((void *)((char *)(p) + GC_get_debug_header_size()))
/* The same as a variable (deprecated in bdwgc). */
GC_API GC_ATTR_DEPRECATED const size_t GC_debug_header_size;

/* A free-list array for GC_new_kind.  spangc allocates through its own
 * per-thread caches and keeps the array only for the client. */
GC_API void **GC_CALL GC_new_free_list(void);
GC_API void **GC_CALL GC_new_free_list_inner(void);

/* A new kind whose objects are scanned by mark_descriptor_template, to
 * which each object's size in bytes is added when
 * add_size_to_descriptor is 1 (so (0 | GC_DS_LENGTH) with 1 scans whole
 * objects, 0 with 0 none).  clear_new_objects 1 hands objects out zeroed
 * (spangc zeroes those of every scanned kind anyway).  Both flags are 0
 * or 1.  Returns the kind; aborts when bdwgc's 24 kinds are taken.  The
 * _inner version is for a caller inside GC_call_with_alloc_lock. */
GC_API unsigned GC_CALL GC_new_kind(void ** /* free_list */,
                            GC_word /* mark_descriptor_template */,
                            int /* add_size_to_descriptor */,
                            int /* clear_new_objects */) GC_ATTR_NONNULL(1);
GC_API unsigned GC_CALL GC_new_kind_inner(void ** /* free_list */,
                            GC_word /* mark_descriptor_template */,
                            int /* add_size_to_descriptor */,
                            int /* clear_new_objects */) GC_ATTR_NONNULL(1);

/* Register a mark procedure; its index for GC_MAKE_PROC. */
GC_API unsigned GC_CALL GC_new_proc(GC_mark_proc);
GC_API unsigned GC_CALL GC_new_proc_inner(GC_mark_proc);

/* Allocate lb bytes of kind knd (from GC_new_kind, or a built-in kind:
 * 0 pointer-free, 1 normal, 2 uncollectable, 3 atomic uncollectable). */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL GC_generic_malloc(
                                size_t /* lb */, int /* knd */);
/* The same, for a client that keeps a pointer near the object's start. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_generic_malloc_ignore_off_page(size_t /* lb */, int /* knd */);
/* An uncollectable object of knd: the built-in kinds only. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_generic_malloc_uncollectable(size_t /* lb */, int /* knd */);
/* Like GC_generic_malloc for every kind, the uncollectable ones
 * included. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_generic_or_special_malloc(size_t /* size */, int /* knd */);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_generic_or_special_malloc(size_t /* size */, int /* knd */,
                                           GC_EXTRA_PARAMS);
#ifdef GC_DEBUG
# define GC_GENERIC_OR_SPECIAL_MALLOC(sz, knd) \
        GC_debug_generic_or_special_malloc(sz, knd, GC_EXTRAS)
#else
# define GC_GENERIC_OR_SPECIAL_MALLOC(sz, knd) \
        GC_generic_or_special_malloc(sz, knd)
#endif

/* The kind of the object p starts, and its size in *psize (when not
 * NULL). */
GC_API int GC_CALL GC_get_kind_and_size(const void *, size_t * /* psize */)
                                                        GC_ATTR_NONNULL(1);

/* Writes a description of p's type, at most GC_TYPE_DESCR_LEN bytes,
 * for debug output about objects of a kind. */
typedef void (GC_CALLBACK *GC_describe_type_fn)(void * /* p */,
                                                char * /* out_buf */);
#define GC_TYPE_DESCR_LEN 40
GC_API void GC_CALL GC_register_describe_type_fn(int /* kind */,
                                                 GC_describe_type_fn);

/* Clears part of the stack not in use, returning its argument
 * (bdwgc's hint against stale pointers). */
GC_API void *GC_CALL GC_clear_stack(void *);

/* Called at the start of each collection, with the world stopped (NULL:
 * none).  It must not allocate or take locks that the collector's callers
 * may hold.  bdwgc declares these here, not in gc.h. */
typedef void (GC_CALLBACK *GC_start_callback_proc)(void);
GC_API void GC_CALL GC_set_start_callback(GC_start_callback_proc);
GC_API GC_start_callback_proc GC_CALL GC_get_start_callback(void);

/* Mark bits of the object p starts, for mark procedures and for clients
 * inside GC_call_with_alloc_lock.  Outside a collection they hold the
 * last mark's result until sweeping clears them. */
GC_API int GC_CALL GC_is_marked(const void *) GC_ATTR_NONNULL(1);
GC_API void GC_CALL GC_clear_mark_bit(const void *) GC_ATTR_NONNULL(1);
GC_API void GC_CALL GC_set_mark_bit(const void *) GC_ATTR_NONNULL(1);

/* Push [bottom, top) to be scanned conservatively: later (GC_push_all),
 * at once (GC_push_all_eager), or, without dirty bits, like GC_push_all
 * (GC_push_conditional).  From root pushers and mark procedures only. */
GC_API void GC_CALL GC_push_all(void * /* bottom */, void * /* top */);
GC_API void GC_CALL GC_push_all_eager(void * /* bottom */, void * /* top */);
GC_API void GC_CALL GC_push_conditional(void * /* bottom */, void * /* top */,
                                        int /* bool all */);
GC_API void GC_CALL GC_push_finalizer_structures(void);

/* Called in every mark, with the world stopped, to push roots the
 * collector cannot find (with the push calls above).  Clients may also
 * assign the variable directly, and chain the value they found there. */
typedef void (GC_CALLBACK *GC_push_other_roots_proc)(void);
GC_API GC_push_other_roots_proc GC_push_other_roots;
GC_API void GC_CALL GC_set_push_other_roots(GC_push_other_roots_proc);
GC_API GC_push_other_roots_proc GC_CALL GC_get_push_other_roots(void);

/* Call proc on every allocated object, with its size; the caller holds
 * the allocation lock (GC_call_with_alloc_lock), best right after
 * GC_gcollect.  proc must not allocate. */
typedef void (GC_CALLBACK *GC_reachable_object_proc)(void * /* obj */,
                                                     size_t /* bytes */,
                                                     void * /* client_data */);
GC_API void GC_CALL GC_enumerate_reachable_objects_inner(
                                GC_reachable_object_proc,
                                void * /* client_data */) GC_ATTR_NONNULL(1);

/* Whether p lies in a temporary root (spangc has none: 0). */
GC_API int GC_CALL GC_is_tmp_root(void *);

/* Clears some of the stack below the caller (stale frames may hold
 * pointers a conservative scan would see) and returns its argument, so
 * that a caller can write "return GC_clear_stack(result);".  Defined in
 * src/compat.c. */
GC_API void *GC_CALL GC_clear_stack(void *);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_MARK_H */
