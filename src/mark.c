/*
 * mark.c: the mark phase (see mark.h), with parallel markers.
 *
 * Each marker owns a stack of segments; work is shared through a pool of
 * segments under one lock.  A marker that runs dry takes a segment from
 * the pool or waits; a busy marker that sees others waiting and the pool
 * empty gives away half of its top segment.  Marking ends when every
 * marker waits and the pool is empty (Go's getfull protocol): no marker
 * can then create work.  Mark bytes are set with plain stores: two
 * markers may both scan an object, but the marked set equals a single
 * marker's (span.h).
 *
 * Mark-stack memory: segments come from one free list shared by every
 * marker and every cycle (under the pool lock); a marker keeps at most one
 * empty segment of its own, so a segment emptied by a helper is reused by
 * the marker that next needs one, not kept by the helper.  At the end of
 * each cycle every empty segment goes back to the free list, and the list
 * is trimmed to twice the usual need (a decaying average of the earlier
 * cycles' peaks, at least SGC_MARK_KEEP_SEGMENTS): a cycle that needed
 * far more than usual gives the excess back to the system at its end.
 * So mark-stack memory is bounded by the peak of one cycle, not by the
 * sum over cycles.
 *
 * Helper markers are threads of the collector's own; they are not
 * registered (never stopped) and run only while the world is stopped.
 * The collecting thread is marker 0.  A helper never spins for long: out
 * of work, it waits on a condition variable, and it is woken only when a
 * segment reaches the pool or marking ends.  A phase starts with every
 * helper counted as waiting and none woken; a helper joins the phase when
 * marker 0 (or a helper that joined) first shares work, so a mark with
 * nothing to share costs the helpers no CPU at all.
 *
 * A mark-stack entry is an address and one of bdwgc's mark descriptors
 * (gc_mark.h): a length in bytes (tag GC_DS_LENGTH, what the collector's
 * own kinds push: a whole object, a root range, a large object's piece),
 * a bitmap, a mark procedure with its environment, or a per-object
 * descriptor.  Client kinds (kinds.h) push their objects with the span's
 * descriptor.  A mark procedure runs on whichever marker pops its object;
 * it gets a private buffer of SGC_MARK_PROC_ENTRIES entries as its "mark
 * stack", and what it leaves there is moved onto the marker's own stack
 * when it returns, so bdwgc's contract (push, return the new top) holds
 * without the client ever touching the shared segments.  GC_mark_and_push
 * called from a mark procedure marks and pushes straight onto the calling
 * marker's stack and returns the top it was given.
 *
 * Marking by spans (Go's Green Tea, DESIGN.md "The mark, as it should
 * grow").  A newly marked object of a small-object span of a
 * conservatively scanned kind (SGC_SPAN_QUEUE_MAX_ELEM) is not pushed.
 * Its grey bit is set in the span's metadata (span.h) and the span goes
 * on the marker's span queue once; scan_span later scans all its grey
 * objects in address order, those it greys in the span itself included,
 * and a word into that span skips the lookup.  Objects allocated
 * together are scanned together: one queue entry, one read of the span's
 * fields, and sequential reads where the object stack visited them one
 * by one, interleaved with other structures.  A marker drains its object
 * stack first, then its span queue (LIFO).
 *
 * Departures from Green Tea, each measured (doc/performance.md):
 *  - Ownership per cycle.  The first marker to grey an object of a span
 *    claims the span's grey bits for the cycle (a compare-and-swap on
 *    its owner word, once per span and cycle) and sets them with plain
 *    stores; another marker that marks an object there pushes it as
 *    before.  Grey bits shared between markers cost a locked instruction
 *    per new mark (or, Go's way, a fence per mark into another marker's
 *    span), and either made two markers slower than one.
 *  - Sharing.  A span queue is the marker's own.  A marker that others
 *    wait on and that has no object entries to spare gives away the
 *    grey objects of its oldest queued span as object entries
 *    (give_span).
 *  - The queue is LIFO, like the object stack; a FIFO, as Go's, was
 *    slower on trees, whose subtrees are allocated together.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "central.h"
#include "heap.h"
#include "init.h"
#include "kinds.h"
#include "mark.h"
#include "finalize.h"
#include "os.h"
#include "roots.h"
#include "stats.h"
#include "thread.h"

/* len is a mark descriptor (see above): for the collector's own kinds, a
 * length in bytes, a multiple of 8, so its tag is GC_DS_LENGTH. */
struct entry {
	uintptr_t start, len;
};


/* A segment is 16 KiB: four OS pages, no tail wasted. */
#define SEGMENT_BYTES ((size_t)16 << 10)
#define SEGMENT_ENTRIES ((SEGMENT_BYTES - 2 * sizeof(void *)) / \
			 sizeof(struct entry))

struct segment {
	struct segment *prev;
	size_t n;
	struct entry e[SEGMENT_ENTRIES];
};

_Static_assert(sizeof(struct segment) == SEGMENT_BYTES,
	       "a mark-stack segment fills its pages exactly");

struct marker {
	struct segment *top;
	struct segment *spare;
	struct sgc_span *page_marked; /* its page_marks bit is set */
	struct sgc_mark_result res;
	pthread_t thread;
	int started;
	/* mark procedures' buffer: entry 0 stands before the first, so
	 * that the empty top, one below, is a valid pointer */
	struct GC_ms_entry *proc_buf;
	unsigned long seen_gen; /* phase lock: the last phase it ran */
	/* The span queue (grey_object): spans whose grey bits this marker
	 * owns and which have grey objects; LIFO */
	struct sgc_span **spanq;
	size_t nspanq, spanq_cap;
	uintptr_t id; /* 1 + its index: the owner word's value */
} __attribute__((aligned(64)));

size_t sgc_mark_segment_limit;
size_t sgc_mark_spanq_limit;
sgc_atomic_word sgc_mark_spanq_refused;

static struct marker markers[SGC_MAX_MARKERS];
static unsigned nmarkers = 1;        /* markers of the current phase */
static unsigned markers_wanted;      /* GC_MARKERS / GC_set_markers_count */
static unsigned helpers_started;
static unsigned last_markers;        /* markers of the last phase */

/* The marker the calling thread runs as: set while a marker thread
 * marks, for GC_mark_and_push and the push calls. */
