/*
 * check_span.c: white-box tests of src/span.[ch]: the span-struct
 * allocator, span layout, the free-slot scan, and the lookups that turn an
 * ambiguous word into an object (sgc_span_of_heap, sgc_find_object).
 *
 * Layout and free-slot tests run on spans set up by sgc_span_init over a
 * made-up address (nothing is read there).  Lookup tests use real spans
 * from sgc_heap_alloc_span, owned by the test (swept for this cycle, on no
 * list), set up by hand, and freed with sgc_heap_free_span after claiming
 * them (sweepgen h -> h - 1) before the teardown's heap verification.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcbits.h"
#include "heap.h"
#include "span.h"
#include "testutil.h"

/* A page-aligned address nowhere near the heap, for unpublished spans. */
#define FAKE_START ((uintptr_t)0x7e0000000000)

static unsigned rnd_state = 31337;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static uint64_t rnd64(void)
{
	uint64_t x = 0;
	for (int i = 0; i < 4; i++)
		x = (x << 16) ^ rnd(65536);
	return x;
}

static unsigned class_of(size_t size)
{
	unsigned sc = sgc_size_to_class(size);
	ck_assert_uint_eq(sgc_class_size(sc), size);
	return sc;
}

/* ---- the span-struct allocator ---- */

START_TEST(test_struct_alloc_reuse)
{
	enum { N = 3000 };
	static struct sgc_span *all[N];
	pthread_mutex_lock(&sgc_heap.lock);
	struct sgc_span *a = sgc_span_alloc_struct();
	struct sgc_span *b = sgc_span_alloc_struct();
	struct sgc_span *c = sgc_span_alloc_struct();
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert(a != b && b != c && a != c);
	ck_assert_uint_eq(sgc_load_relaxed(&a->state), SGC_SPAN_DEAD);
	ck_assert(!sgc_heap_contains((uintptr_t)a));

	/* Freed structs come back last in, first out, and dead. */
	sgc_store_relaxed(&a->state, SGC_SPAN_IN_USE);
	sgc_store_relaxed(&b->state, SGC_SPAN_MANUAL);
	sgc_span_free_struct(b);
	ck_assert_uint_eq(sgc_load_relaxed(&b->state), SGC_SPAN_DEAD);
	sgc_span_free_struct(a);
	ck_assert_uint_eq(sgc_load_relaxed(&a->state), SGC_SPAN_DEAD);
	struct sgc_span *x = sgc_span_alloc_struct();
	struct sgc_span *y = sgc_span_alloc_struct();
	struct sgc_span *z = sgc_span_alloc_struct();
	ck_assert_ptr_eq(x, a);
	ck_assert_ptr_eq(y, b);
	ck_assert(z != a && z != b && z != c);
	/* A recycled struct is handed out dead whatever it was. */
	sgc_store_relaxed(&z->state, SGC_SPAN_IN_USE);
	sgc_span_free_struct(z);
	sgc_store_relaxed(&z->state, SGC_SPAN_IN_USE); /* stale writer */
	ck_assert_ptr_eq(sgc_span_alloc_struct(), z);
	ck_assert_uint_eq(sgc_load_relaxed(&z->state), SGC_SPAN_DEAD);

	/* Many structs, across the allocator's blocks: all disjoint. */
	for (int i = 0; i < N; i++) {
		all[i] = sgc_span_alloc_struct();
		ck_assert_ptr_nonnull(all[i]);
		memset(all[i], 0x5a, sizeof *all[i]);
		all[i]->start = (uintptr_t)i;
		all[i]->gcmarks = NULL; /* freeing a struct frees its marks */
	}
	for (int i = 0; i < N; i++)
		if (all[i]->start != (uintptr_t)i)
			ck_abort_msg("struct %d overlaps another", i);
	for (int i = 0; i < N; i++)
		sgc_span_free_struct(all[i]);
	/* And they are all reused before any fresh one. */
	for (int i = N - 1; i >= 0; i--)
		if (sgc_span_alloc_struct() != all[i])
			ck_abort_msg("struct %d not reused in order", i);
	pthread_mutex_unlock(&sgc_heap.lock);
}
END_TEST

/* ---- layout ---- */

