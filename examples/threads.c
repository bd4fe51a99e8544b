/*
 * threads: several threads allocate at once and hand heap objects back.
 *
 * Define GC_THREADS before including gc.h: pthread_create, pthread_join
 * and friends are then routed through the collector, which registers
 * each new thread so that its stack is scanned and it can be stopped for
 * a collection.  Each worker builds lists, keeps every tenth, and returns
 * the kept ones from its start routine: the only reference to them is
 * then the thread's return value, which the collector must treat as a
 * root until pthread_join hands it over.  Builds against spangc
 * (`make examples/threads`) and, unchanged, against bdwgc:
 *
 *   cc -std=gnu11 -O2 -pthread examples/threads.c -lgc
 *
 * Exit status 0 when every kept list came back intact.
 */
#define GC_THREADS
#include <gc.h>
#include <pthread.h>
#include <stdio.h>

enum { NTHREADS = 4, LISTS = 2000, LENGTH = 100 };

struct node {
	struct node *next;
	long value;
};

struct kept {
	struct kept *next;
	struct node *list;
	long sum; /* what the list must add up to */
};

static void *worker(void *arg)
{
	long id = (long)arg;
	struct kept *kept = NULL;
	for (long i = 0; i < LISTS; i++) {
		struct node *list = NULL;
		long sum = 0;
		for (long j = 0; j < LENGTH; j++) {
			struct node *n = GC_MALLOC(sizeof *n);
			if (!n)
				return NULL;
			n->value = id * 1000000 + i * LENGTH + j;
			n->next = list;
			list = n;
			sum += n->value;
		}
		if (i % 10 == 0) {
			struct kept *k = GC_MALLOC(sizeof *k);
			if (!k)
				return NULL;
			k->list = list;
			k->sum = sum;
			k->next = kept;
			kept = k;
		}
	}
	return kept; /* heap object returned through pthread_join */
}

int main(void)
{
	GC_INIT();
	pthread_t t[NTHREADS];
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
			perror("pthread_create");
			return 1;
		}
	long lists = 0, bad = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		GC_gcollect(); /* the other threads' results must survive this */
		for (struct kept *k = ret; k; k = k->next) {
			long sum = 0;
			for (struct node *n = k->list; n; n = n->next)
				sum += n->value;
			bad += sum != k->sum;
			lists++;
		}
	}
	printf("threads: %d threads, %ld kept lists returned, %ld damaged, "
	       "%lu collections\n", NTHREADS, lists, bad,
	       (unsigned long)GC_get_gc_no());
	return bad == 0 && lists == NTHREADS * LISTS / 10 ? 0 : 1;
}
