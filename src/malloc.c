/*
 * malloc.c: the public allocation calls (see malloc.h).
 */
#include <errno.h>
#include <string.h>
#include <gc/gc.h>
#include "cache.h"
#include "central.h"
#include "collect.h"
#include "compat.h"
#include "finalize.h"
#include "heap.h"
#include "init.h"
#include "malloc.h"
#include "gcbits.h"
#include "pacer.h"
#include "sweep.h"
#include "thread.h"

/* Zero a small object: 16-byte stores, no call to memset, for the
 * common sizes (the classes of up to 128 bytes are multiples of 16, or
 * 8). */
static SGC_ALWAYS_INLINE void zero_object(void *p, size_t n)
{
	if (n <= 128) {
		char *q = p;
		if (n == 8) {
			__builtin_memset(q, 0, 8);
			return;
		}
		for (size_t i = 0; i < n; i += 16)
			__builtin_memset(q + i, 0, 16);
		return;
	}
	memset(p, 0, n);
}

/* Whether kind is uncollectable: a constant for a built-in kind given as
 * a constant, so that GC_malloc's path reads no kind table. */
static SGC_ALWAYS_INLINE int kind_uncollectable(unsigned kind)
{
	if (__builtin_constant_p(kind) && kind < SGC_NUM_BUILTIN_KINDS)
		return kind == SGC_KIND_UNCOLLECTABLE ||
		       kind == SGC_KIND_AUNCOLLECTABLE;
	return sgc_kinds[kind].uncollectable;
}

/* The request size for lb bytes of kind: extra byte, 16-byte rounding.
 * 0 when it overflows. */
static SGC_ALWAYS_INLINE size_t request_size(size_t lb, unsigned kind)
{
	size_t req = lb + (GC_all_interior_pointers &&
			   !kind_uncollectable(kind));
	if (SGC_UNLIKELY(req < lb || req > SIZE_MAX - SGC_ARENA_SIZE))
		return 0;
	return req <= 8 ? 8 : (req + 15) & ~(size_t)15;
}

/* The calling thread's cache for an allocation: initialises the collector
 * on first use; aborts naming the call for an unregistered thread. */
static SGC_NOINLINE struct sgc_cache *cache_slow(const char *call)
{
	sgc_ensure_init();
	struct sgc_cache *c = sgc_tls_cache;
	if (!c)
		sgc_thread_not_registered(call);
	return c;
}

struct sgc_cache *sgc_self_cache(const char *call)
{
	struct sgc_cache *c = sgc_tls_cache;
	return SGC_LIKELY(c != NULL) ? c : cache_slow(call);
}

/* The slow paths take locks: entered with the thread's own critical
 * section the only one open (alloc_small's or alloc_large's) and outside
 * a collection.  Otherwise a signal handler interrupted this thread in
 * the collector and allocates (or a collector callback does): its locks
 * are held below, so abort with a message rather than hang.  The fast
 * path does not check: it takes no lock. */
static SGC_ALWAYS_INLINE void check_reentry(const struct sgc_cache *c,
					    const char *call)
{
	if (SGC_UNLIKELY(c->critical != 1 || sgc_collect_running_here()))
		sgc_collect_reentered(call);
}

/* Collect outside the critical section (a collection stops the world). */
static void collect_from(struct sgc_cache *c, enum sgc_collect_reason why)
{
	sgc_critical_leave(c);
	sgc_collect(why);
	sgc_critical_enter(c);
	if (why == SGC_REASON_OOM)
		sgc_sweep_finish();
}

/* Run queued finalizers at an allocation's slow path, as bdwgc does;
 * p, the new object, is kept alive by this frame meanwhile. */
static SGC_NOINLINE void finalize_keeping(void *p)
{
	sgc_finalize_safe_point();
	GC_reachable_here(p);
}

/* The refill failed: with the heap full and the pacer's budget spent,
 * collect rather than grow (sgc_pacer_may_grow); then, if that was not
 * it or did not help, collect as out of memory and try a last time. */
