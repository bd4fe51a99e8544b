/*
 * os_linux.c: the os layer on Linux (glibc and musl).
 *
 * Reservation is an anonymous PROT_NONE mapping with MAP_NORESERVE, so it
 * costs neither memory nor commit charge.  Commit is mprotect; decommit is
 * madvise(MADV_DONTNEED), after which anonymous private pages read as zero.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "atomics.h"
#include "os.h"

int sgc_os_exec_heap;
int sgc_os_log_fd = 2;
void (*sgc_os_abort_hook)(const char *msg);

static sgc_atomic_word metadata_bytes; /* atomic */
static sgc_atomic_word requests;       /* atomic: requests made */
static sgc_atomic_word fail_at;        /* atomic: request to fail; 0 = none */
static sgc_atomic_word fail_sticky;    /* atomic */

/* Count a request; 1 when the fault injector says it must fail. */
static int injected_failure(void)
{
	uintptr_t n = sgc_fetch_add(&requests, 1) + 1;
	uintptr_t at = sgc_load_relaxed(&fail_at);
	if (SGC_LIKELY(at == 0) || n < at)
		return 0;
	return n == at || sgc_load_relaxed(&fail_sticky);
}

void sgc_os_fail_request(unsigned long nth, int sticky)
{
	sgc_store_relaxed(&fail_sticky, (uintptr_t)sticky);
	uintptr_t at = nth ? sgc_load_relaxed(&requests) + nth : 0;
	sgc_store_relaxed(&fail_at, at);
}

unsigned long sgc_os_requests(void)
{
	return (unsigned long)sgc_load_relaxed(&requests);
}

size_t sgc_os_metadata_bytes(void)
{
	return sgc_load_relaxed(&metadata_bytes);
}

