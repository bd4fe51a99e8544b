/*
 * stress.c: a multi-threaded allocate-and-verify stress for any library
 * with bdwgc's API (spangc, or Debian's libgc for comparison).
 *
 * Each of NTHREADS threads keeps SLOTS structures reachable from a
 * GC-allocated root table: linked lists, binary trees, wide arrays of
 * nodes (marking them fills the mark stack, which parallel markers
 * share) and large pointer-free blocks, every word of which is a function of the
 * structure's seed and the node's position, and each structure's
 * checksum kept beside it.  Threads replace random structures (the old
 * one becomes garbage), verify the one they replace and, now and then,
 * all of theirs; thread 0 also collects explicitly.  Any mismatch (a
 * node reclaimed and reused while reachable, a word overwritten) prints
 * what was found and exits with status 1.
 *
 * Usage: stress [SECONDS]   (default: $SPANGC_STRESS_SECONDS, else 10)
 * With STRESS_CORRUPT=1 in the environment, thread 0 flips one bit of
 * one of its structures after a while: the run must then fail (this is
 * how the smoke test knows the checks can fail).
 * Prints the operations done, the collections and the peak resident set
 * (VmHWM) as "metric NAME VALUE" lines.  Exit status 0 when all is well.
 */
#define GC_THREADS 1
#include <gc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define SLOTS 96
#define MAX_LIST 3000
#define MAX_DEPTH 11
#define MAX_WIDE 8192
#define MAX_BLOCK (256 << 10)

enum kind { K_NONE, K_LIST, K_TREE, K_WIDE, K_BLOCK };

struct node {              /* list and tree nodes */
	struct node *a, *b;    /* next (list); left, right (tree) */
	uintptr_t val;
	uintptr_t *payload;    /* pointer-free, 2 words: ~val, val * 3 */
};

struct slot {              /* one structure: what was built and its sum */
	void *root;
	uintptr_t kind, seed, size, sum;
};

struct worker {
	int id;
	struct slot *slots;    /* GC-allocated: the thread's roots live here */
	unsigned long ops, verified;
	uint64_t rng;
};

static int stop; /* atomic */
static int corrupt;
static double seconds = 10;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uintptr_t mix(uintptr_t seed, uintptr_t i)
{
	uint64_t x = (uint64_t)seed * 0x9e3779b97f4a7c15u + i;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 29;
	return (uintptr_t)x;
}

static void die(const struct worker *w, const char *what, uintptr_t seed,
		uintptr_t i, uintptr_t got, uintptr_t want)
{
	fprintf(stderr, "stress: thread %d: %s: seed %#lx index %lu: "
		"found %#lx, expected %#lx\n", w ? w->id : -1, what,
		(unsigned long)seed, (unsigned long)i, (unsigned long)got,
		(unsigned long)want);
	fflush(stderr);
	_exit(1);
}

static void *xmalloc(size_t n, int atomic)
{
	void *p = atomic ? GC_MALLOC_ATOMIC(n) : GC_MALLOC(n);
	if (!p) {
		fprintf(stderr, "stress: out of memory (%zu bytes)\n", n);
		_exit(2);
	}
	return p;
}

static struct node *new_node(uintptr_t val)
{
	struct node *n = xmalloc(sizeof *n, 0);
	n->val = val;
	n->payload = xmalloc(2 * sizeof(uintptr_t), 1);
	n->payload[0] = ~val;
	n->payload[1] = val * 3;
	return n;
}

static uintptr_t node_sum(const struct worker *w, const struct node *n,
			  uintptr_t seed, uintptr_t i)
{
	if (n->val != mix(seed, i))
		die(w, "node value", seed, i, n->val, mix(seed, i));
	if (GC_base(n->payload) != n->payload)
		die(w, "payload not an object", seed, i,
		    (uintptr_t)n->payload, 0);
	if (n->payload[0] != ~n->val || n->payload[1] != n->val * 3)
		die(w, "payload", seed, i, n->payload[0], ~n->val);
	return n->val ^ (n->payload[1] << 1);
}