static int refill_after_collect(struct sgc_cache *c, unsigned spc)
{
	if (!sgc_pacer_may_grow()) {
		collect_from(c, SGC_REASON_FULL);
		if (sgc_cache_refill(c, spc) == 0)
			return 0;
	}
	collect_from(c, SGC_REASON_OOM);
	int rc = sgc_cache_refill(c, spc);
	for (unsigned i = 0; rc != 0 && i < sgc_compat_max_retries(); i++) {
		collect_from(c, SGC_REASON_EXPLICIT); /* GC_max_retries */
		rc = sgc_cache_refill(c, spc);
	}
	return rc;
}

/* Take a slot from the cache's span for spc, refilling it when it is
 * full; collects and retries once before giving up.  Entered inside the
 * critical section of alloc_small's fast path, and leaves it: the fast
 * path then needs no code after the call. */
static SGC_NOINLINE void *alloc_small_slow(struct sgc_cache *c, unsigned spc,
					   size_t lb)
{
	check_reentry(c, "GC_malloc");
	void *p = NULL;
	struct sgc_span *s = c->alloc[spc];
	uint32_t idx = sgc_span_next_free_index(s);
	if (idx == s->nelems) {
		if (sgc_pacer_due())
			collect_from(c, SGC_REASON_ALLOC);
		sgc_sweep_pay();
		if (sgc_cache_refill(c, spc) != 0 &&
		    refill_after_collect(c, spc) != 0)
			goto out;
		s = c->alloc[spc];
		idx = sgc_span_next_free_index(s);
		SGC_CHECK(idx < s->nelems);
	}
	s->alloc_count++;
	p = (void *)(s->start + (uintptr_t)idx * s->elem_size);
	if (s->needzero)
		memset(p, 0, s->elem_size);
out:
	sgc_critical_leave(c);
	if (SGC_UNLIKELY(sgc_load_relaxed(&sgc_finalize_queued)))
		finalize_keeping(p);
	return p ? p : sgc_oom(lb);
}

/* The fast path: the next free slot from the alloc cache of the thread's
 * span for the class (Go's nextFreeFast).  No lock, no atomic, no call
 * unless the cache's word is used up.  Entered with a critical section
 * already open (a signal handler that interrupted an allocation of this
 * thread, or a disclaim procedure run by its sweep), it could hand out a
 * slot the interrupted code has read as free and is about to hand out
 * too: it takes the slow path, whose check_reentry aborts with a
 * message. */
static SGC_ALWAYS_INLINE void *alloc_small(struct sgc_cache *c, size_t req,
					   unsigned kind, size_t lb)
{
	unsigned spc = sgc_spanclass(kind, sgc_size_to_class(req));
	void *p;
	if (SGC_UNLIKELY(sgc_critical_enter_depth(c) != 0))
		return alloc_small_slow(c, spc, lb);
	struct sgc_span *s = c->alloc[spc];
	uint64_t cache = s->alloc_cache;
	if (SGC_LIKELY(cache != 0)) {
		unsigned bit = (unsigned)__builtin_ctzll(cache);
		uint32_t idx = s->free_index + bit;
		uint32_t next = idx + 1;
		if (SGC_LIKELY(idx < s->nelems &&
			       (next % 64 != 0 || next == s->nelems))) {
			s->alloc_cache = cache >> bit >> 1;
			sgc_span_set_free_index(s, next);
			s->alloc_count++;
			p = (void *)(s->start + (uintptr_t)idx * s->elem_size);
			if (s->needzero)
				zero_object(p, s->elem_size);
			sgc_critical_leave(c);
			return p;
		}
	}
	return alloc_small_slow(c, spc, lb);
}

/* Set by sgc_alloc_ignore_off_page for the allocation it makes; taken
 * (and cleared) by large_span, so a nested allocation does not see it. */
static __thread int ignore_off_page;

void *sgc_alloc_ignore_off_page(size_t lb, unsigned kind)
{
	ignore_off_page = 1;
	void *p = sgc_alloc(lb, kind);
	ignore_off_page = 0;
	return p;
}

