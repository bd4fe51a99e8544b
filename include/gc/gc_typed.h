/*
 * spangc: allocation with an explicit layout, source- and
 * binary-compatible with bdwgc 8.2's <gc/gc_typed.h>.
 *
 * The client describes which words of a type may hold pointers, as a
 * bitmap, and gets a descriptor; objects allocated with it are scanned
 * precisely: only those words are read, so an integer elsewhere in the
 * object that looks like a pointer keeps nothing alive.
 *
 *     GC_word bm[GC_BITMAP_SIZE(struct T)] = { 0 };
 *     GC_set_bit(bm, GC_WORD_OFFSET(struct T, link));
 *     GC_descr d = GC_make_descriptor(bm, GC_WORD_LEN(struct T));
 *     struct T *t = GC_malloc_explicitly_typed(sizeof *t, d);
 */
#ifndef GC_TYPED_H
#define GC_TYPED_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bit i (bit i % GC_WORDSZ of word i / GC_WORDSZ) is set when word i of
 * the object may be a pointer. */
typedef GC_word *GC_bitmap;

#define GC_WORDSZ (8 * sizeof(GC_word))
#define GC_get_bit(bm, index) \
        (((bm)[(index) / GC_WORDSZ] >> ((index) % GC_WORDSZ)) & 1)
#define GC_set_bit(bm, index) \
        ((bm)[(index) / GC_WORDSZ] |= (GC_word)1 << ((index) % GC_WORDSZ))
#define GC_WORD_OFFSET(t, f) (offsetof(t, f) / sizeof(GC_word))
#define GC_WORD_LEN(t) (sizeof(t) / sizeof(GC_word))
#define GC_BITMAP_SIZE(t) ((GC_WORD_LEN(t) + GC_WORDSZ - 1) / GC_WORDSZ)

typedef GC_word GC_descr;

/* A descriptor for objects whose first len words are laid out as bm
 * says (words past len hold no pointers).  Any length; meant to be
 * called once per type: long bitmaps are copied and kept for good. */
GC_API GC_descr GC_CALL GC_make_descriptor(const GC_word * /* bm */,
                                           size_t /* len */);

/* A zeroed object of size_in_bytes (at least as many bytes as d's
 * bitmap has words) scanned as d says.  Not for GC_realloc. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_explicitly_typed(size_t /* size_in_bytes */,
                                   GC_descr /* d */);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_explicitly_typed_ignore_off_page(size_t /* size_in_bytes */,
                                                   GC_descr /* d */);

/* A zeroed array of nelements elements of element_size_in_bytes (a
 * multiple of the pointer size), each scanned as d says. */
GC_API GC_ATTR_MALLOC GC_ATTR_CALLOC_SIZE(1, 2) void *GC_CALL
        GC_calloc_explicitly_typed(size_t /* nelements */,
                                   size_t /* element_size_in_bytes */,
                                   GC_descr /* d */);

#ifdef GC_DEBUG
# define GC_MALLOC_EXPLICITLY_TYPED(bytes, d) ((void)(d), GC_MALLOC(bytes))
# define GC_CALLOC_EXPLICITLY_TYPED(n, bytes, d) \
        ((void)(d), GC_MALLOC((n) * (bytes)))
#else
# define GC_MALLOC_EXPLICITLY_TYPED(bytes, d) \
        GC_malloc_explicitly_typed(bytes, d)
# define GC_CALLOC_EXPLICITLY_TYPED(n, bytes, d) \
        GC_calloc_explicitly_typed(n, bytes, d)
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_TYPED_H */
