/*
 * check_heap.c: white-box tests of src/heap.[ch]: span allocation and
 * release, page accounting, address-ordered first fit and coalescing,
 * growth, the maximum heap size, needzero, spans larger than an arena,
 * GC_expand_hp, and the black lists (pages root words point into while
 * free are kept from scanned objects).
 *
 * Spans made here with sgc_heap_alloc_span belong to no central; each test
 * frees them (or lists them) before the teardown runs the verifier.
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <string.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "arena.h"
#include "central.h"
#include "heap.h"
#include "span.h"
#include "testutil.h"

#define clear_stack sgc_test_clear_stack

#define PG SGC_PAGE_SIZE

/* A large-object span class: any number of pages. */
static unsigned large_class(void)
{
	return sgc_spanclass(SGC_KIND_NORMAL, 0);
}

static struct sgc_span *get_span(size_t npages, int *needzero)
{
	int nz = -1;
	struct sgc_span *s =
		sgc_heap_alloc_span(npages, large_class(), 1, &nz);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_ne(nz, -1);
	if (needzero)
		*needzero = nz;
	return s;
}

static int page_in_use_bit(uintptr_t addr)
{
	struct sgc_heap_arena *ha = sgc_arena_of(addr);
	ck_assert_ptr_nonnull(ha);
	return sgc_bitmap_test(ha->page_in_use, sgc_arena_page_index(addr));
}

static size_t pages_in_use(void)
{
	return sgc_heap.pages_in_use;
}

static size_t nspans(void)
{
	return sgc_load_relaxed(&sgc_heap.nspans);
}

/* The heap starts empty: GC_init grows it but allocates nothing. */
START_TEST(test_initial_state)
{
	ck_assert_uint_eq(pages_in_use(), 0);
	ck_assert_uint_eq(nspans(), 0);
	ck_assert_uint_ge(GC_get_heap_size(), SGC_GROW_PAGES * PG);
	ck_assert_uint_eq(sgc_heap.end - sgc_heap.base, GC_get_heap_size());
	ck_assert_uint_eq(sgc_heap.pages.free_pages,
			  (sgc_heap.end - sgc_heap.base) / PG);
}
END_TEST

/* A span is published: in use, swept for this cycle, its first page
 * flagged in page_in_use (and only that one), every page mapped to it;
 * freeing undoes all of it. */
START_TEST(test_publish_and_free)
{
	size_t p0 = pages_in_use(), n0 = nspans();
	struct sgc_span *s = get_span(5, NULL);

	ck_assert_uint_eq(sgc_load_acquire(&s->state), SGC_SPAN_IN_USE);
	ck_assert_uint_eq(s->npages, 5);
	ck_assert_uint_eq(s->start % PG, 0);
	ck_assert(sgc_heap_contains(s->start));
	ck_assert(sgc_heap_contains(s->start + 5 * PG - 1));
	ck_assert_uint_eq(s->limit, s->start + 5 * PG);
	ck_assert_uint_eq(s->nelems, 1);
	ck_assert_uint_eq(sgc_load_relaxed(&s->sweepgen), sgc_heap_sweepgen());
	ck_assert_ptr_null(s->on_list);
	ck_assert_uint_eq(pages_in_use(), p0 + 5);
	ck_assert_uint_eq(nspans(), n0 + 1);
	ck_assert_int_eq(page_in_use_bit(s->start), 1);
	for (size_t i = 0; i < 5; i++) {
		uintptr_t a = s->start + i * PG;
		ck_assert_ptr_eq(sgc_span_of(a), s);
		ck_assert_ptr_eq(sgc_span_of(a + PG - 1), s);
		ck_assert_ptr_eq(sgc_span_of_heap(a + 8), s);
		if (i > 0)
			ck_assert_int_eq(page_in_use_bit(a), 0);
		ck_assert_int_eq(sgc_pagealloc_in_use(&sgc_heap.pages,
					(a - sgc_heap.base) / PG), 1);
	}
	/* The neighbouring pages are not the span's. */
	ck_assert_ptr_ne(sgc_span_of(s->start + 5 * PG), s);

	/* A small-object span: its layout comes from the class. */
	unsigned sc = sgc_size_to_class(48);
	unsigned spc = sgc_spanclass(SGC_KIND_NORMAL, sc);
	int nz;
	struct sgc_span *t = sgc_heap_alloc_span(sgc_class_npages(sc), spc, 1,
						 &nz);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->spanclass, spc);
	ck_assert_uint_eq(t->elem_size, sgc_class_size(sc));
	ck_assert_uint_eq(t->nelems, sgc_class_nelems(sc));
	ck_assert_uint_eq(t->limit, t->start + t->nelems * t->elem_size);
	ck_assert_uint_eq(t->free_index, 0);
	ck_assert_uint_eq(t->alloc_count, 0);
	ck_assert_uint_eq(pages_in_use(), p0 + 5 + sgc_class_npages(sc));
	ck_assert_uint_eq(nspans(), n0 + 2);
	ck_assert_int_gt(sgc_verify_heap(), 0); /* both on no list */

	uintptr_t start = s->start;
	sgc_heap_free_span(s);
	ck_assert_uint_eq(pages_in_use(), p0 + sgc_class_npages(sc));
	ck_assert_uint_eq(nspans(), n0 + 1);
	ck_assert_int_eq(page_in_use_bit(start), 0);
	ck_assert_ptr_null(sgc_span_of_heap(start));
	ck_assert_ptr_null(sgc_span_of_heap(start + 4 * PG));
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(sgc_pagealloc_in_use(&sgc_heap.pages,
				(start + i * PG - sgc_heap.base) / PG), 0);
	sgc_heap_free_span(t);
	ck_assert_uint_eq(pages_in_use(), p0);
	ck_assert_uint_eq(nspans(), n0);
}
END_TEST

