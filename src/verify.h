/*
 * verify.h: the heap verifier.
 *
 * Checks the invariants stated in arena.h, pagealloc.h, span.h, central.h
 * and heap.h against each other: every page belongs to exactly one in-use
 * span or is free in the page allocator; page_in_use marks exactly the
 * first pages of in-use spans; chunk summaries match their bits; every
 * in-use span not held by a cache is on exactly one list of its own
 * central; each span's layout matches its class and its alloc_count
 * matches its bitmaps.
 *
 * It stops the world itself when called from a registered thread that
 * does not hold it (tests' teardown, spangc_verify_heap); the collector
 * calls it with the world stopped.  Prints each broken invariant (without
 * allocating) and returns how many it found.
 */
#ifndef SGC_VERIFY_H
#define SGC_VERIFY_H

#ifndef SGC_BUILDING
#error "src/verify.h is internal to spangc; include <gc.h> instead"
#endif

#include "util.h"

SGC_HIDDEN int sgc_verify_heap(void);

/* Verify and abort when anything is broken (debug builds). */
SGC_HIDDEN void sgc_verify_or_die(const char *where);

#endif /* SGC_VERIFY_H */
