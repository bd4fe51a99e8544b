/*
 * heap.c: the heap (see heap.h).
 *
 * Address space, as Go reserves it: the heap gets a window of address
 * space, [base, window_end), placed at the first of spangc's arena hints
 * the system honours (addresses far from where the system puts its own
 * mappings), and reserves it from the system only as the heap grows, a
 * whole arena at a time, each reservation placed right after the last so
 * the heap stays contiguous.  Only what is reserved counts against
 * RLIMIT_AS, so a process under `ulimit -v` starts, and near the limit the
 * last reservation shrinks to the pages the heap needs: the heap can use
 * nearly all the limit allows.  The window is 1 TiB, or the limit rounded
 * up to an arena when that is smaller (it sizes the page allocator's
 * bitmaps, which count against the limit too).
 *
 * Departure from Go: Go maps arenas wherever its hints land and tracks
 * them in a sparse radix tree.  spangc keeps one contiguous window, so the
 * page allocator is a flat bitmap, the plausible-heap bounds bdwgc clients
 * read (GC_least/greatest_plausible_heap_addr) are tight, and a word is
 * rejected by one comparison before any table is touched.  When the next
 * reservation cannot be placed right after the last (another mapping is
 * there), the heap stops growing rather than leave a hole.  When no hint
 * is honoured at all (the layout of a sanitizer's shadow memory), the
 * whole window is reserved at once where the system likes, halving it
 * until the system agrees, as before.
 */
#include <string.h>
#include <gc/gc_mark.h>
#include "cache.h"
#include "heap.h"
#include "init.h"
#include "os.h"
#include "sweep.h"

/* Valgrind's client request, where its header is installed: a few
 * instructions that do nothing unless the program runs under memcheck. */
#if defined(__has_include)
# if __has_include(<valgrind/memcheck.h>)
#  include <valgrind/memcheck.h>
#  define SGC_MAKE_DEFINED(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
# endif
#endif
#ifndef SGC_MAKE_DEFINED
# define SGC_MAKE_DEFINED(p, n) ((void)(p), (void)(n))
#endif

struct sgc_heap sgc_heap = { .lock = PTHREAD_MUTEX_INITIALIZER };
struct sgc_heap_arena *sgc_window_arenas[SGC_HEAP_WINDOW >> SGC_ARENA_SHIFT];

int sgc_heap_black_listing = 1;

void *GC_least_plausible_heap_addr;
void *GC_greatest_plausible_heap_addr;

/* spangc's arena hints: i << 40 | 0xc6 << 32 for i = 0, 1, ..., every
 * window below 2^47 (the user space of x86-64 and aarch64 with 4-level
 * tables).  Like Go's 0x00c0 << 32, the high bits are a mix no small
 * integer, single-bit mask or ASCII text has: fewer false references
 * than a round address such as 1 << 38 (a signal mask in a test's data
 * once pinned a list there), and the heap is still far from the system's
 * own mappings, which grow down from the top of user space. */
#define HINT_FIRST ((uintptr_t)0x00c6 << 32)
#define HINT_STEP ((uintptr_t)1 << 40)
#define HINT_LAST ((uintptr_t)0x7ec6 << 32)

int sgc_heap_init(void)
{
	size_t window = SGC_HEAP_WINDOW;
	size_t limit = sgc_os_address_space_limit();
	uintptr_t base = 0, reserved = 0;
	if (limit && limit < window)
		window = sgc_round_up(limit, SGC_ARENA_SIZE);
	for (uintptr_t h = HINT_FIRST; h <= HINT_LAST && !base; h += HINT_STEP)
		if (sgc_os_reserve_at(h, SGC_ARENA_SIZE)) {
			base = h;
			reserved = h + SGC_ARENA_SIZE;
		}
	for (; !base && window >= SGC_ARENA_SIZE; window /= 2) {
		void *p = sgc_os_reserve(window, SGC_ARENA_SIZE);
		if (p) {
			base = (uintptr_t)p;
			reserved = base + window;
			break;
		}
	}
	if (!base)
		return -1;
	sgc_heap.base = base;
	sgc_heap.window_end = base + window;
	sgc_heap.reserved_end = reserved;
	sgc_heap.end = base;
	sgc_store_relaxed(&sgc_heap.sweepgen, 4);
	if (sgc_pagealloc_init(&sgc_heap.pages, base,
			       window / SGC_PAGE_SIZE) != 0)
		return -1;
	GC_least_plausible_heap_addr = (void *)base;
	GC_greatest_plausible_heap_addr = (void *)base;
	return 0;
}

