/*
 * spangc: extensions that bdwgc does not have.
 *
 * Programs that use these link against spangc only; everything in
 * <gc.h> stays bdwgc-compatible.
 */
#ifndef SPANGC_H
#define SPANGC_H

#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A snapshot of what the collector has done since start-up. */
struct spangc_stats {
    unsigned long cycles;               /* completed collections */
    size_t heap_size;                   /* bytes of heap the collector manages */
    size_t live_bytes;                  /* bytes found reachable by the last collection */
    size_t total_allocated;             /* bytes allocated since start */
    unsigned long long total_pause_ns;  /* sum of stop-the-world pauses */
    unsigned long long max_pause_ns;    /* longest pause */
    unsigned long long last_pause_ns;   /* pause of the last collection */
    size_t pages_reclaimed;             /* pages freed by the page reclaimer */
    /* Fields appended later; older fields keep their offsets. */
    size_t metadata_bytes;              /* memory the collector mapped for its
                                           own use (mark stack, span structs,
                                           bitmaps, tables), outside the heap */
};

/* Fills *out with the current figures. */
GC_API void GC_CALL spangc_get_stats(struct spangc_stats *out);

/* Checks the heap's invariants (spans, bitmaps, accounting).  Returns 0
 * when they all hold; otherwise prints each violation to stderr and
 * returns how many were found. */
GC_API int GC_CALL spangc_verify_heap(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SPANGC_H */
