/*
 * compat.h: bdwgc's public variables, and the bdwgc knobs that have no
 * other home, in one place.
 *
 * bdwgc exports a few dozen variables (GC_no_dls, GC_dont_expand,
 * GC_gc_no, GC_full_freq, ...) that old clients read and write directly,
 * often before GC_init.  They are defined in compat.c, with bdwgc's types
 * and initial values, and the module that owns each concept reads the
 * variable itself at the moment it needs the value, so a write takes
 * effect whenever bdwgc's would (before GC_INIT, or at any time for the
 * knobs bdwgc reads at use).  The table at the top of compat.c says, for
 * every variable and setter, which module reads it, or that it has no
 * effect in spangc and why.
 *
 * Variables kept elsewhere because their module owned them first:
 * GC_dont_gc (collect.c), GC_free_space_divisor, GC_all_interior_pointers,
 * GC_oom_fn (init.c), GC_finalize_on_demand, GC_java_finalization,
 * GC_finalizer_notifier (finalize.c), GC_stackbottom (thread.c).
 *
 * Locks: none.  Every variable is a word a client may write at any time
 * without a lock (as with bdwgc); readers load it once, relaxed, and act
 * on the value they saw.  GC_gc_no and GC_parallel are written by the
 * collector only (a cycle's end, init).
 *
 * Departs from DESIGN.md: nothing; this is its item 23.
 */
#ifndef SGC_COMPAT_H
#define SGC_COMPAT_H

#ifndef SGC_BUILDING
#error "src/compat.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* After GC_init's setup: publish GC_parallel. */
SGC_HIDDEN void sgc_compat_after_init(void);

/* At the end of each cycle, world stopped: GC_gc_no, the explicit-free
 * count, and GC_on_heap_resize when the heap's size changed. */
SGC_HIDDEN void sgc_compat_cycle_done(void);

/* The heap may have changed size outside a cycle (GC_expand_hp). */
SGC_HIDDEN void sgc_compat_heap_resized(void);

/* GC_free returned bytes (GC_get_expl_freed_bytes_since_gc). */
SGC_HIDDEN void sgc_compat_note_free(size_t bytes);

/* A stop function abandoned a collection: until one completes, the heap
 * grows instead (as bdwgc's does when its collection is aborted). */
SGC_HIDDEN void sgc_compat_collection_abandoned(void);
/* Nonzero while the heap grows instead of collecting: a stop function
 * abandoned the last collection, or automatic collection is off.  Read
 * on allocation slow paths (pacer.h), hence a plain word, inline. */
SGC_HIDDEN extern int sgc_compat_grow;
static inline int sgc_compat_grow_instead(void)
{
	return __atomic_load_n(&sgc_compat_grow, __ATOMIC_RELAXED);
}

/* GC_set_disable_automatic_collection(1): only explicit calls collect. */
SGC_HIDDEN int sgc_compat_auto_collect_off(void);

/* GC_set_force_unmap_on_gcollect(1): GC_gcollect returns memory too. */
SGC_HIDDEN int sgc_compat_force_unmap(void);

/* Extra collections before an allocation gives up (GC_max_retries). */
SGC_HIDDEN unsigned sgc_compat_max_retries(void);

/* The floor of allocation between two collections (GC_min_bytes_allocd
 * when set above spangc's own floor). */
SGC_HIDDEN size_t sgc_compat_min_bytes_allocd(void);

/* Whether static data of shared objects is left unscanned (GC_no_dls). */
SGC_HIDDEN int sgc_compat_no_dls(void);

/* Called by the fatal path with its message, before abort(): the
 * client's GC_set_abort_func procedure, if any. */
SGC_HIDDEN void sgc_compat_on_abort(const char *msg);

#endif /* SGC_COMPAT_H */
