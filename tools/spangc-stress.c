/*
 * spangc-stress: a multi-threaded allocate-and-verify stress for any
 * collector with bdwgc's API (spangc, or Debian's libgc to compare).
 *
 * Each thread keeps a table of structures reachable from a GC-allocated
 * slot table: linked lists, binary trees, wide arrays of nodes (marking
 * them fills and shares the mark stack), lists of typed nodes
 * (gc_typed.h), lists held by interior pointers only, and large
 * pointer-free blocks.  Every node carries a checksum of its contents and
 * of its children's addresses, and its value is a function of the
 * structure's seed and the node's position, so a node reclaimed while
 * reachable, reused or overwritten is found.  Threads replace random
 * structures (verifying the one they drop), keep their live data near
 * --live-mib, and re-verify all of theirs every few hundred operations.
 * Optionally: finalizers on dropped structures (which must only ever run
 * on unreachable ones, with the structure intact), disappearing links
 * (set while the structure is held, cleared or intact after it is
 * dropped), explicit GC_FREE of dropped structures, and fork() children
 * that verify and collect.  The first corrupted node found is named and
 * the program exits with status 1.
 *
 * Output: "metric NAME VALUE" lines (throughput, collections, pause
 * percentiles, peak resident set) and "spangc-stress: ok".  See
 * doc/spangc-stress.1.
 */
#define GC_THREADS 1
#include <gc/gc.h>
#include <gc/gc_typed.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define DROPPED 0xd00dfeedu  /* node state once its structure is dropped */
#define IOFF 16              /* interior links point this far into a node */
#define WATCH 64             /* disappearing links watched per thread */
#define MAX_PAUSES (1 << 18) /* pause samples kept (a ring) */

enum kind { K_NONE, K_LIST, K_TREE, K_WIDE, K_TYPED, K_INTERIOR, K_BLOCK,
	    K_COUNT };
static const char *const kind_name[K_COUNT] = {
	"none", "list", "tree", "wide array", "typed list",
	"interior-pointer list", "block"
};

struct node {
	struct node *a, *b;    /* next (lists); left, right (trees) */
	uintptr_t val;         /* mix(seed, index) */
	uintptr_t *payload;    /* pointer-free, 2 words: ~val, val * 3 */
	uintptr_t sum;         /* node_hash of the words above */
	uintptr_t state;       /* 0, or DROPPED */
};

struct slot {
	void *root;            /* for K_INTERIOR, a pointer IOFF into a node */
	uintptr_t kind, seed, size, sum, bytes, flags;
	uintptr_t link;        /* hidden pointer, a disappearing link */
};
#define F_FINAL 1
#define F_WEAK 2

struct watch {                 /* a dropped structure's disappearing link */
	uintptr_t link, kind, seed;
};

struct worker {
	int id;
	pthread_t tid;
	struct slot *slots;    /* GC-allocated: the thread's roots */
	struct watch *watch;   /* GC-allocated, links only (hidden) */
	size_t nslots, live, budget;
	unsigned long ops, verified, freed, forks, watched, cleared;
	unsigned long long allocated;
	uint64_t rng;
};

/* Options. */
static int nthreads = 4;
static double live_mib = 64;
static double seconds = 10;
static enum { D_SMALL, D_MIXED, D_LARGE } dist = D_MIXED;
static int pct_final, pct_weak, pct_free, do_fork, corrupt;
static uint64_t seed = 1;

static int stop; /* atomic */
static unsigned long finalized; /* atomic */
static GC_descr typed_descr;
static struct worker workers[MAX_THREADS];

/* Pauses, from the collection events. */
static double pauses[MAX_PAUSES];
static unsigned long npauses;
static double stop_start, gc_start;
static int have_stop_events;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void record_pause(double s)
{
	pauses[npauses % MAX_PAUSES] = s;
	npauses++;
}