/* A large object's span.  Critical section held. */
static struct sgc_span *large_span(struct sgc_cache *c, size_t npages,
				   unsigned spc, int *needzero)
{
	int first = ignore_off_page ? SGC_HEAP_FIRST_PAGE : 0;
	ignore_off_page = 0;
	if (sgc_pacer_due())
		collect_from(c, SGC_REASON_ALLOC);
	sgc_sweep_pay();
	int expand = !GC_get_dont_expand();
	int grow = expand && sgc_pacer_may_grow() ? SGC_HEAP_GROW : 0;
	struct sgc_span *s = sgc_heap_alloc_span(npages, spc, grow | first,
						 needzero);
	if (!s && expand && !grow) { /* full, budget spent: as in the refill */
		collect_from(c, SGC_REASON_FULL);
		s = sgc_heap_alloc_span(npages, spc, SGC_HEAP_GROW | first,
					needzero);
	}
	if (!s) {
		collect_from(c, SGC_REASON_OOM);
		s = sgc_heap_alloc_span(npages, spc, SGC_HEAP_GROW | first,
					needzero);
	}
	for (unsigned i = 0; !s && i < sgc_compat_max_retries(); i++) {
		collect_from(c, SGC_REASON_EXPLICIT); /* GC_max_retries */
		s = sgc_heap_alloc_span(npages, spc, SGC_HEAP_GROW | first,
					needzero);
	}
	if (s) {
		sgc_span_set_free_index(s, 1);
		s->alloc_count = 1;
		s->alloc_cache = 0;
		sgc_central_put_swept(&sgc_centrals[spc], s);
	}
	return s;
}

static SGC_NOINLINE void *alloc_large(struct sgc_cache *c, size_t req,
				      unsigned kind, size_t lb)
{
	size_t npages = (req + SGC_PAGE_SIZE - 1) / SGC_PAGE_SIZE;
	int needzero;
	if (req > sgc_heap.window_end - sgc_heap.base ||
	    (sgc_heap.max_bytes && req > sgc_heap.max_bytes))
		return sgc_oom(lb);
	sgc_critical_enter(c);
	check_reentry(c, "GC_malloc");
	struct sgc_span *s = large_span(c, npages, sgc_spanclass(kind, 0),
					&needzero);
	/* The object's address must be in a register or on the stack before
	 * the critical section ends: leaving it may stop this thread for a
	 * collection, and the span struct (metadata) does not keep the
	 * object alive.  Taking s->start only afterwards let collections
	 * free large objects still being handed out. */
	void *p = s ? (void *)s->start : NULL;
	/* A kind scanned by a descriptor or mark procedure must never show
	 * the mark an old object's words (they would be read as descriptors
	 * or handed to the client's procedure): zero it before a collection
	 * can see it. */
	int zero_now = p && needzero &&
		       sgc_kinds[kind].scanned == SGC_SCAN_DESCR;
	if (zero_now)
		memset(p, 0, npages * SGC_PAGE_SIZE);
	sgc_critical_leave(c);
	if (!p)
		return sgc_oom(lb);
	sgc_pacer_note_alloc((intptr_t)(npages * SGC_PAGE_SIZE));
	/* Outside the critical section: the object is allocated and p holds
	 * it, so a collection keeps it; zeroing a large object must not hold
	 * up a stop. */
	if (needzero && !zero_now && sgc_kinds[kind].zeroed)
		memset(p, 0, npages * SGC_PAGE_SIZE);
	if (SGC_UNLIKELY(sgc_load_relaxed(&sgc_finalize_queued)))
		finalize_keeping(p);
	GC_reachable_here(p);
	return p;
}

/* The rest of alloc_kind: large requests, ones too large to be had, and
 * the last few small sizes. */
static SGC_NOINLINE void *alloc_other(struct sgc_cache *c, size_t lb,
				      unsigned kind)
{
	size_t req = request_size(lb, kind);
	if (req == 0)
		return sgc_oom(lb);
	if (req <= SGC_MAX_SMALL_SIZE)
		return alloc_small(c, req, kind, lb);
	return alloc_large(c, req, kind, lb);
}

/* Allocation of every kind, inlined into GC_malloc and GC_malloc_atomic
 * so that their kind is a constant there.  Below SGC_MAX_SMALL_SIZE the
 * compiler knows request_size cannot overflow and drops its checks. */
static SGC_ALWAYS_INLINE void *alloc_kind(size_t lb, unsigned kind)
{
	struct sgc_cache *c = sgc_self_cache("GC_malloc");
	if (SGC_LIKELY(lb < SGC_MAX_SMALL_SIZE))
		return alloc_small(c, request_size(lb, kind), kind, lb);
	return alloc_other(c, lb, kind);
}

