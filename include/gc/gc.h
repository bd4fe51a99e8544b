/*
 * spangc: the public interface, source- and binary-compatible with
 * bdwgc 8.2's <gc/gc.h>.
 *
 * Names, signatures, types and constant values are bdwgc's, so that a
 * program written for bdwgc builds unchanged and a program linked against
 * bdwgc's libgc.so.1 runs on spangc.  Behaviour is bdwgc's as documented;
 * where bdwgc leaves something undefined, the comment says what spangc does.
 *
 * Layout: one section per topic, each free to grow as more of bdwgc's
 * interface is added.  Extensions that bdwgc lacks are not declared here
 * but in <spangc.h>.
 */
#ifndef GC_H
#define GC_H

#include "gc_version.h"
#include "gc_config_macros.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Basic types                                                          */
/* ------------------------------------------------------------------ */

/* An unsigned and a signed integer exactly as wide as a pointer (LP64). */
typedef unsigned long GC_word;
typedef long GC_signed_word;

/* Called when an allocation cannot be satisfied; receives the request
 * size.  Its result (usually NULL) is what the allocation returns. */
typedef void *(GC_CALLBACK *GC_oom_func)(size_t /* bytes_requested */);

/* Receives a printf-style format with one %lu directive and its value. */
typedef void (GC_CALLBACK *GC_warn_proc)(char * /* msg */,
                                         GC_word /* arg */);

/* A client function run on the collector's behalf. */
typedef void *(GC_CALLBACK *GC_fn_type)(void * /* client_data */);

/* The bottom (highest address, stacks grow down) of a thread's stack. */
struct GC_stack_base {
    void *mem_base;
};

typedef void *(GC_CALLBACK *GC_stack_base_func)(
                        struct GC_stack_base * /* sb */, void * /* arg */);

/* ------------------------------------------------------------------ */
/* Status codes returned by registration calls                          */
/* ------------------------------------------------------------------ */

#define GC_SUCCESS       0  /* done */
#define GC_DUPLICATE     1  /* was registered already */
#define GC_NO_THREADS    2  /* never returned (kept from old versions) */
#define GC_NO_MEMORY     2  /* could not allocate the bookkeeping */
#define GC_UNIMPLEMENTED 3  /* not available in this configuration */
#define GC_NOT_FOUND     4  /* nothing registered to remove */

/* ------------------------------------------------------------------ */
/* Initialisation and version                                           */
/* ------------------------------------------------------------------ */

/* Sets the collector up.  Idempotent and cheap after the first call; the
 * first allocation calls it when the client did not. */
GC_API void GC_CALL GC_init(void);

/* Nonzero once GC_init has run (explicitly or through an allocation). */
GC_API int GC_CALL GC_is_init_called(void);

/* The version of the library loaded, packed as
 * (GC_VERSION_MAJOR << 16) | (GC_VERSION_MINOR << 8) | GC_VERSION_MICRO. */
GC_API unsigned GC_CALL GC_get_version(void);

/* ------------------------------------------------------------------ */
/* Allocation                                                           */
/* ------------------------------------------------------------------ */

/* A collected object of at least the requested size, zero-filled, that
 * the collector scans for pointers.  NULL (through the OOM function) when
 * memory runs out. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc(size_t /* size_in_bytes */);

/* As GC_malloc, but the object is never scanned (it must hold no pointers
 * to collected objects) and its contents are not cleared. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_atomic(size_t /* size_in_bytes */);

/* An object that is scanned but never reclaimed until GC_free. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_uncollectable(size_t /* size_in_bytes */);

/* An object that is neither scanned nor reclaimed until GC_free. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_atomic_uncollectable(size_t /* size_in_bytes */);

/* Large objects that the client promises to keep a pointer to within
 * their first page (typically to their start) while they are live. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_ignore_off_page(size_t /* size_in_bytes */);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_atomic_ignore_off_page(size_t /* size_in_bytes */);

/* Resizes an object, keeping its kind and the common prefix of its
 * contents.  GC_realloc(NULL, n) is GC_malloc(n); GC_realloc(p, 0) frees p
 * and returns NULL. */
GC_API void *GC_CALL GC_realloc(void * /* old_object */,
                                size_t /* new_size_in_bytes */)
        GC_ATTR_ALLOC_SIZE(2);

/* Collected copies of a string (at most n bytes of it for strndup). */
GC_API GC_ATTR_MALLOC char *GC_CALL GC_strdup(const char *);
GC_API GC_ATTR_MALLOC char *GC_CALL GC_strndup(const char *, size_t)
        GC_ATTR_NONNULL(1);

/* Aligned collected objects.  GC_posix_memalign returns 0, EINVAL (the
 * alignment is not a power of two multiple of sizeof(void *)) or ENOMEM. */
GC_API int GC_CALL GC_posix_memalign(void ** /* memptr */,
                                     size_t /* align */,
                                     size_t /* lb */) GC_ATTR_NONNULL(1);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(2) void *GC_CALL
        GC_memalign(size_t /* align */, size_t /* lb */);

/* ------------------------------------------------------------------ */
/* Explicit deallocation and object queries                             */
/* ------------------------------------------------------------------ */

/* Returns an object to the heap at once.  NULL is ignored.  The argument
 * must be the start of an object from this heap (spangc aborts with a
 * message otherwise, and on a second free of the same object). */
GC_API void GC_CALL GC_free(void *);

/* The start of the heap object containing the address, or NULL when the
 * address is not inside one. */
GC_API void *GC_CALL GC_base(void * /* displaced_pointer */);

/* Nonzero when the address lies in memory the collector manages. */
GC_API int GC_CALL GC_is_heap_ptr(const void *);

/* The usable size of the object starting at the argument (at least the
 * requested size); 0 for an address that is not in the heap. */
GC_API size_t GC_CALL GC_size(const void * /* obj */) GC_ATTR_NONNULL(1);

/* ------------------------------------------------------------------ */
/* Collection control                                                   */
/* ------------------------------------------------------------------ */

/* A full collection now. */
GC_API void GC_CALL GC_gcollect(void);

/* A full collection, then return free pages to the OS. */
GC_API void GC_CALL GC_gcollect_and_unmap(void);

/* Does a small amount of pending collection work; nonzero while more
 * remains. */
GC_API int GC_CALL GC_collect_a_little(void);

/* GC_disable and GC_enable nest: collections are off while the count of
 * disables exceeds the count of enables. */
GC_API void GC_CALL GC_disable(void);
GC_API void GC_CALL GC_enable(void);
GC_API int GC_CALL GC_is_disabled(void);

/* The number of collections completed so far. */
GC_API GC_word GC_CALL GC_get_gc_no(void);

/* Steps of a collection, in bdwgc's numbering.  A collection reports
 * START first and END last; the world is stopped from PRE_STOP_WORLD to
 * POST_START_WORLD, and marking runs from MARK_START to MARK_END.
 * RECLAIM_START/RECLAIM_END bracket the setting up of sweeping (spangc does
 * it with the world still stopped, bdwgc after restarting it).  The last two
 * values belong to per-thread notifications, which spangc does not send. */
