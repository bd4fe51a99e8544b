/*
 * span.c: span structs and object layout (see span.h).
 *
 * Span structs come from a fixed-size allocator: 64 KiB blocks from the
 * system, carved into structs, recycled through a free list and never
 * returned, so that a stale span pointer read from an arena's spans[]
 * always points at a readable struct whose state says what it is.
 *
 * Span structs and mark bytes have a lock of their own, the metadata
 * lock, a leaf held for a few instructions: a span made from a thread's
 * page cache (heap.h) takes it and not the heap lock.
 */
#include <pthread.h>
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

int sgc_kind_new(int scanned, int zeroed)
{
	for (int k = SGC_NUM_BUILTIN_KINDS; k < SGC_MAX_KINDS; k++) {
		if (sgc_kinds[k].in_use)
			continue;
		sgc_kinds[k].scanned = (uint8_t)scanned;
		sgc_kinds[k].descr = 0;
		sgc_kinds[k].relocate = 0;
		sgc_kinds[k].describe = NULL;
		sgc_kinds[k].zeroed = zeroed != 0;
		sgc_kinds[k].uncollectable = 0;
		sgc_kinds[k].mark_unconditionally = 0;
		sgc_kinds[k].header_word = 0;
		sgc_kinds[k].disclaim = NULL;
		__atomic_store_n(&sgc_kinds[k].in_use, 1, __ATOMIC_RELEASE);
		return k;
	}
	return -1;
}

#define FIX_BLOCK ((size_t)64 << 10)
#define HUGE_BLOCK ((size_t)2 << 20)
#define SMALL_BLOCKS 32

static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;

/* A block for span structs or mark bytes.  Past the first SMALL_BLOCKS
 * (2 MiB of metadata, a heap of some 50 MiB), blocks are cut from 2 MiB
 * huge pages: the mark touches a span struct and a mark byte for every
 * pointer, and over a large heap those would otherwise cost a TLB miss
 * each.  Metadata lock held. */
static void *meta_block(void)
{
	static unsigned given;
	static char *huge_cur, *huge_end;
	if (given < SMALL_BLOCKS) {
		void *p = sgc_os_alloc(FIX_BLOCK);
		given += p != NULL;
		return p;
	}
	if (huge_cur == huge_end) {
		char *h = sgc_os_alloc_huge(HUGE_BLOCK, HUGE_BLOCK);
		if (!h) /* near the system's limit: small blocks will do */
			return sgc_os_alloc(FIX_BLOCK);
		huge_cur = h;
		huge_end = h + HUGE_BLOCK;
	}
	void *p = huge_cur;
	huge_cur += FIX_BLOCK;
	return p;
}

static struct sgc_span *free_structs;
static char *fix_cur, *fix_end;

struct sgc_span *sgc_span_alloc_struct(void)
{
	pthread_mutex_lock(&meta_lock);
	struct sgc_span *s = free_structs;
	if (s) {
		free_structs = s->next;
	} else {
		if (fix_cur == NULL || fix_cur + sizeof *s > fix_end) {
			fix_cur = meta_block();
			if (!fix_cur) {
				pthread_mutex_unlock(&meta_lock);
				return NULL;
			}
			fix_end = fix_cur + FIX_BLOCK;
		}
		s = (struct sgc_span *)fix_cur;
		fix_cur += sizeof *s;
	}
	pthread_mutex_unlock(&meta_lock);
	/* The state stays dead until the heap publishes the span. */
	sgc_store_relaxed(&s->state, SGC_SPAN_DEAD);
	s->gcmarks = NULL;
	return s;
}

/* Mark bytes and the span queue's words (sgc_span_meta_bytes): 64 KiB
 * blocks carved into runs of whole cache lines, one free list per size
 * (2 to 19 lines).  Zeroed; NULL when the system refuses memory. */
#define MARKS_MAX_LINES 19
static void *free_marks[MARKS_MAX_LINES + 1];
static char *marks_cur, *marks_end;

static uint8_t *marks_alloc(uint32_t nelems)
{
	size_t bytes = sgc_span_meta_bytes(nelems);
	size_t lines = bytes / 64;
	SGC_CHECK(lines >= 1 && lines <= MARKS_MAX_LINES);
	pthread_mutex_lock(&meta_lock);
	uint8_t *p = free_marks[lines];
	if (p) {
		free_marks[lines] = *(void **)p;
		pthread_mutex_unlock(&meta_lock);
		memset(p, 0, bytes);
		return p;
	}
	if (marks_cur == NULL || marks_cur + bytes > marks_end) {
		marks_cur = meta_block(); /* fresh from the system: zero */
		marks_end = marks_cur ? marks_cur + FIX_BLOCK : NULL;
	}
	p = (uint8_t *)marks_cur;
	if (p)
		marks_cur += bytes;
	pthread_mutex_unlock(&meta_lock);
	return p;
}

/* Metadata lock held. */
static void marks_free(uint8_t *p, uint32_t nelems)
{
	size_t lines = sgc_span_meta_bytes(nelems) / 64;
	*(void **)p = free_marks[lines];
	free_marks[lines] = p;
}

void sgc_span_free_struct(struct sgc_span *s)
{
	sgc_store_release(&s->state, SGC_SPAN_DEAD);
	pthread_mutex_lock(&meta_lock);
	if (s->gcmarks) {
		marks_free(s->gcmarks, s->nelems);
		s->gcmarks = NULL;
	}
	s->next = free_structs;
	free_structs = s;
	pthread_mutex_unlock(&meta_lock);
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
	s->gcmarks = marks_alloc(s->nelems);
	if (!s->alloc_bits || !s->gcmarks)
		return -1;
	s->free_index = 0;
	s->alloc_count = 0;
	s->alloc_cache = ~(uint64_t)0;
	sgc_store_relaxed(&s->freed_bits, 0);
	s->needzero = 0;
	const struct sgc_kind *kd = &sgc_kinds[sgc_spanclass_kind(spanclass)];
	s->scanned = kd->scanned;
	s->header_word = kd->header_word;
	uintptr_t objsize = sc ? s->elem_size : limit - start;
	s->descr = kd->descr + (kd->relocate ? objsize : 0);
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
			sgc_span_set_free_index(s, n);
			return n;
		}
		sgc_span_set_free_index(s, idx);
		sgc_span_refill_alloc_cache(s);
		cache = s->alloc_cache;
		bit = sgc_ctz64(cache);
	}
	uint32_t result = idx + bit;
	if (result >= n) {
		sgc_span_set_free_index(s, n);
		return n;
	}
	s->alloc_cache = bit == 63 ? 0 : cache >> (bit + 1);
	sgc_span_set_free_index(s, result + 1);
	if (s->free_index % 64 == 0 && s->free_index != n)
		sgc_span_refill_alloc_cache(s);
	return result;
}
