/*
 * span.h: spans, span classes, object kinds, and the lookups that turn an
 * ambiguous word into an object.
 *
 * A span is a run of pages holding objects of one span class (kind x size
 * class), or one large object (size class 0).  Span structs live outside
 * the heap, in a fixed-size allocator; they are recycled but never freed,
 * so a stale pointer to one can always be read and validated.
 *
 * Allocation state of object i of an in-use span:
 *     allocated(i) = (i < free_index || alloc_bits[i]) && !freed_bits[i]
 * alloc_bits are the marks of the last sweep (or zero for a new span);
 * free_index only grows between sweeps, and alloc_cache holds the
 * complement of alloc_bits from free_index to the end of its 64-bit word,
 * so ctz(alloc_cache) is the next free slot.  freed_bits (usually NULL)
 * records objects released by GC_free since the span's last sweep that
 * could not be freed in place.  GC_free frees in place when it owns the
 * span's allocation state (the span is in its cache, or swept and on its
 * central's list, under that central's lock): it may move free_index
 * back, after setting the alloc bits of the slots it moves over, so the
 * formula above holds throughout (malloc.c).
 *
 * sweepgen protocol (h = the heap's sweepgen, which grows by 2 per cycle):
 *     s.sweepgen == h - 2   the span needs sweeping
 *     s.sweepgen == h - 1   the span is being swept (or freed)
 *     s.sweepgen == h       the span is swept and ready to use
 *     s.sweepgen == h + 3   the span was swept and then cached by a thread
 * (Go's h + 1, "cached before sweeping began", cannot occur: caches are
 * flushed while the world is stopped, before h moves.)  A span is claimed
 * for sweeping or freeing by a compare-and-swap from h - 2 (or h) to h - 1.
 *
 * Who touches what:
 *  - start, npages, limit, spanclass, elem_size, nelems, divmagic: set by
 *    the heap before the state is published; constant while in use.
 *    start and limit are also read through stale spans[] entries, while
 *    the struct may be set up again for another span, so they are written
 *    and read that way atomically (relaxed): what validates such a read is
 *    the state read before it and the sweepgen claim after it.
 *  - state: atomic; published last (release), read first (acquire).
 *  - sweepgen: atomic, as above.
 *  - free_index, alloc_cache, alloc_count: the owner only (the cache that
 *    holds the span, or whoever has it claimed), and the collector while
 *    the world is stopped.  free_index is also read by lookups from other
 *    threads (GC_base, GC_free), so the owner writes it atomically
 *    (sgc_span_set_free_index, relaxed; release when GC_free moves it
 *    back, after setting the alloc bits it stops covering).
 *  - alloc_bits: a bitmap from gcbits, replaced by the sweeper that has
 *    the span claimed; changed in place by the owner's GC_free.
 *  - gcmarks: one byte per object, the span's own for its lifetime (freed
 *    with the struct), set to 1 by markers with plain stores: two markers
 *    racing on one object both scan it, which costs a little work and
 *    loses nothing, where a bitmap needs a locked instruction per object.
 *    The sweeper folds them into fresh alloc bits and clears them.
 *    After them, in the same allocation: the grey bits, the queued word
 *    and the owner word of mark.c's span queue (sgc_span_meta_bytes):
 *    the owner word is claimed by a marker with a compare-and-swap, and
 *    the other two are that marker's alone; all three are cleared with
 *    the mark bytes.
 *  - freed_bits: installed by compare-and-swap, bits set atomically.
 *  - next, prev, on_list: the lock of the central that owns the list.
 */
#ifndef SGC_SPAN_H
#define SGC_SPAN_H

#ifndef SGC_BUILDING
#error "src/span.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "atomics.h"
#include "sizeclass.h"
#include "util.h"

/* Object kinds: bdwgc's built-in numbering. */
enum {
	SGC_KIND_PTRFREE = 0,
	SGC_KIND_NORMAL = 1,
	SGC_KIND_UNCOLLECTABLE = 2,
	SGC_KIND_AUNCOLLECTABLE = 3,
	SGC_NUM_BUILTIN_KINDS = 4
};