typedef enum {
    GC_EVENT_START,
    GC_EVENT_MARK_START,
    GC_EVENT_MARK_END,
    GC_EVENT_RECLAIM_START,
    GC_EVENT_RECLAIM_END,
    GC_EVENT_END,
    GC_EVENT_PRE_STOP_WORLD,
    GC_EVENT_POST_STOP_WORLD,
    GC_EVENT_PRE_START_WORLD,
    GC_EVENT_POST_START_WORLD,
    GC_EVENT_THREAD_SUSPENDED,
    GC_EVENT_THREAD_UNSUSPENDED
} GC_EventType;

/* Called by the collecting thread at each step above, with the collection
 * serialised and between the stop and restart events with every other
 * thread stopped: it must not allocate, take locks other threads may hold,
 * or call into the collector.  0 (the default) means no notification. */
typedef void (GC_CALLBACK *GC_on_collection_event_proc)(GC_EventType);
GC_API void GC_CALL GC_set_on_collection_event(GC_on_collection_event_proc);
GC_API GC_on_collection_event_proc GC_CALL GC_get_on_collection_event(void);

/* ------------------------------------------------------------------ */
/* Heap statistics                                                      */
/* ------------------------------------------------------------------ */

/* Bytes of heap (including free and unmapped space). */
GC_API size_t GC_CALL GC_get_heap_size(void);
/* Bytes of the heap free for allocation. */
GC_API size_t GC_CALL GC_get_free_bytes(void);
/* Bytes of the heap returned to the OS. */
GC_API size_t GC_CALL GC_get_unmapped_bytes(void);
/* Bytes allocated since the last collection. */
GC_API size_t GC_CALL GC_get_bytes_since_gc(void);
/* Bytes allocated since start-up. */
GC_API size_t GC_CALL GC_get_total_bytes(void);

/* The five figures above in one consistent snapshot; any pointer may be
 * NULL when that figure is not wanted. */
GC_API void GC_CALL GC_get_heap_usage_safe(GC_word * /* pheap_size */,
                                           GC_word * /* pfree_bytes */,
                                           GC_word * /* punmapped_bytes */,
                                           GC_word * /* pbytes_since_gc */,
                                           GC_word * /* ptotal_bytes */);

/* ------------------------------------------------------------------ */
/* Roots                                                                */
/* ------------------------------------------------------------------ */

/* Scans [low, high_plus_1) for pointers at every collection. */
GC_API void GC_CALL GC_add_roots(void * /* low_address */,
                                 void * /* high_address_plus_1 */);
/* Stops scanning a range given earlier to GC_add_roots. */
GC_API void GC_CALL GC_remove_roots(void * /* low_address */,
                                    void * /* high_address_plus_1 */);
/* Forgets all roots added with GC_add_roots. */
GC_API void GC_CALL GC_clear_roots(void);

/* ------------------------------------------------------------------ */
/* Heap growth and tuning                                               */
/* ------------------------------------------------------------------ */

/* Larger values collect more often and keep the heap smaller: the heap
 * may grow by about 1/divisor of itself between collections. */
GC_API void GC_CALL GC_set_free_space_divisor(GC_word);
GC_API GC_word GC_CALL GC_get_free_space_divisor(void);

/* The heap never grows beyond n bytes (0: no limit). */
GC_API void GC_CALL GC_set_max_heap_size(GC_word /* n */);

/* Grows the heap by at least the given number of bytes; nonzero on
 * success. */
GC_API int GC_CALL GC_expand_hp(size_t /* number_of_bytes */);

/* Nonzero: never grow the heap implicitly. */
GC_API void GC_CALL GC_set_dont_expand(int);
GC_API int GC_CALL GC_get_dont_expand(void);

/* Interior pointers: when on (the default), a pointer anywhere into an
 * object, or just past its end, keeps it alive.  Set it before GC_init. */
GC_API void GC_CALL GC_set_all_interior_pointers(int);
GC_API int GC_CALL GC_get_all_interior_pointers(void);

/* ------------------------------------------------------------------ */
/* Out of memory and warnings                                           */
/* ------------------------------------------------------------------ */

GC_API void GC_CALL GC_set_oom_fn(GC_oom_func) GC_ATTR_NONNULL(1);
GC_API GC_oom_func GC_CALL GC_get_oom_fn(void);

/* An OOM function that prints a message and aborts. */
GC_API void GC_CALL GC_abort_on_oom(void);

GC_API void GC_CALL GC_set_warn_proc(GC_warn_proc /* p */)
        GC_ATTR_NONNULL(1);
GC_API GC_warn_proc GC_CALL GC_get_warn_proc(void);

/* A warning procedure that drops every warning. */
GC_API void GC_CALLBACK GC_ignore_warn_proc(char *, GC_word);

/* ------------------------------------------------------------------ */
/* Variables kept for old clients                                       */
/* ------------------------------------------------------------------ */
/* Read and written directly by existing binaries, so they are part of
 * the ABI; the collector honours what a client writes there.  New code
 * uses the setter and getter functions instead. */

GC_API GC_ATTR_DEPRECATED GC_oom_func GC_oom_fn;       /* GC_set_oom_fn */
GC_API GC_ATTR_DEPRECATED int GC_dont_gc;              /* GC_disable */
GC_API GC_ATTR_DEPRECATED GC_word GC_free_space_divisor;
GC_API GC_ATTR_DEPRECATED int GC_all_interior_pointers;

/* The rest of bdwgc's variables (src/compat.c says which module reads
 * each one, and which are kept with no effect). */
GC_API GC_ATTR_DEPRECATED GC_word GC_gc_no;      /* GC_get_gc_no; written
                                                  * by the collector */
GC_API GC_ATTR_DEPRECATED int GC_no_dls;         /* GC_set_no_dls */
GC_API GC_ATTR_DEPRECATED int GC_dont_expand;    /* GC_set_dont_expand */
GC_API GC_ATTR_DEPRECATED GC_word GC_max_retries; /* GC_set_max_retries */
GC_API GC_ATTR_DEPRECATED GC_word GC_non_gc_bytes; /* GC_set_non_gc_bytes */
GC_API GC_ATTR_DEPRECATED int GC_full_freq;      /* GC_set_full_freq */
GC_API GC_ATTR_DEPRECATED unsigned long GC_time_limit; /* GC_set_time_limit */
GC_API GC_ATTR_DEPRECATED int GC_use_entire_heap;
GC_API GC_ATTR_DEPRECATED int GC_dont_precollect; /* GC_set_dont_precollect */
/* The number of helper marker threads, set at initialisation. */
GC_API GC_ATTR_DEPRECATED int GC_parallel;

/* Called with the new heap size (bytes) when the heap has grown or
 * shrunk: at the end of a collection, or after GC_expand_hp. */
typedef void (GC_CALLBACK *GC_on_heap_resize_proc)(GC_word /* new_size */);
GC_API GC_ATTR_DEPRECATED GC_on_heap_resize_proc GC_on_heap_resize;
GC_API void GC_CALL GC_set_on_heap_resize(GC_on_heap_resize_proc);
GC_API GC_on_heap_resize_proc GC_CALL GC_get_on_heap_resize(void);

