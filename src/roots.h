/*
 * roots.h: where marking starts, apart from thread stacks.
 *
 * Owns the table of roots added with GC_add_roots, the table of exclusions
 * (ranges never scanned: the collector's own static state, kept apart so
 * that GC_clear_exclusion_table leaves it, and the client's
 * GC_exclude_static_roots), the client's static-roots filter
 * (GC_register_has_static_roots_callback), and the enumeration of the
 * static data of the executable and of every loaded shared object
 * (dl_iterate_phdr, done afresh at each collection so libraries loaded
 * since are seen; skipped whole with GC_no_dls).  That enumeration runs
 * before the world is stopped, never during the stop: a stopped thread
 * may hold the loader's lock (see roots.c).  With the world stopped, the
 * static TLS blocks (__thread variables of the program and of the objects
 * loaded at start-up) of every registered thread are roots too; dynamic
 * TLS (objects dlopen'ed later) is not scanned.
 *
 * Locks: the roots lock guards both tables.  A leaf lock.
 */
#ifndef SGC_ROOTS_H
#define SGC_ROOTS_H

#ifndef SGC_BUILDING
#error "src/roots.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "util.h"

typedef void (*sgc_range_fn)(uintptr_t lo, uintptr_t hi);

SGC_HIDDEN void sgc_roots_init(void);

/* Never scan [lo, hi). */
SGC_HIDDEN void sgc_roots_exclude(uintptr_t lo, uintptr_t hi);

/* Stop the world (thread.h) with a list of the loaded objects' static
 * data taken just before and checked against the loader's once stopped.
 * Use instead of sgc_stop_world wherever the roots will be scanned. */
SGC_HIDDEN void sgc_roots_stop_world(void);

/* World stopped by sgc_roots_stop_world: call fn on every root range
 * (added roots and static data, less the exclusions).  Returns the bytes
 * covered. */
SGC_HIDDEN size_t sgc_roots_for_each(sgc_range_fn fn);

/* The same with the world running: lists the loaded objects afresh. */
SGC_HIDDEN size_t sgc_roots_for_each_now(sgc_range_fn fn);

/* Tests: release the list of loaded objects, so that the next listing
 * must ask the system for memory again. */
SGC_HIDDEN void sgc_roots_test_drop_snapshot(void);

#endif /* SGC_ROOTS_H */