void *sgc_os_reserve(size_t size, size_t align)
{
	if (injected_failure())
		return NULL;
	size_t total = size + align;
	char *p = mmap(NULL, total, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t start = sgc_round_up((uintptr_t)p, align);
	size_t head = start - (uintptr_t)p;
	size_t tail = total - head - size;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((char *)start + size, tail);
	return (void *)start;
}

void *sgc_os_reserve_at(uintptr_t addr, size_t size)
{
	if (injected_failure())
		return NULL;
	void *want = (void *)addr;
	void *p = mmap(want, size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (p != want) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

int sgc_os_commit(void *p, size_t size)
{
	if (injected_failure())
		return -1;
	int exec = __atomic_load_n(&sgc_os_exec_heap, __ATOMIC_RELAXED) ?
		   PROT_EXEC : 0;
	return mprotect(p, size, PROT_READ | PROT_WRITE | exec);
}

void sgc_os_decommit(void *p, size_t size)
{
	madvise(p, size, MADV_DONTNEED);
}

void sgc_os_release(void *p, size_t size)
{
	munmap(p, size);
}

void *sgc_os_alloc(size_t size)
{
	if (injected_failure())
		return NULL;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	sgc_fetch_add(&metadata_bytes, sgc_round_up(size, sgc_os_page_size()));
	return p;
}

void *sgc_os_alloc_huge(size_t size, size_t align)
{
	char *p = sgc_os_reserve(size, align);
	if (!p)
		return NULL;
	if (mprotect(p, size, PROT_READ | PROT_WRITE) != 0) {
		munmap(p, size);
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
	sgc_fetch_add(&metadata_bytes, size);
	return p;
}

void sgc_os_free(void *p, size_t size)
{
	size = sgc_round_up(size, sgc_os_page_size());
	munmap(p, size);
	sgc_fetch_add(&metadata_bytes, (uintptr_t)0 - size);
}

size_t sgc_os_address_space_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (size_t)rl.rlim_cur;
}

size_t sgc_os_page_size(void)
{
	static size_t page;
	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

int sgc_os_ncpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

uint64_t sgc_os_nanotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sgc_os_thread_cputime(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t sgc_os_process_cputime(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

long sgc_os_thread_id(void)
{
	return (long)syscall(SYS_gettid);
}

int sgc_os_thread_stack(uintptr_t *lo, uintptr_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return -1;
	int rc = pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -1;
	*lo = (uintptr_t)addr;
	*hi = (uintptr_t)addr + size;
	return 0;
}

uintptr_t sgc_os_mapped_from(uintptr_t lo, uintptr_t hi)
{
	/* A stack region is one mapping growing down: [a, hi) is all mapped
	 * for every a above its lowest page, so bisect on mincore, which
	 * fails with ENOMEM on a range with a hole. */
	size_t pg = sgc_os_page_size();
	uintptr_t good = hi, bad;
	/* mincore's output, never read; callers are serialised (the world
	 * is stopped). */
	static unsigned char scratch[1 << 16];
	lo = sgc_round_up(lo, pg);
	if (lo >= hi)
		return hi;
	bad = lo;
	if ((hi - lo) / pg <= sizeof scratch &&
	    mincore((void *)lo, hi - lo, scratch) == 0)
		return lo;
	/* Invariant: [good, hi) mapped; [bad, hi) not all mapped. */
	while (good - bad > pg) {
		uintptr_t mid = bad + ((good - bad) / 2 & ~(uintptr_t)(pg - 1));
		if (mid == bad)
			mid += pg;
		if ((hi - mid) / pg <= sizeof scratch &&
		    mincore((void *)mid, hi - mid, scratch) == 0)
			good = mid;
		else
			bad = mid;
	}
	return good;
}

/* The fatal path and the log write with a fixed buffer (buf, 512 bytes):
 * no allocation.  The line is left in buf, NUL-terminated, without its
 * newline. */
static void vlog(int fd, char *buf, const char *fmt, va_list ap)
{
	int n = snprintf(buf, 510, "spangc: ");
	int m = vsnprintf(buf + n, 510 - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > 509)
		len = 509;
	buf[len] = '\n';
	ssize_t w = write(fd, buf, len + 1);
	(void)w;
	buf[len] = '\0';
}

void sgc_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vlog(__atomic_load_n(&sgc_os_log_fd, __ATOMIC_RELAXED), buf, fmt, ap);
	va_end(ap);
}

void sgc_fatal(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vlog(2, buf, fmt, ap);
	va_end(ap);
	void (*hook)(const char *) = __atomic_load_n(&sgc_os_abort_hook,
						     __ATOMIC_ACQUIRE);
	if (hook)
		hook(buf);
	abort();
}

uintptr_t sgc_os_thread_pointer(void)
{
	return (uintptr_t)__builtin_thread_pointer();
}

/* glibc's static TLS size (GLIBC_PRIVATE, what the sanitizers ask too):
 * the area below the thread pointer on x86-64 (TLS variant II), above
 * it past a two-word TCB on AArch64 (variant I). */
int sgc_os_static_tls(intptr_t *lo, intptr_t *hi)
{
	static size_t size;
	static int known = -1;
	if (known < 0) {
		void (*get)(size_t *, size_t *) =
			(void (*)(size_t *, size_t *))dlsym(
				RTLD_DEFAULT, "_dl_get_tls_static_info");
		size_t align = 0;
		known = 0;
		if (get) {
			get(&size, &align);
			known = size > 0;
		}
	}
	if (!known)
		return -1;
#if defined(__x86_64__)
	*lo = -(intptr_t)size;
	*hi = 0;
	return 0;
#elif defined(__aarch64__)
	*lo = 2 * (intptr_t)sizeof(void *);
	*hi = (intptr_t)size;
	return 0;
#else
	return -1;
#endif
}

int sgc_os_thread_blocks_signal(long tid, int sig)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	while (n + 1 < sizeof buf &&
	       (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	const char *line = strstr(buf, "\nSigBlk:");
	if (!line || sig < 1 || sig > 64)
		return -1;
	unsigned long long mask = strtoull(line + 8, NULL, 16);
	return (int)((mask >> (sig - 1)) & 1);
}
