/*
 * collect.c: the collection cycle and the public calls that drive it
 * (see collect.h).
 */
#include <pthread.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "cache.h"
#include "central.h"
#include "checkmark.h"
#include "finalize.h"
#include "roots.h"
#include "collect.h"
#include "compat.h"
#include "gcbits.h"
#include "heap.h"
#include "init.h"
#include "mark.h"
#include "os.h"
#include "pacer.h"
#include "stats.h"
#include "sweep.h"
#include "malloc.h"
#include "thread.h"
#include "verify.h"

int GC_dont_gc;
struct sgc_collect_hooks sgc_collect_hooks;

static int GC_CALLBACK never_stop(void)
{
	return 0;
}

static GC_stop_func stop_func = never_stop; /* GC_set_stop_func */

/* GC_try_to_collect's stop function while it collects, in place of
 * GC_set_stop_func's, for the thread try_owner only.  One such call at a
 * time (try_lock); written and read with the world lock held. */
static pthread_mutex_t try_lock = PTHREAD_MUTEX_INITIALIZER;
static GC_stop_func try_stop;
static pthread_t try_owner;

void GC_set_stop_func(GC_stop_func fn)
{
	__atomic_store_n(&stop_func, fn, __ATOMIC_RELEASE);
}

GC_stop_func GC_get_stop_func(void)
{
	return __atomic_load_n(&stop_func, __ATOMIC_ACQUIRE);
}

/* The stop function in force for the calling thread.  World lock held. */
static GC_stop_func current_stop(void)
{
	if (try_stop && pthread_equal(try_owner, pthread_self()))
		return try_stop;
	return GC_get_stop_func();
}

/* Set while this thread runs a cycle, world lock held. */
static __thread int collecting;

int sgc_collect_running_here(void)
{
	return collecting;
}

void sgc_collect_reentered(const char *call)
{
	sgc_fatal("%s called from a signal handler (or a collector callback)"
		  " that interrupted %s on this thread: it would wait for"
		  " ever on locks this thread holds", call,
		  collecting ? "the collector" : "an allocation");
}

int sgc_collect(enum sgc_collect_reason why)
{
	struct sgc_cache *self = sgc_tls_cache;
	if (SGC_UNLIKELY(self && self->critical > 0))
		sgc_collect_reentered("GC_gcollect");
	if (GC_dont_gc || sgc_world_held())
		return 0;
	if (why != SGC_REASON_EXPLICIT && sgc_compat_auto_collect_off())
		return 0;
	sgc_ensure_init();
	unsigned long seen = __atomic_load_n(&sgc_stats.cycles,
					     __ATOMIC_RELAXED);
	sgc_world_lock_acquire();
	collecting = 1;
	/* Another thread may have collected while this one waited for the
	 * lock: then the trigger that sent this one here is spent. */
	if (GC_dont_gc ||
	    (why == SGC_REASON_ALLOC && !sgc_pacer_due()) ||
	    ((why == SGC_REASON_OOM || why == SGC_REASON_FULL) &&
	     __atomic_load_n(&sgc_stats.cycles, __ATOMIC_RELAXED) != seen)) {
		collecting = 0;
		sgc_world_lock_release();
		return 0;
	}
	/* The stop function, asked before the cycle begins (no event sent,
	 * nothing stopped, marked or freed).  A cycle once begun is not
	 * interrupted: the mark cannot stop half-way without leaving live
	 * objects unmarked.  Until a cycle completes, the heap grows. */
	if (current_stop()()) {
		sgc_compat_collection_abandoned();
		collecting = 0;
		sgc_world_lock_release();
		return 0;
	}
	GC_start_callback_proc start = GC_get_start_callback();
	if (start)
		start();
	sgc_stats_event(GC_EVENT_START);
	sgc_finalize_before_stop();
	/* Leftover sweeping before the stop, not in the pause: disclaim
	 * procedures then run with the world going, and the pause is the
	 * mark alone.  What the threads' caches still hold is swept below. */
	sgc_sweep_finish();
	sgc_mark_start_helpers(); /* before the stop: it allocates */
	if (sgc_config.background != SGC_BACKGROUND_NONE)
		sgc_sweep_start_background(); /* the same */
	sgc_stats_event(GC_EVENT_PRE_STOP_WORLD);
	uint64_t t0 = sgc_os_nanotime();
	sgc_roots_stop_world();
	sgc_stats_event(GC_EVENT_POST_STOP_WORLD);
	if (sgc_collect_hooks.stopped)
		sgc_collect_hooks.stopped();
	sgc_cache_flush_all();
	sgc_sweep_finish();
	if (SGC_DEBUG)
		sgc_verify_or_die("before mark");
	sgc_gcbits_rotate();
	struct sgc_mark_result m;
	sgc_stats_event(GC_EVENT_MARK_START);
	sgc_mark_phase(&m);
	if (sgc_collect_hooks.marked)
		sgc_collect_hooks.marked();
	if (sgc_config.checkmark)
		sgc_checkmark_run((uintptr_t)__builtin_frame_address(0));
	sgc_finalize_after_mark(&m);
	sgc_stats_event(GC_EVENT_MARK_END);
	sgc_stats_event(GC_EVENT_RECLAIM_START);
	uintptr_t sg = sgc_heap_sweepgen();
	sgc_store_release(&sgc_heap.sweepgen, sg + 2);
	sgc_pacer_end_cycle(m.live_scanned, m.live_ptrfree, m.roots_bytes);
	sgc_pacer_reuse_heap(m.live_scanned + m.live_ptrfree,
			     sgc_heap_mapped_bytes() - sgc_heap_unmapped_bytes(),
			     sgc_os_nanotime());
	pthread_mutex_lock(&sgc_heap.lock);
	size_t pages = sgc_heap.pages_in_use;
	pthread_mutex_unlock(&sgc_heap.lock);
	sgc_sweep_start_cycle(pages, sgc_load_relaxed(&sgc_pacer.budget));
	sgc_stats_event(GC_EVENT_RECLAIM_END);
	if (sgc_config.verify)
		sgc_verify_or_die("after a collection");
	sgc_stats_event(GC_EVENT_PRE_START_WORLD);
	sgc_start_world();
	uint64_t pause = sgc_os_nanotime() - t0;
	sgc_stats_event(GC_EVENT_POST_START_WORLD);
	if (sgc_collect_hooks.restarted)
		sgc_collect_hooks.restarted();
	sgc_finalize_after_world();
	sgc_stats_cycle(&m, pause, why);
	sgc_compat_cycle_done();
	sgc_stats_event(GC_EVENT_END);
	void (*done)(void) = sgc_collect_hooks.done;
	collecting = 0;
	sgc_world_lock_release();
	if (done)
		done();
	if (sgc_config.background != SGC_BACKGROUND_NONE)
		sgc_sweep_background();
	return 1;
}