/* Build: lists prepend nodes len-1 .. 0; trees number nodes in preorder. */
static struct node *build_list(uintptr_t seed, uintptr_t len, uintptr_t *sum)
{
	struct node *head = NULL;
	for (uintptr_t i = len; i-- > 0;) {
		struct node *n = new_node(mix(seed, i));
		n->a = head;
		head = n;
		*sum += n->val ^ (n->payload[1] << 1);
	}
	return head;
}

static struct node *build_tree(uintptr_t seed, int depth, uintptr_t *next,
			       uintptr_t *sum)
{
	if (depth == 0)
		return NULL;
	struct node *n = new_node(mix(seed, (*next)++));
	*sum += n->val ^ (n->payload[1] << 1);
	n->a = build_tree(seed, depth - 1, next, sum);
	n->b = build_tree(seed, depth - 1, next, sum);
	return n;
}

static uintptr_t check_tree(const struct worker *w, const struct node *n,
			    uintptr_t seed, int depth, uintptr_t *next)
{
	if (depth == 0) {
		if (n)
			die(w, "tree deeper than built", seed, *next,
			    (uintptr_t)n, 0);
		return 0;
	}
	if (!n || GC_base((void *)n) != n)
		die(w, "tree node not an object", seed, *next, (uintptr_t)n, 0);
	uintptr_t s = node_sum(w, n, seed, (*next)++);
	s += check_tree(w, n->a, seed, depth - 1, next);
	s += check_tree(w, n->b, seed, depth - 1, next);
	return s;
}

static void verify(struct worker *w, const struct slot *s)
{
	uintptr_t sum = 0;
	switch (s->kind) {
	case K_NONE:
		return;
	case K_LIST: {
		uintptr_t i = 0;
		for (const struct node *n = s->root; n; n = n->a, i++) {
			if (GC_base((void *)n) != n)
				die(w, "list node not an object", s->seed, i,
				    (uintptr_t)n, 0);
			sum += node_sum(w, n, s->seed, i);
		}
		if (i != s->size)
			die(w, "list length", s->seed, i, i, s->size);
		break;
	}
	case K_TREE: {
		uintptr_t next = 0;
		sum = check_tree(w, s->root, s->seed, (int)s->size, &next);
		break;
	}
	case K_WIDE: {
		struct node *const *a = s->root;
		if (GC_base((void *)a) != a)
			die(w, "array not an object", s->seed, 0, (uintptr_t)a,
			    0);
		for (uintptr_t i = 0; i < s->size; i++) {
			if (GC_base(a[i]) != a[i])
				die(w, "array node not an object", s->seed, i,
				    (uintptr_t)a[i], 0);
			sum += node_sum(w, a[i], s->seed, i);
		}
		break;
	}
	case K_BLOCK: {
		const uintptr_t *b = s->root;
		if (GC_base((void *)b) != b || GC_size((void *)b) <
		    s->size * sizeof *b)
			die(w, "block not an object", s->seed, 0, (uintptr_t)b,
			    0);
		for (uintptr_t i = 0; i < s->size; i++) {
			if (b[i] != mix(s->seed, i))
				die(w, "block word", s->seed, i, b[i],
				    mix(s->seed, i));
			sum += b[i];
		}
		break;
	}
	default:
		die(w, "slot kind", s->seed, 0, s->kind, 0);
	}
	if (sum != s->sum)
		die(w, "checksum", s->seed, 0, sum, s->sum);
	w->verified++;
}