/* How the objects of a kind are scanned (sgc_kind.scanned and the copy
 * in each span). */
enum {
	SGC_SCAN_NONE = 0,  /* never (pointer-free) */
	SGC_SCAN_WHOLE = 1, /* every word, conservatively */
	SGC_SCAN_DESCR = 2  /* as the kind's descriptor says (kinds.h) */
};

struct sgc_kind {
	uint8_t in_use;        /* defined */
	uint8_t scanned;       /* SGC_SCAN_*: contents may hold pointers */
	uint8_t uncollectable; /* always treated as marked */
	uint8_t zeroed;        /* allocation returns zeroed memory */
	/* objects are handed out this many words past their start (after
	 * a header), so a pointer there is recognised even when interior
	 * pointers are not (bdwgc's GC_register_displacement); 0: none */
	uint8_t header_word;
	/* gc_disclaim.h: push the contents of every allocated object, even
	 * unreachable ones, in each mark phase */
	uint8_t mark_unconditionally;
	/* gc_disclaim.h: asked about each unmarked object before its slot
	 * is reclaimed; nonzero keeps the object one more cycle.  Spans of
	 * such kinds are never freed whole by the page reclaimer. */
	int (*disclaim)(void *);
	/* SGC_SCAN_DESCR kinds (kinds.h): bdwgc's mark descriptor, to which
	 * the object's size in bytes is added when relocate is set */
	uintptr_t descr;
	uint8_t relocate;
	/* gc_mark.h: describes an object of the kind for debug output */
	void (*describe)(void *, char *);
};

SGC_HIDDEN extern struct sgc_kind sgc_kinds[SGC_MAX_KINDS];

/* Define a new kind; its number, or -1 when all SGC_MAX_KINDS are taken.
 * World lock held.  scanned is SGC_SCAN_NONE or SGC_SCAN_WHOLE;
 * descriptor kinds are set up by kinds.c on top of this. */
SGC_HIDDEN int sgc_kind_new(int scanned, int zeroed);

/* Registered displacements (GC_register_displacement): a nonzero byte at
 * offset d lets a word base + d reach the object at base when interior
 * pointers are off.  Written by ptrcheck.c under the world lock (bytes
 * only ever go from 0 to 1), read by find_object. */
SGC_HIDDEN extern uint8_t sgc_displacements[SGC_MAX_DISPLACEMENT];

#define SGC_NUM_SPAN_CLASSES (SGC_MAX_KINDS * SGC_NUM_SIZE_CLASSES)

static inline unsigned sgc_spanclass(unsigned kind, unsigned sizeclass)
{
	return kind * SGC_NUM_SIZE_CLASSES + sizeclass;
}

static inline unsigned sgc_spanclass_kind(unsigned spc)
{
	return spc / SGC_NUM_SIZE_CLASSES;
}

static inline unsigned sgc_spanclass_sizeclass(unsigned spc)
{
	return spc % SGC_NUM_SIZE_CLASSES;
}

enum {
	SGC_SPAN_DEAD = 0,
	SGC_SPAN_IN_USE = 1,
	SGC_SPAN_MANUAL = 2 /* pages for the collector's own use */
};

struct sgc_span_list;

/* The first cache line holds what find_object and the mark loop read for
 * every candidate word; span structs are cache-line aligned. */
struct sgc_span {
	sgc_atomic_word state;      /* atomic */
	uintptr_t start;
	uintptr_t limit;            /* start + nelems * elem_size */
	uint32_t elem_size;         /* large: 0, the object is the span */
	uint32_t nelems;
	uint32_t divmagic;
	uint32_t free_index;
	uint64_t *alloc_bits;
	uint8_t *gcmarks;           /* one mark byte per object */
	sgc_atomic_word freed_bits; /* atomic: uint64_t *, usually 0 */
	uint8_t scanned;            /* copy of the kind's SGC_SCAN_* */
	uint8_t needzero;           /* slots may hold old data, and the
				     * kind's objects are handed out zeroed */
	uint8_t header_word;        /* copy of the kind's header words */
	/* -- 64 bytes -- */
	uint64_t alloc_cache;
	uint32_t alloc_count;
	uint32_t spanclass;
	size_t npages;
	sgc_atomic_word sweepgen;   /* atomic */
	struct sgc_span *next, *prev;
	struct sgc_span_list *on_list;
	void *specials;             /* finalizers (finalize.c); world lock */
	uintptr_t descr;            /* SGC_SCAN_DESCR: each object's mark
				     * descriptor (the kind's, relocated by
				     * the object's size) */
} __attribute__((aligned(64)));

