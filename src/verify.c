/*
 * verify.c: the heap verifier (see verify.h).
 */
#include <spangc.h>
#include "cache.h"
#include "central.h"
#include "heap.h"
#include "init.h"
#include "thread.h"
#include "verify.h"

static int problems;

#define BAD(...)                              \
	do {                                  \
		if (problems++ < 20)          \
			sgc_log("verify: " __VA_ARGS__); \
	} while (0)

static uint32_t count_allocated(const struct sgc_span *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->nelems; i++)
		n += i < s->free_index || sgc_bit(s->alloc_bits, i);
	return n;
}

static void check_span(struct sgc_span *s, uintptr_t sg, size_t *cached)
{
	unsigned sc = sgc_spanclass_sizeclass(s->spanclass);
	uintptr_t v = sgc_load_relaxed(&s->sweepgen);
	if (s->spanclass >= SGC_NUM_SPAN_CLASSES) {
		BAD("span %p: bad span class %u", (void *)s->start, s->spanclass);
		return;
	}
	if (sc != 0 && (s->elem_size != sgc_class_size(sc) ||
			s->nelems != sgc_class_nelems(sc) ||
			s->npages != sgc_class_npages(sc)))
		BAD("span %p: layout does not match class %u", (void *)s->start, sc);
	if (sc == 0 && (s->nelems != 1 ||
			s->limit != s->start + s->npages * SGC_PAGE_SIZE))
		BAD("large span %p: bad layout", (void *)s->start);
	if (s->limit > s->start + s->npages * SGC_PAGE_SIZE)
		BAD("span %p: objects run past its pages", (void *)s->start);
	if (s->alloc_count > s->nelems || s->free_index > s->nelems)
		BAD("span %p: alloc_count %u / free_index %u past nelems %u",
		    (void *)s->start, s->alloc_count, s->free_index, s->nelems);
	if (v != sg && v != sg - 2 && v != sg + 3)
		BAD("span %p: sweepgen %lu with heap at %lu", (void *)s->start,
		    (unsigned long)v, (unsigned long)sg);
	if (v == sg + 3) {
		(*cached)++;
		if (s->on_list)
			BAD("span %p: cached and on a list", (void *)s->start);
	} else if (!s->on_list) {
		BAD("span %p: on no list and in no cache", (void *)s->start);
	}
	if (*sgc_span_queued(s))
		BAD("span %p: still on the mark's span queue", (void *)s->start);
	if (v == sg || v == sg + 3) {
		/* the sweeper clears the grey bits with the mark bytes
		 * (a mark leaves them zero too, but to valgrind a bit set
		 * and cleared from a word of a stack's unwritten slot
		 * stays undefined until then) */
		const uint64_t *grey = sgc_span_grey(s);
		for (size_t w = 0; w < sgc_bitmap_words(s->nelems); w++)
			if (grey[w]) {
				BAD("swept span %p has grey bits set",
				    (void *)s->start);
				break;
			}
		if (sgc_load_relaxed(sgc_span_grey_owner(s)))
			BAD("swept span %p still has a marker owning it",
			    (void *)s->start);
		uint32_t n = count_allocated(s);
		if (n != s->alloc_count)
			BAD("span %p: alloc_count %u but %u allocated",
			    (void *)s->start, s->alloc_count, n);
		for (size_t i = 0; i < sgc_span_mark_bytes(s->nelems); i++)
			if (s->gcmarks[i]) {
				BAD("swept span %p has mark bytes set",
				    (void *)s->start);
				break;
			}
	}
}

/* Walk the managed range; returns the number of in-use spans found. */
static size_t check_pages(uintptr_t sg, size_t *pages, size_t *cached,
			  size_t *cached_pages)
{
	struct sgc_heap *h = &sgc_heap;
	size_t spans = 0;
	uintptr_t a = h->base;
	*pages = 0;
	while (a < h->end) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		uintptr_t pg = sgc_arena_page_index(a);
		size_t i = (a - h->base) / SGC_PAGE_SIZE;
		if (!ha) {
			BAD("no arena for heap address %p", (void *)a);
			return spans;
		}
		if (!sgc_pagealloc_in_use(&h->pages, i)) {
			if (sgc_bitmap_test(ha->page_in_use, pg))
				BAD("free page %p has its page_in_use bit", (void *)a);
			a += SGC_PAGE_SIZE;
			continue;
		}
		struct sgc_span *s = sgc_span_of(a);
		if (!s || sgc_load_relaxed(&s->state) != SGC_SPAN_IN_USE ||
		    s->start != a) {
			if (!sgc_cache_page_cached(a))
				BAD("page %p in use but neither the start of an"
				    " in-use span nor in a page cache",
				    (void *)a);
			else if (sgc_bitmap_test(ha->page_in_use, pg))
				BAD("cached page %p has its page_in_use bit",
				    (void *)a);
			else
				(*cached_pages)++;
			a += SGC_PAGE_SIZE;
			continue;
		}
		if (!sgc_bitmap_test(ha->page_in_use, pg))
			BAD("span %p lacks its page_in_use bit", (void *)a);
		for (size_t k = 0; k < s->npages; k++) {
			uintptr_t b = a + k * SGC_PAGE_SIZE;
			if (sgc_span_of(b) != s)
				BAD("page %p of span %p maps elsewhere", (void *)b,
				    (void *)a);
			if (!sgc_pagealloc_in_use(&h->pages, i + k))
				BAD("page %p of span %p is free", (void *)b,
				    (void *)a);
			if (k && sgc_bitmap_test(sgc_arena_of(b)->page_in_use,
						 sgc_arena_page_index(b)))
				BAD("inner page %p has a page_in_use bit", (void *)b);
		}
		check_span(s, sg, cached);
		spans++;
		*pages += s->npages;
		a += s->npages * SGC_PAGE_SIZE;
	}
	return spans;
}

