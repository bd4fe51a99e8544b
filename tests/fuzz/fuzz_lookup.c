/*
 * fuzz_lookup.c: fuzzing the conservative lookup (find_object) and the
 * marking of ambiguous words, white-box.
 *
 * Each input builds a heap shape and then throws words at it.  The first
 * 8 bytes seed the shape: objects of every size class (scanned and
 * pointer-free) and large objects, each kept live (in a static root
 * table), freed with GC_free, or dropped.  A collection then runs and is
 * left unswept, so the dropped objects sit in spans still to be swept.
 * The rest of the input is 8-byte records, each making a word: raw,
 * relative to an object (near its start, anywhere in it, just past it),
 * or relative to an object's page.  For every word:
 *
 *   with the spans unswept: find_object never answers a freed slot;
 *   a word inside a live object finds exactly that object (with interior
 *   pointers; its first byte alone without); whatever is found contains
 *   the word; GC_base agrees for live and freed objects;
 *
 *   after sweeping: a word marks (sgc_mark_word) nothing when it points
 *   at no allocated object, and exactly the object holding it otherwise,
 *   never a free slot.
 *
 * A failed check prints the word and the object and aborts, which
 * libFuzzer and the corpus replay (fuzz_main.c) report as a failure.
 * With SGC_FUZZ_PLANT=1 in the environment the harness frees one live
 * object behind the model's back: the checks must then fail
 * (tests/run_fuzz_corpus.sh makes sure they do).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spangc.h>
#include <gc/gc.h>
#define TEST_ASSERT_ABORTS /* libFuzzer and fuzz_main name the input */
#include "../test_assert.h"
#include "collect.h"
#include "mark.h"
#include "sizeclass.h"
#include "span.h"
#include "sweep.h"

#define PER_CLASS 3
#define NLARGE 6
#define MAX_OBJS (SGC_NUM_SIZE_CLASSES * PER_CLASS * 2 + NLARGE)

enum state { LIVE, FREED, DROPPED, RETAINED, SWEPT };
static const char *const state_name[] = {
	"live", "freed", "dropped", "retained", "swept"
};

struct mobj {
	uintptr_t hidden;      /* ~base: the model is no root */
	size_t size;           /* GC_size */
	enum state state;
};

static int plant;
static void *roots[MAX_OBJS];  /* the live objects: static data, a root */
static struct mobj *model;     /* system memory, not scanned */
static size_t nmodel;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uintptr_t base_of(const struct mobj *m)
{
	return ~m->hidden;
}

/* A failed check: the word and the model's object (m may be NULL),
 * then test_assert's report and abort. */
static __attribute__((noreturn)) void fail(const char *file, int line,
					   const char *cond, const char *what,
					   uintptr_t w, const struct mobj *m)
{
	fprintf(stderr, "fuzz_lookup: word %#lx", (unsigned long)w);
	if (m)
		fprintf(stderr, ", %s object %#lx of %zu bytes",
			state_name[m->state], (unsigned long)base_of(m),
			m->size);
	fprintf(stderr, "\n");
	test_assert_fail(file, line, cond, "%s", what);
}