void *sgc_alloc(size_t lb, unsigned kind)
{
	return alloc_kind(lb, kind);
}

/* One object from the usual path (which may refill, collect, or grow the
 * heap), then more free slots of the span it came from, taken in one
 * critical section and linked through their first words. */
void *sgc_alloc_many(size_t raw, unsigned kind)
{
	struct sgc_cache *c = sgc_self_cache("GC_generic_malloc_many");
	size_t req = raw <= 8 ? 8 : (raw + 15) & ~(size_t)15;
	if (req < raw || req > SGC_MAX_SMALL_SIZE) {
		if (req < raw || req > SIZE_MAX - SGC_ARENA_SIZE)
			return sgc_oom(raw);
		return alloc_large(c, req, kind, raw);
	}
	unsigned spc = sgc_spanclass(kind, sgc_size_to_class(req));
	void *first = alloc_small(c, req, kind, raw);
	if (!first)
		return NULL;
	void **tail = first;
	sgc_critical_enter(c);
	struct sgc_span *s = c->alloc[spc];
	size_t want = s->elem_size ? SGC_PAGE_SIZE / s->elem_size : 1;
	for (size_t n = 1; n < want; n++) {
		uint32_t idx = sgc_span_next_free_index(s);
		if (idx == s->nelems)
			break;
		s->alloc_count++;
		void **p = (void **)(s->start + (uintptr_t)idx * s->elem_size);
		if (s->needzero)
			zero_object(p, s->elem_size);
		*tail = p;
		tail = p;
	}
	*tail = NULL;
	sgc_critical_leave(c);
	return first;
}

void *sgc_alloc_aligned(size_t lb, size_t align, unsigned kind)
{
	struct sgc_cache *c = sgc_self_cache("GC_memalign");
	if (align <= 8)
		return sgc_alloc(lb, kind);
	size_t req = request_size(lb, kind);
	if (req == 0)
		return sgc_oom(lb);
	/* Spans start on 8 KiB boundaries: a class whose size is a multiple
	 * of align aligns every object. */
	if (req <= SGC_MAX_SMALL_SIZE && align <= SGC_PAGE_SIZE) {
		for (unsigned sc = sgc_size_to_class(req);
		     sc < SGC_NUM_SIZE_CLASSES; sc++)
			if (sgc_class_size(sc) % align == 0)
				return alloc_small(c, sgc_class_size(sc), kind, lb);
	}
	if (align <= SGC_PAGE_SIZE)
		return alloc_large(c, req > SGC_MAX_SMALL_SIZE ? req :
				   SGC_MAX_SMALL_SIZE + 1, kind, lb);
	/* Wider than a page: over-allocate and return an interior pointer,
	 * as bdwgc does (kept alive by interior-pointer recognition). */
	if (req > SIZE_MAX - align)
		return sgc_oom(lb);
	char *p = alloc_large(c, req + align, kind, lb);
	if (!p)
		return NULL;
	return (void *)sgc_round_up((uintptr_t)p, align);
}

void *GC_malloc(size_t lb)
{
	return alloc_kind(lb, SGC_KIND_NORMAL);
}

void *GC_malloc_atomic(size_t lb)
{
	return alloc_kind(lb, SGC_KIND_PTRFREE);
}

void *GC_malloc_uncollectable(size_t lb)
{
	return sgc_alloc(lb, SGC_KIND_UNCOLLECTABLE);
}

void *GC_malloc_atomic_uncollectable(size_t lb)
{
	return sgc_alloc(lb, SGC_KIND_AUNCOLLECTABLE);
}

void *GC_malloc_ignore_off_page(size_t lb)
{
	return sgc_alloc_ignore_off_page(lb, SGC_KIND_NORMAL);
}

void *GC_malloc_atomic_ignore_off_page(size_t lb)
{
	return sgc_alloc_ignore_off_page(lb, SGC_KIND_PTRFREE);
}

void *GC_memalign(size_t align, size_t lb)
{
	if (!sgc_is_pow2(align))
		return NULL;
	return sgc_alloc_aligned(lb, align, SGC_KIND_NORMAL);
}

