/*
 * check_cache.c: white-box tests of src/cache.[ch]: the per-thread cache
 * fills its span slot by slot in address order, refills when full, gives
 * its spans back (on request and at thread exit), and keeps threads'
 * allocations apart.
 */
/* Threads that allocate must be known to the collector: route
 * pthread_create and pthread_join through GC_pthread_create/_join. */
#define GC_THREADS 1
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gc/gc.h>

#include "cache.h"
#include "central.h"
#include "collect.h"
#include "heap.h"
#include "init.h"
#include "pacer.h"
#include "span.h"
#include "testutil.h"

#define clear_stack sgc_test_clear_stack

/* GC_malloc(lb) with all interior pointers on asks for lb + 1 bytes,
 * rounded up to 16 above 8: lb = size - 1 lands exactly in class size. */
static unsigned class_of(size_t size, unsigned kind)
{
	return sgc_spanclass(kind, sgc_size_to_class(size));
}

/* Fill a span slot by slot in address order, then refill. */
START_TEST(test_fill_and_refill)
{
	unsigned spc = class_of(32, SGC_KIND_NORMAL);
	struct sgc_cache *c = sgc_cache_get();
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(sgc_cache_get(), c);
	ck_assert_ptr_eq(c->alloc[spc], &sgc_empty_span);

	char *p0 = GC_malloc(31);
	struct sgc_span *s = c->alloc[spc];
	ck_assert_ptr_ne(s, &sgc_empty_span);
	ck_assert_uint_eq((uintptr_t)p0, s->start);
	ck_assert_uint_eq(s->elem_size, 32);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), sgc_heap_sweepgen() + 3);
	ck_assert_ptr_null(s->on_list);
	for (uint32_t i = 1; i < s->nelems; i++) {
		char *p = GC_malloc(31);
		if (p != p0 + (size_t)i * 32)
			ck_abort_msg("slot %u at %p, expected %p", i, (void *)p,
				     (void *)(p0 + (size_t)i * 32));
		if (c->alloc[spc] != s)
			ck_abort_msg("span replaced at slot %u", i);
	}
	ck_assert_uint_eq(s->alloc_count, s->nelems);
	ck_assert_uint_eq(s->free_index, s->nelems);

	/* Full: the next allocation takes a new span; the old one goes to the
	 * full swept list. */
	char *q = GC_malloc(31);
	struct sgc_span *t = c->alloc[spc];
	ck_assert_ptr_ne(t, s);
	ck_assert_uint_eq((uintptr_t)q, t->start);
	ck_assert_uint_eq(t->alloc_count, 1);
	uintptr_t h = sgc_heap_sweepgen();
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), h);
	ck_assert_ptr_eq(s->on_list,
			 sgc_central_full_swept(&sgc_centrals[spc], h));
	/* Other classes are untouched. */
	ck_assert_ptr_eq(c->alloc[class_of(48, SGC_KIND_NORMAL)],
			 &sgc_empty_span);
	ck_assert_ptr_eq(c->alloc[class_of(32, SGC_KIND_PTRFREE)],
			 &sgc_empty_span);
}
END_TEST

/* volatile: a write-only static array would be optimised away. */
static char *volatile word_objs[1024];

/* Fill the span of 16-byte objects from its first slot, then drop every
 * third object; returns the first.  Out of line, so that the last
 * object's address, left in a register or a spill slot, dies with the
 * frame (it did not under ThreadSanitizer's code generation). */
static __attribute__((noinline)) char *fill_drop_thirds(struct sgc_span **sp)
{
	struct sgc_cache *c = sgc_cache_get();
	char *p0 = GC_malloc(15);
	struct sgc_span *s = c->alloc[class_of(16, SGC_KIND_NORMAL)];
	ck_assert_uint_gt(s->nelems, 130);
	word_objs[0] = p0;
	for (uint32_t i = 1; i < s->nelems; i++) {
		word_objs[i] = GC_malloc(15);
		if (word_objs[i] != p0 + 16 * (size_t)i)
			ck_abort_msg("slot %u misplaced", i);
	}
	for (uint32_t i = 0; i < s->nelems; i++)
		if (i % 3 == 1)
			word_objs[i] = NULL;
	*sp = s;
	return p0;
}

/* A span's fast path stops at each 64-slot word boundary; allocation
 * crosses it without skipping or repeating a slot, also in a span whose
 * free slots are scattered (after a sweep). */
