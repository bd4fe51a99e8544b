/*
 * finalize.c: finalizers, disappearing links, toggle-refs and disclaim
 * procedures (see finalize.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gc/gc.h>
#include <gc/gc_disclaim.h>
#include <gc/javaxfc.h>
#include "arena.h"
#include "finalize.h"
#include "heap.h"
#include "init.h"
#include "malloc.h"
#include "span.h"
#include "thread.h"

/* ---- State (world lock, unless marked otherwise) ---- */

enum { FIN_NORMAL, FIN_IGNORE_SELF, FIN_NO_ORDER, FIN_UNREACHABLE };

struct fin {
	uint32_t index;          /* the object's index in its span */
	uint8_t mode;            /* FIN_* */
	uint8_t candidate;       /* scratch of the finalization pass */
	uint8_t displaced;       /* registered one word past the start, on
				  * a kind with a header word: the client's
				  * pointer, which the finalizer gets */
	GC_finalization_proc fn;
	void *cd;
};

/* A span's finalizers, sorted by index. */
struct specials {
	struct specials *next_empty; /* on empty_tables, to be freed */
	uint32_t n, cap;
	struct fin f[];
};

struct queued {
	uintptr_t obj;
	GC_finalization_proc fn;
	void *cd;
};

struct link {
	uintptr_t at;  /* the link's address; 0: empty slot */
	uintptr_t obj; /* the object whose death clears it */
};

/* Open addressing, linear probing, backward-shift deletion, so that
 * removing during a cycle never allocates. */
struct linktab {
	struct link *e;
	size_t cap, n; /* cap: 0 or a power of two */
};

struct toggle {
	uintptr_t obj;
	int strong;
};

int GC_finalize_on_demand;
int GC_java_finalization = 1;
GC_finalizer_notifier_proc GC_finalizer_notifier;

static size_t nfin;                 /* registered finalizers */
static struct queued *queue;        /* ring: capacity >= nfin + qlen */
static size_t qhead, qlen, qcap;
static size_t qlen_at_mark;         /* to tell the await procedure */
sgc_atomic_word sgc_finalize_queued; /* atomic copy of qlen */
static struct specials *empty_tables;
static struct linktab short_links, long_links;
static struct toggle *toggles;
static size_t ntoggles, toggles_cap;
static GC_toggleref_func toggleref_fn;
static GC_await_finalize_proc await_proc;
static GC_word bytes_per_finalizer = 10000;
static GC_word last_notified = (GC_word)-1;
static sgc_atomic_word finalized_kind = (sgc_atomic_word)-1; /* atomic */
static __thread int running_finalizers;

/* ---- Small helpers ---- */

static void set_out(GC_finalization_proc *ofn, void **ocd,
		    GC_finalization_proc fn, void *cd)
{
	if (ofn)
		*ofn = fn;
	if (ocd)
		*ocd = cd;
}

static uintptr_t fin_base(const struct sgc_span *s, const struct fin *f)
{
	return s->start + (uintptr_t)f->index * s->elem_size;
}

/* The pointer the client registered, which the finalizer gets. */
static uintptr_t fin_client(const struct sgc_span *s, const struct fin *f)
{
	return fin_base(s, f) + (f->displaced ? sizeof(void *) : 0);
}

static struct sgc_obj fin_obj(struct sgc_span *s, const struct fin *f)
{
	struct sgc_obj o = { s, fin_base(s, f), f->index };
	return o;
}

/* Whether the object that starts at p is marked; a freed one is not. */
static int obj_marked(uintptr_t p)
{
	struct sgc_obj o;
	return sgc_find_object(p, 0, &o) && sgc_mark_is_marked(&o);
}

/* Whether the object a link or a toggle-ref names is alive after a mark:
 * marked, or outside the heap (never collected: bdwgc accepts links to
 * static objects). */
static int obj_alive(uintptr_t p)
{
	if (!sgc_heap_contains(p) || !sgc_arena_of(p))
		return 1;
	return obj_marked(p);
}

/* The object that p names, or an abort naming the call: p is its first
 * byte or, on a kind whose objects have a header word (GC_finalized_malloc
 * and GC_register_displacement's use), the word after it, the pointer the
 * client holds; *displaced says which.  (bdwgc takes any pointer into the
 * object's first granule, and misbehaves past it: finalizing a live
 * object, clearing a live object's links.) */
