/*
 * thread.c: the thread registry, stopping the world by signals, and
 * bdwgc's thread API (see thread.h).
 */
#define _GNU_SOURCE
#define GC_THREADS 1             /* declare the pthread wrappers ... */
#define GC_NO_THREAD_REDIRECTS 1 /* ... without renaming pthread_* here */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <gc/gc.h>
#include <gc/javaxfc.h>
#include "cache.h"
#include "init.h"
#include "os.h"
#include "thread.h"
#include "trace.h"

pthread_mutex_t sgc_world_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sgc_thread *registry;     /* registry lock */
static struct sgc_thread *free_records; /* registry lock */
static __thread struct sgc_thread *self;
static __thread int world_depth;        /* world lock held by this thread */
static __thread int world_cancel_state; /* to restore on release */

static sem_t ack_sem;
static sgc_atomic_word stop_epoch;      /* atomic */
static sgc_atomic_word restart_epoch;   /* atomic */
static int sig_suspend = SIGPWR, sig_restart = SIGXCPU;
/* GC_allow_register_threads was called, or a thread was created through
 * GC_pthread_create: then, as in bdwgc, any thread may register itself
 * (a thread's TLS destructors, say, after it unregistered on exit). */
static int allow_register;
static pthread_key_t exit_key;          /* unregisters at thread exit */

char *GC_stackbottom;

struct sgc_thread *sgc_thread_self(void)
{
	return self;
}

int sgc_world_held(void)
{
	return world_depth > 0;
}

/* A registered thread waiting for a lock outside a critical section may
 * have to be stopped meanwhile.  Waiting by polling, rather than sleeping
 * inside pthread_mutex_lock, keeps the suspend signal deliverable
 * everywhere, including under sanitizers that run signal handlers only
 * when the thread leaves a library call. */
void sgc_lock_stoppable(pthread_mutex_t *m)
{
	for (unsigned i = 0; pthread_mutex_trylock(m) != 0; i++) {
		if (i < 64) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 50 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

void sgc_world_lock_acquire(void)
{
	int cancel;
	/* No cancellation while waiting for or holding the lock (released
	 * in sgc_world_lock_release): nanosleep and, in a collection,
	 * sem_timedwait are cancellation points. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	sgc_lock_stoppable(&sgc_world_lock);
	if (world_depth++ == 0)
		world_cancel_state = cancel;
}

void sgc_world_lock_release(void)
{
	int restore = --world_depth == 0;
	pthread_mutex_unlock(&sgc_world_lock);
	if (restore)
		pthread_setcancelstate(world_cancel_state, NULL);
}

/* Wait, stopped, until the world restarts after the stop epoch.
 *
 * Normally in sigsuspend, which lets the restart signal in.  Not under
 * ThreadSanitizer: TSan defers a signal that arrives outside a blocking
 * call and runs the handler later from its own code, with every signal
 * blocked and the thread's mask saved in one per-thread slot.  The
 * restart signal, arriving in sigsuspend, is deferred the same way and
 * run when sigsuspend returns, by a nested call of that code, which saves
 * the all-blocked mask over the thread's; the outer call then "restores"
 * it, so the thread leaves the stop with every signal blocked and never
 * answers another one (check_thread hung so).  Under TSan the restart
 * signal therefore stays blocked (it is, in every caller of stop_self) and
 * is taken with a raw rt_sigtimedwait, which TSan neither intercepts nor
 * defers.  The timeout only bounds the wait should the signal go
 * elsewhere: restart_epoch is what decides. */
static void wait_restart(uintptr_t epoch)
{
	sigset_t mask;
	if (SGC_TSAN) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		sigemptyset(&mask);
		sigaddset(&mask, sig_restart);
		while (sgc_load_acquire(&restart_epoch) < epoch)
			syscall(SYS_rt_sigtimedwait, &mask, NULL, &ts,
				(size_t)(_NSIG / 8));
		return;
	}
	sigfillset(&mask);
	sigdelset(&mask, sig_restart);
	while (sgc_load_acquire(&restart_epoch) < epoch)
		sigsuspend(&mask);
}

/* Record whether the calling thread runs on its alternate signal stack
 * (async-signal-safe: a handler calls it). */
static void note_altstack(struct sgc_thread *t)
{
	stack_t ss;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK)) {
		t->on_alt_lo = (uintptr_t)ss.ss_sp;
		t->on_alt_hi = (uintptr_t)ss.ss_sp + ss.ss_size;
	} else {
		t->on_alt_lo = t->on_alt_hi = 0;
	}
}

/* Wait, the suspend and restart signals blocked except to wake, until
 * GC_resume_thread clears t->suspend_req (as wait_restart). */
