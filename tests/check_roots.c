/*
 * check_roots.c: white-box tests of src/roots.[ch].
 *
 * Each object under test is referenced from exactly one root (an added
 * range in malloc memory, a static variable of the executable, a global of
 * a dlopen'ed shared object) and otherwise only through hidden pointers;
 * the stack is scrubbed before each collection.  Survival is tested after
 * a full collection (sweep finished): GC_base is NULL for a reclaimed
 * object.
 *
 * Built a second time with SGC_ROOTTEST_LIB defined, this file is the
 * tiny shared object tests/libroottest.la (see tests/gc.am): one global
 * pointer, roottest_slot, in its writable data.
 */
#if defined(SGC_ROOTTEST_LIB)

void *roottest_slot;
void *roottest_slot_address(void);

void *roottest_slot_address(void)
{
	return &roottest_slot;
}

#else /* the test program */

#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1 /* plain dlopen: no GC_disable around it */
#include <check.h>
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include "thread.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "heap.h"
#include "os.h"
#include "roots.h"

#define scrub_stack sgc_test_clear_stack

static void *volatile g_static_ptr;
static void *volatile g_excluded[4];

#define roots_fixture sgc_test_pad_fixture

/* A new object of n bytes filled with a pattern from seed; hidden. */
static SGC_NOINLINE uintptr_t new_obj(size_t n, unsigned seed)
{
	unsigned char *p = GC_malloc(n);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + 1);
	return sgc_test_hide(p);
}

/* Whether the hidden object is still allocated, with its pattern. */
static SGC_NOINLINE int live(uintptr_t h, size_t n, unsigned seed)
{
	unsigned char *p = sgc_test_reveal(h);
	if (GC_base(p) != p)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed * 31 + i * 7 + 1))
			ck_abort_msg("live object %p: byte %zu changed", (void *)p, i);
	return 1;
}

static SGC_NOINLINE int dead(uintptr_t h)
{
	void *p = sgc_test_reveal(h);
	return GC_base(p) == NULL;
}

#define collect sgc_test_collect

/* Store the hidden object's address in *slot. */
static SGC_NOINLINE void put(void *volatile *slot, uintptr_t h)
{
	*slot = sgc_test_reveal(h);
}

/* Root ranges that fall inside [g_lo, g_hi), as sgc_roots_for_each sees
 * them. */
static uintptr_t g_lo, g_hi;
static size_t g_nranges, g_nbytes;
static uintptr_t g_first_lo, g_first_hi;

static void count_range(uintptr_t lo, uintptr_t hi)
{
	if (hi <= g_lo || lo >= g_hi)
		return;
	if (g_nranges == 0) {
		g_first_lo = lo;
		g_first_hi = hi;
	}
	g_nranges++;
	g_nbytes += hi - lo;
}

static size_t ranges_in(const void *lo, const void *hi)
{
	g_lo = (uintptr_t)lo;
	g_hi = (uintptr_t)hi;
	g_nranges = g_nbytes = 0;
	(void)sgc_roots_for_each_now(count_range);
	return g_nranges;
}

START_TEST(test_add_roots_keeps)
{
	void **area = calloc(8, sizeof(void *));
	ck_assert_ptr_nonnull(area);
	uintptr_t kept = new_obj(100, 1), lost = new_obj(100, 2);
	put(&area[3], kept);
	GC_add_roots(area, area + 8);
	collect();
	collect();
	ck_assert(live(kept, 100, 1));
	ck_assert(dead(lost));
	free(area);
}
END_TEST

/* The same malloc memory without GC_add_roots is not scanned: the control
 * for the test above. */
START_TEST(test_malloc_not_a_root)
{
	void **area = calloc(8, sizeof(void *));
	ck_assert_ptr_nonnull(area);
	uintptr_t h = new_obj(100, 1);
	put(&area[3], h);
	collect();
	ck_assert(dead(h));
	free(area);
}
END_TEST

START_TEST(test_remove_roots_whole)
{
	void **area = calloc(8, sizeof(void *));
	ck_assert_ptr_nonnull(area);
	uintptr_t h = new_obj(64, 3);
	put(&area[0], h);
	GC_add_roots(area, area + 8);
	collect();
	ck_assert(live(h, 64, 3));
	ck_assert_uint_eq(ranges_in(area, area + 8), 1);
	GC_remove_roots(area, area + 8);
	ck_assert_uint_eq(ranges_in(area, area + 8), 0);
	collect();
	ck_assert(dead(h));
	free(area);
}
END_TEST