static void require_object_displaced(const char *call, const void *p,
				     struct sgc_obj *o, int *displaced)
{
	int found = sgc_find_client_object(p, o);
	*displaced = found && o->span->header_word &&
		     (uintptr_t)p == o->base + sizeof(void *);
	if (!*displaced)
		sgc_require_base(call, p, found, o);
}

static void require_object(const char *call, const void *p,
			   struct sgc_obj *o)
{
	int displaced;
	require_object_displaced(call, p, o, &displaced);
}

/* Call fn on every span with specials. */
static void for_each_special_span(void (*fn)(struct sgc_span *))
{
	uintptr_t hi = __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE);
	for (uintptr_t a = sgc_heap.base; a < hi; a += SGC_ARENA_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		if (!ha)
			continue;
		for (size_t w = 0; w < SGC_ARENA_BITMAP_WORDS; w++) {
			uint64_t bits = sgc_load_relaxed(&ha->page_specials[w]);
			while (bits) {
				unsigned b = (unsigned)__builtin_ctzll(bits);
				bits &= bits - 1;
				fn(ha->spans[w * 64 + b]);
			}
		}
	}
}

static void set_specials_bit(struct sgc_span *s, int on)
{
	struct sgc_heap_arena *ha = sgc_arena_of(s->start);
	uintptr_t pg = sgc_arena_page_index(s->start);
	if (on)
		sgc_bitmap_set(ha->page_specials, pg);
	else
		sgc_bitmap_clear(ha->page_specials, pg);
}

/* Detach an empty table from its span.  The table is freed now, or after
 * the world restarts when the world is stopped. */
static void drop_table(struct sgc_span *s, int stopped)
{
	struct specials *sp = s->specials;
	s->specials = NULL;
	set_specials_bit(s, 0);
	if (stopped) {
		sp->next_empty = empty_tables;
		empty_tables = sp;
	} else {
		free(sp);
	}
}

