/*
 * sweep.c: sweeping and the page reclaimer (see sweep.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <gc/gc.h>
#include "cache.h"
#include "central.h"
#include "gcbits.h"
#include "heap.h"
#include "init.h"
#include "os.h"
#include "pacer.h"
#include "stats.h"
#include "sweep.h"
#include "thread.h"

static sgc_atomic_word class_cursor;    /* atomic: next central to sweep */
/* The span classes that ever had a span (a bit each; atomic, only set):
 * a cycle over a small heap would otherwise spend most of its time
 * locking the 1,088 centrals, nearly all of them empty.  A bit set
 * before a stop is seen after it, and spans created after a cycle's
 * start are swept already, so no unswept span is passed over. */
static sgc_atomic_word classes_used[(SGC_NUM_SPAN_CLASSES + 63) / 64];
static sgc_atomic_word done = 1;        /* atomic: no unswept span left */
static sgc_atomic_word pages_swept;     /* atomic: this cycle */
static sgc_atomic_word ratio;           /* pages per byte << 20 */
static sgc_atomic_word reclaim_cursor;  /* atomic: next page to reclaim */
static sgc_atomic_word reclaim_done = 1; /* atomic */
static sgc_atomic_word pages_reclaimed; /* atomic: since start */
/* Spans swept since start, for the trace (sgc_sweep_get_tally); atomic. */
static sgc_atomic_word tally_spans, tally_reclaimed, tally_proportional,
	tally_background, tally_finished;

/* The spans whose claim the calling thread holds while it runs client
 * code (a disclaim procedure), innermost first: a lookup the procedure
 * makes on one of them must not wait for the claim (sgc_sweep_claim). */
struct held_claim {
	struct sgc_span *span;
	struct held_claim *outer;
};
static __thread struct held_claim *held_claims;

int sgc_sweep_held_here(const struct sgc_span *s)
{
	for (struct held_claim *h = held_claims; h; h = h->outer)
		if (h->span == s)
			return 1;
	return 0;
}

/* Ask the kind's disclaim procedure about each object that is about to
 * be reclaimed; those it keeps are marked.  Span claimed.  The procedure
 * may look objects up (GC_base, GC_size), its own included, or free
 * them. */
static void disclaim_span(struct sgc_span *s, int (*proc)(void *),
			  const uint64_t *freed)
{
	uint8_t *mark = s->gcmarks;
	struct held_claim h = { s, held_claims };
	held_claims = &h;
	for (uint32_t i = 0; i < s->nelems; i++) {
		if (mark[i] || (freed && sgc_bit(freed, i)))
			continue;
		if (i >= s->free_index && !sgc_bit(s->alloc_bits, i))
			continue;
		if (proc((void *)(s->start + (uintptr_t)i * s->elem_size)))
			mark[i] = 1;
		/* The procedure may have freed objects (GC_free). */
		freed = (const uint64_t *)sgc_load_acquire(&s->freed_bits);
	}
	held_claims = h.outer;
}

/* The 64 mark bytes at m (each 0 or 1) as 64 bits, byte i to bit i: the
 * multiply gathers the low bit of every byte into the top byte. */
static inline uint64_t pack_marks(const uint8_t *m)
{
	uint64_t bits = 0;
	for (unsigned k = 0; k < 8; k++) {
		uint64_t x;
		memcpy(&x, m + 8 * k, sizeof x);
		bits |= ((x * 0x0102040810204080ull) >> 56) << (8 * k);
	}
	return bits;
}

/* Every slot allocated, for spans kept whole (free_index == nelems also
 * says so; the bits keep the alloc-bit readers honest). */
static const uint64_t all_allocated[SGC_MAX_SPAN_OBJECTS / 64] = {
	[0 ... SGC_MAX_SPAN_OBJECTS / 64 - 1] = ~(uint64_t)0
};

/* No memory for the span's fresh alloc bits: keep the whole span for this
 * cycle, every slot allocated, as if everything in it had been marked.
 * Its garbage (and what GC_free released there) is found by the next
 * cycle's sweep instead; nothing is reclaimed early, so the heap stays
 * consistent, and an allocator that needed the room grows the heap or
 * reports out of memory.  Returns 1 (the span is in use).  Span claimed. */