START_TEST(test_remove_roots_partial)
{
	void **area = calloc(4, sizeof(void *));
	ck_assert_ptr_nonnull(area);
	uintptr_t h[4];
	for (unsigned i = 0; i < 4; i++) {
		h[i] = new_obj(48, 10 + i);
		put(&area[i], h[i]);
	}
	GC_add_roots(area, area + 4);
	collect();
	for (unsigned i = 0; i < 4; i++)
		ck_assert(live(h[i], 48, 10 + i));
	/* Cut the middle: the range splits in two. */
	GC_remove_roots(area + 1, area + 3);
	ck_assert_uint_eq(ranges_in(area, area + 4), 2);
	ck_assert_uint_eq(g_nbytes, 2 * sizeof(void *));
	collect();
	ck_assert(live(h[0], 48, 10));
	ck_assert(dead(h[1]));
	ck_assert(dead(h[2]));
	ck_assert(live(h[3], 48, 13));
	/* Cut the front: one range of one word is left. */
	GC_remove_roots(area, area + 2);
	ck_assert_uint_eq(ranges_in(area, area + 4), 1);
	ck_assert_uint_eq(g_first_lo, (uintptr_t)(area + 3));
	ck_assert_uint_eq(g_first_hi, (uintptr_t)(area + 4));
	collect();
	ck_assert(dead(h[0]));
	ck_assert(live(h[3], 48, 13));
	free(area);
}
END_TEST

START_TEST(test_clear_roots)
{
	void **a = calloc(2, sizeof(void *)), **b = calloc(2, sizeof(void *));
	ck_assert(a && b);
	uintptr_t ha = new_obj(32, 4), hb = new_obj(32, 5);
	put(&a[1], ha);
	put(&b[0], hb);
	GC_add_roots(a, a + 2);
	GC_add_roots(b, b + 2);
	collect();
	ck_assert(live(ha, 32, 4));
	ck_assert(live(hb, 32, 5));
	GC_clear_roots();
	ck_assert_uint_eq(ranges_in(a, a + 2), 0);
	ck_assert_uint_eq(ranges_in(b, b + 2), 0);
	collect();
	ck_assert(dead(ha));
	ck_assert(dead(hb));
	free(a);
	free(b);
}
END_TEST

START_TEST(test_merge)
{
	char *buf = malloc(512);
	ck_assert_ptr_nonnull(buf);
	buf = (char *)(((uintptr_t)buf + 15) & ~(uintptr_t)15);
	GC_add_roots(buf, buf + 32);
	GC_add_roots(buf + 16, buf + 64);  /* overlapping */
	GC_add_roots(buf + 64, buf + 96);  /* adjacent */
	GC_add_roots(buf + 8, buf + 24);   /* inside */
	ck_assert_uint_eq(ranges_in(buf, buf + 400), 1);
	ck_assert_uint_eq(g_first_lo, (uintptr_t)buf);
	ck_assert_uint_eq(g_first_hi, (uintptr_t)(buf + 96));
	ck_assert_uint_eq(g_nbytes, 96);
	/* A separate range stays separate... */
	GC_add_roots(buf + 200, buf + 240);
	ck_assert_uint_eq(ranges_in(buf, buf + 400), 2);
	ck_assert_uint_eq(g_nbytes, 136);
	/* ...until one that covers the gap joins all three. */
	GC_add_roots(buf + 80, buf + 208);
	ck_assert_uint_eq(ranges_in(buf, buf + 400), 1);
	ck_assert_uint_eq(g_nbytes, 240);
	/* Ragged ends are trimmed to whole words. */
	GC_add_roots(buf + 301, buf + 330);
	ck_assert_uint_eq(ranges_in(buf + 296, buf + 400), 1);
	ck_assert_uint_eq(g_first_lo, (uintptr_t)(buf + 304));
	ck_assert_uint_eq(g_first_hi, (uintptr_t)(buf + 328));
	GC_clear_roots();
}
END_TEST

/* Many disjoint ranges: the table grows past its first allocation. */
START_TEST(test_many_ranges)
{
	enum { N = 1000 };
	void **area = calloc(2 * N, sizeof(void *));
	ck_assert_ptr_nonnull(area);
	uintptr_t h[N];
	for (unsigned i = 0; i < N; i++) {
		h[i] = new_obj(16, i);
		put(&area[2 * i], h[i]);
		GC_add_roots(&area[2 * i], &area[2 * i + 1]);
	}
	ck_assert_uint_eq(ranges_in(area, area + 2 * N), N);
	collect();
	for (unsigned i = 0; i < N; i++)
		if (!live(h[i], 16, i))
			ck_abort_msg("object %u reclaimed", i);
	GC_remove_roots(area, area + N);
	ck_assert_uint_eq(ranges_in(area, area + 2 * N), N / 2);
	collect();
	for (unsigned i = 0; i < N; i++)
		if ((i < N / 2) != dead(h[i]))
			ck_abort_msg("object %u: wrong fate", i);
	free(area);
}
END_TEST

