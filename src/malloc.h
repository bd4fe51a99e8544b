/*
 * malloc.h: the allocation entry points behind the public GC_malloc family.
 *
 * Every request pays for bdwgc's "extra byte" when all interior pointers
 * are recognised (so that a pointer just past the end of an object keeps
 * it alive), except for uncollectable kinds, which are never collected
 * anyway.  Requests above 8 bytes are rounded to 16 so that results are
 * aligned like bdwgc's and glibc's (16 bytes); the 24-byte class is left
 * unused by them.  Small requests go through the thread's cache; large
 * ones (over 32 KiB) get a span of their own.
 *
 * Locks: none on the fast path; see cache.h, central.h and heap.h for the
 * slow paths.
 */
#ifndef SGC_MALLOC_H
#define SGC_MALLOC_H

#ifndef SGC_BUILDING
#error "src/malloc.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include "util.h"

/* Allocate lb bytes of the given kind; NULL (after the OOM function) when
 * memory cannot be had. */
SGC_HIDDEN void *sgc_alloc(size_t lb, unsigned kind);

/* As sgc_alloc, for GC_malloc_ignore_off_page and its kin: the client
 * keeps a pointer to the object's first page, so a large object needs
 * only that page off the black lists (heap.h). */
SGC_HIDDEN void *sgc_alloc_ignore_off_page(size_t lb, unsigned kind);

/* Objects of raw bytes (the extra byte already counted) and kind, linked
 * through their first words, the last link NULL: as many as the free
 * slots of one span give, up to a page's worth; NULL (after the OOM
 * function) when not even one can be had. */
SGC_HIDDEN void *sgc_alloc_many(size_t raw, unsigned kind);

struct sgc_cache;

/* The calling thread's cache; initialises the collector on first use and
 * aborts naming call when the thread is not registered. */
SGC_HIDDEN struct sgc_cache *sgc_self_cache(const char *call);

/* find_object for a client call on p (interior pointers accepted): an
 * unswept span is swept first, so that no sweeper replaces its allocation
 * bits under the lookup.  Caller outside critical sections and locks. */
struct sgc_obj;
SGC_HIDDEN int sgc_find_client_object(const void *p, struct sgc_obj *o);

/* Abort naming call unless the lookup of p found an object (found) that
 * starts at p. */
SGC_HIDDEN void sgc_require_base(const char *call, const void *p, int found,
				 const struct sgc_obj *o);

/* Allocate lb bytes of kind aligned to align (a power of two). */
SGC_HIDDEN void *sgc_alloc_aligned(size_t lb, size_t align, unsigned kind);

#endif /* SGC_MALLOC_H */
