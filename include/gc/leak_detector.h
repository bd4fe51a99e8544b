/*
 * leak_detector.h: find the leaks of a malloc-based C program (bdwgc's
 * interface, written for spangc).
 *
 * Include it after the system headers in every file of the program and
 * run in leak mode (GC_set_find_leak(1) before GC_INIT(), or GC_FIND_LEAK
 * in the environment).  malloc and its companions then make debug
 * objects of the collector, which frees nothing by itself: each object
 * that becomes unreachable without having been freed is reported once,
 * with the file and line of its allocation, through the warn procedure.
 * CHECK_LEAKS() collects now, reporting what has leaked so far; leak mode
 * also collects once at exit.
 */
#ifndef GC_LEAK_DETECTOR_H
#define GC_LEAK_DETECTOR_H

#ifndef GC_DEBUG
# define GC_DEBUG
#endif
#include "gc.h"

/* The system's declarations come first, so that the macros below do not
 * rewrite them. */
#ifndef GC_DONT_INCLUDE_STDLIB
# include <stdlib.h>
# include <string.h>
#endif

#undef malloc
#define malloc(n) GC_MALLOC(n)
#undef calloc
#define calloc(m, n) GC_MALLOC((m) * (n))
#undef free
#define free(p) GC_FREE(p)
#undef realloc
#define realloc(p, n) GC_REALLOC(p, n)
#undef strdup
#define strdup(s) GC_STRDUP(s)
#undef strndup
#define strndup(s, n) GC_STRNDUP(s, n)
#undef memalign
#define memalign(a, n) GC_memalign(a, n)
#undef posix_memalign
#define posix_memalign(p, a, n) GC_posix_memalign(p, a, n)

#ifndef CHECK_LEAKS
# define CHECK_LEAKS() GC_gcollect()
#endif

#endif /* GC_LEAK_DETECTOR_H */
