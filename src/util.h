/*
 * util.h: small helpers shared by every module: assertions in tiers,
 * branch hints, bit tricks, and the fatal-error path.
 *
 * Assertion tiers: SGC_CHECK always runs (cheap, guards client input and
 * invariants whose failure would corrupt the heap); SGC_ASSERT runs in
 * debug builds only.  The failure path prints with write(2) and a fixed
 * buffer: it never allocates, so it works with the heap in any state.
 */
#ifndef SGC_UTIL_H
#define SGC_UTIL_H

#ifndef SGC_BUILDING
#error "src/util.h is internal to spangc; include <gc.h> instead"
#endif

#include <stddef.h>
#include <stdint.h>
#include "knobs.h"

#define SGC_HIDDEN __attribute__((visibility("hidden")))
#define SGC_LIKELY(x) __builtin_expect(!!(x), 1)
#define SGC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SGC_NOINLINE __attribute__((noinline))
#define SGC_TLS_FAST __attribute__((tls_model("initial-exec")))
#define SGC_ALWAYS_INLINE inline __attribute__((always_inline))
#define SGC_NORETURN __attribute__((noreturn))
#define SGC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SGC_NO_SANITIZE __attribute__((no_sanitize("address", "hwaddress", "thread")))

/* Print "spangc: <message>" to stderr and abort().  Never allocates. */
SGC_HIDDEN SGC_NORETURN SGC_PRINTF(1, 2) void sgc_fatal(const char *fmt, ...);

/* Print "spangc: <message>" to stderr.  Never allocates. */
SGC_HIDDEN SGC_PRINTF(1, 2) void sgc_log(const char *fmt, ...);

#define SGC_CHECK(cond)                                                      \
	do {                                                                 \
		if (SGC_UNLIKELY(!(cond)))                                   \
			sgc_fatal("%s:%d: check failed: %s", __FILE__,       \
				  __LINE__, #cond);                          \
	} while (0)

#define SGC_ASSERT(cond)                                                     \
	do {                                                                 \
		if (SGC_DEBUG && SGC_UNLIKELY(!(cond)))                      \
			sgc_fatal("%s:%d: assertion failed: %s", __FILE__,   \
				  __LINE__, #cond);                          \
	} while (0)

/* A spin-wait hint to the CPU. */
static inline void sgc_cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline uintptr_t sgc_round_up(uintptr_t x, uintptr_t align)
{
	return (x + align - 1) & ~(align - 1);
}

static inline int sgc_is_pow2(uintptr_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static inline unsigned sgc_ctz64(uint64_t x)
{
	return x ? (unsigned)__builtin_ctzll(x) : 64;
}

static inline unsigned sgc_popcount64(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

#endif /* SGC_UTIL_H */