static __thread struct marker *self_marker;
__thread void (*sgc_push_redirect)(uintptr_t lo, uintptr_t hi);

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct segment *pool;         /* pool lock */
static struct segment *free_segs;    /* pool lock: empty segments */
static size_t nfree;                 /* pool lock: segments on free_segs */
static size_t usual_peak;            /* world lock: decaying peak in use */
static size_t last_peak;             /* world lock: the last cycle's peak */
static sgc_atomic_word nfull;        /* atomic: segments in the pool */
static sgc_atomic_word nwait;        /* atomic: markers out of work */
static sgc_atomic_word nsegments;    /* atomic: segments in existence */
static sgc_atomic_word nin_use;      /* atomic: segments off free_segs */
static sgc_atomic_word peak_in_use;  /* atomic: nin_use's cycle maximum */
static sgc_atomic_word overflowed;   /* atomic */

/* Idle markers wait on idle_cond under phase_lock: helpers between
 * phases (or not yet joined) and markers out of work within one.  Whoever
 * adds a segment to the pool, or makes nwait reach nmarkers, broadcasts
 * when nparked says someone waits.  The waiter counts itself in nparked
 * and then tests the pool, the waker adds to the pool and then tests
 * nparked, both with full barriers: one of them sees the other. */
static pthread_mutex_t phase_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t phase_done = PTHREAD_COND_INITIALIZER;
static unsigned long phase_gen;      /* phase lock */
static int phase_open;               /* phase lock: helpers may join */
static unsigned njoined;             /* phase lock: helpers that joined */
static unsigned helpers_done;        /* phase lock: joined and finished */
static sgc_atomic_word nparked;      /* atomic: waiters on idle_cond */

/* The heap's bounds for this phase.  heap_lo is the heap's first address,
 * so these words must never be scanned as roots: sgc_mark_init excludes
 * them. */
static struct {
	uintptr_t lo, hi;
	uintptr_t black_hi; /* root words in [lo, black_hi) missing: listed */
	int interior;
	int span_queue; /* small objects are marked by spans */
} bounds;
#define heap_lo bounds.lo
#define heap_hi bounds.hi
#define interior bounds.interior
#define span_queue_on bounds.span_queue

/* Note one more segment in use, for the cycle's peak. */
static void count_in_use(void)
{
	uintptr_t n = sgc_fetch_add(&nin_use, 1) + 1;
	uintptr_t peak = sgc_load_relaxed(&peak_in_use);
	while (n > peak && !sgc_cas(&peak_in_use, peak, n))
		peak = sgc_load_relaxed(&peak_in_use);
}

/* An empty segment: m's own, one from the shared free list, or a new one
 * from the system; NULL when the system (or the test limit) refuses. */
static struct segment *new_segment(struct marker *m)
{
	struct segment *t = m->spare;
	if (t) {
		m->spare = NULL;
		count_in_use();
		return t;
	}
	pthread_mutex_lock(&pool_lock);
	t = free_segs;
	if (t) {
		free_segs = t->prev;
		nfree--;
	}
	pthread_mutex_unlock(&pool_lock);
	if (!t) {
		uintptr_t n = sgc_fetch_add(&nsegments, 1);
		if (sgc_mark_segment_limit && n >= sgc_mark_segment_limit) {
			sgc_fetch_add(&nsegments, (uintptr_t)-1);
			return NULL;
		}
		t = sgc_os_alloc(sizeof *t);
		if (!t) {
			sgc_fetch_add(&nsegments, (uintptr_t)-1);
			return NULL;
		}
	}
	count_in_use();
	return t;
}

/* An emptied segment: m keeps one, the others go to the free list. */
static void retire_segment(struct marker *m, struct segment *t)
{
	sgc_fetch_add(&nin_use, (uintptr_t)-1);
	if (!m->spare) {
		m->spare = t;
		t->prev = NULL;
		return;
	}
	pthread_mutex_lock(&pool_lock);
	t->prev = free_segs;
	free_segs = t;
	nfree++;
	pthread_mutex_unlock(&pool_lock);
}

/* A new top segment for push; NULL (and the overflow noted) when none
 * can be had. */
static SGC_NOINLINE struct segment *push_segment(struct marker *m)
{
	struct segment *t = new_segment(m);
	if (!t) {
		/* The object stays marked; the rescan finds it. */
		sgc_store_relaxed(&overflowed, 1);
		return NULL;
	}
	t->prev = m->top;
	t->n = 0;
	m->top = t;
	return t;
}

static SGC_ALWAYS_INLINE void push(struct marker *m, uintptr_t start,
				   uintptr_t len)
{
	struct segment *s = m->top;
	if (SGC_UNLIKELY(!s || s->n == SEGMENT_ENTRIES)) {
		s = push_segment(m);
		if (!s)
			return;
	}
	s->e[s->n].start = start;
	s->e[s->n].len = len;
	s->n++;
}

static int pop(struct marker *m, struct entry *out)
{
	struct segment *s = m->top;
	while (s && s->n == 0) {
		m->top = s->prev;
		retire_segment(m, s);
		s = m->top;
	}
	if (!s)
		return 0;
	*out = s->e[--s->n];
	return 1;
}

/* Wake the idle markers, if any (see idle_cond). */
static void wake_idle(void)
{
	if (!sgc_load_acquire(&nparked))
		return;
	pthread_mutex_lock(&phase_lock);
	pthread_cond_broadcast(&idle_cond);
	pthread_mutex_unlock(&phase_lock);
}

/* Count m out of work; the marker that makes every marker so ends the
 * mark, and wakes the others to see it. */
static void become_idle(void)
{
	if (sgc_fetch_add(&nwait, 1) + 1 == nmarkers)
		wake_idle();
}

static struct segment *give_span(struct marker *m);

/* Give half of the top segment (or a whole lower one) to the pool; with
 * less than that, the grey objects of m's oldest queued span. */
static void share(struct marker *m)
{
	struct segment *s = m->top, *give;
	if (s && s->prev && s->prev->n) {
		give = s->prev;
		s->prev = give->prev;
	} else if (!s || s->n < 2) {
		if (!m->nspanq || !(give = give_span(m)))
			return;
	} else {
		give = new_segment(m);
		if (!give)
			return;
		size_t half = s->n / 2;
		memcpy(give->e, s->e, half * sizeof *s->e);
		memmove(s->e, s->e + half, (s->n - half) * sizeof *s->e);
		give->n = half;
		s->n -= half;
	}
	pthread_mutex_lock(&pool_lock);
	give->prev = pool;
	pool = give;
	pthread_mutex_unlock(&pool_lock);
	sgc_fetch_add(&nfull, 1);
	wake_idle();
}

