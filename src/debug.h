/*
 * debug.h: debug allocation and leak mode (bdwgc's GC_debug_* calls,
 * GC_find_leak), on top of malloc and the kinds; the collector proper
 * knows nothing of it beyond the three collect hooks (collect.h) and the
 * one call from initialisation below.
 *
 * A debug object is an ordinary heap object of a debug kind: each kind
 * whose objects are debug-allocated gets a twin, created on first use
 * (for the four built-in kinds, and for client kinds from GC_new_kind or
 * gcj, whose twin is made with the gcj kind).  A twin is scanned as its
 * kind is, except that a descriptor kind's twin is marked by a mark
 * procedure of this module that applies the kind's descriptor to the
 * client's bytes, after the header (a gcj vtable word, a bitmap, ...).
 * Its layout, from the start of the slot (the base, 16-byte aligned):
 *
 *     struct sgc_dbg_hdr   96 bytes: site, size, state, call chain, guard
 *                          (last word)
 *     client bytes         size bytes, returned to the client (16-aligned)
 *     tail guard           SGC_DBG_TAIL_BYTE up to the slot's end (at most
 *                          SGC_DBG_TAIL_MAX bytes, at least 8)
 *
 * The call chain is glibc's backtrace() from the allocation, starting at
 * the caller's frame: taken only for debug allocations (it costs about
 * 5 us each, 10 to 40 times a debug allocation without it;
 * SPANGC_CALL_CHAIN=0 keeps the caller's address alone), symbolised only
 * when a report is sent, with the world running (report tokens,
 * debug.c).
 *
 * Invariants of a debug object whose state is LIVE or FREED:
 *     guard == SGC_DBG_GUARD ^ base
 *     size + header + 8 <= slot size
 *     every tail byte == SGC_DBG_TAIL_BYTE
 *     FREED: every client byte == SGC_DBG_FREED_BYTE (freed, not yet
 *            collected: a write there is a use after free)
 * State 0 is a slot handed out but not yet set up (debug kinds are
 * zeroed); SMASHED is an object already reported whose header could not
 * be trusted, no longer checked.  A broken invariant is a smash: reported
 * once through the warn procedure with the object, its site and the bytes
 * that changed, then repaired, so that a new smash is reported again.
 *
 * Where this departs from bdwgc: the tail guard covers every byte from the
 * client's end (not the next word) so that one byte past the end is found;
 * freed collectable objects are filled and kept until unreachable, as in
 * bdwgc, and a write to them is reported too.  The kinds recognise a
 * pointer to the client's first byte (header_word, span.h), so debug
 * objects need no GC_register_displacement.
 *
 * Leak mode (GC_find_leak, GC_FIND_LEAK): disclaim procedures on the
 * normal and pointer-free kinds, plain and debug, report each object the
 * sweep is about to reclaim that was never freed, then let it go: each
 * leak is reported once, with its site when it is a debug object.  A
 * sweep with the world stopped keeps such objects for the next cycle
 * instead (the warn procedure may take locks that a stopped thread holds).
 *
 * Locks: kinds are created and leak mode installed with the world lock
 * held; the list of smashed objects found with the world stopped has its
 * own mutex, taken only with the world running.
 */
#ifndef SGC_DEBUG_H
#define SGC_DEBUG_H

#ifndef SGC_BUILDING
#error "src/debug.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "util.h"

#define SGC_DBG_NFRAMES 7

struct sgc_dbg_hdr {
	const char *file;   /* allocation site (a string the client keeps) */
	int32_t line;
	uint32_t state;     /* SGC_DBG_LIVE, _FREED, _SMASHED, or 0 */
	size_t size;        /* the client's request */
	uintptr_t ra;       /* the caller's return address, or 0 */
	/* the call chain at allocation, innermost first (the caller's
	 * return address, its caller's...), zero after the last frame;
	 * saved with glibc's backtrace() where it exists */
	uintptr_t frames[SGC_DBG_NFRAMES];
	uintptr_t guard;    /* SGC_DBG_GUARD ^ base: the word before the
			     * client's first byte */
};
_Static_assert(sizeof(struct sgc_dbg_hdr) % 16 == 0,
	       "debug header keeps client bytes 16-byte aligned");

#define SGC_DBG_HDR_WORDS (sizeof(struct sgc_dbg_hdr) / sizeof(void *))
#define SGC_DBG_GUARD ((uintptr_t)0x5347434442474455ull) /* "SGCDBGDU" */
#define SGC_DBG_LIVE 0x4556494cu    /* "LIVE" */
#define SGC_DBG_FREED 0x45455246u   /* "FREE" */
#define SGC_DBG_SMASHED 0x48534d53u /* "SMSH" */
#define SGC_DBG_TAIL_BYTE 0xfd
#define SGC_DBG_FREED_BYTE 0xef
#define SGC_DBG_TAIL_MIN 8
#define SGC_DBG_TAIL_MAX 256

/* Called once at the end of initialisation: reads GC_FIND_LEAK and
 * turns leak mode on when it (or GC_find_leak) asks for it. */
SGC_HIDDEN void sgc_debug_init(void);

/* The header of the debug object at base, or NULL when base is not the
 * start of an allocated debug object.  Any thread, world running. */
SGC_HIDDEN struct sgc_dbg_hdr *sgc_debug_header(void *base);

/* Check the debug object at base (a slot of slot bytes) and describe
 * each broken invariant into buf (at most len bytes, NUL-terminated);
 * 0 when intact. */
SGC_HIDDEN int sgc_debug_check(const void *base, size_t slot, char *buf,
			       size_t len);

/* Append the call chain of h to buf (at most len bytes, NUL-terminated),
 * one indented line per frame, symbolised with dladdr; nothing when no
 * chain was saved.  Never allocates; must not run with the world stopped
 * (the dynamic loader's lock may be held by a stopped thread). */
SGC_HIDDEN void sgc_debug_chain_text(const struct sgc_dbg_hdr *h, char *buf,
				     size_t len);

/* A debug object of kind k (built-in or client), as GC_debug_malloc
 * makes one for the normal kind; a plain object when k's objects cannot
 * carry a header (see debug.c: can_wrap). */
SGC_HIDDEN void *sgc_debug_alloc_kind(size_t lb, int k, const char *file,
				      int line, uintptr_t ra);

/* The debug kind wrapping kind k, created now if needed (world lock
 * held); -1 when k's objects cannot carry a header. */
SGC_HIDDEN int sgc_debug_kind_locked(int k);

/* The base kind of debug kind k (the kind whose objects it wraps), or -1
 * when k is not a debug kind. */
SGC_HIDDEN int sgc_debug_kind_base(unsigned k);

#endif /* SGC_DEBUG_H */