/* A validated reference to an allocated object. */
struct sgc_obj {
	struct sgc_span *span;
	uintptr_t base;
	uint32_t index;
};

/* Fixed-size allocator for span structs, under the metadata lock (span.c;
 * any other lock may be held).  Freeing a struct frees its mark bytes. */
SGC_HIDDEN struct sgc_span *sgc_span_alloc_struct(void);
SGC_HIDDEN void sgc_span_free_struct(struct sgc_span *s);

/* Number of words of a bitmap for n objects. */
static inline size_t sgc_bitmap_words(uint32_t n)
{
	return (n + 63) / 64;
}

/* Bytes of mark bytes for n objects: whole cache lines, so that spans do
 * not share one between markers. */
static inline size_t sgc_span_mark_bytes(uint32_t n)
{
	return ((size_t)n + 63) & ~(size_t)63;
}

/* Bytes of the span's mark metadata, whole lines: the mark bytes, then,
 * for mark.c's span queue, a grey bit per object (marked, not yet
 * scanned), the queued word and the owner word. */
static inline size_t sgc_span_meta_bytes(uint32_t n)
{
	return sgc_span_mark_bytes(n) +
	       ((sgc_bitmap_words(n) * 8 + 16 + 63) & ~(size_t)63);
}

/* The grey bits of s: one per object, zero outside a mark. */
static inline uint64_t *sgc_span_grey(const struct sgc_span *s)
{
	return (uint64_t *)(void *)(s->gcmarks + sgc_span_mark_bytes(s->nelems));
}

/* After the grey bits: nonzero while s is on a marker's span queue. */
static inline uint64_t *sgc_span_queued(const struct sgc_span *s)
{
	return sgc_span_grey(s) + sgc_bitmap_words(s->nelems);
}

/* After that: the marker that owns s's grey bits this cycle (mark.c),
 * 0 for none; atomic. */
static inline sgc_atomic_word *sgc_span_grey_owner(const struct sgc_span *s)
{
	return (sgc_atomic_word *)(sgc_span_queued(s) + 1);
}

/* Whether object i of s is marked in the current (or last) mark. */
static inline int sgc_span_marked(const struct sgc_span *s, uint32_t i)
{
	return __atomic_load_n(&s->gcmarks[i], __ATOMIC_RELAXED) != 0;
}

/* Set up a span's object layout and fresh bitmaps; does not publish it. */
SGC_HIDDEN int sgc_span_init(struct sgc_span *s, uintptr_t start,
			     size_t npages, unsigned spanclass);

/* Index of the next free slot at or after free_index, advancing it; equals
 * nelems when the span is full.  Owner only. */
SGC_HIDDEN uint32_t sgc_span_next_free_index(struct sgc_span *s);

/* Set free_index: relaxed atomic, for the lookups of other threads. */
static inline void sgc_span_set_free_index(struct sgc_span *s, uint32_t v)
{
	__atomic_store_n(&s->free_index, v, __ATOMIC_RELAXED);
}

/* Load alloc_cache from the alloc bits of the word holding free_index. */
static inline void sgc_span_refill_alloc_cache(struct sgc_span *s)
{
	uint32_t w = s->free_index / 64;
	s->alloc_cache = ~s->alloc_bits[w] >> (s->free_index % 64);
}

/* Bytes per object: a large span's object is the whole span. */
static inline uintptr_t sgc_span_elem_bytes(const struct sgc_span *s)
{
	return s->elem_size ? s->elem_size : s->limit - s->start;
}

