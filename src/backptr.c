/*
 * backptr.c: why is an object alive (gc_backptr.h), for debug objects.
 *
 * bdwgc records a back pointer in each debug object while marking; here
 * nothing is recorded and the mark is left alone: a request stops the
 * world and searches breadth-first from the roots, remembering for each
 * object reached the word that reached it first, until the object asked
 * about is reached.  The chain of those words, read back from the object,
 * is a shortest path from the first root that reaches it.  Roots are
 * tried in an order that favours the answers people look for: static
 * data and added roots first (with everything they reach), then
 * uncollectable objects, then thread stacks and registers, except that a
 * stack word holding the object itself is the answer only when nothing
 * below finds another, since the caller's own frame holds the object's
 * address anyway.
 *
 * The search's memory comes from the system (sgc_os_alloc), sized by the
 * heap's managed range and touched only where objects are reached: it
 * must not allocate with the world stopped, and must not be scanned.
 *
 * After those come the roots the client's push_other_roots callback
 * pushes (it is called with GC_push_all and GC_mark_and_push redirected
 * to the search, mark.h), then finalization: objects queued for their
 * finalizer and finalizers' client data, then what each object with an
 * ordered finalizer references (kept until that finalizer has run); an
 * object reached only through finalization answers GC_FINALIZER_REFD, as
 * in bdwgc.  Not seen: strong toggle-refs, and ranges a mark procedure
 * pushes outside the heap (objects are scanned whole here, conservatively,
 * not through their descriptors).
 *
 * Locks: the world lock, with the world stopped, for the search.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <gc/gc.h>
#include <gc/gc_backptr.h>
#include <gc/gc_mark.h>
#include "debug.h"
#include "finalize.h"
#include "heap.h"
#include "init.h"
#include "malloc.h"
#include "mark.h"
#include "os.h"
#include "roots.h"
#include "span.h"
#include "thread.h"

/* How a reached object was reached: the address of the word that held
 * its address, tagged in the low bits (word addresses are 8-aligned). */
enum {
	TAG_HEAP = 0,    /* a word inside another object */
	TAG_STATIC = 1,  /* static data or an added root */
	TAG_STACK = 2,   /* a thread's stack or saved registers */
	TAG_UNCOLL = 3,  /* an uncollectable object: a root itself */
	TAG_CLIENT = 4,  /* pushed by the client's push_other_roots callback
			  * (a range's word, or 0 for a single word) */
	TAG_FIN = 5,     /* a word inside an object with a finalizer, not
			  * reached otherwise: kept for its finalization */
	TAG_FINQ = 6,    /* an object queued for finalization: itself */
	TAG_FINCD = 7,   /* a finalizer's client data: itself */
	TAG_MASK = 7
};

#define MAX_CHAIN 64

/* The search, one at a time (world lock). */
static struct {
	uintptr_t lo, hi;     /* the heap's managed range */
	uintptr_t *parent;    /* (base - lo) / 8 -> tagged word, 0: unseen */
	uintptr_t *queue;     /* bases of reached objects, scanned in order */
	size_t head, tail;
	size_t map_bytes;
	uintptr_t target_hidden; /* ~base: must not look like a reference */
	int found;
	uintptr_t stack_ref;  /* a stack word holding the target itself */
	int tag;              /* of the roots being scanned */
	int interior;
} bs;

static uintptr_t *slot_of(uintptr_t base)
{
	return &bs.parent[(base - bs.lo) / sizeof(uintptr_t)];
}

/* The word at addr holds w: reach w's object if it is new. */
static void reach(uintptr_t addr, uintptr_t w, int tag)
{
	struct sgc_obj o;
	if (w < bs.lo || w >= bs.hi || !sgc_find_object(w, bs.interior, &o))
		return;
	uintptr_t *p = slot_of(o.base);
	if (*p)
		return;
	if (tag == TAG_STACK && o.base == ~bs.target_hidden) {
		/* The caller's frame holds the object's address anyway:
		 * kept as the last answer, after the client's roots and
		 * finalization. */
		if (!bs.stack_ref)
			bs.stack_ref = addr;
		return;
	}
	*p = addr | (uintptr_t)tag;
	if (o.base == ~bs.target_hidden)
		bs.found = 1;
	if (o.span->scanned)
		bs.queue[bs.tail++] = o.base;
}