static struct sgc_span *new_span(uintptr_t start, size_t npages,
				 unsigned spc)
{
	pthread_mutex_lock(&sgc_heap.lock);
	struct sgc_span *s = sgc_span_alloc_struct();
	ck_assert_ptr_nonnull(s);
	/* Dirty it, so that init must set every field (but the state, which
	 * the struct allocator hands out dead). */
	memset(s, 0xa5, sizeof *s);
	sgc_store_relaxed(&s->state, SGC_SPAN_DEAD);
	ck_assert_int_eq(sgc_span_init(s, start, npages, spc), 0);
	pthread_mutex_unlock(&sgc_heap.lock);
	return s;
}

static void drop_span(struct sgc_span *s)
{
	pthread_mutex_lock(&sgc_heap.lock);
	sgc_span_free_struct(s);
	pthread_mutex_unlock(&sgc_heap.lock);
}

static void check_fresh_bits(const struct sgc_span *s)
{
	size_t words = sgc_bitmap_words(s->nelems);
	ck_assert_ptr_nonnull(s->alloc_bits);
	ck_assert_ptr_nonnull(s->gcmarks);
	ck_assert(((uintptr_t)s->gcmarks & 63) == 0); /* own cache lines */
	for (size_t w = 0; w < words; w++)
		ck_assert_uint_eq(s->alloc_bits[w], 0);
	for (size_t i = 0; i < sgc_span_mark_bytes(s->nelems); i++)
		ck_assert_uint_eq(s->gcmarks[i], 0);
	ck_assert_uint_eq(s->free_index, 0);
	ck_assert_uint_eq(s->alloc_count, 0);
	ck_assert_uint_eq(s->alloc_cache, ~(uint64_t)0);
	ck_assert_uint_eq(sgc_load_relaxed(&s->freed_bits), 0);
	ck_assert_ptr_null(s->next);
	ck_assert_ptr_null(s->prev);
	ck_assert_ptr_null(s->on_list);
	ck_assert_ptr_null(s->specials);
	ck_assert_uint_eq(s->needzero, 0);
}

START_TEST(test_init_small_layout)
{
	const size_t sizes[] = { 8, 24, 48, 1408, 3072, 8192, 27264, 32768 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		for (unsigned kind = 0; kind < SGC_NUM_BUILTIN_KINDS; kind++) {
			unsigned sc = class_of(sizes[k]);
			unsigned spc = sgc_spanclass(kind, sc);
			size_t np = sgc_class_npages(sc);
			struct sgc_span *s = new_span(FAKE_START, np, spc);
			ck_assert_uint_eq(s->start, FAKE_START);
			ck_assert_uint_eq(s->npages, np);
			ck_assert_uint_eq(s->spanclass, spc);
			ck_assert_uint_eq(s->elem_size, sizes[k]);
			ck_assert_uint_eq(s->nelems, np * SGC_PAGE_SIZE / sizes[k]);
			ck_assert_uint_eq(s->limit,
					  FAKE_START + (uintptr_t)s->nelems * sizes[k]);
			ck_assert_uint_le(s->limit, FAKE_START + np * SGC_PAGE_SIZE);
			ck_assert_uint_gt(s->limit + sizes[k],
					  FAKE_START + np * SGC_PAGE_SIZE);
			ck_assert_uint_eq(sgc_span_elem_bytes(s), sizes[k]);
			ck_assert_uint_eq(s->scanned, kind == SGC_KIND_NORMAL ||
						      kind == SGC_KIND_UNCOLLECTABLE);
			ck_assert_uint_eq(sgc_load_relaxed(&s->state),
					  SGC_SPAN_DEAD);
			check_fresh_bits(s);
			/* Every byte of every object maps to its index. */
			for (uint32_t i = 0; i < s->nelems; i++) {
				uintptr_t b = s->start + (uintptr_t)i * s->elem_size;
				if (sgc_span_index(s, b) != i ||
				    sgc_span_index(s, b + 1) != i ||
				    sgc_span_index(s, b + s->elem_size / 2) != i ||
				    sgc_span_index(s, b + s->elem_size - 1) != i)
					ck_abort_msg("size %zu: object %u misindexed",
						     sizes[k], i);
			}
			drop_span(s);
		}
	}
}
END_TEST