/* Called by the collector, lock held: no allocation here. */
static void on_event(GC_EventType e)
{
	switch (e) {
	case GC_EVENT_START:
		gc_start = now();
		break;
	case GC_EVENT_PRE_STOP_WORLD:
		stop_start = now();
		break;
	case GC_EVENT_POST_START_WORLD:
		if (stop_start > 0) {
			have_stop_events = 1;
			record_pause(now() - stop_start);
			stop_start = 0;
		}
		break;
	case GC_EVENT_END:
		/* Without stop/start events, the whole collection. */
		if (!have_stop_events && gc_start > 0)
			record_pause(now() - gc_start);
		gc_start = 0;
		break;
	default:
		break;
	}
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uintptr_t mix(uintptr_t s, uintptr_t i)
{
	uint64_t x = (uint64_t)s * 0x9e3779b97f4a7c15u + i;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 29;
	return (uintptr_t)x;
}

static uintptr_t node_hash(const struct node *n)
{
	uintptr_t h = mix(n->val, (uintptr_t)n->a);
	h = mix(h, (uintptr_t)n->b);
	return mix(h, (uintptr_t)n->payload);
}

static void die_node(const struct worker *w, const void *node,
		     const char *kind, uintptr_t sd, uintptr_t index,
		     const char *what, uintptr_t got, uintptr_t want)
{
	fprintf(stderr, "spangc-stress: thread %d: corrupted node %p (%s, "
		"seed %#lx, index %lu): %s: found %#lx, expected %#lx\n",
		w ? w->id : -1, node, kind, (unsigned long)sd,
		(unsigned long)index, what, (unsigned long)got,
		(unsigned long)want);
	fflush(stderr);
	_exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "spangc-stress: %s\n", what);
	fflush(stderr);
	_exit(1);
}

static void *xmalloc(struct worker *w, size_t n, int kind)
{
	void *p;
	switch (kind) {
	case 1: p = GC_MALLOC_ATOMIC(n); break;
	case 2: p = GC_MALLOC_EXPLICITLY_TYPED(n, typed_descr); break;
	default: p = GC_MALLOC(n); break;
	}
	if (!p) {
		fprintf(stderr, "spangc-stress: out of memory (%zu bytes)\n",
			n);
		_exit(2);
	}
	if (w)
		w->allocated += n;
	return p;
}

/* ---- building ---- */

static struct node *new_node(struct worker *w, uintptr_t val, int typed,
			     size_t *bytes)
{
	struct node *n = xmalloc(w, sizeof *n, typed ? 2 : 0);
	n->val = val;
	n->payload = xmalloc(w, 2 * sizeof(uintptr_t), 1);
	n->payload[0] = ~val;
	n->payload[1] = val * 3;
	*bytes += sizeof *n + 2 * sizeof(uintptr_t);
	return n;
}

static void seal(struct node *n)
{
	n->sum = node_hash(n);
}

/* Lists prepend nodes len-1 .. 0; an interior list links (and is held
 * by) pointers IOFF bytes into its nodes. */
static void *build_list(struct worker *w, uintptr_t sd, uintptr_t len,
			int typed, int interior, size_t *bytes)
{
	struct node *head = NULL;
	for (uintptr_t i = len; i-- > 0;) {
		struct node *n = new_node(w, mix(sd, i), typed, bytes);
		n->a = interior && head ? (struct node *)((char *)head + IOFF)
					: head;
		seal(n);
		head = n;
	}
	return interior ? (char *)head + IOFF : (void *)head;
}

static struct node *build_tree(struct worker *w, uintptr_t sd, int depth,
			       uintptr_t *next, size_t *bytes)
{
	if (depth == 0)
		return NULL;
	struct node *n = new_node(w, mix(sd, (*next)++), 0, bytes);
	n->a = build_tree(w, sd, depth - 1, next, bytes);
	n->b = build_tree(w, sd, depth - 1, next, bytes);
	seal(n);
	return n;
}

/* ---- verifying ---- */

