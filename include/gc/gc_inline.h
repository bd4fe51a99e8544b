/*
 * spangc: inline allocation from client-held free lists, source- and
 * binary-compatible with bdwgc 8.2's <gc/gc_inline.h>.
 *
 * A client (typically a compiler that emits C, or a language runtime)
 * keeps an array of GC_TINY_FREELISTS list heads (gc_tiny_fl.h), one per
 * object size in granules, per thread or in a single-threaded program
 * globally, starting out zeroed.  The macros below take the first object
 * of the matching list and refill an empty list with
 * GC_generic_malloc_many.  The lists must stay visible to the collector
 * (in scanned memory) and, for pointer-free kinds, the client must keep
 * every object of a list reachable itself: their links are not scanned.
 *
 * These objects get no extra byte at the end: a pointer just past one is
 * a pointer to the next.  Add it to the size when interior pointers are
 * recognised and such pointers matter.
 */
#ifndef GC_INLINE_H
#define GC_INLINE_H

#include "gc.h"
#include "gc_tiny_fl.h"

#if defined(__GNUC__)
# define GC_EXPECT(expr, outcome) __builtin_expect(expr, outcome)
#else
# define GC_EXPECT(expr, outcome) (expr)
#endif

#ifndef GC_ASSERT
# ifdef NDEBUG
#  define GC_ASSERT(expr) /* empty */
# else
#  include <assert.h>
#  define GC_ASSERT(expr) assert(expr)
# endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef GC_PREFETCH_FOR_WRITE
# if defined(__GNUC__) && !defined(GC_NO_PREFETCH_FOR_WRITE)
#  define GC_PREFETCH_FOR_WRITE(x) __builtin_prefetch((x), 1)
# else
#  define GC_PREFETCH_FOR_WRITE(x) (void)0
# endif
#endif

/* The kind numbers of pointer-free and normal objects. */
#define GC_I_PTRFREE 0
#define GC_I_NORMAL 1

/* Store in *result a list of objects of lb bytes (the extra byte, if
 * wanted, already counted) and kind k, linked through their first words
 * (GC_NEXT); every other word of an object of a scanned kind is zero.
 * *result is NULL when not even one object can be had. */
GC_API void GC_CALL GC_generic_malloc_many(size_t /* lb */, int /* k */,
                                           void ** /* result */);

/* GC_malloc and GC_malloc_atomic with the kind as an argument. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_kind(size_t /* lb */, int /* k */);
#if defined(GC_THREADS) || defined(SGC_BUILDING)
/* The same; bdwgc bypasses its thread-local lists here, spangc has one
 * path for both. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_CALL
        GC_malloc_kind_global(size_t /* lb */, int /* k */);
#else
# define GC_malloc_kind_global GC_malloc_kind
#endif

/* Store a free-list head (no atomicity needed: the collector reads the
 * lists only with every client thread stopped). */
#define GC_FAST_M_AO_STORE(my_fl, next) (void)(*(my_fl) = (next))

/*
 * result = an object of granules granules of kind, from the list
 * tiny_fl[granules]; default_expr when granules is too large for a list.
 * A list entry that is a small number rather than a pointer counts
 * allocations: while it is nonzero and at most num_direct, allocation
 * goes to default_expr and the entry grows by granules + 1; above that
 * (or 0) the list is refilled with GC_generic_malloc_many.  init is run
 * on each object taken from a list (e.g. to clear its link).  Out of
 * memory: what the GC_oom_fn returns.
 */
#define GC_FAST_MALLOC_GRANS(result, granules, tiny_fl, num_direct, \
                             kind, default_expr, init) \
    do { \
        if (GC_EXPECT((granules) >= GC_TINY_FREELISTS, 0)) { \
            (result) = (default_expr); \
        } else { \
            void **gc_fl_ = (tiny_fl) + (granules); \
            for (;;) { \
                void *gc_head_ = *gc_fl_; \
                if (GC_EXPECT((GC_word)gc_head_ > (GC_word)(num_direct) \
                              + GC_TINY_FREELISTS + 1, 1)) { \
                    GC_FAST_M_AO_STORE(gc_fl_, *(void **)gc_head_); \
                    (result) = gc_head_; \
                    init; \
                    GC_PREFETCH_FOR_WRITE(*gc_fl_); \
                    break; \
                } \
                if (gc_head_ != 0 && \
                    (GC_word)gc_head_ <= (GC_word)(num_direct)) { \
                    GC_FAST_M_AO_STORE(gc_fl_, \
                            (char *)gc_head_ + (granules) + 1); \
                    (result) = (default_expr); \
                    break; \
                } \
                GC_generic_malloc_many((granules) == 0 ? GC_GRANULE_BYTES \
                        : GC_RAW_BYTES_FROM_INDEX(granules), kind, gc_fl_); \
                if (*gc_fl_ == 0) { \
                    (result) = (*GC_get_oom_fn())((granules) \
                                                  * GC_GRANULE_BYTES); \
                    break; \
                } \
            } \
        } \
    } while (0)

#define GC_WORDS_TO_WHOLE_GRANULES(n) \
        GC_WORDS_TO_GRANULES((n) + GC_GRANULE_WORDS - 1)

/* result = an object of n words (not bytes) of kind from tiny_fl, a
 * zeroed array of GC_TINY_FREELISTS heads the caller owns (one per
 * thread, or one global array in a single-threaded program). */
#define GC_MALLOC_WORDS_KIND(result, n, tiny_fl, kind, init) \
    do { \
        size_t gc_grans_ = GC_WORDS_TO_WHOLE_GRANULES(n); \
        GC_FAST_MALLOC_GRANS(result, gc_grans_, tiny_fl, 0, kind, \
                GC_malloc_kind(gc_grans_ * GC_GRANULE_BYTES, kind), \
                init); \
    } while (0)

/* Normal objects: the link word is cleared, the rest is zero. */
#define GC_MALLOC_WORDS(result, n, tiny_fl) \
        GC_MALLOC_WORDS_KIND(result, n, tiny_fl, GC_I_NORMAL, \
                             *(void **)(result) = 0)
/* Pointer-free objects: contents undefined. */
#define GC_MALLOC_ATOMIC_WORDS(result, n, tiny_fl) \
        GC_MALLOC_WORDS_KIND(result, n, tiny_fl, GC_I_PTRFREE, (void)0)

/* result = a two-word normal object holding first and second. */
#define GC_CONS(result, first, second, tiny_fl) \
    do { \
        void *gc_l_ = (void *)(first); \
        void *gc_r_ = (void *)(second); \
        GC_MALLOC_WORDS_KIND(result, 2, tiny_fl, GC_I_NORMAL, (void)0); \
        if ((result) != 0) { \
            *(void **)(result) = gc_l_; \
            ((void **)(result))[1] = gc_r_; \
            GC_reachable_here(gc_l_); \
        } \
    } while (0)

/* Print the collector's free list of a kind and size (debugging). */
GC_API void GC_CALL GC_print_free_list(int /* kind */,
                                       size_t /* sz_in_granules */);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_INLINE_H */
