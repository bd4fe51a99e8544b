/*
 * fuzz_api.c: fuzzing the public API with a byte stream of calls checked
 * against a reference model.
 *
 * Each input is a program: every operation is an opcode byte and three
 * argument bytes.  The operations allocate (scanned, pointer-free,
 * uncollectable, typed; small and large) into 16 static slots, reallocate,
 * free, check GC_base and GC_size, link one object to another, copy and
 * clear slots, register finalizers, disappearing links and toggle-refs,
 * change a toggle-ref's answer, collect, and start and join threads that
 * allocate a chain and return it as their exit value.  The model knows
 * every object and its edges, so it knows what must be alive: what the
 * slots, uncollectable objects, strong toggle-refs and joined threads'
 * chains reach.  After each collection:
 *
 *   every object that must be alive is, with its contents intact, and its
 *   disappearing links still point at it;
 *   a finalizer runs only on an object the model cannot reach, at most
 *   once, with the object intact;
 *   a link is cleared only when the model cannot reach its object.
 *
 * Objects that must die may survive (the stack is scanned conservatively):
 * the model only checks the collector never frees, finalizes or clears
 * too early.  A failed check aborts.  With SGC_FUZZ_PLANT=1 in the
 * environment, each collection first frees a reachable object behind the
 * model's back: the checks must then fail (tests/run_fuzz_corpus.sh).
 */
#define GC_THREADS 1
#include <gc/gc.h>
#include <gc/gc_typed.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define TEST_ASSERT_ABORTS /* libFuzzer and fuzz_main name the input */
#include "../test_assert.h"

#define NSLOTS 16
#define MAX_OBJS 2048
#define NLINKS 32
#define MAX_THREADS 3
#define CHAIN 8

enum { K_NORMAL, K_ATOMIC, K_UNCOLL, K_TYPED };

struct mobj {
	uintptr_t hidden;      /* ~address, 0 until known */
	size_t size;           /* bytes asked for */
	int kind;
	int child;             /* model index of word 1's object, or -1 */
	int freed, fin, finalized, toggle, toggle_active;
};

/* Object layout: word 0 the stamp, word 1 a pointer (not for atomic
 * objects), then words derived from the stamp. */
static void *slots[NSLOTS];                 /* roots */
static uintptr_t links[NLINKS];             /* hidden, disappearing */
static int link_target[NLINKS];             /* model index, or -1 */
static struct mobj *model;                  /* system memory */
static int nmodel;
static unsigned gen;                        /* this input's number */
static unsigned char *reach;                /* model-reachable, per object */
static GC_descr typed_descr;
static int plant;

struct thr {
	pthread_t tid;
	int used, first;       /* model index of the chain's first object */
};
static struct thr thrs[MAX_THREADS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed check: the model's object i (-1: none), then test_assert's
 * report and abort. */
static __attribute__((noreturn)) void fail(const char *file, int line,
					   const char *cond, const char *what,
					   int i)
{
	fprintf(stderr, "fuzz_api: object %d", i);
	if (i >= 0 && i < nmodel)
		fprintf(stderr, " (%#lx, %zu bytes, kind %d)",
			(unsigned long)~model[i].hidden, model[i].size,
			model[i].kind);
	fprintf(stderr, "\n");
	test_assert_fail(file, line, cond, "%s", what);
}

/* Assert cond about the model's object i. */
#define model_assert(cond, what, i)                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			fail(__FILE__, __LINE__, #cond, what, i);            \
	} while (0)

static uintptr_t stamp(unsigned g, int i)
{
	return ((uintptr_t)g << 32 | (uintptr_t)i) << 1 | 1;
}

static void *addr(int i)
{
	return (void *)~model[i].hidden;
}

static int index_of(const void *p)
{
	uintptr_t s = *(const uintptr_t *)p;
	if (!(s & 1) || (unsigned)(s >> 33) != gen)
		return -1;
	int i = (int)((s >> 1) & 0xffffffff);
	return i < nmodel ? i : -1;
}

/* Called by whichever thread collects: reads only what the main thread
 * wrote before registering (the stamp) or stores atomically. */
