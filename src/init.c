/*
 * init.c: start-up and the client's callbacks (see init.h).
 *
 * Environment variables, as bdwgc documents them: GC_INITIAL_HEAP_SIZE,
 * GC_MAXIMUM_HEAP_SIZE, GC_FREE_SPACE_DIVISOR, GC_DONT_GC, GC_PRINT_STATS,
 * GC_MARKERS (and GC_SIG_SUSPEND, GC_SIG_THR_RESTART in thread.c).  Sizes
 * accept bdwgc's suffixes k, M, G.  Ours: SPANGC_BACKGROUND_SWEEP=1 has
 * the background thread sweep as well as return memory; =0 starts no
 * background thread at all (white-box tests use it to look at a cycle's
 * mark bits before anything sweeps them, and at the heap's pages).
 * SPANGC_CHECKMARK=1 checks every mark phase with an independent marker
 * (checkmark.h); SPANGC_VERIFY=1 runs the heap verifier at the end of
 * every cycle.  Both work in release builds.  SPANGC_NO_BLACKLIST=1
 * turns black-listing off (heap.h), to measure what it saves.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "cache.h"
#include "checkmark.h"
#include "malloc.h"
#include "mark.h"
#include "central.h"
#include "collect.h"
#include "compat.h"
#include "heap.h"
#include "init.h"
#include "debug.h"
#include "os.h"
#include "pacer.h"
#include "roots.h"
#include "sizeclass.h"
#include "stats.h"
#include "thread.h"
#include "trace.h"

struct sgc_config sgc_config;
sgc_atomic_word sgc_ready;

int GC_all_interior_pointers = 1;
GC_word GC_free_space_divisor = 3;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static GC_start_callback_proc start_callback;

static void *GC_CALLBACK default_oom_fn(size_t bytes)
{
	(void)bytes;
	return NULL;
}

GC_oom_func GC_oom_fn = default_oom_fn;

static void GC_CALLBACK default_warn_proc(char *msg, GC_word arg)
{
	fprintf(stderr, msg, (unsigned long)arg);
}

static GC_warn_proc warn_proc = default_warn_proc;

/* A size from the environment, with an optional k/M/G suffix; 0 if unset
 * or malformed. */
static size_t env_size(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end) {
		sgc_warn("GC Warning: bad value of an environment variable"
			 " ignored\n", 0);
		return 0;
	}
	return (size_t)n;
}

static void read_environment(void)
{
	size_t n;
	if (getenv("GC_DONT_GC"))
		GC_dont_gc = 1;
	if (getenv("GC_PRINT_STATS"))
		sgc_config.print_stats = 1;
	sgc_trace_init(); /* SPANGC_TRACE */
	const char *v = getenv("SPANGC_CHECKMARK");
	sgc_config.checkmark = v && v[0] && v[0] != '0';
	v = getenv("SPANGC_VERIFY");
	sgc_config.verify = v && v[0] && v[0] != '0';
	v = getenv("SPANGC_SPAN_QUEUE");
	sgc_config.span_queue = !v || !v[0] || v[0] != '0';
	v = getenv("SPANGC_PAGE_CACHE");
	sgc_config.page_cache = !v || !v[0] || v[0] != '0';
	v = getenv("SPANGC_NO_BLACKLIST");
	if (v && v[0] && v[0] != '0')
		sgc_heap_black_listing = 0;
	const char *bg = getenv("SPANGC_BACKGROUND_SWEEP");
	sgc_config.background = !bg || !bg[0] ? SGC_BACKGROUND_SCAVENGE :
				bg[0] == '0' ? SGC_BACKGROUND_NONE :
					       SGC_BACKGROUND_SWEEP;
	if ((n = env_size("GC_FREE_SPACE_DIVISOR")) > 0)
		GC_free_space_divisor = n;
	if ((n = env_size("GC_MAXIMUM_HEAP_SIZE")) > 0)
		sgc_heap.max_bytes = n;
	if ((n = env_size("GC_INITIAL_HEAP_SIZE")) > 0)
		sgc_pacer.initial_heap = n;
	if ((n = env_size("GC_MARKERS")) > 0)
		sgc_mark_set_markers((unsigned)n);
}