static int take(struct marker *m)
{
	if (!sgc_load_acquire(&nfull))
		return 0;
	pthread_mutex_lock(&pool_lock);
	struct segment *s = pool;
	if (s)
		pool = s->prev;
	pthread_mutex_unlock(&pool_lock);
	if (!s)
		return 0;
	sgc_fetch_add(&nfull, (uintptr_t)-1);
	if (m->top && m->top->n == 0) { /* recycle an empty top */
		struct segment *e = m->top;
		m->top = e->prev;
		retire_segment(m, e);
	}
	s->prev = m->top;
	m->top = s;
	return 1;
}

/* Wait for work; 0 when marking has ended for every marker.  A short
 * spin (work often comes back within microseconds), then a sleep. */
static int get_work(struct marker *m)
{
	if (take(m))
		return 1;
	become_idle();
	for (unsigned spins = 0;; spins++) {
		if (sgc_load_acquire(&nfull)) {
			sgc_fetch_add(&nwait, (uintptr_t)-1);
			if (take(m))
				return 1;
			become_idle();
			continue;
		}
		if (sgc_load_acquire(&nwait) == nmarkers)
			return 0;
		if (spins < SGC_MARK_IDLE_SPINS) {
			sgc_cpu_relax();
			continue;
		}
		pthread_mutex_lock(&phase_lock);
		sgc_fetch_add(&nparked, 1);
		while (!sgc_load_acquire(&nfull) &&
		       sgc_load_acquire(&nwait) != nmarkers)
			pthread_cond_wait(&idle_cond, &phase_lock);
		sgc_fetch_add(&nparked, (uintptr_t)-1);
		pthread_mutex_unlock(&phase_lock);
		spins = 0;
	}
}

/* Set o's mark byte; 1 when it was clear.  A plain load and store: two
 * markers racing on one object may both see it clear and both scan it,
 * which is harmless (the marked set is the same); no locked instruction
 * per object, which is what lets markers scale.  The span's page is
 * marked by the caller (mark_page). */
static SGC_ALWAYS_INLINE SGC_NO_SANITIZE int
set_mark_bit(const struct sgc_obj *o)
{
	uint8_t *b = &o->span->gcmarks[o->index];
	if (__atomic_load_n(b, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(b, 1, __ATOMIC_RELAXED);
	return 1;
}

/* Set the page_marks bit of s (the page reclaimer's "something here is
 * live").  Consecutive marks mostly hit one span: remember the last. */
static SGC_ALWAYS_INLINE void mark_page(struct marker *m, struct sgc_span *s)
{
	if (m->page_marked == s)
		return;
	m->page_marked = s;
	struct sgc_heap_arena *ha =
		sgc_window_arenas[(s->start - heap_lo) >> SGC_ARENA_SHIFT];
	uintptr_t pg = sgc_arena_page_index(s->start);
	if (!sgc_bitmap_test(ha->page_marks, pg))
		sgc_bitmap_set(ha->page_marks, pg);
}

static SGC_ALWAYS_INLINE int set_mark(struct marker *m,
				      const struct sgc_obj *o)
{
	if (!set_mark_bit(o))
		return 0;
	mark_page(m, o->span);
	return 1;
}

/* Count a newly marked object in m's figures; its size. */
static SGC_ALWAYS_INLINE uintptr_t count_live(struct marker *m,
					      const struct sgc_span *s)
{
	uintptr_t size = sgc_span_elem_bytes(s);
	m->res.live_objects++;
	if (s->scanned)
		m->res.live_scanned += size;
	else
		m->res.live_ptrfree += size;
	return size;
}

/* Make room for one more span on m's queue; 0 when none can be had. */
static SGC_NOINLINE int grow_spanq(struct marker *m)
{
	size_t cap = m->spanq_cap ? 2 * m->spanq_cap : 1024;
	struct sgc_span **q = NULL;
	if (!sgc_mark_spanq_limit || cap <= sgc_mark_spanq_limit)
		q = sgc_os_alloc(cap * sizeof *q);
	if (!q) {
		sgc_fetch_add(&sgc_mark_spanq_refused, 1);
		return 0;
	}
	if (m->spanq) {
		memcpy(q, m->spanq, m->nspanq * sizeof *q);
		sgc_os_free(m->spanq, m->spanq_cap * sizeof *q);
	}
	m->spanq = q;
	m->spanq_cap = cap;
	return 1;
}

/* Record object i of s, just marked by m, as grey: its bit is set in the
 * span's grey bits, the span goes on m's queue (once), and scan_span
 * later scans the span's grey objects together.  The first marker to
 * grey an object of s in a cycle claims its grey bits for the cycle (a
 * compare-and-swap on the owner word, once per span and cycle), and then
 * sets them and the queued word with plain stores.  0 when s belongs to
 * another marker, or m's queue cannot grow: the caller pushes the object
 * as before. */
static SGC_ALWAYS_INLINE int grey_object(struct marker *m, struct sgc_span *s,
					 uint32_t i)
{
	uint64_t *q = sgc_span_queued(s);
	sgc_atomic_word *own = sgc_span_grey_owner(s);
	uintptr_t o = sgc_load_relaxed(own);
	if (SGC_UNLIKELY(o != m->id) && (o || !sgc_cas(own, 0, m->id)))
		return 0;
	if (!*q) {
		if (SGC_UNLIKELY(m->nspanq == m->spanq_cap) && !grow_spanq(m))
			return 0;
		m->spanq[m->nspanq++] = s;
		*q = 1;
	}
	sgc_span_grey(s)[i / 64] |= (uint64_t)1 << (i % 64);
	return 1;
}

static SGC_ALWAYS_INLINE SGC_NO_SANITIZE void mark_object(struct marker *m,
				      const struct sgc_obj *o)
{
	if (!set_mark(m, o))
		return;
	uintptr_t size = count_live(m, o->span);
	if (SGC_LIKELY(o->span->scanned == SGC_SCAN_WHOLE)) {
		if (span_queue_on && size <= SGC_SPAN_QUEUE_MAX_ELEM &&
		    o->span->nelems > 1 && grey_object(m, o->span, o->index))
			return;
		push(m, o->base, size);
	} else if (o->span->scanned && o->span->descr) {
		push(m, o->base, o->span->descr);
	}
}

/* Mark the object w points into, if any.  The caller has checked that w
 * lies in the heap, [heap_lo, heap_hi), off being w - heap_lo: its arena
 * is then one load away
 * (sgc_window_arenas), where sgc_find_object's sgc_arena_of takes two.
 * One dependent load less per word made the mark 5-14% faster
 * (doc/performance.md). */
static SGC_ALWAYS_INLINE SGC_NO_SANITIZE void
mark_word_at(struct marker *m, uintptr_t w, uintptr_t off, int intr)
{
	/* off: w - heap_lo; intr: interior, both passed in, so that a loop
	 * over many words reads them once (the stores of the mark could
	 * alias the globals, so the compiler would read them for each). */
	struct sgc_heap_arena *ha = sgc_window_arenas[off >> SGC_ARENA_SHIFT];
	if (!ha)
		return;
	struct sgc_span *s = __atomic_load_n(
		&ha->spans[sgc_arena_page_index(w)], __ATOMIC_ACQUIRE);
	struct sgc_obj o;
	if (sgc_span_find_object(sgc_span_covering(s, w), w, intr, &o))
		mark_object(m, &o);
}

/* mark_word_at for any word: nothing when w lies outside the heap. */
static SGC_ALWAYS_INLINE SGC_NO_SANITIZE void mark_word(struct marker *m,
							uintptr_t w)
{
	uintptr_t off = w - heap_lo;
	if (off < heap_hi - heap_lo)
		mark_word_at(m, w, off, interior);
}

/* Scanning reads whatever the range holds: redzones of instrumented
 * frames, other threads' stacks.  Keep the sanitizers out of it, and out
 * of the functions inlined into it (a sanitizer's scope checks must not
 * be half inlined into an unchecked frame).  For ThreadSanitizer these
 * reads are the collector's one deliberate race: a thread inside
 * GC_do_blocking runs on while the older part of its stack is scanned,
 * and bdwgc's contract (no heap pointers handled meanwhile) is what makes
 * any word read there good enough.  Stopped threads are ordered by the
 * stop handshake, which TSan sees. */
static SGC_ALWAYS_INLINE SGC_NO_SANITIZE void
scan_words(struct marker *m, uintptr_t lo, uintptr_t hi, uintptr_t lo_h,
	   uintptr_t span, int intr)
{
	lo = sgc_round_up(lo, sizeof(void *));
	for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *)) {
		uintptr_t w = *(const uintptr_t *)p;
		if (w - lo_h < span)
			mark_word_at(m, w, w - lo_h, intr);
	}
}

