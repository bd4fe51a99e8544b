/*
 * os.h: the operating system, behind a small interface.
 *
 * Owns nothing but the calls: reserving address space (no access, no
 * commit charge), committing it for reading and writing, handing pages
 * back (their contents become zero on next touch), and facts about the
 * machine.  The only implementation today is os_linux.c; a port adds
 * os_<system>.c and touches nothing else.  No locks: every call is
 * thread-safe by the system's own guarantees.
 *
 * The layer also counts the bytes mapped for metadata (sgc_os_alloc*,
 * given back with sgc_os_free), and holds the test-only fault injector:
 * every reservation, commit and metadata mapping is one numbered
 * request, and a test may make the Nth of them fail (and optionally all
 * after it), to walk the out-of-memory paths of start-up and of a cycle.
 */
#ifndef SGC_OS_H
#define SGC_OS_H

#ifndef SGC_BUILDING
#error "src/os.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Reserve size bytes of address space aligned to align (a power of two
 * multiple of the OS page); no access.  NULL when the system refuses. */
SGC_HIDDEN void *sgc_os_reserve(size_t size, size_t align);

/* Make [p, p+size) readable and writable.  0 on success. */
SGC_HIDDEN int sgc_os_commit(void *p, size_t size);

/* Return the pages' memory to the system; they read as zero afterwards. */
SGC_HIDDEN void sgc_os_decommit(void *p, size_t size);

/* Give the address space back entirely. */
SGC_HIDDEN void sgc_os_release(void *p, size_t size);

/* Reserve exactly [addr, addr + size) if that range is free; no access.
 * NULL when the system refuses or places the mapping elsewhere. */
SGC_HIDDEN void *sgc_os_reserve_at(uintptr_t addr, size_t size);

/* Fresh zeroed read-write memory outside the heap, for metadata.  NULL on
 * failure.  Given back with sgc_os_free. */
SGC_HIDDEN void *sgc_os_alloc(size_t size);

/* The same, size a multiple of align (a power of two), aligned to it, and
 * backed by huge pages where the system has them. */
SGC_HIDDEN void *sgc_os_alloc_huge(size_t size, size_t align);

/* Give back memory of sgc_os_alloc or sgc_os_alloc_huge. */
SGC_HIDDEN void sgc_os_free(void *p, size_t size);

/* Bytes mapped by sgc_os_alloc* and not yet freed.  Racy read. */
SGC_HIDDEN size_t sgc_os_metadata_bytes(void);

/* Test knob: make request number nth from now fail (1 = the next one);
 * with sticky, every request after it fails too.  0 turns it off.
 * Requests: sgc_os_reserve, sgc_os_reserve_at, sgc_os_commit,
 * sgc_os_alloc, sgc_os_alloc_huge. */
SGC_HIDDEN void sgc_os_fail_request(unsigned long nth, int sticky);

/* Requests made since start-up (to size a walk over them). */
SGC_HIDDEN unsigned long sgc_os_requests(void);

/* The process's address-space limit (RLIMIT_AS) in bytes; 0 = none. */
SGC_HIDDEN size_t sgc_os_address_space_limit(void);

SGC_HIDDEN size_t sgc_os_page_size(void);
SGC_HIDDEN int sgc_os_ncpus(void);

/* Monotonic clock in nanoseconds. */
SGC_HIDDEN uint64_t sgc_os_nanotime(void);

/* CPU time of the calling thread and of the whole process, in
 * nanoseconds (0 when the system cannot tell).  Async-signal-safe. */
SGC_HIDDEN uint64_t sgc_os_thread_cputime(void);
SGC_HIDDEN uint64_t sgc_os_process_cputime(void);

/* The system's id of the calling thread (what trace viewers and ps show).
 * Async-signal-safe. */
SGC_HIDDEN long sgc_os_thread_id(void);

/* Whether thread tid of this process blocks signal sig (its SigBlk in
 * /proc): 1 or 0, -1 when that cannot be read.  Plain system calls only,
 * no allocation: called with other threads stopped. */
SGC_HIDDEN int sgc_os_thread_blocks_signal(long tid, int sig);

/* The calling thread's thread pointer (the TCB address its static TLS is
 * laid out around).  Async-signal-safe. */
SGC_HIDDEN uintptr_t sgc_os_thread_pointer(void);

/* Offsets from a thread pointer bounding the static TLS area, [*lo, *hi):
 * a block of the calling thread at p is in every thread's static TLS, at
 * the same offset, when p - tp falls inside.  0 on success; -1 when the
 * system cannot tell (static TLS is then not scanned). */
SGC_HIDDEN int sgc_os_static_tls(intptr_t *lo, intptr_t *hi);

/* Lowest and highest addresses of the calling thread's stack as the system
 * set it up; 0 on success. */
SGC_HIDDEN int sgc_os_thread_stack(uintptr_t *lo, uintptr_t *hi);

/* The lowest address lo' >= lo such that all of [lo', hi) is mapped
 * (hi page-aligned): the part of a stack region that may be read. */
SGC_HIDDEN uintptr_t sgc_os_mapped_from(uintptr_t lo, uintptr_t hi);

/* Set by the layers above (compat.c), read here; plain words, written
 * before use or racily and read once per use:
 * commit heap pages executable too (GC_set_pages_executable); */
SGC_HIDDEN extern int sgc_os_exec_heap;
/* the file descriptor of sgc_log (GC_set_log_fd); */
SGC_HIDDEN extern int sgc_os_log_fd;
/* called by sgc_fatal with its message before abort (GC_set_abort_func). */
SGC_HIDDEN extern void (*sgc_os_abort_hook)(const char *msg);

#endif /* SGC_OS_H */
