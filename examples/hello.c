/*
 * hello: the smallest program that uses the collector.
 *
 * It allocates ten million small objects and never frees one: the
 * collector finds the ones the program can no longer reach and reuses
 * their memory, so the heap stays small.  Builds against spangc
 * (`make examples/hello`) and, unchanged, against bdwgc:
 *
 *   cc -std=gnu11 -O2 examples/hello.c -lgc
 */
#include <gc.h>
#include <stdio.h>

int main(void)
{
	GC_INIT(); /* optional on Linux; needed on some systems */
	long sum = 0;
	for (long i = 0; i < 10000000; i++) {
		long **p = GC_MALLOC(sizeof *p);        /* scanned for pointers */
		*p = GC_MALLOC_ATOMIC(sizeof **p);      /* holds no pointers */
		**p = i;
		sum += **p;
		if (i % 2000000 == 0)
			printf("heap size = %zu KiB\n", GC_get_heap_size() >> 10);
	}
	printf("hello: 10000000 objects, sum %ld, %lu collections, "
	       "heap %zu KiB\n", sum, (unsigned long)GC_get_gc_no(),
	       GC_get_heap_size() >> 10);
	return sum == 49999995000000L ? 0 : 1;
}