int GC_posix_memalign(void **memptr, size_t align, size_t lb)
{
	if (!sgc_is_pow2(align) || align % sizeof(void *) != 0)
		return EINVAL;
	void *p = sgc_alloc_aligned(lb, align, SGC_KIND_NORMAL);
	if (!p)
		return ENOMEM;
	*memptr = p;
	return 0;
}

char *GC_strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *p = sgc_alloc(n + 1, SGC_KIND_PTRFREE);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

char *GC_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = sgc_alloc(len + 1, SGC_KIND_PTRFREE);
	if (p) {
		memcpy(p, s, len);
		p[len] = 0;
	}
	return p;
}

/* find_object for the client calls.  A sweeper running meanwhile would
 * replace the span's allocation bits under the lookup, so the span is
 * swept first; the critical section keeps the sweep phase from ending
 * meanwhile.  A thread the collector does not stop (unregistered, or
 * inside GC_do_blocking) must not sweep: it reads as it finds, and a span
 * being swept may then show a live object as free. */
int sgc_find_client_object(const void *p, struct sgc_obj *o)
{
	struct sgc_cache *c = sgc_cache_get();
	struct sgc_thread *t = c ? c->thread : NULL;
	if (!t || t->blocked)
		return sgc_find_object((uintptr_t)p, 1, o);
	sgc_critical_enter(c);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)p);
	if (s && sgc_sweep_claim(s))
		sgc_sweep_claimed(s);
	int found = sgc_find_object((uintptr_t)p, 1, o);
	sgc_critical_leave(c);
	return found;
}

/* Abort naming the call unless the lookup found the object whose first
 * byte is p. */
void sgc_require_base(const char *call, const void *p, int found,
		      const struct sgc_obj *o)
{
	if (!found)
		sgc_fatal("%s(%p): not an object of the collector's heap, or"
			  " already freed", call, p);
	if (o->base != (uintptr_t)p)
		sgc_fatal("%s(%p): points into the middle of the object at %p",
			  call, p, (void *)o->base);
}

/* Release a large object's span at once.  Claims it from the sweepers,
 * unless the caller did. */
static void free_large(struct sgc_span *s, void *p, int claimed)
{
	while (!claimed) {
		uintptr_t sg = sgc_heap_sweepgen();
		uintptr_t v = sgc_load_acquire(&s->sweepgen);
		if ((v == sg || v == sg - 2) && sgc_cas(&s->sweepgen, v, sg - 1))
			break;
		if (v != sg - 1 || sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE)
			sgc_fatal("GC_free(%p): object freed twice", p);
	}
	sgc_pacer_note_free(s->npages * SGC_PAGE_SIZE);
	sgc_central_unlink(&sgc_centrals[s->spanclass], s);
	sgc_heap_free_span(s);
}

/* Mark an object free in the span's freed bits: the slot comes back when
 * the span is next swept.  For spans the caller cannot change now. */
static void free_deferred(struct sgc_span *s, uint32_t i, void *p)
{
	uint64_t *freed = (uint64_t *)sgc_load_acquire(&s->freed_bits);
	if (!freed) {
		uint64_t *fresh = sgc_gcbits_alloc(sgc_bitmap_words(s->nelems));
		if (!fresh)
			return; /* no memory for the bits: leave it to the GC */
		if (!sgc_cas(&s->freed_bits, 0, (uintptr_t)fresh))
			freed = (uint64_t *)sgc_load_acquire(&s->freed_bits);
		else
			freed = fresh;
	}
	sgc_atomic_word *w = (sgc_atomic_word *)&freed[i / 64];
	uintptr_t bit = (uintptr_t)1 << (i % 64);
	uintptr_t old;
	do {
		old = sgc_load_relaxed(w);
		if (old & bit)
			sgc_fatal("GC_free(%p): object freed twice", p);
	} while (!sgc_cas(w, old, old | bit));
}

/* Set bits [lo, hi) of a bitmap. */
static void set_bit_range(uint64_t *bits, uint32_t lo, uint32_t hi)
{
	while (lo < hi) {
		uint32_t w = lo / 64, b = lo % 64;
		uint32_t n = hi - lo < 64 - b ? hi - lo : 64 - b;
		uint64_t m = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1) << b;
		__atomic_store_n(&bits[w], bits[w] | m, __ATOMIC_RELAXED);
		lo += n;
	}
}

