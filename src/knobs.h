/*
 * knobs.h: every build-time knob of spangc, in one place.
 *
 * Each knob has a value-tested default (#if SGC_FOO, never #ifdef), so that
 * -Wundef catches a misspelt knob.  Layout facts that follow from the knobs
 * are checked with _Static_assert where they are used.
 *
 * This header, like every header under src/, is internal: it refuses to be
 * included from outside the library and its white-box tests.
 */
#ifndef SGC_KNOBS_H
#define SGC_KNOBS_H

#ifndef SGC_BUILDING
#error "src/knobs.h is internal to spangc; include <gc.h> instead"
#endif

/* Debug tier: cheap internal assertions.  Set by --enable-debug. */
#ifndef SGC_DEBUG
#define SGC_DEBUG 0
#endif

/* Built with ThreadSanitizer: selects the few code paths that must differ
 * under its signal layer (thread.c).  Derived from the compiler's own
 * macros, never set by hand. */
#if defined(__SANITIZE_THREAD__)
#define SGC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SGC_TSAN 1
#endif
#endif
#ifndef SGC_TSAN
#define SGC_TSAN 0
#endif

/* Page size of the heap (not the OS page): 8 KiB, as Go. */
#define SGC_PAGE_SHIFT 13
#define SGC_PAGE_SIZE ((uintptr_t)1 << SGC_PAGE_SHIFT)

/* Arenas: 64 MiB of address space each, with metadata kept outside. */
#define SGC_ARENA_SHIFT 26
#define SGC_ARENA_SIZE ((uintptr_t)1 << SGC_ARENA_SHIFT)
#define SGC_PAGES_PER_ARENA (SGC_ARENA_SIZE / SGC_PAGE_SIZE)

/* The heap's window of address space (heap.c): reserved arena by arena
 * as the heap grows, and smaller under an RLIMIT_AS limit. */
#define SGC_HEAP_WINDOW ((size_t)1 << 40)

/* Address bits covered by the arena map (x86-64 and aarch64 user space). */
#define SGC_ADDR_BITS 48

/* Largest object served from a size class; larger ones get their own span. */
#define SGC_MAX_SMALL_SIZE 32768

/* The most objects a span holds: one page of the smallest (8-byte) class. */
#define SGC_MAX_SPAN_OBJECTS (SGC_PAGE_SIZE / 8)

/* Object kinds: bdwgc's four built-in kinds plus room for GC_new_kind,
 * the typed and gcj kinds and GC_finalized_malloc's; bdwgc allows 24. */
#define SGC_MAX_KINDS 24

/* Mark procedures (gc_mark.h): the table bdwgc's descriptors index,
 * 1 << GC_LOG_MAX_MARK_PROCS entries. */
#define SGC_MAX_MARK_PROCS 64

/* Displacements (GC_register_displacement) are offsets below this, as in
 * bdwgc (its heap block size). */
#define SGC_MAX_DISPLACEMENT 4096

/* Entries a client mark procedure may push per call before the collector
 * takes them over (mark.c). */
#define SGC_MARK_PROC_ENTRIES 512

/* Free runs with a black-listed page inside that the page allocator
 * passes over before it grows the heap or takes a black-listed run
 * (pagealloc.h). */
#define SGC_BLACK_SEARCH_RUNS 64

/* Root words are checked against the black lists' pages up to this far
 * from the heap's base, or the end of its reservation when that is
 * further: far enough for the heap to grow into pages listed before it
 * got there, near enough that the lists' bitmaps stay small (2 x 256 KiB)
 * whatever random data the roots hold. */
#define SGC_BLACK_LIST_REACH ((uintptr_t)16 << 30)

/* Granularity of the heap's growth inside the reservation (1 MiB). */
#define SGC_GROW_PAGES 128

/* Minimum allocation between two collections (the pacer's floor): the
 * bytes the last mark found live, roots included, but at least
 * SGC_MIN_GC_BUDGET_BASE and at most SGC_MIN_GC_BUDGET (pacer.h).  A
 * fixed 4 MiB floor made a program that keeps nothing live hold 2.7
 * times bdwgc's memory (alloc_rate); 256 KiB keeps a cycle's fixed cost
 * (about 20 us) near 1 ns per 16-byte object. */
#define SGC_MIN_GC_BUDGET ((size_t)4 << 20)
#define SGC_MIN_GC_BUDGET_BASE ((size_t)256 << 10)

/* The heap a cycle leaves behind is reused before the next cycle; the
 * heap target decays over this time constant (pacer.h): 60 s, so the
 * memory of a peak goes back to the system within a few minutes. */
#define SGC_HEAP_TARGET_TAU_NS ((uint64_t)60000000000)

/* ... counting only the part of each interval between two cycles beyond
 * this (5 s): a program that fills the heap target sooner uses all of
 * it, and keeps it, as bdwgc keeps its heap (pacer.h). */
#define SGC_HEAP_TARGET_BUSY_NS ((uint64_t)5000000000)

/* With background sweeping off (the default), the background thread
 * sweeps what is left of a cycle only when no other cycle has come for
 * this long: the program has gone quiet, and its garbage's memory can go
 * back to the system (init.h, sweep.c). */
#define SGC_QUIET_SWEEP_NS ((uint64_t)1000000000)

/* A cycle wakes a background thread that waits on that timer at most
 * this often (10 ms); one that waits for a cycle, every time (sweep.c). */
#define SGC_BG_WAKE_NS ((uint64_t)10000000)

/* Helper markers join a mark only when the last one found at least this
 * much live data: waking them costs tens of microseconds, more than they
 * save on a small heap (alloc_rate's pauses: 12 ms in all with one
 * marker, 22-44 ms with two). */
#define SGC_PARALLEL_MARK_MIN_LIVE ((size_t)1 << 20)

/* How many times an idle marker polls for work before it sleeps on a
 * condition variable (mark.c); each poll is one pause instruction, so a
 * few microseconds in all. */
#define SGC_MARK_IDLE_SPINS 256

/* Most markers (the collecting thread and its helpers). */
#define SGC_MAX_MARKERS 16

/* Mark-stack segments (16 KiB each) kept for reuse whatever the usual
 * need: enough for a small heap's cycles without a system call. */
#define SGC_MARK_KEEP_SEGMENTS 16

/* Objects of scanned spans up to this size are marked by spans (mark.c's
 * span queue). */
#define SGC_SPAN_QUEUE_MAX_ELEM 512

/* A marker's span queue keeps its array between cycles up to this many
 * entries (32 KiB); a larger one, a peak's, goes back at the cycle's
 * end. */
#define SGC_MARK_KEEP_SPANQ 4096

/* Large objects are scanned in pieces of this many bytes. */
#define SGC_MARK_CHUNK_BYTES ((size_t)128 << 10)

/* A stop of the world that found a thread inside the loader is retried
 * (roots.c): this many times after a sched_yield, then after sleeps
 * growing by 10 us a try up to 10 ms. */
#define SGC_ROOTS_STOP_SPINS 8

#endif /* SGC_KNOBS_H */
