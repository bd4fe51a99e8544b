/*
 * trace.h: the cycle trace asked for by SPANGC_TRACE.
 *
 *   SPANGC_TRACE=1          one line per cycle on stderr, as Go's
 *                           GODEBUG=gctrace=1 prints (format in
 *                           doc/guide.md, "The trace");
 *   SPANGC_TRACE=<path>     the same figures as Chrome trace-event JSON
 *                           (an array of events: each cycle and its
 *                           phases as complete events on the collecting
 *                           thread, the heap as counters, and each other
 *                           thread's stop and restart on its own track),
 *                           which Perfetto and browsers' trace viewers
 *                           open, and which spangc-plot draws;
 *   unset, empty or 0       no trace.
 * GC_PRINT_STATS is separate and keeps its own format (stats.c).
 *
 * Owns: the phase timestamps of the cycle in progress, the JSON buffer
 * and file, and the per-thread stop records.
 *
 * Invariants: nothing here allocates from the collected heap, and nothing
 * runs in the pause but clock reads and stores into static memory; the
 * text is formatted and written once the world runs again (at the cycle's
 * end).  A file that cannot be opened or written turns the JSON trace off
 * with one message on stderr; the collector goes on.  Thread records of a
 * stop are written at the start of the next cycle (or at exit), when
 * every thread stopped has run again: a thread still in the suspend
 * handler is signalled by the next stop only once it has left it.
 *
 * Locks: the phase hooks run on the collecting thread with the world lock
 * held.  trace_lock guards the JSON buffer and file descriptor (the cycle's
 * end and the exit handler).  The thread hooks run inside the suspend
 * signal handler and only touch atomic slots.
 */
#ifndef SGC_TRACE_H
#define SGC_TRACE_H

#ifndef SGC_BUILDING
#error "src/trace.h is internal to spangc; include <gc.h> instead"
#endif

#include <stdint.h>
#include <gc/gc.h>
#include "mark.h"
#include "util.h"

/* Read SPANGC_TRACE and open the file; at initialisation. */
SGC_HIDDEN void sgc_trace_init(void);

/* The cycle reached step ev (the same steps as the client's event
 * callback); collecting thread, world lock held. */
SGC_HIDDEN void sgc_trace_event(GC_EventType ev);

/* The cycle's figures, once the world runs again (before GC_EVENT_END). */
SGC_HIDDEN void sgc_trace_cycle(const struct sgc_mark_result *m,
				uint64_t pause_ns, int why);

/* A thread acknowledging a stop; returns a token for the restart hook, or
 * -1 when threads are not traced.  Async-signal-safe. */
SGC_HIDDEN long sgc_trace_thread_stopped(void);
SGC_HIDDEN void sgc_trace_thread_resumed(long token);

/* For tests: finish the JSON file now (as the exit handler does) and stop
 * tracing. */
SGC_HIDDEN void sgc_trace_close(void);

#endif /* SGC_TRACE_H */
