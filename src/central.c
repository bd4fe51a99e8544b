/*
 * central.c: central free lists (see central.h).
 *
 * Departure from Go: Go's mcentral keeps lock-free span sets that drop
 * stale entries lazily.  spangc uses intrusive doubly-linked lists under
 * one lock per central: a span knows its list (on_list), so the page
 * reclaimer and GC_free can unlink it at once, and the heap verifier can
 * check that every span is on exactly one list.  The lock is taken once
 * per span handed to a cache, not per object.
 */
#include "central.h"
#include "heap.h"
#include "pacer.h"
#include "sweep.h"

struct sgc_central sgc_centrals[SGC_NUM_SPAN_CLASSES] = {
	[0 ... SGC_NUM_SPAN_CLASSES - 1] = {
		.lock = PTHREAD_MUTEX_INITIALIZER
	}
};

void sgc_span_list_push(struct sgc_span_list *l, struct sgc_span *s)
{
	SGC_ASSERT(s->on_list == NULL);
	s->prev = NULL;
	s->next = l->head;
	if (l->head)
		l->head->prev = s;
	l->head = s;
	s->on_list = l;
	l->n++;
}

void sgc_span_list_remove(struct sgc_span_list *l, struct sgc_span *s)
{
	SGC_ASSERT(s->on_list == l);
	if (s->prev)
		s->prev->next = s->next;
	else
		l->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->on_list = NULL;
	l->n--;
}

struct sgc_span *sgc_span_list_pop(struct sgc_span_list *l)
{
	struct sgc_span *s = l->head;
	if (s)
		sgc_span_list_remove(l, s);
	return s;
}

void sgc_central_unlink(struct sgc_central *c, struct sgc_span *s)
{
	pthread_mutex_lock(&c->lock);
	if (s->on_list)
		sgc_span_list_remove(s->on_list, s);
	pthread_mutex_unlock(&c->lock);
}

void sgc_central_put_swept(struct sgc_central *c, struct sgc_span *s)
{
	uintptr_t sg = sgc_heap_sweepgen();
	pthread_mutex_lock(&c->lock);
	if (s->alloc_count < s->nelems)
		sgc_span_list_push(sgc_central_partial_swept(c, sg), s);
	else
		sgc_span_list_push(sgc_central_full_swept(c, sg), s);
	pthread_mutex_unlock(&c->lock);
}

/* Pop an unswept span from l and sweep it for the caller.  Returns the
 * span (kept, sweepgen h) if it has a free slot; spans found full go to
 * the full swept list; spans the sweep freed are gone.  Lock held on
 * entry and exit, dropped while sweeping. */
static struct sgc_span *take_unswept(struct sgc_central *c,
				     struct sgc_span_list *l, uintptr_t sg,
				     int *again)
{
	*again = 0;
	struct sgc_span *s = sgc_span_list_pop(l);
	if (!s)
		return NULL;
	*again = 1;
	if (!sgc_cas(&s->sweepgen, sg - 2, sg - 1))
		return NULL; /* the reclaimer or a sweeper has it */
	pthread_mutex_unlock(&c->lock);
	int kept = sgc_sweep_span(s);
	pthread_mutex_lock(&c->lock);
	if (!kept)
		return NULL;
	if (s->alloc_count < s->nelems)
		return s;
	sgc_span_list_push(sgc_central_full_swept(c, sg), s);
	return NULL;
}

struct sgc_span *sgc_central_cache_span(struct sgc_central *c)
{
	uintptr_t sg = sgc_heap_sweepgen();
	struct sgc_span *s;
	int again;
	pthread_mutex_lock(&c->lock);
	s = sgc_span_list_pop(sgc_central_partial_swept(c, sg));
	/* Sweep up to a bounded number of unswept spans before growing, as
	 * Go does, so a class full of garbage does not grow the heap. */
	for (int budget = 100; !s && budget > 0; budget--) {
		s = take_unswept(c, sgc_central_partial_unswept(c, sg), sg,
				 &again);
		if (!s && !again)
			s = take_unswept(c, sgc_central_full_unswept(c, sg), sg,
					 &again);
		if (!s && !again)
			break;
	}
	pthread_mutex_unlock(&c->lock);
	if (!s) {
		int needzero;
		unsigned spc = sgc_central_class(c);
		unsigned sc = sgc_spanclass_sizeclass(spc);
		s = sgc_heap_alloc_span(sgc_class_npages(sc), spc,
					sgc_pacer_may_grow(), &needzero);
		if (!s)
			return NULL;
	}
	sgc_store_release(&s->sweepgen, sg + 3);
	return s;
}

void sgc_central_uncache_span(struct sgc_central *c, struct sgc_span *s)
{
	uintptr_t sg = sgc_heap_sweepgen();
	SGC_ASSERT(sgc_load_relaxed(&s->sweepgen) == sg + 3);
	sgc_store_release(&s->sweepgen, sg);
	sgc_central_put_swept(c, s);
}