/* Freed pages are reused, lowest free run first. */
START_TEST(test_first_fit_reuse)
{
	struct sgc_span *a = get_span(2, NULL);
	struct sgc_span *b = get_span(2, NULL);
	struct sgc_span *c = get_span(2, NULL);
	struct sgc_span *d = get_span(2, NULL);
	uintptr_t as = a->start, cs = c->start;

	/* A fresh heap hands out pages in address order. */
	ck_assert_uint_eq(as, sgc_heap.base);
	ck_assert_uint_eq(b->start, as + 2 * PG);
	ck_assert_uint_eq(cs, as + 4 * PG);
	ck_assert_uint_eq(d->start, as + 6 * PG);

	/* Two holes: the lower one is taken first. */
	sgc_heap_free_span(c);
	sgc_heap_free_span(a);
	struct sgc_span *x = get_span(1, NULL);
	ck_assert_uint_eq(x->start, as);
	struct sgc_span *y = get_span(2, NULL); /* does not fit at as + PG */
	ck_assert_uint_eq(y->start, cs);
	struct sgc_span *z = get_span(1, NULL);
	ck_assert_uint_eq(z->start, as + PG);
	/* No hole left below d: a new span goes above it. */
	struct sgc_span *w = get_span(3, NULL);
	ck_assert_uint_eq(w->start, as + 8 * PG);

	sgc_heap_free_span(b);
	sgc_heap_free_span(d);
	sgc_heap_free_span(w);
	sgc_heap_free_span(x);
	sgc_heap_free_span(y);
	sgc_heap_free_span(z);
	ck_assert_uint_eq(pages_in_use(), 0);
}
END_TEST

/* Neighbouring free runs merge: a span of their combined size fits. */
START_TEST(test_adjacent_runs_merge)
{
	struct sgc_span *a = get_span(3, NULL);
	struct sgc_span *b = get_span(5, NULL);
	struct sgc_span *c = get_span(1, NULL); /* fence */
	struct sgc_span *e = get_span(4, NULL); /* a 4-page hole after c */
	struct sgc_span *f = get_span(1, NULL); /* fence */
	uintptr_t as = a->start, es = e->start;

	sgc_heap_free_span(e);
	sgc_heap_free_span(b);
	sgc_heap_free_span(a);
	/* 8 pages: only the merged run [a, b) holds them below the top. */
	struct sgc_span *m = get_span(8, NULL);
	ck_assert_uint_eq(m->start, as);
	/* The 4-page hole is still whole. */
	struct sgc_span *g = get_span(4, NULL);
	ck_assert_uint_eq(g->start, es);

	sgc_heap_free_span(m);
	sgc_heap_free_span(g);
	sgc_heap_free_span(c);
	sgc_heap_free_span(f);
}
END_TEST

/* Spans straddling the end of a 512-page chunk, and a run merged across
 * the chunk boundary. */
