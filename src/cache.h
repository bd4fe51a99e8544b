/*
 * cache.h: the per-thread cache (Go's mcache).
 *
 * Each thread that allocates owns a cache holding, for every span class,
 * the span it allocates from.  The fast path reads the span's alloc_cache
 * with ctz and bumps free_index: no lock, no atomic.  An empty slot holds
 * the shared empty span (alloc_cache 0), so the fast path needs no NULL
 * test.
 *
 * Departure from the design: no tiny allocator.  bdwgc's API gives every
 * object its own identity (GC_base, GC_size, GC_free, finalizers and
 * disappearing links all take an object's address), which 16-byte blocks
 * shared by several objects would break; the smallest class is 8 bytes.
 *
 * The cache is reached through a thread-local pointer in the default
 * (general-dynamic) TLS model, compiled with TLS descriptors where the
 * compiler supports them, so it works when the library is dlopen'ed.
 *
 * Locks: a cache is touched only by its thread, and by the collector while
 * the world is stopped (flush).  The list of all caches is guarded by the
 * caches lock (a leaf).
 */
#ifndef SGC_CACHE_H
#define SGC_CACHE_H

#ifndef SGC_BUILDING
#error "src/cache.h is internal to spangc; include <gc.h> instead"
#endif

#include "span.h"

struct sgc_cache {
	struct sgc_span *alloc[SGC_NUM_SPAN_CLASSES];
	struct sgc_cache *next_all, *prev_all;
	size_t bytes_cached; /* bytes of free slots in the spans held */
};

SGC_HIDDEN extern __thread struct sgc_cache *sgc_tls_cache;
SGC_HIDDEN extern struct sgc_span sgc_empty_span;

SGC_HIDDEN void sgc_cache_init(void);

/* The calling thread's cache, created on first use; NULL only when the
 * system is out of memory. */
SGC_HIDDEN struct sgc_cache *sgc_cache_create(void);

static inline struct sgc_cache *sgc_cache_get(void)
{
	struct sgc_cache *c = sgc_tls_cache;
	if (SGC_LIKELY(c != NULL))
		return c;
	return sgc_cache_create();
}

/* Replace the span for spc by one with a free slot.  0 on success, -1 when
 * no memory could be had. */
SGC_HIDDEN int sgc_cache_refill(struct sgc_cache *c, unsigned spc);

/* Return every span the cache holds to its central. */
SGC_HIDDEN void sgc_cache_release_all(struct sgc_cache *c);

/* Release the spans of every thread's cache.  World stopped. */
SGC_HIDDEN void sgc_cache_flush_all(void);

/* Detach the calling thread's cache (thread exit). */
SGC_HIDDEN void sgc_cache_destroy_current(void);

#endif /* SGC_CACHE_H */
