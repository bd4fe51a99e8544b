/*
 * header_use.c: a bdwgc client using the macros and calls of <gc.h> that
 * issue 11 items 5-7 cover (GC_INIT and its hooks, incremental and
 * stubborn calls, stop functions, statistics, dumps, variables), written
 * against bdwgc's documentation only.  tests/check_headers.sh builds it
 * twice, against spangc's headers and against Debian's, and runs both on
 * spangc's libgc.so.1; it prints "header_use: ok" when every check holds.
 */
#define GC_THREADS 1
#define GC_FREE_SPACE_DIVISOR 5
#define GC_FULL_FREQ 7
#define GC_TIME_LIMIT 25
#define GC_MAX_RETRIES 2
#define GC_IGNORE_WARN 1
#define GC_INITIAL_HEAP_SIZE (24 << 20)
#include <gc.h>
#include <gc/javaxfc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "header_use: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                          \
			failures++;                                        \
		}                                                          \
	} while (0)

static int GC_CALLBACK always_stop(void)
{
	return 1;
}

static int GC_CALLBACK never_stop(void)
{
	return 0;
}

static GC_word resized;

static void GC_CALLBACK on_resize(GC_word size)
{
	resized = size;
}

struct node {
	struct node *next;
	long value;
};

int main(void)
{
	GC_INIT();
	/* The hooks of GC_INIT. */
	CHECK(GC_get_free_space_divisor() == 5);
	CHECK(GC_get_full_freq() == 7);
	CHECK(GC_get_time_limit() == 25);
	CHECK(GC_get_max_retries() == 2);
	CHECK(GC_get_warn_proc() == GC_ignore_warn_proc);
	CHECK(GC_get_heap_size() >= (24 << 20));

	/* Incremental mode is not available: bdwgc's answers for that. */
	GC_enable_incremental();
	CHECK(GC_is_incremental_mode() == 0);
	CHECK(GC_incremental_protection_needs() == GC_PROTECTS_NONE);
	GC_start_incremental_collection();

	/* Stubborn objects and stores that dirty. */
	struct node *a = GC_MALLOC_STUBBORN(sizeof *a);
	struct node *b = GC_NEW(struct node);
	CHECK(a && b);
	GC_CHANGE_STUBBORN(a);
	GC_PTR_STORE_AND_DIRTY(&a->next, b);
	GC_END_STUBBORN_CHANGE(a);
	CHECK(a->next == b);
	GC_PTR_STORE(&b->next, a);
	CHECK(b->next == a);
	GC_reachable_here(a);

	/* Stop functions. */
	GC_word before = GC_get_gc_no();
	CHECK(GC_try_to_collect(always_stop) == 0);
	CHECK(GC_get_gc_no() == before);
	CHECK(GC_try_to_collect(never_stop) == 1);
	CHECK(GC_get_gc_no() > before);
	GC_set_stop_func(always_stop);
	CHECK(GC_get_stop_func() == always_stop);
	before = GC_get_gc_no();
	GC_gcollect();
	CHECK(GC_get_gc_no() == before);
	GC_set_stop_func(never_stop);
	GC_gcollect();
	CHECK(GC_get_gc_no() > before);

	/* Variables and their setters are one. */
	GC_set_no_dls(0);
	CHECK(GC_get_no_dls() == 0);
	GC_set_dont_expand(0);
	CHECK(GC_get_dont_expand() == 0);
	GC_set_non_gc_bytes(123);
	CHECK(GC_get_non_gc_bytes() == 123);
	struct GC_timeval_s tv = { 3, 500 };
	GC_set_time_limit_tv(tv);
	CHECK(GC_get_time_limit() == 3);
	CHECK(GC_get_time_limit_tv().tv_nsec == 500);
	GC_set_time_limit(GC_TIME_UNLIMITED);

	/* Statistics. */
	struct GC_prof_stats_s st;
	CHECK(GC_get_prof_stats(&st, sizeof st) == sizeof st);
	CHECK(st.gc_no == GC_get_gc_no());
	CHECK(st.non_gc_bytes == 123);
	CHECK(st.heapsize_full >= GC_get_heap_size());
	CHECK(GC_get_memory_use() <= GC_get_heap_size());
	CHECK(GC_get_size_map_at(24) >= 24);
	GC_start_performance_measurement();
	GC_gcollect();
	(void)GC_get_full_gc_total_time();
	void *p = GC_MALLOC(100);
	GC_FREE(p);
	CHECK(GC_get_expl_freed_bytes_since_gc() >= 100);

	/* The heap-resize notification. */
	GC_set_on_heap_resize(on_resize);
	CHECK(GC_get_on_heap_resize() == on_resize);
	CHECK(GC_expand_hp(8 << 20));
	CHECK(resized == GC_get_heap_size());

	/* Threads: the allocation lock, explicit stops, suspension queries. */
	GC_alloc_lock();
	GC_alloc_unlock();
	GC_stop_world_external();
	GC_start_world_external();
	CHECK(!GC_is_thread_suspended((GC_SUSPEND_THREAD_ID)pthread_self()));

	/* A list through many collections. */
	struct node *list = NULL;
	for (long i = 0; i < 200000; i++) {
		struct node *n = GC_NEW(struct node);
		n->value = i;
		n->next = i % 1000 == 0 ? list : NULL;
		if (i % 1000 == 0)
			list = n;
	}
	long count = 0, sum = 0;
	for (struct node *n = list; n; n = n->next) {
		count++;
		sum += n->value;
	}
	CHECK(count == 200);
	CHECK(sum == 1000L * (199L * 200 / 2));
	CHECK(GC_gc_no == GC_get_gc_no());

	GC_clear_exclusion_table();
	GC_deinit();
	if (failures)
		return 1;
	printf("header_use: ok\n");
	return 0;
}