static GC_ToggleRefStatus toggle_fn(void *obj)
{
	uintptr_t s = *(const uintptr_t *)obj;
	if (!(s & 1) || (unsigned)(s >> 33) != __atomic_load_n(&gen,
							      __ATOMIC_ACQUIRE))
		return GC_TOGGLE_REF_DROP;
	int i = (int)((s >> 1) & 0xffffffff);
	if (i >= MAX_OBJS)
		return GC_TOGGLE_REF_DROP;
	return (GC_ToggleRefStatus)__atomic_load_n(&model[i].toggle,
						   __ATOMIC_ACQUIRE);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	GC_INIT();
	GC_set_finalize_on_demand(1);
	plant = getenv("SGC_FUZZ_PLANT") != NULL;
	GC_set_toggleref_func(toggle_fn);
	GC_word bm[1] = { 0 };
	GC_set_bit(bm, 1);
	typed_descr = GC_make_descriptor(bm, 2);
	model = calloc(MAX_OBJS, sizeof *model);
	reach = calloc(MAX_OBJS, 1);
	test_assert(model && reach, "out of memory for the model");
	return 0;
}

static void fill(void *p, int i, size_t from, size_t to)
{
	uintptr_t *w = p;
	for (size_t k = from / sizeof *w; k < to / sizeof *w; k++)
		w[k] = k == 0 ? stamp(gen, i) : k == 1 ? 0 : stamp(gen, i) * k;
}

static void check_contents(int i)
{
	const uintptr_t *w = addr(i);
	model_assert(GC_base((void *)w) == w, "a live object was freed", i);
	model_assert(GC_size((void *)w) >= model[i].size,
		     "GC_size of a live object shrank", i);
	model_assert(w[0] == stamp(gen, i), "a live object's stamp changed",
		     i);
	for (size_t k = 2; k < model[i].size / sizeof *w; k++)
		model_assert(w[k] == stamp(gen, i) * k,
			     "a live object's contents changed", i);
	int c = model[i].child;
	model_assert(model[i].kind == K_ATOMIC ||
			     w[1] == (c < 0 ? 0 : (uintptr_t)addr(c)),
		     "a live object's pointer changed", i);
}

static int new_object(int kind, size_t size, int slot)
{
	if (nmodel >= MAX_OBJS)
		return -1;
	void *p;
	switch (kind) {
	case K_ATOMIC: p = GC_MALLOC_ATOMIC(size); break;
	case K_UNCOLL: p = GC_MALLOC_UNCOLLECTABLE(size); break;
	case K_TYPED: p = GC_MALLOC_EXPLICITLY_TYPED(size, typed_descr); break;
	default: p = GC_MALLOC(size); break;
	}
	model_assert(p, "allocation failed", nmodel);
	int i = nmodel++;
	memset(&model[i], 0, sizeof model[i]);
	model[i].hidden = ~(uintptr_t)p;
	model[i].size = size;
	model[i].kind = kind;
	model[i].child = -1;
	fill(p, i, 0, size);
	slots[slot] = p;
	return i;
}

static int slot_obj(int s)
{
	return slots[s] ? index_of(slots[s]) : -1;
}

/* Whether anything but slot s refers to object i. */
static int shared(int i, int s)
{
	for (int k = 0; k < NSLOTS; k++)
		if (k != s && slots[k] == addr(i))
			return 1;
	for (int k = 0; k < nmodel; k++)
		if (!model[k].freed && model[k].child == i)
			return 1;
	return 0;
}

static void compute_reach(void)
{
	static int stack[MAX_OBJS];
	int sp = 0;
	memset(reach, 0, (size_t)nmodel);
	for (int s = 0; s < NSLOTS; s++) {
		int i = slot_obj(s);
		if (i >= 0 && !reach[i]) {
			reach[i] = 1;
			stack[sp++] = i;
		}
	}
	for (int i = 0; i < nmodel; i++) {
		if (reach[i] || model[i].freed || !model[i].hidden)
			continue;
		if (model[i].kind == K_UNCOLL ||
		    (model[i].toggle_active &&
		     model[i].toggle == GC_TOGGLE_REF_STRONG)) {
			reach[i] = 1;
			stack[sp++] = i;
		}
	}
	while (sp > 0) {
		int c = model[stack[--sp]].child;
		if (c >= 0 && !reach[c]) {
			reach[c] = 1;
			stack[sp++] = c;
		}
	}
}

static void finalizer(void *obj, void *cd)
{
	uintptr_t id = (uintptr_t)cd;
	if ((unsigned)(id >> 32) != gen)
		return; /* an earlier input's object */
	int i = (int)(id & 0xffffffff);
	model_assert(addr(i) == obj, "a finalizer got another object", i);
	model_assert(!model[i].finalized, "an object was finalized twice", i);
	compute_reach();
	model_assert(!reach[i], "a finalizer ran on a reachable object", i);
	model_assert(*(uintptr_t *)obj == stamp(gen, i),
		     "a finalized object was damaged", i);
	model[i].finalized = 1;
}