/* Bit i of a bitmap.  The word is read atomically (relaxed; a plain
 * load on the platforms we support): other threads read alloc and freed
 * bits while their owner changes them (GC_free, GC_base). */
static inline int sgc_bit(const uint64_t *bits, uint32_t i)
{
	return (int)((__atomic_load_n(&bits[i / 64], __ATOMIC_RELAXED) >>
		      (i % 64)) & 1);
}

/* The span holding addr, if any, unvalidated: may be dead or stale. */
static inline struct sgc_span *sgc_span_of(uintptr_t addr)
{
	struct sgc_heap_arena *ha = sgc_arena_of(addr);
	if (!ha)
		return NULL;
	return __atomic_load_n(&ha->spans[sgc_arena_page_index(addr)],
			       __ATOMIC_ACQUIRE);
}

/* s, a span read from an arena's spans[] for addr, if it is in use and
 * its objects' extent covers addr; else NULL.  Safe on any word: the
 * state is read first (acquire), then the layout. */
static inline struct sgc_span *sgc_span_covering(struct sgc_span *s,
						 uintptr_t addr)
{
	if (!s || sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE)
		return NULL;
	if (addr < __atomic_load_n(&s->start, __ATOMIC_RELAXED) ||
	    addr >= __atomic_load_n(&s->limit, __ATOMIC_RELAXED))
		return NULL;
	return s;
}

/* The in-use span whose objects' extent covers addr, or NULL. */
static inline struct sgc_span *sgc_span_of_heap(uintptr_t addr)
{
	return sgc_span_covering(sgc_span_of(addr), addr);
}

static inline int sgc_span_is_allocated(const struct sgc_span *s, uint32_t i)
{
	uint64_t *freed = (uint64_t *)sgc_load_acquire(&s->freed_bits);
	if (freed && sgc_bit(freed, i))
		return 0;
	/* free_index is read before the bits: GC_free may move it back, and
	 * sets the bits it stops covering before it does (malloc.c). */
	return i < __atomic_load_n(&s->free_index, __ATOMIC_ACQUIRE) ||
	       sgc_bit(s->alloc_bits, i);
}

static inline uint32_t sgc_span_index(const struct sgc_span *s, uintptr_t addr)
{
	if (s->nelems == 1)
		return 0;
	return (uint32_t)(((uint64_t)(addr - s->start) * s->divmagic) >> 32);
}

/* Whether a word off bytes into an object of s (off < the object's size)
 * reaches it when interior pointers are off. */
static inline int sgc_displacement_ok(const struct sgc_span *s, uintptr_t off)
{
	if (s->header_word && off == s->header_word * sizeof(void *))
		return 1;
	return off < SGC_MAX_DISPLACEMENT &&
	       __atomic_load_n(&sgc_displacements[off], __ATOMIC_RELAXED);
}

/* sgc_find_object's second half: the object of s (from
 * sgc_span_covering; NULL gives 0) that w points into. */
static SGC_ALWAYS_INLINE int sgc_span_find_object(struct sgc_span *s,
						  uintptr_t w, int interior,
						  struct sgc_obj *out)
{
	if (!s)
		return 0;
	uint32_t i = sgc_span_index(s, w);
	uintptr_t base = s->start + (uintptr_t)i * s->elem_size; /* 0 if large */
	if (!interior && w != base && !sgc_displacement_ok(s, w - base))
		return 0;
	if (!sgc_span_is_allocated(s, i))
		return 0;
	out->span = s;
	out->base = base;
	out->index = i;
	return 1;
}

/*
 * find_object: the one conversion from an ambiguous word to an object.
 * Accepts a word pointing anywhere inside an allocated object when
 * interior is nonzero, else only its first byte.  Words into free slots,
 * tail waste, dead spans or foreign memory give 0.  (The mark finds the
 * span its own way, then validates as this does: mark.c, mark_word.)
 */
static SGC_ALWAYS_INLINE int sgc_find_object(uintptr_t w, int interior,
					     struct sgc_obj *out)
{
	return sgc_span_find_object(sgc_span_of_heap(w), w, interior, out);
}

#endif /* SGC_SPAN_H */