START_TEST(test_merge_across_chunks)
{
	struct sgc_span *a = get_span(SGC_CHUNK_PAGES - 2, NULL);
	struct sgc_span *b = get_span(4, NULL); /* straddles the boundary */
	struct sgc_span *c = get_span(10, NULL);
	struct sgc_span *f = get_span(1, NULL);
	uintptr_t bs = b->start;

	ck_assert_uint_eq(bs, sgc_heap.base + (SGC_CHUNK_PAGES - 2) * PG);
	sgc_heap_free_span(b);
	sgc_heap_free_span(c);
	struct sgc_span *m = get_span(14, NULL);
	ck_assert_uint_eq(m->start, bs);
	sgc_heap_free_span(a);
	sgc_heap_free_span(m);
	struct sgc_span *all = get_span(SGC_CHUNK_PAGES + 12, NULL);
	ck_assert_uint_eq(all->start, sgc_heap.base);
	sgc_heap_free_span(all);
	sgc_heap_free_span(f);
}
END_TEST

/* The heap grows, in whole growth units, when no free run fits; it does
 * not when may_grow is 0. */
START_TEST(test_growth)
{
	size_t size0 = GC_get_heap_size();
	size_t npages = size0 / PG + 10;
	int nz;

	ck_assert_ptr_null(sgc_heap_alloc_span(npages, large_class(), 0, &nz));
	ck_assert_uint_eq(GC_get_heap_size(), size0);
	ck_assert_uint_eq(nspans(), 0);

	struct sgc_span *s = get_span(npages, NULL);
	size_t size1 = GC_get_heap_size();
	ck_assert_uint_ge(size1, size0 + 10 * PG);
	ck_assert_uint_le(size1, size0 + sgc_round_up(npages, SGC_GROW_PAGES) * PG);
	ck_assert_uint_eq(size1 % (SGC_GROW_PAGES * PG), 0);
	ck_assert_uint_eq(sgc_heap.end, sgc_heap.base + size1);
	ck_assert_ptr_eq(GC_greatest_plausible_heap_addr, (void *)sgc_heap.end);
	ck_assert(sgc_heap_contains(s->start + npages * PG - 1));
	/* The new memory is usable. */
	memset((void *)(s->start + (npages - 1) * PG), 0xab, PG);

	/* Small spans fit in the leftover: no growth. */
	struct sgc_span *t = get_span(1, NULL);
	if (size1 > (npages + 1) * PG)
		ck_assert_uint_eq(GC_get_heap_size(), size1);
	sgc_heap_free_span(s);
	sgc_heap_free_span(t);
	/* The heap does not shrink by freeing. */
	ck_assert_uint_eq(GC_get_heap_size(), size1);
}
END_TEST

/* GC_set_max_heap_size: alloc_span fails rather than grow past it. */
START_TEST(test_max_heap_size)
{
	size_t max = 4 << 20;
	int nz;

	GC_set_max_heap_size(max);
	/* 2 MiB: the heap's first free MiB, then one more. */
	struct sgc_span *a = get_span(256, NULL);
	ck_assert_uint_eq(GC_get_heap_size(), 2 << 20);
	ck_assert_ptr_null(sgc_heap_alloc_span(257, large_class(), 1, &nz));
	ck_assert_uint_le(GC_get_heap_size(), max);
	struct sgc_span *b = get_span(128, NULL); /* grows by 1 MiB */
	ck_assert_uint_eq(GC_get_heap_size(), 3 << 20);
	struct sgc_span *c = get_span(128, NULL); /* grows to exactly 4 MiB */
	ck_assert_uint_eq(GC_get_heap_size(), max);
	ck_assert_ptr_null(sgc_heap_alloc_span(1, large_class(), 1, &nz));
	ck_assert_uint_eq(GC_get_heap_size(), max);
	ck_assert_int_eq(GC_expand_hp(1 << 20), 0);
	ck_assert_uint_eq(GC_get_heap_size(), max);

	/* Freed pages are still usable under the limit. */
	uintptr_t as = a->start;
	sgc_heap_free_span(a);
	struct sgc_span *d = get_span(200, NULL);
	ck_assert_uint_eq(d->start, as);

	/* Raising the limit lets the heap grow again. */
	GC_set_max_heap_size(0);
	struct sgc_span *e = get_span(300, NULL);
	ck_assert_uint_gt(GC_get_heap_size(), max);

	/* The public allocator answers NULL, through the OOM handler. */
	GC_set_max_heap_size(GC_get_heap_size());
	GC_set_warn_proc(GC_ignore_warn_proc);
	ck_assert_ptr_null(GC_malloc_atomic((size_t)16 << 20));

	sgc_heap_free_span(b);
	sgc_heap_free_span(c);
	sgc_heap_free_span(d);
	sgc_heap_free_span(e);
}
END_TEST