/* Reserve address space so that [base, end) is all reserved: whole arenas
 * right after what is reserved, or, near the address-space limit, just
 * up to end.  Heap lock held.  0 on success. */
static int ensure_reserved(uintptr_t end)
{
	struct sgc_heap *h = &sgc_heap;
	if (end <= h->reserved_end)
		return 0;
	uintptr_t want = sgc_round_up(end, SGC_ARENA_SIZE);
	if (want > h->window_end)
		want = h->window_end;
	if (sgc_os_reserve_at(h->reserved_end, want - h->reserved_end)) {
		h->reserved_end = want;
		return 0;
	}
	if (want > end &&
	    sgc_os_reserve_at(h->reserved_end, end - h->reserved_end)) {
		h->reserved_end = end;
		return 0;
	}
	return -1;
}

/* Grow with the heap lock held so that a run of npages pages fits at the
 * end: the free run already there counts.  Grows by whole steps, less when
 * a maximum heap size or the address-space limit leaves only a part of
 * one. */
static int grow_locked(size_t npages)
{
	struct sgc_heap *h = &sgc_heap;
	size_t tail = sgc_pagealloc_free_tail(&h->pages);
	size_t need = npages > tail ? npages - tail : 0;
	size_t bytes = sgc_round_up(need ? need : 1, SGC_GROW_PAGES) * SGC_PAGE_SIZE;
	uintptr_t old = h->end, new_end = old + bytes;
	uintptr_t min_end = old + (need ? need : 1) * SGC_PAGE_SIZE;
	if (h->max_bytes && new_end - h->base > h->max_bytes &&
	    min_end - h->base <= h->max_bytes)
		new_end = h->base + (h->max_bytes & ~(SGC_PAGE_SIZE - 1));
	if (new_end > h->window_end && min_end <= h->window_end)
		new_end = h->window_end;
	if (new_end > h->window_end || new_end <= old)
		return -1;
	if (h->max_bytes && new_end - h->base > h->max_bytes)
		return -1;
	if (ensure_reserved(new_end) != 0) {
		if (min_end >= new_end || ensure_reserved(min_end) != 0)
			return -1;
		new_end = min_end;
	}
	bytes = new_end - old;
	for (uintptr_t a = old & ~(SGC_ARENA_SIZE - 1); a < new_end;
	     a += SGC_ARENA_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_create(a);
		if (!ha)
			return -1;
		__atomic_store_n(&sgc_window_arenas[(a - h->base) >>
						    SGC_ARENA_SHIFT],
				 ha, __ATOMIC_RELEASE);
	}
	if (sgc_os_commit((void *)old, bytes) != 0)
		return -1;
	sgc_pagealloc_grow(&h->pages, bytes / SGC_PAGE_SIZE);
	__atomic_store_n(&h->end, new_end, __ATOMIC_RELEASE);
	GC_greatest_plausible_heap_addr = (void *)new_end;
	return 0;
}

int sgc_heap_grow(size_t bytes)
{
	pthread_mutex_lock(&sgc_heap.lock);
	/* An explicit grow adds the pages whatever is free at the end. */
	size_t tail = sgc_pagealloc_free_tail(&sgc_heap.pages);
	int rc = grow_locked((bytes + SGC_PAGE_SIZE - 1) / SGC_PAGE_SIZE + tail);
	pthread_mutex_unlock(&sgc_heap.lock);
	return rc;
}

/* Whether [addr, addr + len) may hold old data; raises zeroed_base past it
 * (Go's allocNeedsZero).  Heap lock held. */
static int needs_zero(uintptr_t addr, uintptr_t len)
{
	int dirty = 0;
	uintptr_t end = addr + len;
	while (addr < end) {
		struct sgc_heap_arena *ha = sgc_arena_of(addr);
		uintptr_t off = addr - ha->base;
		uintptr_t arena_end = ha->base + SGC_ARENA_SIZE;
		uintptr_t stop = end < arena_end ? end : arena_end;
		if (off < ha->zeroed_base)
			dirty = 1;
		if (stop - ha->base > ha->zeroed_base)
			ha->zeroed_base = stop - ha->base;
		addr = stop;
	}
	return dirty;
}

