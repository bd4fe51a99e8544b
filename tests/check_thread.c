/*
 * check_thread.c: the thread layer.  Threads that create and join threads
 * while allocating and verifying their own structures across many
 * collections; registration of foreign threads; GC_do_blocking and
 * GC_call_with_gc_active; a coroutine-style stack switch with
 * GC_set_stackbottom; fork from a threaded program; the pthread wrappers;
 * and parallel marking against a single marker.
 */
#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1 /* plain pthread_create stays plain here */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "testutil.h"
#include "cache.h"
#include "central.h"
#include "heap.h"
#include "mark.h"
#include "os.h"
#include "thread.h"

struct node {
	struct node *next;
	uintptr_t check;
	char pad[40];
};

static uintptr_t tag(uintptr_t owner, size_t i)
{
	return (owner * 2654435761u) ^ (i * 40503u) ^ 0x5a5a5a5a;
}

/* A list of n nodes owned by owner; the pad holds a byte pattern. */
static struct node *make_list(uintptr_t owner, size_t n)
{
	struct node *head = NULL;
	for (size_t i = 0; i < n; i++) {
		struct node *x = GC_MALLOC(sizeof *x);
		if (!x)
			ck_abort_msg("out of memory");
		x->next = head;
		x->check = tag(owner, n - 1 - i);
		memset(x->pad, (int)(x->check & 0xff), sizeof x->pad);
		head = x;
	}
	return head;
}

static int list_ok(const struct node *x, uintptr_t owner, size_t n)
{
	for (size_t i = 0; i < n; i++, x = x->next) {
		if (!x || x->check != tag(owner, i))
			return 0;
		for (size_t k = 0; k < sizeof x->pad; k++)
			if ((unsigned char)x->pad[k] != (x->check & 0xff))
				return 0;
	}
	return x == NULL;
}

/* ---- many threads, creating threads ---- */

struct worker_arg {
	uintptr_t id;
	int depth;  /* create children this many levels down */
	int rounds;
	int failed;
};

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct node *mine = make_list(a->id, 300);
	pthread_t child;
	struct worker_arg *ca = NULL;
	if (a->depth > 0) {
		ca = GC_MALLOC(sizeof *ca); /* reachable only from here */
		ca->id = a->id * 7 + 1;
		ca->depth = a->depth - 1;
		ca->rounds = a->rounds;
		if (GC_pthread_create(&child, NULL, worker, ca) != 0)
			a->failed = 1;
	}
	for (int r = 0; r < a->rounds; r++) {
		struct node *tmp = make_list(a->id + 1000 + (uintptr_t)r, 200);
		for (int k = 0; k < 300; k++)
			(void)GC_MALLOC(64 + k % 200); /* garbage */
		if (!list_ok(tmp, a->id + 1000 + (uintptr_t)r, 200) ||
		    !list_ok(mine, a->id, 300))
			a->failed = 1;
		if (r % 25 == 0)
			GC_gcollect();
	}
	if (ca) {
		GC_pthread_join(child, NULL);
		if (ca->failed)
			a->failed = 1;
	}
	return NULL;
}

static void run_workers(int nthreads, int depth, int rounds)
{
	pthread_t t[32];
	struct worker_arg *a[32];
	unsigned long gc0 = GC_get_gc_no();
	for (int i = 0; i < nthreads; i++) {
		a[i] = GC_MALLOC(sizeof *a[i]);
		a[i]->id = (uintptr_t)i + 1;
		a[i]->depth = depth;
		a[i]->rounds = rounds;
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, worker, a[i]), 0);
	}
	for (int i = 0; i < nthreads; i++) {
		ck_assert_int_eq(GC_pthread_join(t[i], NULL), 0);
		ck_assert_msg(!a[i]->failed, "thread %d saw corrupt data", i);
	}
	ck_assert_uint_gt(GC_get_gc_no(), gc0 + 3);
}

START_TEST(test_threads_2) { run_workers(2, 2, 100); }
END_TEST
START_TEST(test_threads_8) { run_workers(8, 1, 60); }
END_TEST
START_TEST(test_threads_32) { run_workers(32, 0, 30); }
END_TEST

/* ---- foreign threads ---- */

/* What a foreign thread saw; the main thread asserts on it.  No Check
 * assertion runs in a thread while it is registered: Check serialises
 * them with a mutex, and under ThreadSanitizer a thread waiting in
 * pthread_mutex_lock takes no signal until it has the lock, so a thread
 * stopped while holding Check's mutex would hang the collection. */
struct foreign_result {
	int unregistered_before, stack_base, registered, duplicate;
	int is_registered, list_kept, unregistered, unregistered_after;
};

static void *foreign(void *p)
{
	struct GC_stack_base sb;
	struct foreign_result *r = p;
	r->unregistered_before = GC_thread_is_registered() == 0;
	r->stack_base = GC_get_stack_base(&sb) == GC_SUCCESS;
	r->registered = GC_register_my_thread(&sb) == GC_SUCCESS;
	r->duplicate = GC_register_my_thread(&sb) == GC_DUPLICATE;
	r->is_registered = GC_thread_is_registered() == 1;
	struct node *l = make_list(77, 500);
	for (int i = 0; i < 20; i++) {
		make_list(78, 500); /* garbage */
		GC_gcollect();
	}
	r->list_kept = list_ok(l, 77, 500);
	r->unregistered = GC_unregister_my_thread() == GC_SUCCESS;
	r->unregistered_after = GC_thread_is_registered() == 0;
	return NULL;
}

