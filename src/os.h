/*
 * os.h: the operating system, behind a small interface.
 *
 * Owns nothing but the calls: reserving address space (no access, no
 * commit charge), committing it for reading and writing, handing pages
 * back (their contents become zero on next touch), and facts about the
 * machine.  The only implementation today is os_linux.c; a port adds
 * os_<system>.c and touches nothing else.  No locks: every call is
 * thread-safe by the system's own guarantees.
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

/* Fresh zeroed read-write memory outside the heap, for metadata.  NULL on
 * failure.  Released with sgc_os_release. */
SGC_HIDDEN void *sgc_os_alloc(size_t size);

/* The same, size a multiple of align (a power of two), aligned to it, and
 * backed by huge pages where the system has them. */
SGC_HIDDEN void *sgc_os_alloc_huge(size_t size, size_t align);

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

#endif /* SGC_OS_H */