START_TEST(test_init_large_layout)
{
	const size_t pages[] = { 1, 5, 8192, 100000 };
	for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++) {
		unsigned spc = sgc_spanclass(SGC_KIND_PTRFREE, 0);
		struct sgc_span *s = new_span(FAKE_START, pages[k], spc);
		ck_assert_uint_eq(s->npages, pages[k]);
		ck_assert_uint_eq(s->nelems, 1);
		ck_assert_uint_eq(s->elem_size, 0);
		ck_assert_uint_eq(s->limit, FAKE_START + pages[k] * SGC_PAGE_SIZE);
		ck_assert_uint_eq(sgc_span_elem_bytes(s), pages[k] * SGC_PAGE_SIZE);
		ck_assert_uint_eq(s->scanned, 0);
		check_fresh_bits(s);
		ck_assert_uint_eq(sgc_span_index(s, FAKE_START), 0);
		ck_assert_uint_eq(sgc_span_index(s, s->limit - 1), 0);
		drop_span(s);
	}
}
END_TEST

/* ---- the free-slot scan ---- */

static uint32_t ref_next_free(const struct sgc_span *s, uint32_t from)
{
	for (uint32_t i = from; i < s->nelems; i++)
		if (!sgc_bit(s->alloc_bits, i))
			return i;
	return s->nelems;
}

/* The stated invariant of alloc_cache: the complement of the alloc bits
 * from free_index to the end of its word. */
static void check_cache(const struct sgc_span *s, const char *what)
{
	if (s->free_index >= s->nelems)
		return;
	uint64_t want = ~s->alloc_bits[s->free_index / 64] >>
			(s->free_index % 64);
	if (s->alloc_cache != want)
		ck_abort_msg("%s: alloc_cache %#llx at free_index %u, want %#llx",
			     what, (unsigned long long)s->alloc_cache,
			     s->free_index, (unsigned long long)want);
}

static void set_free_index(struct sgc_span *s, uint32_t fi)
{
	s->free_index = fi;
	if (fi < s->nelems)
		sgc_span_refill_alloc_cache(s);
	else
		s->alloc_cache = 0;
}

/* Scan to the end, comparing each step with the reference. */
static void scan_all(struct sgc_span *s, const char *what)
{
	uint32_t expect = ref_next_free(s, s->free_index);
	for (;;) {
		uint32_t got = sgc_span_next_free_index(s);
		if (got != expect)
			ck_abort_msg("%s: next free %u, want %u", what, got,
				     expect);
		if (got == s->nelems) {
			if (s->free_index != s->nelems)
				ck_abort_msg("%s: full but free_index %u", what,
					     s->free_index);
			break;
		}
		if (s->free_index != got + 1)
			ck_abort_msg("%s: free_index %u after slot %u", what,
				     s->free_index, got);
		check_cache(s, what);
		expect = ref_next_free(s, got + 1);
	}
	/* Full stays full. */
	if (sgc_span_next_free_index(s) != s->nelems ||
	    s->free_index != s->nelems)
		ck_abort_msg("%s: full span not stable", what);
}

static void fill_bits(struct sgc_span *s, int pattern)
{
	size_t words = sgc_bitmap_words(s->nelems);
	for (size_t w = 0; w < words; w++) {
		uint64_t x;
		switch (pattern) {
		case 0:
			x = 0;
			break;
		case 1:
			x = ~(uint64_t)0;
			break;
		case 2:
			x = rnd64();
			break;
		case 3: /* dense */
			x = rnd64() | rnd64() | rnd64();
			break;
		default: /* sparse */
			x = rnd64() & rnd64() & rnd64();
			break;
		}
		s->alloc_bits[w] = x;
	}
	/* Bits past nelems stay clear, as the sweeper leaves them. */
	if (s->nelems % 64)
		s->alloc_bits[words - 1] &= ((uint64_t)1 << (s->nelems % 64)) - 1;
}

START_TEST(test_next_free_random)
{
	const size_t sizes[] = { 8, 16, 24, 48, 112, 1408, 8192 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		unsigned sc = class_of(sizes[k]);
		struct sgc_span *s = new_span(FAKE_START, sgc_class_npages(sc),
					      sgc_spanclass(SGC_KIND_NORMAL, sc));
		for (int t = 0; t < 300; t++) {
			fill_bits(s, t % 5);
			uint32_t fi = t % 3 == 0 ? 0 : rnd(s->nelems + 1);
			set_free_index(s, fi);
			scan_all(s, "random");
		}
		drop_span(s);
	}
}
END_TEST