START_TEST(test_static_data_scanned)
{
	uintptr_t h = new_obj(200, 6);
	put(&g_static_ptr, h);
	collect();
	collect();
	ck_assert(live(h, 200, 6));
	/* Covered by the static ranges. */
	ck_assert_uint_ge(ranges_in((void *)&g_static_ptr,
				    (void *)(&g_static_ptr + 1)), 1);
	g_static_ptr = (void *)h; /* hidden now */
	collect();
	ck_assert(dead(h));
}
END_TEST

/* Without memory for the list of loaded objects (the fault injector
 * refuses every request during the collection), static data is scanned
 * straight from the loader's report and still keeps what it points to;
 * the collector's own data is still skipped. */
START_TEST(test_static_data_without_snapshot)
{
	uintptr_t h = new_obj(200, 16);
	put(&g_static_ptr, h);
	collect();
	sgc_roots_test_drop_snapshot();
	sgc_os_fail_request(1, 1);
	collect();
	sgc_os_fail_request(0, 0);
	ck_assert(live(h, 200, 16));
	sgc_roots_test_drop_snapshot();
	g_static_ptr = (void *)h; /* hidden now */
	sgc_os_fail_request(1, 1);
	collect();
	sgc_os_fail_request(0, 0);
	ck_assert(dead(h));
	g_static_ptr = NULL;
}
END_TEST

START_TEST(test_exclude)
{
	uintptr_t kept = new_obj(64, 7), lost = new_obj(64, 8);
	put(&g_excluded[0], kept);
	put(&g_excluded[2], lost);
	sgc_roots_exclude((uintptr_t)&g_excluded[1], (uintptr_t)&g_excluded[3]);
	ck_assert_uint_eq(ranges_in((void *)&g_excluded[1],
				    (void *)&g_excluded[3]), 0);
	collect();
	ck_assert(live(kept, 64, 7));
	ck_assert(dead(lost));
}
END_TEST

/* Exclusions apply to added roots as well. */
START_TEST(test_exclude_added)
{
	void **area = calloc(4, sizeof(void *));
	ck_assert_ptr_nonnull(area);
	uintptr_t h0 = new_obj(32, 1), h2 = new_obj(32, 2);
	put(&area[0], h0);
	put(&area[2], h2);
	GC_add_roots(area, area + 4);
	sgc_roots_exclude((uintptr_t)&area[2], (uintptr_t)&area[3]);
	ck_assert_uint_eq(ranges_in(area, area + 4), 2);
	ck_assert_uint_eq(g_nbytes, 3 * sizeof(void *));
	collect();
	ck_assert(live(h0, 32, 1));
	ck_assert(dead(h2));
	free(area);
}
END_TEST

/* The collector's own statics hold heap addresses that are not references
 * (the heap's bounds, the mark phase's state).  The first object of the
 * heap sits at its base address; unreferenced, it must die. */
static SGC_NOINLINE uintptr_t first_object(void)
{
	void *first = GC_malloc(48);
	ck_assert_uint_eq((uintptr_t)first, sgc_heap.base);
	return sgc_test_hide(first);
}

