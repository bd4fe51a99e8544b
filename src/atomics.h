/*
 * atomics.h: the one place spangc touches atomic operations.
 *
 * A thin layer over libatomic_ops.  Function names say the memory order;
 * every field accessed through them is commented "atomic" where declared.
 * All operate on uintptr_t-sized words (AO_t).
 */
#ifndef SGC_ATOMICS_H
#define SGC_ATOMICS_H

#ifndef SGC_BUILDING
#error "src/atomics.h is internal to spangc; include <gc.h> instead"
#endif

#include <stdint.h>
#include <atomic_ops.h>

_Static_assert(sizeof(AO_t) == sizeof(uintptr_t), "AO_t must be a word");

typedef volatile AO_t sgc_atomic_word;

static inline uintptr_t sgc_load_relaxed(const sgc_atomic_word *p)
{
	return (uintptr_t)AO_load((const volatile AO_t *)p);
}

static inline uintptr_t sgc_load_acquire(const sgc_atomic_word *p)
{
	return (uintptr_t)AO_load_acquire((const volatile AO_t *)p);
}

static inline void sgc_store_relaxed(sgc_atomic_word *p, uintptr_t v)
{
	AO_store(p, (AO_t)v);
}

static inline void sgc_store_release(sgc_atomic_word *p, uintptr_t v)
{
	AO_store_release(p, (AO_t)v);
}

/* Compare-and-swap, full barrier: returns nonzero when *p was old. */
static inline int sgc_cas(sgc_atomic_word *p, uintptr_t old, uintptr_t new)
{
	return AO_compare_and_swap_full(p, (AO_t)old, (AO_t)new);
}

/* Fetch-and-add, full barrier: returns the old value. */
static inline uintptr_t sgc_fetch_add(sgc_atomic_word *p, uintptr_t v)
{
	return (uintptr_t)AO_fetch_and_add_full(p, (AO_t)v);
}

static inline void sgc_atomic_or(sgc_atomic_word *p, uintptr_t v)
{
	AO_or_full(p, (AO_t)v);
}

static inline void sgc_atomic_and(sgc_atomic_word *p, uintptr_t v)
{
	AO_and_full(p, (AO_t)v);
}

/* A full fence.  ThreadSanitizer does not model stand-alone fences (gcc
 * rejects them under -fsanitize=thread with -Werror): synchronise through
 * an atomic or a lock instead wherever TSan must see the ordering. */
static inline void sgc_fence(void)
{
	AO_nop_full();
}

#endif /* SGC_ATOMICS_H */
