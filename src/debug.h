/*
 * debug.h: debug allocation and leak mode (bdwgc's GC_debug_* calls,
 * GC_find_leak), on top of malloc and the kinds; the collector proper
 * knows nothing of it beyond the three collect hooks (collect.h) and the
 * one call from initialisation below.
 *
 * A debug object is an ordinary heap object of one of four debug kinds
 * (one per built-in kind: normal, pointer-free, uncollectable, atomic
 * uncollectable), created on first use.  Its layout, from the start of
 * the slot (the base, 16-byte aligned):
 *
 *     struct sgc_dbg_hdr   48 bytes: site, size, state, guard (last word)
 *     client bytes         size bytes, returned to the client (16-aligned)
 *     tail guard           SGC_DBG_TAIL_BYTE up to the slot's end (at most
 *                          SGC_DBG_TAIL_MAX bytes, at least 8)
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

struct sgc_dbg_hdr {
	const char *file;   /* allocation site (a string the client keeps) */
	int32_t line;
	uint32_t state;     /* SGC_DBG_LIVE, _FREED, _SMASHED, or 0 */
	size_t size;        /* the client's request */
	uintptr_t ra;       /* the caller's return address, or 0 */
	uintptr_t back;     /* reserved (zero) */
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

#endif /* SGC_DEBUG_H */