/* First position in sp whose index is >= index. */
static uint32_t lower_bound(const struct specials *sp, uint32_t index)
{
	uint32_t lo = 0, hi = sp ? sp->n : 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (sp->f[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Room for n queued entries; keeps their order. */
static int queue_reserve(size_t n)
{
	if (n <= qcap)
		return 1;
	size_t cap = qcap ? qcap : 64;
	while (cap < n)
		cap *= 2;
	struct queued *q = malloc(cap * sizeof *q);
	if (!q)
		return 0;
	for (size_t i = 0; i < qlen; i++)
		q[i] = queue[(qhead + i) % qcap];
	free(queue);
	queue = q;
	qcap = cap;
	qhead = 0;
	return 1;
}

static void queue_push(uintptr_t obj, GC_finalization_proc fn, void *cd)
{
	SGC_CHECK(qlen < qcap);
	struct queued *q = &queue[(qhead + qlen) % qcap];
	q->obj = obj;
	q->fn = fn;
	q->cd = cd;
	qlen++;
	sgc_store_relaxed(&sgc_finalize_queued, qlen);
}

/* ---- Registering finalizers ---- */

static void register_finalizer(const char *call, void *obj,
			       GC_finalization_proc fn, void *cd,
			       GC_finalization_proc *ofn, void **ocd, int mode)
{
	sgc_ensure_init();
	/* bdwgc: an object outside the heap is never collected, so its
	 * finalizer would never run; the request is ignored. */
	if (!sgc_span_of_heap((uintptr_t)obj)) {
		set_out(ofn, ocd, NULL, NULL);
		return;
	}
	struct sgc_obj o;
	int displaced;
	require_object_displaced(call, obj, &o, &displaced);
	sgc_world_lock_acquire();
	struct sgc_span *s = o.span;
	struct specials *sp = s->specials;
	uint32_t pos = lower_bound(sp, o.index);
	if (sp && pos < sp->n && sp->f[pos].index == o.index) {
		struct fin *f = &sp->f[pos];
		set_out(ofn, ocd, f->fn, f->cd);
		if (fn) {
			f->fn = fn;
			f->cd = cd;
			f->mode = (uint8_t)mode;
			f->displaced = (uint8_t)displaced;
		} else {
			memmove(f, f + 1, (sp->n - pos - 1) * sizeof *f);
			sp->n--;
			nfin--;
			if (sp->n == 0)
				drop_table(s, 0);
		}
		sgc_world_lock_release();
		return;
	}
	if (!fn) {
		set_out(ofn, ocd, NULL, NULL);
		sgc_world_lock_release();
		return;
	}
	if (!queue_reserve(nfin + qlen + 1))
		goto nomem;
	if (!sp || sp->n == sp->cap) {
		uint32_t cap = sp ? sp->cap * 2 : 4;
		if (cap > s->nelems)
			cap = s->nelems;
		struct specials *g = realloc(sp, sizeof *g + cap * sizeof *g->f);
		if (!g)
			goto nomem;
		if (!sp) {
			g->n = 0;
			g->next_empty = NULL;
		}
		g->cap = cap;
		sp = s->specials = g;
		set_specials_bit(s, 1);
	}
	memmove(&sp->f[pos + 1], &sp->f[pos], (sp->n - pos) * sizeof *sp->f);
	sp->f[pos] = (struct fin){ o.index, (uint8_t)mode, 0,
				   (uint8_t)displaced, fn, cd };
	sp->n++;
	nfin++;
	set_out(ofn, ocd, NULL, NULL);
	sgc_world_lock_release();
	return;
nomem:
	/* bdwgc: *ofn and *ocd stay as they were. */
	sgc_world_lock_release();
	sgc_warn("Out of memory registering a finalizer (%lu bytes)\n",
		 (uintptr_t)sizeof(struct fin));
}

void GC_register_finalizer(void *obj, GC_finalization_proc fn, void *cd,
			   GC_finalization_proc *ofn, void **ocd)
{
	register_finalizer("GC_register_finalizer", obj, fn, cd, ofn, ocd,
			   FIN_NORMAL);
}

void GC_register_finalizer_ignore_self(void *obj, GC_finalization_proc fn,
				       void *cd, GC_finalization_proc *ofn,
				       void **ocd)
{
	register_finalizer("GC_register_finalizer_ignore_self", obj, fn, cd,
			   ofn, ocd, FIN_IGNORE_SELF);
}

void GC_register_finalizer_no_order(void *obj, GC_finalization_proc fn,
				    void *cd, GC_finalization_proc *ofn,
				    void **ocd)
{
	register_finalizer("GC_register_finalizer_no_order", obj, fn, cd, ofn,
			   ocd, FIN_NO_ORDER);
}

void GC_register_finalizer_unreachable(void *obj, GC_finalization_proc fn,
				       void *cd, GC_finalization_proc *ofn,
				       void **ocd)
{
	register_finalizer("GC_register_finalizer_unreachable", obj, fn, cd,
			   ofn, ocd, FIN_UNREACHABLE);
}

void sgc_finalize_forget(uintptr_t p)
{
	struct sgc_obj o;
	if (!sgc_find_client_object((const void *)p, &o) || o.base != p)
		return; /* GC_free reports it */
	sgc_world_lock_acquire();
	struct specials *sp = o.span->specials;
	uint32_t pos = lower_bound(sp, o.index);
	if (sp && pos < sp->n && sp->f[pos].index == o.index) {
		memmove(&sp->f[pos], &sp->f[pos + 1],
			(sp->n - pos - 1) * sizeof *sp->f);
		sp->n--;
		nfin--;
		if (sp->n == 0)
			drop_table(o.span, 0);
	}
	sgc_world_lock_release();
}

/* ---- Running finalizers ---- */

int GC_should_invoke_finalizers(void)
{
	return sgc_load_relaxed(&sgc_finalize_queued) != 0;
}

int GC_invoke_finalizers(void)
{
	int count = 0;
	while (sgc_load_relaxed(&sgc_finalize_queued)) {
		sgc_world_lock_acquire();
		if (qlen == 0) {
			sgc_world_lock_release();
			break;
		}
		/* Once off the queue, the object is kept alive by this frame
		 * (q is on the stack or in registers) until fn returns. */
		struct queued q = queue[qhead];
		qhead = (qhead + 1) % qcap;
		qlen--;
		sgc_store_relaxed(&sgc_finalize_queued, qlen);
		sgc_world_lock_release();
		q.fn((void *)q.obj, q.cd);
		count++;
		GC_reachable_here(q.obj);
	}
	return count;
}

void sgc_finalize_safe_point(void)
{
	if (SGC_LIKELY(!sgc_load_relaxed(&sgc_finalize_queued)))
		return;
	if (__atomic_load_n(&GC_finalize_on_demand, __ATOMIC_RELAXED)) {
		GC_finalizer_notifier_proc fn = NULL;
		GC_word no = GC_get_gc_no();
		sgc_world_lock_acquire();
		if (last_notified != no) {
			last_notified = no;
			fn = __atomic_load_n(&GC_finalizer_notifier,
					     __ATOMIC_RELAXED);
		}
		sgc_world_lock_release();
		if (fn)
			fn();
		return;
	}
	/* Not from inside a finalizer of this thread (it may allocate), nor
	 * with the allocation lock held (GC_call_with_alloc_lock). */
	if (running_finalizers || sgc_world_held())
		return;
	running_finalizers = 1;
	GC_invoke_finalizers();
	running_finalizers = 0;
}

/* Queue every registered finalizer's object, reachable or not. */
static void enqueue_all_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++)
		queue_push(fin_client(s, &sp->f[i]), sp->f[i].fn, sp->f[i].cd);
	nfin -= sp->n;
	sp->n = 0;
	drop_table(s, 0);
}

void GC_finalize_all(void)
{
	sgc_ensure_init();
	for (;;) {
		sgc_world_lock_acquire();
		size_t n = nfin;
		if (n)
			for_each_special_span(enqueue_all_span);
		sgc_world_lock_release();
		if (!n)
			break;
		GC_invoke_finalizers();
	}
	GC_invoke_finalizers();
}

/* ---- The cycle ---- */

static void mark_roots_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++)
		sgc_mark_word((uintptr_t)sp->f[i].cd);
}