static SGC_NOINLINE int keep_whole(struct sgc_span *s, uintptr_t sg)
{
	memset(s->gcmarks, 0, sgc_span_meta_bytes(s->nelems));
	s->alloc_bits = (uint64_t *)all_allocated;
	sgc_store_release(&s->freed_bits, 0);
	sgc_span_set_free_index(s, s->nelems);
	s->alloc_cache = 0;
	s->alloc_count = s->nelems;
	s->needzero = sgc_kinds[sgc_spanclass_kind(s->spanclass)].zeroed;
	sgc_store_release(&s->sweepgen, sg);
	return 1;
}

int sgc_sweep_kept_whole(const struct sgc_span *s)
{
	return s->alloc_bits == all_allocated;
}

int sgc_sweep_span(struct sgc_span *s)
{
	uintptr_t sg = sgc_heap_sweepgen();
	SGC_ASSERT(sgc_load_relaxed(&s->sweepgen) == sg - 1);
	size_t words = sgc_bitmap_words(s->nelems);
	uint64_t mark[SGC_MAX_SPAN_OBJECTS / 64];
	uint64_t *freed = (uint64_t *)sgc_load_acquire(&s->freed_bits);
	int (*disclaim)(void *) = __atomic_load_n(
		&sgc_kinds[sgc_spanclass_kind(s->spanclass)].disclaim,
		__ATOMIC_ACQUIRE);
	uint64_t *fresh = NULL;
	if (SGC_UNLIKELY(disclaim != NULL)) {
		/* Bits first: a span kept whole must not have been
		 * disclaimed. */
		fresh = sgc_gcbits_alloc(words);
		if (SGC_UNLIKELY(!fresh)) {
			sgc_fetch_add(&pages_swept, s->npages);
			return keep_whole(s, sg);
		}
		disclaim_span(s, disclaim, freed);
		/* The procedures may have freed objects. */
		freed = (uint64_t *)sgc_load_acquire(&s->freed_bits);
	}
	unsigned count = 0;
	for (size_t w = 0; w < words; w++) {
		mark[w] = pack_marks(s->gcmarks + 64 * w);
		if (freed)
			mark[w] &= ~freed[w];
		count += sgc_popcount64(mark[w]);
	}
	sgc_fetch_add(&pages_swept, s->npages);
	sgc_fetch_add(&tally_spans, 1);
	if (count == 0) {
		sgc_heap_free_span(s);
		return 0;
	}
	if (!fresh)
		fresh = sgc_gcbits_alloc(words);
	if (SGC_UNLIKELY(!fresh))
		return keep_whole(s, sg);
	memcpy(fresh, mark, words * sizeof *fresh);
	memset(s->gcmarks, 0, sgc_span_meta_bytes(s->nelems));
	s->alloc_bits = fresh;
	sgc_store_release(&s->freed_bits, 0);
	/* Start at the first free slot rather than 0: the allocated prefix
	 * (all of a full span) then needs no alloc-bit test in find_object,
	 * which saves the mark loop a cache line per pointer. */
	uint32_t first = s->nelems;
	for (size_t w = 0; w < words; w++) {
		if (~mark[w]) {
			uint32_t i = (uint32_t)(w * 64) +
				     (uint32_t)__builtin_ctzll(~mark[w]);
			if (i < first)
				first = i;
			break;
		}
	}
	sgc_span_set_free_index(s, first);
	if (first < s->nelems)
		sgc_span_refill_alloc_cache(s);
	else
		s->alloc_cache = 0;
	s->alloc_count = count;
	s->needzero = sgc_kinds[sgc_spanclass_kind(s->spanclass)].zeroed;
	sgc_store_release(&s->sweepgen, sg);
	return 1;
}

void sgc_sweep_note_class(unsigned spanclass)
{
	sgc_atomic_word *w = &classes_used[spanclass / 64];
	uintptr_t bit = (uintptr_t)1 << (spanclass % 64);
	if (!(sgc_load_relaxed(w) & bit))
		__atomic_fetch_or(w, bit, __ATOMIC_RELEASE);
}

/* The first class from i on that ever had a span, or
 * SGC_NUM_SPAN_CLASSES. */
static uintptr_t next_used_class(uintptr_t i)
{
	while (i < SGC_NUM_SPAN_CLASSES) {
		uintptr_t w = sgc_load_acquire(&classes_used[i / 64]) >>
			      (i % 64);
		if (w)
			return i + (uintptr_t)__builtin_ctzl(w);
		i = (i / 64 + 1) * 64;
	}
	return SGC_NUM_SPAN_CLASSES;
}