static void check_node(const struct worker *w, const struct slot *s,
		       const struct node *n, uintptr_t i)
{
	const char *k = kind_name[s->kind];
	if (GC_base((void *)n) != n)
		die_node(w, n, k, s->seed, i, "not the start of an object",
			 (uintptr_t)GC_base((void *)n), (uintptr_t)n);
	if (n->val != mix(s->seed, i))
		die_node(w, n, k, s->seed, i, "value", n->val,
			 mix(s->seed, i));
	if (n->sum != node_hash(n))
		die_node(w, n, k, s->seed, i, "checksum", n->sum,
			 node_hash(n));
	if (GC_base(n->payload) != n->payload)
		die_node(w, n, k, s->seed, i, "payload not an object",
			 (uintptr_t)n->payload, 0);
	if (n->payload[0] != ~n->val || n->payload[1] != n->val * 3)
		die_node(w, n, k, s->seed, i, "payload", n->payload[0],
			 ~n->val);
	if (n->state != 0)
		die_node(w, n, k, s->seed, i, "state (finalized while held?)",
			 n->state, 0);
}

static uintptr_t check_tree(const struct worker *w, const struct slot *s,
			    const struct node *n, int depth, uintptr_t *next)
{
	if (depth == 0) {
		if (n)
			die_node(w, n, "tree", s->seed, *next,
				 "deeper than built", (uintptr_t)n, 0);
		return 0;
	}
	if (!n)
		die_node(w, n, "tree", s->seed, *next, "missing node", 0, 1);
	check_node(w, s, n, (*next)++);
	uintptr_t c = n->val;
	c += check_tree(w, s, n->a, depth - 1, next);
	c += check_tree(w, s, n->b, depth - 1, next);
	return c;
}

static void *slot_base(const struct slot *s)
{
	return s->kind == K_INTERIOR ? (char *)s->root - IOFF : s->root;
}

static void verify(struct worker *w, const struct slot *s)
{
	uintptr_t c = 0;
	const char *k = kind_name[s->kind < K_COUNT ? s->kind : 0];
	switch (s->kind) {
	case K_NONE:
		return;
	case K_LIST:
	case K_TYPED:
	case K_INTERIOR: {
		int in = s->kind == K_INTERIOR;
		uintptr_t i = 0;
		const char *p = s->root;
		while (p) {
			const struct node *n =
				(const struct node *)(in ? p - IOFF : p);
			if (i >= s->size)
				die_node(w, n, k, s->seed, i,
					 "list longer than built", i, s->size);
			check_node(w, s, n, i);
			c += n->val;
			p = (const char *)n->a;
			i++;
		}
		if (i != s->size)
			die_node(w, NULL, k, s->seed, i, "list length", i,
				 s->size);
		break;
	}
	case K_TREE: {
		uintptr_t next = 0;
		c = check_tree(w, s, s->root, (int)s->size, &next);
		break;
	}
	case K_WIDE: {
		struct node *const *a = s->root;
		if (GC_base((void *)a) != a)
			die_node(w, a, k, s->seed, 0, "array not an object",
				 (uintptr_t)GC_base((void *)a), (uintptr_t)a);
		for (uintptr_t i = 0; i < s->size; i++) {
			check_node(w, s, a[i], i);
			c += a[i]->val;
		}
		break;
	}
	case K_BLOCK: {
		const uintptr_t *b = s->root;
		if (GC_base((void *)b) != b ||
		    GC_size((void *)b) < s->size * sizeof *b)
			die_node(w, b, k, s->seed, 0, "block not an object",
				 (uintptr_t)GC_base((void *)b), (uintptr_t)b);
		for (uintptr_t i = 0; i < s->size; i++) {
			if (b[i] != mix(s->seed, i))
				die_node(w, b + i, k, s->seed, i, "block word",
					 b[i], mix(s->seed, i));
			c += b[i];
		}
		break;
	}
	default:
		die_node(w, s, "slot", s->seed, 0, "kind", s->kind, 0);
	}
	if (c != s->sum)
		die_node(w, slot_base(s), k, s->seed, 0, "structure checksum",
			 c, s->sum);
	if ((s->flags & F_WEAK) && s->link != GC_HIDE_POINTER(slot_base(s)))
		die_node(w, slot_base(s), k, s->seed, 0,
			 "disappearing link of a held structure", s->link,
			 GC_HIDE_POINTER(slot_base(s)));
	w->verified++;
}

