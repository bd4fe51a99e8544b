/*
 * mark.c: the mark phase (see mark.h).
 */
#include <string.h>
#include <gc/gc.h>
#include "central.h"
#include "heap.h"
#include "mark.h"
#include "os.h"
#include "roots.h"
#include "thread.h"

struct entry {
	uintptr_t start, len;
};

struct segment {
	struct segment *prev;
	size_t n;
	struct entry e[SGC_MARK_SEGMENT_ENTRIES];
};

size_t sgc_mark_segment_limit;

static struct segment *top, *spare;
static size_t nsegments;
static int overflowed;
static int interior;
static uintptr_t heap_lo, heap_hi;
static struct sgc_mark_result res;

static void push(uintptr_t start, uintptr_t len)
{
	struct segment *s = top;
	if (SGC_UNLIKELY(!s || s->n == SGC_MARK_SEGMENT_ENTRIES)) {
		struct segment *t = spare;
		if (t) {
			spare = t->prev;
		} else if (!sgc_mark_segment_limit ||
			   nsegments < sgc_mark_segment_limit) {
			t = sgc_os_alloc(sizeof *t);
			if (t)
				nsegments++;
		}
		if (!t) {
			/* The object stays marked; the rescan finds it. */
			overflowed = 1;
			return;
		}
		t->prev = s;
		t->n = 0;
		top = s = t;
	}
	s->e[s->n].start = start;
	s->e[s->n].len = len;
	s->n++;
}

static int pop(struct entry *out)
{
	struct segment *s = top;
	while (s && s->n == 0) {
		top = s->prev;
		s->prev = spare;
		spare = s;
		s = top;
	}
	if (!s)
		return 0;
	*out = s->e[--s->n];
	return 1;
}

/* Set o's mark bit; 1 when it was clear.  Marks the span's page too. */
static inline int set_mark(const struct sgc_obj *o)
{
	struct sgc_span *s = o->span;
	sgc_atomic_word *w = (sgc_atomic_word *)&s->gcmark_bits[o->index / 64];
	uintptr_t bit = (uintptr_t)1 << (o->index % 64);
	uintptr_t old = sgc_load_relaxed(w);
	do {
		if (old & bit)
			return 0;
	} while (!sgc_cas(w, old, old | bit) && ((old = sgc_load_relaxed(w)), 1));
	struct sgc_heap_arena *ha = sgc_arena_of(s->start);
	uintptr_t pg = sgc_arena_page_index(s->start);
	if (!sgc_bitmap_test(ha->page_marks, pg))
		sgc_bitmap_set(ha->page_marks, pg);
	return 1;
}

static inline void mark_object(const struct sgc_obj *o)
{
	if (!set_mark(o))
		return;
	uintptr_t size = sgc_span_elem_bytes(o->span);
	res.live_objects++;
	if (o->span->scanned) {
		res.live_scanned += size;
		push(o->base, size);
	} else {
		res.live_ptrfree += size;
	}
}

void sgc_mark_word(uintptr_t w)
{
	struct sgc_obj o;
	if (w - heap_lo >= heap_hi - heap_lo)
		return;
	if (sgc_find_object(w, interior, &o))
		mark_object(&o);
}

/* Scanning reads whatever the range holds, redzones of instrumented
 * frames included: keep the sanitizers out of it. */
SGC_NO_SANITIZE void sgc_mark_range(uintptr_t lo, uintptr_t hi)
{
	uintptr_t lo_h = heap_lo, span = heap_hi - heap_lo;
	lo = sgc_round_up(lo, sizeof(void *));
	for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *)) {
		uintptr_t w = *(const uintptr_t *)p;
		if (w - lo_h < span)
			sgc_mark_word(w);
	}
}

void sgc_mark_drain(void)
{
	struct entry e;
	while (pop(&e)) {
		if (e.len > SGC_MARK_CHUNK_BYTES) {
			/* Split large objects so the stack stays shallow and,
			 * later, parallel markers can share the pieces. */
			push(e.start + SGC_MARK_CHUNK_BYTES,
			     e.len - SGC_MARK_CHUNK_BYTES);
			e.len = SGC_MARK_CHUNK_BYTES;
		}
		sgc_mark_range(e.start, e.start + e.len);
	}
}

int sgc_mark_is_marked(const struct sgc_obj *o)
{
	return sgc_bit(o->span->gcmark_bits, o->index);
}

/* Mark every allocated object of the spans on list l. */
static void mark_all_on(struct sgc_span_list *l)
{
	for (struct sgc_span *s = l->head; s; s = s->next) {
		for (uint32_t i = 0; i < s->nelems; i++) {
			if (!sgc_span_is_allocated(s, i))
				continue;
			struct sgc_obj o = { s, s->start + (uintptr_t)i *
						s->elem_size, i };
			mark_object(&o);
		}
		sgc_mark_drain();
	}
}

static void mark_uncollectable(void)
{
	for (unsigned k = 0; k < SGC_MAX_KINDS; k++) {
		if (!sgc_kinds[k].in_use || !sgc_kinds[k].uncollectable)
			continue;
		for (unsigned sc = 0; sc < SGC_NUM_SIZE_CLASSES; sc++) {
			struct sgc_central *c = &sgc_centrals[sgc_spanclass(k, sc)];
			pthread_mutex_lock(&c->lock);
			for (int j = 0; j < 2; j++) {
				mark_all_on(&c->partial[j]);
				mark_all_on(&c->full[j]);
			}
			pthread_mutex_unlock(&c->lock);
		}
	}
}

/* After an overflow: scan every marked object of a scanned kind again,
 * which pushes whatever it reaches that is still unmarked. */
static void rescan_marked(void)
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
			if (!sgc_bit(s->gcmark_bits, i))
				continue;
			uintptr_t base = s->start + (uintptr_t)i * s->elem_size;
			push(base, size);
			sgc_mark_drain();
		}
	}
}

static void root_range(uintptr_t lo, uintptr_t hi)
{
	sgc_mark_range(lo, hi);
	sgc_mark_drain();
}

static void stack_range(uintptr_t lo, uintptr_t hi)
{
	res.stack_bytes += hi - lo;
	root_range(lo, hi);
}

void sgc_mark_phase(struct sgc_mark_result *out)
{
	memset(&res, 0, sizeof res);
	overflowed = 0;
	interior = GC_all_interior_pointers != 0;
	heap_lo = sgc_heap.base;
	heap_hi = __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE);
	/* Forget the last cycle's page marks. */
	for (uintptr_t a = heap_lo; a < heap_hi; a += SGC_ARENA_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		memset((void *)ha->page_marks, 0, sizeof ha->page_marks);
	}
	res.roots_bytes = sgc_roots_for_each(root_range);
	sgc_thread_scan_current(stack_range);
	mark_uncollectable();
	sgc_mark_drain();
	while (overflowed) {
		overflowed = 0;
		res.overflows++;
		rescan_marked();
	}
	*out = res;
}
