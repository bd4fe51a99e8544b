/*
 * finalize.h: finalizers, disappearing links and toggle-refs, with
 * bdwgc's semantics (gc.h's finalization section, javaxfc.h).
 *
 * Finalizers are *specials* kept per span: span->specials is a table of
 * the span's finalizable objects sorted by object index, and the span's
 * bit in its arena's page_specials says that it has one, so that a cycle
 * visits only those spans.  Disappearing links (short and long) live in
 * two hash tables keyed by the link's address, because every call on them
 * (unregister, move, duplicate check) is keyed by the link; each cycle
 * walks them once, as bdwgc does.  Toggle-refs are an array.  All of it is
 * outside the collected heap (the C allocator), so nothing in it is
 * scanned unless the mark phase is told to.
 *
 * A cycle, world stopped, after the main mark (sgc_finalize_after_mark):
 *   1. short links whose object is unmarked are cleared;
 *   2. from each unmarked finalizable object, its referents are marked
 *      (all of them; all but itself for ignore-self; none for no-order),
 *      so an object reachable from another finalizable object, or from
 *      itself, is marked and waits (ordered finalization, cycles never
 *      finalized);
 *   3. the objects still unmarked are queued for finalization and marked
 *      (Java-style: no-order objects' referents are marked too, and an
 *      unreachable-finalizer object that became reachable stays
 *      registered);
 *   4. short links held inside dead objects are dropped; long links
 *      whose object is still unmarked are cleared, so a long link survives
 *      a resurrecting finalizer; weak toggle-refs to dead objects go.
 * The queued objects, every registered finalizer's client data and the
 * strong toggle-refs are roots of every mark phase (sgc_finalize_mark_roots)
 * until the finalizer has run.  Finalizers run outside every lock, in
 * GC_invoke_finalizers: called by the client, or at the next allocation
 * slow path or GC_gcollect of a registered thread (never nested in a
 * finalizer of the same thread), unless finalize-on-demand is set, in
 * which case the notifier is called once per collection.
 *
 * Locks: the world lock (thread.h) guards every table; registration takes
 * it, a cycle holds it.  Nothing here allocates while the world is
 * stopped: tables grow at registration, and the queue's capacity always
 * covers every registered finalizer.
 */
#ifndef SGC_FINALIZE_H
#define SGC_FINALIZE_H

#ifndef SGC_BUILDING
#error "src/finalize.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "atomics.h"
#include "mark.h"
#include "util.h"

/* World lock held, world running, before the stop: ask the toggle-ref
 * callback about each toggle-ref. */
SGC_HIDDEN void sgc_finalize_before_stop(void);

/* From the mark phase, marker 0: mark the finalization roots. */
SGC_HIDDEN void sgc_finalize_mark_roots(void);

/* World stopped, after the mark phase: steps 1-4 above; adds what it
 * marked to m. */
SGC_HIDDEN void sgc_finalize_after_mark(struct sgc_mark_result *m);

/* World lock held, world restarted: release tables emptied by the cycle
 * and tell the await procedure about newly queued objects. */
SGC_HIDDEN void sgc_finalize_after_world(void);

/* A registered thread outside every lock and critical section, after a
 * collection or an allocation slow path: run the queued finalizers (or
 * notify, on demand). */
SGC_HIDDEN void sgc_finalize_safe_point(void);

/* Queued finalizers exist (cheap, racy: a hint). */
SGC_HIDDEN extern sgc_atomic_word sgc_finalize_queued;

/* GC_free(p) of an object that may have a finalizer: drop it.  Caller
 * outside critical sections, p a valid object. */
SGC_HIDDEN void sgc_finalize_forget(uintptr_t p);


/* What keeps an object for finalization (sgc_finalize_for_each). */
enum {
	SGC_FIN_ORDERED = 0,  /* registered; its referents wait for it */
	SGC_FIN_NO_ORDER = 1, /* registered with no ordering */
	SGC_FIN_QUEUED = 2    /* queued: its finalizer has not run yet */
};

/* Call fn for each object with a finalizer (registered or queued) with
 * the finalizer's client data: the back-pointer search's view of the
 * finalization roots.  World lock held, world stopped. */
SGC_HIDDEN void sgc_finalize_for_each(void (*fn)(uintptr_t obj, uintptr_t cd,
						 int what));

/* Figures for tests and stats. */
SGC_HIDDEN size_t sgc_finalize_count(void);       /* registered */
SGC_HIDDEN size_t sgc_finalize_link_count(int long_links);

/* Fork child: nothing to reset (the world lock is reinitialised). */

#endif /* SGC_FINALIZE_H */