/* ------------------------------------------------------------------ */
/* Threads                                                              */
/* ------------------------------------------------------------------ */
/* Every thread that touches the heap must be known to the collector:
 * threads made by GC_pthread_create (or pthread_create redirected by
 * <gc/gc_pthread_redirects.h> when GC_THREADS is defined) are registered
 * for their whole life; others call GC_allow_register_threads once, then
 * GC_register_my_thread / GC_unregister_my_thread.  The thread that first
 * initialises the collector is registered by that.  Registered threads are
 * stopped by the suspend and restart signals during a collection. */

GC_API void GC_CALL GC_allow_register_threads(void);
GC_API int GC_CALL GC_register_my_thread(const struct GC_stack_base *)
                                                GC_ATTR_NONNULL(1);
GC_API int GC_CALL GC_unregister_my_thread(void);
GC_API int GC_CALL GC_thread_is_registered(void);

/* Stack bounds.  GC_get_stack_base fills in the calling thread's cold end;
 * GC_get_my_stackbottom returns the thread's handle and its recorded
 * bottom, which GC_set_stackbottom changes (a client switching stacks:
 * coroutines, fibers). */
GC_API int GC_CALL GC_get_stack_base(struct GC_stack_base *)
                                                GC_ATTR_NONNULL(1);
GC_API void *GC_CALL GC_call_with_stack_base(GC_stack_base_func /* fn */,
                                             void * /* arg */)
                                                GC_ATTR_NONNULL(1);
GC_API void *GC_CALL GC_get_my_stackbottom(struct GC_stack_base *)
                                                GC_ATTR_NONNULL(1);
GC_API void GC_CALL GC_set_stackbottom(void * /* gc_thread_handle */,
                                       const struct GC_stack_base *)
                                                GC_ATTR_NONNULL(2);
/* The main thread's stack bottom, read afresh at each collection. */
GC_API GC_ATTR_DEPRECATED char *GC_stackbottom;

/* Run fn while the collector treats the thread as inactive (it may block
 * for long; it must not touch the heap), or active again inside such a
 * section. */
GC_API void *GC_CALL GC_do_blocking(GC_fn_type /* fn */,
                                    void * /* client_data */)
                                                GC_ATTR_NONNULL(1);
GC_API void *GC_CALL GC_call_with_gc_active(GC_fn_type /* fn */,
                                            void * /* client_data */)
                                                GC_ATTR_NONNULL(1);

/* Run fn with the allocation lock held: no collection runs meanwhile. */
GC_API void *GC_CALL GC_call_with_alloc_lock(GC_fn_type /* fn */,
                                             void * /* client_data */)
                                                GC_ATTR_NONNULL(1);

/* Parallel marking: the number of helper marker threads (0 when marking is
 * done by the collecting thread alone); the number of markers to use,
 * set before initialisation (as GC_MARKERS does). */
GC_API void GC_CALL GC_start_mark_threads(void);
GC_API int GC_CALL GC_get_parallel(void);
GC_API void GC_CALL GC_set_markers_count(unsigned);

/* The signals that stop and restart threads (set before GC_init). */
GC_API void GC_CALL GC_set_suspend_signal(int);
GC_API void GC_CALL GC_set_thr_restart_signal(int);
GC_API int GC_CALL GC_get_suspend_signal(void);
GC_API int GC_CALL GC_get_thr_restart_signal(void);

/* fork(): by default the collector installs pthread_atfork handlers;
 * GC_set_handle_fork(0) before GC_init turns that off, -1 asks the client
 * to call the three GC_atfork_* functions around each fork itself. */
GC_API void GC_CALL GC_set_handle_fork(int);
GC_API void GC_CALL GC_atfork_prepare(void);
GC_API void GC_CALL GC_atfork_parent(void);
GC_API void GC_CALL GC_atfork_child(void);

/* ------------------------------------------------------------------ */
/* Finalization and weak references                                     */
/* ------------------------------------------------------------------ */

/* fn(obj, client_data) is run once obj has become unreachable. */
typedef void (GC_CALLBACK *GC_finalization_proc)(void * /* obj */,
                                                 void * /* client_data */);

/* Arrange for fn(obj, cd) to run when obj (the start of an object of the
 * heap) becomes unreachable.  Ordered: when finalizable a reaches
 * finalizable b, a is finalized first and b one collection later; an
 * object reachable from itself is never finalized.  A second registration
 * replaces the first, and fn == 0 removes it; the previous finalizer and
 * data are stored in *ofn and *ocd (either may be NULL), or NULL when
 * there was none.  obj outside the heap: ignored, *ofn and *ocd set to
 * NULL.  Objects that cd reaches stay alive until the finalizer has run.
 * The registration is dropped when the finalizer is queued, and by
 * GC_free(obj). */