static SGC_NOINLINE SGC_NO_SANITIZE void scan_range(struct marker *m,
						    uintptr_t lo,
						    uintptr_t hi)
{
	scan_words(m, lo, hi, heap_lo, heap_hi - heap_lo, interior);
}

/* The words of [start, ...) whose bits are set in bm, most significant
 * bit first (GC_DS_BITMAP; the tag bits are clear). */
static SGC_NO_SANITIZE void scan_bitmap(struct marker *m, uintptr_t start,
					uintptr_t bm)
{
	uintptr_t lo_h = heap_lo, span = heap_hi - heap_lo;
	int intr = interior;
	for (uintptr_t p = start; bm; bm <<= 1, p += sizeof(void *)) {
		if ((intptr_t)bm >= 0)
			continue;
		uintptr_t w = *(const uintptr_t *)p;
		if (w - lo_h < span)
			mark_word_at(m, w, w - lo_h, intr);
	}
}

static SGC_NOINLINE void call_mark_proc(struct marker *m, uintptr_t start,
					uintptr_t d)
{
	unsigned idx = (unsigned)(d >> GC_DS_TAG_BITS) &
		       (SGC_MAX_MARK_PROCS - 1);
	GC_mark_proc proc = sgc_kinds_mark_proc(idx);
	if (!proc)
		sgc_fatal("mark: the descriptor of the object at %p names mark"
			  " procedure %u, which was never registered",
			  (void *)start, idx);
	if (!m->proc_buf) {
		struct GC_ms_entry *b = sgc_os_alloc(
			(SGC_MARK_PROC_ENTRIES + 1) * sizeof *b);
		if (!b)
			sgc_fatal("mark: out of memory for a mark procedure's"
				  " stack");
		m->proc_buf = b + 1;
	}
	struct GC_ms_entry *buf = m->proc_buf;
	struct GC_ms_entry *top = proc((GC_word *)start, buf - 1,
				       buf + SGC_MARK_PROC_ENTRIES,
				       d >> (GC_DS_TAG_BITS +
					     GC_LOG_MAX_MARK_PROCS));
	if (top < buf - 1 || top >= buf + SGC_MARK_PROC_ENTRIES)
		sgc_fatal("mark: mark procedure %u returned a mark stack"
			  " pointer %p outside the stack it was given"
			  " [%p, %p)", idx, (void *)top, (void *)(buf - 1),
			  (void *)(buf + SGC_MARK_PROC_ENTRIES));
	for (struct GC_ms_entry *e = buf; e <= top; e++)
		if (e->mse_descr)
			push(m, (uintptr_t)e->mse_start, e->mse_descr);
}

/* Scan the object at start as descriptor d says (any tag). */
static SGC_NO_SANITIZE void scan_descr(struct marker *m, uintptr_t start,
				       uintptr_t d)
{
	switch (d & GC_DS_TAGS) {
	case GC_DS_LENGTH:
		scan_range(m, start, start + d);
		return;
	case GC_DS_BITMAP:
		scan_bitmap(m, start, d & ~(uintptr_t)GC_DS_TAGS);
		return;
	case GC_DS_PROC:
		call_mark_proc(m, start, d);
		return;
	default:
		break;
	}
	/* GC_DS_PER_OBJECT: the real descriptor is in the object, or, for a
	 * negative displacement, in the type its first word points to. */
	intptr_t off = (intptr_t)(d & ~(uintptr_t)GC_DS_TAGS);
	uintptr_t real;
	if (off >= 0) {
		real = *(const uintptr_t *)(start + (uintptr_t)off);
	} else {
		uintptr_t type = *(const uintptr_t *)start;
		if (!type) /* allocated, type not stored yet: all zero */
			return;
		real = *(const uintptr_t *)(type + (uintptr_t)(-off) -
					    GC_INDIR_PER_OBJ_BIAS);
	}
	if ((real & GC_DS_TAGS) == GC_DS_PER_OBJECT)
		sgc_fatal("mark: the per-object descriptor of the object at"
			  " %p is itself per-object (%#lx)", (void *)start,
			  (unsigned long)real);
	if (real)
		scan_descr(m, start, real);
}