START_TEST(test_next_free_patterns)
{
	unsigned sc = class_of(24); /* 341 objects: 5 full words and 21 bits */
	struct sgc_span *s = new_span(FAKE_START, sgc_class_npages(sc),
				      sgc_spanclass(SGC_KIND_NORMAL, sc));
	uint32_t n = s->nelems;
	ck_assert_uint_gt(n % 64, 0);
	ck_assert_uint_gt(n, 128);

	/* Empty: every slot in turn. */
	fill_bits(s, 0);
	set_free_index(s, 0);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(sgc_span_next_free_index(s), i);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n);

	/* Full: nothing, at once and from the middle. */
	fill_bits(s, 1);
	set_free_index(s, 0);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n);
	ck_assert_uint_eq(s->free_index, n);
	set_free_index(s, 200);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n);

	/* The only free slot two words on. */
	fill_bits(s, 1);
	s->alloc_bits[130 / 64] &= ~((uint64_t)1 << (130 % 64));
	set_free_index(s, 0);
	ck_assert_uint_eq(sgc_span_next_free_index(s), 130);
	ck_assert_uint_eq(s->free_index, 131);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n);

	/* The last bit of a word, then the first of the next. */
	fill_bits(s, 1);
	s->alloc_bits[0] &= ~((uint64_t)1 << 63);
	s->alloc_bits[1] &= ~(uint64_t)1;
	set_free_index(s, 0);
	ck_assert_uint_eq(sgc_span_next_free_index(s), 63);
	check_cache(s, "after bit 63");
	ck_assert_uint_eq(sgc_span_next_free_index(s), 64);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n);

	/* The last slot of the span, in the partial last word. */
	fill_bits(s, 1);
	s->alloc_bits[(n - 1) / 64] &= ~((uint64_t)1 << ((n - 1) % 64));
	set_free_index(s, 0);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n - 1);
	ck_assert_uint_eq(s->free_index, n);
	ck_assert_uint_eq(sgc_span_next_free_index(s), n);

	/* Starting past a free slot skips it: free_index only grows. */
	fill_bits(s, 1);
	s->alloc_bits[0] &= ~((uint64_t)1 << 5);
	s->alloc_bits[4] &= ~((uint64_t)1 << 2);
	set_free_index(s, 6);
	ck_assert_uint_eq(sgc_span_next_free_index(s), 4 * 64 + 2);
	drop_span(s);
}
END_TEST

START_TEST(test_next_free_large)
{
	struct sgc_span *s = new_span(FAKE_START, 3,
				      sgc_spanclass(SGC_KIND_NORMAL, 0));
	ck_assert_uint_eq(sgc_span_next_free_index(s), 0);
	ck_assert_uint_eq(s->free_index, 1);
	ck_assert_uint_eq(sgc_span_next_free_index(s), 1);
	ck_assert_uint_eq(s->free_index, 1);
	drop_span(s);
}
END_TEST

/* ---- lookups on real spans ---- */

static struct sgc_span *heap_span(unsigned sc, size_t npages)
{
	int needzero;
	unsigned spc = sgc_spanclass(SGC_KIND_NORMAL, sc);
	if (sc)
		npages = sgc_class_npages(sc);
	struct sgc_span *s = sgc_heap_alloc_span(npages, spc, 1, &needzero);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(sgc_load_acquire(&s->state), SGC_SPAN_IN_USE);
	ck_assert_uint_eq(s->npages, npages);
	return s;
}

/* Claim the span as a sweeper would and give its pages back. */
static void release_span(struct sgc_span *s)
{
	uintptr_t sg = sgc_heap_sweepgen();
	ck_assert(sgc_cas(&s->sweepgen, sg, sg - 1));
	sgc_heap_free_span(s);
}

static void expect_obj(uintptr_t w, int interior, int want,
		       const struct sgc_span *s, uint32_t idx, const char *what)
{
	struct sgc_obj o;
	memset(&o, 0, sizeof o);
	int got = sgc_find_object(w, interior, &o);
	if (got != want)
		ck_abort_msg("%s: find_object(%#lx, %d) = %d, want %d", what,
			     (unsigned long)w, interior, got, want);
	if (!got)
		return;
	uintptr_t base = s->start + (uintptr_t)idx * s->elem_size;
	if (o.span != s || o.index != idx || o.base != base)
		ck_abort_msg("%s: find_object(%#lx) gave index %u base %#lx, "
			     "want %u %#lx", what, (unsigned long)w, o.index,
			     (unsigned long)o.base, idx, (unsigned long)base);
}