/* A finalizer: the structure must have been dropped and be intact. */
static void finalize(void *obj, void *cd)
{
	(void)cd;
	for (struct node *n = obj; n; n = n->a) {
		if (n->state != DROPPED)
			die_node(NULL, n, "finalized list", 0, 0,
				 "finalizer ran on a node still held",
				 n->state, DROPPED);
		if (n->sum != node_hash(n))
			die_node(NULL, n, "finalized list", 0, 0, "checksum",
				 n->sum, node_hash(n));
	}
	__atomic_add_fetch(&finalized, 1, __ATOMIC_RELAXED);
}

static void *reveal(void *p)
{
	return GC_REVEAL_POINTER(*(uintptr_t *)p);
}

/* Resolve the watch entry e: cleared, or the dropped head intact. */
static void settle_watch(struct worker *w, struct watch *e)
{
	if (!e->kind)
		return;
	void *p = GC_call_with_alloc_lock(reveal, &e->link);
	if (!e->link) {
		w->cleared++;
	} else if (e->kind == K_BLOCK) {
		if (*(uintptr_t *)p != mix(e->seed, 0))
			die_node(w, p, "weakly held block", e->seed, 0,
				 "block word", *(uintptr_t *)p,
				 mix(e->seed, 0));
		GC_unregister_disappearing_link((void **)&e->link);
	} else {
		const struct node *n = p;
		if (n->sum != node_hash(n))
			die_node(w, n, "weakly held node", e->seed, 0,
				 "checksum", n->sum, node_hash(n));
		GC_unregister_disappearing_link((void **)&e->link);
	}
	e->link = 0;
	e->kind = 0;
}

static void free_tree(struct node *n)
{
	if (!n)
		return;
	free_tree(n->a);
	free_tree(n->b);
	GC_FREE(n->payload);
	GC_FREE(n);
}

/* Drop s's structure: it becomes garbage, or is freed explicitly. */
static void drop(struct worker *w, struct slot *s)
{
	if (s->kind == K_NONE)
		return;
	void *base = slot_base(s);
	int free_it = pct_free && (int)(next_rand(&w->rng) % 100) < pct_free;
	if (s->flags & F_FINAL) {
		for (struct node *n = base; n; n = n->a)
			n->state = DROPPED;
		if (free_it)
			GC_REGISTER_FINALIZER(base, 0, 0, 0, 0);
	}
	if (s->flags & F_WEAK) {
		if (free_it) {
			GC_unregister_disappearing_link((void **)&s->link);
		} else {
			struct watch *e = &w->watch[w->watched++ % WATCH];
			settle_watch(w, e);
			GC_move_disappearing_link((void **)&s->link,
						  (void **)&e->link);
			e->kind = s->kind;
			e->seed = s->seed;
		}
		s->link = 0;
	}
	if (free_it) {
		switch (s->kind) {
		case K_LIST: case K_TYPED: case K_INTERIOR: {
			struct node *n = base;
			while (n) {
				struct node *next = n->a;
				if (next && s->kind == K_INTERIOR)
					next = (struct node *)((char *)next -
							       IOFF);
				GC_FREE(n->payload);
				GC_FREE(n);
				n = next;
			}
			break;
		}
		case K_TREE:
			free_tree(base);
			break;
		case K_WIDE: {
			struct node **a = base;
			for (uintptr_t i = 0; i < s->size; i++) {
				GC_FREE(a[i]->payload);
				GC_FREE(a[i]);
			}
			GC_FREE(a);
			break;
		}
		default:
			GC_FREE(base);
		}
		w->freed++;
	}
	w->live -= s->bytes;
	s->kind = K_NONE;
	s->root = NULL;
	s->flags = 0;
}

static uintptr_t pick_size(struct worker *w, uintptr_t max)
{
	return 1 + (uintptr_t)(next_rand(&w->rng) >> 8) % max;
}

