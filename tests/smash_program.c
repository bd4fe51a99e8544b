/*
 * smash_program.c: a program built with GC_DEBUG that writes one byte
 * past an object, one byte before another, and frees one twice, for
 * tests/check_debug_programs.sh (built against spangc's headers and
 * against Debian's bdwgc headers).  A warn procedure counts the reports
 * (and passes each on to stderr): the program exits 1 naming what was
 * missed unless each smash was reported once, naming its object's line,
 * and the second free once; the script checks the reports' text.
 */
#define GC_DEBUG
#include <stdio.h>
#include <string.h>
#include <gc.h>
#include "report_count.h"
#include "test_assert.h"

static int past_line, before_line;

/* Out of the compiler's sight: the smashes are on purpose. */
static __attribute__((noinline)) void poke(char *p, long off, char v)
{
	__asm__ __volatile__("" : "+r"(p));
	p[off] = v;
}

int main(void)
{
	GC_INIT();
	past_line = __LINE__ + 1;
	char *name = GC_MALLOC(8); /* PAST_LINE */
	memcpy(name, "1234567", 8);
	poke(name, 8, '!');
	char **keep = GC_MALLOC(sizeof *keep);
	before_line = __LINE__ + 1;
	keep[0] = GC_MALLOC_ATOMIC(100); /* BEFORE_LINE */
	poke(keep[0], -1, 0);
	struct report_count counts[] = {
		{ "smashed", past_line, 0 },
		{ "smashed", before_line, 0 },
		{ "freed twice", 0, 0 },
		{ NULL, 0, 0 },
	};
	report_count_start("smash_program.c", counts);
	GC_gcollect();
	/* The smashes are reported, not repaired into the client's bytes,
	 * and the kept object survives the collection. */
	test_assert(memcmp(name, "1234567", 8) == 0 && GC_base(keep[0]),
		    "live objects damaged");
	GC_FREE(name);
	GC_FREE(name);
	printf("done\n");
	int past = report_count_of(&counts[0]);
	int before = report_count_of(&counts[1]);
	int twice = report_count_of(&counts[2]);
	test_assert(past == 1 && before == 1 && twice == 1,
		    "reports of the smash past line %d's object: %d, before"
		    " line %d's: %d, of the second free: %d (want 1 each)",
		    past_line, past, before_line, before, twice);
	return 0;
}
