/*
 * check_arena.c: white-box tests of src/arena.h: the arena map and the
 * per-page bitmaps.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "heap.h"
#include "span.h"
#include "testutil.h"

static int static_var;

/* Words that are not in the heap give no arena. */
START_TEST(test_foreign_addresses)
{
	int local = 0;
	void *m = malloc(64);
	const uintptr_t words[] = {
		0,
		1,
		4096,
		(uintptr_t)&local,
		(uintptr_t)&static_var,
		(uintptr_t)m,
		(uintptr_t)&test_foreign_addresses,
		sgc_heap.base - 1,
		sgc_heap.base - SGC_ARENA_SIZE,
		(uintptr_t)1 << 47,
		((uintptr_t)1 << 48) - 1,
		(uintptr_t)1 << 48,
		((uintptr_t)1 << 48) + sgc_heap.base, /* aliases the heap's index */
		(uintptr_t)1 << 56,
		UINTPTR_MAX - SGC_ARENA_SIZE + 1,
		UINTPTR_MAX,
	};
	ck_assert_ptr_nonnull(sgc_arena_l1[sgc_heap.base >> SGC_ARENA_SHIFT >>
					   SGC_ARENA_L2_BITS]);
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (sgc_arena_of(words[k]) != NULL)
			ck_abort_msg("word %zu (%#lx) has an arena", k,
				     (unsigned long)words[k]);
	/* And no span: the span lookups build on the arena lookup. */
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (sgc_span_of(words[k]) || sgc_span_of_heap(words[k]))
			ck_abort_msg("word %zu (%#lx) has a span", k,
				     (unsigned long)words[k]);
	free(m);
	ck_assert_int_eq(local, 0);
}
END_TEST

/* Every address of the managed range finds the arena that covers it,
 * whose base is the address rounded down to 64 MiB. */
START_TEST(test_heap_addresses)
{
	void *obj = GC_malloc(100);
	ck_assert_ptr_nonnull(obj);
	ck_assert_uint_gt(sgc_heap.end, sgc_heap.base);
	ck_assert_uint_eq(sgc_heap.base % SGC_ARENA_SIZE, 0);

	struct sgc_heap_arena *ha = sgc_arena_of((uintptr_t)obj);
	ck_assert_ptr_nonnull(ha);
	ck_assert_uint_eq(ha->base, (uintptr_t)obj & ~(SGC_ARENA_SIZE - 1));

	for (uintptr_t a = sgc_heap.base; a < sgc_heap.end; a += SGC_PAGE_SIZE) {
		struct sgc_heap_arena *h = sgc_arena_of(a + 123);
		if (!h || h->base != (a & ~(SGC_ARENA_SIZE - 1)))
			ck_abort_msg("page %#lx: wrong arena", (unsigned long)a);
	}
	/* The metadata is outside the heap. */
	ck_assert(!sgc_heap_contains((uintptr_t)ha));
	ck_assert(!sgc_heap_contains((uintptr_t)sgc_arena_l1));
	/* Addresses just past the last arena, inside the reservation, have
	 * none yet. */
	uintptr_t past = sgc_round_up(sgc_heap.end, SGC_ARENA_SIZE);
	if (past < sgc_heap.window_end)
		ck_assert_ptr_null(sgc_arena_of(past));
}
END_TEST

/* Growing the heap into a new arena publishes it, and the arena before
 * stays the same record. */
START_TEST(test_grow_creates_arenas)
{
	ck_assert_ptr_nonnull(GC_malloc(8));
	uintptr_t old_end = sgc_heap.end;
	struct sgc_heap_arena *first = sgc_arena_of(sgc_heap.base);
	uintptr_t next = sgc_round_up(old_end + 1, SGC_ARENA_SIZE);
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(sgc_arena_of(next));
	ck_assert_int_eq(sgc_heap_grow(next - old_end + 3 * SGC_PAGE_SIZE), 0);
	ck_assert_uint_gt(sgc_heap.end, next);
	struct sgc_heap_arena *ha = sgc_arena_of(next);
	ck_assert_ptr_nonnull(ha);
	ck_assert_uint_eq(ha->base, next);
	ck_assert_ptr_eq(sgc_arena_of(next + SGC_ARENA_SIZE - 1), ha);
	ck_assert_ptr_ne(ha, first);
	ck_assert_ptr_eq(sgc_arena_of(sgc_heap.base), first);
	ck_assert_ptr_eq(sgc_arena_of(next - 1), sgc_arena_of(old_end - 1));
	/* Fresh arena: no span, nothing in use. */
	ck_assert_uint_eq(ha->zeroed_base, 0);
	for (size_t i = 0; i < SGC_PAGES_PER_ARENA; i++)
		if (ha->spans[i])
			ck_abort_msg("fresh arena has a span at page %zu", i);
	for (size_t w = 0; w < SGC_ARENA_BITMAP_WORDS; w++)
		if (ha->page_in_use[w] || ha->page_marks[w] ||
		    ha->page_specials[w])
			ck_abort_msg("fresh arena has bitmap bits in word %zu", w);
}
END_TEST