/* Scan an object of a scanned kind now. */
static void scan_object(struct marker *m, const struct sgc_span *s,
			uintptr_t base, uintptr_t size)
{
	if (s->scanned == SGC_SCAN_WHOLE)
		scan_range(m, base, base + size);
	else if (s->descr)
		scan_descr(m, base, s->descr);
}

/* A segment holding the grey objects of m's oldest queued span as
 * object entries (as many as fit), their grey bits cleared; the span
 * leaves the queue when none is left.  NULL when no segment can be had.
 * The span stays m's: the markers that take the objects push what they
 * mark in it. */
static struct segment *give_span(struct marker *m)
{
	struct sgc_span *s = m->spanq[0];
	struct segment *give = new_segment(m);
	if (!give)
		return NULL;
	uint64_t *g = sgc_span_grey(s);
	const size_t words = sgc_bitmap_words(s->nelems);
	size_t n = 0, k;
	for (k = 0; k < words; k++) {
		for (; g[k] && n < SEGMENT_ENTRIES; g[k] &= g[k] - 1, n++) {
			give->e[n].start = s->start + (k * 64 + sgc_ctz64(g[k])) *
						      (uintptr_t)s->elem_size;
			give->e[n].len = s->elem_size;
		}
		if (g[k])
			break;
	}
	give->n = n;
	if (k == words) {
		*sgc_span_queued(s) = 0;
		m->nspanq--;
		memmove(m->spanq, m->spanq + 1, m->nspanq * sizeof *m->spanq);
	}
	return give;
}

/* Scan the object at base of s: words into s itself (the common case:
 * neighbours allocated together) skip the arena and span lookups. */
static SGC_ALWAYS_INLINE SGC_NO_SANITIZE void
scan_span_object(struct marker *m, struct sgc_span *s, uintptr_t base,
		 uintptr_t size, uintptr_t lo_h, uintptr_t span, int intr)
{
	const uintptr_t s_lo = s->start, s_len = s->limit - s->start;
	for (uintptr_t p = base; p < base + size; p += sizeof(void *)) {
		uintptr_t w = *(const uintptr_t *)p;
		if (w - s_lo < s_len) {
			struct sgc_obj o;
			if (sgc_span_find_object(s, w, intr, &o))
				mark_object(m, &o);
		} else if (w - lo_h < span) {
			mark_word_at(m, w, w - lo_h, intr);
		}
	}
}

/* Scan the grey objects of s, in address order, until none is left
 * (those it greys in s itself are taken in the same visit); then s
 * leaves the queue. */
static SGC_NOINLINE SGC_NO_SANITIZE void scan_span(struct marker *m,
						   struct sgc_span *s)
{
	const uintptr_t lo_h = heap_lo, span = heap_hi - heap_lo;
	const int intr = interior;
	uint64_t *g = sgc_span_grey(s);
	const size_t words = sgc_bitmap_words(s->nelems);
	const uintptr_t size = s->elem_size, start = s->start;
	int again;
	do {
		again = 0;
		for (size_t k = 0; k < words; k++) {
			uint64_t w;
			while ((w = g[k]) != 0) {
				g[k] = w & (w - 1);
				uintptr_t base = start +
					(k * 64 + sgc_ctz64(w)) * size;
				scan_span_object(m, s, base, size, lo_h, span,
						 intr);
				again = 1;
			}
		}
	} while (again);
	*sgc_span_queued(s) = 0;
}

#define PREFETCH_DEPTH 32

/* Scan what the local stack holds.  Entries pass through a small FIFO
 * whose objects are prefetched as they enter it, so that the cache miss
 * on an object's first line overlaps the scanning of the ones before. */
static SGC_NO_SANITIZE void drain_local(struct marker *m)
{
	struct entry ring[PREFETCH_DEPTH];
	unsigned head = 0, tail = 0; /* free-running */
	const uintptr_t lo_h = heap_lo, span = heap_hi - heap_lo;
	const int intr = interior;
	for (;;) {
		struct entry e;
		while (tail - head < PREFETCH_DEPTH && pop(m, &e)) {
			if ((e.len & GC_DS_TAGS) == GC_DS_LENGTH &&
			    e.len > SGC_MARK_CHUNK_BYTES) {
				/* Split large objects so that other markers
				 * can take the pieces. */
				push(m, e.start + SGC_MARK_CHUNK_BYTES,
				     e.len - SGC_MARK_CHUNK_BYTES);
				e.len = SGC_MARK_CHUNK_BYTES;
			}
			__builtin_prefetch((const void *)e.start);
			ring[tail++ % PREFETCH_DEPTH] = e;
		}
		if (tail == head) {
			if (!m->nspanq)
				return;
			if (nmarkers > 1 && sgc_load_relaxed(&nwait) &&
			    !sgc_load_relaxed(&nfull))
				share(m); /* may give the queue's last span */
			if (m->nspanq)
				scan_span(m, m->spanq[--m->nspanq]);
			continue;
		}
		e = ring[head++ % PREFETCH_DEPTH];
		if (nmarkers > 1 && sgc_load_relaxed(&nwait) &&
		    !sgc_load_relaxed(&nfull))
			share(m);
		if (SGC_LIKELY((e.len & GC_DS_TAGS) == GC_DS_LENGTH))
			scan_words(m, e.start, e.start + e.len, lo_h, span,
				   intr);
		else
			scan_descr(m, e.start, e.len);
	}
}

/* Mark until no marker has work left. */
static void drain_parallel(struct marker *m)
{
	do
		drain_local(m);
	while (nmarkers > 1 && get_work(m));
}

/* May m join the current phase?  Phase lock held. */
static int may_join(const struct marker *m)
{
	return phase_open && m->seen_gen != phase_gen &&
	       (unsigned)(m - markers) < nmarkers &&
	       sgc_load_acquire(&nfull);
}