static void build(struct worker *w, struct slot *s)
{
	uintptr_t sd = (uintptr_t)next_rand(&w->rng);
	uintptr_t r = (uintptr_t)next_rand(&w->rng) % 32;
	int small = dist == D_SMALL, large = dist == D_LARGE;
	uintptr_t c = 0, size;
	size_t bytes = 0;
	void *root;
	enum kind kind;
	if (large)
		r = r < 16 ? 31 : r; /* half blocks */
	if (r < 8)
		kind = K_LIST;
	else if (r < 14)
		kind = K_TREE;
	else if (r < 19)
		kind = K_WIDE;
	else if (r < 23)
		kind = K_TYPED;
	else if (r < 27)
		kind = K_INTERIOR;
	else
		kind = K_BLOCK;
	switch (kind) {
	case K_LIST: case K_TYPED: case K_INTERIOR:
		size = pick_size(w, small ? 64 : 3000);
		root = build_list(w, sd, size, kind == K_TYPED,
				  kind == K_INTERIOR, &bytes);
		for (uintptr_t i = 0; i < size; i++)
			c += mix(sd, i);
		break;
	case K_TREE: {
		size = pick_size(w, small ? 6 : 11);
		uintptr_t next = 0;
		root = build_tree(w, sd, (int)size, &next, &bytes);
		for (uintptr_t i = 0; i < next; i++)
			c += mix(sd, i);
		break;
	}
	case K_WIDE: {
		size = pick_size(w, small ? 64 : 8192);
		struct node **a = xmalloc(w, size * sizeof *a, 0);
		bytes += size * sizeof *a;
		for (uintptr_t i = 0; i < size; i++) {
			a[i] = new_node(w, mix(sd, i), 0, &bytes);
			seal(a[i]);
			c += a[i]->val;
		}
		root = a;
		break;
	}
	default: {
		uintptr_t max = small ? 1024 : large ? 4 << 20 : 256 << 10;
		size = pick_size(w, max / sizeof(uintptr_t));
		if (large)
			size += (64 << 10) / sizeof(uintptr_t);
		uintptr_t *b = xmalloc(w, size * sizeof *b, 1);
		bytes += size * sizeof *b;
		for (uintptr_t i = 0; i < size; i++) {
			b[i] = mix(sd, i);
			c += b[i];
		}
		root = b;
		break;
	}
	}
	s->kind = K_NONE; /* a torn slot is never verified */
	s->root = root;
	s->seed = sd;
	s->size = size;
	s->sum = c;
	s->bytes = bytes;
	s->flags = 0;
	void *base = kind == K_INTERIOR ? (char *)root - IOFF : root;
	if (pct_final && (kind == K_LIST || kind == K_TYPED) &&
	    (int)(next_rand(&w->rng) % 100) < pct_final) {
		GC_REGISTER_FINALIZER(base, finalize, 0, 0, 0);
		s->flags |= F_FINAL;
	}
	if (pct_weak && (int)(next_rand(&w->rng) % 100) < pct_weak) {
		s->link = GC_HIDE_POINTER(base);
		if (GC_GENERAL_REGISTER_DISAPPEARING_LINK((void **)&s->link,
							   base) != GC_SUCCESS)
			fail("GC_general_register_disappearing_link failed");
		s->flags |= F_WEAK;
	}
	s->kind = kind;
	w->live += bytes;
}

static void flip_a_bit(struct worker *w)
{
	for (size_t i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slots[i];
		if (s->kind == K_BLOCK) {
			((uintptr_t *)s->root)[0] ^= 1;
			return;
		}
		if (s->kind == K_LIST || s->kind == K_TREE) {
			((struct node *)s->root)->val ^= 1;
			return;
		}
	}
}

