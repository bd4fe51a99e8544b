/*
 * compat.c: bdwgc's public variables and knobs (see compat.h).
 *
 * Each variable or setter, who reads it, and what it does here:
 *
 *   GC_no_dls, GC_set_no_dls          roots.c, at each collection: skip
 *                                     the static data of shared objects
 *   GC_dont_expand, GC_set_dont_expand malloc.c: grow only explicitly
 *                                     (GC_expand_hp) or when out of memory
 *   GC_max_retries, GC_set_max_retries malloc.c: extra collections before
 *                                     an allocation reports out of memory
 *   GC_gc_no                          written at each cycle's end: the
 *                                     number of collections so far
 *   GC_parallel                       written at init: helper markers
 *   GC_non_gc_bytes, GC_set_non_gc_bytes  kept for the client, reported in
 *                                     GC_get_prof_stats; the pacer ignores
 *                                     it (it counts uncollectable memory
 *                                     itself, in its live figures)
 *   GC_on_heap_resize                 called when a cycle ends, or
 *                                     GC_expand_hp returns, with a heap
 *                                     size other than the last reported
 *   GC_on_abort, GC_set_abort_func    the fatal path, before abort()
 *   GC_set_log_fd                     where GC_log_printf and the
 *                                     collector's own log lines go
 *   GC_set_disable_automatic_collection  collect.c: only explicit calls
 *                                     collect; the heap grows instead
 *   GC_set_force_unmap_on_gcollect    GC_gcollect returns free memory
 *   GC_set_pages_executable           before GC_init: heap pages
 *                                     PROT_EXEC (os_linux.c)
 *   GC_set_min_bytes_allocd           the pacer's floor, when above ours
 *   GC_set_stop_func, GC_try_to_collect  collect.c
 *
 * Accepted, stored and returned, with no effect (spangc has no
 * incremental or generational mode, and never collects at start-up):
 * GC_full_freq, GC_time_limit (and _tv), GC_use_entire_heap (the pacer
 * always reuses the heap first), GC_dont_precollect, GC_set_rate,
 * GC_set_max_prior_attempts, GC_set_manual_vdb_allowed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "atomics.h"
#include "cache.h"
#include "compat.h"
#include "heap.h"
#include "init.h"
#include "knobs.h"
#include "mark.h"
#include "os.h"
#include "pacer.h"
#include "sizeclass.h"
#include "stats.h"

/* ---- bdwgc's data symbols ---- */

int GC_no_dls;
int GC_dont_expand;
GC_word GC_max_retries;
GC_word GC_non_gc_bytes;
GC_word GC_gc_no;
int GC_parallel;
int GC_full_freq = 19;
unsigned long GC_time_limit = GC_TIME_UNLIMITED;
int GC_use_entire_heap;
int GC_dont_precollect;
GC_on_heap_resize_proc GC_on_heap_resize;

/* Not declared by bdwgc's headers, but exported by its libgc.so.1: the
 * storage behind GC_set_abort_func. */
GC_API GC_abort_func GC_on_abort;
GC_abort_func GC_on_abort;

/* ---- knobs with setters only ---- */

static int disable_auto;
static int force_unmap;
static int pages_exec;
static size_t min_bytes_allocd = 1;
static int rate = 10;
static int max_prior_attempts = 1;
static int manual_vdb;
static unsigned long time_limit_nsec;

static void abort_hook(const char *msg);

static sgc_atomic_word expl_freed;      /* atomic: GC_free bytes this cycle */
static size_t last_heap_size;           /* last size told GC_on_heap_resize */
static int perf_started;                /* GC_start_performance_measurement */
static uint64_t perf_base_ns;           /* total pause when it was called */

void sgc_compat_after_init(void)
{
	__atomic_store_n(&sgc_os_abort_hook, abort_hook, __ATOMIC_RELEASE);
	GC_parallel = GC_get_parallel();
	last_heap_size = GC_get_heap_size();
}

void sgc_compat_heap_resized(void)
{
	GC_on_heap_resize_proc fn = __atomic_load_n(&GC_on_heap_resize,
						    __ATOMIC_ACQUIRE);
	size_t now = GC_get_heap_size();
	size_t was = __atomic_exchange_n(&last_heap_size, now,
					 __ATOMIC_RELAXED);
	if (fn && now != was)
		fn((GC_word)now);
}

static int abandoned; /* a stop function abandoned the last attempt */
int sgc_compat_grow;  /* abandoned || disable_auto */