static void warn_black(size_t npages);

/* Point spans[] of each page of [addr, addr + npages) at s. */
static void set_spans(uintptr_t addr, size_t npages, struct sgc_span *s)
{
	for (size_t i = 0; i < npages; i++) {
		uintptr_t a = addr + i * SGC_PAGE_SIZE;
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		__atomic_store_n(&ha->spans[sgc_arena_page_index(a)], s,
				 __ATOMIC_RELEASE);
	}
}

/* How many of a new span's first pages must be off the black lists: all
 * of them, for objects the collector scans (a word anywhere inside keeps
 * them, and what they point to) and for large pointer-free ones; none for
 * small pointer-free spans, where a false reference keeps one small
 * object, and for uncollectable kinds, which nothing frees anyway (as
 * bdwgc decides); the first alone with SGC_HEAP_FIRST_PAGE. */
static size_t pages_to_check(size_t npages, unsigned spanclass, int flags)
{
	const struct sgc_kind *k = &sgc_kinds[sgc_spanclass_kind(spanclass)];
	if (!sgc_heap_black_listing || k->uncollectable)
		return 0;
	if (k->scanned == SGC_SCAN_NONE && npages <= 2)
		return 0;
	return (flags & SGC_HEAP_FIRST_PAGE) ? 1 : npages;
}

static sgc_atomic_word black_fallbacks; /* atomic */

size_t sgc_heap_black_fallbacks(void)
{
	return sgc_load_relaxed(&black_fallbacks);
}

/* A run of npages pages, off the black lists when check says so: from the
 * pages there are, else (flags allowing) after one growth, else
 * black-listed ones rather than growing again, which sets *black.  Heap
 * lock held. */
static uintptr_t alloc_pages(size_t npages, size_t check, int flags,
			     int *black)
{
	struct sgc_pagealloc *pa = &sgc_heap.pages;
	int grow = flags & SGC_HEAP_GROW;
	*black = 0;
	if (!check) {
		uintptr_t addr = sgc_pagealloc_alloc(pa, npages);
		if (!addr && grow && grow_locked(npages) == 0)
			addr = sgc_pagealloc_alloc(pa, npages);
		return addr;
	}
	uintptr_t addr = sgc_pagealloc_alloc_clean(pa, npages, check);
	if (!addr && grow && grow_locked(npages) == 0)
		addr = sgc_pagealloc_alloc_clean(pa, npages, check);
	if (!addr && grow) {
		addr = sgc_pagealloc_alloc(pa, npages);
		*black = addr != 0;
	}
	return addr;
}

/* A span struct for [addr, addr + npages pages), set up for spanclass;
 * NULL when the metadata cannot be had. */
static struct sgc_span *new_span(uintptr_t addr, size_t npages,
				 unsigned spanclass)
{
	struct sgc_span *s = sgc_span_alloc_struct();
	if (s && sgc_span_init(s, addr, npages, spanclass) != 0) {
		sgc_span_free_struct(s);
		s = NULL;
	}
	return s;
}

/* Make s, new on its pages, an in-use span swept for this cycle. */
static void publish(struct sgc_span *s, int needzero)
{
	sgc_sweep_note_class(s->spanclass);
	s->needzero = (uint8_t)(needzero &&
				sgc_kinds[sgc_spanclass_kind(s->spanclass)].zeroed);
	set_spans(s->start, s->npages, s);
	sgc_store_relaxed(&s->sweepgen, sgc_heap_sweepgen());
	sgc_fetch_add(&sgc_heap.nspans, 1);
	/* Publish: the state, then the page_in_use bit. */
	sgc_store_release(&s->state, SGC_SPAN_IN_USE);
	struct sgc_heap_arena *ha = sgc_arena_of(s->start);
	sgc_bitmap_clear(ha->page_marks, sgc_arena_page_index(s->start));
	sgc_bitmap_set(ha->page_in_use, sgc_arena_page_index(s->start));
}

/* Fill an empty page cache: the clean free pages of one group, counted
 * in use.  0 when there are none (the caller takes the locked path,
 * which may grow the heap).  Heap lock held. */
