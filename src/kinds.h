/*
 * kinds.h: client-defined object kinds and mark procedures (gc_mark.h).
 *
 * Owns the kinds that clients create with GC_new_kind (and that typed.c
 * creates for typed and gcj objects), the table of mark procedures that
 * GC_DS_PROC descriptors index, the generic allocation calls that take a
 * kind (GC_generic_malloc and its variants, GC_malloc_kind,
 * GC_generic_malloc_many, GC_malloc_many), and the queries on a kind's
 * objects (GC_get_kind_and_size, GC_enumerate_reachable_objects_inner).
 *
 * A client kind is a kind like the built-in ones (span.h): its objects
 * live in span classes of their own (kind x size class), with caches,
 * sweeping and the page reclaimer as for any kind.  Only scanning
 * differs, by the kind's bdwgc mark descriptor:
 *     0, no size added              never scanned (SGC_SCAN_NONE)
 *     GC_DS_LENGTH 0 + the size     every word (SGC_SCAN_WHOLE)
 *     anything else                 as the descriptor says (SGC_SCAN_DESCR:
 *                                   a length, a bitmap, a mark procedure,
 *                                   or a per-object descriptor; mark.c)
 * Each span keeps its objects' descriptor (the kind's, plus the object
 * size when the kind asked for that), so the mark reads no kind table.
 *
 * Departure from bdwgc: every scanned kind's objects are handed out
 * zeroed, whatever clear_new_objects says: a collection may come between
 * the allocation and the client's first store, and a descriptor or mark
 * procedure must then find zeros, not an older object's words.  The free
 * list a kind is created with is kept but never used: allocation goes
 * through the thread caches.
 *
 * Locks: kinds and mark procedures are defined under the world lock
 * (the *_inner calls expect the caller to hold it, as bdwgc's expect its
 * allocation lock; the others take it).  Entries only go from unset to
 * set and are read without a lock (acquire), by allocators and markers.
 */
#ifndef SGC_KINDS_H
#define SGC_KINDS_H

#ifndef SGC_BUILDING
#error "src/kinds.h is internal to spangc; include <gc.h> instead"
#endif

#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "span.h"

SGC_HIDDEN extern GC_mark_proc sgc_mark_procs[SGC_MAX_MARK_PROCS];

static inline GC_mark_proc sgc_kinds_mark_proc(unsigned idx)
{
	return __atomic_load_n(&sgc_mark_procs[idx], __ATOMIC_ACQUIRE);
}

/* Take the world lock unless the calling thread holds it already; the
 * result goes to sgc_kinds_unlock. */
SGC_HIDDEN int sgc_kinds_lock(void);
SGC_HIDDEN void sgc_kinds_unlock(int taken);

/* A new kind scanned by descr (relocate: add each object's size), world
 * lock held; aborts naming call when no kind is left. */
SGC_HIDDEN unsigned sgc_kinds_new(const char *call, uintptr_t descr,
				  int relocate, int clear);

/* A new mark procedure's index, world lock held; aborts naming call when
 * the table is full. */
SGC_HIDDEN unsigned sgc_kinds_new_proc(const char *call, GC_mark_proc proc);

/* Whether k names a defined kind. */
SGC_HIDDEN int sgc_kinds_valid(int k);

#endif /* SGC_KINDS_H */