size_t sgc_sweep_one(void)
{
	uintptr_t sg = sgc_heap_sweepgen();
	for (;;) {
		uintptr_t i = sgc_load_acquire(&class_cursor);
		uintptr_t j = next_used_class(i);
		if (j != i) {
			sgc_cas(&class_cursor, i, j);
			continue;
		}
		if (i >= SGC_NUM_SPAN_CLASSES) {
			sgc_store_release(&done, 1);
			return 0;
		}
		struct sgc_central *c = &sgc_centrals[i];
		pthread_mutex_lock(&c->lock);
		struct sgc_span *s =
			sgc_span_list_pop(sgc_central_full_unswept(c, sg));
		if (!s)
			s = sgc_span_list_pop(sgc_central_partial_unswept(c, sg));
		pthread_mutex_unlock(&c->lock);
		if (!s) {
			sgc_cas(&class_cursor, i, i + 1);
			continue;
		}
		if (!sgc_cas(&s->sweepgen, sg - 2, sg - 1))
			continue; /* the reclaimer has it */
		size_t npages = s->npages;
		if (sgc_sweep_span(s))
			sgc_central_put_swept(c, s);
		return npages;
	}
}

int sgc_sweep_claim(struct sgc_span *s)
{
	uintptr_t sg = sgc_heap_sweepgen();
	for (;;) {
		uintptr_t v = sgc_load_acquire(&s->sweepgen);
		if (v == sg || v == sg + 3)
			return 0;
		if (v == sg - 2 && sgc_cas(&s->sweepgen, sg - 2, sg - 1))
			return 1;
		/* h - 1: another thread sweeps it, or frees it; or this one,
		 * which then runs a disclaim procedure that looks s up. */
		if (sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE ||
		    sgc_sweep_held_here(s))
			return 0;
		sched_yield();
	}
}

void sgc_sweep_claimed(struct sgc_span *s)
{
	/* Off its list first, as the reclaimer does. */
	struct sgc_central *c = &sgc_centrals[s->spanclass];
	sgc_central_unlink(c, s);
	if (sgc_sweep_span(s))
		sgc_central_put_swept(c, s);
}

void sgc_sweep_finish(void)
{
	size_t n = 0;
	while (sgc_sweep_one())
		n++;
	if (n)
		sgc_fetch_add(&tally_finished, n);
}

int sgc_sweep_done(void)
{
	return (int)sgc_load_acquire(&done);
}

void sgc_sweep_start_cycle(size_t pages, size_t budget)
{
	sgc_store_relaxed(&class_cursor, 0);
	sgc_store_relaxed(&pages_swept, 0);
	sgc_store_relaxed(&reclaim_cursor, 0);
	sgc_store_relaxed(&reclaim_done, 0);
	/* Finish when three quarters of the budget is spent. */
	size_t span = budget / 4 * 3;
	sgc_store_relaxed(&ratio, span ? (pages << 20) / span + 1 : 0);
	sgc_store_release(&done, pages == 0);
}

void sgc_sweep_pay(void)
{
	if (sgc_sweep_done())
		return;
	intptr_t since = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
	if (since <= 0)
		return;
	uintptr_t target = ((uintptr_t)since * sgc_load_relaxed(&ratio)) >> 20;
	size_t n = 0;
	while (sgc_load_relaxed(&pages_swept) < target) {
		if (!sgc_sweep_one())
			break;
		n++;
	}
	if (n)
		sgc_fetch_add(&tally_proportional, n);
}

/* Free the unmarked whole spans whose first page lies in the bitmap word
 * wi of arena ha; returns the pages freed. */