static void unmap_free(void);

/* Sweep what is left, inside the caller's critical section.  Inlined, as
 * it was while GC_gcollect was its only caller: out of line, the changed
 * frames of GC_gcollect left a word that conservatively pinned the head
 * of check_finalize's ordered chain (test_chain_in_order). */
static SGC_ALWAYS_INLINE void finish_sweep(const char *call)
{
	struct sgc_cache *c = sgc_self_cache(call);
	sgc_critical_enter(c);
	sgc_sweep_finish();
	sgc_critical_leave(c);
}

void GC_gcollect(void)
{
	sgc_ensure_init();
	if (sgc_collect(SGC_REASON_EXPLICIT))
		finish_sweep("GC_gcollect");
	if (SGC_DEBUG && !sgc_world_held())
		sgc_verify_or_die("after GC_gcollect");
	sgc_finalize_safe_point();
	if (sgc_compat_force_unmap()) /* GC_set_force_unmap_on_gcollect */
		unmap_free();
}

int GC_try_to_collect(GC_stop_func stop)
{
	sgc_ensure_init();
	if (sgc_world_held())
		return 0;
	sgc_lock_stoppable(&try_lock);
	sgc_world_lock_acquire();
	try_owner = pthread_self();
	try_stop = stop;
	sgc_world_lock_release();
	int ran = sgc_collect(SGC_REASON_EXPLICIT);
	sgc_world_lock_acquire();
	try_stop = NULL;
	sgc_world_lock_release();
	pthread_mutex_unlock(&try_lock);
	if (ran)
		finish_sweep("GC_try_to_collect");
	sgc_finalize_safe_point();
	return ran;
}

void GC_gcollect_and_unmap(void)
{
	GC_gcollect();
	if (!sgc_compat_force_unmap())
		unmap_free();
}

/* Return the free pages to the system now, and forget the peak. */
static void unmap_free(void)
{
	struct sgc_cache *c = sgc_self_cache("GC_gcollect_and_unmap");
	sgc_critical_enter(c);
	sgc_heap_scavenge();
	sgc_critical_leave(c);
	sgc_pacer_forget_peak();
}

int GC_collect_a_little(void)
{
	struct sgc_cache *c = sgc_self_cache("GC_collect_a_little");
	if (sgc_pacer_due())
		sgc_collect(SGC_REASON_ALLOC);
	sgc_critical_enter(c);
	for (int i = 0; i < 16; i++)
		if (!sgc_sweep_one())
			break;
	sgc_critical_leave(c);
	return !sgc_sweep_done();
}

void GC_disable(void)
{
	__atomic_add_fetch(&GC_dont_gc, 1, __ATOMIC_RELAXED);
}

void GC_enable(void)
{
	if (__atomic_sub_fetch(&GC_dont_gc, 1, __ATOMIC_RELAXED) < 0)
		sgc_fatal("GC_enable: called more often than GC_disable");
}

int GC_is_disabled(void)
{
	return GC_dont_gc != 0;
}

/* ---- fork ---- */

static int handle_fork = 1; /* GC_set_handle_fork; read at init */

void GC_set_handle_fork(int value)
{
	handle_fork = value;
}

/* Stop the world around fork, so that no thread is inside a critical
 * section (holding a lock or a half-updated span) when the child copies
 * the heap. */
void GC_atfork_prepare(void)
{
	if (!GC_is_init_called())
		return;
	sgc_world_lock_acquire();
	sgc_stop_world();
}

void GC_atfork_parent(void)
{
	if (!GC_is_init_called())
		return;
	sgc_start_world();
	sgc_world_lock_release();
}

void GC_atfork_child(void)
{
	if (!GC_is_init_called())
		return;
	sgc_thread_fork_child();
	sgc_mark_fork_child();
	sgc_sweep_fork_child();
	sgc_world_lock_release();
}

void sgc_collect_init_fork(void)
{
	if (handle_fork > 0)
		pthread_atfork(GC_atfork_prepare, GC_atfork_parent,
			       GC_atfork_child);
}
