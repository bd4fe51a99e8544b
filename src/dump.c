/*
 * dump.c: bdwgc's dumps (GC_dump, GC_dump_named, GC_dump_regions,
 * GC_print_free_list) and its printf-style output helpers (GC_printf,
 * GC_err_printf, GC_log_printf), for a person to read.
 *
 * Owns nothing but a snapshot buffer.  A dump stops the world (world lock,
 * then the stop) to walk the heap, copies what it finds into the
 * snapshot, restarts the world, and only then prints: a stopped thread
 * may hold stdio's lock.  Called from a thread that already holds the
 * world lock (inside GC_call_with_alloc_lock), it walks without stopping,
 * as spangc_verify_heap does.
 *
 * Output goes to stdout, as bdwgc's does; GC_dump_finalization
 * (finalize.c) prints the finalization tables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gc/gc.h>
#include <spangc.h>
#include "arena.h"
#include "heap.h"
#include "init.h"
#include "os.h"
#include "pagealloc.h"
#include "roots.h"
#include "sizeclass.h"
#include "span.h"
#include "stats.h"
#include "thread.h"

/* Declared by bdwgc's <gc/gc_inline.h> and private headers. */
GC_API void GC_CALL GC_print_free_list(int /* kind */,
				       size_t /* sz_in_granules */);
GC_API void GC_printf(const char *, ...) SGC_PRINTF(1, 2);
GC_API void GC_err_printf(const char *, ...) SGC_PRINTF(1, 2);
GC_API void GC_log_printf(const char *, ...) SGC_PRINTF(1, 2);

/* ---- output helpers ---- */

static void vprint_fd(int fd, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	ssize_t w = write(fd, buf, len);
	(void)w;
}

void GC_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint_fd(1, fmt, ap);
	va_end(ap);
}

void GC_err_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint_fd(2, fmt, ap);
	va_end(ap);
}

void GC_log_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint_fd(__atomic_load_n(&sgc_os_log_fd, __ATOMIC_RELAXED), fmt, ap);
	va_end(ap);
}

/* ---- the snapshot ---- */

struct class_sum {
	size_t spans, pages, objects, slots;
};

enum { MAX_RUNS = 512, MAX_ROOTS = 256 };

struct run {
	uintptr_t start;
	size_t npages;
	int spanclass; /* -1: free pages */
};

static struct {
	struct class_sum sums[SGC_NUM_SPAN_CLASSES];
	struct run runs[MAX_RUNS];
	size_t nruns, more_runs;
	uintptr_t roots[MAX_ROOTS][2];
	size_t nroots, more_roots, root_bytes;
	uintptr_t base, end;
} snap; /* world lock */

static size_t count_allocated(const struct sgc_span *s)
{
	size_t n = 0;
	for (uint32_t i = 0; i < s->nelems; i++)
		n += sgc_span_is_allocated(s, i) != 0;
	return n;
}

/* World stopped (or held by the caller): walk the managed range. */
static void take_snapshot(void)
{
	struct sgc_heap *h = &sgc_heap;
	memset(&snap, 0, sizeof snap);
	pthread_mutex_lock(&h->lock);
	snap.base = h->base;
	snap.end = h->end;
	uintptr_t a = h->base;
	while (a < h->end) {
		size_t i = (a - h->base) / SGC_PAGE_SIZE;
		struct sgc_span *s = NULL;
		size_t np = 1;
		int spc = -1;
		if (sgc_pagealloc_in_use(&h->pages, i)) {
			s = sgc_span_of(a);
			if (s && sgc_load_relaxed(&s->state) == SGC_SPAN_IN_USE &&
			    s->start == a) {
				np = s->npages;
				spc = (int)s->spanclass;
				struct class_sum *c = &snap.sums[s->spanclass];
				c->spans++;
				c->pages += s->npages;
				c->objects += count_allocated(s);
				c->slots += s->nelems;
			}
		} else {
			while (i + np < h->pages.npages &&
			       !sgc_pagealloc_in_use(&h->pages, i + np))
				np++;
		}
		struct run *last = snap.nruns ? &snap.runs[snap.nruns - 1] : NULL;
		if (last && last->spanclass == -1 && spc == -1)
			last->npages += np;
		else if (snap.nruns < MAX_RUNS)
			snap.runs[snap.nruns++] = (struct run){ a, np, spc };
		else
			snap.more_runs++;
		a += np * SGC_PAGE_SIZE;
	}
	pthread_mutex_unlock(&h->lock);
}

static void note_root(uintptr_t lo, uintptr_t hi)
{
	snap.root_bytes += hi - lo;
	if (snap.nroots < MAX_ROOTS) {
		snap.roots[snap.nroots][0] = lo;
		snap.roots[snap.nroots][1] = hi;
		snap.nroots++;
	} else {
		snap.more_roots++;
	}
}

/* Take the snapshot with the world stopped; 0 when the collector is not
 * running yet (nothing to show). */