GC_API void GC_CALL GC_register_finalizer(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
/* As above, but pointers from obj to itself do not count. */
GC_API void GC_CALL GC_register_finalizer_ignore_self(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
/* As above, ignoring every cycle: obj is finalized as soon as it is
 * unreachable from the roots. */
GC_API void GC_CALL GC_register_finalizer_no_order(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
/* As ordered finalization, and (with Java-style finalization) never while
 * a no-order finalizable object still reaches obj. */
GC_API void GC_CALL GC_register_finalizer_unreachable(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
GC_API void GC_CALL GC_debug_register_finalizer(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
GC_API void GC_CALL GC_debug_register_finalizer_ignore_self(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
GC_API void GC_CALL GC_debug_register_finalizer_no_order(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);
GC_API void GC_CALL GC_debug_register_finalizer_unreachable(void * /* obj */,
                        GC_finalization_proc /* fn */, void * /* cd */,
                        GC_finalization_proc * /* ofn */, void ** /* ocd */);

/* Nonzero when finalizers are queued to run. */
GC_API int GC_CALL GC_should_invoke_finalizers(void);
/* Runs the queued finalizers; returns how many ran.  Called implicitly
 * after collections and at allocation slow paths unless finalization is
 * on demand. */
GC_API int GC_CALL GC_invoke_finalizers(void);

/* Nonzero: finalizers run only from GC_invoke_finalizers, and the notifier
 * (if any) is called at most once per collection that queued some. */
GC_API int GC_finalize_on_demand;
GC_API void GC_CALL GC_set_finalize_on_demand(int);
GC_API int GC_CALL GC_get_finalize_on_demand(void);

/* Nonzero (the default): what no-order finalizable objects reference is
 * kept for their finalizers, and finalize-unreachable works. */
GC_API int GC_java_finalization;
GC_API void GC_CALL GC_set_java_finalization(int);
GC_API int GC_CALL GC_get_java_finalization(void);

typedef void (GC_CALLBACK *GC_finalizer_notifier_proc)(void);
GC_API GC_finalizer_notifier_proc GC_finalizer_notifier;
GC_API void GC_CALL GC_set_finalizer_notifier(GC_finalizer_notifier_proc);
GC_API GC_finalizer_notifier_proc GC_CALL GC_get_finalizer_notifier(void);

/* Called with the allocation lock held for each object queued for
 * finalization. */
typedef void (GC_CALLBACK *GC_await_finalize_proc)(void * /* obj */);
GC_API void GC_CALL GC_set_await_finalize_proc(GC_await_finalize_proc);
GC_API GC_await_finalize_proc GC_CALL GC_get_await_finalize_proc(void);

/* Accepted for compatibility; not used by the pacer. */
GC_API void GC_CALL GC_set_allocd_bytes_per_finalizer(GC_word);
GC_API GC_word GC_CALL GC_get_allocd_bytes_per_finalizer(void);

/* Disappearing links (weak pointers).  *link (an aligned address) is set
 * to NULL when obj (the start of an object of the heap) becomes
 * unreachable, before any finalizer decision; a link held inside an
 * object that dies goes with it.  GC_SUCCESS, GC_DUPLICATE when link is
 * registered already, GC_NO_MEMORY. */
GC_API int GC_CALL GC_general_register_disappearing_link(void ** /* link */,
                                                  const void * /* obj */);
/* The same with obj the object holding link. */
GC_API int GC_CALL GC_register_disappearing_link(void ** /* link */);
/* Moves a registration to new_link: GC_SUCCESS, GC_DUPLICATE when
 * new_link is registered already, GC_NOT_FOUND when link is not. */
GC_API int GC_CALL GC_move_disappearing_link(void ** /* link */,
                                             void ** /* new_link */);
/* 1 when link was registered (it no longer is), else 0. */
GC_API int GC_CALL GC_unregister_disappearing_link(void ** /* link */);

/* Long links: cleared only when obj is unreachable even from objects
 * being finalized, so they survive a finalizer that resurrects obj. */
GC_API int GC_CALL GC_register_long_link(void ** /* link */,
                                         const void * /* obj */);
GC_API int GC_CALL GC_move_long_link(void ** /* link */,
                                     void ** /* new_link */);
GC_API int GC_CALL GC_unregister_long_link(void ** /* link */);

/* Toggle-refs: references the collector asks a callback about before
 * each collection (with the allocation lock held, world running), which
 * keeps them strong, makes them weak, or drops them. */
typedef enum {
    GC_TOGGLE_REF_DROP,
    GC_TOGGLE_REF_STRONG,
    GC_TOGGLE_REF_WEAK
} GC_ToggleRefStatus;
typedef GC_ToggleRefStatus (GC_CALLBACK *GC_toggleref_func)(void * /* obj */);
GC_API void GC_CALL GC_set_toggleref_func(GC_toggleref_func);
GC_API GC_toggleref_func GC_CALL GC_get_toggleref_func(void);
/* GC_SUCCESS (also when no callback is set: nothing is recorded) or
 * GC_NO_MEMORY. */
GC_API int GC_CALL GC_toggleref_add(void * /* obj */, int /* is_strong */);

/* Runs fn with the allocation lock held (readers and writers share one
 * lock here). */
GC_API void *GC_CALL GC_call_with_reader_lock(GC_fn_type /* fn */,
                                              void * /* client_data */,
                                              int /* release */);

/* Prints the finalization tables' contents and sizes on stderr. */
GC_API void GC_CALL GC_dump_finalization(void);

/* Keeps ptr visibly live up to this point (keep_alive). */
GC_API void GC_CALL GC_noop1(GC_word);
#if defined(__GNUC__)
# define GC_reachable_here(ptr) \
        __asm__ __volatile__(" " : : "X"(ptr) : "memory")
#else
# define GC_reachable_here(ptr) GC_noop1((GC_word)(ptr))
#endif

/* ------------------------------------------------------------------ */
/* Hidden pointers                                                      */
/* ------------------------------------------------------------------ */
/* A hidden pointer is a pointer value the collector does not recognise,
 * so storing one does not keep its object alive. */

typedef GC_word GC_hidden_pointer;
#define GC_HIDE_POINTER(p) (~(GC_hidden_pointer)(p))
#define GC_REVEAL_POINTER(p) ((void *)GC_HIDE_POINTER(p))

/* ------------------------------------------------------------------ */
/* Debug allocation and leak detection                                  */
/* ------------------------------------------------------------------ */
/* A debug object carries its allocation site and guard bytes before and
 * after the client's bytes.  Collections, GC_debug_free and
 * GC_debug_realloc check them and report a smashed object (its address,
 * site and the bytes that changed) through the warn procedure; freeing
 * twice, or freeing a plain object through GC_debug_free, is reported
 * too.  A debug object must be freed and resized by the debug calls
 * (GC_free on one aborts: the pointer is inside the object).  With
 * GC_DEBUG defined before including this header, the GC_MALLOC family of
 * macros below use the debug calls with the caller's file and line. */

#ifdef GC_ADD_CALLER
# define GC_EXTRAS GC_RETURN_ADDR, __FILE__, __LINE__
# define GC_EXTRA_PARAMS GC_word ra, const char * s, int i
#else
# define GC_EXTRAS __FILE__, __LINE__
# define GC_EXTRA_PARAMS const char * s, int i
#endif

GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc(size_t /* size_in_bytes */, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc_atomic(size_t /* size_in_bytes */, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc_uncollectable(size_t /* size_in_bytes */,
                                      GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc_atomic_uncollectable(size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc_ignore_off_page(size_t /* size_in_bytes */,
                                        GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc_atomic_ignore_off_page(size_t /* size_in_bytes */,
                                               GC_EXTRA_PARAMS);
GC_API GC_ATTR_DEPRECATED void *GC_CALL
        GC_debug_malloc_stubborn(size_t /* size_in_bytes */, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC char *GC_CALL
        GC_debug_strdup(const char *, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC char *GC_CALL
        GC_debug_strndup(const char *, size_t, GC_EXTRA_PARAMS)
                                                GC_ATTR_NONNULL(1);
/* A debug object of kind knd (a built-in kind; a client kind's objects
 * get no debug information). */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_generic_or_special_malloc(size_t /* size_in_bytes */,
                                           int /* knd */, GC_EXTRA_PARAMS);
GC_API void GC_CALL GC_debug_free(void *);
GC_API void *GC_CALL GC_debug_realloc(void * /* old_object */,
                        size_t /* new_size_in_bytes */, GC_EXTRA_PARAMS)
        GC_ATTR_ALLOC_SIZE(2);
GC_API GC_ATTR_DEPRECATED void GC_CALL GC_debug_change_stubborn(const void *);
GC_API void GC_CALL GC_debug_end_stubborn_change(const void *)
                                                GC_ATTR_NONNULL(1);
GC_API void GC_CALL GC_debug_ptr_store_and_dirty(void * /* p */,
                                                 const void * /* q */);
/* As GC_register_displacement, for programs that use debug objects. */
GC_API void GC_CALL GC_debug_register_displacement(size_t /* n */);

/* Debug objects without a site (file "(unknown)", the caller's return
 * address instead): drop-in replacements for malloc and realloc. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_debug_malloc_replacement(size_t /* size_in_bytes */);
GC_API GC_ATTR_ALLOC_SIZE(2) void *GC_CALL
        GC_debug_realloc_replacement(void * /* object_addr */,
                                     size_t /* size_in_bytes */);

/* The bytes of debug information before a debug object's client bytes
 * (GC_base of a debug object is that far before it). */
GC_API size_t GC_CALL GC_get_debug_header_size(void);
GC_API const size_t GC_debug_header_size;

/* Leak mode (also GC_FIND_LEAK in the environment): the collector frees
 * nothing by itself; each unreachable object that was never freed is
 * reported once through the warn procedure, with its allocation site
 * when it is a debug object (see <gc/leak_detector.h>), then reclaimed.
 * Set it before GC_init. */
GC_API GC_ATTR_DEPRECATED int GC_find_leak;
GC_API void GC_CALL GC_set_find_leak(int);
GC_API int GC_CALL GC_get_find_leak(void);

/* ------------------------------------------------------------------ */
/* Convenience macros                                                   */
/* ------------------------------------------------------------------ */

/* GC_INIT: configuration macros the client defines before including
 * <gc.h> take effect here, as in bdwgc: settings that must precede
 * initialisation, then GC_init, then those that follow it.
 * GC_DONT_REGISTER_MAIN_STATIC_DATA installs a static-roots filter
 * (GC_register_has_static_roots_callback) that skips the executable's own
 * data (it replaces a filter set earlier); GC_ALLOW_REGISTER_THREADS calls
 * GC_allow_register_threads after initialisation. */
#ifdef GC_DONT_EXPAND
# define GC_INIT_CONF_DONT_EXPAND GC_set_dont_expand(1)
#else
# define GC_INIT_CONF_DONT_EXPAND /* empty */
#endif
#ifdef GC_FORCE_UNMAP_ON_GCOLLECT
# define GC_INIT_CONF_FORCE_UNMAP_ON_GCOLLECT GC_set_force_unmap_on_gcollect(1)
#else
# define GC_INIT_CONF_FORCE_UNMAP_ON_GCOLLECT /* empty */
#endif
#if defined(GC_DONT_GC)
# define GC_INIT_CONF_MAX_RETRIES (void)(GC_dont_gc = 1)
#elif defined(GC_MAX_RETRIES)
# define GC_INIT_CONF_MAX_RETRIES GC_set_max_retries(GC_MAX_RETRIES)
#else
# define GC_INIT_CONF_MAX_RETRIES /* empty */
#endif
#ifdef GC_ALLOCD_BYTES_PER_FINALIZER
# define GC_INIT_CONF_ALLOCD_BYTES_PER_FINALIZER \
        GC_set_allocd_bytes_per_finalizer(GC_ALLOCD_BYTES_PER_FINALIZER)
#else
# define GC_INIT_CONF_ALLOCD_BYTES_PER_FINALIZER /* empty */
#endif
#ifdef GC_FREE_SPACE_DIVISOR
# define GC_INIT_CONF_FREE_SPACE_DIVISOR \
        GC_set_free_space_divisor(GC_FREE_SPACE_DIVISOR)
#else
# define GC_INIT_CONF_FREE_SPACE_DIVISOR /* empty */
#endif
#ifdef GC_FULL_FREQ
# define GC_INIT_CONF_FULL_FREQ GC_set_full_freq(GC_FULL_FREQ)
#else
# define GC_INIT_CONF_FULL_FREQ /* empty */
#endif
#ifdef GC_TIME_LIMIT
# define GC_INIT_CONF_TIME_LIMIT GC_set_time_limit(GC_TIME_LIMIT)
#else
# define GC_INIT_CONF_TIME_LIMIT /* empty */
#endif
#if defined(GC_MARKERS) && defined(GC_THREADS)
# define GC_INIT_CONF_MARKERS GC_set_markers_count(GC_MARKERS)
#else
# define GC_INIT_CONF_MARKERS /* empty */
#endif
#if defined(GC_SIG_SUSPEND) && defined(GC_THREADS)
# define GC_INIT_CONF_SUSPEND_SIGNAL GC_set_suspend_signal(GC_SIG_SUSPEND)
#else
# define GC_INIT_CONF_SUSPEND_SIGNAL /* empty */
#endif
#if defined(GC_SIG_THR_RESTART) && defined(GC_THREADS)
# define GC_INIT_CONF_THR_RESTART_SIGNAL \
        GC_set_thr_restart_signal(GC_SIG_THR_RESTART)
#else
# define GC_INIT_CONF_THR_RESTART_SIGNAL /* empty */
#endif
#ifdef GC_MAXIMUM_HEAP_SIZE
# define GC_INIT_CONF_MAXIMUM_HEAP_SIZE GC_set_max_heap_size(GC_MAXIMUM_HEAP_SIZE)
#else
# define GC_INIT_CONF_MAXIMUM_HEAP_SIZE /* empty */
#endif
#ifdef GC_DONT_REGISTER_MAIN_STATIC_DATA
/* Scan the static data of shared objects only (the executable's name, as
 * dl_iterate_phdr reports it, is empty). */
static inline int GC_CALLBACK GC_skip_main_static_data_(const char *name,
                                                 void *start, size_t size)
{
    (void)start;
    (void)size;
    return name != 0 && name[0] != '\0';
}
# define GC_INIT_CONF_MAIN_STATIC_DATA \
        GC_register_has_static_roots_callback(GC_skip_main_static_data_)
#else
# define GC_INIT_CONF_MAIN_STATIC_DATA /* empty */
#endif
#ifdef GC_IGNORE_WARN
# define GC_INIT_CONF_IGNORE_WARN GC_set_warn_proc(GC_ignore_warn_proc)
#else
# define GC_INIT_CONF_IGNORE_WARN /* empty */
#endif
#if defined(GC_ALLOW_REGISTER_THREADS) && defined(GC_THREADS)
# define GC_INIT_CONF_ALLOW_REGISTER_THREADS GC_allow_register_threads()
#else
# define GC_INIT_CONF_ALLOW_REGISTER_THREADS /* empty */
#endif
#ifdef GC_INITIAL_HEAP_SIZE
# define GC_INIT_CONF_INITIAL_HEAP_SIZE \
        { size_t GC_heap_size_ = GC_get_heap_size(); \
          if (GC_heap_size_ < (size_t)(GC_INITIAL_HEAP_SIZE)) \
            (void)GC_expand_hp((size_t)(GC_INITIAL_HEAP_SIZE) - GC_heap_size_); }
#else
# define GC_INIT_CONF_INITIAL_HEAP_SIZE /* empty */
#endif

/* bdwgc registers the data segment here on platforms without
 * dl_iterate_phdr; Linux has it. */
#define GC_INIT_CONF_ROOTS /* empty */

#define GC_INIT() { GC_INIT_CONF_DONT_EXPAND; \
                    GC_INIT_CONF_FORCE_UNMAP_ON_GCOLLECT; \
                    GC_INIT_CONF_MAX_RETRIES; \
                    GC_INIT_CONF_ALLOCD_BYTES_PER_FINALIZER; \
                    GC_INIT_CONF_FREE_SPACE_DIVISOR; \
                    GC_INIT_CONF_FULL_FREQ; \
                    GC_INIT_CONF_TIME_LIMIT; \
                    GC_INIT_CONF_MARKERS; \
                    GC_INIT_CONF_SUSPEND_SIGNAL; \
                    GC_INIT_CONF_THR_RESTART_SIGNAL; \
                    GC_INIT_CONF_MAXIMUM_HEAP_SIZE; \
                    GC_INIT_CONF_MAIN_STATIC_DATA; \
                    GC_init(); \
                    GC_INIT_CONF_IGNORE_WARN; \
                    GC_INIT_CONF_ALLOW_REGISTER_THREADS; \
                    GC_INIT_CONF_INITIAL_HEAP_SIZE; }

#ifdef GC_DEBUG_REPLACEMENT
# define GC_MALLOC(sz) GC_debug_malloc_replacement(sz)
# define GC_REALLOC(old, sz) GC_debug_realloc_replacement(old, sz)
#elif defined(GC_DEBUG)
# define GC_MALLOC(sz) GC_debug_malloc(sz, GC_EXTRAS)
# define GC_REALLOC(old, sz) GC_debug_realloc(old, sz, GC_EXTRAS)
#else
# define GC_MALLOC(sz) GC_malloc(sz)
# define GC_REALLOC(old, sz) GC_realloc(old, sz)
#endif

#ifdef GC_DEBUG
# define GC_MALLOC_ATOMIC(sz) GC_debug_malloc_atomic(sz, GC_EXTRAS)
# define GC_STRDUP(s) GC_debug_strdup(s, GC_EXTRAS)
# define GC_STRNDUP(s, sz) GC_debug_strndup(s, sz, GC_EXTRAS)
# define GC_MALLOC_ATOMIC_UNCOLLECTABLE(sz) \
        GC_debug_malloc_atomic_uncollectable(sz, GC_EXTRAS)
# define GC_MALLOC_UNCOLLECTABLE(sz) \
        GC_debug_malloc_uncollectable(sz, GC_EXTRAS)
# define GC_MALLOC_IGNORE_OFF_PAGE(sz) \
        GC_debug_malloc_ignore_off_page(sz, GC_EXTRAS)
# define GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(sz) \
        GC_debug_malloc_atomic_ignore_off_page(sz, GC_EXTRAS)
# define GC_FREE(p) GC_debug_free(p)
# define GC_REGISTER_DISPLACEMENT(n) GC_debug_register_displacement(n)
#else
# define GC_MALLOC_ATOMIC(sz)               GC_malloc_atomic(sz)
# define GC_STRDUP(s)                       GC_strdup(s)
# define GC_STRNDUP(s, sz)                  GC_strndup(s, sz)
# define GC_MALLOC_ATOMIC_UNCOLLECTABLE(sz) GC_malloc_atomic_uncollectable(sz)
# define GC_MALLOC_UNCOLLECTABLE(sz)        GC_malloc_uncollectable(sz)
# define GC_MALLOC_IGNORE_OFF_PAGE(sz)      GC_malloc_ignore_off_page(sz)
# define GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(sz) \
        GC_malloc_atomic_ignore_off_page(sz)
# define GC_FREE(p)                         GC_free(p)
#endif

#ifdef GC_DEBUG
# define GC_REGISTER_FINALIZER(p, f, d, of, od) \
        GC_debug_register_finalizer(p, f, d, of, od)
# define GC_REGISTER_FINALIZER_IGNORE_SELF(p, f, d, of, od) \
        GC_debug_register_finalizer_ignore_self(p, f, d, of, od)
# define GC_REGISTER_FINALIZER_NO_ORDER(p, f, d, of, od) \
        GC_debug_register_finalizer_no_order(p, f, d, of, od)
# define GC_REGISTER_FINALIZER_UNREACHABLE(p, f, d, of, od) \
        GC_debug_register_finalizer_unreachable(p, f, d, of, od)
# define GC_GENERAL_REGISTER_DISAPPEARING_LINK(link, obj) \
        GC_general_register_disappearing_link(link, GC_base((void *)(obj)))
# define GC_REGISTER_LONG_LINK(link, obj) \
        GC_register_long_link(link, GC_base((void *)(obj)))
#else
# define GC_REGISTER_FINALIZER(p, f, d, of, od) \
        GC_register_finalizer(p, f, d, of, od)
# define GC_REGISTER_FINALIZER_IGNORE_SELF(p, f, d, of, od) \
        GC_register_finalizer_ignore_self(p, f, d, of, od)
# define GC_REGISTER_FINALIZER_NO_ORDER(p, f, d, of, od) \
        GC_register_finalizer_no_order(p, f, d, of, od)
# define GC_REGISTER_FINALIZER_UNREACHABLE(p, f, d, of, od) \
        GC_register_finalizer_unreachable(p, f, d, of, od)
# define GC_GENERAL_REGISTER_DISAPPEARING_LINK(link, obj) \
        GC_general_register_disappearing_link(link, obj)
# define GC_REGISTER_LONG_LINK(link, obj) GC_register_long_link(link, obj)
#endif

#define GC_NEW(t)               ((t *)GC_MALLOC(sizeof(t)))
#define GC_NEW_ATOMIC(t)        ((t *)GC_MALLOC_ATOMIC(sizeof(t)))
#define GC_NEW_UNCOLLECTABLE(t) ((t *)GC_MALLOC_UNCOLLECTABLE(sizeof(t)))

/* ------------------------------------------------------------------ */
/* Displacements, pointer checks and batch allocation                   */
/* ------------------------------------------------------------------ */

/* The call-site arguments of the debug allocators (bdwgc's layout on
 * this platform: file and line). */
#ifndef GC_EXTRA_PARAMS
# define GC_EXTRAS __FILE__, __LINE__
# define GC_EXTRA_PARAMS const char * s, int i
#endif

/* With interior pointers off (GC_set_all_interior_pointers(0)), a word
 * pointing n bytes into an object (n below 4096 and below the object's
 * size) keeps it alive once n is registered; other interior words do
 * not.  Without effect while all interior pointers are recognised. */
GC_API void GC_CALL GC_register_displacement(size_t /* n */);
/* The same, for programs that use debug allocation. */
GC_API void GC_CALL GC_debug_register_displacement(size_t /* n */);
#ifdef GC_DEBUG
# define GC_REGISTER_DISPLACEMENT(n) GC_debug_register_displacement(n)
#else
# define GC_REGISTER_DISPLACEMENT(n) GC_register_displacement(n)
#endif

/* Checks for code that watches its pointer arithmetic.  Each returns its
 * first argument, and reports a failure through the matching print
 * procedure below (by default: a message and abort). */
/* p and q point into the same heap object, or neither into the heap. */
GC_API void *GC_CALL GC_same_obj(void * /* p */, void * /* q */);
/* *p += how_much bytes, checked with GC_same_obj (and, with interior
 * pointers off, GC_is_valid_displacement); the new or the old value. */
GC_API void *GC_CALL GC_pre_incr(void **, ptrdiff_t /* how_much */)
                                                        GC_ATTR_NONNULL(1);
GC_API void *GC_CALL GC_post_incr(void **, ptrdiff_t /* how_much */)
                                                        GC_ATTR_NONNULL(1);
/* p is a place the collector scans: the calling thread's stack, static
 * data or roots, or a word of a heap object that may hold pointers. */
GC_API void *GC_CALL GC_is_visible(void * /* p */);
/* If p points into the heap, it points to an object's start or to a
 * valid displacement into it. */
GC_API void *GC_CALL GC_is_valid_displacement(void * /* p */);

#if defined(GC_DEBUG) && defined(__GNUC__)
# define GC_PTR_ADD3(x, n, type_of_result)         ((type_of_result)GC_same_obj((x) + (n), (x)))
# define GC_PRE_INCR3(x, n, type_of_result)         ((type_of_result)GC_pre_incr((void **)(&(x)), (n) * sizeof(*x)))
# define GC_POST_INCR3(x, n, type_of_result)         ((type_of_result)GC_post_incr((void **)(&(x)), (n) * sizeof(*x)))
# define GC_PTR_ADD(x, n) GC_PTR_ADD3(x, n, __typeof__(x))
# define GC_PRE_INCR(x, n) GC_PRE_INCR3(x, n, __typeof__(x))
# define GC_POST_INCR(x) GC_POST_INCR3(x, 1, __typeof__(x))
# define GC_POST_DECR(x) GC_POST_INCR3(x, -1, __typeof__(x))
#else
# define GC_PTR_ADD(x, n) ((x) + (n))
# define GC_PRE_INCR(x, n) ((x) += (n))
# define GC_POST_INCR(x) ((x)++)
# define GC_POST_DECR(x) ((x)--)
#endif

/* Called on a failed check; a client may replace them. */
GC_API void (GC_CALLBACK *GC_same_obj_print_proc)(void * /* p */,
                                                  void * /* q */);
GC_API void (GC_CALLBACK *GC_is_valid_displacement_print_proc)(void *);
GC_API void (GC_CALLBACK *GC_is_visible_print_proc)(void *);

/* Several objects of lb bytes, linked through their first words (read
 * the link with GC_NEXT; clear it before use); the rest of each object is
 * zero.  NULL when not even one can be had. */
GC_API GC_ATTR_MALLOC void *GC_CALL GC_malloc_many(size_t /* lb */);
#define GC_NEXT(p) (*(void **)(p))

/* ------------------------------------------------------------------ */
/* Incremental and generational collection                              */
/* ------------------------------------------------------------------ */
/* spangc always collects the whole heap with the world stopped; it has no
 * incremental mode and no dirty bits.  These calls answer as bdwgc does
 * for a collector that is not in incremental mode: enabling it does
 * nothing (it initialises the collector), GC_is_incremental_mode returns
 * 0, no memory is protected, and the stubborn-object and dirtying calls
 * only do the store they name. */
GC_API void GC_CALL GC_enable_incremental(void);
GC_API int GC_CALL GC_is_incremental_mode(void);

#define GC_PROTECTS_POINTER_HEAP  1
#define GC_PROTECTS_PTRFREE_HEAP  2
#define GC_PROTECTS_STATIC_DATA   4
#define GC_PROTECTS_STACK         8
#define GC_PROTECTS_NONE 0
/* Which memory the collector write-protects: GC_PROTECTS_NONE. */
GC_API int GC_CALL GC_incremental_protection_needs(void);
/* Starts an incremental cycle in incremental mode; here nothing. */
GC_API void GC_CALL GC_start_incremental_collection(void);

GC_API void GC_CALL GC_set_manual_vdb_allowed(int);
GC_API int GC_CALL GC_get_manual_vdb_allowed(void);

/* Stubborn objects are ordinary ones; the calls are kept for old code. */
GC_API GC_ATTR_DEPRECATED void *GC_CALL GC_malloc_stubborn(size_t);
GC_API GC_ATTR_DEPRECATED void GC_CALL GC_change_stubborn(const void *);
GC_API void GC_CALL GC_end_stubborn_change(const void *) GC_ATTR_NONNULL(1);
/* *(void **)p = q, then (in incremental mode) dirty p. */
GC_API void GC_CALL GC_ptr_store_and_dirty(void * /* p */,
                                           const void * /* q */);
/* A pointer store; GC_PTR_STORE_AND_DIRTY also tells an incremental
 * collector that p changed. */
#define GC_PTR_STORE(p, q) (*(void **)(p) = (void *)(q))
#define GC_MALLOC_STUBBORN(sz)  GC_MALLOC(sz)
#define GC_NEW_STUBBORN(t)      GC_NEW(t)
#define GC_CHANGE_STUBBORN(p)   GC_change_stubborn(p)
#ifdef GC_DEBUG
GC_API void GC_CALL GC_debug_end_stubborn_change(const void *)
                                                GC_ATTR_NONNULL(1);
GC_API void GC_CALL GC_debug_ptr_store_and_dirty(void *, const void *);
# define GC_END_STUBBORN_CHANGE(p) GC_debug_end_stubborn_change(p)
# define GC_PTR_STORE_AND_DIRTY(p, q) GC_debug_ptr_store_and_dirty(p, q)
#else
# define GC_END_STUBBORN_CHANGE(p) GC_end_stubborn_change(p)
# define GC_PTR_STORE_AND_DIRTY(p, q) GC_ptr_store_and_dirty(p, q)
#endif

/* Partial collections between full ones, and the pause target of an
 * incremental step: stored and returned, with no effect. */
GC_API void GC_CALL GC_set_full_freq(int);
GC_API int GC_CALL GC_get_full_freq(void);
#define GC_TIME_UNLIMITED 999999
GC_API void GC_CALL GC_set_time_limit(unsigned long /* ms */);
GC_API unsigned long GC_CALL GC_get_time_limit(void);
struct GC_timeval_s {
    unsigned long tv_ms;   /* milliseconds */
    unsigned long tv_nsec; /* and nanoseconds (< 1000000) */
};
GC_API void GC_CALL GC_set_time_limit_tv(struct GC_timeval_s);
GC_API struct GC_timeval_s GC_CALL GC_get_time_limit_tv(void);

/* ------------------------------------------------------------------ */
/* Stopping a collection                                                */
/* ------------------------------------------------------------------ */
/* A stop function is asked, when a collection is about to begin (before
 * any event or stop of the world), whether to abandon it; nonzero does:
 * nothing is marked or freed, and the heap grows instead until a
 * collection completes.  A collection once begun runs to its end (bdwgc
 * also asks during the mark). */
typedef int (GC_CALLBACK *GC_stop_func)(void);
/* A full collection unless stop_func says stop: 1 when it ran, 0 when it
 * was abandoned or collection is disabled. */
GC_API int GC_CALL GC_try_to_collect(GC_stop_func /* stop_func */)
                                                GC_ATTR_NONNULL(1);
/* The stop function of every other collection (explicit or automatic);
 * the default never stops. */
GC_API void GC_CALL GC_set_stop_func(GC_stop_func /* stop_func */)
                                                GC_ATTR_NONNULL(1);
GC_API GC_stop_func GC_CALL GC_get_stop_func(void);

/* ------------------------------------------------------------------ */
/* More tuning                                                          */
/* ------------------------------------------------------------------ */
GC_API void GC_CALL GC_set_no_dls(int);
GC_API int GC_CALL GC_get_no_dls(void);
/* Collections an allocation attempts, beyond the first, before it
 * reports out of memory. */
GC_API void GC_CALL GC_set_max_retries(GC_word);
GC_API GC_word GC_CALL GC_get_max_retries(void);
/* A client's count of bytes it keeps outside collection; reported in
 * GC_get_prof_stats, not used for pacing. */
GC_API void GC_CALL GC_set_non_gc_bytes(GC_word);
GC_API GC_word GC_CALL GC_get_non_gc_bytes(void);
/* spangc never collects during initialisation: no effect. */
GC_API void GC_CALL GC_set_dont_precollect(int);
GC_API int GC_CALL GC_get_dont_precollect(void);
/* Nonzero: only explicit calls (GC_gcollect, ...) collect; the heap grows
 * instead of collecting. */
GC_API void GC_CALL GC_set_disable_automatic_collection(int);
GC_API int GC_CALL GC_get_disable_automatic_collection(void);
/* Nonzero: GC_gcollect returns free memory as GC_gcollect_and_unmap. */
GC_API void GC_CALL GC_set_force_unmap_on_gcollect(int);
GC_API int GC_CALL GC_get_force_unmap_on_gcollect(void);
/* Nonzero before GC_init: heap memory is executable. */
GC_API void GC_CALL GC_set_pages_executable(int);
GC_API int GC_CALL GC_get_pages_executable(void);
/* The least allocation between two automatic collections (bytes, > 0);
 * spangc's own floor (4 MiB) applies when it is larger. */
GC_API void GC_CALL GC_set_min_bytes_allocd(size_t);
GC_API size_t GC_CALL GC_get_min_bytes_allocd(void);
/* Incremental-mode tuning: stored and returned, with no effect. */
GC_API void GC_CALL GC_set_rate(int);
GC_API int GC_CALL GC_get_rate(void);
GC_API void GC_CALL GC_set_max_prior_attempts(int);
GC_API int GC_CALL GC_get_max_prior_attempts(void);

/* Told of each thread a collection stops (GC_EVENT_THREAD_SUSPENDED) and
 * restarts (GC_EVENT_THREAD_UNSUSPENDED), with its pthread_t as the id;
 * called by the collecting thread with the world partly stopped: it must
 * not allocate or take locks other threads may hold. */
typedef void (GC_CALLBACK *GC_on_thread_event_proc)(GC_EventType,
                                                    void * /* thread_id */);
GC_API void GC_CALL GC_set_on_thread_event(GC_on_thread_event_proc);
GC_API GC_on_thread_event_proc GC_CALL GC_get_on_thread_event(void);

/* Called with the message before a fatal error aborts the process. */
typedef void (GC_CALLBACK *GC_abort_func)(const char * /* msg */);
GC_API void GC_CALL GC_set_abort_func(GC_abort_func) GC_ATTR_NONNULL(1);
GC_API GC_abort_func GC_CALL GC_get_abort_func(void);

/* Where the collector's log lines (GC_PRINT_STATS) go: stderr (2) by
 * default. */
GC_API void GC_CALL GC_set_log_fd(int);

/* Frees nothing in spangc (its threads and tables last as long as the
 * process); kept for programs that call it at exit. */
GC_API void GC_CALL GC_deinit(void);

/* ------------------------------------------------------------------ */
/* More statistics                                                      */
/* ------------------------------------------------------------------ */
/* Bytes freed by GC_free since the last collection. */
GC_API size_t GC_CALL GC_get_expl_freed_bytes_since_gc(void);
/* Bytes of address space committed for the heap. */
GC_API size_t GC_CALL GC_get_obtained_from_os_bytes(void);
/* Bytes of the heap in use (heap size less free bytes). */
GC_API size_t GC_CALL GC_get_memory_use(void);
/* Total pause time (ms) of the collections since
 * GC_start_performance_measurement; 0 before it is called. */
GC_API void GC_CALL GC_start_performance_measurement(void);
GC_API unsigned long GC_CALL GC_get_full_gc_total_time(void);
/* The bytes actually given for a request of i bytes, or (size_t)-1 when
 * i is beyond the small-object sizes. */
GC_API size_t GC_CALL GC_get_size_map_at(int /* i */);

/* A snapshot of the collector's counters.  A client passes the size of
 * its struct; fields it does not have are left out, fields spangc does
 * not know (a newer client's) are set to -1.  Returns the bytes filled. */
struct GC_prof_stats_s {
    GC_word heapsize_full;          /* heap + unmapped bytes */
    GC_word free_bytes_full;        /* free + unmapped bytes */
    GC_word unmapped_bytes;
    GC_word bytes_allocd_since_gc;
    GC_word allocd_bytes_before_gc; /* total less since the last cycle */
    GC_word non_gc_bytes;           /* GC_get_non_gc_bytes */
    GC_word gc_no;
    GC_word markers_m1;             /* helper markers */
    GC_word bytes_reclaimed_since_gc;  /* 0: sweeping is not counted */
    GC_word reclaimed_bytes_before_gc; /* 0: likewise */
    GC_word expl_freed_bytes_since_gc;
    GC_word obtained_from_os_bytes;
};
GC_API size_t GC_CALL GC_get_prof_stats(struct GC_prof_stats_s *,
                                        size_t /* stats_sz */);
GC_API size_t GC_CALL GC_get_prof_stats_unsafe(struct GC_prof_stats_s *,
                                               size_t /* stats_sz */);

/* ------------------------------------------------------------------ */
/* More roots                                                           */
/* ------------------------------------------------------------------ */
/* Never scan [low, high_plus_1), whatever root range holds it (static
 * data or GC_add_roots). */
GC_API void GC_CALL GC_exclude_static_roots(void * /* low_address */,
                                            void * /* high_address_plus_1 */);
/* Forgets every range given to GC_exclude_static_roots. */
GC_API void GC_CALL GC_clear_exclusion_table(void);

/* A filter asked, at each collection, about each writable segment of the
 * executable (name "") and of each shared object before its static data
 * is scanned; nonzero means scan it.  0 removes the filter. */
typedef int (GC_CALLBACK *GC_has_static_roots_func)(
                        const char * /* dlpi_name */,
                        void * /* section_start */,
                        size_t /* section_size */);
GC_API void GC_CALL GC_register_has_static_roots_callback(
                        GC_has_static_roots_func);

/* ------------------------------------------------------------------ */
/* More threads                                                         */
/* ------------------------------------------------------------------ */
/* The calling thread's normal stack and its alternate signal stack
 * (sigaltstack): a thread stopped while running on the alternate stack
 * has that stack scanned from its stack pointer up, and its normal stack
 * [stack_start, stack_start + stack_size) whole.  A thread that never
 * calls this still survives: the collector asks the system for the
 * alternate stack of a thread it stops there, and scans the mapped part
 * of the normal stack. */
GC_API void GC_CALL GC_register_altstack(void * /* stack_start */,
                                         GC_word /* stack_size */,
                                         void * /* altstack_base */,
                                         GC_word /* altstack_size */);

/* Stop and restart every other registered thread, as a collection does;
 * the caller must not allocate in between. */
GC_API void GC_CALL GC_stop_world_external(void);
GC_API void GC_CALL GC_start_world_external(void);

/* The allocation lock: no collection runs while it is held.  Not
 * reentrant; the thread holding it must not allocate. */
GC_API void GC_CALL GC_alloc_lock(void);
GC_API void GC_CALL GC_alloc_unlock(void);

/* ------------------------------------------------------------------ */
/* Dumps, readable by a person, on stdout                               */
/* ------------------------------------------------------------------ */
/* Roots, heap, spans per kind and size, finalization: everything. */
GC_API void GC_CALL GC_dump(void);
/* The same, headed by a name. */
GC_API void GC_CALL GC_dump_named(const char * /* name */);
/* The heap's arenas and runs of pages, free or in use. */
GC_API void GC_CALL GC_dump_regions(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#if defined(GC_PTHREADS)
# include "gc_pthread_redirects.h"
#endif

#endif /* GC_H */
