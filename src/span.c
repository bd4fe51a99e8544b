/*
 * span.c: span structs and object layout (see span.h).
 *
 * Span structs come from a fixed-size allocator: 64 KiB blocks from the
 * system, carved into structs, recycled through a free list and never
 * returned, so that a stale span pointer read from an arena's spans[]
 * always points at a readable struct whose state says what it is.
 */
#include <string.h>
#include "gcbits.h"
#include "os.h"
#include "span.h"

struct sgc_kind sgc_kinds[SGC_MAX_KINDS] = {
	[SGC_KIND_PTRFREE] = { 1, 0, 0, 0 },
	[SGC_KIND_NORMAL] = { 1, 1, 0, 1 },
	[SGC_KIND_UNCOLLECTABLE] = { 1, 1, 1, 1 },
	[SGC_KIND_AUNCOLLECTABLE] = { 1, 0, 1, 0 },
};

#define FIX_BLOCK ((size_t)64 << 10)

static struct sgc_span *free_structs;
static char *fix_cur, *fix_end;

struct sgc_span *sgc_span_alloc_struct(void)
{
	struct sgc_span *s = free_structs;
	if (s) {
		free_structs = s->next;
	} else {
		if (fix_cur == NULL || fix_cur + sizeof *s > fix_end) {
			fix_cur = sgc_os_alloc(FIX_BLOCK);
			if (!fix_cur)
				return NULL;
			fix_end = fix_cur + FIX_BLOCK;
		}
		s = (struct sgc_span *)fix_cur;
		fix_cur += sizeof *s;
	}
	/* The state stays dead until the heap publishes the span. */
	sgc_store_relaxed(&s->state, SGC_SPAN_DEAD);
	return s;
}

void sgc_span_free_struct(struct sgc_span *s)
{
	sgc_store_release(&s->state, SGC_SPAN_DEAD);
	s->next = free_structs;
	free_structs = s;
}

int sgc_span_init(struct sgc_span *s, uintptr_t start, size_t npages,
		  unsigned spanclass)
{
	unsigned sc = sgc_spanclass_sizeclass(spanclass);
	uintptr_t limit;
	__atomic_store_n(&s->start, start, __ATOMIC_RELAXED); /* see span.h */
	s->npages = npages;
	s->next = s->prev = NULL;
	s->on_list = NULL;
	s->spanclass = spanclass;
	if (sc == 0) {
		s->elem_size = 0; /* not representable above 4 GiB: use limit */
		s->nelems = 1;
		s->divmagic = 0;
		limit = start + npages * SGC_PAGE_SIZE;
	} else {
		s->elem_size = (uint32_t)sgc_class_size(sc);
		s->nelems = sgc_class_nelems(sc);
		s->divmagic = sgc_class_to_divmagic[sc];
		limit = start + (uintptr_t)s->nelems * s->elem_size;
	}
	__atomic_store_n(&s->limit, limit, __ATOMIC_RELAXED);
	size_t words = sgc_bitmap_words(s->nelems);
	s->alloc_bits = sgc_gcbits_alloc(words);
	s->gcmark_bits = sgc_gcbits_alloc(words);
	if (!s->alloc_bits || !s->gcmark_bits)
		return -1;
	s->free_index = 0;
	s->alloc_count = 0;
	s->alloc_cache = ~(uint64_t)0;
	sgc_store_relaxed(&s->freed_bits, 0);
	s->needzero = 0;
	s->scanned = sgc_kinds[sgc_spanclass_kind(spanclass)].scanned;
	s->specials = NULL;
	return 0;
}

uint32_t sgc_span_next_free_index(struct sgc_span *s)
{
	uint32_t idx = s->free_index, n = s->nelems;
	if (idx == n)
		return n;
	uint64_t cache = s->alloc_cache;
	unsigned bit = sgc_ctz64(cache);
	while (bit == 64) {
		idx = (idx + 64) & ~(uint32_t)63;
		if (idx >= n) {
			s->free_index = n;
			return n;
		}
		s->free_index = idx;
		sgc_span_refill_alloc_cache(s);
		cache = s->alloc_cache;
		bit = sgc_ctz64(cache);
	}
	uint32_t result = idx + bit;
	if (result >= n) {
		s->free_index = n;
		return n;
	}
	s->alloc_cache = bit == 63 ? 0 : cache >> (bit + 1);
	s->free_index = result + 1;
	if (s->free_index % 64 == 0 && s->free_index != n)
		sgc_span_refill_alloc_cache(s);
	return result;
}