static void *helper_main(void *arg)
{
	struct marker *m = arg;
	self_marker = m;
	pthread_mutex_lock(&phase_lock);
	for (;;) {
		sgc_fetch_add(&nparked, 1);
		while (!may_join(m))
			pthread_cond_wait(&idle_cond, &phase_lock);
		sgc_fetch_add(&nparked, (uintptr_t)-1);
		/* Counted as waiting since the phase began: stop being so
		 * while the phase is open, so marking cannot end meanwhile
		 * without this marker. */
		m->seen_gen = phase_gen;
		njoined++;
		sgc_fetch_add(&nwait, (uintptr_t)-1);
		pthread_mutex_unlock(&phase_lock);
		if (get_work(m))
			drain_parallel(m);
		pthread_mutex_lock(&phase_lock);
		helpers_done++;
		pthread_cond_signal(&phase_done);
	}
	return NULL;
}

/* Start helper markers up to the wanted count.  Never while the world is
 * stopped: pthread_create allocates, and a stopped thread may hold the
 * allocator's lock. */
static void start_helpers(void)
{
	unsigned want = markers_wanted ? markers_wanted :
					 (unsigned)sgc_os_ncpus();
	if (want > SGC_MAX_MARKERS)
		want = SGC_MAX_MARKERS;
	while (helpers_started + 1 < want) {
		struct marker *m = &markers[helpers_started + 1];
		pthread_mutex_lock(&phase_lock);
		m->seen_gen = phase_gen; /* join from the next phase on */
		pthread_mutex_unlock(&phase_lock);
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		int rc = pthread_create(&m->thread, NULL, helper_main, m);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0)
			break;
		m->started = 1;
		helpers_started++;
	}
}

void sgc_mark_word(uintptr_t w)
{
	mark_word(&markers[0], w);
}

void sgc_mark_range(uintptr_t lo, uintptr_t hi)
{
	scan_range(&markers[0], lo, hi);
}

void sgc_mark_drain(void)
{
	drain_local(&markers[0]);
}

int sgc_mark_is_marked(const struct sgc_obj *o)
{
	return sgc_span_marked(o->span, o->index);
}

/* Mark every allocated object of the spans on list l. */
static void mark_all_on(struct marker *m, struct sgc_span_list *l)
{
	for (struct sgc_span *s = l->head; s; s = s->next) {
		for (uint32_t i = 0; i < s->nelems; i++) {
			if (!sgc_span_is_allocated(s, i))
				continue;
			struct sgc_obj o = { s, s->start + (uintptr_t)i *
						s->elem_size, i };
			mark_object(m, &o);
		}
	}
}

/* Push the contents of every allocated object of the spans on list l,
 * marked or not (kinds registered with mark_from_all: their unreachable
 * objects still reach what their disclaim procedure may use). */
static void push_all_on(struct marker *m, struct sgc_span_list *l)
{
	for (struct sgc_span *s = l->head; s; s = s->next) {
		uintptr_t d = s->scanned == SGC_SCAN_WHOLE ?
				      sgc_span_elem_bytes(s) : s->descr;
		if (!d)
			continue;
		for (uint32_t i = 0; i < s->nelems; i++)
			if (sgc_span_is_allocated(s, i))
				push(m, s->start + (uintptr_t)i * s->elem_size,
				     d);
	}
}

/* Uncollectable kinds are marked whole; mark-from-all kinds have their
 * contents pushed. */
static void mark_kinds(struct marker *m)
{
	for (unsigned k = 0; k < SGC_MAX_KINDS; k++) {
		struct sgc_kind *kd = &sgc_kinds[k];
		if (!kd->in_use || !(kd->uncollectable ||
				     (kd->mark_unconditionally && kd->scanned)))
			continue;
		for (unsigned sc = 0; sc < SGC_NUM_SIZE_CLASSES; sc++) {
			struct sgc_central *c = &sgc_centrals[sgc_spanclass(k, sc)];
			pthread_mutex_lock(&c->lock);
			for (int j = 0; j < 2; j++) {
				if (kd->uncollectable) {
					mark_all_on(m, &c->partial[j]);
					mark_all_on(m, &c->full[j]);
				} else {
					push_all_on(m, &c->partial[j]);
					push_all_on(m, &c->full[j]);
				}
			}
			pthread_mutex_unlock(&c->lock);
		}
	}
}

/* After an overflow: scan every marked object of a scanned kind again,
 * which pushes whatever it reaches that is still unmarked. */
static void rescan_marked(struct marker *m)
{
	for (uintptr_t a = heap_lo; a < heap_hi; a += SGC_PAGE_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		uintptr_t pg = sgc_arena_page_index(a);
		if (!sgc_bitmap_test(ha->page_in_use, pg) ||
		    !sgc_bitmap_test(ha->page_marks, pg))
			continue;
		struct sgc_span *s = sgc_span_of(a);
		if (!s->scanned)
			continue;
		uintptr_t size = sgc_span_elem_bytes(s);
		for (uint32_t i = 0; i < s->nelems; i++) {
			if (!sgc_span_marked(s, i))
				continue;
			uintptr_t base = s->start + (uintptr_t)i * s->elem_size;
			scan_object(m, s, base, size);
			drain_local(m);
		}
	}
}

/* Roots (static data, added roots, TLS, stacks): as scan_range, and a
 * word into the reserved heap range that finds no object black-lists its
 * page when that is free (heap.h).  Only the miss costs anything more. */
static SGC_NO_SANITIZE void scan_root_range(struct marker *m, uintptr_t lo,
					    uintptr_t hi)
{
	uintptr_t lo_h = heap_lo, span = heap_hi - heap_lo;
	uintptr_t reach = bounds.black_hi - heap_lo;
	lo = sgc_round_up(lo, sizeof(void *));
	for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *)) {
		uintptr_t w = *(const uintptr_t *)p;
		struct sgc_obj o;
		if (w - lo_h >= reach)
			continue;
		if (w - lo_h < span && sgc_find_object(w, interior, &o))
			mark_object(m, &o);
		else
			sgc_heap_black_list_word(w);
	}
}

static void root_range(uintptr_t lo, uintptr_t hi)
{
	scan_root_range(&markers[0], lo, hi);
}

static void stack_range(uintptr_t lo, uintptr_t hi)
{
	markers[0].res.stack_bytes += hi - lo;
	scan_root_range(&markers[0], lo, hi);
}

static void add_result(struct sgc_mark_result *to,
		       const struct sgc_mark_result *r)
{
	to->live_scanned += r->live_scanned;
	to->live_ptrfree += r->live_ptrfree;
	to->live_objects += r->live_objects;
	to->roots_bytes += r->roots_bytes;
	to->stack_bytes += r->stack_bytes;
}

