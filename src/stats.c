/*
 * stats.c: figures and logging (see stats.h), and the public GC_get_*
 * calls that read them.
 */
#include <gc/gc.h>
#include <spangc.h>
#include "atomics.h"
#include "heap.h"
#include "init.h"
#include "os.h"
#include "pacer.h"
#include "stats.h"
#include "sweep.h"
#include "trace.h"

struct sgc_stats sgc_stats;

/* The GC_on_collection_event_proc, or 0; atomic. */
static sgc_atomic_word on_event;

_Static_assert(GC_EVENT_START == 0 && GC_EVENT_END == 5 &&
	       GC_EVENT_PRE_STOP_WORLD == 6 &&
	       GC_EVENT_THREAD_UNSUSPENDED == 11,
	       "GC_EventType must number its values as bdwgc does");

static const char *const reason_names[] = { "alloc", "explicit", "oom",
						 "full" };

void sgc_stats_cycle(const struct sgc_mark_result *m, uint64_t pause_ns,
		     int why)
{
	struct sgc_stats *st = &sgc_stats;
	size_t live = m->live_scanned + m->live_ptrfree;
	sgc_store_relaxed(&st->live_bytes, live);
	sgc_store_relaxed(&st->last_pause_ns, pause_ns);
	sgc_store_relaxed(&st->total_pause_ns,
			  sgc_load_relaxed(&st->total_pause_ns) + pause_ns);
	if (pause_ns > sgc_load_relaxed(&st->max_pause_ns))
		sgc_store_relaxed(&st->max_pause_ns, pause_ns);
	__atomic_store_n(&st->cycles, st->cycles + 1, __ATOMIC_RELEASE);
	sgc_trace_cycle(m, pause_ns, why);
	if (!sgc_config.print_stats)
		return;
	sgc_log("gc %lu (%s): heap %zu KiB, live %zu KiB in %zu objects"
		" (%zu KiB pointer-free), roots %zu KiB, stack %zu KiB,"
		" pause %llu.%03llu ms, next after %zu KiB%s",
		st->cycles, reason_names[why], sgc_heap_mapped_bytes() >> 10,
		live >> 10, m->live_objects, m->live_ptrfree >> 10,
		m->roots_bytes >> 10, m->stack_bytes >> 10,
		(unsigned long long)(pause_ns / 1000000),
		(unsigned long long)(pause_ns / 1000 % 1000),
		(size_t)sgc_load_relaxed(&sgc_pacer.budget) >> 10,
		m->overflows ? ", mark stack overflowed" : "");
}

void GC_set_on_collection_event(GC_on_collection_event_proc fn)
{
	sgc_store_release(&on_event, (uintptr_t)fn);
}

GC_on_collection_event_proc GC_get_on_collection_event(void)
{
	return (GC_on_collection_event_proc)sgc_load_acquire(&on_event);
}

void sgc_stats_event(GC_EventType ev)
{
	sgc_trace_event(ev);
	GC_on_collection_event_proc fn = GC_get_on_collection_event();
	if (fn)
		fn(ev);
}

GC_word GC_get_gc_no(void)
{
	return __atomic_load_n(&sgc_stats.cycles, __ATOMIC_ACQUIRE);
}

size_t GC_get_heap_size(void)
{
	if (!GC_is_init_called())
		return 0;
	return sgc_heap_mapped_bytes() - sgc_heap_unmapped_bytes();
}

size_t GC_get_free_bytes(void)
{
	if (!GC_is_init_called())
		return 0;
	return sgc_heap_free_bytes();
}

size_t GC_get_unmapped_bytes(void)
{
	if (!GC_is_init_called())
		return 0;
	return sgc_heap_unmapped_bytes();
}

size_t GC_get_bytes_since_gc(void)
{
	intptr_t n = (intptr_t)sgc_load_relaxed(&sgc_pacer.since_gc);
	return n > 0 ? (size_t)n : 0;
}

size_t GC_get_total_bytes(void)
{
	return sgc_load_relaxed(&sgc_pacer.total);
}

void GC_get_heap_usage_safe(GC_word *pheap_size, GC_word *pfree_bytes,
			    GC_word *punmapped_bytes, GC_word *pbytes_since_gc,
			    GC_word *ptotal_bytes)
{
	if (pheap_size)
		*pheap_size = GC_get_heap_size();
	if (pfree_bytes)
		*pfree_bytes = GC_get_free_bytes();
	if (punmapped_bytes)
		*punmapped_bytes = GC_get_unmapped_bytes();
	if (pbytes_since_gc)
		*pbytes_since_gc = GC_get_bytes_since_gc();
	if (ptotal_bytes)
		*ptotal_bytes = GC_get_total_bytes();
}

void spangc_get_stats(struct spangc_stats *out)
{
	out->cycles = GC_get_gc_no();
	out->heap_size = GC_get_heap_size();
	out->live_bytes = sgc_load_relaxed(&sgc_stats.live_bytes);
	out->total_allocated = GC_get_total_bytes();
	out->total_pause_ns = sgc_load_relaxed(&sgc_stats.total_pause_ns);
	out->max_pause_ns = sgc_load_relaxed(&sgc_stats.max_pause_ns);
	out->last_pause_ns = sgc_load_relaxed(&sgc_stats.last_pause_ns);
	out->pages_reclaimed = sgc_sweep_pages_reclaimed();
	out->metadata_bytes = sgc_os_metadata_bytes();
}
