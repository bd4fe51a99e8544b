/*
 * pacer.c: the collection trigger (see pacer.h).
 */
#include <gc/gc.h>
#include "pacer.h"

struct sgc_pacer sgc_pacer;

void sgc_pacer_init(void)
{
	size_t b = SGC_MIN_GC_BUDGET;
	sgc_store_relaxed(&sgc_pacer.budget, b);
}

void sgc_pacer_end_cycle(size_t live_scanned, size_t live_ptrfree,
			 size_t roots)
{
	size_t d = GC_free_space_divisor ? (size_t)GC_free_space_divisor : 1;
	size_t b = (2 * live_scanned + live_ptrfree / 4 + roots) / d;
	if (b < sgc_pacer.initial_heap / d)
		b = sgc_pacer.initial_heap / d;
	if (b < SGC_MIN_GC_BUDGET)
		b = SGC_MIN_GC_BUDGET;
	sgc_store_relaxed(&sgc_pacer.budget, b);
	sgc_store_relaxed(&sgc_pacer.since_gc, 0);
}
