/*
 * smash_program.c: a program built with GC_DEBUG that writes one byte
 * past an object, one byte before another, and frees one twice, for
 * tests/check_debug_programs.sh (built against spangc's headers and
 * against Debian's bdwgc headers).
 */
#define GC_DEBUG
#include <stdio.h>
#include <string.h>
#include <gc.h>

/* Out of the compiler's sight: the smashes are on purpose. */
static __attribute__((noinline)) void poke(char *p, long off, char v)
{
	__asm__ __volatile__("" : "+r"(p));
	p[off] = v;
}

int main(void)
{
	GC_INIT();
	char *name = GC_MALLOC(8); /* PAST_LINE */
	memcpy(name, "1234567", 8);
	poke(name, 8, '!');
	char **keep = GC_MALLOC(sizeof *keep);
	keep[0] = GC_MALLOC_ATOMIC(100); /* BEFORE_LINE */
	poke(keep[0], -1, 0);
	GC_gcollect();
	/* The smashes are reported, not repaired into the client's bytes,
	 * and the kept object survives the collection. */
	if (memcmp(name, "1234567", 8) != 0 || !GC_base(keep[0])) {
		fprintf(stderr, "smash_program: live objects damaged\n");
		return 1;
	}
	GC_FREE(name);
	GC_FREE(name);
	printf("done\n");
	return 0;
}
