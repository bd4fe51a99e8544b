/*
 * checkmark.c: check-mark mode (see checkmark.h).
 *
 * Kept apart from mark.c on purpose: it shares none of the mark loop's
 * code (only the span layout and the descriptor encoding, which are facts
 * of the heap), so a bug in the fast marker is not copied here.  Speed
 * does not matter; it runs only when asked for.
 *
 * Bits: bit (a - lo) / 8 of `bits` is set when the object starting at a
 * has been reached, for [lo, hi) the heap's managed range at the start of
 * the run.  Stack: a growing array of (start, descriptor, referrer).
 */
#include <stdint.h>
#include <string.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "checkmark.h"
#include "heap.h"
#include "kinds.h"
#include "os.h"
#include "roots.h"
#include "thread.h"

/* What a stack entry's referrer is: an object or a root range. */
struct item {
	uintptr_t start, descr; /* descr: a byte length or a mark descriptor */
	uintptr_t from;         /* the object or root range it came from */
	int from_root;
};

static struct {
	uintptr_t lo, hi;      /* heap range covered by bits */
	uint64_t *bits;
	size_t bits_bytes;
	struct item *stack;
	size_t n, cap;
	int interior;
	uintptr_t stack_top;   /* collecting thread: scan from here up */
	uintptr_t own_lo, own_hi; /* the collecting thread's stack */
	size_t checked;
	size_t last_checked;
	/* The root range being scanned, for the messages. */
	uintptr_t root_lo, root_hi;
} cm;

size_t sgc_checkmark_last_checked(void)
{
	return cm.last_checked;
}

/* The in-use span holding w and the index of the object w is in, done the
 * slow way; 0 when w reaches no allocated object. */
static int lookup(uintptr_t w, struct sgc_span **sp, uint32_t *ip)
{
	if (w < cm.lo || w >= cm.hi)
		return 0;
	struct sgc_span *s = sgc_span_of(w);
	if (!s || sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE)
		return 0;
	if (w < s->start || w >= s->limit)
		return 0;
	uint32_t i = 0;
	uintptr_t base = s->start;
	if (s->elem_size) {
		i = (uint32_t)((w - s->start) / s->elem_size);
		base = s->start + (uintptr_t)i * s->elem_size;
	}
	if (!cm.interior && w != base) {
		uintptr_t off = w - base;
		int ok = (s->header_word &&
			  off == s->header_word * sizeof(void *)) ||
			 (off < SGC_MAX_DISPLACEMENT && sgc_displacements[off]);
		if (!ok)
			return 0;
	}
	uint64_t *freed = (uint64_t *)sgc_load_acquire(&s->freed_bits);
	if (freed && sgc_bit(freed, i))
		return 0;
	if (!(i < s->free_index || sgc_bit(s->alloc_bits, i)))
		return 0;
	*sp = s;
	*ip = i;
	return 1;
}

static void push_item(uintptr_t start, uintptr_t descr, uintptr_t from,
		      int from_root)
{
	if (cm.n == cm.cap) {
		size_t cap = cm.cap ? cm.cap * 2 : 4096;
		struct item *a = sgc_os_alloc(cap * sizeof *a);
		if (!a)
			sgc_fatal("checkmark: out of memory for its stack"
				  " (%zu entries)", cap);
		if (cm.stack) {
			memcpy(a, cm.stack, cm.n * sizeof *a);
			sgc_os_release(cm.stack, cm.cap * sizeof *a);
		}
		cm.stack = a;
		cm.cap = cap;
	}
	cm.stack[cm.n++] = (struct item){ start, descr, from, from_root };
}

static SGC_NORETURN void disagree(struct sgc_span *s, uint32_t i,
				  uintptr_t w, uintptr_t at, uintptr_t from,
				  int from_root, uintptr_t from_hi)
{
	uintptr_t base = s->start + (uintptr_t)i * s->elem_size;
	if (from_root)
		sgc_fatal("checkmark: object %p (reached by word %p stored at"
			  " %p, in root range [%p, %p)) is reachable but the"
			  " mark phase left it unmarked; its span %p holds"
			  " [%p, %p), class %u, %u-byte objects, index %u",
			  (void *)base, (void *)w, (void *)at, (void *)from,
			  (void *)from_hi, (void *)s, (void *)s->start,
			  (void *)s->limit, s->spanclass,
			  (unsigned)sgc_span_elem_bytes(s), i);
	sgc_fatal("checkmark: object %p (reached by word %p stored at %p,"
		  " inside object %p) is reachable but the mark phase left"
		  " it unmarked; its span %p holds [%p, %p), class %u,"
		  " %u-byte objects, index %u", (void *)base, (void *)w,
		  (void *)at, (void *)from, (void *)s, (void *)s->start,
		  (void *)s->limit, s->spanclass,
		  (unsigned)sgc_span_elem_bytes(s), i);
}

/* The word w, read at address at, found in from (an object, or the root
 * range [from, from_hi)). */