START_TEST(test_own_statics_not_roots)
{
	GC_init();
	uintptr_t h = first_object();
	collect();
	collect();
	/* The collector's own statics (the mark phase's heap bounds start at
	 * the heap's first object) are not roots. */
	ck_assert(dead(h));
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* The shared object, loaded with dlopen; skips (passes) when the build
 * directory is unknown. */
static void **open_roottest(void **handle)
{
	const char *dir = getenv("SGC_BUILDDIR");
	char path[4096];
	if (!dir) {
		fprintf(stderr, "check_roots: SGC_BUILDDIR unset, dlopen test"
				" skipped\n");
		return NULL;
	}
	snprintf(path, sizeof path, "%s/tests/.libs/libroottest.so", dir);
	*handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(*handle != NULL, "dlopen %s: %s", path, dlerror());
	void **slot = dlsym(*handle, "roottest_slot");
	ck_assert_ptr_nonnull(slot);
	return slot;
}

START_TEST(test_dlopen_data_scanned)
{
	void *handle;
	void *volatile *slot = (void *volatile *)open_roottest(&handle);
	if (!slot)
		return;
	ck_assert_uint_ge(ranges_in((void *)slot, (void *)(slot + 1)), 1);
	uintptr_t h = new_obj(300, 9), control = new_obj(300, 10);
	put(slot, h);
	collect();
	collect();
	ck_assert(live(h, 300, 9));
	ck_assert(dead(control));
	*slot = (void *)sgc_test_hide(*slot);
	collect();
	ck_assert(dead(h));
}
END_TEST

/* Excluding the shared object's global hides it like any static. */
START_TEST(test_dlopen_exclude)
{
	void *handle;
	void *volatile *slot = (void *volatile *)open_roottest(&handle);
	if (!slot)
		return;
	uintptr_t h = new_obj(300, 11);
	put(slot, h);
	sgc_roots_exclude((uintptr_t)slot, (uintptr_t)(slot + 1));
	collect();
	ck_assert(dead(h));
}
END_TEST

/* The loader's lock: one thread opens and closes the shared object in a
 * loop (so it is mapped and unmapped again and again, and is often
 * stopped inside dlopen or dlclose holding the loader's lock) while two
 * others allocate and collect.  Listing the loaded objects with the world
 * stopped deadlocks here (the test then times out); scanning a list taken
 * before a dlclose would fault on the unmapped segment. */
#define LOADER_CYCLES 150

static void *volatile g_loader_slot;
static int loader_stop;            /* atomic */
static unsigned long loader_loops; /* atomic */
static char loader_path[4096];

struct loader_worker {
	int bad;            /* contents check failed */
	void *volatile keep;
};

static void *dl_loop(void *arg)
{
	int *failed = arg;
	while (!__atomic_load_n(&loader_stop, __ATOMIC_ACQUIRE)) {
		void *h = dlopen(loader_path, RTLD_NOW | RTLD_LOCAL);
		if (!h || !dlsym(h, "roottest_slot")) {
			*failed = 1;
			return NULL;
		}
		/* Something of ours in its data while it is open. */
		*(void **)dlsym(h, "roottest_slot") = GC_malloc(64);
		if (dlclose(h) != 0) {
			*failed = 1;
			return NULL;
		}
		__atomic_add_fetch(&loader_loops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *alloc_collect(void *arg)
{
	struct loader_worker *w = arg;
	for (unsigned c = 0; c < LOADER_CYCLES; c++) {
		uintptr_t **a = GC_malloc(64 * sizeof *a);
		if (!a) {
			w->bad = 1;
			return NULL;
		}
		for (uintptr_t i = 0; i < 64; i++) {
			a[i] = GC_malloc_atomic(sizeof(uintptr_t));
			*a[i] = i ^ c;
		}
		w->keep = a;
		GC_gcollect();
		for (uintptr_t i = 0; i < 64; i++)
			if (*a[i] != (i ^ c))
				w->bad = 1;
	}
	return NULL;
}

START_TEST(test_dlopen_loop_while_collecting)
{
	const char *dir = getenv("SGC_BUILDDIR");
	if (!dir) {
		fprintf(stderr, "check_roots: SGC_BUILDDIR unset, dlopen loop"
				" test skipped\n");
		return;
	}
	snprintf(loader_path, sizeof loader_path,
		 "%s/tests/.libs/libroottest.so", dir);
	uintptr_t h = new_obj(300, 12);
	put(&g_loader_slot, h);
	int dl_failed = 0;
	struct loader_worker w[2];
	memset(w, 0, sizeof w);
	pthread_t dt, wt[2];
	ck_assert_int_eq(GC_pthread_create(&dt, NULL, dl_loop, &dl_failed),
			 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(GC_pthread_create(&wt[i], NULL,
						   alloc_collect, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(GC_pthread_join(wt[i], NULL), 0);
	__atomic_store_n(&loader_stop, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(GC_pthread_join(dt, NULL), 0);
	ck_assert_int_eq(dl_failed, 0);
	ck_assert_int_eq(w[0].bad, 0);
	ck_assert_int_eq(w[1].bad, 0);
	ck_assert_uint_gt(__atomic_load_n(&loader_loops, __ATOMIC_RELAXED), 0);
	collect();
	ck_assert(live(h, 300, 12));
	ck_assert_int_eq(sgc_verify_heap(), 0);
}
END_TEST

/* Objects reachable only from __thread variables, of the main thread and
 * of another registered thread that is blocked meanwhile, survive. */
static __thread void *tls_slot;
static sem_t tls_ready, tls_go;
static volatile uintptr_t tls_hidden; /* the other thread's object */
static volatile int tls_bad;

static SGC_NOINLINE void tls_fill(unsigned seed)
{
	unsigned char *p = GC_malloc(300);
	if (!p) {
		tls_bad = 1;
		return;
	}
	for (size_t i = 0; i < 300; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7 + 1);
	tls_slot = p;
	tls_hidden = sgc_test_hide(p);
}

static void *tls_thread(void *arg)
{
	(void)arg;
	tls_fill(14);
	sgc_test_clear_stack();
	sem_post(&tls_ready);
	while (sem_wait(&tls_go) != 0)
		;
	/* Still there, contents intact (checked by the main thread too). */
	if (sgc_test_hide(tls_slot) != tls_hidden)
		tls_bad = 1;
	return NULL;
}

START_TEST(test_thread_local_roots)
{
	ck_assert_int_eq(sem_init(&tls_ready, 0, 0), 0);
	ck_assert_int_eq(sem_init(&tls_go, 0, 0), 0);
	tls_fill(13); /* the main thread's */
	uintptr_t mine = tls_hidden;
	pthread_t t;
	ck_assert_int_eq(GC_pthread_create(&t, NULL, tls_thread, NULL), 0);
	while (sem_wait(&tls_ready) != 0)
		;
	uintptr_t theirs = tls_hidden;
	for (int i = 0; i < 3; i++) {
		collect();
		/* garbage in between, so freed slots would be reused */
		for (int j = 0; j < 2000; j++)
			(void)GC_malloc(300);
	}
	ck_assert(live(mine, 300, 13));
	ck_assert(live(theirs, 300, 14));
	ck_assert_ptr_eq(tls_slot, sgc_test_reveal(mine));
	sem_post(&tls_go);
	ck_assert_int_eq(GC_pthread_join(t, NULL), 0);
	ck_assert_int_eq(tls_bad, 0);
}
END_TEST

/* GC_remove_roots cutting the middle out of a range needs one more table
 * entry; with no memory for it (the fault injector), the range stays a
 * root whole.  Before, the part after the cut was dropped and what only
 * it held was freed.  The table holds exactly its first capacity (256)
 * ranges, so the split must grow it. */
START_TEST(test_remove_roots_split_out_of_memory)
{
	uintptr_t *buf = calloc(256 * 4, sizeof *buf); /* not scanned */
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < 256; i++)
		GC_add_roots(&buf[4 * i], &buf[4 * i + 3]);
	uintptr_t h = new_obj(48, 9);
	buf[4 * 7 + 2] = (uintptr_t)sgc_test_reveal(h);
	sgc_os_fail_request(1, 1);
	GC_remove_roots(&buf[4 * 7 + 1], &buf[4 * 7 + 2]);
	sgc_os_fail_request(0, 0);
	sgc_test_collect();
	sgc_test_collect();
	ck_assert(live(h, 48, 9));
	/* With memory, a split keeps both sides. */
	GC_remove_roots(&buf[4 * 8 + 1], &buf[4 * 8 + 2]);
	uintptr_t h2 = new_obj(48, 10);
	buf[4 * 8 + 2] = (uintptr_t)sgc_test_reveal(h2);
	sgc_test_collect();
	ck_assert(live(h2, 48, 10));
	GC_clear_roots();
	free(buf);
}
END_TEST

Suite *make_roots_suite(void)
{
	Suite *s = suite_create("roots");
	TCase *tc = tcase_create("added");
	roots_fixture(tc);
	tcase_add_test(tc, test_add_roots_keeps);
	tcase_add_test(tc, test_malloc_not_a_root);
	tcase_add_test(tc, test_remove_roots_whole);
	tcase_add_test(tc, test_remove_roots_partial);
	tcase_add_test(tc, test_clear_roots);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_many_ranges);
	tcase_add_test(tc, test_remove_roots_split_out_of_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("static");
	roots_fixture(tc);
	tcase_add_test(tc, test_static_data_scanned);
	tcase_add_test(tc, test_static_data_without_snapshot);
	tcase_add_test(tc, test_exclude);
	tcase_add_test(tc, test_exclude_added);
	tcase_add_test(tc, test_dlopen_data_scanned);
	tcase_add_test(tc, test_dlopen_exclude);
	suite_add_tcase(s, tc);

	tc = tcase_create("tls");
	roots_fixture(tc);
	tcase_add_test(tc, test_thread_local_roots);
	suite_add_tcase(s, tc);

	tc = tcase_create("loader");
	roots_fixture(tc);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dlopen_loop_while_collecting);
	suite_add_tcase(s, tc);

	/* No pad object here: the test needs the heap's first slot. */
	tc = tcase_create("self");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_own_statics_not_roots);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(make_roots_suite());
}

#endif /* SGC_ROOTTEST_LIB */
