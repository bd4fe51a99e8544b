/*
 * leak_program.c: a malloc-based C program made to leak, for
 * tests/check_debug_programs.sh.  Built twice: against spangc's headers,
 * and against Debian's bdwgc headers to run on spangc's libgc.so.1.
 *
 * Of the objects made at LEAK_LINE, the even ones are freed and the odd
 * ones dropped: leak mode must report the five dropped ones, each once,
 * and neither the freed ones nor the one still referenced by kept.  The
 * program checks that itself through a warn procedure (which passes each
 * report on to stderr): it exits 1 naming what was wrong when the count
 * of reports naming LEAK_LINE is not five or a report names KEPT_LINE;
 * the script checks the text of the reports.
 */
#include <stdio.h>
#include <string.h>
#include <gc/leak_detector.h>
#include "report_count.h"
#include "test_assert.h"

static char *volatile kept;
static int leak_line, kept_line;
static __attribute__((noinline)) void make(void)
{
	for (int i = 0; i < 10; i++) {
		leak_line = __LINE__ + 1;
		char *p = malloc(32 + i); /* LEAK_LINE */
		if (i % 2 == 0)
			free(p);
	}
	kept_line = __LINE__ + 1;
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
	/* Reports come from the checks below. */
	struct report_count counts[] = {
		{ "leaked object", leak_line, 0 },
		{ "leaked object", kept_line, 0 },
		{ "leaked object", 0, 0 }, /* any other object */
		{ NULL, 0, 0 },
	};
	report_count_start("leak_program.c", counts);
	scrub();
	CHECK_LEAKS();
	CHECK_LEAKS();
	printf("kept: %s\n", kept);
	/* The referenced object was neither reported nor reclaimed. */
	test_assert(kept && strcmp(kept, "still referenced") == 0,
		    "the kept object changed");
	int leaks = report_count_of(&counts[0]);
	int kepts = report_count_of(&counts[1]);
	int others = report_count_of(&counts[2]);
	test_assert(leaks == 5 && kepts == 0 && others == 0,
		    "%d reports of leaks at line %d (want 5), %d of the kept"
		    " object (want 0), %d of other objects (want 0)", leaks,
		    leak_line, kepts, others);
	return 0;
}