static int snapshot(int with_roots)
{
	if (!GC_is_init_called())
		return 0;
	int stop = sgc_thread_self() && !sgc_world_held();
	if (stop) {
		sgc_world_lock_acquire();
		sgc_stop_world();
	}
	take_snapshot();
	if (with_roots)
		sgc_roots_for_each(note_root);
	if (stop) {
		sgc_start_world();
		sgc_world_lock_release();
	}
	return 1;
}

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case SGC_KIND_PTRFREE: return "atomic";
	case SGC_KIND_NORMAL: return "normal";
	case SGC_KIND_UNCOLLECTABLE: return "uncollectable";
	case SGC_KIND_AUNCOLLECTABLE: return "atomic uncollectable";
	default: return "client kind";
	}
}

static void print_regions(void)
{
	printf("Heap regions: [%p, %p), runs of %lu-byte pages:\n",
	       (void *)snap.base, (void *)snap.end,
	       (unsigned long)SGC_PAGE_SIZE);
	for (size_t i = 0; i < snap.nruns; i++) {
		const struct run *r = &snap.runs[i];
		if (r->spanclass < 0) {
			printf("  %p  %6zu pages  free\n", (void *)r->start,
			       r->npages);
			continue;
		}
		unsigned spc = (unsigned)r->spanclass;
		unsigned sc = sgc_spanclass_sizeclass(spc);
		printf("  %p  %6zu pages  %s, %s\n", (void *)r->start,
		       r->npages, kind_name(sgc_spanclass_kind(spc)),
		       sc ? "small objects" : "one large object");
	}
	if (snap.more_runs)
		printf("  ... and %zu more runs\n", snap.more_runs);
}

static void print_dump(const char *name)
{
	struct spangc_stats st;
	spangc_get_stats(&st);
	printf("***spangc dump%s%s, after collection #%lu\n",
	       name ? " " : "", name ? name : "", (unsigned long)GC_get_gc_no());
	printf("Heap: %zu bytes in use by the heap, %zu free, %zu returned to"
	       " the system\n", GC_get_heap_size(), GC_get_free_bytes(),
	       GC_get_unmapped_bytes());
	printf("Allocated: %zu bytes since start, %zu since the last"
	       " collection; live after it: %zu bytes\n", GC_get_total_bytes(),
	       GC_get_bytes_since_gc(), (size_t)st.live_bytes);
	printf("Pauses: %.3f ms in all, longest %.3f ms\n",
	       (double)st.total_pause_ns / 1e6, (double)st.max_pause_ns / 1e6);
	printf("Roots (static data and GC_add_roots, less exclusions):"
	       " %zu bytes\n", snap.root_bytes);
	for (size_t i = 0; i < snap.nroots; i++)
		printf("  [%p, %p)\n", (void *)snap.roots[i][0],
		       (void *)snap.roots[i][1]);
	if (snap.more_roots)
		printf("  ... and %zu more ranges\n", snap.more_roots);
	printf("Spans in use, by kind and object size:\n");
	printf("  %-22s %10s %8s %8s %12s %12s\n", "kind", "size", "spans",
	       "pages", "objects", "free slots");
	for (unsigned spc = 0; spc < SGC_NUM_SPAN_CLASSES; spc++) {
		const struct class_sum *c = &snap.sums[spc];
		if (!c->spans)
			continue;
		unsigned sc = sgc_spanclass_sizeclass(spc);
		char size[32];
		if (sc)
			snprintf(size, sizeof size, "%zu", sgc_class_size(sc));
		else
			snprintf(size, sizeof size, "large");
		printf("  %-18s %3u %10s %8zu %8zu %12zu %12zu\n",
		       kind_name(sgc_spanclass_kind(spc)), sgc_spanclass_kind(spc),
		       size, c->spans, c->pages, c->objects,
		       c->slots - c->objects);
	}
	print_regions();
}

void GC_dump_named(const char *name)
{
	if (!snapshot(1)) {
		printf("***spangc dump%s%s: the collector is not initialised\n",
		       name ? " " : "", name ? name : "");
		return;
	}
	print_dump(name);
	fflush(stdout);
	GC_dump_finalization();
	fflush(stdout);
}

void GC_dump(void)
{
	GC_dump_named(NULL);
}

void GC_dump_regions(void)
{
	if (!snapshot(0))
		return;
	print_regions();
	fflush(stdout);
}

void GC_print_free_list(int kind, size_t granules)
{
	/* bdwgc's granule is two words. */
	size_t bytes = granules * 2 * sizeof(void *);
	unsigned sc = bytes <= SGC_MAX_SMALL_SIZE ? sgc_size_to_class(bytes) : 0;
	if (kind < 0 || kind >= SGC_MAX_KINDS || !sc) {
		printf("Free list of kind %d, %zu granules: none\n", kind,
		       granules);
		return;
	}
	if (!snapshot(0))
		return;
	const struct class_sum *c =
		&snap.sums[sgc_spanclass((unsigned)kind, sc)];
	printf("Free list of kind %d (%s), %zu-byte objects: %zu free slots"
	       " in %zu spans (%zu objects allocated)\n", kind,
	       kind_name((unsigned)kind), sgc_class_size(sc),
	       c->slots - c->objects, c->spans, c->objects);
	fflush(stdout);
}
