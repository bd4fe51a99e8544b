/*
 * gcbits.h: mark and alloc bitmaps, carved from 64 KiB chunks in epochs.
 *
 * A span's bitmaps are bump-allocated from the chunks of the "next" epoch;
 * they are never freed one by one.  At the start of each cycle (world
 * stopped, sweeping finished) the epochs rotate:
 *     free <- free + previous, previous <- current, current <- next,
 *     next <- empty.
 * Bits allocated during the sweep phase after mark N serve as mark bits in
 * mark N+1 and as alloc bits until the sweep after mark N+2 replaces them,
 * which ends before cycle N+3 starts: exactly when their epoch is freed.
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