/* Lookups over every object of a span of class sc, with some slots
 * allocated through free_index, some through alloc bits, some released
 * through freed_bits. */
static void check_lookup_class(size_t size)
{
	unsigned sc = class_of(size);
	struct sgc_span *s = heap_span(sc, 0);
	uint32_t n = s->nelems;
	uintptr_t end = s->start + s->npages * SGC_PAGE_SIZE;
	uint32_t fi = n > 1 ? n / 2 : 1;
	uint64_t *freed = sgc_gcbits_alloc(sgc_bitmap_words(n));
	ck_assert_ptr_nonnull(freed);
	static unsigned char want[1024];

	/* Allocation state: [0, fi) allocated, above it every third slot by
	 * its alloc bit; one below and one above fi freed. */
	for (uint32_t i = 0; i < n; i++) {
		int a = i < fi || (i - fi) % 3 == 1;
		if (i >= fi && a)
			s->alloc_bits[i / 64] |= (uint64_t)1 << (i % 64);
		want[i] = (unsigned char)a;
	}
	/* A slot below fi whose alloc bit is set stays allocated, too. */
	if (fi > 0)
		s->alloc_bits[0] |= 1;
	set_free_index(s, fi);
	s->alloc_count = 0;
	for (uint32_t i = 0; i < n; i++)
		s->alloc_count += want[i];

	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < n; i++) {
			uintptr_t b = s->start + (uintptr_t)i * s->elem_size;
			const uintptr_t offs[] = { 0, 1, 7, 8, s->elem_size / 2,
						   s->elem_size - 8,
						   s->elem_size - 1 };
			for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
				uintptr_t w = b + offs[k];
				if (offs[k] >= s->elem_size)
					continue;
				if (sgc_span_of_heap(w) != s)
					ck_abort_msg("size %zu: word %#lx of object"
						     " %u not in its span", size,
						     (unsigned long)w, i);
				expect_obj(w, 1, want[i], s, i, "interior");
				expect_obj(w, 0, want[i] && offs[k] == 0, s, i,
					   "exact");
			}
		}
		/* Tail waste: in the span's pages, past its last object (the
		 * bound from the class tables, not from the span). */
		uintptr_t lim = s->start + (uintptr_t)sgc_class_nelems(sc) *
					      sgc_class_size(sc);
		ck_assert_uint_eq(s->limit, lim);
		for (uintptr_t w = lim; w < end; w += 8) {
			if (sgc_span_of(w) != s)
				ck_abort_msg("tail page does not map to the span");
			if (sgc_span_of_heap(w))
				ck_abort_msg("size %zu: tail word %#lx accepted",
					     size, (unsigned long)w);
			expect_obj(w, 1, 0, s, 0, "tail");
		}
		if (lim < end) {
			expect_obj(end - 1, 1, 0, s, 0, "last tail byte");
			ck_assert_ptr_null(sgc_span_of_heap(end - 1));
		}

		/* Now release one object below free_index and one above it
		 * through freed_bits, as GC_free does. */
		if (round == 0) {
			uint32_t lo = fi > 1 ? fi - 1 : 0, hi = fi + 1;
			freed[lo / 64] |= (uint64_t)1 << (lo % 64);
			want[lo] = 0;
			if (hi < n && want[hi]) {
				freed[hi / 64] |= (uint64_t)1 << (hi % 64);
				want[hi] = 0;
			}
			sgc_store_release(&s->freed_bits, (uintptr_t)freed);
		}
	}

	/* Dead: after the span is freed nothing in it is an object, though
	 * its pages may still map to the (dead) struct. */
	uintptr_t start = s->start;
	release_span(s);
	for (uintptr_t w = start; w < end; w += 8) {
		struct sgc_obj o;
		if (sgc_find_object(w, 1, &o) || sgc_span_of_heap(w))
			ck_abort_msg("size %zu: word %#lx of a freed span "
				     "accepted", size, (unsigned long)w);
	}
}