void sgc_init_slow(void)
{
	pthread_mutex_lock(&init_lock);
	if (sgc_load_relaxed(&sgc_ready)) {
		pthread_mutex_unlock(&init_lock);
		return;
	}
	if (sgc_sizeclass_check() != 0)
		sgc_fatal("size class tables are corrupt");
	if (sgc_heap_init() != 0)
		sgc_fatal("out of memory at start-up: cannot reserve address"
			  " space or metadata for the heap");
	sgc_cache_init();
	sgc_roots_init();
	/* The collector's own state holds heap addresses that are not
	 * references: never scan it when it is linked into the program. */
	sgc_roots_exclude((uintptr_t)&sgc_heap, (uintptr_t)(&sgc_heap + 1));
	sgc_roots_exclude((uintptr_t)sgc_centrals,
			  (uintptr_t)(sgc_centrals + SGC_NUM_SPAN_CLASSES));
	sgc_roots_exclude((uintptr_t)sgc_arena_l1,
			  (uintptr_t)(sgc_arena_l1 + SGC_ARENA_L1_ENTRIES));
	sgc_roots_exclude((uintptr_t)sgc_window_arenas,
			  (uintptr_t)(sgc_window_arenas +
				      SGC_HEAP_WINDOW / SGC_ARENA_SIZE));
	sgc_roots_exclude((uintptr_t)&GC_least_plausible_heap_addr,
			  (uintptr_t)(&GC_least_plausible_heap_addr + 1));
	sgc_roots_exclude((uintptr_t)&GC_greatest_plausible_heap_addr,
			  (uintptr_t)(&GC_greatest_plausible_heap_addr + 1));
	sgc_mark_init();
	sgc_checkmark_init();
	sgc_pacer_init();
	read_environment();
	/* Like bdwgc, start with some heap even before the first request. */
	if (sgc_heap_grow(sgc_pacer.initial_heap ? sgc_pacer.initial_heap :
			  SGC_GROW_PAGES * SGC_PAGE_SIZE) != 0)
		sgc_warn("GC Warning: cannot reach the initial heap size\n", 0);
	sgc_pacer_end_cycle(0, 0, 0);
	sgc_thread_init();
	sgc_collect_init_fork();
	sgc_debug_init();
	sgc_compat_after_init();
	sgc_store_release(&sgc_ready, 1);
	pthread_mutex_unlock(&init_lock);
}

void GC_init(void)
{
	sgc_ensure_init();
}

int GC_is_init_called(void)
{
	return sgc_load_acquire(&sgc_ready) != 0;
}

void sgc_warn(const char *msg, uintptr_t arg)
{
	GC_warn_proc p = __atomic_load_n(&warn_proc, __ATOMIC_ACQUIRE);
	p((char *)msg, (GC_word)arg);
}

void *sgc_oom(size_t bytes)
{
	sgc_warn("GC Warning: out of memory: cannot allocate %lu bytes;"
		 " returning NULL\n", bytes);
	GC_oom_func f = __atomic_load_n(&GC_oom_fn, __ATOMIC_ACQUIRE);
	return f ? f(bytes) : NULL;
}

void GC_set_warn_proc(GC_warn_proc p)
{
	__atomic_store_n(&warn_proc, p, __ATOMIC_RELEASE);
}

GC_warn_proc GC_get_warn_proc(void)
{
	return __atomic_load_n(&warn_proc, __ATOMIC_ACQUIRE);
}

void GC_CALLBACK GC_ignore_warn_proc(char *msg, GC_word arg)
{
	(void)msg;
	(void)arg;
}

void GC_set_oom_fn(GC_oom_func f)
{
	__atomic_store_n(&GC_oom_fn, f, __ATOMIC_RELEASE);
}

GC_oom_func GC_get_oom_fn(void)
{
	return __atomic_load_n(&GC_oom_fn, __ATOMIC_ACQUIRE);
}

void GC_abort_on_oom(void)
{
	sgc_fatal("out of memory (GC_abort_on_oom)");
}

void GC_set_start_callback(GC_start_callback_proc fn)
{
	__atomic_store_n(&start_callback, fn, __ATOMIC_RELEASE);
}

GC_start_callback_proc GC_get_start_callback(void)
{
	return __atomic_load_n(&start_callback, __ATOMIC_ACQUIRE);
}

void GC_set_all_interior_pointers(int value)
{
	GC_all_interior_pointers = value ? 1 : 0;
}

int GC_get_all_interior_pointers(void)
{
	return GC_all_interior_pointers;
}

void GC_set_free_space_divisor(GC_word value)
{
	if (value > 0)
		GC_free_space_divisor = value;
}

GC_word GC_get_free_space_divisor(void)
{
	return GC_free_space_divisor;
}

void GC_set_max_heap_size(GC_word n)
{
	sgc_heap.max_bytes = n;
}

int GC_expand_hp(size_t bytes)
{
	struct sgc_cache *c = sgc_self_cache("GC_expand_hp");
	sgc_critical_enter(c);
	int ok = sgc_heap_grow(bytes) == 0;
	sgc_critical_leave(c);
	sgc_compat_heap_resized();
	return ok;
}

unsigned GC_get_version(void)
{
	return ((unsigned)GC_VERSION_MAJOR << 16) |
	       ((unsigned)GC_VERSION_MINOR << 8) | GC_VERSION_MICRO;
}