void sgc_finalize_mark_roots(void)
{
	if (nfin)
		for_each_special_span(mark_roots_span);
	for (size_t i = 0; i < qlen; i++) {
		const struct queued *q = &queue[(qhead + i) % qcap];
		sgc_mark_word(q->obj);
		sgc_mark_word((uintptr_t)q->cd);
	}
	for (size_t i = 0; i < ntoggles; i++)
		if (toggles[i].strong)
			sgc_mark_word(toggles[i].obj);
}

static void (*visit_fn)(uintptr_t, uintptr_t, int); /* world lock */

static void visit_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++) {
		const struct fin *f = &sp->f[i];
		visit_fn(fin_base(s, f), (uintptr_t)f->cd,
			 f->mode == FIN_NO_ORDER ? SGC_FIN_NO_ORDER :
						   SGC_FIN_ORDERED);
	}
}

void sgc_finalize_for_each(void (*fn)(uintptr_t obj, uintptr_t cd, int what))
{
	for (size_t i = 0; i < qlen; i++) {
		const struct queued *q = &queue[(qhead + i) % qcap];
		fn(q->obj, (uintptr_t)q->cd, SGC_FIN_QUEUED);
	}
	visit_fn = fn;
	if (nfin)
		for_each_special_span(visit_span);
	visit_fn = NULL;
}

/* Step 2: mark from each unmarked finalizable object. */
static void mark_from_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++) {
		struct fin *f = &sp->f[i];
		struct sgc_obj o = fin_obj(s, f);
		f->candidate = 0;
		if (sgc_mark_is_marked(&o) || f->mode == FIN_NO_ORDER)
			continue;
		sgc_mark_contents(&o, f->mode == FIN_IGNORE_SELF);
		sgc_mark_complete();
		if (sgc_mark_is_marked(&o))
			sgc_warn("Finalization cycle involving %p\n", o.base);
	}
}

/* Step 3a: what is still unmarked is a candidate. */
static void pick_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++) {
		struct sgc_obj o = fin_obj(s, &sp->f[i]);
		sp->f[i].candidate = !sgc_mark_is_marked(&o);
	}
}

/* Step 3b, Java-style: no-order candidates keep what they reference.
 * (bdwgc also marks each candidate here; enqueue_span does that.) */