START_TEST(test_foreign_thread)
{
	pthread_t t[4];
	struct foreign_result r[4];
	memset(r, 0, sizeof r);
	GC_allow_register_threads();
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, foreign, &r[i]), 0);
	struct node *l = make_list(5, 1000);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++) {
		ck_assert(r[i].unregistered_before);
		ck_assert(r[i].stack_base);
		ck_assert(r[i].registered);
		ck_assert(r[i].duplicate);
		ck_assert(r[i].is_registered);
		ck_assert(r[i].list_kept);
		ck_assert(r[i].unregistered);
		ck_assert(r[i].unregistered_after);
	}
	GC_gcollect();
	ck_assert(list_ok(l, 5, 1000));
}
END_TEST

/* Out of memory for a thread's record or cache (the os layer's fault
 * injector fails every request): GC_register_my_thread answers
 * GC_NO_MEMORY after the client's handler ran, GC_pthread_create answers
 * ENOMEM without running the function; with memory back, both work.
 * Before, both aborted ("out of memory for a thread record").  Results
 * go back to the main thread (no ck_assert in threads). */
static unsigned long oom_calls;
static void *GC_CALLBACK count_oom(size_t bytes)
{
	(void)bytes;
	__atomic_add_fetch(&oom_calls, 1, __ATOMIC_RELAXED);
	return NULL;
}

struct oom_register_result {
	int no_memory, still_unregistered, registered, list_kept, unregistered;
};

static void *register_without_memory(void *p)
{
	struct oom_register_result *r = p;
	struct GC_stack_base sb;
	GC_get_stack_base(&sb);
	sgc_os_fail_request(1, 1);
	r->no_memory = GC_register_my_thread(&sb) == GC_NO_MEMORY;
	sgc_os_fail_request(0, 0);
	r->still_unregistered = !GC_thread_is_registered();
	r->registered = GC_register_my_thread(&sb) == GC_SUCCESS;
	struct node *l = make_list(91, 300);
	GC_gcollect();
	r->list_kept = list_ok(l, 91, 300);
	r->unregistered = GC_unregister_my_thread() == GC_SUCCESS;
	return NULL;
}

static int ran_without_memory;
static void *must_not_run(void *p)
{
	(void)p;
	ran_without_memory = 1;
	return NULL;
}

static void *makes_list(void *p)
{
	(void)p;
	struct node *l = make_list(92, 300);
	GC_gcollect();
	return (void *)(uintptr_t)list_ok(l, 92, 300);
}

START_TEST(test_register_out_of_memory)
{
	/* Records and caches of exited threads are reused without asking
	 * the system: the failing attempts come before any thread exits. */
	GC_set_oom_fn(count_oom);
	GC_allow_register_threads();
	pthread_t t;
	sgc_os_fail_request(1, 1);
	int rc = GC_pthread_create(&t, NULL, must_not_run, NULL);
	sgc_os_fail_request(0, 0);
	ck_assert_int_eq(rc, ENOMEM);
	ck_assert_int_eq(ran_without_memory, 0);
	ck_assert_uint_ge(oom_calls, 1);

	unsigned long before = oom_calls;
	struct oom_register_result r;
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(pthread_create(&t, NULL, register_without_memory, &r),
			 0);
	pthread_join(t, NULL);
	ck_assert(r.no_memory);
	ck_assert(r.still_unregistered);
	ck_assert(r.registered);
	ck_assert(r.list_kept);
	ck_assert(r.unregistered);
	ck_assert_uint_gt(oom_calls, before);

	void *ok = NULL;
	ck_assert_int_eq(GC_pthread_create(&t, NULL, makes_list, NULL), 0);
	ck_assert_int_eq(GC_pthread_join(t, &ok), 0);
	ck_assert_ptr_eq(ok, (void *)1);
}
END_TEST

/* GC_base and GC_size on an object of a span that another thread is
 * allocating from: the lookup reads the span's free_index while the
 * owner advances it.  Found by the stress under ThreadSanitizer (a race
 * report, exit status 66, before free_index was written atomically);
 * elsewhere the answers are checked. */
static void *volatile lookup_target;
static int lookup_stop, lookup_bad; /* atomic */
static sem_t lookup_started;
static void *volatile lookup_keep[512];