static int pcache_fill(struct sgc_pcache *pc)
{
	struct sgc_heap *h = &sgc_heap;
	uint64_t pages, scav;
	uintptr_t g = sgc_pagealloc_take_group(&h->pages, &pages, &scav);
	if (!g)
		return 0;
	uint64_t dirty = 0;
	/* In address order: needs_zero raises zeroed_base as it goes. */
	for (uint64_t m = pages; m; m &= m - 1) {
		unsigned k = sgc_ctz64(m);
		if (needs_zero(g + k * SGC_PAGE_SIZE, SGC_PAGE_SIZE))
			dirty |= (uint64_t)1 << k;
	}
	size_t n = (size_t)sgc_popcount64(pages);
	h->pages_in_use += n;
	sgc_fetch_add(&h->cached_pages, n);
	pc->group = g;
	pc->pages = pages;
	pc->scav = scav;
	pc->dirty = dirty;
	return 1;
}

/* A one-page span from the calling thread's page cache, with no heap lock
 * (but to fill the cache); NULL when the cache has no page to give. */
static struct sgc_span *pcache_alloc(struct sgc_pcache *pc,
				     unsigned spanclass, int *needzero)
{
	if (!pc->pages) {
		pthread_mutex_lock(&sgc_heap.lock);
		int ok = pcache_fill(pc);
		pthread_mutex_unlock(&sgc_heap.lock);
		if (!ok)
			return NULL;
	}
	unsigned k = sgc_ctz64(pc->pages);
	uint64_t bit = (uint64_t)1 << k;
	struct sgc_span *s = new_span(pc->group + k * SGC_PAGE_SIZE, 1,
				      spanclass);
	if (!s)
		return NULL;
	pc->pages &= ~bit;
	sgc_fetch_add(&sgc_heap.cached_pages, (uintptr_t)-1);
	*needzero = (pc->dirty & bit) && !(pc->scav & bit);
	pc->dirty &= ~bit;
	pc->scav &= ~bit;
	publish(s, *needzero);
	return s;
}

void sgc_heap_pcache_flush(struct sgc_pcache *pc)
{
	struct sgc_heap *h = &sgc_heap;
	if (!pc->pages)
		return;
	size_t n = (size_t)sgc_popcount64(pc->pages);
	pthread_mutex_lock(&h->lock);
	sgc_pagealloc_return_group(&h->pages, pc->group, pc->pages, pc->scav);
	h->pages_in_use -= n;
	sgc_fetch_add(&h->cached_pages, -(uintptr_t)n);
	pthread_mutex_unlock(&h->lock);
	memset(pc, 0, sizeof *pc);
}