static size_t reclaim_word(struct sgc_heap_arena *ha, size_t wi, uintptr_t sg)
{
	size_t spans = 0;
	uintptr_t cand = sgc_load_relaxed(&ha->page_in_use[wi]) &
			 ~sgc_load_relaxed(&ha->page_marks[wi]);
	size_t freed = 0;
	while (cand) {
		unsigned b = (unsigned)__builtin_ctzll(cand);
		cand &= cand - 1;
		size_t pg = wi * 64 + b;
		uintptr_t addr = ha->base + pg * SGC_PAGE_SIZE;
		struct sgc_span *s = sgc_span_of(addr);
		if (!s || sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE ||
		    __atomic_load_n(&s->start, __ATOMIC_RELAXED) != addr)
			continue;
		if (!sgc_cas(&s->sweepgen, sg - 2, sg - 1))
			continue;
		/* Claimed: only now is the struct's layout ours to read. */
		struct sgc_central *c = &sgc_centrals[s->spanclass];
		sgc_central_unlink(c, s);
		size_t n = s->npages;
		if (__atomic_load_n(&sgc_kinds[sgc_spanclass_kind(
					    s->spanclass)].disclaim,
				    __ATOMIC_ACQUIRE)) {
			/* Its objects must be disclaimed one by one. */
			spans++;
			if (sgc_sweep_span(s))
				sgc_central_put_swept(c, s);
			else
				freed += n;
			continue;
		}
		sgc_fetch_add(&pages_swept, n);
		sgc_fetch_add(&tally_spans, 1);
		spans++;
		sgc_heap_free_span(s);
		freed += n;
	}
	if (spans)
		sgc_fetch_add(&tally_reclaimed, spans);
	return freed;
}

void sgc_sweep_reclaim(size_t npages)
{
	if (sgc_load_acquire(&reclaim_done))
		return;
	uintptr_t sg = sgc_heap_sweepgen();
	size_t got = 0;
	while (got < npages) {
		uintptr_t pg = sgc_fetch_add(&reclaim_cursor, 64);
		uintptr_t addr = sgc_heap.base + pg * SGC_PAGE_SIZE;
		if (addr >= __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE)) {
			sgc_store_release(&reclaim_done, 1);
			break;
		}
		struct sgc_heap_arena *ha = sgc_arena_of(addr);
		got += reclaim_word(ha, sgc_arena_page_index(addr) / 64, sg);
	}
	sgc_fetch_add(&pages_reclaimed, got);
}

size_t sgc_sweep_pages_reclaimed(void)
{
	return sgc_load_relaxed(&pages_reclaimed);
}

void sgc_sweep_get_tally(struct sgc_sweep_tally *t)
{
	/* The sweepers count a span in tally_spans before they add it to
	 * their own figure: read the total last, so it is never short. */
	t->reclaimed = sgc_load_acquire(&tally_reclaimed);
	t->proportional = sgc_load_acquire(&tally_proportional);
	t->background = sgc_load_acquire(&tally_background);
	t->finished = sgc_load_acquire(&tally_finished);
	t->spans = sgc_load_acquire(&tally_spans);
}

/* ---- The background sweeper and scavenger ---- */

static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bg_wake = PTHREAD_COND_INITIALIZER;
static unsigned long bg_gen;  /* bg lock: cycles announced */
static int bg_started;        /* bg lock */
static int bg_idle;           /* bg lock: waiting with no timeout */
static uint64_t bg_woken_ns;  /* bg lock: when a cycle last woke it */

/* Return free memory beyond what the next cycle is expected to need:
 * the live heap, the allocation budget, 10% and 4 MiB of slack. */
static void scavenge_excess(void)
{
	size_t goal = sgc_load_relaxed(&sgc_stats.live_bytes) +
		      (size_t)sgc_load_relaxed(&sgc_pacer.budget);
	size_t keep = goal + goal / 10 + ((size_t)4 << 20);
	size_t retained = sgc_heap_mapped_bytes() - sgc_heap_unmapped_bytes();
	if (retained > keep)
		sgc_heap_scavenge_some(retained - keep);
}

struct bg_wait {
	unsigned long seen;   /* the last cycle announced and handled */
	uint64_t timeout_ns;  /* 0: wait for ever */
	int arrived;          /* out: a newer cycle was announced */
};

/* Sleep until a cycle newer than w->seen is announced, or the timeout
 * passes. */
static void *wait_for_cycle(void *arg)
{
	struct bg_wait *w = arg;
	struct timespec until = { 0, 0 };
	if (w->timeout_ns) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(w->timeout_ns / 1000000000u);
		until.tv_nsec += (long)(w->timeout_ns % 1000000000u);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&bg_lock);
	while (bg_gen == w->seen)
		if (w->timeout_ns == 0) {
			bg_idle = 1;
			pthread_cond_wait(&bg_wake, &bg_lock);
			bg_idle = 0;
		} else if (pthread_cond_timedwait(&bg_wake, &bg_lock,
						&until) == ETIMEDOUT)
			break;
	w->arrived = bg_gen != w->seen;
	w->seen = bg_gen;
	pthread_mutex_unlock(&bg_lock);
	return NULL;
}