/* sgc_arena_create is idempotent and publishes where the lookup looks. */
START_TEST(test_arena_create)
{
	/* An aligned address far from the heap (a foreign one is fine: the
	 * map covers all addresses; nothing is read at base). */
	uintptr_t base = ((uintptr_t)1 << 47) - 5 * SGC_ARENA_SIZE;
	ck_assert_ptr_null(sgc_arena_of(base));
	pthread_mutex_lock(&sgc_heap.lock);
	struct sgc_heap_arena *ha = sgc_arena_create(base);
	struct sgc_heap_arena *again = sgc_arena_create(base);
	pthread_mutex_unlock(&sgc_heap.lock);
	ck_assert_ptr_nonnull(ha);
	ck_assert_ptr_eq(again, ha);
	ck_assert_uint_eq(ha->base, base);
	ck_assert_ptr_eq(sgc_arena_of(base), ha);
	ck_assert_ptr_eq(sgc_arena_of(base + SGC_ARENA_SIZE - 1), ha);
	ck_assert_ptr_null(sgc_arena_of(base - 1));
	ck_assert_ptr_null(sgc_arena_of(base + SGC_ARENA_SIZE));
	/* Its pages have no spans. */
	ck_assert_ptr_null(sgc_span_of(base + 12345));
	ck_assert_ptr_null(sgc_span_of_heap(base + 12345));
}
END_TEST

START_TEST(test_arena_create_unaligned_aborts)
{
	sgc_arena_create(sgc_heap.base + SGC_PAGE_SIZE);
}
END_TEST

START_TEST(test_page_index)
{
	uintptr_t base = (uintptr_t)7 << SGC_ARENA_SHIFT;
	ck_assert_uint_eq(sgc_arena_page_index(base), 0);
	ck_assert_uint_eq(sgc_arena_page_index(base + SGC_PAGE_SIZE - 1), 0);
	ck_assert_uint_eq(sgc_arena_page_index(base + SGC_PAGE_SIZE), 1);
	ck_assert_uint_eq(sgc_arena_page_index(base + 1000 * SGC_PAGE_SIZE + 5),
			  1000);
	ck_assert_uint_eq(sgc_arena_page_index(base + SGC_ARENA_SIZE - 1),
			  SGC_PAGES_PER_ARENA - 1);
	ck_assert_uint_eq(sgc_arena_page_index(base + SGC_ARENA_SIZE), 0);
	ck_assert_uint_eq(SGC_PAGES_PER_ARENA, 8192);
}
END_TEST

START_TEST(test_bitmap_helpers)
{
	sgc_atomic_word map[SGC_ARENA_BITMAP_WORDS];
	const uintptr_t bits[] = { 0, 1, 63, 64, 65, 127, 128, 4095,
				   SGC_PAGES_PER_ARENA - 1 };
	const size_t nbits = sizeof bits / sizeof bits[0];

	memset((void *)map, 0, sizeof map);
	for (size_t k = 0; k < nbits; k++) {
		ck_assert_int_eq(sgc_bitmap_test(map, bits[k]), 0);
		sgc_bitmap_set(map, bits[k]);
		ck_assert_int_eq(sgc_bitmap_test(map, bits[k]), 1);
		sgc_bitmap_set(map, bits[k]); /* idempotent */
		ck_assert_int_eq(sgc_bitmap_test(map, bits[k]), 1);
	}
	/* Exactly those bits are set, in the expected words and positions. */
	size_t set = 0;
	for (uintptr_t i = 0; i < SGC_PAGES_PER_ARENA; i++) {
		int want = 0;
		for (size_t k = 0; k < nbits; k++)
			want |= bits[k] == i;
		if (sgc_bitmap_test(map, i) != want)
			ck_abort_msg("bit %lu is %d", (unsigned long)i, !want);
		set += (size_t)want;
	}
	ck_assert_uint_eq(set, nbits);
	ck_assert_uint_eq(map[0], (uintptr_t)1 | 2 | ((uintptr_t)1 << 63));
	ck_assert_uint_eq(map[1], (uintptr_t)1 | 2 | ((uintptr_t)1 << 63));
	ck_assert_uint_eq(map[SGC_ARENA_BITMAP_WORDS - 1], (uintptr_t)1 << 63);

	/* Clearing one bit leaves its neighbours. */
	sgc_bitmap_clear(map, 64);
	ck_assert_int_eq(sgc_bitmap_test(map, 64), 0);
	ck_assert_int_eq(sgc_bitmap_test(map, 63), 1);
	ck_assert_int_eq(sgc_bitmap_test(map, 65), 1);
	sgc_bitmap_clear(map, 64); /* idempotent */
	ck_assert_int_eq(sgc_bitmap_test(map, 65), 1);
	for (size_t k = 0; k < nbits; k++)
		sgc_bitmap_clear(map, bits[k]);
	for (size_t w = 0; w < SGC_ARENA_BITMAP_WORDS; w++)
		ck_assert_uint_eq(map[w], 0);
}
END_TEST