struct sgc_span *sgc_heap_alloc_span(size_t npages, unsigned spanclass,
				     int flags, int *needzero)
{
	struct sgc_heap *h = &sgc_heap;
	if (!sgc_sweep_done())
		sgc_sweep_reclaim(npages);
	/* Small spans of one page, on an allocating thread (in a critical
	 * section, so not stopped half-way): from its page cache. */
	struct sgc_cache *c = sgc_tls_cache;
	if (c && c->critical) {
		if (npages == 1 && sgc_spanclass_sizeclass(spanclass) != 0 &&
		    sgc_config.page_cache) {
			struct sgc_span *s = pcache_alloc(&c->pcache, spanclass,
							  needzero);
			if (s)
				return s;
		}
		/* Anything larger takes the lowest run that fits, as before:
		 * the pages this thread holds first go back, so that they
		 * count (a heap does not grow past pages cached here). */
		sgc_heap_pcache_flush(&c->pcache);
	}
	size_t check = pages_to_check(npages, spanclass, flags);
	int black;
	pthread_mutex_lock(&h->lock);
	uintptr_t addr = alloc_pages(npages, check, flags, &black);
	if (!addr) {
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	struct sgc_span *s = new_span(addr, npages, spanclass);
	if (!s) {
		sgc_pagealloc_free(&h->pages, addr, npages);
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	int scavenged = sgc_pagealloc_take_scavenged(&h->pages, addr, npages);
	int dirty = needs_zero(addr, npages * SGC_PAGE_SIZE);
	*needzero = dirty && !scavenged;
	h->pages_in_use += npages;
	publish(s, *needzero);
	pthread_mutex_unlock(&h->lock);
	if (black && sgc_spanclass_sizeclass(spanclass) == 0)
		warn_black(npages);
	return s;
}

/* bdwgc's warning for the same case, on the first time and every fifth
 * after (its GC_large_alloc_warn_interval's default).  No lock held: the
 * warn procedure is the client's. */
static void warn_black(size_t npages)
{
	uintptr_t n = sgc_fetch_add(&black_fallbacks, 1);
	if (n % 5 == 0)
		sgc_warn("GC Warning: a large block (about %lu KiB) had to be"
			 " placed on black-listed pages, which words in the"
			 " roots point into: it may be kept alive by them"
			 " (repeated allocation of very large blocks may leak"
			 " memory)\n", (uintptr_t)(npages * SGC_PAGE_SIZE / 1024));
}

void sgc_heap_black_age(void)
{
	if (sgc_heap_black_listing)
		sgc_pagealloc_black_age(&sgc_heap.pages);
}

void sgc_heap_black_list_word(uintptr_t w)
{
	struct sgc_heap *h = &sgc_heap;
	if (!sgc_heap_black_listing)
		return;
	size_t page = (w - h->base) / SGC_PAGE_SIZE;
	/* w may be a stack word nobody wrote: valgrind's memcheck would
	 * follow the page index into the black list and from there into
	 * every later allocation decision.  Which page a false pointer hits
	 * is by design arbitrary: tell memcheck the index is defined. */
	SGC_MAKE_DEFINED(&page, sizeof page);
	/* Pages past the managed range are free by definition; inside it,
	 * a page whose bit is set belongs to a span (tail waste, a free slot:
	 * not ours to list). */
	if (page < h->pages.npages && sgc_pagealloc_in_use(&h->pages, page))
		return;
	sgc_pagealloc_black_add(&h->pages, page);
}

void sgc_heap_free_span(struct sgc_span *s)
{
	struct sgc_heap *h = &sgc_heap;
	SGC_ASSERT(s->on_list == NULL);
	pthread_mutex_lock(&h->lock);
	struct sgc_heap_arena *ha = sgc_arena_of(s->start);
	uintptr_t pg = sgc_arena_page_index(s->start);
	sgc_bitmap_clear(ha->page_in_use, pg);
	sgc_bitmap_clear(ha->page_marks, pg);
	sgc_bitmap_clear(ha->page_specials, pg);
	sgc_pagealloc_free(&h->pages, s->start, s->npages);
	h->pages_in_use -= s->npages;
	sgc_fetch_add(&h->nspans, (uintptr_t)-1);
	sgc_span_free_struct(s); /* state becomes dead */
	pthread_mutex_unlock(&h->lock);
}

size_t sgc_heap_mapped_bytes(void)
{
	return __atomic_load_n(&sgc_heap.end, __ATOMIC_RELAXED) - sgc_heap.base;
}

size_t sgc_heap_unmapped_bytes(void)
{
	return sgc_load_relaxed(&sgc_heap.pages.scav_pages) * SGC_PAGE_SIZE;
}

size_t sgc_heap_free_bytes(void)
{
	size_t free_pages = sgc_load_relaxed(&sgc_heap.pages.free_pages);
	size_t scav = sgc_load_relaxed(&sgc_heap.pages.scav_pages);
	/* Pages in page caches are free too, though counted in use. */
	return (free_pages - (scav < free_pages ? scav : free_pages) +
		sgc_load_relaxed(&sgc_heap.cached_pages)) * SGC_PAGE_SIZE;
}

/* Pages handed back to the system since start (trace.c); atomic. */
static sgc_atomic_word returned_pages;

size_t sgc_heap_returned_bytes(void)
{
	return sgc_load_relaxed(&returned_pages) * SGC_PAGE_SIZE;
}

size_t sgc_heap_scavenge_some(size_t bytes)
{
	size_t pages = bytes / SGC_PAGE_SIZE, done = 0;
	while (done < pages) {
		size_t step = pages - done < 512 ? pages - done : 512;
		pthread_mutex_lock(&sgc_heap.lock);
		size_t n = sgc_pagealloc_scavenge(&sgc_heap.pages, step);
		pthread_mutex_unlock(&sgc_heap.lock);
		done += n;
		if (n < step)
			break;
	}
	sgc_fetch_add(&returned_pages, done);
	return done;
}

size_t sgc_heap_scavenge(void)
{
	pthread_mutex_lock(&sgc_heap.lock);
	size_t n = sgc_pagealloc_scavenge_all(&sgc_heap.pages);
	pthread_mutex_unlock(&sgc_heap.lock);
	sgc_fetch_add(&returned_pages, n);
	return n;
}