/* A request that the free run at the top of the heap plus growth up to
 * the limit can hold must succeed. */
START_TEST(test_max_heap_size_tail)
{
	int nz;

	GC_set_max_heap_size(4 << 20);
	struct sgc_span *a = get_span(200, NULL); /* heap 2 MiB, 56 pages free */
	ck_assert_uint_eq(GC_get_heap_size(), 2 << 20);
	struct sgc_span *c = sgc_heap_alloc_span(312, large_class(), 1, &nz);
	/* The free run at the top of the heap counts toward the growth:
	 * 56 free + 256 new pages hold it in exactly 4 MiB. */
	ck_assert_ptr_nonnull(c);
	if (c) {
		ck_assert_uint_eq(c->start, a->start + 200 * PG);
		ck_assert_uint_eq(GC_get_heap_size(), 4 << 20);
		sgc_heap_free_span(c);
	}
	ck_assert_uint_le(GC_get_heap_size(), 4 << 20);
	sgc_heap_free_span(a);
}
END_TEST

static int all_zero(uintptr_t p, size_t n)
{
	const unsigned char *c = (const unsigned char *)p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

/* Fresh pages need no zeroing; reused dirty pages do; pages returned to
 * the system are zero again. */
START_TEST(test_needzero)
{
	int nz;
	struct sgc_span *a = get_span(2, &nz);
	uintptr_t as = a->start;

	ck_assert_int_eq(nz, 0);
	ck_assert_int_eq(a->needzero, 0);
	ck_assert(all_zero(as, 2 * PG));
	memset((void *)as, 0x5a, 2 * PG);
	sgc_heap_free_span(a);

	/* The same pages again: dirty. */
	struct sgc_span *b = get_span(1, &nz);
	ck_assert_uint_eq(b->start, as);
	ck_assert_int_eq(nz, 1);
	ck_assert_int_eq(b->needzero, 1);
	/* A span reaching from a used page into fresh ones: dirty. */
	struct sgc_span *c = get_span(4, &nz);
	ck_assert_uint_eq(c->start, as + PG);
	ck_assert_int_eq(nz, 1);
	/* Pages above everything handed out so far: fresh. */
	struct sgc_span *d = get_span(3, &nz);
	ck_assert_uint_eq(d->start, as + 5 * PG);
	ck_assert_int_eq(nz, 0);
	ck_assert(all_zero(d->start, 3 * PG));

	/* Pages returned to the system read as zero: no zeroing needed. */
	sgc_heap_free_span(b);
	sgc_heap_free_span(c);
	ck_assert_uint_gt(sgc_heap_scavenge(), 0);
	ck_assert_uint_ge(GC_get_unmapped_bytes(), 5 * PG);
	struct sgc_span *e = get_span(5, &nz);
	ck_assert_uint_eq(e->start, as);
	ck_assert_int_eq(nz, 0);
	ck_assert(all_zero(as, 5 * PG));
	memset((void *)as, 0x77, 5 * PG);
	sgc_heap_free_span(e);
	/* ... and once dirtied again, they need zeroing again. */
	struct sgc_span *f = get_span(5, &nz);
	ck_assert_int_eq(nz, 1);
	sgc_heap_free_span(f);
	sgc_heap_free_span(d);
}
END_TEST

/* A span larger than an arena straddles arenas: every page maps to it. */
START_TEST(test_huge_span)
{
	size_t npages = SGC_PAGES_PER_ARENA + 7; /* 64 MiB + 56 KiB */
	int nz;
	struct sgc_span *fence = get_span(3, NULL);
	struct sgc_span *s = get_span(npages, &nz);
	uintptr_t start = s->start, last = start + (npages - 1) * PG;

	ck_assert_int_eq(nz, 0);
	ck_assert_uint_eq(start, fence->start + 3 * PG);
	ck_assert_ptr_ne(sgc_arena_of(start), sgc_arena_of(last));
	ck_assert_ptr_nonnull(sgc_arena_of(last));
	ck_assert_uint_ge(GC_get_heap_size(), (npages + 3) * PG);
	for (uintptr_t a = start; a <= last; a += PG)
		if (sgc_span_of(a) != s)
			ck_abort_msg("page %p does not map to the span",
				     (void *)a);
	ck_assert_ptr_eq(sgc_span_of_heap(last + PG - 1), s);
	ck_assert_int_eq(page_in_use_bit(start), 1);
	ck_assert_int_eq(page_in_use_bit(last), 0);
	/* The first page of the second arena is not a span start. */
	uintptr_t a2 = (start + SGC_ARENA_SIZE) & ~(SGC_ARENA_SIZE - 1);
	ck_assert_int_eq(page_in_use_bit(a2), 0);
	/* Its memory is there at both ends. */
	*(volatile char *)start = 1;
	*(volatile char *)(last + PG - 1) = 1;
	ck_assert_uint_eq(pages_in_use(), npages + 3);

	sgc_heap_free_span(s);
	ck_assert_ptr_null(sgc_span_of_heap(last));
	ck_assert_int_eq(page_in_use_bit(start), 0);
	ck_assert_uint_eq(pages_in_use(), 3);
	/* The pages are free again, as one run (the dirty ones need zero). */
	struct sgc_span *t = get_span(npages, &nz);
	ck_assert_uint_eq(t->start, start);
	ck_assert_int_eq(nz, 1);
	sgc_heap_free_span(t);

	/* Twice an arena, through the public allocator. */
	clear_stack();
	char *p = GC_malloc_atomic(2 * SGC_ARENA_SIZE + 1);
	ck_assert_ptr_nonnull(p);
	p[0] = 1;
	p[2 * SGC_ARENA_SIZE] = 2;
	ck_assert_ptr_eq(GC_base(p + 2 * SGC_ARENA_SIZE), p);
	ck_assert_uint_ge(GC_size(p), 2 * SGC_ARENA_SIZE + 1);
	sgc_heap_free_span(fence);
}
END_TEST

/* GC_expand_hp grows the heap by at least the request, in advance. */
START_TEST(test_expand_hp)
{
	size_t size0 = GC_get_heap_size();
	int nz;

	ck_assert_int_eq(GC_expand_hp(10 << 20), 1);
	size_t size1 = GC_get_heap_size();
	ck_assert_uint_ge(size1, size0 + (10 << 20));
	ck_assert_uint_lt(size1, size0 + (10 << 20) + SGC_GROW_PAGES * PG);
	/* The whole heap is usable without growing. */
	struct sgc_span *s = sgc_heap_alloc_span(size1 / PG, large_class(), 0,
						 &nz);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(nz, 0);
	ck_assert_uint_eq(GC_get_heap_size(), size1);
	sgc_heap_free_span(s);
	/* Past the reservation: refused. */
	ck_assert_int_eq(GC_expand_hp(sgc_heap.window_end - sgc_heap.base), 0);
	ck_assert_uint_eq(GC_get_heap_size(), size1);
}
END_TEST

/* A span put on a central is seen by the verifier as listed. */
START_TEST(test_span_listed)
{
	struct sgc_span *s = get_span(2, NULL);
	ck_assert_int_gt(sgc_verify_heap(), 0);
	sgc_central_put_swept(&sgc_centrals[s->spanclass], s);
	ck_assert_ptr_nonnull(s->on_list);
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* Under ulimit -v: the heap starts, grows to nearly what the limit
 * leaves, then allocation ends in the client's out-of-memory handler and
 * NULL, with the heap intact and usable again once garbage is freed.
 * Before the heap reserved arena by arena, start-up aborted ("cannot
 * reserve address space for the heap").  The sanitizers' shadow memory
 * needs more address space than any such limit: skipped under them. */
#if defined(__SANITIZE_ADDRESS__) || SGC_TSAN
#define AS_LIMIT_TESTABLE 0
#else
#define AS_LIMIT_TESTABLE 1
#endif
#define AS_LIMIT ((size_t)1 << 30)

static size_t vm_size_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmSize: %ld kB", &kib) == 1)
			break;
	fclose(f);
	ck_assert_int_gt(kib, 0);
	return (size_t)kib << 10;
}

static unsigned long oom_calls;
static void *GC_CALLBACK count_oom(size_t bytes)
{
	(void)bytes;
	oom_calls++;
	return NULL;
}

static void **volatile big_list;

static SGC_NOINLINE size_t fill_until_oom(void)
{
	size_t n = 0;
	for (;;) {
		void **p = GC_malloc_atomic(1 << 20);
		if (!p)
			break;
		/* An atomic block: chain through a word the collector does
		 * not scan, and keep the chain reachable from a scanned one. */
		void **cell = GC_malloc(2 * sizeof(void *));
		if (!cell)
			break;
		cell[0] = (void *)big_list;
		cell[1] = p;
		memset(p, 0x5a, 64);
		big_list = cell;
		n++;
	}
	return n;
}

static SGC_NOINLINE size_t count_big(void)
{
	size_t n = 0;
	for (void **c = (void **)big_list; c; c = c[0], n++) {
		unsigned char *p = c[1];
		if (GC_base(c) != c || GC_base(p) != p || p[0] != 0x5a ||
		    p[63] != 0x5a)
			ck_abort_msg("block %zu lost", n);
	}
	return n;
}

START_TEST(test_address_space_limit)
{
	if (!AS_LIMIT_TESTABLE)
		return;
	size_t before = vm_size_bytes();
	ck_assert_uint_lt(before, AS_LIMIT / 4);
	struct rlimit rl = { AS_LIMIT, AS_LIMIT };
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
	GC_init();
	GC_set_oom_fn(count_oom);
	size_t n = fill_until_oom();
	ck_assert_uint_ge(oom_calls, 1);
	size_t heap = GC_get_heap_size(), room = AS_LIMIT - before;
	ck_assert_msg(heap >= room / 10 * 9,
		      "heap %zu MiB of %zu MiB the limit left", heap >> 20,
		      room >> 20);
	ck_assert_uint_eq(count_big(), n);
	ck_assert_uint_ge(n << 20, room / 10 * 8);
	ck_assert_int_eq(sgc_verify_heap(), 0);
	/* Free it all: the heap serves small and large objects again. */
	big_list = NULL;
	sgc_test_collect();
	ck_assert_ptr_nonnull(GC_malloc(100));
	ck_assert_ptr_nonnull(GC_malloc_atomic(8 << 20));
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* ---- Black lists ---- */

/* A root: static data the mark scans.  Holds page addresses only while a
 * test wants them black-listed. */
static volatile uintptr_t black_root;
static uintptr_t black_roots[1024];

static size_t page_of(uintptr_t a)
{
	return (a - sgc_heap.base) / PG;
}

static int page_black(size_t page)
{
	pthread_mutex_lock(&sgc_heap.lock);
	int b = sgc_pagealloc_is_black(&sgc_heap.pages, page);
	pthread_mutex_unlock(&sgc_heap.lock);
	return b;
}

/* 1-page spans of a scanned kind, lowest first, until one lies past
 * page stop; returns whether any took page avoid.  Frees them all. */
static int spans_take_page(size_t stop, size_t avoid)
{
	struct sgc_span *got[64];
	size_t n = 0;
	int took = 0;
	int nz;
	do {
		got[n] = sgc_heap_alloc_span(1, large_class(), SGC_HEAP_GROW, &nz);
		ck_assert_ptr_nonnull(got[n]);
		if (page_of(got[n]->start) == avoid)
			took = 1;
	} while (page_of(got[n++]->start) <= stop && n < 64);
	while (n > 0)
		sgc_heap_free_span(got[--n]);
	return took;
}

/* A free page a root word points into is black-listed by the mark and
 * not handed out for a scanned span, though it is the lowest free page;
 * a small pointer-free span may have it.  Once no root points there,
 * two marks later (the lists age), it is handed out again. */
START_TEST(test_black_list_root_word)
{
	ck_assert(sgc_heap_black_listing);
	size_t p = 5;
	black_root = sgc_heap.base + p * PG + 24;
	sgc_test_collect();
	ck_assert(page_black(p));
	ck_assert(!page_black(p - 1) && !page_black(p + 1));
	ck_assert(!spans_take_page(p + 2, p));

	/* A pointer-free small-object span: the page is fine for it. */
	unsigned sc = sgc_size_to_class(64);
	ck_assert_uint_eq(sgc_class_npages(sc), 1);
	int nz;
	struct sgc_span *spans[8];
	size_t n = 0;
	int took = 0;
	do {
		spans[n] = sgc_heap_alloc_span(
			1, sgc_spanclass(SGC_KIND_PTRFREE, sc), SGC_HEAP_GROW, &nz);
		took |= page_of(spans[n]->start) == p;
	} while (page_of(spans[n++]->start) < p && n < 8);
	ck_assert(took);
	while (n > 0)
		sgc_heap_free_span(spans[--n]);

	/* The word goes: one mark still lists the page (the old list), the
	 * second does not. */
	black_root = 0;
	sgc_test_collect();
	ck_assert(page_black(p));
	sgc_test_collect();
	ck_assert(!page_black(p));
	ck_assert(spans_take_page(p + 2, p));
}
END_TEST

/* SPANGC_NO_BLACKLIST's switch: nothing is listed, the page is used. */
START_TEST(test_black_list_off)
{
	sgc_heap_black_listing = 0;
	size_t p = 3;
	black_root = sgc_heap.base + p * PG + 8;
	sgc_test_collect();
	ck_assert(!page_black(p));
	ck_assert(spans_take_page(p + 1, p));
	black_root = 0;
}
END_TEST

/* Large objects: GC_malloc's (and GC_malloc_atomic's, past two pages)
 * avoid a black-listed page anywhere inside; GC_malloc_ignore_off_page's
 * only need their first page clean. */
START_TEST(test_black_list_large)
{
	size_t sz = 4 * PG + 64; /* large: 5 pages */
	black_root = sgc_heap.base + 1 * PG + 8;
	sgc_test_collect();
	ck_assert(page_black(1));
	void *volatile c = GC_malloc_ignore_off_page(sz);
	ck_assert_ptr_eq(c, (void *)sgc_heap.base);
	/* The same run, had c not taken it, would not do for these. */
	GC_free(c);
	void *volatile a = GC_malloc(sz);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_ge(page_of((uintptr_t)a), 2);
	void *volatile b = GC_malloc_atomic(sz);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_ge(page_of((uintptr_t)b), 2);
	GC_free(a);
	GC_free(b);
	c = GC_malloc_atomic_ignore_off_page(sz);
	ck_assert_ptr_eq(c, (void *)sgc_heap.base);
	black_root = 0;
	a = b = c = NULL;
}
END_TEST

static char warned[512];

static void GC_CALLBACK keep_warning(char *msg, GC_word arg)
{
	snprintf(warned, sizeof warned, msg, (unsigned long)arg);
}

/* When every free page is black-listed and the heap may not grow, a large
 * object takes black-listed pages (rather than failing) and the client
 * is warned. */
START_TEST(test_black_list_fallback)
{
	size_t npages = GC_get_heap_size() / PG;
	ck_assert_uint_le(npages, sizeof black_roots / sizeof black_roots[0]);
	for (size_t i = 0; i < npages; i++)
		black_roots[i] = sgc_heap.base + i * PG + 8;
	GC_set_max_heap_size(GC_get_heap_size());
	GC_set_warn_proc(keep_warning);
	sgc_test_collect();
	size_t nfree;
	ck_assert_uint_ge(sgc_pagealloc_black_count(&sgc_heap.pages, &nfree),
			  npages);
	ck_assert_uint_ge(nfree, npages - 1);
	void *volatile p = GC_malloc(4 * PG + 64);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(sgc_heap_black_fallbacks(), 1);
	ck_assert_ptr_nonnull(strstr(warned, "black-listed pages"));
	ck_assert_ptr_nonnull(strstr(warned, "40 KiB"));
	memset(black_roots, 0, sizeof black_roots);
	p = NULL;
}
END_TEST

Suite *make_heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("spans");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_initial_state);
	tcase_add_test(tc, test_publish_and_free);
	tcase_add_test(tc, test_first_fit_reuse);
	tcase_add_test(tc, test_adjacent_runs_merge);
	tcase_add_test(tc, test_merge_across_chunks);
	tcase_add_test(tc, test_span_listed);
	suite_add_tcase(s, tc);

	tc = tcase_create("growth");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_max_heap_size);
	tcase_add_test(tc, test_max_heap_size_tail);
	tcase_add_test(tc, test_needzero);
	tcase_add_test(tc, test_huge_span);
	tcase_add_test(tc, test_expand_hp);
	suite_add_tcase(s, tc);

	tc = tcase_create("black_list");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_black_list_root_word);
	tcase_add_test(tc, test_black_list_off);
	tcase_add_test(tc, test_black_list_large);
	tcase_add_test(tc, test_black_list_fallback);
	suite_add_tcase(s, tc);

	/* No fixture: the limit must be set before the collector starts. */
	tc = tcase_create("address_space");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_address_space_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_heap_suite());
}
