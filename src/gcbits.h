/*
 * gcbits.h: alloc (and freed) bitmaps, carved from 64 KiB chunks in epochs.
 * (Marks are bytes owned by each span, see span.h.)
 *
 * A span's bitmaps are bump-allocated from the chunks of the "next" epoch;
 * they are never freed one by one.  At the start of each cycle (world
 * stopped, sweeping finished) the epochs rotate:
 *     free <- free + previous, previous <- current, current <- next,
 *     next <- empty.
 * Alloc bits allocated during the sweep phase after mark N serve until the
 * sweep after mark N+1 replaces them, which ends before cycle N+2 starts;
 * their epoch is freed at the start of cycle N+3, one cycle later than
 * needed, so that a client lookup that read the old pointer just before a
 * sweep still reads memory that nothing else owns.
 *
 * Locks: the gcbits lock guards the epoch lists and the bump pointer.
 * It is a leaf: nothing else is locked while it is held.
 */
#ifndef SGC_GCBITS_H
#define SGC_GCBITS_H

#ifndef SGC_BUILDING
#error "src/gcbits.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "util.h"

#define SGC_GCBITS_CHUNK_BYTES ((size_t)64 << 10)

/* nwords zeroed words from the next epoch; NULL when out of memory. */
SGC_HIDDEN uint64_t *sgc_gcbits_alloc(size_t nwords);

/* Rotate the epochs.  World stopped, sweeping finished. */
SGC_HIDDEN void sgc_gcbits_rotate(void);

/* Chunks in each epoch, for tests and stats: next, current, previous,
 * free. */
SGC_HIDDEN void sgc_gcbits_counts(size_t out[4]);

#endif /* SGC_GCBITS_H */
