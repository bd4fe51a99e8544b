/*
 * mark.h: the mark phase.
 *
 * With the world stopped, marks every object reachable from the roots:
 * static data and added roots (roots.h), the stacks and registers of the
 * threads (thread.h), and every allocated object of an uncollectable kind.
 * Each word that find_object accepts sets the object's bit in its span's
 * gcmarks and the span's bit in page_marks; objects of scanned kinds
 * go on the mark stack.  The mark stack is a chain of segments from the
 * system, reused across markers and cycles and trimmed after a cycle
 * that needed far more than usual (mark.c); when no segment can be had,
 * the object stays marked but unscanned and the phase rescans the marked
 * heap afterwards, so overflow never loses work.  Nothing recurses on the C stack.  Marking runs on
 * GC_MARKERS markers (default: one per CPU), sharing work (see mark.c).
 *
 * Objects of client kinds (kinds.h) are scanned as their span's mark
 * descriptor says; mark procedures run on any marker.  The push side of
 * gc_mark.h (GC_mark_and_push, GC_push_all and friends, the mark-bit
 * calls) and GC_push_other_roots, called with the other roots, live in
 * mark.c: they act on the calling marker's stack.
 *
 * Kinds registered with mark_from_all (gc_disclaim.h) have the contents of
 * every allocated object pushed, reachable or not.  The finalizers' roots
 * (client data, objects queued for finalization, strong toggle-refs) are
 * marked with the other roots (finalize.h).
 *
 * Locks: called by the collector with the world stopped; takes the central
 * locks to walk uncollectable spans.
 */
#ifndef SGC_MARK_H
#define SGC_MARK_H

#ifndef SGC_BUILDING
#error "src/mark.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "span.h"

/* bdwgc's mark-stack entry, as mark procedures see it (opaque to them):
 * an address and a mark descriptor. */
struct GC_ms_entry {
	void *mse_start;
	uintptr_t mse_descr;
};

/* Outside a mark phase, the push calls of gc_mark.h (GC_push_all and its
 * variants, GC_mark_and_push) abort, unless the calling thread has set
 * this: then each range they are given goes to it instead, and
 * GC_mark_and_push's single word as (word, 0).  The back-pointer search uses it to run
 * the client's root callback with the world stopped. */
SGC_HIDDEN extern __thread void (*sgc_push_redirect)(uintptr_t lo,
						     uintptr_t hi);

struct sgc_mark_result {
	size_t live_scanned;  /* bytes of marked objects of scanned kinds */
	size_t live_ptrfree;  /* bytes of marked pointer-free objects */
	size_t live_objects;
	size_t roots_bytes;   /* bytes of static data and roots scanned */
	size_t stack_bytes;
	unsigned overflows;   /* rescans forced by mark-stack overflow */
};

/* Test knob: the most mark-stack segments that may exist at once (0 = no
 * limit).  Lower it to exercise the overflow path. */
SGC_HIDDEN extern size_t sgc_mark_segment_limit;
/* Test knob: the most spans a marker's span queue may hold (0 = no
 * limit); past it, objects are pushed one by one.  sgc_mark_spanq_refused
 * counts the times a queue could not grow (atomic). */
SGC_HIDDEN extern size_t sgc_mark_spanq_limit;
SGC_HIDDEN extern sgc_atomic_word sgc_mark_spanq_refused;

/* Mark-stack segments in existence (in use or kept for reuse), and the
 * most in use at once during the last cycle. */
SGC_HIDDEN size_t sgc_mark_segments(void);
SGC_HIDDEN size_t sgc_mark_last_peak(void);

/* The whole mark phase.  World stopped, sweeping finished, caches flushed;
 * helper markers started beforehand (sgc_mark_start_helpers). */
SGC_HIDDEN void sgc_mark_phase(struct sgc_mark_result *out);

/* Mark the object at or around w, as a root would (for tests). */
SGC_HIDDEN void sgc_mark_word(uintptr_t w);

/* Scan [lo, hi) for pointers now, as roots are scanned. */
SGC_HIDDEN void sgc_mark_range(uintptr_t lo, uintptr_t hi);

/* Empty the mark stack. */
SGC_HIDDEN void sgc_mark_drain(void);

/* Parallel marking: markers wanted (0: one per CPU), helper threads
 * running, starting them, and forgetting them in a fork child. */
SGC_HIDDEN void sgc_mark_set_markers(unsigned n);
SGC_HIDDEN void sgc_mark_init(void);
SGC_HIDDEN unsigned sgc_mark_helpers(void);

/* How many markers the last mark phase used: the helpers join only when
 * the mark before found SGC_PARALLEL_MARK_MIN_LIVE or more live data. */
SGC_HIDDEN unsigned sgc_mark_last_markers(void);
SGC_HIDDEN void sgc_mark_start_helpers(void);
SGC_HIDDEN void sgc_mark_fork_child(void);

/* Whether the object at base is marked. */
SGC_HIDDEN int sgc_mark_is_marked(const struct sgc_obj *o);

/*
 * Serial marking after sgc_mark_phase, world still stopped (finalization,
 * finalize.h).  What these mark is counted apart and added to the cycle's
 * figures by sgc_mark_take_extra.
 */
/* Set o's mark bit without scanning it; 1 when it was clear. */
SGC_HIDDEN int sgc_mark_set_bit(const struct sgc_obj *o);
/* Queue o's contents for scanning without marking o; with skip_self,
 * words pointing into o itself are ignored. */
SGC_HIDDEN void sgc_mark_contents(const struct sgc_obj *o, int skip_self);
/* Scan everything queued, overflow included. */
SGC_HIDDEN void sgc_mark_complete(void);
/* Add what was marked since the phase to out. */
SGC_HIDDEN void sgc_mark_take_extra(struct sgc_mark_result *out);

#endif /* SGC_MARK_H */
