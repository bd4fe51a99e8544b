/*
 * thread.h: the thread registry and stopping the world.
 *
 * Owns the records of the threads the collector knows (registered by
 * GC_pthread_create, by GC_register_my_thread, or the thread that
 * initialised the collector), the bounds of their stacks, and the world
 * lock (bdwgc's "allocation lock": held for a whole collection, by
 * GC_call_with_alloc_lock, and to change a thread's blocked state).
 *
 * Stopping the world (Linux): the collector sends each registered thread
 * that is not inside GC_do_blocking the suspend signal (SIGPWR, or
 * GC_SIG_SUSPEND).  The handler, running on the thread's own stack, leaves
 * the interrupted registers in the signal frame, records its stack
 * pointer, acknowledges on a semaphore and waits in sigsuspend for the
 * restart signal (SIGXCPU, or GC_SIG_THR_RESTART); under ThreadSanitizer
 * it takes that signal blocked, with rt_sigtimedwait (see thread.c).  A
 * thread inside a critical section of the collector (cache.h) defers: it
 * stops itself when it leaves the section, so no thread is ever stopped
 * holding a lock or a half-updated span.
 *
 * The exit value of a joinable thread created by GC_pthread_create (its
 * return value, or GC_pthread_exit's argument) is kept in an exit record
 * and scanned as a root from the thread's exit until GC_pthread_join or
 * GC_pthread_detach, as bdwgc keeps it in its thread record.
 *
 * Invariants: a thread is in the registry from registration until it
 * unregisters (or exits); it is signalled only while registered; a blocked
 * thread's blocked_sp is below every frame that can hold heap pointers
 * of the code it runs outside the collector.
 *
 * Suspension (GC_suspend_thread): the suspender, holding the world lock,
 * sets suspend_req and sends the suspend signal; the handler records the
 * stack pointer, turns the thread "blocked" (its stack is scanned from
 * there, and no stop signals it), acknowledges, and waits until
 * GC_resume_thread clears suspend_req.  A thread that is already blocked
 * (GC_do_blocking) or suspends itself waits when it next leaves the
 * blocked state.
 *
 * Alternate signal stacks: a thread may be stopped while it runs a signal
 * handler on its sigaltstack.  It then records that stack's bounds, and
 * the collector scans the alternate stack from the stack pointer up, and
 * the normal stack whole (its mapped part, or the range given to
 * GC_register_altstack), since the interrupted normal-stack pointer is
 * not known.
 *
 * Locks: the world lock, then the registry lock; both are held by the
 * collector while the world is stopped.  The registry lock also guards
 * the exit records.  A thread changes its blocked state
 * only with the world lock held.  Registry lock is never taken inside a
 * critical section.
 */
#ifndef SGC_THREAD_H
#define SGC_THREAD_H

#ifndef SGC_BUILDING
#error "src/thread.h is internal to spangc; include <gc.h> instead"
#endif

#include <pthread.h>
#include <stdint.h>
#include "cache.h"
#include "roots.h"
#include "util.h"

enum {
	SGC_THREAD_MAIN = 1,     /* initialised the collector; GC_stackbottom */
	SGC_THREAD_INTERNAL = 2, /* the collector's own (sweeper) */
	SGC_THREAD_DETACHED = 4
};

struct sgc_thread {
	struct sgc_thread *next;       /* registry lock */
	pthread_t id;
	uintptr_t stack_bottom;        /* cold end: highest address + 1 */
	uintptr_t stack_lo;            /* lowest address of its mapping */
	volatile uintptr_t stop_sp;    /* saved before acknowledging a stop */
	volatile uintptr_t blocked_sp; /* saved by GC_do_blocking */
	volatile int blocked;          /* world lock to change */
	volatile int stopped;          /* signalled in the current stop */
	volatile int suspend_req;      /* GC_suspend_thread, world lock to
					* change; read by the thread */
	volatile int sig_suspended;    /* stopped by suspend_req (blocked) */
	/* Alternate signal stack: as GC_register_altstack gave it (with the
	 * normal stack), and as the thread found itself on when it last
	 * stopped or blocked (0, 0 when not on one).  Written by the thread
	 * itself, read by the collector once the thread has answered. */
	uintptr_t alt_lo, alt_hi, norm_lo, norm_hi;
	uintptr_t on_alt_lo, on_alt_hi;
	sgc_atomic_word ack_epoch;     /* atomic: the last stop it answered */
	int flags;
	struct sgc_cache *cache;
	uintptr_t tp;                  /* thread pointer: its static TLS */
	long tid;                      /* the system's id, for messages */
};

SGC_HIDDEN extern pthread_mutex_t sgc_world_lock;

/* Set up signals and register the calling thread as the main thread. */
SGC_HIDDEN void sgc_thread_init(void);

/* The calling thread's record, or NULL when it is not registered. */
SGC_HIDDEN struct sgc_thread *sgc_thread_self(void);

/* Register the calling thread with the given stack bottom (0: find it).
 * Returns its record (the existing one if it was registered already);
 * NULL, after the client's out-of-memory handler ran, when no memory
 * could be had for the record or the thread's cache. */
SGC_HIDDEN struct sgc_thread *sgc_thread_register(uintptr_t bottom, int flags);

/* Remove the calling thread from the registry, releasing its cache. */
SGC_HIDDEN void sgc_thread_unregister(void);

/* World lock held by the caller: stop every other registered thread. */
SGC_HIDDEN void sgc_stop_world(void);
SGC_HIDDEN void sgc_start_world(void);

/* Whether the calling thread holds the world lock (through the calls
 * below), so that it must not start a collection. */
SGC_HIDDEN int sgc_world_held(void);

/* Take m from a registered thread outside a critical section: polls, so
 * that the thread can be stopped while it waits. */
SGC_HIDDEN void sgc_lock_stoppable(pthread_mutex_t *m);
SGC_HIDDEN void sgc_world_lock_acquire(void);
SGC_HIDDEN void sgc_world_lock_release(void);

/* World stopped: call fn on the live part of every registered thread's
 * stack (the caller's own with its registers spilled). */
SGC_HIDDEN void sgc_thread_scan_stacks(sgc_range_fn fn);

/* Threads created by GC_pthread_create that exited and were neither
 * joined nor detached: their exit values are roots until then. */
SGC_HIDDEN size_t sgc_thread_exit_values(void);

/* World stopped: call fn with the thread pointer of every registered
 * thread (roots.c scans their static TLS blocks). */
SGC_HIDDEN void sgc_thread_for_each_tp(void (*fn)(uintptr_t tp));

/* Registered threads, the collector's own left out (for tests). */
SGC_HIDDEN size_t sgc_thread_count(void);

/* Fork support: in the child of a fork made with the world stopped, keep
 * only the calling thread and release the registry lock. */
SGC_HIDDEN void sgc_thread_fork_child(void);

/* The signals in use. */
SGC_HIDDEN int sgc_thread_suspend_signal(void);
SGC_HIDDEN int sgc_thread_restart_signal(void);

/* Abort naming call when the calling thread is not registered. */
SGC_HIDDEN SGC_NORETURN void sgc_thread_not_registered(const char *call);

#endif /* SGC_THREAD_H */
