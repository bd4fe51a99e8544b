/*
 * pacer.c: the collection trigger (see pacer.h).
 */
#include <gc/gc.h>
#include "pacer.h"

struct sgc_pacer sgc_pacer;

/* The budget's floor for a heap whose last mark found live bytes
 * (roots included): pacer.h. */
static size_t budget_floor(size_t live)
{
	if (live < SGC_MIN_GC_BUDGET_BASE)
		return SGC_MIN_GC_BUDGET_BASE;
	return live < SGC_MIN_GC_BUDGET ? live : SGC_MIN_GC_BUDGET;
}

void sgc_pacer_init(void)
{
	size_t b = budget_floor(0);
	sgc_store_relaxed(&sgc_pacer.budget, b);
	sgc_store_relaxed(&sgc_pacer.min_budget, b);
}

void sgc_pacer_end_cycle(size_t live_scanned, size_t live_ptrfree,
			 size_t roots)
{
	size_t d = GC_free_space_divisor ? (size_t)GC_free_space_divisor : 1;
	size_t b = (2 * live_scanned + live_ptrfree / 4 + roots) / d;
	if (b < sgc_pacer.initial_heap / d)
		b = sgc_pacer.initial_heap / d;
	size_t floor = budget_floor(live_scanned + live_ptrfree + roots);
	if (b < floor)
		b = floor;
	if (b < sgc_compat_min_bytes_allocd()) /* GC_set_min_bytes_allocd */
		b = sgc_compat_min_bytes_allocd();
	sgc_store_relaxed(&sgc_pacer.budget, b);
	sgc_store_relaxed(&sgc_pacer.min_budget, b);
	sgc_store_relaxed(&sgc_pacer.since_gc, 0);
}

void sgc_pacer_reuse_heap(size_t live, size_t retained, uint64_t now)
{
	/* The formula's budget: calling this twice does not compound. */
	size_t b = (size_t)sgc_load_relaxed(&sgc_pacer.min_budget);
	size_t h = __atomic_load_n(&sgc_pacer.heap_target, __ATOMIC_RELAXED);
	uint64_t dt = now - sgc_pacer.heap_target_ns;
	/* Only time beyond the busy interval counts: a heap filled sooner
	 * is in use. */
	dt = dt > SGC_HEAP_TARGET_BUSY_NS ? dt - SGC_HEAP_TARGET_BUSY_NS : 0;
	if (dt >= SGC_HEAP_TARGET_TAU_NS)
		h = 0;
	else
		h -= (size_t)((double)h * (double)dt /
			      (double)SGC_HEAP_TARGET_TAU_NS);
	if (h > retained)
		h = retained;
	if (h < live + b)
		h = live + b;
	__atomic_store_n(&sgc_pacer.heap_target, h, __ATOMIC_RELAXED);
	sgc_pacer.heap_target_ns = now;
	sgc_store_relaxed(&sgc_pacer.budget, h - live);
}

void sgc_pacer_forget_peak(void)
{
	__atomic_store_n(&sgc_pacer.heap_target, 0, __ATOMIC_RELAXED);
}
