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
 * The cache is reached through a thread-local pointer in the initial-exec
 * TLS model (one load from the thread pointer, see sgc_tls_cache below);
 * the rest of the library's TLS uses TLS descriptors where the compiler
 * supports them.
 *
 * Locks: a cache is touched only by its thread, inside a critical section
 * (below), and by the collector while the world is stopped (flush).  The
 * list of all caches is guarded by the caches lock (a leaf).
 */
#ifndef SGC_CACHE_H
#define SGC_CACHE_H

#ifndef SGC_BUILDING
#error "src/cache.h is internal to spangc; include <gc.h> instead"
#endif

#include "heap.h"
#include "span.h"

#define SGC_CACHE_USED_WORDS ((SGC_NUM_SPAN_CLASSES + 63) / 64)

struct sgc_cache {
	struct sgc_span *alloc[SGC_NUM_SPAN_CLASSES];
	/* Bit spc set: alloc[spc] holds a span (not the empty one), so that
	 * a flush visits only the slots in use. */
	uint64_t used[SGC_CACHE_USED_WORDS];
	/* Bytes GC_free gave back through this cache since the last stop
	 * (GC_get_expl_freed_bytes_since_gc): written by the thread alone,
	 * read by any, zeroed while the world is stopped; no locked
	 * instruction on GC_free's path. */
	sgc_atomic_word freed_bytes; /* atomic */
	/* Critical sections: while critical > 0 the thread holds collector
	 * state (a span half-updated, an internal lock) and must not be
	 * stopped; a stop request arriving then sets pending and the thread
	 * stops itself when it leaves.  Touched by the thread and its own
	 * signal handler only (hence volatile, not atomic). */
	volatile int critical;
	volatile int pending;
	struct sgc_cache *next_all, *prev_all;
	size_t bytes_cached; /* bytes of free slots in the spans held */
	struct sgc_pcache pcache; /* free pages for new spans (heap.h) */
	void *thread;        /* the owning thread's record (thread.h) */
};

/* The calling thread's cache.  Initial-exec TLS: read with one load from
 * the thread pointer on every allocation (the library's few bytes of TLS
 * fit glibc's static TLS surplus also when it is dlopen'ed, as bdwgc's). */
SGC_HIDDEN extern SGC_TLS_FAST __thread struct sgc_cache *sgc_tls_cache;
SGC_HIDDEN extern struct sgc_span sgc_empty_span;

SGC_HIDDEN void sgc_cache_init(void);

/* A new cache for the calling thread (the thread layer calls this when it
 * registers the thread); NULL when the system is out of memory. */
SGC_HIDDEN struct sgc_cache *sgc_cache_create(void);

/* The calling thread's cache; NULL when the thread is not registered. */
static inline struct sgc_cache *sgc_cache_get(void)
{
	return sgc_tls_cache;
}

/* Stop now for a collection that was requested while the thread was in
 * a critical section (implemented by the thread layer). */
SGC_HIDDEN void sgc_thread_stop_pending(void);

/* Enter a critical section; the depth before: non-zero when the caller
 * interrupted (from a signal handler) or was called back from (a
 * collector callback) code of this thread inside the collector. */
static inline int sgc_critical_enter_depth(struct sgc_cache *c)
{
	int depth = c->critical;
	c->critical = depth + 1;
	__asm__ __volatile__("" ::: "memory");
	return depth;
}

static inline void sgc_critical_enter(struct sgc_cache *c)
{
	(void)sgc_critical_enter_depth(c);
}

static inline void sgc_critical_leave(struct sgc_cache *c)
{
	__asm__ __volatile__("" ::: "memory");
	if (--c->critical == 0 && SGC_UNLIKELY(c->pending))
		sgc_thread_stop_pending();
}

/* Replace the span for spc by one with a free slot.  0 on success, -1 when
 * no memory could be had. */
SGC_HIDDEN int sgc_cache_refill(struct sgc_cache *c, unsigned spc);

/* Return every span the cache holds to its central. */
SGC_HIDDEN void sgc_cache_release_all(struct sgc_cache *c);

/* The verifier's view of the page caches: with the world stopped, between
 * sgc_cache_lock_all and sgc_cache_unlock_all (which hold the lock of the
 * list of caches: take it before the heap lock), whether the page at addr
 * is in a thread's page cache. */
SGC_HIDDEN void sgc_cache_lock_all(void);
SGC_HIDDEN void sgc_cache_unlock_all(void);
SGC_HIDDEN int sgc_cache_page_cached(uintptr_t addr);

/* Release the spans of every thread's cache.  World stopped. */
SGC_HIDDEN void sgc_cache_flush_all(void);

/* Note bytes given back by GC_free through c (its thread, inside a
 * critical section). */
static inline void sgc_cache_note_free(struct sgc_cache *c, size_t bytes)
{
	sgc_store_relaxed(&c->freed_bytes,
			  sgc_load_relaxed(&c->freed_bytes) + bytes);
}

/* The bytes GC_free gave back through every cache since the last stop. */
SGC_HIDDEN size_t sgc_cache_freed_bytes(void);

/* Detach the calling thread's cache (thread exit). */
SGC_HIDDEN void sgc_cache_destroy_current(void);

/* Put a cache that holds no span back on the free list. */
SGC_HIDDEN void sgc_cache_forget(struct sgc_cache *c);

#endif /* SGC_CACHE_H */