static void java_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++) {
		struct fin *f = &sp->f[i];
		struct sgc_obj o = fin_obj(s, f);
		if (!f->candidate || sgc_mark_is_marked(&o))
			continue;
		if (f->mode == FIN_NO_ORDER) {
			sgc_mark_contents(&o, 0);
			sgc_mark_complete();
		}
	}
}

/* Step 3c: queue the candidates and mark them.  With Java-style
 * finalization, an unreachable-finalizer object that a no-order object
 * reaches stays registered. */
static void enqueue_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	uint32_t keep = 0;
	for (uint32_t i = 0; i < sp->n; i++) {
		struct fin *f = &sp->f[i];
		struct sgc_obj o = fin_obj(s, f);
		int queue_it = f->candidate;
		if (queue_it && GC_java_finalization &&
		    f->mode == FIN_UNREACHABLE && sgc_mark_is_marked(&o))
			queue_it = 0;
		if (!queue_it) {
			sp->f[keep++] = *f;
			continue;
		}
		sgc_mark_set_bit(&o);
		queue_push(fin_client(s, f), f->fn, f->cd);
		nfin--;
	}
	sp->n = keep;
	if (keep == 0)
		drop_table(s, 1);
}

/* Step 1 and 4: clear the links whose object is unmarked. */
static void clear_links(struct linktab *t);
static void drop_dangling_links(struct linktab *t);

void sgc_finalize_after_mark(struct sgc_mark_result *m)
{
	qlen_at_mark = qlen;
	clear_links(&short_links);
	if (nfin) {
		for_each_special_span(mark_from_span);
		for_each_special_span(pick_span);
		if (GC_java_finalization)
			for_each_special_span(java_span);
		for_each_special_span(enqueue_span);
	}
	drop_dangling_links(&short_links);
	clear_links(&long_links);
	drop_dangling_links(&long_links);
	size_t keep = 0;
	for (size_t i = 0; i < ntoggles; i++)
		if (toggles[i].strong || obj_alive(toggles[i].obj))
			toggles[keep++] = toggles[i];
	ntoggles = keep;
	sgc_mark_take_extra(m);
}

void sgc_finalize_after_world(void)
{
	while (empty_tables) {
		struct specials *sp = empty_tables;
		empty_tables = sp->next_empty;
		free(sp);
	}
	if (await_proc)
		for (size_t i = qlen_at_mark; i < qlen; i++)
			await_proc((void *)queue[(qhead + i) % qcap].obj);
	qlen_at_mark = qlen;
}

/* ---- Disappearing links ---- */

static size_t link_hash(uintptr_t at, size_t cap)
{
	return (size_t)(((uint64_t)(at >> 3) * 0x9E3779B97F4A7C15ull) >> 20) &
	       (cap - 1);
}

static size_t link_find(const struct linktab *t, uintptr_t at)
{
	if (!t->cap)
		return SIZE_MAX;
	for (size_t i = link_hash(at, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->e[i].at == at)
			return i;
		if (!t->e[i].at)
			return SIZE_MAX;
	}
}

static void link_put(struct linktab *t, uintptr_t at, uintptr_t obj)
{
	size_t i = link_hash(at, t->cap);
	while (t->e[i].at)
		i = (i + 1) & (t->cap - 1);
	t->e[i].at = at;
	t->e[i].obj = obj;
	t->n++;
}

/* Room for one more entry at load 1/2 or less. */
static int link_reserve(struct linktab *t)
{
	if ((t->n + 1) * 2 <= t->cap)
		return 1;
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct link *e = calloc(cap, sizeof *e);
	if (!e)
		return 0;
	struct linktab old = *t;
	t->e = e;
	t->cap = cap;
	t->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.e[i].at)
			link_put(t, old.e[i].at, old.e[i].obj);
	free(old.e);
	return 1;
}

static void link_remove(struct linktab *t, size_t i)
{
	size_t mask = t->cap - 1;
	for (size_t j = i;;) {
		j = (j + 1) & mask;
		if (!t->e[j].at)
			break;
		size_t k = link_hash(t->e[j].at, t->cap);
		/* Entry j may move to i unless its home lies in (i, j]. */
		int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			t->e[i] = t->e[j];
			i = j;
		}
	}
	t->e[i].at = 0;
	t->n--;
}