void sgc_mark_phase(struct sgc_mark_result *out)
{
	struct marker *m0 = &markers[0];
	self_marker = m0;
	interior = GC_all_interior_pointers != 0;
	heap_lo = sgc_heap.base;
	heap_hi = __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE);
	/* Black-listing (heap.h): the lists age, and the roots may list
	 * pages past the heap's end, which it may grow into. */
	bounds.black_hi = sgc_heap_black_listing ? sgc_heap_black_reach() : heap_hi;
	sgc_heap_black_age();
	/* Forget the last cycle's page marks. */
	for (uintptr_t a = heap_lo; a < heap_hi; a += SGC_ARENA_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		memset((void *)ha->page_marks, 0, sizeof ha->page_marks);
	}
	nmarkers = helpers_started + 1;
	if (markers_wanted && markers_wanted < nmarkers)
		nmarkers = markers_wanted;
	if ((size_t)sgc_load_relaxed(&sgc_stats.live_bytes) <
	    SGC_PARALLEL_MARK_MIN_LIVE)
		nmarkers = 1;
	last_markers = nmarkers;
	span_queue_on = sgc_config.span_queue;
	for (unsigned i = 0; i < nmarkers; i++) {
		markers[i].id = i + 1;
		memset(&markers[i].res, 0, sizeof markers[i].res);
		markers[i].page_marked = NULL; /* page marks were just reset */
	}
	sgc_store_relaxed(&overflowed, 0);
	sgc_store_relaxed(&nfull, 0);
	/* The helpers count as waiting until they join (helper_main). */
	sgc_store_relaxed(&nwait, nmarkers - 1);
	if (nmarkers > 1) {
		pthread_mutex_lock(&phase_lock);
		helpers_done = 0;
		njoined = 0;
		phase_gen++;
		phase_open = 1;
		pthread_mutex_unlock(&phase_lock);
	}
	m0->res.roots_bytes = sgc_roots_for_each(root_range);
	sgc_thread_scan_stacks(stack_range);
	sgc_finalize_mark_roots();
	GC_push_other_roots_proc other = __atomic_load_n(&GC_push_other_roots,
							 __ATOMIC_ACQUIRE);
	if (other)
		other();
	mark_kinds(m0);
	drain_parallel(m0);
	if (nmarkers > 1) {
		pthread_mutex_lock(&phase_lock);
		phase_open = 0;
		while (helpers_done < njoined)
			pthread_cond_wait(&phase_done, &phase_lock);
		pthread_mutex_unlock(&phase_lock);
	}
	/* Overflow is rare: rescan with marker 0 alone until it stops. */
	unsigned overflows = 0;
	unsigned saved = nmarkers;
	nmarkers = 1;
	while (sgc_load_relaxed(&overflowed)) {
		sgc_store_relaxed(&overflowed, 0);
		overflows++;
		rescan_marked(m0);
	}
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < saved; i++) {
		add_result(out, &markers[i].res);
		memset(&markers[i].res, 0, sizeof markers[i].res);
	}
	out->overflows = overflows;
	/* nmarkers stays 1: what follows (finalization) marks serially. */
}

/* ---- Serial marking after the phase, for finalization ---- */

int sgc_mark_set_bit(const struct sgc_obj *o)
{
	struct marker *m = &markers[0];
	if (!set_mark(m, o))
		return 0;
	count_live(m, o->span);
	return 1;
}

/* Like scan_range, but words pointing into [slo, shi) are skipped. */
static SGC_NO_SANITIZE void scan_range_skip(struct marker *m, uintptr_t lo,
					    uintptr_t hi, uintptr_t slo,
					    uintptr_t shi)
{
	for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *)) {
		uintptr_t w = *(const uintptr_t *)p;
		if (w < slo || w >= shi)
			mark_word(m, w);
	}
}

void sgc_mark_contents(const struct sgc_obj *o, int skip_self)
{
	if (!o->span->scanned)
		return;
	uintptr_t size = sgc_span_elem_bytes(o->span);
	if (o->span->scanned == SGC_SCAN_DESCR) {
		/* As its descriptor says; skip_self is not honoured here. */
		if (o->span->descr)
			push(&markers[0], o->base, o->span->descr);
		return;
	}
	if (skip_self)
		scan_range_skip(&markers[0], o->base, o->base + size, o->base,
				o->base + size);
	else
		push(&markers[0], o->base, size);
}

void sgc_mark_complete(void)
{
	struct marker *m0 = &markers[0];
	drain_local(m0);
	while (sgc_load_relaxed(&overflowed)) {
		sgc_store_relaxed(&overflowed, 0);
		m0->res.overflows++;
		rescan_marked(m0);
	}
}

/* End of a cycle's marking: every marker's empty segments go back to the
 * free list, which keeps twice the usual peak and gives the rest back.
 * World stopped, helpers idle. */
static void trim_segments(void)
{
	for (unsigned i = 0; i < SGC_MAX_MARKERS; i++) {
		struct marker *m = &markers[i];
		SGC_ASSERT(!m->top || m->top->n == 0);
		while (m->top) { /* empty: marking has ended */
			struct segment *t = m->top;
			m->top = t->prev;
			retire_segment(m, t);
		}
		SGC_ASSERT(m->nspanq == 0);
		if (m->spanq_cap > SGC_MARK_KEEP_SPANQ) { /* a peak's */
			sgc_os_free(m->spanq, m->spanq_cap * sizeof *m->spanq);
			m->spanq = NULL;
			m->spanq_cap = 0;
		}
		if (m->spare) {
			struct segment *t = m->spare;
			m->spare = NULL;
			pthread_mutex_lock(&pool_lock);
			t->prev = free_segs;
			free_segs = t;
			nfree++;
			pthread_mutex_unlock(&pool_lock);
		}
	}
	/* Keep what the cycles before needed: a cycle far above that gives
	 * its excess back at once, and moves the average halfway up, so a
	 * need that lasts is kept from its second cycle on. */
	size_t peak = sgc_load_relaxed(&peak_in_use);
	sgc_store_relaxed(&peak_in_use, sgc_load_relaxed(&nin_use));
	last_peak = peak;
	size_t keep = 2 * usual_peak;
	if (keep < SGC_MARK_KEEP_SEGMENTS)
		keep = SGC_MARK_KEEP_SEGMENTS;
	usual_peak = peak > usual_peak ? (usual_peak + peak) / 2 :
					 (3 * usual_peak + peak) / 4;
	pthread_mutex_lock(&pool_lock);
	while (nfree > keep) {
		struct segment *t = free_segs;
		free_segs = t->prev;
		nfree--;
		sgc_os_free(t, sizeof *t);
		sgc_fetch_add(&nsegments, (uintptr_t)-1);
	}
	pthread_mutex_unlock(&pool_lock);
}