static void *looker(void *p)
{
	(void)p;
	sem_post(&lookup_started);
	while (!__atomic_load_n(&lookup_stop, __ATOMIC_ACQUIRE)) {
		void *x = lookup_target;
		if (GC_base(x) != x || GC_size(x) < 16)
			__atomic_store_n(&lookup_bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

START_TEST(test_lookup_while_owner_allocates)
{
	lookup_target = GC_malloc(16);
	ck_assert_ptr_nonnull(lookup_target);
	ck_assert_int_eq(sem_init(&lookup_started, 0, 0), 0);
	pthread_t t;
	ck_assert_int_eq(GC_pthread_create(&t, NULL, looker, NULL), 0);
	while (sem_wait(&lookup_started) != 0)
		;
	/* Same class: the rest of lookup_target's span, then more. */
	for (int i = 0; i < 2000; i++)
		lookup_keep[i % 512] = GC_malloc(16);
	__atomic_store_n(&lookup_stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(GC_pthread_join(t, NULL), 0);
	ck_assert_int_eq(__atomic_load_n(&lookup_bad, __ATOMIC_RELAXED), 0);
	ck_assert_ptr_eq(GC_base(lookup_target), lookup_target);
	sem_destroy(&lookup_started);
}
END_TEST

static void *unregistered_alloc(void *p)
{
	(void)p;
	return GC_MALLOC(16); /* aborts: the thread is not registered */
}

START_TEST(test_unregistered_aborts)
{
	pthread_t t;
	pthread_create(&t, NULL, unregistered_alloc, NULL);
	pthread_join(t, NULL);
}
END_TEST

static void *register_without_allow(void *p)
{
	struct GC_stack_base sb;
	(void)p;
	GC_get_stack_base(&sb);
	GC_register_my_thread(&sb); /* aborts */
	return NULL;
}

START_TEST(test_register_without_allow_aborts)
{
	pthread_t t;
	pthread_create(&t, NULL, register_without_allow, NULL);
	pthread_join(t, NULL);
}
END_TEST

/* ---- GC_do_blocking ---- */

static sem_t blocked_in, blocked_out;
static int active_ok;

static void *while_blocked(void *p)
{
	(void)p;
	sem_post(&blocked_in);
	while (sem_wait(&blocked_out) != 0 && errno == EINTR)
		;
	return NULL;
}

static void *gc_active_part(void *p)
{
	struct node *l = make_list(33, 300);
	GC_gcollect();
	active_ok = list_ok(l, 33, 300) && list_ok(p, 31, 400);
	return NULL;
}

static void *blocker(void *p)
{
	int *ok = p;
	struct node *volatile l = make_list(31, 400);
	GC_do_blocking(while_blocked, NULL);
	/* Collections ran while we were blocked: our list survived. */
	ok[0] = list_ok(l, 31, 400);
	ok[1] = 1;
	return NULL;
}

static void *blocking_then_active(void *p)
{
	return GC_call_with_gc_active(gc_active_part, p);
}

START_TEST(test_do_blocking)
{
	pthread_t t;
	int ok[2] = { 0, 0 };
	sem_init(&blocked_in, 0, 0);
	sem_init(&blocked_out, 0, 0);
	ck_assert_int_eq(GC_pthread_create(&t, NULL, blocker, ok), 0);
	while (sem_wait(&blocked_in) != 0 && errno == EINTR)
		;
	/* The blocked thread never answers a stop signal: collections must
	 * not wait for it. */
	for (int i = 0; i < 10; i++) {
		make_list(9, 2000);
		GC_gcollect();
	}
	sem_post(&blocked_out);
	GC_pthread_join(t, NULL);
	ck_assert(ok[0]);
	/* GC_call_with_gc_active inside GC_do_blocking. */
	struct node *l = make_list(31, 400);
	GC_do_blocking(blocking_then_active, l);
	ck_assert(active_ok);
}
END_TEST

/* ---- coroutines ---- */

static ucontext_t main_ctx, co_ctx;
static void *co_handle;
static int co_ok;
static char *co_stack;
#define CO_STACK_SIZE (256 * 1024)

static void coroutine(void)
{
	struct GC_stack_base sb = { co_stack + CO_STACK_SIZE };
	GC_set_stackbottom(co_handle, &sb);
	struct node *volatile l = make_list(41, 2000); /* only on this stack */
	for (int i = 0; i < 5; i++) {
		make_list(42, 2000);
		GC_gcollect();
	}
	co_ok = list_ok(l, 41, 2000);
	swapcontext(&co_ctx, &main_ctx);
}

START_TEST(test_coroutine_stack)
{
	struct GC_stack_base main_sb;
	co_handle = GC_get_my_stackbottom(&main_sb);
	ck_assert_ptr_nonnull(co_handle);
	ck_assert_ptr_nonnull(main_sb.mem_base);
	co_stack = malloc(CO_STACK_SIZE);
	/* Objects on the main stack are kept through a root meanwhile. */
	static struct node *main_list;
	main_list = make_list(40, 500);
	getcontext(&co_ctx);
	co_ctx.uc_stack.ss_sp = co_stack;
	co_ctx.uc_stack.ss_size = CO_STACK_SIZE;
	co_ctx.uc_link = &main_ctx;
	makecontext(&co_ctx, coroutine, 0);
	swapcontext(&main_ctx, &co_ctx);
	GC_set_stackbottom(co_handle, &main_sb);
	ck_assert(co_ok);
	GC_gcollect();
	ck_assert(list_ok(main_list, 40, 500));
	struct GC_stack_base again;
	ck_assert_ptr_eq(GC_get_my_stackbottom(&again), co_handle);
	ck_assert_ptr_eq(again.mem_base, main_sb.mem_base);
}
END_TEST

/* ---- fork ---- */

/* The stop flags are atomic: the threads poll them unsynchronised. */
static void *busy_allocator(void *p)
{
	int *stop = p;
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED))
		make_list(50, 100);
	return NULL;
}

START_TEST(test_fork_child_allocates)
{
	static int stop;
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, busy_allocator,
						   &stop), 0);
	struct node *l = make_list(51, 1000);
	for (int k = 0; k < 3; k++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			/* The child: one thread, a usable collector.  Under
			 * ThreadSanitizer a child of a threaded process must
			 * not start threads (TSan kills it), and a collection
			 * starts helper markers and the background sweeper:
			 * there the child allocates and checks its heap
			 * without collecting (GC_gcollect does nothing). */
			if (SGC_TSAN)
				GC_disable();
			struct node *c = make_list(52, 5000);
			for (int i = 0; i < 5; i++) {
				make_list(53, 5000);
				GC_gcollect();
			}
			int good = list_ok(c, 52, 5000) && list_ok(l, 51, 1000) &&
				   sgc_verify_heap() == 0;
			_exit(good ? 0 : 1);
		}
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		GC_pthread_join(t[i], NULL);
	ck_assert(list_ok(l, 51, 1000));
}
END_TEST

/* ---- pthread wrappers ---- */

static void *exits_early(void *p)
{
	(void)make_list(60, 100);
	GC_pthread_exit(p);
	return NULL;
}

static void *loops_until_cancelled(void *p)
{
	(void)p;
	for (;;) {
		make_list(61, 50);
		pthread_testcancel();
	}
	return NULL;
}

static void *detached(void *p)
{
	sem_t *done = p;
	make_list(62, 100);
	sem_post(done);
	return NULL;
}

static void *masks_signals(void *p)
{
	sigset_t all;
	int *stop = p;
	sigfillset(&all);
	/* The collector's signals stay deliverable. */
	GC_pthread_sigmask(SIG_BLOCK, &all, NULL);
	struct node *l = make_list(63, 300);
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED))
		make_list(64, 50);
	return list_ok(l, 63, 300) ? p : NULL;
}