/* Entries may be visited twice when a removal shifts one back across
 * the end of the table; both tests below are idempotent. */
static void clear_links(struct linktab *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		while (t->e[i].at && !obj_alive(t->e[i].obj)) {
			*(void **)t->e[i].at = NULL;
			link_remove(t, i);
		}
	}
}

/* A link inside a dead (or freed) object of the heap goes with it. */
static int link_dangles(uintptr_t at)
{
	struct sgc_obj o;
	if (!sgc_heap_contains(at))
		return 0;
	return !sgc_find_object(at, 1, &o) || !sgc_mark_is_marked(&o);
}

static void drop_dangling_links(struct linktab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		while (t->e[i].at && link_dangles(t->e[i].at))
			link_remove(t, i);
}

static void check_link(const char *call, void **link)
{
	if (!link || ((uintptr_t)link & (sizeof(void *) - 1)))
		sgc_fatal("%s(%p): the link must be a non-null, aligned"
			  " address", call, (void *)link);
}

static int register_link(const char *call, struct linktab *t, void **link,
			 const void *obj)
{
	struct sgc_obj o;
	check_link(call, link);
	sgc_ensure_init();
	/* bdwgc: obj is non-null and, in the heap, the start of an object.
	 * Outside the heap (a static object a runtime keeps weak references
	 * to) it is accepted and never collected, so the link is never
	 * cleared (bdwgc accepts it, then crashes in the next collection). */
	if (!obj)
		sgc_fatal("%s(%p, NULL): the object must not be NULL", call,
			  (void *)link);
	if (sgc_heap_contains((uintptr_t)obj))
		require_object(call, obj, &o);
	int rc = GC_SUCCESS;
	sgc_world_lock_acquire();
	size_t i = link_find(t, (uintptr_t)link);
	if (i != SIZE_MAX) {
		/* bdwgc: the link now names the new object. */
		t->e[i].obj = (uintptr_t)obj;
		rc = GC_DUPLICATE;
	} else if (!link_reserve(t))
		rc = GC_NO_MEMORY;
	else
		link_put(t, (uintptr_t)link, (uintptr_t)obj);
	sgc_world_lock_release();
	return rc;
}

static int unregister_link(struct linktab *t, void **link)
{
	/* Never registered (0 marks an empty slot of the table). */
	if (!link || ((uintptr_t)link & (sizeof(void *) - 1)))
		return 0;
	sgc_ensure_init();
	sgc_world_lock_acquire();
	size_t i = link_find(t, (uintptr_t)link);
	if (i != SIZE_MAX)
		link_remove(t, i);
	sgc_world_lock_release();
	return i != SIZE_MAX;
}

static int move_link(const char *call, struct linktab *t, void **link,
		     void **new_link)
{
	check_link(call, new_link);
	if (!link || ((uintptr_t)link & (sizeof(void *) - 1)))
		return GC_NOT_FOUND;
	sgc_ensure_init();
	int rc = GC_SUCCESS;
	sgc_world_lock_acquire();
	size_t i = link_find(t, (uintptr_t)link);
	if (i == SIZE_MAX) {
		rc = GC_NOT_FOUND;
	} else if (new_link != link) {
		if (link_find(t, (uintptr_t)new_link) != SIZE_MAX) {
			rc = GC_DUPLICATE;
		} else {
			uintptr_t obj = t->e[i].obj;
			link_remove(t, i);
			link_put(t, (uintptr_t)new_link, obj);
		}
	}
	sgc_world_lock_release();
	return rc;
}

int GC_general_register_disappearing_link(void **link, const void *obj)
{
	return register_link("GC_general_register_disappearing_link",
			     &short_links, link, obj);
}

int GC_register_disappearing_link(void **link)
{
	check_link("GC_register_disappearing_link", link);
	void *base = GC_base(link);
	if (!base)
		sgc_fatal("GC_register_disappearing_link(%p): the link is not"
			  " inside an object of the collector's heap",
			  (void *)link);
	return register_link("GC_register_disappearing_link", &short_links,
			     link, base);
}

int GC_unregister_disappearing_link(void **link)
{
	return unregister_link(&short_links, link);
}

int GC_move_disappearing_link(void **link, void **new_link)
{
	return move_link("GC_move_disappearing_link", &short_links, link,
			 new_link);
}