static void check_after_collect(void)
{
	compute_reach();
	for (int i = 0; i < nmodel; i++)
		if (reach[i])
			check_contents(i);
	for (int k = 0; k < NLINKS; k++) {
		int t = link_target[k];
		if (t < 0)
			continue;
		model_assert(!reach[t] || links[k] == GC_HIDE_POINTER(addr(t)),
			     "the link to a reachable object was cleared", t);
		if (!links[k])
			link_target[k] = -1;
	}
	/* A weak toggle-ref to an object found unreachable may be gone. */
	for (int i = 0; i < nmodel; i++)
		if (model[i].toggle_active && !reach[i])
			model[i].toggle_active =
				model[i].toggle == GC_TOGGLE_REF_STRONG;
	GC_invoke_finalizers();
}

static void *thread_main(void *arg)
{
	int first = (int)(intptr_t)arg;
	void *head = NULL;
	for (int k = CHAIN - 1; k >= 0; k--) {
		uintptr_t *p = GC_MALLOC(4 * sizeof *p);
		if (!p)
			return NULL;
		p[0] = stamp(gen, first + k);
		p[1] = (uintptr_t)head;
		p[2] = stamp(gen, first + k) * 2;
		p[3] = stamp(gen, first + k) * 3;
		head = p;
	}
	return head;
}

static void start_thread(void)
{
	for (int t = 0; t < MAX_THREADS; t++) {
		if (thrs[t].used)
			continue;
		if (nmodel + CHAIN > MAX_OBJS)
			return;
		int first = nmodel;
		for (int k = 0; k < CHAIN; k++) {
			struct mobj *m = &model[nmodel++];
			memset(m, 0, sizeof *m);
			m->size = 4 * sizeof(uintptr_t);
			m->child = k + 1 < CHAIN ? first + k + 1 : -1;
			m->freed = 1; /* not in the model until joined */
		}
		int rc = pthread_create(&thrs[t].tid, NULL, thread_main,
					(void *)(intptr_t)first);
		model_assert(rc == 0, "pthread_create failed", first);
		thrs[t].used = 1;
		thrs[t].first = first;
		return;
	}
}

static void join_thread(int t, int slot)
{
	void *head;
	if (!thrs[t].used)
		return;
	int rc = pthread_join(thrs[t].tid, &head);
	model_assert(rc == 0, "pthread_join failed", thrs[t].first);
	thrs[t].used = 0;
	int first = thrs[t].first;
	model_assert(head, "a thread's allocation failed", first);
	uintptr_t *p = head;
	for (int k = 0; k < CHAIN; k++) {
		model_assert(p && GC_base(p) == p &&
				     p[0] == stamp(gen, first + k),
			     "a thread's exit value lost its objects",
			     first + k);
		model[first + k].hidden = ~(uintptr_t)p;
		model[first + k].freed = 0;
		p = (uintptr_t *)p[1];
	}
	slots[slot] = head;
}