/* A fork child verifies what this thread holds, allocates, collects. */
static void fork_check(struct worker *w)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		for (size_t i = 0; i < w->nslots; i++)
			verify(w, &w->slots[i]);
		for (int k = 0; k < 8; k++) {
			struct slot *s = &w->slots[next_rand(&w->rng) %
						   w->nslots];
			drop(w, s);
			build(w, s);
		}
		GC_gcollect();
		for (size_t i = 0; i < w->nslots; i++)
			verify(w, &w->slots[i]);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("a fork child found the heap damaged or crashed");
	w->forks++;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	w->watch = xmalloc(NULL, WATCH * sizeof *w->watch, 1);
	memset(w->watch, 0, WATCH * sizeof *w->watch);
	w->slots = xmalloc(NULL, w->nslots * sizeof *w->slots, 0);
	for (size_t i = 0; i < w->nslots && w->live < w->budget; i++)
		build(w, &w->slots[i]);
	double last_collect = now(), last_fork = now();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct slot *s = &w->slots[next_rand(&w->rng) % w->nslots];
		verify(w, s);
		drop(w, s);
		build(w, s);
		for (int tries = 0; w->live > w->budget && tries < 8; tries++) {
			struct slot *o =
				&w->slots[next_rand(&w->rng) % w->nslots];
			if (o != s) {
				verify(w, o);
				drop(w, o);
			}
		}
		__atomic_store_n(&w->ops, w->ops + 1, __ATOMIC_RELAXED);
		if (corrupt && w->id == 0 && w->ops == 20)
			flip_a_bit(w);
		if (w->ops % 256 == 0 || (corrupt && w->ops == 21))
			for (size_t i = 0; i < w->nslots; i++)
				verify(w, &w->slots[i]);
		if (w->id == 0 && now() - last_collect > 2.0) {
			GC_gcollect();
			last_collect = now();
		}
		if (do_fork && w->id == 0 && now() - last_fork > 3.0) {
			fork_check(w);
			last_fork = now();
		}
	}
	for (size_t i = 0; i < w->nslots; i++)
		verify(w, &w->slots[i]);
	return NULL;
}

static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	size_t n = strlen(key);
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			kib = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t r = (size_t)(p / 100 * (double)n + 0.999999);
	return v[r ? r - 1 : 0];
}

/* Average bytes of one structure for the distribution. */
static size_t average_bytes(void)
{
	switch (dist) {
	case D_SMALL: return 2 << 10;
	case D_LARGE: return 1 << 20;
	default: return 96 << 10;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spangc-stress [--threads N] [--live-mib M] "
		"[--seconds S]\n"
		"       [--size-dist small|mixed|large] [--finalizers[=PCT]] "
		"[--weak[=PCT]]\n"
		"       [--explicit-free[=PCT]] [--fork] [--seed N] "
		"[--corrupt]\n");
}

static int percent(const char *arg, const char *opt)
{
	if (!arg)
		return 10;
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || v < 0 || v > 100) {
		fprintf(stderr, "spangc-stress: %s takes a percentage "
			"(0-100), not '%s'\n", opt, arg);
		exit(2);
	}
	return (int)v;
}