START_TEST(test_pthread_wrappers)
{
	pthread_t t;
	void *ret;
	sem_t done;
	ck_assert_int_eq(GC_pthread_create(&t, NULL, exits_early, &done), 0);
	ck_assert_int_eq(GC_pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, &done);
	ck_assert_int_eq(GC_pthread_create(&t, NULL, loops_until_cancelled, NULL), 0);
	GC_gcollect();
	ck_assert_int_eq(GC_pthread_cancel(t), 0);
	ck_assert_int_eq(GC_pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
	sem_init(&done, 0, 0);
	ck_assert_int_eq(GC_pthread_create(&t, NULL, detached, &done), 0);
	ck_assert_int_eq(GC_pthread_detach(t), 0);
	while (sem_wait(&done) != 0 && errno == EINTR)
		;
	static int stop;
	ck_assert_int_eq(GC_pthread_create(&t, NULL, masks_signals, &stop), 0);
	for (int i = 0; i < 10; i++)
		GC_gcollect(); /* would hang if the thread could not be stopped */
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	ck_assert_int_eq(GC_pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, &stop);
	ck_assert_int_eq(GC_get_suspend_signal(), SIGPWR);
	ck_assert_int_eq(GC_get_thr_restart_signal(), SIGXCPU);
}
END_TEST

/* ---- GC_call_with_alloc_lock ---- */

static void *no_collection_inside(void *p)
{
	unsigned long *gc = p;
	gc[0] = GC_get_gc_no();
	usleep(50 * 1000); /* another thread asks for a collection meanwhile */
	gc[1] = GC_get_gc_no();
	return NULL;
}

static void *collector_thread(void *p)
{
	(void)p;
	GC_gcollect();
	return NULL;
}

START_TEST(test_call_with_alloc_lock)
{
	unsigned long gc[2];
	pthread_t t;
	GC_disable();
	GC_enable();
	/* Start a thread that collects while we hold the lock. */
	struct lockarg { unsigned long *gc; } la = { gc };
	(void)la;
	ck_assert_int_eq(GC_pthread_create(&t, NULL, collector_thread, NULL), 0);
	GC_call_with_alloc_lock(no_collection_inside, gc);
	GC_pthread_join(t, NULL);
	ck_assert_uint_eq(gc[0], gc[1]);
}
END_TEST

/* ---- parallel marking ---- */

struct tree {
	struct tree *l, *r;
	uintptr_t v;
};

static struct tree *make_tree(int d)
{
	struct tree *t = GC_MALLOC(sizeof *t);
	t->v = (uintptr_t)d;
	if (d > 0) {
		t->l = make_tree(d - 1);
		t->r = make_tree(d - 1);
	}
	return t;
}

/* volatile: the stores must happen, though nothing reads them. */
static struct tree *volatile roots_for_mark[8];

/* Copy every span's mark bits (world stopped). */
static uint64_t *snapshot_marks(size_t *nwords)
{
	size_t cap = 1 << 20, n = 0;
	uint64_t *snap = malloc(cap * sizeof *snap);
	for (uintptr_t a = sgc_heap.base; a < sgc_heap.end; a += SGC_PAGE_SIZE) {
		struct sgc_span *s = sgc_span_of_heap(a);
		if (!s || s->start != a)
			continue;
		for (uint32_t i = 0; i < s->nelems; i++) {
			if (n == cap)
				snap = realloc(snap, (cap *= 2) * sizeof *snap);
			snap[n++] = s->gcmarks[i];
		}
	}
	*nwords = n;
	return snap;
}

static void clear_marks(void)
{
	for (uintptr_t a = sgc_heap.base; a < sgc_heap.end; a += SGC_PAGE_SIZE) {
		struct sgc_span *s = sgc_span_of_heap(a);
		if (s && s->start == a)
			memset(s->gcmarks, 0, sgc_span_meta_bytes(s->nelems));
	}
}

static SGC_NOINLINE void mark_with(unsigned markers, struct sgc_mark_result *r)
{
	sgc_mark_set_markers(markers);
	sgc_mark_phase(r);
}

/* Threads (more than cores) that allocate large objects while others
 * collect: each object must survive intact for as long as its thread
 * holds it.  Found a window in which a thread stopped on leaving the
 * allocator held only the large object's span, not the object, so the
 * collection freed it (one run in twenty of bench/mt_gcbench). */
#define LARGE_THREADS 8
#if defined(__SANITIZE_THREAD__)
#define LARGE_ROUNDS 30 /* ThreadSanitizer is ten times slower */
#else
#define LARGE_ROUNDS 600
#endif

static void *large_worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	for (uintptr_t r = 0; r < LARGE_ROUNDS; r++) {
		size_t words = (40000 + (r % 5) * 8192) / sizeof(uintptr_t);
		uintptr_t *a = GC_MALLOC_ATOMIC(words * sizeof *a);
		/* No ck_assert in worker threads: each one takes a lock of
		 * Check's, which a thread stopped for a collection may hold. */
		if (!a)
			ck_abort_msg("thread %lu: out of memory", (unsigned long)id);
		for (size_t i = 0; i < words; i += 97)
			a[i] = id * 1000003 + r * 7919 + i;
		for (int k = 0; k < 40; k++)
			GC_MALLOC(64); /* garbage: collections keep coming */
		if (id == 0 && r % 10 == 0)
			GC_gcollect();
		if (GC_base(a) != (void *)a)
			ck_abort_msg("thread %lu round %lu: large object %p"
				     " freed", (unsigned long)id,
				     (unsigned long)r, (void *)a);
		for (size_t i = 0; i < words; i += 97)
			if (a[i] != id * 1000003 + r * 7919 + i)
				ck_abort_msg("thread %lu round %lu: large object"
					     " %p changed at word %zu",
					     (unsigned long)id, (unsigned long)r,
					     (void *)a, i);
	}
	return NULL;
}