static SGC_NO_SANITIZE void scan(uintptr_t lo, uintptr_t hi, int tag)
{
	lo = (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
	for (uintptr_t a = lo; a + sizeof(uintptr_t) <= hi && !bs.found;
	     a += sizeof(uintptr_t))
		reach(a, *(volatile uintptr_t *)a, tag);
}

static void drain(void)
{
	while (bs.head < bs.tail && !bs.found) {
		uintptr_t base = bs.queue[bs.head++];
		struct sgc_span *s = sgc_span_of_heap(base);
		scan(base, base + sgc_span_elem_bytes(s), TAG_HEAP);
	}
}

static void root_range(uintptr_t lo, uintptr_t hi)
{
	if (!bs.found)
		scan(lo, hi, bs.tag);
	drain();
}

/* Every allocated object of the uncollectable kinds is a root. */
static void reach_uncollectable(void)
{
	uintptr_t a = bs.lo;
	while (a < bs.hi && !bs.found) {
		struct sgc_span *s = sgc_span_of(a);
		if (!s || sgc_load_relaxed(&s->state) != SGC_SPAN_IN_USE ||
		    s->start != a) {
			a += SGC_PAGE_SIZE;
			continue;
		}
		if (sgc_kinds[sgc_spanclass_kind(s->spanclass)].uncollectable) {
			size_t size = sgc_span_elem_bytes(s);
			for (uint32_t i = 0; i < s->nelems && !bs.found; i++) {
				if (!sgc_span_is_allocated(s, i))
					continue;
				uintptr_t base = s->start + i * size;
				reach(base, base, TAG_UNCOLL);
				drain();
			}
		}
		a += s->npages * SGC_PAGE_SIZE;
	}
}

/* The client's push_other_roots callback, its pushes redirected here. */
static void client_push(uintptr_t lo, uintptr_t hi)
{
	if (bs.found)
		return;
	if (hi == 0) /* GC_mark_and_push: one word, no address */
		reach(0, lo, TAG_CLIENT);
	else
		scan(lo, hi, TAG_CLIENT);
	drain();
}

static void reach_client_roots(void)
{
	GC_push_other_roots_proc fn = GC_get_push_other_roots();
	if (!fn)
		return;
	sgc_push_redirect = client_push;
	fn();
	sgc_push_redirect = NULL;
}

/* The finalization roots, after every other root: an object queued for
 * finalization and a finalizer's client data are kept themselves; what
 * an object with an ordered finalizer references waits for it. */
static void fin_root(uintptr_t obj, uintptr_t cd, int what)
{
	if (bs.found)
		return;
	if (cd) {
		reach(cd & ~(uintptr_t)TAG_MASK, cd, TAG_FINCD);
		drain();
	}
	if (what == SGC_FIN_QUEUED) {
		reach(obj, obj, TAG_FINQ);
		drain();
	}
}

static void fin_contents(uintptr_t obj, uintptr_t cd, int what)
{
	(void)cd;
	if (bs.found || what != SGC_FIN_ORDERED || *slot_of(obj))
		return;
	struct sgc_span *s = sgc_span_of_heap(obj);
	if (!s || !s->scanned)
		return;
	scan(obj, obj + sgc_span_elem_bytes(s), TAG_FIN);
	drain();
}

/* One link of a chain, copied while the world is stopped. */
struct link {
	uintptr_t ref;    /* the word's address */
	int tag;
	uintptr_t base;   /* TAG_HEAP: the holding object */
};

/* Search for the object at base; fills chain (from the object's holder
 * towards the root) and returns its length, 0 when nothing was found, -1
 * when the search could not get memory. */
static int search(uintptr_t base, struct link *chain)
{
	static int excluded;
	struct sgc_heap *hp = &sgc_heap;
	int n = 0;
	sgc_world_lock_acquire();
	if (!excluded) { /* bs holds heap addresses: never a root */
		sgc_roots_exclude((uintptr_t)&bs, (uintptr_t)(&bs + 1));
		excluded = 1;
	}
	bs.lo = hp->base;
	bs.hi = hp->end;
	bs.map_bytes = sgc_round_up(bs.hi - bs.lo, SGC_PAGE_SIZE);
	bs.parent = sgc_os_alloc(bs.map_bytes);
	bs.queue = sgc_os_alloc(bs.map_bytes);
	if (!bs.parent || !bs.queue) {
		n = -1;
		goto out;
	}
	bs.head = bs.tail = 0;
	bs.found = 0;
	bs.stack_ref = 0;
	bs.interior = GC_all_interior_pointers != 0;
	bs.target_hidden = ~base;
	sgc_roots_stop_world();
	bs.tag = TAG_STATIC;
	sgc_roots_for_each(root_range);
	if (!bs.found)
		reach_uncollectable();
	if (!bs.found) {
		bs.tag = TAG_STACK;
		sgc_thread_scan_stacks(root_range);
	}
	if (!bs.found)
		reach_client_roots();
	if (!bs.found)
		sgc_finalize_for_each(fin_root);
	if (!bs.found)
		sgc_finalize_for_each(fin_contents);
	if (!bs.found && bs.stack_ref) {
		*slot_of(~bs.target_hidden) = bs.stack_ref | TAG_STACK;
		bs.found = 1;
	}
	if (bs.found) {
		uintptr_t cur = ~bs.target_hidden;
		while (n < MAX_CHAIN) {
			uintptr_t p = *slot_of(cur);
			struct link *l = &chain[n++];
			l->ref = p & ~(uintptr_t)TAG_MASK;
			l->tag = (int)(p & TAG_MASK);
			struct sgc_obj o;
			if (l->tag == TAG_FIN &&
			    sgc_find_object(l->ref, 1, &o))
				l->base = o.base;
			if (l->tag != TAG_HEAP)
				break;
			if (!sgc_find_object(l->ref, 1, &o))
				break;
			l->base = o.base;
			cur = o.base;
		}
	}
	sgc_start_world();
out:
	if (bs.parent)
		sgc_os_release(bs.parent, bs.map_bytes);
	if (bs.queue)
		sgc_os_release(bs.queue, bs.map_bytes);
	bs.parent = bs.queue = NULL;
	sgc_world_lock_release();
	return n;
}

/* The client's view of an object: its client pointer when it is a debug
 * object. */
static uintptr_t client_address(uintptr_t base)
{
	return sgc_debug_header((void *)base) ?
		       base + sizeof(struct sgc_dbg_hdr) : base;
}

static void describe(FILE *f, uintptr_t base)
{
	struct sgc_dbg_hdr *h = sgc_debug_header((void *)base);
	if (h && h->state == SGC_DBG_LIVE) {
		fprintf(f, "%p: %lu bytes, allocated at %s:%d",
			(void *)client_address(base), (unsigned long)h->size,
			h->file, h->line);
		return;
	}
	fprintf(f, "%p: %lu bytes, no debug information", (void *)base,
		(unsigned long)GC_size((void *)base));
}

static void describe_root(FILE *f, const struct link *l)
{
	Dl_info info;
	switch (l->tag) {
	case TAG_STATIC:
		fprintf(f, "static data or an added root at %p", (void *)l->ref);
		if (dladdr((void *)l->ref, &info) && info.dli_fname) {
			fprintf(f, " (");
			if (info.dli_sname)
				fprintf(f, "%s+%lu in ", info.dli_sname,
					(unsigned long)(l->ref -
							(uintptr_t)info.dli_saddr));
			fprintf(f, "%s)", info.dli_fname);
		}
		break;
	case TAG_STACK:
		fprintf(f, "a thread's stack or registers, at %p",
			(void *)l->ref);
		break;
	case TAG_CLIENT:
		fprintf(f, "pushed by the client's push_other_roots callback");
		if (l->ref)
			fprintf(f, ", the word at %p", (void *)l->ref);
		else
			fprintf(f, " (GC_mark_and_push)");
		break;
	case TAG_FIN:
		fprintf(f, "kept for finalization of ");
		describe(f, l->base);
		fprintf(f, " (the word at offset %ld; that object is"
			" unreachable, its finalizer not run yet)",
			(long)(l->ref - client_address(l->base)));
		break;
	case TAG_FINQ:
		fprintf(f, "queued for finalization (its finalizer has not run"
			" yet)");
		break;
	case TAG_FINCD:
		fprintf(f, "the client data of a registered finalizer");
		break;
	default:
		fprintf(f, "the uncollectable object ");
		describe(f, l->ref);
		break;
	}
}

/* The start of the allocated object holding p, or 0. */
static uintptr_t object_of(const char *call, void *p)
{
	struct sgc_obj o;
	sgc_self_cache(call); /* initialised, and a registered thread */
	if (!sgc_find_client_object(p, &o))
		return 0;
	return o.base;
}

GC_ref_kind GC_get_back_ptr_info(void *dest, void **base_p, size_t *offset_p)
{
	struct link chain[MAX_CHAIN];
	uintptr_t base = object_of("GC_get_back_ptr_info", dest);
	if (!base || !sgc_debug_header((void *)base))
		return GC_NO_SPACE;
	int n = search(base, chain);
	if (n <= 0)
		return GC_UNREFERENCED;
	if (chain[0].tag == TAG_HEAP) {
		uintptr_t holder = client_address(chain[0].base);
		if (base_p)
			*base_p = (void *)holder;
		if (offset_p)
			*offset_p = chain[0].ref - holder;
		return GC_REFD_FROM_HEAP;
	}
	if (chain[0].tag >= TAG_FIN) {
		uintptr_t holder = chain[0].tag == TAG_FIN ?
			client_address(chain[0].base) : 0;
		if (base_p)
			*base_p = (void *)holder;
		if (offset_p)
			*offset_p = holder ? chain[0].ref - holder : 0;
		return GC_FINALIZER_REFD;
	}
	if (base_p)
		*base_p = (void *)chain[0].ref;
	if (offset_p)
		*offset_p = 0;
	return GC_REFD_FROM_ROOT;
}

void GC_print_backtrace(void *p)
{
	struct link chain[MAX_CHAIN];
	uintptr_t base = object_of("GC_print_backtrace", p);
	FILE *f = stderr;
	if (!base) {
		fprintf(f, "GC_print_backtrace(%p): not inside an allocated"
			" object\n", p);
		return;
	}
	int n = search(base, chain);
	fprintf(f, "Why is ");
	describe(f, base);
	fprintf(f, " alive?\n");
	struct sgc_dbg_hdr *h = sgc_debug_header((void *)base);
	if (h && h->state == SGC_DBG_LIVE) {
		char text[1024];
		sgc_debug_chain_text(h, text, sizeof text);
		if (text[0])
			fprintf(f, "%s\n", text + 1); /* after its newline */
	}
	if (n < 0) {
		fprintf(f, "  (no memory for the search)\n");
		return;
	}
	if (n == 0) {
		fprintf(f, "  no reference found from the roots, the client's"
			" root callback or finalization: garbage\n");
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct link *l = &chain[i];
		if (l->tag == TAG_HEAP) {
			uintptr_t holder = client_address(l->base);
			fprintf(f, "  held at offset %ld of ",
				(long)(l->ref - holder));
			describe(f, l->base);
			fputc('\n', f);
			continue;
		}
		fprintf(f, "  held by a root: ");
		describe_root(f, l);
		fputc('\n', f);
	}
	if (n == MAX_CHAIN && chain[n - 1].tag == TAG_HEAP)
		fprintf(f, "  ... (chain longer than %d links)\n", MAX_CHAIN);
}

/* A pseudo-random heap address (rand_r on a private seed). */
static uintptr_t random_in_heap(void)
{
	static unsigned seed = 12345;
	struct sgc_heap *hp = &sgc_heap;
	size_t range = hp->end - hp->base;
	if (!range)
		return 0;
	uint64_t r = ((uint64_t)rand_r(&seed) << 31) ^ (uint64_t)rand_r(&seed);
	return hp->base + (uintptr_t)(r % range);
}

void *GC_generate_random_heap_address(void)
{
	sgc_ensure_init();
	return (void *)random_in_heap();
}

void *GC_generate_random_valid_address(void)
{
	sgc_ensure_init();
	for (int i = 0; i < 100000; i++) {
		uintptr_t a = random_in_heap();
		struct sgc_obj o;
		if (a && sgc_find_client_object((void *)a, &o))
			return (void *)a;
	}
	return NULL;
}

void GC_generate_random_backtrace(void)
{
	void *p = GC_generate_random_valid_address();
	if (!p) {
		fprintf(stderr, "GC_generate_random_backtrace: no object\n");
		return;
	}
	fprintf(stderr, "Tracing backward from %p\n", p);
	GC_print_backtrace(p);
}
