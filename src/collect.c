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

int sgc_collect(enum sgc_collect_reason why)
{
	if (GC_dont_gc || sgc_world_held())
		return 0;
	sgc_ensure_init();
	unsigned long seen = __atomic_load_n(&sgc_stats.cycles,
					     __ATOMIC_RELAXED);
	sgc_world_lock_acquire();
	/* Another thread may have collected while this one waited for the
	 * lock: then the trigger that sent this one here is spent. */
	if (GC_dont_gc ||
	    (why == SGC_REASON_ALLOC && !sgc_pacer_due()) ||
	    ((why == SGC_REASON_OOM || why == SGC_REASON_FULL) &&
	     __atomic_load_n(&sgc_stats.cycles, __ATOMIC_RELAXED) != seen)) {
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
	sgc_stats_event(GC_EVENT_END);
	void (*done)(void) = sgc_collect_hooks.done;
	sgc_world_lock_release();
	if (done)
		done();
	if (sgc_config.background != SGC_BACKGROUND_NONE)
		sgc_sweep_background();
	return 1;
}

/* Sweep what is left, inside the caller's critical section. */
static void finish_sweep(const char *call)
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
}

void GC_gcollect_and_unmap(void)
{
	GC_gcollect();
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