START_TEST(test_large_objects_threads)
{
	pthread_t t[LARGE_THREADS];
	for (uintptr_t i = 0; i < LARGE_THREADS; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, large_worker,
						   (void *)i), 0);
	for (int i = 0; i < LARGE_THREADS; i++)
		ck_assert_int_eq(GC_pthread_join(t[i], NULL), 0);
}
END_TEST

START_TEST(test_parallel_mark_equals_single)
{
	for (int i = 0; i < 8; i++)
		roots_for_mark[i] = make_tree(14);
	for (int i = 0; i < 20000; i++)
		(void)GC_MALLOC(48); /* garbage */
	GC_gcollect();
	sgc_mark_set_markers(4);
	sgc_mark_start_helpers();
	sgc_world_lock_acquire();
	sgc_stop_world();
	sgc_cache_flush_all();
	struct sgc_mark_result r1, r2;
	size_t n1, n2;
	mark_with(1, &r1);
	uint64_t *one = snapshot_marks(&n1);
	clear_marks();
	mark_with(4, &r2);
	uint64_t *many = snapshot_marks(&n2);
	clear_marks();
	sgc_start_world();
	sgc_world_lock_release();
	ck_assert_uint_eq(n1, n2);
	ck_assert_uint_ge(r1.live_objects, 8u * ((1u << 15) - 1));
	ck_assert_uint_eq(r1.live_objects, r2.live_objects);
	ck_assert_uint_eq(r1.live_scanned, r2.live_scanned);
	ck_assert_int_eq(memcmp(one, many, n1 * sizeof *one), 0);
	free(one);
	free(many);
	ck_assert_uint_ge(sgc_mark_helpers(), 1);
	ck_assert_int_ge(GC_get_parallel(), 1);
}
END_TEST

/* The helpers mark only where it pays: not over a small heap (waking
 * them costs more than they save), over a larger one every marker. */
START_TEST(test_small_heap_marks_alone)
{
	GC_gcollect();
	GC_gcollect();
	ck_assert_uint_eq(sgc_mark_last_markers(), 1);
	for (int i = 0; i < 8; i++)
		roots_for_mark[i] = make_tree(13); /* 4 MiB live */
	GC_gcollect(); /* the first to see them */
	GC_gcollect();
	ck_assert_uint_ge(sgc_mark_helpers(), 1);
	ck_assert_uint_eq(sgc_mark_last_markers(), sgc_mark_helpers() + 1);
	for (int i = 0; i < 8; i++)
		roots_for_mark[i] = NULL;
	sgc_test_clear_stack();
	GC_gcollect();
	GC_gcollect();
	ck_assert_uint_eq(sgc_mark_last_markers(), 1);
}
END_TEST

/* ---- Exit values kept until the join ---- */

#define EXIT_THREADS 8
#define EXIT_NODES 200

static sgc_atomic_word exit_finalized; /* atomic */

static void GC_CALLBACK count_exit_node(void *obj, void *cd)
{
	(void)obj;
	(void)cd;
	sgc_fetch_add(&exit_finalized, 1);
}

/* A list of EXIT_NODES nodes, each with a finalizer, that only the
 * thread's exit value references once it has ended: a return for even
 * owners, GC_pthread_exit for odd ones. */
static void *returns_list(void *p)
{
	uintptr_t owner = (uintptr_t)p;
	struct node *l = make_list(owner, EXIT_NODES);
	for (struct node *x = l; x; x = x->next)
		GC_register_finalizer_no_order(x, count_exit_node, NULL, NULL,
					       NULL);
	GC_gcollect();
	if (owner % 2)
		GC_pthread_exit(l);
	return l;
}

/* Wait until n created threads have exited without being joined. */
static void wait_exited(size_t n)
{
	while (sgc_thread_exit_values() < n)
		usleep(1000);
}

START_TEST(test_exit_value_kept_until_join)
{
	pthread_t t[EXIT_THREADS];
	void *ret[EXIT_THREADS];
	for (int i = 0; i < EXIT_THREADS; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, returns_list,
						   (void *)(uintptr_t)(200 + i)),
				 0);
	wait_exited(EXIT_THREADS);
	for (int k = 0; k < 10; k++) {
		sgc_test_collect();
		(void)GC_MALLOC(100000); /* reuse what a collection freed */
		for (int j = 0; j < 1000; j++)
			(void)GC_MALLOC(sizeof(struct node));
	}
	GC_invoke_finalizers();
	ck_assert_uint_eq(sgc_load_relaxed(&exit_finalized), 0);
	for (int i = 0; i < EXIT_THREADS; i++) {
		ck_assert_int_eq(GC_pthread_join(t[i], &ret[i]), 0);
		ck_assert_msg(list_ok(ret[i], 200 + (uintptr_t)i, EXIT_NODES),
			      "the list returned by thread %d was reclaimed", i);
	}
	ck_assert_uint_eq(sgc_thread_exit_values(), 0);
	ck_assert_uint_eq(sgc_load_relaxed(&exit_finalized), 0);
	/* Joined and dropped: now they go. */
	for (int i = 0; i < EXIT_THREADS; i++)
		ret[i] = NULL;
	for (int k = 0; k < 4; k++) {
		sgc_test_collect();
		GC_invoke_finalizers();
	}
	ck_assert_uint_eq(sgc_load_relaxed(&exit_finalized),
			  EXIT_THREADS * EXIT_NODES);
}
END_TEST