int GC_register_long_link(void **link, const void *obj)
{
	return register_link("GC_register_long_link", &long_links, link, obj);
}

int GC_unregister_long_link(void **link)
{
	return unregister_link(&long_links, link);
}

int GC_move_long_link(void **link, void **new_link)
{
	return move_link("GC_move_long_link", &long_links, link, new_link);
}

/* ---- Toggle-refs ---- */

void sgc_finalize_before_stop(void)
{
	GC_toggleref_func fn = toggleref_fn;
	if (!fn || !ntoggles)
		return;
	size_t keep = 0;
	for (size_t i = 0; i < ntoggles; i++) {
		switch (fn((void *)toggles[i].obj)) {
		case GC_TOGGLE_REF_STRONG:
			toggles[i].strong = 1;
			toggles[keep++] = toggles[i];
			break;
		case GC_TOGGLE_REF_WEAK:
			toggles[i].strong = 0;
			toggles[keep++] = toggles[i];
			break;
		default: /* GC_TOGGLE_REF_DROP */
			break;
		}
	}
	ntoggles = keep;
}

void GC_set_toggleref_func(GC_toggleref_func fn)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	__atomic_store_n(&toggleref_fn, fn, __ATOMIC_RELEASE);
	sgc_world_lock_release();
}

GC_toggleref_func GC_get_toggleref_func(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	GC_toggleref_func fn = toggleref_fn;
	sgc_world_lock_release();
	return fn;
}

int GC_toggleref_add(void *obj, int is_strong_ref)
{
	struct sgc_obj o;
	sgc_ensure_init();
	/* bdwgc: without a callback the call does nothing and succeeds.  An
	 * object outside the heap is accepted and never collected. */
	if (!__atomic_load_n(&toggleref_fn, __ATOMIC_ACQUIRE))
		return GC_SUCCESS;
	if (!obj)
		sgc_fatal("GC_toggleref_add(NULL): the object must not be NULL");
	if (sgc_heap_contains((uintptr_t)obj))
		require_object("GC_toggleref_add", obj, &o);
	int rc = GC_SUCCESS;
	sgc_world_lock_acquire();
	if (toggleref_fn) {
		if (ntoggles == toggles_cap) {
			size_t cap = toggles_cap ? toggles_cap * 2 : 64;
			struct toggle *t = realloc(toggles, cap * sizeof *t);
			if (t) {
				toggles = t;
				toggles_cap = cap;
			}
		}
		if (ntoggles < toggles_cap) {
			toggles[ntoggles].obj = (uintptr_t)obj;
			toggles[ntoggles].strong = is_strong_ref != 0;
			ntoggles++;
		} else {
			rc = GC_NO_MEMORY;
		}
	}
	sgc_world_lock_release();
	return rc;
}

/* ---- Settings ---- */

void GC_set_finalize_on_demand(int on)
{
	__atomic_store_n(&GC_finalize_on_demand, on, __ATOMIC_RELAXED);
}

int GC_get_finalize_on_demand(void)
{
	return __atomic_load_n(&GC_finalize_on_demand, __ATOMIC_RELAXED);
}

void GC_set_java_finalization(int on)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	GC_java_finalization = on;
	sgc_world_lock_release();
}

int GC_get_java_finalization(void)
{
	return __atomic_load_n(&GC_java_finalization, __ATOMIC_RELAXED);
}

void GC_set_finalizer_notifier(GC_finalizer_notifier_proc fn)
{
	__atomic_store_n(&GC_finalizer_notifier, fn, __ATOMIC_RELAXED);
}

GC_finalizer_notifier_proc GC_get_finalizer_notifier(void)
{
	return __atomic_load_n(&GC_finalizer_notifier, __ATOMIC_RELAXED);
}

void GC_set_await_finalize_proc(GC_await_finalize_proc fn)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	await_proc = fn;
	sgc_world_lock_release();
}

GC_await_finalize_proc GC_get_await_finalize_proc(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	GC_await_finalize_proc fn = await_proc;
	sgc_world_lock_release();
	return fn;
}

/* Kept for bdwgc's API; the pacer does not weigh finalizers yet. */
void GC_set_allocd_bytes_per_finalizer(GC_word n)
{
	__atomic_store_n(&bytes_per_finalizer, n, __ATOMIC_RELAXED);
}