static void update_grow(void)
{
	__atomic_store_n(&sgc_compat_grow,
			 __atomic_load_n(&abandoned, __ATOMIC_RELAXED) ||
			 __atomic_load_n(&disable_auto, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
}

void sgc_compat_collection_abandoned(void)
{
	__atomic_store_n(&abandoned, 1, __ATOMIC_RELAXED);
	update_grow();
}

void sgc_compat_cycle_done(void)
{
	if (__atomic_load_n(&abandoned, __ATOMIC_RELAXED)) {
		__atomic_store_n(&abandoned, 0, __ATOMIC_RELAXED);
		update_grow();
	}
	GC_parallel = GC_get_parallel();
	__atomic_store_n(&GC_gc_no, GC_get_gc_no(), __ATOMIC_RELEASE);
	sgc_store_relaxed(&expl_freed, 0);
	sgc_compat_heap_resized();
}

void sgc_compat_note_free(size_t bytes)
{
	sgc_fetch_add(&expl_freed, bytes);
}

int sgc_compat_auto_collect_off(void)
{
	return __atomic_load_n(&disable_auto, __ATOMIC_RELAXED);
}

int sgc_compat_force_unmap(void)
{
	return __atomic_load_n(&force_unmap, __ATOMIC_RELAXED);
}

unsigned sgc_compat_max_retries(void)
{
	GC_word n = __atomic_load_n(&GC_max_retries, __ATOMIC_RELAXED);
	return n > 64 ? 64 : (unsigned)n; /* each one is a full collection */
}

size_t sgc_compat_min_bytes_allocd(void)
{
	return __atomic_load_n(&min_bytes_allocd, __ATOMIC_RELAXED);
}

int sgc_compat_no_dls(void)
{
	return __atomic_load_n(&GC_no_dls, __ATOMIC_RELAXED);
}

void sgc_compat_on_abort(const char *msg)
{
	GC_abort_func fn = __atomic_load_n(&GC_on_abort, __ATOMIC_ACQUIRE);
	if (fn)
		fn(msg);
}

/* The os layer's hook, set once GC_on_abort may be non-null: a client
 * may also assign GC_on_abort directly, so the hook reads it afresh. */
static void abort_hook(const char *msg)
{
	sgc_compat_on_abort(msg);
}

/* ---- getters and setters ---- */

void GC_set_no_dls(int value)
{
	__atomic_store_n(&GC_no_dls, value, __ATOMIC_RELAXED);
}

int GC_get_no_dls(void)
{
	return sgc_compat_no_dls();
}

void GC_set_dont_expand(int value)
{
	__atomic_store_n(&GC_dont_expand, value, __ATOMIC_RELAXED);
}

int GC_get_dont_expand(void)
{
	return __atomic_load_n(&GC_dont_expand, __ATOMIC_RELAXED);
}

void GC_set_max_retries(GC_word n)
{
	__atomic_store_n(&GC_max_retries, n, __ATOMIC_RELAXED);
}

GC_word GC_get_max_retries(void)
{
	return __atomic_load_n(&GC_max_retries, __ATOMIC_RELAXED);
}

void GC_set_non_gc_bytes(GC_word n)
{
	__atomic_store_n(&GC_non_gc_bytes, n, __ATOMIC_RELAXED);
}

GC_word GC_get_non_gc_bytes(void)
{
	return __atomic_load_n(&GC_non_gc_bytes, __ATOMIC_RELAXED);
}

void GC_set_full_freq(int value)
{
	__atomic_store_n(&GC_full_freq, value, __ATOMIC_RELAXED);
}

int GC_get_full_freq(void)
{
	return __atomic_load_n(&GC_full_freq, __ATOMIC_RELAXED);
}

void GC_set_time_limit(unsigned long ms)
{
	__atomic_store_n(&GC_time_limit, ms, __ATOMIC_RELAXED);
	__atomic_store_n(&time_limit_nsec, 0, __ATOMIC_RELAXED);
}

unsigned long GC_get_time_limit(void)
{
	return __atomic_load_n(&GC_time_limit, __ATOMIC_RELAXED);
}

void GC_set_time_limit_tv(struct GC_timeval_s tv)
{
	__atomic_store_n(&GC_time_limit, tv.tv_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&time_limit_nsec, tv.tv_nsec, __ATOMIC_RELAXED);
}

struct GC_timeval_s GC_get_time_limit_tv(void)
{
	struct GC_timeval_s tv;
	tv.tv_ms = GC_get_time_limit();
	tv.tv_nsec = __atomic_load_n(&time_limit_nsec, __ATOMIC_RELAXED);
	return tv;
}

void GC_set_dont_precollect(int value)
{
	__atomic_store_n(&GC_dont_precollect, value, __ATOMIC_RELAXED);
}

int GC_get_dont_precollect(void)
{
	return __atomic_load_n(&GC_dont_precollect, __ATOMIC_RELAXED);
}

void GC_set_on_heap_resize(GC_on_heap_resize_proc fn)
{
	__atomic_store_n(&GC_on_heap_resize, fn, __ATOMIC_RELEASE);
}

GC_on_heap_resize_proc GC_get_on_heap_resize(void)
{
	return __atomic_load_n(&GC_on_heap_resize, __ATOMIC_ACQUIRE);
}


void GC_set_abort_func(GC_abort_func fn)
{
	__atomic_store_n(&GC_on_abort, fn, __ATOMIC_RELEASE);
	__atomic_store_n(&sgc_os_abort_hook, abort_hook, __ATOMIC_RELEASE);
}

static void GC_CALLBACK default_abort_func(const char *msg)
{
	(void)msg; /* the fatal path has printed it already */
}

GC_abort_func GC_get_abort_func(void)
{
	GC_abort_func fn = __atomic_load_n(&GC_on_abort, __ATOMIC_ACQUIRE);
	return fn ? fn : default_abort_func;
}

void GC_set_log_fd(int fd)
{
	__atomic_store_n(&sgc_os_log_fd, fd, __ATOMIC_RELAXED);
}

void GC_set_disable_automatic_collection(int value)
{
	__atomic_store_n(&disable_auto, value ? 1 : 0, __ATOMIC_RELAXED);
	update_grow();
}

int GC_get_disable_automatic_collection(void)
{
	return sgc_compat_auto_collect_off();
}

void GC_set_force_unmap_on_gcollect(int value)
{
	__atomic_store_n(&force_unmap, value ? 1 : 0, __ATOMIC_RELAXED);
}

int GC_get_force_unmap_on_gcollect(void)
{
	return sgc_compat_force_unmap();
}

void GC_set_pages_executable(int value)
{
	/* Like bdwgc, only before initialisation: pages already committed
	 * keep their protection. */
	if (!GC_is_init_called()) {
		pages_exec = value ? 1 : 0;
		sgc_os_exec_heap = pages_exec;
	}
}

int GC_get_pages_executable(void)
{
	return pages_exec;
}

void GC_set_min_bytes_allocd(size_t value)
{
	if (value == 0)
		sgc_fatal("GC_set_min_bytes_allocd: the value must not be 0");
	__atomic_store_n(&min_bytes_allocd, value, __ATOMIC_RELAXED);
}

size_t GC_get_min_bytes_allocd(void)
{
	return sgc_compat_min_bytes_allocd();
}

void GC_set_rate(int value)
{
	if (value <= 0)
		sgc_fatal("GC_set_rate: the value must be positive (%d)", value);
	__atomic_store_n(&rate, value, __ATOMIC_RELAXED);
}

int GC_get_rate(void)
{
	return __atomic_load_n(&rate, __ATOMIC_RELAXED);
}

void GC_set_max_prior_attempts(int value)
{
	if (value < 0)
		sgc_fatal("GC_set_max_prior_attempts: negative value (%d)",
			  value);
	__atomic_store_n(&max_prior_attempts, value, __ATOMIC_RELAXED);
}

int GC_get_max_prior_attempts(void)
{
	return __atomic_load_n(&max_prior_attempts, __ATOMIC_RELAXED);
}

/* ---- incremental and generational collection ---- */
/* spangc collects with the world stopped, whole heap at once, and has no
 * dirty-bit machinery: these calls answer as bdwgc does for a collector
 * that is not (and cannot be put) in incremental mode. */

void GC_enable_incremental(void)
{
	sgc_ensure_init(); /* bdwgc initialises here too */
}

int GC_is_incremental_mode(void)
{
	return 0;
}

int GC_incremental_protection_needs(void)
{
	return GC_PROTECTS_NONE;
}

void GC_start_incremental_collection(void)
{
	/* Nothing to start outside incremental mode (as bdwgc). */
}

void GC_set_manual_vdb_allowed(int value)
{
	__atomic_store_n(&manual_vdb, value ? 1 : 0, __ATOMIC_RELAXED);
}

int GC_get_manual_vdb_allowed(void)
{
	return __atomic_load_n(&manual_vdb, __ATOMIC_RELAXED);
}

void GC_end_stubborn_change(const void *p)
{
	(void)p; /* no dirty bits to set */
}

void GC_change_stubborn(const void *p)
{
	(void)p;
}

void *GC_malloc_stubborn(size_t lb)
{
	return GC_malloc(lb);
}

void GC_ptr_store_and_dirty(void *p, const void *q)
{
	*(const void **)p = q;
}

/* ---- statistics ---- */

size_t GC_get_expl_freed_bytes_since_gc(void)
{
	return sgc_load_relaxed(&expl_freed) + sgc_cache_freed_bytes();
}

size_t GC_get_obtained_from_os_bytes(void)
{
	if (!GC_is_init_called())
		return 0;
	return sgc_heap_mapped_bytes();
}

size_t GC_get_memory_use(void)
{
	size_t heap = GC_get_heap_size(), free = GC_get_free_bytes();
	return heap > free ? heap - free : 0;
}

void GC_start_performance_measurement(void)
{
	perf_base_ns = sgc_load_relaxed(&sgc_stats.total_pause_ns);
	__atomic_store_n(&perf_started, 1, __ATOMIC_RELEASE);
}

unsigned long GC_get_full_gc_total_time(void)
{
	if (!__atomic_load_n(&perf_started, __ATOMIC_ACQUIRE))
		return 0;
	uint64_t ns = sgc_load_relaxed(&sgc_stats.total_pause_ns) - perf_base_ns;
	return (unsigned long)(ns / 1000000);
}

size_t GC_get_size_map_at(int i)
{
	if (i < 0 || (size_t)i > SGC_MAX_SMALL_SIZE)
		return (size_t)-1;
	return sgc_class_size(sgc_size_to_class((size_t)i));
}

/* Fill a full-sized snapshot, then copy the part the client's struct
 * holds; a larger (newer) struct gets -1 in the fields we do not know. */
static size_t fill_prof_stats(struct GC_prof_stats_s *out, size_t sz)
{
	struct GC_prof_stats_s s;
	GC_word heap = GC_get_heap_size(), unmapped = GC_get_unmapped_bytes();
	GC_word since = GC_get_bytes_since_gc();
	memset(&s, 0, sizeof s);
	s.heapsize_full = heap + unmapped;
	s.free_bytes_full = GC_get_free_bytes() + unmapped;
	s.unmapped_bytes = unmapped;
	s.bytes_allocd_since_gc = since;
	s.allocd_bytes_before_gc = GC_get_total_bytes() - since;
	s.non_gc_bytes = GC_get_non_gc_bytes();
	s.gc_no = GC_get_gc_no();
	s.markers_m1 = (GC_word)GC_get_parallel();
	/* Sweeping is lazy and per span: reclaimed bytes are not counted. */
	s.bytes_reclaimed_since_gc = 0;
	s.reclaimed_bytes_before_gc = 0;
	s.expl_freed_bytes_since_gc = GC_get_expl_freed_bytes_since_gc();
	s.obtained_from_os_bytes = GC_get_obtained_from_os_bytes();
	if (sz <= sizeof s) {
		memcpy(out, &s, sz);
		return sz;
	}
	memcpy(out, &s, sizeof s);
	memset((char *)out + sizeof s, 0xff, sz - sizeof s);
	return sizeof s;
}

size_t GC_get_prof_stats(struct GC_prof_stats_s *out, size_t sz)
{
	return fill_prof_stats(out, sz);
}

size_t GC_get_prof_stats_unsafe(struct GC_prof_stats_s *out, size_t sz)
{
	return fill_prof_stats(out, sz);
}

/* Exported by bdwgc's libgc.so.1 for its C++ and inline allocators,
 * which count bytes they hand out themselves. */
GC_API void GC_CALL GC_incr_bytes_allocd(size_t);
GC_API void GC_CALL GC_incr_bytes_freed(size_t);

void GC_incr_bytes_allocd(size_t n)
{
	sgc_pacer_note_alloc((intptr_t)n);
}

void GC_incr_bytes_freed(size_t n)
{
	sgc_compat_note_free(n);
}

/* ---- odds and ends ---- */


void *GC_clear_stack(void *arg)
{
	/* Clear some of the stack below the caller, where dead frames may
	 * keep stale pointers that a later conservative scan would see. */
	volatile char pad[4096];
	memset((char *)pad, 0, sizeof pad);
	__asm__ __volatile__("" : : "r"(pad) : "memory");
	return arg;
}

void GC_deinit(void)
{
	/* bdwgc frees here only what its Windows and static-build ports set
	 * up; spangc's threads and locks last as long as the process. */
}