/* Random set/clear against a reference array of bools. */
START_TEST(test_bitmap_random)
{
	sgc_atomic_word map[SGC_ARENA_BITMAP_WORDS];
	static unsigned char ref[SGC_PAGES_PER_ARENA];
	unsigned seed = 12345;

	memset((void *)map, 0, sizeof map);
	memset(ref, 0, sizeof ref);
	for (int n = 0; n < 100000; n++) {
		seed = seed * 1103515245u + 12345u;
		uintptr_t i = (seed >> 8) % SGC_PAGES_PER_ARENA;
		if (seed & 0x10) {
			sgc_bitmap_set(map, i);
			ref[i] = 1;
		} else {
			sgc_bitmap_clear(map, i);
			ref[i] = 0;
		}
		if (sgc_bitmap_test(map, i) != ref[i])
			ck_abort_msg("op %d: bit %lu wrong", n, (unsigned long)i);
	}
	for (uintptr_t i = 0; i < SGC_PAGES_PER_ARENA; i++)
		if (sgc_bitmap_test(map, i) != ref[i])
			ck_abort_msg("bit %lu wrong at the end", (unsigned long)i);
}
END_TEST

/* The heap keeps page_in_use on the first page of each in-use span only,
 * and clears it when the span is freed. */
START_TEST(test_page_in_use_bits)
{
	int needzero;
	struct sgc_span *s = sgc_heap_alloc_span(3, sgc_spanclass(SGC_KIND_NORMAL, 0),
						 1, &needzero);
	ck_assert_ptr_nonnull(s);
	struct sgc_heap_arena *ha = sgc_arena_of(s->start);
	ck_assert_ptr_nonnull(ha);
	uintptr_t pg = sgc_arena_page_index(s->start);
	ck_assert_int_eq(sgc_bitmap_test(ha->page_in_use, pg), 1);
	ck_assert_int_eq(sgc_bitmap_test(ha->page_in_use, pg + 1), 0);
	ck_assert_int_eq(sgc_bitmap_test(ha->page_in_use, pg + 2), 0);
	ck_assert_int_eq(sgc_bitmap_test(ha->page_marks, pg), 0);
	for (int k = 0; k < 3; k++)
		ck_assert_ptr_eq(ha->spans[pg + (uintptr_t)k], s);
	/* Claim and free it (sweepgen h -> h - 1, as a sweeper would). */
	uintptr_t sg = sgc_heap_sweepgen();
	ck_assert(sgc_cas(&s->sweepgen, sg, sg - 1));
	uintptr_t start = s->start;
	sgc_heap_free_span(s);
	ck_assert_int_eq(sgc_bitmap_test(ha->page_in_use, sgc_arena_page_index(start)), 0);
	ck_assert_ptr_null(sgc_span_of_heap(start));
}
END_TEST

Suite *make_arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("map");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_foreign_addresses);
	tcase_add_test(tc, test_heap_addresses);
	tcase_add_test(tc, test_grow_creates_arenas);
	tcase_add_test(tc, test_arena_create);
	tcase_add_test_raise_signal(tc, test_arena_create_unaligned_aborts,
				    SIGABRT);
	tcase_add_test(tc, test_page_in_use_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("bitmap");
	tcase_add_test(tc, test_page_index);
	tcase_add_test(tc, test_bitmap_helpers);
	tcase_add_test(tc, test_bitmap_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	(void)sgc_test_clear_stack; /* a static helper of testutil.h */
	return sgc_test_run(make_arena_suite());
}
