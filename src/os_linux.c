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
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "os.h"

void *sgc_os_reserve(size_t size, size_t align)
{
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

int sgc_os_commit(void *p, size_t size)
{
	return mprotect(p, size, PROT_READ | PROT_WRITE);
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
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
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
	return p;
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

/* The fatal path and the log write with a fixed buffer: no allocation. */
static void vlog(const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf - 1, "spangc: ");
	int m = vsnprintf(buf + n, sizeof buf - 1 - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	buf[len++] = '\n';
	ssize_t w = write(2, buf, len);
	(void)w;
}

void sgc_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void sgc_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
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