static void op(const uint8_t *b)
{
	int s = b[1] % NSLOTS, s2 = b[2] % NSLOTS;
	int i = slot_obj(s);
	size_t small = 16 + (size_t)b[2] * 8;
	size_t size = b[3] & 0x80 ? small + (size_t)(b[3] & 0x7f) * 4096 : small;
	switch (b[0] % 18) {
	case 0: new_object(K_NORMAL, size, s); break;
	case 1: new_object(K_ATOMIC, size, s); break;
	case 2: new_object(K_UNCOLL, small, s); break;
	case 3: new_object(K_TYPED, small, s); break;
	case 4: { /* realloc, keeping the prefix */
		if (i < 0 || model[i].kind == K_TYPED || model[i].fin ||
		    model[i].toggle || shared(i, s))
			break;
		for (int k = 0; k < NLINKS; k++)
			if (link_target[k] == i)
				return;
		void *p = GC_REALLOC(addr(i), size);
		model_assert(p, "GC_realloc failed", i);
		size_t old = model[i].size;
		model[i].hidden = ~(uintptr_t)p;
		model[i].size = size;
		if (size > old)
			fill(p, i, old, size);
		slots[s] = p;
		break;
	}
	case 5: /* free */
		if (i < 0 || model[i].fin || model[i].toggle || shared(i, s))
			break;
		for (int k = 0; k < NLINKS; k++)
			if (link_target[k] == i)
				return;
		GC_FREE(addr(i));
		model[i].freed = 1;
		slots[s] = NULL;
		break;
	case 6: /* base and size of an interior pointer */
		if (i < 0)
			break;
		model_assert(GC_base((char *)addr(i) + b[2] % model[i].size) ==
				     addr(i),
			     "GC_base of an interior pointer", i);
		model_assert(GC_size(addr(i)) >= model[i].size, "GC_size", i);
		break;
	case 7: /* finalizer */
		if (i < 0 || model[i].fin || model[i].kind == K_UNCOLL)
			break;
		GC_REGISTER_FINALIZER(addr(i), finalizer,
				      (void *)((uintptr_t)gen << 32 |
					       (uintptr_t)i), 0, 0);
		model[i].fin = 1;
		break;
	case 8: { /* disappearing link */
		int k = b[2] % NLINKS;
		if (i < 0 || link_target[k] >= 0)
			break;
		links[k] = GC_HIDE_POINTER(addr(i));
		int rc = GC_general_register_disappearing_link(
			(void **)&links[k], addr(i));
		model_assert(rc == GC_SUCCESS,
			     "GC_general_register_disappearing_link", i);
		link_target[k] = i;
		break;
	}
	case 9: /* toggle-ref */
		if (i < 0 || model[i].toggle)
			break;
		__atomic_store_n(&model[i].toggle, b[2] & 1 ?
				 GC_TOGGLE_REF_STRONG : GC_TOGGLE_REF_WEAK,
				 __ATOMIC_RELEASE);
		model[i].toggle_active = 1;
		int rc = GC_toggleref_add(addr(i), b[2] & 1);
		model_assert(rc == GC_SUCCESS, "GC_toggleref_add", i);
		break;
	case 10: /* the toggle-ref's next answer */
		if (i < 0 || !model[i].toggle)
			break;
		__atomic_store_n(&model[i].toggle, (int)(b[2] % 3),
				 __ATOMIC_RELEASE);
		if (model[i].toggle == GC_TOGGLE_REF_DROP)
			model[i].toggle_active = 0;
		break;
	case 11: slots[s] = NULL; break;
	case 12: slots[s2] = slots[s]; break;
	case 13: { /* word 1 of slot s's object := slot s2's object */
		int j = slot_obj(s2);
		if (i < 0 || model[i].kind == K_ATOMIC)
			break;
		((void **)addr(i))[1] = j < 0 ? NULL : addr(j);
		model[i].child = j;
		break;
	}
	case 14:
		if (plant) /* the planted bug */
			for (int k = 0; k < NSLOTS; k++)
				if (slot_obj(k) >= 0 &&
				    model[slot_obj(k)].kind == K_NORMAL) {
					GC_FREE(slots[k]);
					break;
				}
		GC_gcollect();
		check_after_collect();
		break;
	case 15: start_thread(); break;
	case 16: join_thread(b[2] % MAX_THREADS, s); break;
	default: /* allocate garbage */
		for (int k = 0; k < 1 + b[2] % 64; k++) {
			void *g = GC_MALLOC(size);
			model_assert(g, "allocation failed", -1);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__atomic_store_n(&gen, gen + 1, __ATOMIC_RELEASE);
	nmodel = 0;
	memset(slots, 0, sizeof slots);
	for (int k = 0; k < NLINKS; k++)
		link_target[k] = -1;
	if (size > 4 * 1024)
		size = 4 * 1024;
	for (size_t o = 0; o + 4 <= size; o += 4)
		op(data + o);
	for (int t = 0; t < MAX_THREADS; t++)
		join_thread(t, 0);
	GC_gcollect();
	check_after_collect();
	/* Leave nothing for the next input: uncollectable objects freed,
	 * links and toggle-refs dropped. */
	for (int k = 0; k < NLINKS; k++)
		if (link_target[k] >= 0)
			GC_unregister_disappearing_link((void **)&links[k]);
	for (int i = 0; i < nmodel; i++) {
		if (model[i].kind == K_UNCOLL && !model[i].freed) {
			GC_FREE(addr(i));
			model[i].freed = 1;
		}
		__atomic_store_n(&model[i].toggle, GC_TOGGLE_REF_DROP,
				 __ATOMIC_RELEASE);
	}
	memset(slots, 0, sizeof slots);
	return 0;
}