static void wait_resumed(struct sgc_thread *t)
{
	sigset_t mask;
	if (SGC_TSAN) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		sigemptyset(&mask);
		sigaddset(&mask, sig_restart);
		while (__atomic_load_n(&t->suspend_req, __ATOMIC_ACQUIRE))
			syscall(SYS_rt_sigtimedwait, &mask, NULL, &ts,
				(size_t)(_NSIG / 8));
		return;
	}
	sigfillset(&mask);
	sigdelset(&mask, sig_restart);
	while (__atomic_load_n(&t->suspend_req, __ATOMIC_ACQUIRE))
		sigsuspend(&mask);
}

/* Suspended by GC_suspend_thread: become blocked from here (the
 * suspender holds the world lock for us), acknowledge, wait. */
static SGC_NOINLINE void suspend_self_signalled(struct sgc_thread *t)
{
	__builtin_unwind_init();
	volatile uintptr_t here = 0;
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	note_altstack(t);
	t->blocked_sp = (uintptr_t)&here;
	/* Atomic: GC_suspend_thread read it before signalling, and a signal
	 * is no synchronisation that ThreadSanitizer sees. */
	__atomic_store_n(&t->blocked, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&t->sig_suspended, 1, __ATOMIC_RELEASE);
	sem_post(&ack_sem);
	wait_resumed(t);
	pthread_setcancelstate(cancel, NULL);
	__asm__ __volatile__("" ::: "memory");
}

static SGC_NOINLINE void stop_self(struct sgc_thread *t);

/* What the suspend signal asks of t: a stop of the world, or a
 * suspension. */
static void answer_signal(struct sgc_thread *t)
{
	stop_self(t);
	if (__atomic_load_n(&t->suspend_req, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&t->sig_suspended, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&t->blocked, __ATOMIC_ACQUIRE))
		suspend_self_signalled(t);
}

/* Record the stack pointer with the callee-saved registers spilled above
 * it, acknowledge the stop, and wait for the restart. */
static SGC_NOINLINE void stop_self(struct sgc_thread *t)
{
	__builtin_unwind_init();
	volatile uintptr_t here = 0;
	uintptr_t epoch = sgc_load_acquire(&stop_epoch);
	/* Answer only a stop that signalled this thread, once: a repeated
	 * signal, or one left over from an earlier stop, arriving in the
	 * collecting thread or a blocked one, must not be counted. */
	if (!__atomic_load_n(&t->stopped, __ATOMIC_ACQUIRE) ||
	    sgc_load_relaxed(&t->ack_epoch) == epoch)
		return;
	/* sigsuspend is a cancellation point: a stopped thread must not be
	 * cancelled (it would run its clean-up while the world is stopped). */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	note_altstack(t);
	t->stop_sp = (uintptr_t)&here;
	long traced = sgc_trace_thread_stopped();
	sgc_store_release(&t->ack_epoch, epoch);
	sem_post(&ack_sem);
	wait_restart(epoch);
	sgc_trace_thread_resumed(traced);
	pthread_setcancelstate(cancel, NULL);
	__asm__ __volatile__("" ::: "memory");
}

static void suspend_handler(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	(void)ctx;
	int saved = errno;
	struct sgc_cache *c = sgc_tls_cache;
	if (c && c->thread) {
		if (c->critical)
			c->pending = 1;
		else
			answer_signal(c->thread);
	}
	errno = saved;
}

static void restart_handler(int sig)
{
	(void)sig; /* only wakes sigsuspend */
}

