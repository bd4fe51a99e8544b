/*
 * central.h: one central free list per span class (Go's mcentral).
 *
 * A central owns the in-use spans of its class that no thread has cached,
 * in four lists: partial (with free slots) and full, each split into swept
 * and unswept for the current sweepgen.  Like Go, the split is an array
 * of two indexed by sweepgen / 2 % 2, so that bumping sweepgen by 2 turns
 * every swept list into an unswept one without touching a span.
 *
 * Locks: each central's lock guards its lists and the next/prev/on_list
 * fields of the spans on them.  Order: central lock -> heap lock; never two
 * central locks at once.
 */
#ifndef SGC_CENTRAL_H
#define SGC_CENTRAL_H

#ifndef SGC_BUILDING
#error "src/central.h is internal to spangc; include <gc.h> instead"
#endif

#include <pthread.h>
#include "span.h"

struct sgc_span_list {
	struct sgc_span *head;
	size_t n;
};

struct sgc_central {
	pthread_mutex_t lock;
	struct sgc_span_list partial[2], full[2];
};

/* Statically initialised, and all zeros where PTHREAD_MUTEX_INITIALIZER
 * is (glibc): the array then lies in .bss, and a program touches only
 * the centrals of the classes it uses, not 1,088 of them at start-up. */
SGC_HIDDEN extern struct sgc_central sgc_centrals[SGC_NUM_SPAN_CLASSES];

/* The span class of central c. */
static inline unsigned sgc_central_class(const struct sgc_central *c)
{
	return (unsigned)(c - sgc_centrals);
}

static inline struct sgc_span_list *sgc_central_partial_swept(
	struct sgc_central *c, uintptr_t sg)
{
	return &c->partial[sg / 2 % 2];
}

static inline struct sgc_span_list *sgc_central_partial_unswept(
	struct sgc_central *c, uintptr_t sg)
{
	return &c->partial[1 - sg / 2 % 2];
}

static inline struct sgc_span_list *sgc_central_full_swept(
	struct sgc_central *c, uintptr_t sg)
{
	return &c->full[sg / 2 % 2];
}

static inline struct sgc_span_list *sgc_central_full_unswept(
	struct sgc_central *c, uintptr_t sg)
{
	return &c->full[1 - sg / 2 % 2];
}

/* List operations; the central's lock held. */
SGC_HIDDEN void sgc_span_list_push(struct sgc_span_list *l, struct sgc_span *s);
SGC_HIDDEN void sgc_span_list_remove(struct sgc_span_list *l,
				     struct sgc_span *s);
SGC_HIDDEN struct sgc_span *sgc_span_list_pop(struct sgc_span_list *l);

/* A swept span of c's class with a free slot, claimed for the calling
 * cache (sweepgen h + 3), growing the heap if needed; NULL when no memory
 * can be had. */
SGC_HIDDEN struct sgc_span *sgc_central_cache_span(struct sgc_central *c);

/* Give back a span that a cache held. */
SGC_HIDDEN void sgc_central_uncache_span(struct sgc_central *c,
					 struct sgc_span *s);

/* Put a span that the caller has just swept (sweepgen h) on the swept
 * list that fits it. */
SGC_HIDDEN void sgc_central_put_swept(struct sgc_central *c,
				      struct sgc_span *s);

/* Unlink a claimed span from whichever list holds it, if any. */
SGC_HIDDEN void sgc_central_unlink(struct sgc_central *c, struct sgc_span *s);

#endif /* SGC_CENTRAL_H */
