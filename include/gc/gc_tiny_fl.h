/*
 * spangc: the constants of client-held ("tiny") free lists, as bdwgc
 * 8.2's <gc/gc_tiny_fl.h> defines them.  Inline allocation code compiled
 * into clients depends on these values: they are part of the ABI.
 *
 * A tiny free-list array has GC_TINY_FREELISTS entries; entry i holds a
 * list of objects of i granules (GC_RAW_BYTES_FROM_INDEX(i) bytes, the
 * extra byte included), linked through their first words.  Entry 0
 * serves requests of zero bytes with one-granule objects.
 */
#ifndef GC_TINY_FL_H
#define GC_TINY_FL_H

/* A granule is two pointers: 16 bytes on 64-bit targets. */
#ifndef GC_GRANULE_BYTES
# if defined(__LP64__) || defined(_LP64) || defined(_WIN64) \
     || defined(__s390x__) || (defined(__x86_64__) && !defined(__ILP32__)) \
     || defined(__alpha__) || defined(__powerpc64__) || defined(__arch64__)
#  define GC_GRANULE_BYTES 16
#  define GC_GRANULE_WORDS 2
# else
#  define GC_GRANULE_BYTES 8
#  define GC_GRANULE_WORDS 2
# endif
#endif

#if GC_GRANULE_WORDS == 2
# define GC_WORDS_TO_GRANULES(n) ((n) >> 1)
#else
# define GC_WORDS_TO_GRANULES(n) ((n) * sizeof(void *) / GC_GRANULE_BYTES)
#endif

/* Lists for 0 to 24 granules (up to 384 bytes on 64-bit targets). */
#ifndef GC_TINY_FREELISTS
# if GC_GRANULE_BYTES == 16
#  define GC_TINY_FREELISTS 25
# else
#  define GC_TINY_FREELISTS 33
# endif
#endif

/* The size of the objects on list i, extra byte included. */
#define GC_RAW_BYTES_FROM_INDEX(i) ((i) * GC_GRANULE_BYTES)

#endif /* GC_TINY_FL_H */
