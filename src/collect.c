/*
 * collect.c: the collection cycle and the public calls that drive it
 * (see collect.h).
 */
#include <pthread.h>
#include <gc/gc.h>
#include <gc/gc_mark.h>
#include "cache.h"
#include "collect.h"
#include "gcbits.h"
#include "heap.h"
#include "init.h"
#include "mark.h"
#include "os.h"
#include "pacer.h"
#include "stats.h"
#include "sweep.h"
#include "verify.h"

int GC_dont_gc;

static pthread_mutex_t collect_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int in_collection;

int sgc_collect(enum sgc_collect_reason why)
{
	if (GC_dont_gc || in_collection)
		return 0;
	sgc_ensure_init();
	in_collection = 1;
	pthread_mutex_lock(&collect_lock);
	GC_start_callback_proc start = GC_get_start_callback();
	if (start)
		start();
	uint64_t t0 = sgc_os_nanotime();
	/* The world is the calling thread until the thread layer lands. */
	sgc_cache_flush_all();
	sgc_sweep_finish();
	if (SGC_DEBUG)
		sgc_verify_or_die("before mark");
	sgc_gcbits_rotate();
	struct sgc_mark_result m;
	sgc_mark_phase(&m);
	uintptr_t sg = sgc_heap_sweepgen();
	sgc_store_release(&sgc_heap.sweepgen, sg + 2);
	sgc_pacer_end_cycle(m.live_scanned, m.live_ptrfree, m.roots_bytes);
	pthread_mutex_lock(&sgc_heap.lock);
	size_t pages = sgc_heap.pages_in_use;
	pthread_mutex_unlock(&sgc_heap.lock);
	sgc_sweep_start_cycle(pages, sgc_load_relaxed(&sgc_pacer.budget));
	uint64_t pause = sgc_os_nanotime() - t0;
	sgc_stats_cycle(&m, pause, why);
	pthread_mutex_unlock(&collect_lock);
	in_collection = 0;
	return 1;
}

void sgc_collect_maybe(void)
{
	if (SGC_UNLIKELY(sgc_pacer_due()))
		sgc_collect(SGC_REASON_ALLOC);
	sgc_sweep_pay();
}

void GC_gcollect(void)
{
	sgc_ensure_init();
	if (sgc_collect(SGC_REASON_EXPLICIT))
		sgc_sweep_finish();
	if (SGC_DEBUG)
		sgc_verify_or_die("after GC_gcollect");
}

void GC_gcollect_and_unmap(void)
{
	GC_gcollect();
	sgc_heap_scavenge();
}

int GC_collect_a_little(void)
{
	sgc_ensure_init();
	if (sgc_pacer_due())
		sgc_collect(SGC_REASON_ALLOC);
	for (int i = 0; i < 16; i++)
		if (!sgc_sweep_one())
			break;
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