static void visit(uintptr_t w, uintptr_t at, uintptr_t from, int from_root,
		  uintptr_t from_hi)
{
	struct sgc_span *s;
	uint32_t i;
	if (!lookup(w, &s, &i))
		return;
	uintptr_t base = s->start + (uintptr_t)i * s->elem_size;
	uintptr_t bit = (base - cm.lo) / sizeof(void *);
	if (cm.bits[bit / 64] & ((uint64_t)1 << (bit % 64)))
		return;
	cm.bits[bit / 64] |= (uint64_t)1 << (bit % 64);
	cm.checked++;
	if (!s->gcmarks[i])
		disagree(s, i, w, at, from, from_root, from_hi);
	if (s->scanned == SGC_SCAN_WHOLE)
		push_item(base, sgc_span_elem_bytes(s), base, 0);
	else if (s->scanned == SGC_SCAN_DESCR && s->descr)
		push_item(base, s->descr, base, 0);
}

static SGC_NO_SANITIZE uintptr_t read_word(uintptr_t p)
{
	return *(const uintptr_t *)p;
}

/* Every word of [lo, hi). */
static SGC_NO_SANITIZE void scan_words(uintptr_t lo, uintptr_t hi,
				       uintptr_t from, int from_root)
{
	lo = sgc_round_up(lo, sizeof(void *));
	for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *))
		visit(read_word(p), p, from, from_root, hi);
}

/* The object at start, as descriptor d says. */
static SGC_NO_SANITIZE void scan_item(const struct item *it)
{
	uintptr_t start = it->start, d = it->descr;
	for (;;) {
		switch (d & GC_DS_TAGS) {
		case GC_DS_LENGTH:
			scan_words(start, start + d, it->from, 0);
			return;
		case GC_DS_BITMAP: {
			uintptr_t bm = d & ~(uintptr_t)GC_DS_TAGS;
			for (unsigned k = 0; bm; k++, bm <<= 1) {
				uintptr_t p = start + k * sizeof(void *);
				if (bm >> (sizeof(uintptr_t) * 8 - 1))
					visit(read_word(p), p, it->from, 0,
					      0);
			}
			return;
		}
		case GC_DS_PROC:
			return; /* left out: see checkmark.h */
		default:
			break;
		}
		intptr_t off = (intptr_t)(d & ~(uintptr_t)GC_DS_TAGS);
		if (off >= 0) {
			d = read_word(start + (uintptr_t)off);
		} else {
			uintptr_t type = read_word(start);
			if (!type)
				return;
			d = read_word(type + (uintptr_t)(-off) -
				      GC_INDIR_PER_OBJ_BIAS);
		}
		if (!d || (d & GC_DS_TAGS) == GC_DS_PER_OBJECT)
			return; /* the mark phase aborts on the latter */
	}
}

static void drain(void)
{
	while (cm.n) {
		struct item it = cm.stack[--cm.n];
		scan_item(&it);
	}
}

static void root_range(uintptr_t lo, uintptr_t hi)
{
	scan_words(lo, hi, lo, 1);
	drain();
}

static void stack_range(uintptr_t lo, uintptr_t hi)
{
	/* The collecting thread's frames below stack_top belong to the
	 * collector (the mark phase's and this run's): skip them. */
	if (cm.stack_top >= lo && cm.stack_top < hi)
		lo = cm.stack_top;
	root_range(lo, hi);
}

/* Every allocated object of an uncollectable kind is a root. */
static void uncollectable_roots(void)
{
	for (uintptr_t a = cm.lo; a < cm.hi; a += SGC_PAGE_SIZE) {
		struct sgc_heap_arena *ha = sgc_arena_of(a);
		if (!ha || !sgc_bitmap_test(ha->page_in_use,
					     sgc_arena_page_index(a)))
			continue;
		struct sgc_span *s = sgc_span_of(a);
		if (!s || sgc_load_acquire(&s->state) != SGC_SPAN_IN_USE ||
		    s->start != a)
			continue;
		if (!sgc_kinds[sgc_spanclass_kind(s->spanclass)].uncollectable)
			continue;
		for (uint32_t i = 0; i < s->nelems; i++) {
			uintptr_t base = s->start + (uintptr_t)i * s->elem_size;
			/* As if a root held its address. */
			int save = cm.interior;
			cm.interior = 1;
			visit(base, base, base, 1, base);
			cm.interior = save;
			drain();
		}
	}
}

void sgc_checkmark_run(uintptr_t stack_top)
{
	cm.interior = GC_all_interior_pointers != 0;
	cm.lo = sgc_heap.base;
	cm.hi = __atomic_load_n(&sgc_heap.end, __ATOMIC_ACQUIRE);
	cm.stack_top = stack_top;
	cm.checked = 0;
	size_t words = (cm.hi - cm.lo) / sizeof(void *);
	cm.bits_bytes = sgc_round_up((words + 63) / 64 * sizeof(uint64_t),
				     sgc_os_page_size());
	cm.bits = sgc_os_alloc(cm.bits_bytes);
	if (!cm.bits)
		sgc_fatal("checkmark: out of memory for its mark bits"
			  " (%zu bytes)", cm.bits_bytes);
	sgc_roots_for_each(root_range);
	sgc_thread_scan_stacks(stack_range);
	uncollectable_roots();
	sgc_os_release(cm.bits, cm.bits_bytes);
	cm.bits = NULL;
	cm.last_checked = cm.checked;
}

void sgc_checkmark_init(void)
{
	sgc_roots_exclude((uintptr_t)&cm, (uintptr_t)(&cm + 1));
}