static void rebuild(struct worker *w, struct slot *s)
{
	uintptr_t seed = (uintptr_t)next_rand(&w->rng);
	uintptr_t sum = 0, r = (uintptr_t)next_rand(&w->rng);
	void *root;
	uintptr_t kind, size;
	switch (r % 16) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		kind = K_LIST;
		size = 1 + (r >> 8) % MAX_LIST;
		root = build_list(seed, size, &sum);
		break;
	case 6: case 7: case 8: case 9: case 10: {
		kind = K_TREE;
		size = 1 + (r >> 8) % MAX_DEPTH;
		uintptr_t next = 0;
		root = build_tree(seed, (int)size, &next, &sum);
		break;
	}
	case 11: case 12: case 13: {
		kind = K_WIDE;
		size = 1 + (r >> 8) % MAX_WIDE;
		struct node **a = xmalloc(size * sizeof *a, 0);
		for (uintptr_t i = 0; i < size; i++) {
			a[i] = new_node(mix(seed, i));
			sum += a[i]->val ^ (a[i]->payload[1] << 1);
		}
		root = a;
		break;
	}
	default: {
		kind = K_BLOCK;
		size = 1 + (r >> 8) % (MAX_BLOCK / sizeof(uintptr_t));
		uintptr_t *b = xmalloc(size * sizeof *b, 1);
		for (uintptr_t i = 0; i < size; i++) {
			b[i] = mix(seed, i);
			sum += b[i];
		}
		root = b;
		break;
	}
	}
	s->kind = K_NONE; /* a torn slot is never verified */
	s->root = root;
	s->seed = seed;
	s->size = size;
	s->sum = sum;
	s->kind = kind;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	w->slots = xmalloc(SLOTS * sizeof *w->slots, 0);
	for (int i = 0; i < SLOTS; i++)
		rebuild(w, &w->slots[i]);
	double last_collect = now();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct slot *s = &w->slots[next_rand(&w->rng) % SLOTS];
		verify(w, s);
		rebuild(w, s);
		w->ops++;
		if (corrupt && w->id == 0 && w->ops == 20) {
			struct slot *c = &w->slots[0];
			if (c->kind == K_BLOCK)
				((uintptr_t *)c->root)[0] ^= 1;
			else if (c->kind == K_WIDE)
				((struct node **)c->root)[0]->val ^= 1;
			else
				((struct node *)c->root)->val ^= 1;
		}
		if (w->ops % 256 == 0 || (corrupt && w->ops == 21))
			for (int i = 0; i < SLOTS; i++)
				verify(w, &w->slots[i]);
		if (w->id == 0 && now() - last_collect > 2.0) {
			GC_gcollect();
			last_collect = now();
		}
	}
	for (int i = 0; i < SLOTS; i++)
		verify(w, &w->slots[i]);
	return NULL;
}

static long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	const char *env = getenv("SPANGC_STRESS_SECONDS");
	if (argc > 1)
		seconds = atof(argv[1]);
	else if (env)
		seconds = atof(env);
	corrupt = getenv("STRESS_CORRUPT") != NULL;
	GC_INIT();
	static struct worker workers[NTHREADS];
	pthread_t tids[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		workers[i].id = i;
		workers[i].rng = 0x2545f4914f6cdd1du * (uint64_t)(i + 1);
		if (pthread_create(&tids[i], NULL, work, &workers[i]) != 0) {
			fprintf(stderr, "stress: pthread_create failed\n");
			return 2;
		}
	}
	double t0 = now();
	while (now() - t0 < seconds)
		usleep(50000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	unsigned long ops = 0, verified = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(tids[i], NULL);
		ops += workers[i].ops;
		verified += workers[i].verified;
	}
	printf("metric seconds %.1f\n", now() - t0);
	printf("metric ops %lu\n", ops);
	printf("metric verified %lu\n", verified);
	printf("metric collections %lu\n", (unsigned long)GC_get_gc_no());
	printf("metric heap_mib %.1f\n", (double)GC_get_heap_size() / 1048576);
	printf("metric peak_rss_mib %.1f\n", (double)peak_rss_kib() / 1024);
	printf("stress: ok\n");
	return 0;
}