/* Make slot i of s free at once, so that the next allocation from s
 * takes it (bdwgc's free list, in the span's terms).  The caller owns
 * s's allocation state: s is in its cache, or a swept span on its
 * central's list with that central's lock held.
 *
 * The slots below free_index are allocated whatever their alloc bits
 * say; moving free_index back to i therefore first writes the bits of
 * [i + 1, free_index), so every slot keeps its state (freed_bits, of
 * GC_free calls that could not come here, still override), and
 * alloc_cache is reloaded for the new free_index.  Mark bytes of a swept
 * span are all clear; they stay so.  A slot handed out zeroed is zeroed
 * here unless allocation zeroes the span's slots anyway. */
static void free_in_place(struct sgc_span *s, uint32_t i)
{
	SGC_ASSERT(!sgc_sweep_kept_whole(s));
	if (i < s->free_index) {
		set_bit_range(s->alloc_bits, i + 1, s->free_index);
		/* The bits before the index that no longer covers them: a
		 * lookup from another thread (GC_base, GC_free of another
		 * object) reads the index first, then the bits. */
		__atomic_store_n(&s->free_index, i, __ATOMIC_RELEASE);
	}
	uint64_t *w = &s->alloc_bits[i / 64];
	__atomic_store_n(w, *w & ~((uint64_t)1 << (i % 64)), __ATOMIC_RELAXED);
	sgc_span_refill_alloc_cache(s);
	s->alloc_count--;
	if (!s->needzero &&
	    sgc_kinds[sgc_spanclass_kind(s->spanclass)].zeroed)
		zero_object((void *)(s->start + (uintptr_t)i * s->elem_size),
			    s->elem_size);
}

/* A small object of a span the caller neither caches nor has claimed:
 * free it in place when the span is swept and on its central's list
 * (moving it to the partial list when it was full); otherwise (another
 * thread caches it, or has it claimed) defer to its next sweep.
 * Returns 1 when freed in place. */
static int free_on_central(struct sgc_span *s, uint32_t i, void *p)
{
	struct sgc_central *c = &sgc_centrals[s->spanclass];
	uintptr_t sg = sgc_heap_sweepgen();
	pthread_mutex_lock(&c->lock);
	if (sgc_load_acquire(&s->sweepgen) != sg || !s->on_list ||
	    sgc_sweep_kept_whole(s)) {
		pthread_mutex_unlock(&c->lock);
		free_deferred(s, i, p);
		return 0;
	}
	free_in_place(s, i);
	if (s->on_list == sgc_central_full_swept(c, sg)) {
		sgc_span_list_remove(s->on_list, s);
		sgc_span_list_push(sgc_central_partial_swept(c, sg), s);
	}
	pthread_mutex_unlock(&c->lock);
	return 1;
}

/*
 * GC_free: the slot is reusable by the next allocation of its class at
 * once, without a sweep, whenever the span's allocation state can be
 * changed now:
 *  - the span is in the caller's cache: freed in place; the cache's next
 *    allocation of the class takes the slot.  The pacer counted the
 *    span's free slots when the cache took it and subtracts those left
 *    when it gives it back, so an allocate/free pair costs it nothing;
 *  - the span is swept and on its central's list: freed in place under
 *    the central's lock, and the bytes are taken off the allocation
 *    since the last cycle (they will be counted again when a cache takes
 *    the slot);
 *  - the span is unswept: claimed, the freed bit set, and swept now,
 *    which frees the slot; the bytes are taken off likewise;
 *  - a large object: its pages go back to the heap at once; likewise.
 * Otherwise (another thread caches the span, or sweeps it) the freed bit
 * is set and the slot comes back at the span's next sweep; those bytes
 * still count, so that frees the heap cannot reuse yet never hold off a
 * collection.  A disclaim procedure freeing an object of the span its
 * own sweep holds takes the freed bit too: the sweep reads it after the
 * procedures.
 */
