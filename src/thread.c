/*
 * thread.c: the calling thread's stack (see thread.h).
 */
#include "os.h"
#include "thread.h"

static __thread uintptr_t stack_bottom;

uintptr_t sgc_thread_stack_bottom(void)
{
	if (!stack_bottom) {
		uintptr_t lo, hi;
		if (sgc_os_thread_stack(&lo, &hi) != 0)
			sgc_fatal("cannot find the bounds of the thread's stack");
		stack_bottom = hi;
	}
	return stack_bottom;
}

/* Separate so that the callee-saved registers spilled by
 * __builtin_unwind_init in the caller lie above this frame. */
static SGC_NOINLINE void scan_from_here(sgc_range_fn fn)
{
	volatile uintptr_t here = 0;
	uintptr_t lo = (uintptr_t)&here & ~(sizeof(void *) - 1);
	fn(lo, sgc_thread_stack_bottom());
}

SGC_NOINLINE void sgc_thread_scan_current(sgc_range_fn fn)
{
	__builtin_unwind_init();
	scan_from_here(fn);
	__asm__ __volatile__("" ::: "memory");
}