START_TEST(test_exit_value_dropped_at_detach)
{
	pthread_t t;
	/* Detached after it ended, and before. */
	ck_assert_int_eq(GC_pthread_create(&t, NULL, returns_list,
					   (void *)(uintptr_t)300), 0);
	wait_exited(1);
	ck_assert_int_eq(GC_pthread_detach(t), 0);
	ck_assert_uint_eq(sgc_thread_exit_values(), 0);
	sem_t go;
	sem_init(&go, 0, 0);
	ck_assert_int_eq(GC_pthread_create(&t, NULL, returns_list,
					   (void *)(uintptr_t)301), 0);
	ck_assert_int_eq(GC_pthread_detach(t), 0);
	/* The detached thread's record goes when it ends. */
	for (int k = 0; k < 10000 &&
			sgc_load_relaxed(&exit_finalized) < 2 * EXIT_NODES; k++) {
		sgc_test_collect();
		GC_invoke_finalizers();
		usleep(1000);
	}
	ck_assert_uint_eq(sgc_load_relaxed(&exit_finalized), 2 * EXIT_NODES);
	ck_assert_uint_eq(sgc_thread_exit_values(), 0);
	sem_destroy(&go);
}
END_TEST

/* ---- Registering again from a TLS destructor ---- */

static pthread_key_t tls_key;
static int tls_result[4]; /* registered, list intact, unregistered, ran */

static void tls_destructor(void *p)
{
	struct GC_stack_base sb;
	(void)p;
	tls_result[3] = 1;
	if (GC_get_stack_base(&sb) != GC_SUCCESS)
		return;
	tls_result[0] = GC_register_my_thread(&sb) == GC_SUCCESS &&
			GC_thread_is_registered();
	if (!tls_result[0])
		return;
	struct node *l = make_list(77, 500);
	GC_gcollect();
	(void)make_list(78, 500);
	GC_gcollect();
	tls_result[1] = list_ok(l, 77, 500);
	tls_result[2] = GC_unregister_my_thread() == GC_SUCCESS &&
			!GC_thread_is_registered();
}

static void *sets_tls(void *p)
{
	pthread_setspecific(tls_key, p);
	(void)make_list(76, 100);
	return NULL;
}

static void *registers_plainly(void *p)
{
	struct GC_stack_base sb;
	int *ok = p;
	GC_get_stack_base(&sb);
	*ok = GC_register_my_thread(&sb) == GC_SUCCESS;
	if (*ok) {
		*ok = list_ok(make_list(79, 100), 79, 100);
		GC_unregister_my_thread();
	}
	return NULL;
}

/* bdwgc allows GC_register_my_thread once a thread was created through
 * the wrappers, without GC_allow_register_threads: a thread's TLS
 * destructor registers it again after it unregistered on exit. */
START_TEST(test_register_in_tls_destructor)
{
	pthread_t t;
	ck_assert_int_eq(pthread_key_create(&tls_key, tls_destructor), 0);
	ck_assert_int_eq(GC_pthread_create(&t, NULL, sets_tls, &tls_key), 0);
	ck_assert_int_eq(GC_pthread_join(t, NULL), 0);
	ck_assert_msg(tls_result[3], "the TLS destructor did not run");
	ck_assert_msg(tls_result[0], "registering in the TLS destructor failed");
	ck_assert_msg(tls_result[1], "the destructor's list was reclaimed");
	ck_assert_msg(tls_result[2], "unregistering in the destructor failed");
	/* And a plain thread may now register itself too. */
	int ok = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, registers_plainly, &ok), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(ok);
	GC_gcollect();
}
END_TEST

/* ---- GC_free of another thread's objects ---- */

#define XFREE_N 300

struct xfree {
	void **objs;   /* uncollectable: XFREE_N objects of the worker */
	sem_t ready, go;
	int ok;
};

static void *allocates_for_other(void *p)
{
	struct xfree *x = p;
	for (int i = 0; i < XFREE_N; i++) {
		x->objs[i] = GC_MALLOC(48);
		memset(x->objs[i], 0x44, 48);
	}
	struct node *mine = make_list(91, 200);
	sem_post(&x->ready);
	while (sem_wait(&x->go) != 0 && errno == EINTR)
		;
	/* Its cached span had slots freed by the other thread meanwhile. */
	struct node *more = make_list(92, 2000);
	GC_gcollect();
	x->ok = list_ok(mine, 91, 200) && list_ok(more, 92, 2000);
	return NULL;
}

/* The freeing thread cannot change the allocation state of a span that
 * another thread caches: such slots come back at the next sweep; those
 * of full spans on the central lists at once. */
START_TEST(test_free_from_other_thread)
{
	struct xfree x;
	pthread_t t;
	x.objs = GC_MALLOC_UNCOLLECTABLE(XFREE_N * sizeof(void *));
	x.ok = 0;
	sem_init(&x.ready, 0, 0);
	sem_init(&x.go, 0, 0);
	ck_assert_int_eq(GC_pthread_create(&t, NULL, allocates_for_other, &x), 0);
	while (sem_wait(&x.ready) != 0 && errno == EINTR)
		;
	for (int i = 0; i < XFREE_N; i++) {
		void *o = x.objs[i];
		GC_FREE(o);
		x.objs[i] = NULL;
		ck_assert_ptr_null(GC_base(o));
	}
	ck_assert_int_eq(sgc_verify_heap(), 0);
	sem_post(&x.go);
	ck_assert_int_eq(GC_pthread_join(t, NULL), 0);
	ck_assert(x.ok);
	for (int i = 0; i < 3; i++)
		(void)make_list(93, 3000);
	GC_gcollect();
	GC_FREE(x.objs);
	sem_destroy(&x.ready);
	sem_destroy(&x.go);
}
END_TEST

/* ---- GC_free churn: threads allocate and free their own objects ---- */

#define CHURN_SLOTS 1500
#define CHURN_OPS 30000