void sgc_mark_take_extra(struct sgc_mark_result *out)
{
	struct marker *m0 = &markers[0];
	add_result(out, &m0->res);
	out->overflows += m0->res.overflows;
	memset(&m0->res, 0, sizeof m0->res);
	for (unsigned i = 0; i < SGC_MAX_MARKERS; i++)
		markers[i].page_marked = NULL; /* spans may change now */
	self_marker = NULL;
	trim_segments();
}

size_t sgc_mark_segments(void)
{
	return sgc_load_relaxed(&nsegments);
}

size_t sgc_mark_last_peak(void)
{
	return last_peak;
}

/* Forget helper threads (the child of a fork has none). */
void sgc_mark_fork_child(void)
{
	helpers_started = 0;
	for (unsigned i = 0; i < SGC_MAX_MARKERS; i++) {
		markers[i].started = 0;
		markers[i].top = NULL;
	}
	self_marker = NULL;
	pthread_mutex_init(&phase_lock, NULL);
	pthread_cond_init(&idle_cond, NULL);
	pthread_cond_init(&phase_done, NULL);
	pthread_mutex_init(&pool_lock, NULL);
	pool = NULL;
	phase_gen = 0;
	phase_open = 0;
	sgc_store_relaxed(&nparked, 0);
}

void sgc_mark_init(void)
{
	sgc_roots_exclude((uintptr_t)&bounds, (uintptr_t)(&bounds + 1));
}

void sgc_mark_set_markers(unsigned n)
{
	markers_wanted = n;
}

void GC_set_markers_count(unsigned n)
{
	markers_wanted = n;
}

int GC_get_parallel(void)
{
	return (int)helpers_started;
}

void GC_start_mark_threads(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	start_helpers();
	sgc_world_lock_release();
}

unsigned sgc_mark_last_markers(void)
{
	return last_markers;
}

unsigned sgc_mark_helpers(void)
{
	return helpers_started;
}

void sgc_mark_start_helpers(void)
{
	start_helpers();
}

/* ---- The push API of gc_mark.h, for mark procedures and root pushers ---- */

static void GC_CALLBACK no_other_roots(void)
{
}

/* bdwgc's default is a function, and clients that chain it call it. */
GC_push_other_roots_proc GC_push_other_roots = no_other_roots;

void GC_set_push_other_roots(GC_push_other_roots_proc fn)
{
	__atomic_store_n(&GC_push_other_roots, fn, __ATOMIC_RELEASE);
}

GC_push_other_roots_proc GC_get_push_other_roots(void)
{
	return __atomic_load_n(&GC_push_other_roots, __ATOMIC_ACQUIRE);
}

/* The calling marker; aborts naming call outside a mark phase. */
static struct marker *marker_for(const char *call, const void *p)
{
	struct marker *m = self_marker;
	if (!m)
		sgc_fatal("%s(%p): called outside the collector's mark phase"
			  " (only mark procedures and root pushers may)",
			  call, p);
	return m;
}

struct GC_ms_entry *GC_mark_and_push(void *obj, struct GC_ms_entry *msp,
				     struct GC_ms_entry *msl, void **src)
{
	(void)msl;
	(void)src;
	if (!self_marker && sgc_push_redirect) {
		sgc_push_redirect((uintptr_t)obj, 0);
		return msp;
	}
	struct marker *m = marker_for("GC_mark_and_push", obj);
	mark_word(m, (uintptr_t)obj);
	return msp;
}

void GC_push_all(void *bottom, void *top)
{
	if (!self_marker && sgc_push_redirect) {
		sgc_push_redirect((uintptr_t)bottom, (uintptr_t)top);
		return;
	}
	struct marker *m = marker_for("GC_push_all", bottom);
	uintptr_t lo = sgc_round_up((uintptr_t)bottom, sizeof(void *));
	uintptr_t hi = (uintptr_t)top & ~(uintptr_t)(sizeof(void *) - 1);
	if (hi > lo)
		push(m, lo, hi - lo);
}

void GC_push_conditional(void *bottom, void *top, int all)
{
	(void)all; /* no dirty bits: every page counts as dirty */
	GC_push_all(bottom, top);
}

void GC_push_all_eager(void *bottom, void *top)
{
	if (!self_marker && sgc_push_redirect) {
		sgc_push_redirect((uintptr_t)bottom, (uintptr_t)top);
		return;
	}
	struct marker *m = marker_for("GC_push_all_eager", bottom);
	if ((uintptr_t)top > (uintptr_t)bottom)
		scan_range(m, (uintptr_t)bottom, (uintptr_t)top);
}

void GC_push_finalizer_structures(void)
{
	/* The finalization tables live outside the heap and are marked
	 * with the other roots (finalize.h): nothing to push. */
}

/* The object p is the start of; aborts naming call otherwise. */
static struct sgc_obj object_at(const char *call, const void *p)
{
	struct sgc_obj o;
	if (!sgc_load_acquire(&sgc_ready) ||
	    !sgc_find_object((uintptr_t)p, 1, &o))
		sgc_fatal("%s(%p): not an object of the collector's heap",
			  call, p);
	return o;
}

int GC_is_marked(const void *p)
{
	struct sgc_obj o = object_at("GC_is_marked", p);
	return sgc_span_marked(o.span, o.index);
}

void GC_set_mark_bit(const void *p)
{
	struct sgc_obj o = object_at("GC_set_mark_bit", p);
	struct marker *m = self_marker;
	if (m) {
		if (set_mark(m, &o))
			count_live(m, o.span);
		return;
	}
	__atomic_store_n(&o.span->gcmarks[o.index], 1, __ATOMIC_RELAXED);
	struct sgc_heap_arena *ha = sgc_arena_of(o.span->start);
	uintptr_t pg = sgc_arena_page_index(o.span->start);
	if (!sgc_bitmap_test(ha->page_marks, pg))
		sgc_bitmap_set(ha->page_marks, pg);
}

void GC_clear_mark_bit(const void *p)
{
	struct sgc_obj o = object_at("GC_clear_mark_bit", p);
	__atomic_store_n(&o.span->gcmarks[o.index], 0, __ATOMIC_RELAXED);
}
