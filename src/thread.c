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
static int allow_register;              /* GC_allow_register_threads */
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
			stop_self(c->thread);
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
		stop_self(c->thread);
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
	if (t)
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
		return NULL;
	if (sgc_os_thread_stack(&lo, &hi) != 0 && !bottom)
		sgc_fatal("cannot find the stack of the thread to register");
	pthread_mutex_lock(&registry_lock);
	struct sgc_thread *t = new_record();
	if (!t)
		sgc_fatal("out of memory for a thread record");
	t->id = pthread_self();
	t->stack_bottom = bottom ? bottom : hi;
	t->stack_lo = lo;
	t->flags = flags;
	t->tp = sgc_os_thread_pointer();
	struct sgc_cache *c = sgc_cache_create();
	if (!c)
		sgc_fatal("out of memory for a thread cache");
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

void sgc_stop_world(void)
{
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
	uintptr_t epoch = sgc_load_relaxed(&stop_epoch);
	sgc_store_release(&restart_epoch, epoch);
	for (struct sgc_thread *t = registry; t; t = t->next) {
		if (!__atomic_load_n(&t->stopped, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&t->stopped, 0, __ATOMIC_RELEASE);
		pthread_kill(t->id, sig_restart);
	}
	pthread_mutex_unlock(&registry_lock);
}

/* Scan the live part of t's stack, from sp to its bottom. */
static void scan_stack(sgc_range_fn fn, struct sgc_thread *t, uintptr_t sp)
{
	uintptr_t bottom = t->stack_bottom;
	if ((t->flags & SGC_THREAD_MAIN) && GC_stackbottom)
		bottom = (uintptr_t)GC_stackbottom;
	if (sp > bottom)
		sgc_fatal("thread %#lx: stack pointer %p is above its stack bottom"
			  " %p (switched stacks without GC_set_stackbottom?)",
			  (unsigned long)t->id, (void *)sp, (void *)bottom);
	fn(sp, bottom);
}

static void scan_self(sgc_range_fn fn)
{
	volatile uintptr_t here = 0;
	scan_stack(fn, self, (uintptr_t)&here & ~(sizeof(void *) - 1));
}

/* Spill the caller's registers into this frame, then scan from below it. */
static SGC_NOINLINE void scan_self_spilled(sgc_range_fn fn)
{
	__builtin_unwind_init();
	scan_self(fn);
	__asm__ __volatile__("" ::: "memory");
}

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
	sgc_thread_register((uintptr_t)sb->mem_base, 0);
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

/* Run fn outside the collector's view of this thread's registers: they are
 * spilled here, and the stack is scanned from here up while fn runs. */
static SGC_NOINLINE void *do_blocking(struct sgc_thread *t, GC_fn_type fn,
				      void *arg)
{
	__builtin_unwind_init();
	volatile uintptr_t here = 0;
	sgc_world_lock_acquire();
	t->blocked_sp = (uintptr_t)&here & ~(sizeof(void *) - 1);
	t->blocked = 1;
	sgc_world_lock_release();
	void *r = fn(arg);
	sgc_world_lock_acquire();
	t->blocked = 0;
	sgc_world_lock_release();
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
	sgc_world_lock_acquire();
	t->blocked = 0;
	sgc_world_lock_release();
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
	sem_t registered;
};

static void unregister_cleanup(void *arg)
{
	(void)arg;
	sgc_thread_unregister();
}

static void *start_routine(void *p)
{
	struct start_info *si = p;
	sgc_thread_register(0, 0);
	void *(*fn)(void *) = si->fn;
	void *volatile arg = si->arg; /* now on our scanned stack */
	sem_post(&si->registered);
	void *r;
	pthread_cleanup_push(unregister_cleanup, NULL);
	r = fn(arg);
	pthread_cleanup_pop(1);
	return r;
}

int GC_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		      void *(*fn)(void *), void *arg)
{
	struct start_info si;
	sgc_ensure_init();
	si.fn = fn;
	si.arg = arg;
	if (sem_init(&si.registered, 0, 0) != 0)
		return errno;
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	int rc = pthread_create(thread, attr, start_routine, &si);
	if (rc == 0) {
		/* Keep arg reachable from here until the child holds it. */
		while (sem_wait(&si.registered) != 0 && errno == EINTR)
			;
	}
	pthread_setcancelstate(cancel, NULL);
	sem_destroy(&si.registered);
	return rc;
}

int GC_pthread_join(pthread_t thread, void **retval)
{
	return pthread_join(thread, retval);
}

int GC_pthread_detach(pthread_t thread)
{
	return pthread_detach(thread);
}

int GC_pthread_cancel(pthread_t thread)
{
	return pthread_cancel(thread);
}

void GC_pthread_exit(void *retval)
{
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