static void *bg_main(void *arg)
{
	(void)arg;
	sigset_t ours;
	sigemptyset(&ours);
	sigaddset(&ours, sgc_thread_suspend_signal());
	sigaddset(&ours, sgc_thread_restart_signal());
	pthread_sigmask(SIG_UNBLOCK, &ours, NULL);
	if (!sgc_thread_register(0, SGC_THREAD_INTERNAL)) {
		/* Out of memory: no background thread; the next cycle tries
		 * to start it again. */
		pthread_mutex_lock(&bg_lock);
		bg_started = 0;
		pthread_mutex_unlock(&bg_lock);
		return NULL;
	}
	struct sgc_cache *c = sgc_cache_get();
	struct bg_wait w = { 0, 0, 0 };
	for (;;) {
		/* Idle, the sweeper holds nothing of the heap: it waits as a
		 * blocked thread, which no collection signals.  (A stop signal
		 * must not find it in pthread_cond_wait anyway: ThreadSanitizer
		 * runs the handler there, in a blocking call, even while its
		 * own allocator's lock is held, and other threads then wait
		 * for that lock instead of answering the stop.) */
		if (!w.arrived) {
			w.timeout_ns = 0;
			GC_do_blocking(wait_for_cycle, &w);
		}
		if (sgc_config.background == SGC_BACKGROUND_SCAVENGE) {
			/* The allocators sweep while they allocate.  If no cycle
			 * follows within SGC_QUIET_SWEEP_NS, the program has gone
			 * quiet: sweep the rest, so that the memory of its
			 * garbage can go back to the system too. */
			sgc_critical_enter(c);
			scavenge_excess();
			sgc_critical_leave(c);
			w.timeout_ns = SGC_QUIET_SWEEP_NS;
			GC_do_blocking(wait_for_cycle, &w);
			if (w.arrived)
				continue;
		}
		w.arrived = 0;
		for (unsigned n = 1;; n++) {
			sgc_critical_enter(c);
			size_t pages = sgc_sweep_one();
			sgc_critical_leave(c);
			if (!pages)
				break;
			sgc_fetch_add(&tally_background, 1);
			if (n % 32 == 0) /* mutators first */
				sched_yield();
		}
		sgc_critical_enter(c);
		scavenge_excess();
		sgc_critical_leave(c);
	}
	return NULL;
}

void sgc_sweep_start_background(void)
{
	sgc_lock_stoppable(&bg_lock);
	if (!bg_started) {
		pthread_t t;
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		if (pthread_create(&t, NULL, bg_main, NULL) == 0) {
			pthread_detach(t);
			bg_started = 1;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_mutex_unlock(&bg_lock);
}

void sgc_sweep_background(void)
{
	/* Inside a critical section: a GC_suspend_thread that signals this
	 * thread while it holds bg_lock takes effect once it has let go, as
	 * a suspended holder would block every later collection. */
	struct sgc_cache *c = sgc_tls_cache;
	if (c)
		sgc_critical_enter(c);
	sgc_lock_stoppable(&bg_lock);
	bg_gen++;
	/* A thread waiting on its quiet timer sees the cycle when the timer
	 * ends (it only needs to know that one came); waking it for each
	 * cycle of a program that collects every 100 us cost a tenth of
	 * alloc_rate's time in futex calls.  Wake it at once when it waits
	 * with no timeout, and otherwise at most every SGC_BG_WAKE_NS, so
	 * that it still returns memory soon after a cycle. */
	uint64_t now = sgc_os_nanotime();
	if (bg_idle || now - bg_woken_ns >= SGC_BG_WAKE_NS) {
		bg_woken_ns = now;
		pthread_cond_signal(&bg_wake);
	}
	pthread_mutex_unlock(&bg_lock);
	if (c)
		sgc_critical_leave(c);
}

void sgc_sweep_fork_child(void)
{
	pthread_mutex_init(&bg_lock, NULL);
	pthread_cond_init(&bg_wake, NULL);
	bg_started = 0;
	bg_idle = 0;
}