START_TEST(test_lookup_small_classes)
{
	const size_t sizes[] = { 8, 24, 48, 1408, 3072, 8192, 27264 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
		check_lookup_class(sizes[k]);
	/* Some of these have tail waste, and some objects straddle pages. */
	ck_assert_uint_ne(SGC_PAGE_SIZE % 24, 0);
	ck_assert_uint_ne(2 * SGC_PAGE_SIZE % 1408, 0);
}
END_TEST

START_TEST(test_lookup_large)
{
	struct sgc_span *s = heap_span(0, 3);
	uintptr_t last = s->start + 3 * SGC_PAGE_SIZE - 1;
	const uintptr_t words[] = { s->start, s->start + 1, s->start + 8,
				    s->start + SGC_PAGE_SIZE,
				    s->start + 2 * SGC_PAGE_SIZE + 5, last };

	ck_assert_uint_eq(s->limit, last + 1);
	/* Fresh: not allocated (free_index 0, alloc bit clear). */
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		ck_assert_ptr_eq(sgc_span_of_heap(words[k]), s);
		expect_obj(words[k], 1, 0, s, 0, "large free");
	}
	/* Allocated through free_index. */
	set_free_index(s, 1);
	s->alloc_count = 1;
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		expect_obj(words[k], 1, 1, s, 0, "large interior");
		expect_obj(words[k], 0, k == 0, s, 0, "large exact");
	}
	/* Through its alloc bit instead. */
	set_free_index(s, 0);
	s->alloc_bits[0] = 1;
	expect_obj(last, 1, 1, s, 0, "large by alloc bit");
	/* Released through freed_bits. */
	uint64_t *freed = sgc_gcbits_alloc(1);
	ck_assert_ptr_nonnull(freed);
	freed[0] = 1;
	sgc_store_release(&s->freed_bits, (uintptr_t)freed);
	expect_obj(s->start, 1, 0, s, 0, "large freed");
	expect_obj(s->start, 0, 0, s, 0, "large freed exact");
	sgc_store_release(&s->freed_bits, 0);
	expect_obj(s->start, 0, 1, s, 0, "large again");

	uintptr_t start = s->start;
	release_span(s);
	expect_obj(start, 1, 0, s, 0, "large dead");
	expect_obj(last, 1, 0, s, 0, "large dead last");
	ck_assert_ptr_null(sgc_span_of_heap(start));
}
END_TEST

static int static_var;

START_TEST(test_lookup_foreign)
{
	int local = 0;
	void *m = malloc(32);
	struct sgc_obj o;
	ck_assert_ptr_nonnull(GC_malloc(16));
	/* Fresh pages at the heap's end: in the heap, in no span. */
	ck_assert_int_eq(sgc_heap_grow(4 * SGC_PAGE_SIZE * SGC_GROW_PAGES), 0);
	const uintptr_t words[] = {
		0, 8, (uintptr_t)&local, (uintptr_t)&static_var, (uintptr_t)m,
		(uintptr_t)sgc_arena_l1, sgc_heap.base - 8, sgc_heap.end,
		sgc_heap.end - 8, sgc_heap.end - 3 * SGC_PAGE_SIZE,
		sgc_heap.end + 64 * SGC_PAGE_SIZE, sgc_heap.window_end,
		(uintptr_t)1 << 48, UINTPTR_MAX,
	};
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		if (sgc_find_object(words[k], 1, &o) ||
		    sgc_find_object(words[k], 0, &o))
			ck_abort_msg("foreign word %zu (%#lx) accepted", k,
				     (unsigned long)words[k]);
		if (sgc_span_of_heap(words[k]))
			ck_abort_msg("foreign word %zu (%#lx) has a span", k,
				     (unsigned long)words[k]);
	}
	ck_assert_ptr_null(sgc_span_of(sgc_heap.end - 8));
	free(m);
}
END_TEST

/* A span struct recycled for a span elsewhere: the old pages' spans[]
 * entries still point at it, and the lookup must reject them by range. */