START_TEST(test_word_boundaries)
{
	/* Drop every third object but keep the span; collect; the freed
	 * slots come back in address order. */
	struct sgc_span *s;
	char *p0 = fill_drop_thirds(&s);
	uint32_t n = s->nelems;
	clear_stack();
	GC_gcollect();
	ck_assert_uint_eq(s->alloc_count, n - (n + 1) / 3);
	for (uint32_t i = 1; i < n; i += 3) {
		char *p = GC_malloc(15);
		if (p != p0 + 16 * (size_t)i)
			ck_abort_msg("refilled slot %u: %p, expected %p", i,
				     (void *)p, (void *)(p0 + 16 * (size_t)i));
	}
	ck_assert_uint_eq(s->alloc_count, n);
	ck_assert_ptr_ne(GC_malloc(15), p0 + 16);
}
END_TEST

/* A cache holding a span of every small size class, both kinds, gives
 * each back: the release visits the slots in use, and must miss none. */
START_TEST(test_release_every_class)
{
	struct sgc_cache *c = sgc_cache_get();
	unsigned held = 0;
	for (unsigned cls = 1; cls < SGC_NUM_SIZE_CLASSES; cls++) {
		size_t size = sgc_class_size(cls);
		ck_assert_ptr_nonnull(GC_malloc(size - 1));
		ck_assert_ptr_nonnull(GC_malloc_atomic(size - 1));
	}
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++)
		held += c->alloc[i] != &sgc_empty_span;
	ck_assert_uint_ge(held, SGC_NUM_SIZE_CLASSES);
	sgc_cache_release_all(c);
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++)
		if (c->alloc[i] != &sgc_empty_span)
			ck_abort_msg("class %u still cached", i);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* sgc_cache_release_all gives every span back, crediting the pacer with
 * their unused slots; allocation then continues where it stopped. */
START_TEST(test_release_all)
{
	struct sgc_cache *c = sgc_cache_get();
	unsigned spc[3] = { class_of(64, SGC_KIND_NORMAL),
			    class_of(256, SGC_KIND_PTRFREE),
			    class_of(1024, SGC_KIND_NORMAL) };
	char *last[3];
	last[0] = GC_malloc(63);
	last[1] = GC_malloc_atomic(255);
	last[2] = GC_malloc(1023);
	GC_malloc(63);
	last[0] = GC_malloc(63);
	struct sgc_span *s[3];
	size_t unused = 0;
	for (int i = 0; i < 3; i++) {
		s[i] = c->alloc[spc[i]];
		ck_assert_ptr_ne(s[i], &sgc_empty_span);
		unused += (size_t)(s[i]->nelems - s[i]->alloc_count) *
			  s[i]->elem_size;
	}
	intptr_t since = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);

	sgc_cache_release_all(c);
	uintptr_t h = sgc_heap_sweepgen();
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++)
		if (c->alloc[i] != &sgc_empty_span)
			ck_abort_msg("class %u still cached", i);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(sgc_load_relaxed(&s[i]->sweepgen), h);
		ck_assert_ptr_eq(s[i]->on_list,
				 sgc_central_partial_swept(&sgc_centrals[spc[i]], h));
	}
	ck_assert_int_eq((intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc),
			 since - (intptr_t)unused);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	sgc_cache_release_all(c); /* nothing left: no change */
	ck_assert_int_eq((intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc),
			 since - (intptr_t)unused);

	/* The same spans come back, at the next free slot. */
	ck_assert_ptr_eq(GC_malloc(63), last[0] + 64);
	ck_assert_ptr_eq(GC_malloc_atomic(255), last[1] + 256);
	ck_assert_ptr_eq(GC_malloc(1023), last[2] + 1024);
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_eq(c->alloc[spc[i]], s[i]);
		ck_assert_ptr_null(s[i]->on_list);
	}
}
END_TEST

struct thread_result {
	uintptr_t first, last; /* hidden */
	int n;
};

static void *alloc_and_exit(void *arg)
{
	struct thread_result *r = arg;
	char *p = NULL;
	for (int i = 0; i < r->n; i++) {
		p = GC_malloc(99);
		if (!p)
			return NULL;
		memset(p, 0x11, 99);
		if (i == 0)
			r->first = sgc_test_hide(p);
	}
	r->last = sgc_test_hide(p);
	/* The cache is alive until the thread exits. */
	if (sgc_tls_cache == NULL)
		return NULL;
	return r;
}