static void check_pagealloc(void)
{
	struct sgc_pagealloc *pa = &sgc_heap.pages;
	size_t nchunks = sgc_round_up(pa->npages, SGC_CHUNK_PAGES) / SGC_CHUNK_PAGES;
	size_t free_pages = 0;
	for (size_t c = 0; c < nchunks; c++) {
		struct sgc_chunk_sum s =
			sgc_pagealloc_summarize(&pa->bits[c * SGC_CHUNK_WORDS]);
		struct sgc_chunk_sum t = pa->sums[c];
		if (s.start != t.start || s.max != t.max || s.end != t.end)
			BAD("chunk %zu: summary out of date", c);
		if (c < pa->first_free && s.max)
			BAD("chunk %zu below first_free has free pages", c);
	}
	for (size_t i = 0; i < pa->npages; i++)
		free_pages += !sgc_pagealloc_in_use(pa, i);
	for (size_t i = pa->npages; i < nchunks * SGC_CHUNK_PAGES; i++)
		if (!sgc_pagealloc_in_use(pa, i))
			BAD("page %zu past the heap's end is free", i);
	if (free_pages != pa->free_pages)
		BAD("free_pages %zu, bitmap says %zu", pa->free_pages, free_pages);
}

static size_t check_centrals(void)
{
	size_t listed = 0;
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++) {
		struct sgc_central *c = &sgc_centrals[i];
		pthread_mutex_lock(&c->lock);
		struct sgc_span_list *lists[4] = { &c->partial[0], &c->partial[1],
						   &c->full[0], &c->full[1] };
		for (int j = 0; j < 4; j++) {
			size_t n = 0;
			for (struct sgc_span *s = lists[j]->head; s; s = s->next) {
				n++;
				if (s->spanclass != i || s->on_list != lists[j])
					BAD("span %p on the wrong list", (void *)s->start);
				if (sgc_load_relaxed(&s->state) != SGC_SPAN_IN_USE)
					BAD("dead span on central %u", i);
				if (n > sgc_heap.pages.npages)
					break;
			}
			if (n != lists[j]->n)
				BAD("central %u list %d counts %zu, holds %zu", i, j,
				    lists[j]->n, n);
			listed += n;
		}
		pthread_mutex_unlock(&c->lock);
	}
	return listed;
}

static int verify_stopped(void)
{
	problems = 0;
	uintptr_t sg = sgc_heap_sweepgen();
	size_t pages = 0, cached = 0, cached_pages = 0;
	sgc_cache_lock_all();
	pthread_mutex_lock(&sgc_heap.lock);
	size_t spans = check_pages(sg, &pages, &cached, &cached_pages);
	check_pagealloc();
	if (cached_pages != sgc_load_relaxed(&sgc_heap.cached_pages))
		BAD("cached_pages %lu, page caches hold %zu",
		    (unsigned long)sgc_load_relaxed(&sgc_heap.cached_pages),
		    cached_pages);
	if (pages + cached_pages != sgc_heap.pages_in_use)
		BAD("pages_in_use %zu, spans hold %zu and page caches %zu",
		    sgc_heap.pages_in_use, pages, cached_pages);
	if (spans != sgc_load_relaxed(&sgc_heap.nspans))
		BAD("nspans %lu, found %zu",
		    (unsigned long)sgc_load_relaxed(&sgc_heap.nspans), spans);
	pthread_mutex_unlock(&sgc_heap.lock);
	size_t listed = check_centrals();
	sgc_cache_unlock_all();
	if (listed + cached != spans)
		BAD("%zu spans listed + %zu cached, %zu in use", listed, cached,
		    spans);
	return problems;
}

int sgc_verify_heap(void)
{
	if (!sgc_load_acquire(&sgc_ready))
		return 0;
	/* Other threads (the background sweeper among them) must be stopped
	 * outside their critical sections for the heap to be consistent. */
	int stop = sgc_thread_self() && !sgc_world_held();
	if (stop) {
		sgc_world_lock_acquire();
		sgc_stop_world();
	}
	int n = verify_stopped();
	if (stop) {
		sgc_start_world();
		sgc_world_lock_release();
	}
	return n;
}

void sgc_verify_or_die(const char *where)
{
	int n = sgc_verify_heap();
	if (n)
		sgc_fatal("heap verification failed %s: %d problems", where, n);
}

int spangc_verify_heap(void)
{
	return sgc_verify_heap();
}