static unsigned churn_next(unsigned *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Slot k of thread t holds an object of size churn_size whose bytes are
 * its tag: every free and every collection must leave the others be. */
static void *churn(void *p)
{
	uintptr_t t = (uintptr_t)p;
	unsigned x = (unsigned)t * 2654435761u + 1;
	unsigned char **slot = GC_MALLOC_UNCOLLECTABLE(CHURN_SLOTS * sizeof *slot);
	size_t *size = calloc(CHURN_SLOTS, sizeof *size);
	int bad = 0;
	for (int op = 0; op < CHURN_OPS && !bad; op++) {
		unsigned k = churn_next(&x) % CHURN_SLOTS;
		unsigned char tag = (unsigned char)(t * 16 + k % 13 + 1);
		if (slot[k]) {
			for (size_t b = 0; b < size[k]; b++)
				if (slot[k][b] != tag)
					bad = 1;
			if (GC_base(slot[k]) != slot[k])
				bad = 1;
			GC_FREE(slot[k]);
			slot[k] = NULL;
			continue;
		}
		size[k] = 8 + churn_next(&x) % 400;
		switch (churn_next(&x) % 3) {
		case 0:
			slot[k] = GC_MALLOC(size[k]);
			break;
		case 1:
			slot[k] = GC_MALLOC_ATOMIC(size[k]);
			break;
		default:
			slot[k] = GC_MALLOC_UNCOLLECTABLE(size[k]);
			break;
		}
		if (!slot[k])
			bad = 1;
		else
			memset(slot[k], tag, size[k]);
		if (op % 5000 == 0)
			GC_gcollect();
		else if (op % 97 == 0)
			(void)make_list(t + 500, 50); /* garbage */
	}
	for (unsigned k = 0; k < CHURN_SLOTS; k++)
		if (slot[k])
			GC_FREE(slot[k]);
	GC_FREE(slot);
	free(size);
	return bad ? NULL : p;
}

START_TEST(test_free_churn_threads)
{
	pthread_t t[4];
	void *ret[4];
	for (uintptr_t i = 0; i < 4; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, churn,
						   (void *)(i + 1)), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(GC_pthread_join(t[i], &ret[i]), 0);
		ck_assert_msg(ret[i] == (void *)(uintptr_t)(i + 1),
			      "thread %d saw a corrupt object", i);
	}
	GC_gcollect();
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* Threads that leave by unusual paths leave no record behind: cancelled
 * while blocked, pthread_exit from a cleanup handler, and a thread that
 * registered itself and exits without GC_unregister_my_thread.  Each
 * would otherwise be waited for by the next stop of the world. */
static sem_t exit_never, exit_started;

static void *exit_cancelled(void *arg)
{
	(void)arg;
	(void)GC_malloc(64);
	sem_post(&exit_started);
	for (;;)
		sem_wait(&exit_never); /* a cancellation point */
	return NULL;
}

static void *exit_plain(void *arg)
{
	(void)arg;
	(void)GC_malloc(64);
	sem_post(&exit_started);
	return NULL;
}

static void exit_from_cleanup(void *arg)
{
	(void)arg;
	pthread_exit(NULL);
}

/* The handler runs from pthread_cleanup_pop(1), in the normal flow
 * (pthread_exit from a handler run by an unwind is undefined). */
static void *exit_in_cleanup(void *arg)
{
	(void)arg;
	pthread_cleanup_push(exit_from_cleanup, NULL);
	(void)GC_malloc(64);
	pthread_cleanup_pop(1);
	return (void *)1;
}

/* A thread of pthread_create registers itself and allocates; 0 when it
 * could. */
static int register_self_and_allocate(void)
{
	struct GC_stack_base sb;
	if (GC_get_stack_base(&sb) != GC_SUCCESS ||
	    GC_register_my_thread(&sb) != GC_SUCCESS)
		return -1;
	(void)GC_malloc(64);
	return 0;
}

static void *exit_self_registered(void *arg)
{
	(void)arg;
	if (register_self_and_allocate() != 0)
		return (void *)1;
	pthread_exit(NULL); /* no GC_unregister_my_thread */
	return NULL;
}

/* Registered by itself, then cancelled while blocked: the key destructor
 * unregisters it as for a thread of GC_pthread_create. */
static void *cancelled_self_registered(void *arg)
{
	(void)arg;
	if (register_self_and_allocate() != 0)
		return (void *)1;
	sem_post(&exit_started);
	for (;;)
		sem_wait(&exit_never); /* a cancellation point */
	return NULL;
}

/* The exit tests' start: threads may register themselves, the
 * semaphores are ready; the number of threads registered before any of
 * the test's own. */
static size_t exit_test_start(void)
{
	GC_allow_register_threads();
	GC_gcollect(); /* the background sweeper registers from the first */
	ck_assert_int_eq(sem_init(&exit_never, 0, 0), 0);
	ck_assert_int_eq(sem_init(&exit_started, 0, 0), 0);
	return sgc_thread_count();
}

START_TEST(test_cancelled_self_registered_leaves_no_record)
{
	size_t before = exit_test_start();
	for (int round = 0; round < 5; round++) {
		pthread_t t;
		void *r;
		ck_assert_int_eq(pthread_create(&t, NULL,
						cancelled_self_registered, NULL),
				 0);
		while (sem_wait(&exit_started) != 0)
			;
		ck_assert_uint_eq(sgc_thread_count(), before + 1);
		ck_assert_int_eq(pthread_cancel(t), 0);
		ck_assert_int_eq(pthread_join(t, &r), 0);
		ck_assert_ptr_eq(r, PTHREAD_CANCELED);
		ck_assert_uint_eq(sgc_thread_count(), before);
		GC_gcollect(); /* would wait for a stale record's answer */
	}
}
END_TEST

START_TEST(test_exits_leave_no_record)
{
	size_t before = exit_test_start();
	for (int round = 0; round < 5; round++) {
		pthread_t t[3];
		void *r[3];
		/* Not under ThreadSanitizer: cleanup handlers run by a
		 * cancellation inside one of its blocking interceptors (here
		 * sem_wait) have their synchronisation ignored, so it reports
		 * the central lock, taken with pthread_mutex_lock, as not
		 * held (google/sanitizers issue 646). */
		int cancel = !SGC_TSAN;
		ck_assert_int_eq(GC_pthread_create(&t[0], NULL,
						   cancel ? exit_cancelled :
							    exit_plain,
						   NULL), 0);
		ck_assert_int_eq(GC_pthread_create(&t[1], NULL,
						   exit_in_cleanup, NULL), 0);
		ck_assert_int_eq(pthread_create(&t[2], NULL,
						exit_self_registered, NULL),
				 0);
		while (sem_wait(&exit_started) != 0)
			;
		if (cancel)
			ck_assert_int_eq(pthread_cancel(t[0]), 0);
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq(pthread_join(t[i], &r[i]), 0);
		ck_assert_ptr_eq(r[0], cancel ? PTHREAD_CANCELED : NULL);
		ck_assert_ptr_null(r[2]);
		ck_assert_uint_eq(sgc_thread_count(), before);
		GC_gcollect(); /* would wait for a stale record's answer */
	}
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* ---- A thread that blocks the suspend signal ---- */

static int blk_err[2];   /* the child's stderr, read by the blocker */
static int blk_out;      /* to the parent: what the blocker read */
static sem_t blk_ready;

/* Blocks the suspend signal with the raw system call (no wrapper can
 * filter that), then reads the process's stderr until the collector
 * names it, passes that on, and unblocks: the stop then completes. */
static void *raw_blocker(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, GC_get_suspend_signal());
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, (size_t)8);
	sem_post(&blk_ready);
	char buf[8192];
	size_t n = 0;
	ssize_t r;
	while (n + 1 < sizeof buf &&
	       (r = read(blk_err[0], buf + n, sizeof buf - 1 - n)) > 0) {
		n += (size_t)r;
		buf[n] = 0;
		if (strstr(buf, "collector's suspend signal"))
			break;
	}
	if (write(blk_out, buf, n) < 0)
		return NULL;
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, (size_t)8);
	return NULL;
}

