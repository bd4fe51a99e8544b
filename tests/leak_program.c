/*
 * leak_program.c: a malloc-based C program made to leak, for
 * tests/check_debug_programs.sh.  Built twice: against spangc's headers,
 * and against Debian's bdwgc headers to run on spangc's libgc.so.1.
 *
 * Of the objects made at LEAK_LINE, the even ones are freed and the odd
 * ones dropped: leak mode must report the five dropped ones, each once,
 * and neither the freed ones nor the one still referenced by kept.
 */
#include <stdio.h>
#include <string.h>
#include <gc/leak_detector.h>

static char *volatile kept;

static __attribute__((noinline)) void make(void)
{
	for (int i = 0; i < 10; i++) {
		char *p = malloc(32 + i); /* LEAK_LINE */
		if (i % 2 == 0)
			free(p);
	}
	kept = strdup("still referenced"); /* KEPT_LINE */
}

/* Overwrite the stack below the caller, so that no stale copy of a
 * dropped pointer keeps it. */
static __attribute__((noinline)) void scrub(void)
{
	volatile char buf[65536];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

int main(void)
{
	GC_set_find_leak(1);
	GC_INIT();
	make();
	scrub();
	CHECK_LEAKS();
	CHECK_LEAKS();
	printf("kept: %s\n", kept);
	/* The referenced object was neither reported nor reclaimed. */
	if (!kept || strcmp(kept, "still referenced") != 0) {
		fprintf(stderr, "leak_program: the kept object changed\n");
		return 1;
	}
	return 0;
}