/* A thread's cache is released when the thread exits. */
START_TEST(test_thread_exit_releases)
{
	unsigned spc = class_of(112, SGC_KIND_NORMAL);
	struct thread_result r = { 0, 0, 10 };
	pthread_t t;
	void *ret;

	GC_disable();
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_and_exit, &r), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, &r);

	struct sgc_span *s = sgc_span_of_heap((uintptr_t)sgc_test_reveal(r.first));
	ck_assert_ptr_nonnull(s);
	uintptr_t h = sgc_heap_sweepgen();
	ck_assert_uint_eq(s->spanclass, spc);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), h);
	ck_assert_ptr_eq(s->on_list,
			 sgc_central_partial_swept(&sgc_centrals[spc], h));
	ck_assert_uint_eq(s->alloc_count, 10);
	ck_assert_int_eq(sgc_verify_heap(), 0);

	/* A second thread continues in the released span. */
	struct thread_result r2 = { 0, 0, 1 };
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_and_exit, &r2), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, &r2);
	ck_assert_ptr_eq(sgc_test_reveal(r2.first),
			 (char *)sgc_test_reveal(r.last) + 112);
	ck_assert_uint_eq(s->alloc_count, 11);
	ck_assert_ptr_eq(s->on_list,
			 sgc_central_partial_swept(&sgc_centrals[spc], h));
	/* And so does this thread. */
	ck_assert_ptr_eq(GC_malloc(99), (char *)sgc_test_reveal(r.last) + 224);
	GC_enable();
}
END_TEST

/* Two or more threads allocating at once get disjoint objects. */
enum { NTHREADS = 4, PER_THREAD = 20000 };

struct worker {
	int id;
	uintptr_t *objs; /* libc memory: not a root (no collection runs) */
	int ok;
};

static size_t worker_size(int i)
{
	static const size_t sizes[] = { 15, 47, 95, 200, 7 };
	return sizes[i % 5];
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		size_t sz = worker_size(i);
		unsigned char *p = GC_malloc(sz);
		if (!p)
			return NULL;
		for (size_t j = 0; j < sz; j++)
			if (p[j])
				return NULL; /* GC_malloc memory is zeroed */
		memset(p, w->id + 1, sz);
		w->objs[i] = (uintptr_t)p;
	}
	w->ok = 1;
	return NULL;
}

static int cmp_uintptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return (x > y) - (x < y);
}

START_TEST(test_threads_disjoint)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	uintptr_t gc0 = GC_get_gc_no();

	GC_disable();
	for (int i = 0; i < NTHREADS; i++) {
		w[i].id = i;
		w[i].ok = 0;
		w[i].objs = malloc(PER_THREAD * sizeof(uintptr_t));
		ck_assert_ptr_nonnull(w[i].objs);
	}
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(w[i].ok, 1);
	}
	ck_assert_uint_eq(GC_get_gc_no(), gc0);

	/* Every object still holds its owner's bytes: nothing overlapped. */
	for (int i = 0; i < NTHREADS; i++)
		for (int k = 0; k < PER_THREAD; k++) {
			const unsigned char *p = (const unsigned char *)w[i].objs[k];
			size_t sz = worker_size(k);
			for (size_t j = 0; j < sz; j++)
				if (p[j] != i + 1)
					ck_abort_msg("thread %d object %d clobbered",
						     i, k);
		}
	/* And the addresses are distinct. */
	uintptr_t *all = malloc(NTHREADS * PER_THREAD * sizeof *all);
	ck_assert_ptr_nonnull(all);
	for (int i = 0; i < NTHREADS; i++)
		memcpy(all + i * PER_THREAD, w[i].objs,
		       PER_THREAD * sizeof *all);
	qsort(all, NTHREADS * PER_THREAD, sizeof *all, cmp_uintptr);
	for (int k = 1; k < NTHREADS * PER_THREAD; k++)
		if (all[k] == all[k - 1])
			ck_abort_msg("object %p handed out twice", (void *)all[k]);
	free(all);
	for (int i = 0; i < NTHREADS; i++)
		free(w[i].objs);
	GC_enable();
}
END_TEST

/* ---- Page caches (heap.h) ---- */

/* Allocate 64-byte objects until a new span had to be made; that span. */
static struct sgc_span *new_span_64(void)
{
	struct sgc_cache *c = sgc_cache_get();
	unsigned spc = class_of(64, SGC_KIND_NORMAL);
	struct sgc_span *first = NULL;
	for (;;) {
		ck_assert_ptr_nonnull(GC_malloc(63));
		struct sgc_span *s = c->alloc[spc];
		if (first && s != first && s->alloc_count == 1 &&
		    s->free_index == 1)
			return s;
		if (!first)
			first = s;
	}
}

static int pcache_holds(const struct sgc_pcache *pc, uintptr_t a)
{
	uintptr_t k = (a - pc->group) / SGC_PAGE_SIZE;
	return a >= pc->group && k < 64 && ((pc->pages >> k) & 1);
}

/* New one-page spans come from the thread's page cache: pages of one
 * group, each leaving the cache as it becomes a span; the verifier
 * counts the pages still cached; a collection gives them back. */