void sgc_thread_stop_pending(void)
{
	struct sgc_cache *c = sgc_tls_cache;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, sig_suspend);
	sigaddset(&block, sig_restart);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (c->pending && !c->critical) {
		c->pending = 0;
		answer_signal(c->thread);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* A registered thread that exits without unregistering. */
static void exit_destructor(void *arg)
{
	(void)arg;
	sgc_thread_unregister();
}

/* A signal number from the environment, or def. */
static int env_signal(const char *name, int def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	int n = atoi(v);
	if (n <= 0 || n >= NSIG) {
		sgc_warn("GC Warning: bad signal number in the environment"
			 " ignored\n", 0);
		return def;
	}
	return n;
}

void sgc_thread_init(void)
{
	struct sigaction sa;
	sig_suspend = env_signal("GC_SIG_SUSPEND", sig_suspend);
	sig_restart = env_signal("GC_SIG_THR_RESTART", sig_restart);
	if (sig_suspend == sig_restart)
		sgc_fatal("the suspend and restart signals must differ (%d)",
			  sig_suspend);
	if (sem_init(&ack_sem, 0, 0) != 0)
		sgc_fatal("sem_init failed");
	memset(&sa, 0, sizeof sa);
	/* Not SA_ONSTACK: the handler must run on the thread's own stack so
	 * that the signal frame (the registers) lies in the scanned range. */
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sa.sa_sigaction = suspend_handler;
	if (sigaction(sig_suspend, &sa, NULL) != 0)
		sgc_fatal("cannot install the suspend signal handler");
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	sa.sa_handler = restart_handler;
	if (sigaction(sig_restart, &sa, NULL) != 0)
		sgc_fatal("cannot install the restart signal handler");
	if (pthread_key_create(&exit_key, exit_destructor) != 0)
		sgc_fatal("pthread_key_create failed");
	struct sgc_thread *t = sgc_thread_register(0, SGC_THREAD_MAIN);
	if (!t) /* as bdwgc, which cannot start without its first heap */
		sgc_fatal("out of memory at start-up (main thread's record)");
	GC_stackbottom = (char *)t->stack_bottom;
}

int sgc_thread_suspend_signal(void)
{
	return sig_suspend;
}

int sgc_thread_restart_signal(void)
{
	return sig_restart;
}

/* A record from the free list or the system.  Registry lock held. */
static struct sgc_thread *new_record(void)
{
	struct sgc_thread *t = free_records;
	if (t)
		free_records = t->next;
	else
		t = sgc_os_alloc(sizeof *t);
	if (t)
		memset(t, 0, sizeof *t);
	return t;
}

struct sgc_thread *sgc_thread_register(uintptr_t bottom, int flags)
{
	uintptr_t lo = 0, hi = 0;
	if (self)
		return self;
	if (sgc_os_thread_stack(&lo, &hi) != 0 && !bottom)
		sgc_fatal("cannot find the stack of the thread to register");
	pthread_mutex_lock(&registry_lock);
	struct sgc_thread *t = new_record();
	struct sgc_cache *c = t ? sgc_cache_create() : NULL;
	if (!c) {
		/* Out of memory: nothing is registered; the caller reports. */
		if (t) {
			t->next = free_records;
			free_records = t;
		}
		pthread_mutex_unlock(&registry_lock);
		sgc_oom(t ? sizeof *c : sizeof *t);
		return NULL;
	}
	t->id = pthread_self();
	t->stack_bottom = bottom ? bottom : hi;
	t->stack_lo = lo;
	t->flags = flags;
	t->tp = sgc_os_thread_pointer();
	t->tid = sgc_os_thread_id();
	c->thread = t;
	t->cache = c;
	t->next = registry;
	registry = t;
	self = t;
	pthread_mutex_unlock(&registry_lock);
	pthread_setspecific(exit_key, t);
	return t;
}

void sgc_thread_unregister(void)
{
	struct sgc_thread *t = self;
	if (!t)
		return;
	struct sgc_cache *c = t->cache;
	pthread_setspecific(exit_key, NULL);
	sgc_critical_enter(c);
	sgc_cache_release_all(c);
	sgc_critical_leave(c);
	sgc_lock_stoppable(&registry_lock);
	struct sgc_thread **pp = &registry;
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	self = NULL;
	c->thread = NULL;
	sgc_cache_destroy_current();
	t->next = free_records;
	free_records = t;
	pthread_mutex_unlock(&registry_lock);
}

void sgc_thread_not_registered(const char *call)
{
	sgc_fatal("%s: called from thread %#lx, which is not registered with"
		  " the collector (create it with GC_pthread_create, or call"
		  " GC_register_my_thread first)", call,
		  (unsigned long)pthread_self());
}

/* GC_set_on_thread_event: told of each thread the collector stops and
 * restarts, from the collecting thread, registry lock held. */
static GC_on_thread_event_proc on_thread_event; /* atomic */

void GC_set_on_thread_event(GC_on_thread_event_proc fn)
{
	__atomic_store_n(&on_thread_event, fn, __ATOMIC_RELEASE);
}

GC_on_thread_event_proc GC_get_on_thread_event(void)
{
	return __atomic_load_n(&on_thread_event, __ATOMIC_ACQUIRE);
}

/* The stop has waited secs seconds for some threads: name each, and say
 * when it blocks the suspend signal (a raw sigprocmask or
 * rt_sigprocmask, which GC_pthread_sigmask cannot filter).  The stop
 * goes on waiting: the thread may unblock the signal, which then stops
 * it.  Registry lock held. */
static void report_unstopped(uintptr_t epoch, unsigned secs)
{
	for (struct sgc_thread *t = registry; t; t = t->next) {
		if (!t->stopped || sgc_load_acquire(&t->ack_epoch) == epoch)
			continue;
		int blocks = sgc_os_thread_blocks_signal(t->tid, sig_suspend);
		if (blocks == 1)
			sgc_log("thread %ld (pthread %#lx) has not stopped for a"
				" collection in %u s: it blocks signal %d, the"
				" collector's suspend signal; the collection waits"
				" until it unblocks it (block signals with"
				" GC_pthread_sigmask, or pthread_sigmask with"
				" <gc.h>'s redirects, which leave that signal"
				" deliverable)", t->tid, (unsigned long)t->id,
				secs, sig_suspend);
		else
			sgc_log("thread %ld (pthread %#lx) has not stopped for a"
				" collection in %u s (it does not block signal"
				" %d)", t->tid, (unsigned long)t->id, secs,
				sig_suspend);
	}
}

void sgc_stop_world(void)
{
	GC_on_thread_event_proc event =
		__atomic_load_n(&on_thread_event, __ATOMIC_ACQUIRE);
	unsigned n = 0;
	pthread_mutex_lock(&registry_lock);
	uintptr_t epoch = sgc_load_relaxed(&stop_epoch) + 1;
	sgc_store_release(&stop_epoch, epoch);
	for (struct sgc_thread *t = registry; t; t = t->next) {
		__atomic_store_n(&t->stopped, 0, __ATOMIC_RELEASE);
		if (t == self || t->blocked)
			continue;
		__atomic_store_n(&t->stopped, 1, __ATOMIC_RELEASE);
		int rc = pthread_kill(t->id, sig_suspend);
		if (rc == 0) {
			n++;
			if (event)
				event(GC_EVENT_THREAD_SUSPENDED, (void *)t->id);
		} else {
			__atomic_store_n(&t->stopped, 0, __ATOMIC_RELEASE);
			if (rc == ESRCH)
				continue;
			sgc_fatal("cannot signal a thread to stop: %s",
				  strerror(rc));
		}
	}
	/* Wait for every answer; a thread that has not answered after a
	 * while is signalled again, as bdwgc does (a signal can be lost to a
	 * thread between two stops, or under a sanitizer's signal layer). */
	unsigned waits = 0;
	while (n > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (sem_timedwait(&ack_sem, &ts) == 0) {
			n--;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != ETIMEDOUT)
			sgc_fatal("sem_timedwait failed while stopping the world");
		if (++waits % 20 == 0)
			sgc_log("still waiting for %u thread(s) to stop", n);
		if (waits == 40 || (waits > 40 && waits % 200 == 0))
			report_unstopped(epoch, waits / 20);
		for (struct sgc_thread *t = registry; t; t = t->next)
			if (t->stopped &&
			    sgc_load_acquire(&t->ack_epoch) != epoch)
				pthread_kill(t->id, sig_suspend);
	}
	/* No fence needed: each answer was taken by a successful
	 * sem_timedwait, which synchronises with the stopped thread's
	 * sem_post (POSIX memory synchronisation), so its stop_sp, stack and
	 * registers are visible here. */
}

void sgc_start_world(void)
{
	GC_on_thread_event_proc event =
		__atomic_load_n(&on_thread_event, __ATOMIC_ACQUIRE);
	uintptr_t epoch = sgc_load_relaxed(&stop_epoch);
	sgc_store_release(&restart_epoch, epoch);
	for (struct sgc_thread *t = registry; t; t = t->next) {
		if (!__atomic_load_n(&t->stopped, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&t->stopped, 0, __ATOMIC_RELEASE);
		pthread_kill(t->id, sig_restart);
		if (event)
			event(GC_EVENT_THREAD_UNSUSPENDED, (void *)t->id);
	}
	pthread_mutex_unlock(&registry_lock);
}

/* t was stopped at sp inside [alo, ahi), its alternate signal stack:
 * scan that from sp, and the normal stack whole (the interrupted
 * normal-stack pointer is somewhere in the frames on the alternate
 * stack, not known here). */
static void scan_on_altstack(sgc_range_fn fn, struct sgc_thread *t,
			     uintptr_t sp, uintptr_t ahi, uintptr_t bottom)
{
	fn(sp, ahi);
	uintptr_t lo, hi = bottom;
	if (t->norm_hi > t->norm_lo && t->norm_lo < bottom &&
	    bottom <= t->norm_hi) {
		lo = t->norm_lo; /* GC_register_altstack's range */
	} else {
		lo = t->stack_lo ? t->stack_lo : bottom;
		lo = sgc_os_mapped_from(lo, sgc_round_up(hi, sgc_os_page_size()));
	}
	lo = sgc_round_up(lo, sizeof(void *));
	if (lo < hi)
		fn(lo, hi);
}

/* Scan the live part of t's stack, from sp to its bottom. */
static void scan_stack(sgc_range_fn fn, struct sgc_thread *t, uintptr_t sp)
{
	uintptr_t bottom = t->stack_bottom;
	if ((t->flags & SGC_THREAD_MAIN) && GC_stackbottom)
		bottom = (uintptr_t)GC_stackbottom;
	if (t->on_alt_hi && sp >= t->on_alt_lo && sp < t->on_alt_hi) {
		scan_on_altstack(fn, t, sp, t->on_alt_hi, bottom);
		return;
	}
	if (t->alt_hi && sp >= t->alt_lo && sp < t->alt_hi) {
		scan_on_altstack(fn, t, sp, t->alt_hi, bottom);
		return;
	}
	if (sp > bottom)
		sgc_fatal("thread %#lx: stack pointer %p is above its stack bottom"
			  " %p (switched stacks without GC_set_stackbottom?)",
			  (unsigned long)t->id, (void *)sp, (void *)bottom);
	fn(sp, bottom);
}

static void scan_self(sgc_range_fn fn)
{
	volatile uintptr_t here = 0;
	note_altstack(self);
	scan_stack(fn, self, (uintptr_t)&here & ~(sizeof(void *) - 1));
}

/* Spill the caller's registers into this frame, then scan from below it. */
static SGC_NOINLINE void scan_self_spilled(sgc_range_fn fn)
{
	__builtin_unwind_init();
	scan_self(fn);
	__asm__ __volatile__("" ::: "memory");
}

static void exit_rec_scan(sgc_range_fn fn);

void sgc_thread_scan_stacks(sgc_range_fn fn)
{
	for (struct sgc_thread *t = registry; t; t = t->next) {
		if (t == self)
			scan_self_spilled(fn);
		else if (t->blocked)
			scan_stack(fn, t, t->blocked_sp);
		else if (t->stopped)
			scan_stack(fn, t, t->stop_sp);
	}
	if (!self) /* a collection from an unregistered thread */
		sgc_fatal("collection from an unregistered thread");
	exit_rec_scan(fn);
}

/* ---- Static TLS (roots.c) ---- */

void sgc_thread_for_each_tp(void (*fn)(uintptr_t tp))
{
	for (struct sgc_thread *t = registry; t; t = t->next)
		if (t->tp)
			fn(t->tp);
}

size_t sgc_thread_count(void)
{
	size_t n = 0;
	pthread_mutex_lock(&registry_lock);
	for (struct sgc_thread *t = registry; t; t = t->next)
		if (!(t->flags & SGC_THREAD_INTERNAL))
			n++;
	pthread_mutex_unlock(&registry_lock);
	return n;
}

void sgc_thread_fork_child(void)
{
	/* Only the forking thread lives on (the world was stopped around the
	 * fork, the registry lock is ours): drop the others' records after
	 * returning their caches' spans. */
	struct sgc_thread *t = registry, *next;
	registry = NULL;
	for (; t; t = next) {
		next = t->next;
		if (t == self) {
			t->next = registry;
			registry = t;
			continue;
		}
		if (t->cache) {
			sgc_cache_release_all(t->cache);
			sgc_cache_forget(t->cache);
		}
		t->next = free_records;
		free_records = t;
	}
	if (self)
		self->id = pthread_self();
	sem_destroy(&ack_sem);
	sem_init(&ack_sem, 0, 0);
	pthread_mutex_unlock(&registry_lock);
}

/* ---- Exit values of joinable threads ----
 *
 * A thread created by GC_pthread_create may return (or pass to
 * GC_pthread_exit) an object that nothing else references: between the
 * thread's exit and its join, only the exit status holds it, in memory
 * the collector does not scan.  So each joinable thread created through
 * the wrapper gets an exit record, made before the thread starts and kept
 * until GC_pthread_join or GC_pthread_detach; the value stored in it at
 * exit is a root of every mark.  The records are independent of the
 * thread's registration (a thread may unregister, or register again in a
 * TLS destructor, before it ends).
 *
 * Registry lock guards the list and every field.  Records are the C
 * allocator's; they are never in the collected heap.
 */
struct exit_rec {
	struct exit_rec *next;
	pthread_t id;       /* set by the thread itself before it runs fn */
	void *value;        /* the exit value, a root once exited */
	int exited;
	int detached;       /* GC_pthread_detach before the exit: drop at exit */
};

static struct exit_rec *exit_recs;        /* registry lock */
static __thread struct exit_rec *my_exit; /* the calling thread's record */

static void exit_unlink(struct exit_rec *e)
{
	struct exit_rec **pp = &exit_recs;
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
}

/* The calling thread starts: note its id, and drop records of exited
 * threads with the same id (joined or detached without the wrappers:
 * the id could not have been reused otherwise). */
static void exit_rec_start(struct exit_rec *e)
{
	struct exit_rec *stale = NULL;
	sgc_lock_stoppable(&registry_lock);
	e->id = pthread_self();
	for (struct exit_rec **pp = &exit_recs; *pp;) {
		struct exit_rec *x = *pp;
		if (x != e && x->exited && pthread_equal(x->id, e->id)) {
			*pp = x->next;
			x->next = stale;
			stale = x;
		} else {
			pp = &x->next;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	my_exit = e;
	while (stale) {
		struct exit_rec *x = stale;
		stale = x->next;
		free(x);
	}
}

/* Store the calling thread's exit value (it exits through a return or
 * GC_pthread_exit); have_value 0 for an exit by cancellation or plain
 * pthread_exit, whose value the collector cannot see. */
static void exit_rec_finish(void *value, int have_value)
{
	struct exit_rec *e = my_exit;
	if (!e)
		return;
	sgc_lock_stoppable(&registry_lock);
	if (have_value)
		e->value = value;
	if (e->exited) { /* GC_pthread_exit, then the clean-up handler */
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	e->exited = 1;
	int drop = e->detached;
	if (drop)
		exit_unlink(e);
	pthread_mutex_unlock(&registry_lock);
	if (drop) {
		my_exit = NULL;
		free(e);
	}
}

/* The thread id was joined or detached: forget its value.  Only a record
 * of an exited thread is dropped; a running thread's is marked detached
 * (dropped when the thread exits). */
static void exit_rec_release(pthread_t id, int joined)
{
	struct exit_rec *drop = NULL, *running = NULL;
	sgc_lock_stoppable(&registry_lock);
	for (struct exit_rec *e = exit_recs; e; e = e->next) {
		if (!pthread_equal(e->id, id))
			continue;
		if (e->exited) {
			drop = e;
			break;
		}
		running = e;
	}
	if (drop)
		exit_unlink(drop);
	else if (running && !joined)
		running->detached = 1;
	pthread_mutex_unlock(&registry_lock);
	free(drop);
}

size_t sgc_thread_exit_values(void)
{
	size_t n = 0;
	sgc_lock_stoppable(&registry_lock);
	for (struct exit_rec *e = exit_recs; e; e = e->next)
		n += e->exited;
	pthread_mutex_unlock(&registry_lock);
	return n;
}

/* World stopped (registry lock held by the stopper): the exit values are
 * roots. */
static void exit_rec_scan(sgc_range_fn fn)
{
	for (struct exit_rec *e = exit_recs; e; e = e->next)
		if (e->exited && e->value)
			fn((uintptr_t)&e->value, (uintptr_t)(&e->value + 1));
}

/* ---- The public thread API ---- */

int GC_get_suspend_signal(void)
{
	return sig_suspend;
}

int GC_get_thr_restart_signal(void)
{
	return sig_restart;
}

void GC_set_suspend_signal(int sig)
{
	if (!GC_is_init_called())
		sig_suspend = sig;
}

void GC_set_thr_restart_signal(int sig)
{
	if (!GC_is_init_called())
		sig_restart = sig;
}

void GC_allow_register_threads(void)
{
	sgc_ensure_init();
	__atomic_store_n(&allow_register, 1, __ATOMIC_RELEASE);
}

int GC_register_my_thread(const struct GC_stack_base *sb)
{
	sgc_ensure_init();
	if (self)
		return GC_DUPLICATE;
	if (!__atomic_load_n(&allow_register, __ATOMIC_ACQUIRE))
		sgc_fatal("GC_register_my_thread: call GC_allow_register_threads"
			  " first");
	if (!sgc_thread_register((uintptr_t)sb->mem_base, 0))
		return GC_NO_MEMORY;
	return GC_SUCCESS;
}

int GC_unregister_my_thread(void)
{
	sgc_thread_unregister();
	return GC_SUCCESS;
}

int GC_thread_is_registered(void)
{
	return self != NULL;
}

int GC_get_stack_base(struct GC_stack_base *sb)
{
	uintptr_t lo, hi;
	if (sgc_os_thread_stack(&lo, &hi) != 0)
		return GC_UNIMPLEMENTED;
	sb->mem_base = (void *)hi;
	return GC_SUCCESS;
}

void *GC_call_with_stack_base(GC_stack_base_func fn, void *arg)
{
	struct GC_stack_base sb;
	volatile int here;
	sb.mem_base = (void *)&here;
	return fn(&sb, arg);
}

void *GC_get_my_stackbottom(struct GC_stack_base *sb)
{
	struct sgc_thread *t = self;
	if (!t) {
		sb->mem_base = NULL;
		return NULL;
	}
	sb->mem_base = (t->flags & SGC_THREAD_MAIN) && GC_stackbottom ?
			       (void *)GC_stackbottom : (void *)t->stack_bottom;
	return t;
}

void GC_set_stackbottom(void *handle, const struct GC_stack_base *sb)
{
	struct sgc_thread *t = handle ? handle : self;
	if (!t) {
		/* Before threads exist: bdwgc sets the main stack bottom. */
		GC_stackbottom = sb->mem_base;
		return;
	}
	t->stack_bottom = (uintptr_t)sb->mem_base;
	if (t->flags & SGC_THREAD_MAIN)
		GC_stackbottom = sb->mem_base;
}

/* Become active again after a blocked section: the world lock taken, and
 * while GC_suspend_thread has asked this thread to stay suspended, let go
 * of it and wait (the stack stays scanned from blocked_sp meanwhile). */
static void leave_blocked(struct sgc_thread *t)
{
	sgc_world_lock_acquire();
	while (__atomic_load_n(&t->suspend_req, __ATOMIC_ACQUIRE)) {
		sgc_world_lock_release();
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
		sgc_world_lock_acquire();
	}
	t->blocked = 0;
	sgc_world_lock_release();
}

/* Run fn outside the collector's view of this thread's registers: they are
 * spilled here, and the stack is scanned from here up while fn runs. */
static SGC_NOINLINE void *do_blocking(struct sgc_thread *t, GC_fn_type fn,
				      void *arg)
{
	__builtin_unwind_init();
	volatile uintptr_t here = 0;
	sgc_world_lock_acquire();
	note_altstack(t);
	t->blocked_sp = (uintptr_t)&here & ~(sizeof(void *) - 1);
	t->blocked = 1;
	sgc_world_lock_release();
	void *r = fn(arg);
	leave_blocked(t);
	return r;
}

void *GC_do_blocking(GC_fn_type fn, void *arg)
{
	struct sgc_thread *t = self;
	if (!t || t->blocked)
		return fn(arg);
	return do_blocking(t, fn, arg);
}

void *GC_call_with_gc_active(GC_fn_type fn, void *arg)
{
	struct sgc_thread *t = self;
	if (!t || !t->blocked)
		return fn(arg);
	leave_blocked(t);
	void *r = fn(arg);
	sgc_world_lock_acquire();
	t->blocked = 1;
	sgc_world_lock_release();
	return r;
}

void *GC_call_with_alloc_lock(GC_fn_type fn, void *arg)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	void *r = fn(arg);
	sgc_world_lock_release();
	return r;
}

struct start_info {
	void *(*fn)(void *);
	void *arg;
	struct exit_rec *exit; /* NULL for a thread created detached */
	sem_t registered;
	int failed; /* out of memory for the thread's record */
};

static void unregister_cleanup(void *arg)
{
	(void)arg;
	exit_rec_finish(NULL, 0);
	sgc_thread_unregister();
}

static void *start_routine(void *p)
{
	struct start_info *si = p;
	if (!sgc_thread_register(0, 0)) {
		si->failed = 1; /* the creator reports ENOMEM */
		sem_post(&si->registered);
		return NULL;
	}
	if (si->exit)
		exit_rec_start(si->exit);
	void *(*fn)(void *) = si->fn;
	void *volatile arg = si->arg; /* now on our scanned stack */
	sem_post(&si->registered);
	void *r;
	pthread_cleanup_push(unregister_cleanup, NULL);
	r = fn(arg);
	exit_rec_finish(r, 1);
	pthread_cleanup_pop(1);
	return r;
}

int GC_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		      void *(*fn)(void *), void *arg)
{
	struct start_info si;
	int detach = PTHREAD_CREATE_JOINABLE;
	sgc_ensure_init();
	/* As in bdwgc: once the program creates threads through the
	 * wrappers, threads may also register themselves. */
	__atomic_store_n(&allow_register, 1, __ATOMIC_RELEASE);
	if (attr && pthread_attr_getdetachstate(attr, &detach) != 0)
		return EINVAL;
	si.fn = fn;
	si.arg = arg;
	si.exit = NULL;
	si.failed = 0;
	if (detach != PTHREAD_CREATE_DETACHED) {
		si.exit = calloc(1, sizeof *si.exit);
		if (!si.exit)
			return EAGAIN;
	}
	if (sem_init(&si.registered, 0, 0) != 0) {
		free(si.exit);
		return errno;
	}
	if (si.exit) {
		sgc_lock_stoppable(&registry_lock);
		si.exit->next = exit_recs;
		exit_recs = si.exit;
		pthread_mutex_unlock(&registry_lock);
	}
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	int rc = pthread_create(thread, attr, start_routine, &si);
	if (rc == 0) {
		/* Keep arg reachable from here until the child holds it. */
		while (sem_wait(&si.registered) != 0 && errno == EINTR)
			;
		if (si.failed) {
			/* As bdwgc: ENOMEM, the client's function never ran.
			 * Reap the thread, which returns at once. */
			if (detach == PTHREAD_CREATE_JOINABLE)
				pthread_join(*thread, NULL);
			rc = ENOMEM;
		}
	}
	if (rc != 0 && si.exit) {
		sgc_lock_stoppable(&registry_lock);
		exit_unlink(si.exit);
		pthread_mutex_unlock(&registry_lock);
		free(si.exit);
	}
	pthread_setcancelstate(cancel, NULL);
	sem_destroy(&si.registered);
	return rc;
}

int GC_pthread_join(pthread_t thread, void **retval)
{
	int rc = pthread_join(thread, retval);
	if (rc == 0)
		exit_rec_release(thread, 1);
	return rc;
}

int GC_pthread_detach(pthread_t thread)
{
	int rc = pthread_detach(thread);
	if (rc == 0)
		exit_rec_release(thread, 0);
	return rc;
}

int GC_pthread_cancel(pthread_t thread)
{
	return pthread_cancel(thread);
}

void GC_pthread_exit(void *retval)
{
	/* Kept until the join, unlike bdwgc, which loses it. */
	exit_rec_finish(retval, 1);
	pthread_exit(retval);
}

int GC_pthread_sigmask(int how, const sigset_t *set, sigset_t *oset)
{
	sigset_t fixed;
	if (set && (how == SIG_BLOCK || how == SIG_SETMASK)) {
		/* The collector's signals stay deliverable. */
		fixed = *set;
		sigdelset(&fixed, sig_suspend);
		sigdelset(&fixed, sig_restart);
		set = &fixed;
	}
	return pthread_sigmask(how, set, oset);
}

void *GC_dlopen(const char *path, int mode)
{
	/* No collection while the loader maps the object: its static data
	 * would be missed or half seen. */
	sgc_ensure_init();
	GC_disable();
	void *h = dlopen(path, mode);
	GC_enable();
	return h;
}

/* ---- Suspension, explicit stops, the allocation lock, alt stacks ---- */

/* The record of the registered thread id, or NULL.  World lock held. */
static struct sgc_thread *find_thread(pthread_t id)
{
	struct sgc_thread *t;
	pthread_mutex_lock(&registry_lock);
	for (t = registry; t; t = t->next)
		if (pthread_equal(t->id, id) && !(t->flags & SGC_THREAD_INTERNAL))
			break;
	pthread_mutex_unlock(&registry_lock);
	return t;
}

static void *GC_CALLBACK wait_self_resumed(void *arg)
{
	struct sgc_thread *t = arg;
	while (__atomic_load_n(&t->suspend_req, __ATOMIC_ACQUIRE)) {
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void GC_suspend_thread(void *thread)
{
	pthread_t id = (pthread_t)thread;
	if (!GC_is_init_called())
		return;
	sgc_world_lock_acquire();
	struct sgc_thread *t = find_thread(id);
	if (!t || t->suspend_req) {
		sgc_world_lock_release();
		return;
	}
	__atomic_store_n(&t->suspend_req, 1, __ATOMIC_RELEASE);
	if (t == self) {
		/* Wait, blocked, for another thread's GC_resume_thread. */
		sgc_world_lock_release();
		GC_do_blocking(wait_self_resumed, t);
		return;
	}
	if (__atomic_load_n(&t->blocked, __ATOMIC_ACQUIRE)) {
		/* In GC_do_blocking: it waits when it comes back. */
		sgc_world_lock_release();
		return;
	}
	int rc = pthread_kill(t->id, sig_suspend);
	if (rc == 0) {
		while (sem_wait(&ack_sem) != 0)
			if (errno != EINTR)
				sgc_fatal("GC_suspend_thread: sem_wait failed");
	} else {
		__atomic_store_n(&t->suspend_req, 0, __ATOMIC_RELEASE);
	}
	sgc_world_lock_release();
}

void GC_resume_thread(void *thread)
{
	pthread_t id = (pthread_t)thread;
	if (!GC_is_init_called())
		return;
	sgc_world_lock_acquire();
	struct sgc_thread *t = find_thread(id);
	if (t && t->suspend_req) {
		if (t->sig_suspended) {
			/* Leaves the handler as an ordinary running thread. */
			__atomic_store_n(&t->blocked, 0, __ATOMIC_RELEASE);
			__atomic_store_n(&t->sig_suspended, 0, __ATOMIC_RELEASE);
		}
		__atomic_store_n(&t->suspend_req, 0, __ATOMIC_RELEASE);
		pthread_kill(t->id, sig_restart);
	}
	sgc_world_lock_release();
}

int GC_is_thread_suspended(void *thread)
{
	pthread_t id = (pthread_t)thread;
	if (!GC_is_init_called())
		return 0;
	sgc_world_lock_acquire();
	struct sgc_thread *t = find_thread(id);
	int r = t && t->suspend_req;
	sgc_world_lock_release();
	return r;
}

void GC_stop_world_external(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
	sgc_stop_world();
}

void GC_start_world_external(void)
{
	sgc_start_world();
	sgc_world_lock_release();
}

void GC_alloc_lock(void)
{
	sgc_ensure_init();
	sgc_world_lock_acquire();
}

void GC_alloc_unlock(void)
{
	sgc_world_lock_release();
}

void GC_register_altstack(void *stack, GC_word stack_size, void *alt,
			  GC_word alt_size)
{
	struct sgc_thread *t = self;
	if (!t)
		return; /* bdwgc: an unregistered thread is ignored */
	t->norm_lo = (uintptr_t)stack;
	t->norm_hi = (uintptr_t)stack + stack_size;
	t->alt_lo = (uintptr_t)alt;
	t->alt_hi = (uintptr_t)alt + alt_size;
}