GC_word GC_get_allocd_bytes_per_finalizer(void)
{
	return __atomic_load_n(&bytes_per_finalizer, __ATOMIC_RELAXED);
}

void *GC_call_with_reader_lock(GC_fn_type fn, void *cd, int release)
{
	(void)release; /* one lock: readers and writers alike */
	return GC_call_with_alloc_lock(fn, cd);
}

void GC_noop1(GC_word x)
{
	__asm__ __volatile__("" : : "r"(x) : "memory");
}

static void dump_span(struct sgc_span *s)
{
	struct specials *sp = s->specials;
	for (uint32_t i = 0; i < sp->n; i++)
		fprintf(stderr, "  finalizable %p (%s)\n",
			(void *)fin_client(s, &sp->f[i]),
			(const char *[]){ "ordered", "ignore-self", "no-order",
					  "unreachable" }[sp->f[i].mode]);
}

void GC_dump_finalization(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	fprintf(stderr, "Finalizers: %zu registered, %zu queued\n", nfin,
		qlen);
	if (nfin)
		for_each_special_span(dump_span);
	fprintf(stderr, "Disappearing (short) links: %zu\n", short_links.n);
	fprintf(stderr, "Disappearing long links: %zu\n", long_links.n);
	fprintf(stderr, "Toggle-refs: %zu\n", ntoggles);
	sgc_world_lock_release();
}

size_t sgc_finalize_count(void)
{
	return nfin;
}

size_t sgc_finalize_link_count(int long_links_wanted)
{
	return long_links_wanted ? long_links.n : short_links.n;
}

/* ---- Disclaim procedures and GC_finalized_malloc ---- */

void GC_register_disclaim_proc(int kind, GC_disclaim_proc proc,
			       int mark_from_all)
{
	sgc_ensure_init();
	if (kind < 0 || kind >= SGC_MAX_KINDS ||
	    !__atomic_load_n(&sgc_kinds[kind].in_use, __ATOMIC_ACQUIRE))
		sgc_fatal("GC_register_disclaim_proc(%d): no such object kind",
			  kind);
	sgc_world_lock_acquire();
	sgc_kinds[kind].mark_unconditionally = mark_from_all != 0;
	__atomic_store_n(&sgc_kinds[kind].disclaim, proc, __ATOMIC_RELEASE);
	sgc_world_lock_release();
}

/* The word before the client's part holds the closure, tagged with 1. */
static int GC_CALLBACK finalized_disclaim(void *obj)
{
	uintptr_t w = *(uintptr_t *)obj;
	if (w & 1) {
		const struct GC_finalizer_closure *fc =
			(const struct GC_finalizer_closure *)(w & ~(uintptr_t)1);
		*(uintptr_t *)obj = 0;
		fc->proc((uintptr_t *)obj + 1, fc->cd);
	}
	return 0;
}

void GC_init_finalized_malloc(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	if ((intptr_t)sgc_load_acquire(&finalized_kind) < 0) {
		int k = sgc_kind_new(1, 1);
		if (k < 0)
			sgc_fatal("GC_init_finalized_malloc: no object kind"
				  " left");
		sgc_kinds[k].mark_unconditionally = 1;
		sgc_kinds[k].header_word = 1;
		__atomic_store_n(&sgc_kinds[k].disclaim, finalized_disclaim,
				 __ATOMIC_RELEASE);
		sgc_store_release(&finalized_kind, (uintptr_t)k);
	}
	sgc_world_lock_release();
}

void *GC_finalized_malloc(size_t lb, const struct GC_finalizer_closure *fc)
{
	intptr_t k = (intptr_t)sgc_load_acquire(&finalized_kind);
	if (k < 0)
		sgc_fatal("GC_finalized_malloc(%zu, %p): call"
			  " GC_init_finalized_malloc first", lb, (void *)fc);
	if (lb > SIZE_MAX - sizeof(uintptr_t))
		return sgc_oom(lb);
	uintptr_t *p = sgc_alloc(lb + sizeof(uintptr_t), (unsigned)k);
	if (!p)
		return NULL;
	sgc_store_release((sgc_atomic_word *)p, (uintptr_t)fc | 1);
	return p + 1;
}