START_TEST(test_page_cache_spans)
{
	struct sgc_cache *c = sgc_cache_get();
	ck_assert_int_eq(sgc_config.page_cache, 1);
	GC_disable();
	struct sgc_span *s = new_span_64();
	const struct sgc_pcache *pc = &c->pcache;
	ck_assert_uint_ne(pc->group, 0);
	ck_assert_uint_eq(s->npages, 1);
	ck_assert_uint_ge(s->start, pc->group);
	ck_assert_uint_lt(s->start, pc->group + 64 * SGC_PAGE_SIZE);
	ck_assert(!pcache_holds(pc, s->start));
	uint64_t before = pc->pages;
	ck_assert_uint_ne(before, 0);
	struct sgc_span *t = new_span_64();
	/* The next span takes the cache's lowest page. */
	ck_assert_uint_eq(t->start, pc->group + (uintptr_t)sgc_ctz64(before) *
						  SGC_PAGE_SIZE);
	ck_assert_uint_eq(pc->pages, before & (before - 1));
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.cached_pages),
			  sgc_popcount64(pc->pages));
	ck_assert_int_eq(sgc_verify_heap(), 0);
	/* A cached page counted wrong is a broken invariant. */
	sgc_fetch_add(&sgc_heap.cached_pages, 1);
	ck_assert_int_gt(sgc_verify_heap(), 0);
	sgc_fetch_add(&sgc_heap.cached_pages, (uintptr_t)-1);
	GC_enable();
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	ck_assert_uint_eq(pc->pages, 0);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.cached_pages), 0);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

static volatile uintptr_t g_root_word;

/* A page a root word points into is black-listed in the mark, and no
 * page cache takes it afterwards (for any kind). */
START_TEST(test_page_cache_skips_black)
{
	struct sgc_cache *c = sgc_cache_get();
	const struct sgc_pcache *pc = &c->pcache;
	ck_assert_int_eq(sgc_heap_black_listing, 1);
	(void)new_span_64();
	ck_assert_uint_ne(pc->pages, 0);
	/* The highest cached page: free once the stop gives it back. */
	uintptr_t page = pc->group + (63 - (uintptr_t)__builtin_clzll(pc->pages)) *
					     SGC_PAGE_SIZE;
	g_root_word = page + 100;
	ck_assert_int_eq(sgc_collect(SGC_REASON_EXPLICIT), 1);
	size_t i = (page - sgc_heap.base) / SGC_PAGE_SIZE;
	ck_assert_int_eq(sgc_pagealloc_is_black(&sgc_heap.pages, i), 1);
	ck_assert_int_eq(sgc_pagealloc_in_use(&sgc_heap.pages, i), 0);
	GC_disable();
	for (int n = 0; n < 100; n++) {
		struct sgc_span *s = new_span_64();
		ck_assert_uint_ne(s->start, page);
		ck_assert(!pcache_holds(pc, page));
	}
	GC_enable();
	g_root_word = 0;
}
END_TEST

/* A thread's cached pages go back when it exits. */
static void *make_spans(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		(void)new_span_64();
	return sgc_tls_cache->pcache.pages ? arg : NULL;
}

START_TEST(test_page_cache_thread_exit)
{
	struct sgc_cache *c = sgc_cache_get();
	int tag;
	void *ret;
	pthread_t t;
	GC_disable();
	ck_assert_int_eq(pthread_create(&t, NULL, make_spans, &tag), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, &tag); /* it had pages cached */
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.cached_pages),
			  sgc_popcount64(c->pcache.pages));
	ck_assert_int_eq(sgc_verify_heap(), 0);
	GC_enable();
}
END_TEST

/* SPANGC_PAGE_CACHE=0: spans come from the page allocator directly. */
START_TEST(test_page_cache_off)
{
	struct sgc_cache *c = sgc_cache_get();
	sgc_config.page_cache = 0;
	sgc_heap_pcache_flush(&c->pcache);
	GC_disable();
	for (int n = 0; n < 10; n++)
		(void)new_span_64();
	ck_assert_uint_eq(c->pcache.pages, 0);
	ck_assert_uint_eq(sgc_load_relaxed(&sgc_heap.cached_pages), 0);
	GC_enable();
	sgc_config.page_cache = 1;
}
END_TEST

Suite *make_cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_fill_and_refill);
	tcase_add_test(tc, test_word_boundaries);
	tcase_add_test(tc, test_release_all);
	tcase_add_test(tc, test_release_every_class);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_thread_exit_releases);
	tcase_add_test(tc, test_threads_disjoint);
	suite_add_tcase(s, tc);

	tc = tcase_create("pages");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_page_cache_spans);
	tcase_add_test(tc, test_page_cache_skips_black);
	tcase_add_test(tc, test_page_cache_thread_exit);
	tcase_add_test(tc, test_page_cache_off);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run_budget(make_cache_suite());
}