/* Whether s has finalizers (a hint: GC_free then drops the object's). */
static inline int span_has_specials(const struct sgc_span *s)
{
	uintptr_t start = __atomic_load_n(&s->start, __ATOMIC_RELAXED);
	struct sgc_heap_arena *ha = sgc_arena_of(start);
	return ha && sgc_bitmap_test(ha->page_specials,
				     sgc_arena_page_index(start));
}

void GC_free(void *p)
{
	struct sgc_obj o;
	if (!p)
		return;
	struct sgc_cache *c = sgc_self_cache("GC_free");
	sgc_critical_enter(c);
	struct sgc_span *s = sgc_span_of_heap((uintptr_t)p);
	if (SGC_UNLIKELY(s && span_has_specials(s))) {
		sgc_critical_leave(c);
		sgc_finalize_forget((uintptr_t)p); /* needs the world lock */
		sgc_critical_enter(c);
		s = sgc_span_of_heap((uintptr_t)p);
	}
	/* The common case first: a span of the caller's cache (swept, and
	 * no other thread's to sweep or change). */
	if (SGC_LIKELY(s && c->alloc[s->spanclass] == s)) {
		uint32_t i = sgc_span_index(s, (uintptr_t)p);
		if (SGC_LIKELY((uintptr_t)p == s->start + (uintptr_t)i * s->elem_size &&
			       sgc_span_is_allocated(s, i))) {
			free_in_place(s, i);
			c->bytes_cached += s->elem_size;
			sgc_cache_note_free(c, s->elem_size);
			sgc_critical_leave(c);
			return;
		}
	}
	/* An unswept span is claimed for the lookup, so that no sweeper
	 * replaces its allocation bits meanwhile, and swept after the free. */
	int held = s && sgc_sweep_held_here(s);
	int claimed = s && !held && sgc_sweep_claim(s);
	sgc_require_base("GC_free", p, sgc_find_object((uintptr_t)p, 1, &o), &o);
	s = o.span;
	size_t size = sgc_span_elem_bytes(s);
	sgc_cache_note_free(c, size);
	if (held) {
		free_deferred(s, o.index, p);
	} else if (sgc_spanclass_sizeclass(s->spanclass) == 0) {
		free_large(s, p, claimed);
	} else if (claimed) {
		free_deferred(s, o.index, p);
		sgc_sweep_claimed(s);
		sgc_pacer_note_free(size);
	} else if (c->alloc[s->spanclass] == s) {
		free_in_place(s, o.index);
		c->bytes_cached += size;
	} else if (free_on_central(s, o.index, p)) {
		sgc_pacer_note_free(size);
	}
	sgc_critical_leave(c);
}

void *GC_base(void *p)
{
	struct sgc_obj o;
	if (!sgc_load_acquire(&sgc_ready))
		return NULL;
	return sgc_find_client_object(p, &o) ? (void *)o.base : NULL;
}

size_t GC_size(const void *p)
{
	struct sgc_obj o;
	if (!sgc_load_acquire(&sgc_ready))
		return 0;
	return sgc_find_client_object(p, &o) ? sgc_span_elem_bytes(o.span) : 0;
}

int GC_is_heap_ptr(const void *p)
{
	/* bdwgc: anywhere in the heap's pages, free ones and the tails of
	 * spans included. */
	if (!sgc_load_acquire(&sgc_ready))
		return 0;
	return sgc_heap_contains((uintptr_t)p) &&
	       sgc_arena_of((uintptr_t)p) != NULL;
}

void *GC_realloc(void *p, size_t lb)
{
	struct sgc_obj o;
	if (!p)
		return GC_malloc(lb);
	if (lb == 0) {
		GC_free(p);
		return NULL;
	}
	sgc_require_base("GC_realloc", p, sgc_find_client_object(p, &o), &o);
	unsigned kind = sgc_spanclass_kind(o.span->spanclass);
	size_t sz = sgc_span_elem_bytes(o.span);
	size_t req = request_size(lb, kind);
	if (req != 0 && req <= sz && req >= sz / 2) {
		/* Fits: clear the tail so stale pointers do not retain. */
		memset((char *)p + lb, 0, sz - lb);
		return p;
	}
	void *q = sgc_alloc(lb, kind);
	if (!q)
		return NULL;
	memcpy(q, p, lb < sz ? lb : sz);
	GC_free(p);
	return q;
}