START_TEST(test_lookup_recycled_struct)
{
	enum { MAX = 200 };
	struct sgc_span *one[MAX];
	int n = 0, k = -1;
	/* 1-page spans come out lowest page first; find two neighbours. */
	while (n < MAX) {
		one[n] = heap_span(0, 1);
		set_free_index(one[n], 1);
		one[n]->alloc_count = 1;
		if (n > 0 && one[n]->start == one[n - 1]->start + SGC_PAGE_SIZE) {
			k = n - 1;
			n++;
			break;
		}
		n++;
	}
	ck_assert_int_ge(k, 0);
	struct sgc_span *a = one[k];
	uintptr_t a_start = a->start;
	expect_obj(a_start, 1, 1, a, 0, "before free");
	release_span(a);
	/* a's page is a one-page hole now: a 2-page span goes elsewhere,
	 * in a's recycled struct. */
	struct sgc_span *b = heap_span(0, 2);
	ck_assert_ptr_eq(b, a);
	ck_assert_uint_ne(b->start, a_start);
	set_free_index(b, 1);
	b->alloc_count = 1;
	ck_assert_ptr_eq(sgc_span_of(a_start), b); /* stale entry */
	ck_assert_ptr_null(sgc_span_of_heap(a_start));
	ck_assert_ptr_null(sgc_span_of_heap(a_start + SGC_PAGE_SIZE - 1));
	struct sgc_obj o;
	ck_assert_int_eq(sgc_find_object(a_start, 1, &o), 0);
	ck_assert_int_eq(sgc_find_object(a_start + 100, 1, &o), 0);
	expect_obj(b->start + SGC_PAGE_SIZE, 1, 1, b, 0, "new span");

	release_span(b);
	for (int i = 0; i < n; i++)
		if (i != k)
			release_span(one[i]);
}
END_TEST

/* Objects from the public allocator: their spans are cached, with slots
 * after the last allocation free. */
START_TEST(test_lookup_gc_malloc)
{
	const size_t sizes[] = { 1, 24, 100, 1000, 3000, 20000, 40000, 200000 };
	struct sgc_obj o;
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		char *p = GC_malloc(sizes[k]);
		ck_assert_ptr_nonnull(p);
		struct sgc_span *s = sgc_span_of((uintptr_t)p);
		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_eq(sgc_span_of_heap((uintptr_t)p), s);
		size_t bytes = sgc_span_elem_bytes(s);
		ck_assert_uint_ge(bytes, sizes[k]);
		ck_assert_int_eq(sgc_find_object((uintptr_t)p, 0, &o), 1);
		ck_assert_ptr_eq(o.span, s);
		ck_assert_uint_eq(o.base, (uintptr_t)p);
		ck_assert_int_eq(sgc_find_object((uintptr_t)p + bytes - 1, 1, &o), 1);
		ck_assert_uint_eq(o.base, (uintptr_t)p);
		ck_assert_int_eq(sgc_find_object((uintptr_t)p + 1, 0, &o), 0);
		if (s->elem_size) {
			/* The next slot, if any, has not been handed out. */
			uint32_t i = sgc_span_index(s, (uintptr_t)p);
			ck_assert_uint_eq(s->free_index, i + 1);
			if (i + 1 < s->nelems &&
			    !sgc_bit(s->alloc_bits, i + 1)) {
				ck_assert_int_eq(sgc_find_object(
					(uintptr_t)p + bytes, 1, &o), 0);
				ck_assert_int_eq(sgc_find_object(
					(uintptr_t)p + bytes + 8, 1, &o), 0);
			}
		}
		/* GC_free makes it not an object any more. */
		GC_free(p);
		ck_assert_int_eq(sgc_find_object((uintptr_t)p, 1, &o), 0);
		ck_assert_int_eq(sgc_find_object((uintptr_t)p + bytes - 1, 1, &o), 0);
	}
}
END_TEST

Suite *make_span_suite(void)
{
	Suite *s = suite_create("span");
	TCase *tc = tcase_create("layout");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_struct_alloc_reuse);
	tcase_add_test(tc, test_init_small_layout);
	tcase_add_test(tc, test_init_large_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("next_free");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_next_free_random);
	tcase_add_test(tc, test_next_free_patterns);
	tcase_add_test(tc, test_next_free_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_lookup_small_classes);
	tcase_add_test(tc, test_lookup_large);
	tcase_add_test(tc, test_lookup_foreign);
	tcase_add_test(tc, test_lookup_recycled_struct);
	tcase_add_test(tc, test_lookup_gc_malloc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	(void)sgc_test_clear_stack; /* a static helper of testutil.h */
	return sgc_test_run(make_span_suite());
}