static double number(const char *arg, const char *opt, double lo, double hi)
{
	char *end;
	double v = strtod(arg, &end);
	if (*end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "spangc-stress: bad value '%s' for %s\n", arg,
			opt);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", required_argument, 0, 't' },
		{ "live-mib", required_argument, 0, 'l' },
		{ "seconds", required_argument, 0, 's' },
		{ "size-dist", required_argument, 0, 'd' },
		{ "finalizers", optional_argument, 0, 'f' },
		{ "weak", optional_argument, 0, 'w' },
		{ "explicit-free", optional_argument, 0, 'x' },
		{ "fork", no_argument, 0, 'k' },
		{ "seed", required_argument, 0, 'r' },
		{ "corrupt", no_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			nthreads = (int)number(optarg, "--threads", 1,
					       MAX_THREADS);
			break;
		case 'l':
			live_mib = number(optarg, "--live-mib", 1, 1 << 20);
			break;
		case 's':
			seconds = number(optarg, "--seconds", 0, 1e9);
			break;
		case 'd':
			if (!strcmp(optarg, "small"))
				dist = D_SMALL;
			else if (!strcmp(optarg, "mixed"))
				dist = D_MIXED;
			else if (!strcmp(optarg, "large"))
				dist = D_LARGE;
			else {
				fprintf(stderr, "spangc-stress: --size-dist "
					"is small, mixed or large\n");
				return 2;
			}
			break;
		case 'f': pct_final = percent(optarg, "--finalizers"); break;
		case 'w': pct_weak = percent(optarg, "--weak"); break;
		case 'x': pct_free = percent(optarg, "--explicit-free"); break;
		case 'k': do_fork = 1; break;
		case 'r':
			seed = (uint64_t)number(optarg, "--seed", 0, 1e18);
			break;
		case 'c': corrupt = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (getenv("STRESS_CORRUPT"))
		corrupt = 1;
	if (do_fork)
		GC_set_handle_fork(1);
	GC_INIT();
	GC_word bm[GC_BITMAP_SIZE(struct node)] = { 0 };
	GC_set_bit(bm, offsetof(struct node, a) / sizeof(GC_word));
	GC_set_bit(bm, offsetof(struct node, b) / sizeof(GC_word));
	GC_set_bit(bm, offsetof(struct node, payload) / sizeof(GC_word));
	typed_descr = GC_make_descriptor(bm, GC_WORD_LEN(struct node));
	GC_set_on_collection_event(on_event);

	size_t budget = (size_t)(live_mib * 1048576 / nthreads);
	size_t nslots = 2 * budget / average_bytes() + 16;
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		w->id = i;
		w->budget = budget;
		w->nslots = nslots;
		w->rng = 0x2545f4914f6cdd1du * (uint64_t)(i + 1) ^
			 mix((uintptr_t)seed, (uintptr_t)i);
		if (!w->rng)
			w->rng = 1;
		if (pthread_create(&w->tid, NULL, work, w) != 0)
			fail("pthread_create failed");
	}
	int tty = isatty(1);
	double t0 = now(), last = t0;
	while (now() - t0 < seconds) {
		usleep(50000);
		if (tty && now() - last >= 1) {
			unsigned long ops = 0;
			for (int i = 0; i < nthreads; i++)
				ops += __atomic_load_n(&workers[i].ops,
						       __ATOMIC_RELAXED);
			printf("\r%6.0f s  %lu ops  %lu collections  RSS %.0f "
			       "MiB ", now() - t0, ops,
			       (unsigned long)GC_get_gc_no(),
			       (double)status_kib("VmRSS") / 1024);
			fflush(stdout);
			last = now();
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	unsigned long ops = 0, verified = 0, freed = 0, forks = 0, cleared = 0;
	unsigned long long allocated = 0;
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		pthread_join(w->tid, NULL);
		ops += w->ops;
		verified += w->verified;
		freed += w->freed;
		forks += w->forks;
		cleared += w->cleared;
		allocated += w->allocated;
	}
	double elapsed = now() - t0;
	if (tty)
		printf("\r\033[K");
	GC_set_on_collection_event(0);
	size_t n = npauses < MAX_PAUSES ? npauses : MAX_PAUSES;
	static double sorted[MAX_PAUSES];
	memcpy(sorted, pauses, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_double);
	printf("metric gc_version %u.%u.%u\n", GC_get_version() >> 16,
	       (GC_get_version() >> 8) & 0xff, GC_get_version() & 0xff);
	printf("metric threads %d\n", nthreads);
	printf("metric seconds %.1f\n", elapsed);
	printf("metric ops %lu\n", ops);
	printf("metric ops_per_s %.0f\n", (double)ops / elapsed);
	printf("metric alloc_mib_per_s %.1f\n",
	       (double)allocated / 1048576 / elapsed);
	printf("metric verified %lu\n", verified);
	printf("metric collections %lu\n", (unsigned long)GC_get_gc_no());
	printf("metric pauses %lu\n", npauses);
	printf("metric pause_p50_ms %.3f\n", pct(sorted, n, 50) * 1e3);
	printf("metric pause_p90_ms %.3f\n", pct(sorted, n, 90) * 1e3);
	printf("metric pause_p99_ms %.3f\n", pct(sorted, n, 99) * 1e3);
	printf("metric pause_max_ms %.3f\n", n ? sorted[n - 1] * 1e3 : 0.0);
	printf("metric finalized %lu\n",
	       __atomic_load_n(&finalized, __ATOMIC_RELAXED));
	printf("metric links_cleared %lu\n", cleared);
	printf("metric explicitly_freed %lu\n", freed);
	printf("metric forks %lu\n", forks);
	printf("metric heap_mib %.1f\n", (double)GC_get_heap_size() / 1048576);
	printf("metric peak_rss_mib %.1f\n",
	       (double)status_kib("VmHWM") / 1024);
	printf("spangc-stress: ok\n");
	return 0;
}