/* Assert cond about the word w and the model's object m. */
#define lookup_assert(cond, what, w, m)                                      \
	do {                                                                 \
		if (!(cond))                                                 \
			fail(__FILE__, __LINE__, #cond, what, w, m);         \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Sweeping only where this harness asks for it. */
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 1);
	GC_INIT();
	GC_disable(); /* no collection but the harness's own */
	plant = getenv("SGC_FUZZ_PLANT") != NULL;
	model = calloc(MAX_OBJS, sizeof *model);
	test_assert(model, "out of memory for the model");
	return 0;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static __attribute__((noinline)) void clear_stack(void)
{
	volatile uintptr_t buf[8192];
	for (size_t i = 0; i < sizeof buf / sizeof buf[0]; i++)
		buf[i] = 0;
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

/* The model object whose extent holds w, or NULL. */
static struct mobj *model_at(uintptr_t w)
{
	for (size_t i = 0; i < nmodel; i++) {
		uintptr_t b = base_of(&model[i]);
		if (w >= b && w - b < model[i].size)
			return &model[i];
	}
	return NULL;
}

static struct mobj *model_base(uintptr_t b)
{
	for (size_t i = 0; i < nmodel; i++)
		if (base_of(&model[i]) == b)
			return &model[i];
	return NULL;
}

/* Allocate n bytes, scanned or pointer-free, into the roots and the
 * model. */
static void add_object(size_t n, int atomic)
{
	void *p = atomic ? GC_malloc_atomic(n) : GC_malloc(n);
	test_assert(p, "out of memory for %zu bytes", n);
	roots[nmodel] = p;
	model[nmodel].hidden = ~(uintptr_t)p;
	model[nmodel].size = GC_size(p);
	nmodel++;
}

static __attribute__((noinline)) void build(uint64_t rng)
{
	static const size_t large[NLARGE] = {
		SGC_MAX_SMALL_SIZE + 1, 40000, 65536, 100000, 300000, 1 << 20
	};
	memset(roots, 0, sizeof roots);
	nmodel = 0;
	/* Everything is allocated before anything is freed, so that no
	 * freed slot is handed out again. */
	for (unsigned c = 1; c < SGC_NUM_SIZE_CLASSES; c++)
		for (int k = 0; k < 2 * PER_CLASS; k++) {
			size_t n = sgc_class_to_size[c];
			/* With interior pointers the collector may add a byte
			 * to a request: ask for a little less. */
			add_object(n > 8 ? n - 8 : n, k & 1);
		}
	for (int k = 0; k < NLARGE; k++)
		add_object(large[k], k & 1);
	for (size_t i = 0; i < nmodel; i++) {
		switch (next_rand(&rng) % 4) {
		case 0:
			model[i].state = FREED;
			GC_free(roots[i]);
			roots[i] = NULL;
			break;
		case 1:
			model[i].state = DROPPED;
			roots[i] = NULL;
			break;
		default:
			model[i].state = LIVE;
		}
	}
	if (plant) /* the planted bug: a live object freed */
		for (size_t i = 0; i < nmodel; i++)
			if (model[i].state == LIVE) {
				GC_free(roots[i]);
				break;
			}
}

/* The word of one 8-byte record. */
static uintptr_t make_word(const uint8_t *r)
{
	uint64_t v;
	memcpy(&v, r, sizeof v);
	const struct mobj *m = &model[(v >> 8) % nmodel];
	uintptr_t b = base_of(m);
	uint32_t x = (uint32_t)(v >> 32);
	switch (r[0] % 5) {
	case 0:
		return (uintptr_t)v;
	case 1: /* near the start */
		return b + (uintptr_t)(int16_t)(x & 0xffff) % 64;
	case 2: /* anywhere inside, or a little past */
		return b + x % (m->size + 64) - 32;
	case 3: /* its last bytes and the next object's first */
		return b + m->size - 8 + (x & 15);
	default: /* the span's pages: tail waste, neighbours */
		return (b & ~(uintptr_t)8191) + (x % (1 << 20));
	}
}

/* With the dropped objects in unswept spans. */
static void check_lookup(uintptr_t w)
{
	struct sgc_obj o = { 0 }, o0 = { 0 };
	int found = sgc_find_object(w, 1, &o);
	int found0 = sgc_find_object(w, 0, &o0);
	struct mobj *m = model_at(w);
	if (found) {
		lookup_assert(w >= o.base &&
				      w - o.base < sgc_span_elem_bytes(o.span),
			      "find_object answered an object not holding the"
			      " word", w, model_base(o.base));
		struct mobj *f = model_base(o.base);
		lookup_assert(!f || f->state != FREED,
			      "find_object answered a freed slot", w, f);
	}
	lookup_assert(!found0 || (found && o0.base == o.base),
		      "find_object without interior pointers answered another"
		      " object", w, m);
	lookup_assert(!found0 || w == o0.base || o0.span->header_word,
		      "find_object without interior pointers accepted an"
		      " interior word", w, m);
	if (!m)
		return;
	uintptr_t b = base_of(m);
	void *gb = GC_base((void *)w);
	if (m->state == LIVE) {
		lookup_assert(found && o.base == b,
			      "find_object missed a live object", w, m);
		lookup_assert(w != b || (found0 && o0.base == b),
			      "find_object missed a live object's start", w, m);
		lookup_assert(gb == (void *)b, "GC_base missed a live object",
			      w, m);
	} else if (m->state == FREED) {
		lookup_assert(!found || o.base != b,
			      "find_object answered a freed slot", w, m);
		lookup_assert(!gb, "GC_base answered a freed slot", w, m);
	}
}

/* After sweeping: mark from w and compare the marks with the model. */
static void check_mark(uintptr_t w)
{
	struct sgc_obj o = { 0 };
	int found = sgc_find_object(w, GC_get_all_interior_pointers(), &o);
	struct mobj *m = model_at(w);
	/* Only words that can reach model objects (pointer-free or
	 * zero-filled) or nothing: marking other objects would scan them
	 * and leave marks this harness cannot undo. */
	if (found && !model_base(o.base))
		return;
	lookup_assert(found || !m ||
			      (m->state != LIVE && m->state != RETAINED) ||
			      (!GC_get_all_interior_pointers() && w != base_of(m)),
		      "find_object missed an allocated object", w, m);
	sgc_mark_word(w);
	sgc_mark_drain();
	for (size_t i = 0; i < nmodel; i++) {
		struct mobj *x = &model[i];
		if (x->state == FREED || x->state == SWEPT)
			continue;
		struct sgc_obj xo;
		lookup_assert(sgc_find_object(base_of(x), 0, &xo),
			      "an allocated object vanished", base_of(x), x);
		int marked = sgc_mark_is_marked(&xo);
		int want = found && xo.base == o.base;
		lookup_assert(marked == want,
			      marked ? "a word marked another object"
				     : "a word missed its object", w, x);
		xo.span->gcmarks[xo.index] = 0;
		/* and the span queue's claim on the span (mark.c) */
		sgc_store_relaxed(sgc_span_grey_owner(xo.span), 0);
	}
	/* Free slots must have stayed unmarked and unallocated. */
	for (size_t i = 0; i < nmodel; i++) {
		struct mobj *x = &model[i];
		if (x->state != FREED && x->state != SWEPT)
			continue;
		struct sgc_obj xo;
		lookup_assert(!sgc_find_object(base_of(x), 1, &xo) ||
				      xo.base != base_of(x),
			      "a free slot became allocated", base_of(x), x);
		struct sgc_span *s = sgc_span_of_heap(base_of(x));
		if (s && s->elem_size)
			lookup_assert(!sgc_span_marked(s, sgc_span_index(
						  s, base_of(x))),
				      "a free slot was marked", w, x);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	uint64_t seed;
	memcpy(&seed, data, sizeof seed);
	seed |= 1;
	/* The last input's objects are garbage now. */
	memset(roots, 0, sizeof roots);
	GC_enable();
	clear_stack();
	GC_gcollect();
	GC_disable();
	build(seed);
	clear_stack();
	GC_enable();
	test_assert(sgc_collect(SGC_REASON_EXPLICIT), "no collection ran");
	GC_disable();
	size_t n = (size - 8) / 8;
	if (n > 512)
		n = 512;
	if (plant) /* a word at each object's start */
		for (size_t i = 0; i < nmodel; i++)
			check_lookup(base_of(&model[i]));
	for (size_t i = 0; i < n; i++)
		check_lookup(make_word(data + 8 + 8 * i));
	sgc_sweep_finish();
	/* Which dropped objects a stale word kept, which were swept. */
	for (size_t i = 0; i < nmodel; i++) {
		if (model[i].state != DROPPED)
			continue;
		struct sgc_obj o;
		model[i].state = sgc_find_object(base_of(&model[i]), 0, &o)
					 ? RETAINED : SWEPT;
	}
	for (size_t i = 0; i < n; i++)
		check_mark(make_word(data + 8 + 8 * i));
	return 0;
}