static void blocked_signal_child(void)
{
	pthread_t t;
	if (pipe(blk_err) != 0)
		_exit(2);
	blk_out = dup(2); /* the parent's pipe */
	dup2(blk_err[1], 2);
	sem_init(&blk_ready, 0, 0);
	if (GC_pthread_create(&t, NULL, raw_blocker, NULL) != 0)
		_exit(3);
	while (sem_wait(&blk_ready) != 0)
		;
	GC_gcollect(); /* waits until the blocker unblocks the signal */
	GC_pthread_join(t, NULL);
	_exit(0);
}

/* A collection facing a thread that blocks the suspend signal with a raw
 * rt_sigprocmask does not hang silently: after a while it names the
 * thread and the signal, and completes once the thread unblocks it. */
START_TEST(test_blocked_suspend_signal_reported)
{
	char buf[8192];
	int status = sgc_test_run_child(blocked_signal_child, 60, buf,
					sizeof buf); /* a hang fails */
	ck_assert_msg(status != -1, "the collection hung; stderr: %s", buf);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status %#x; stderr: %s", status, buf);
	char want[64];
	snprintf(want, sizeof want, "blocks signal %d,",
		 GC_get_suspend_signal());
	ck_assert_msg(strstr(buf, want) && strstr(buf, "GC_pthread_sigmask"),
		      "stderr: %s", buf);
}
END_TEST

Suite *make_thread_suite(void)
{
	Suite *s = suite_create("thread");
	TCase *tc = tcase_create("threads");
	sgc_test_fixture(tc);
	tcase_add_test(tc, test_threads_2);
	tcase_add_test(tc, test_threads_8);
	tcase_add_test(tc, test_threads_32);
	tcase_add_test(tc, test_foreign_thread);
	tcase_add_test(tc, test_do_blocking);
	tcase_add_test(tc, test_coroutine_stack);
	tcase_add_test(tc, test_fork_child_allocates);
	tcase_add_test(tc, test_pthread_wrappers);
	tcase_add_test(tc, test_call_with_alloc_lock);
	tcase_add_test(tc, test_parallel_mark_equals_single);
	tcase_add_test(tc, test_small_heap_marks_alone);
	tcase_add_test(tc, test_large_objects_threads);
	tcase_add_test(tc, test_exit_value_kept_until_join);
	tcase_add_test(tc, test_exit_value_dropped_at_detach);
	tcase_add_test(tc, test_register_in_tls_destructor);
	tcase_add_test(tc, test_free_from_other_thread);
	tcase_add_test(tc, test_free_churn_threads);
	tcase_add_test(tc, test_register_out_of_memory);
	tcase_add_test(tc, test_lookup_while_owner_allocates);
	tcase_add_test(tc, test_exits_leave_no_record);
	if (!SGC_TSAN) /* see test_exits_leave_no_record */
		tcase_add_test(tc, test_cancelled_self_registered_leaves_no_record);
	suite_add_tcase(s, tc);
	/* Tests that wait out a fixed delay and look for no race: the
	 * repeated runs of tools/run-tests leave them out
	 * (CK_EXCLUDE_TAGS=once). */
	TCase *once = tcase_create("once");
	tcase_set_tags(once, "once");
	sgc_test_fixture(once);
	tcase_add_test(once, test_blocked_suspend_signal_reported);
	suite_add_tcase(s, once);
	TCase *bad = tcase_create("bad-input");
	tcase_add_checked_fixture(bad, sgc_test_setup, NULL);
	tcase_add_test_raise_signal(bad, test_unregistered_aborts, SIGABRT);
	tcase_add_test_raise_signal(bad, test_register_without_allow_aborts,
				    SIGABRT);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	/* The whole thread layer, background sweeper included. */
	setenv("SPANGC_BACKGROUND_SWEEP", "1", 1);
	return sgc_test_run(make_thread_suite());
}
