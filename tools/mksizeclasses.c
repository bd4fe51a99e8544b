/*
 * mksizeclasses: generate spangc's size-class tables.
 *
 *     mksizeclasses    > src/sizeclass_table.c
 *     mksizeclasses -h > src/sizeclass_table.h
 *
 * The classes follow the criteria of the Go runtime (mksizeclasses.go), so
 * that the allocator inherits their well-studied trade-off between internal
 * fragmentation and the number of spans:
 *
 *   - heap pages are 8 KiB; class 0 means "large object, no class"; small
 *     classes go up to 32 KiB;
 *   - candidate sizes step by 8 bytes, and the step widens at each power of
 *     two (16 from 32 bytes, size/8 from 128 bytes, 256 from 2048 bytes), so
 *     a candidate is never more than 12.5% above the one before it;
 *   - each class spans the fewest pages whose tail (the bytes left after the
 *     last whole object) is at most 1/8 of the span;
 *   - a candidate that gives the same pages and the same objects per span
 *     as the class before it replaces that class (the larger size wins);
 *   - finally each class grows to the largest multiple of 128 that still
 *     fits the same number of objects in its span (free bytes, same span).
 *
 * Merging and growing can make one class more than 12.5% larger than the
 * previous one (4096 -> 4864, as in Go); the bound that always holds is the
 * tail waste, which the generator verifies, together with the exactness of
 * the per-class division magic, before it prints anything.  It depends on
 * nothing but libc, so it builds on the build machine without configure.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 8192u
#define MAX_SMALL_SIZE 32768u
#define SMALL_SIZE_DIV 8u
#define SMALL_SIZE_MAX 1024u
#define LARGE_SIZE_DIV 128u
#define MAX_CLASSES 256u /* the lookup tables hold a class in a uint8_t */
#define NUM_CLASS8 (SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1)
#define NUM_CLASS128 ((MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1)

struct sclass {
	uint32_t size;
	uint32_t npages;
	uint32_t nelems;
	uint32_t divmagic;
};

/* classes[0] stays all zero: the "large object" class. */
static struct sclass classes[MAX_CLASSES];
static unsigned nclasses = 1;
static uint8_t class8[NUM_CLASS8];
static uint8_t class128[NUM_CLASS128];

/* A generator that prints a wrong table is worse than none: stop loudly. */
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mksizeclasses: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int is_pow2(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Step between candidates from a power of two on: keeps each <= 12.5%. */
static uint32_t step_from(uint32_t pow2, uint32_t step)
{
	if (pow2 >= 2048)
		return 256;
	if (pow2 >= 128)
		return pow2 / 8;
	if (pow2 >= 32)
		return 16;
	return step;
}

/* Fewest pages whose tail after the last object is <= 1/8 of the span. */
static uint32_t pages_for(uint32_t size)
{
	uint32_t span = PAGE_SIZE;

	while (span % size > span / 8)
		span += PAGE_SIZE;
	return span / PAGE_SIZE;
}

/* Append a candidate, or let it replace an equivalent smaller class. */
static void add_candidate(uint32_t size)
{
	uint32_t npages = pages_for(size);
	uint32_t nelems = npages * PAGE_SIZE / size;
	struct sclass *prev = &classes[nclasses - 1];

	if (nclasses > 1 && prev->npages == npages && prev->nelems == nelems) {
		prev->size = size;
		return;
	}
	if (nclasses == MAX_CLASSES)
		fail("more than %u classes", MAX_CLASSES - 1);
	classes[nclasses].size = size;
	classes[nclasses].npages = npages;
	classes[nclasses].nelems = nelems;
	nclasses++;
}

/* Hand each class the bytes its span would waste anyway, 128-aligned. */
static void grow_classes(void)
{
	unsigned i;

	for (i = 1; i < nclasses; i++) {
		struct sclass *c = &classes[i];
		uint32_t span = c->npages * PAGE_SIZE;
		uint32_t grown = (span / c->nelems) & ~(LARGE_SIZE_DIV - 1);

		if (grown > c->size)
			c->size = grown;
	}
}

/* offset / size as the allocator computes it: a multiply and a shift. */
static uint32_t magic_div(uint32_t magic, uint32_t offset)
{
	return (uint32_t)(((uint64_t)offset * magic) >> 32);
}

/* The magic must give the exact quotient anywhere in (and one past) the span. */
static void set_divmagic(struct sclass *c)
{
	uint32_t span = c->npages * PAGE_SIZE;
	uint32_t off;

	c->divmagic = (uint32_t)(UINT32_MAX / c->size + 1);
	for (off = 0; off <= span; off++) {
		if (magic_div(c->divmagic, off) != off / c->size)
			fail("divmagic %" PRIu32 " inexact for size %" PRIu32
			     " at offset %" PRIu32, c->divmagic, c->size, off);
	}
}

/* Smallest class whose size is >= size (size 0 gets the smallest class). */
static unsigned smallest_fit(uint32_t size)
{
	unsigned i;

	for (i = 1; i < nclasses; i++) {
		if (classes[i].size >= size)
			return i;
	}
	fail("no class holds %" PRIu32 " bytes", size);
	return 0;
}

/* Fill both lookup tables: 8-byte steps up to 1 KiB, 128-byte steps above. */
static void build_lookup(void)
{
	uint32_t i;

	for (i = 0; i < NUM_CLASS8; i++)
		class8[i] = (uint8_t)smallest_fit(i * SMALL_SIZE_DIV);
	for (i = 0; i < NUM_CLASS128; i++)
		class128[i] = (uint8_t)smallest_fit(SMALL_SIZE_MAX +
						    i * LARGE_SIZE_DIV);
}

/* Re-check the result against the promises the runtime relies on. */
static void verify_classes(void)
{
	unsigned i;

	if (classes[nclasses - 1].size != MAX_SMALL_SIZE)
		fail("largest class is %" PRIu32 ", not %u",
		     classes[nclasses - 1].size, MAX_SMALL_SIZE);
	for (i = 1; i < nclasses; i++) {
		const struct sclass *c = &classes[i];
		uint32_t span = c->npages * PAGE_SIZE;

		if (c->size <= classes[i - 1].size || c->size % 8 != 0)
			fail("class %u: bad size %" PRIu32, i, c->size);
		if (c->nelems != span / c->size || c->nelems > UINT16_MAX ||
		    c->npages > UINT16_MAX)
			fail("class %u: bad nelems or npages", i);
		if ((span - c->nelems * c->size) * 8 > span)
			fail("class %u: tail waste above 12.5%%", i);
	}
}

/* Build the classes from scratch: candidates, growth, magic, lookups. */
static void make_classes(void)
{
	uint32_t size, step = SMALL_SIZE_DIV;
	unsigned i;

	for (size = SMALL_SIZE_DIV; size <= MAX_SMALL_SIZE; size += step) {
		if (is_pow2(size))
			step = step_from(size, step);
		add_candidate(size);
	}
	grow_classes();
	for (i = 1; i < nclasses; i++)
		set_divmagic(&classes[i]);
	verify_classes();
	build_lookup();
}

/* The human-readable summary at the top of the table, as Go prints it. */
static void print_summary(void)
{
	uint32_t prev = 0;
	unsigned i;

	printf("/*\n * class  bytes/obj  bytes/span  objects  tail waste"
	       "  max waste\n");
	for (i = 1; i < nclasses; i++) {
		const struct sclass *c = &classes[i];
		uint32_t span = c->npages * PAGE_SIZE;
		uint32_t tail = span - c->nelems * c->size;
		/* worst case: every object one byte above the previous class */
		uint64_t worst = (uint64_t)(c->size - prev - 1) * c->nelems + tail;
		uint64_t bp = (worst * 10000 + span / 2) / span;

		printf(" * %5u  %9" PRIu32 "  %10" PRIu32 "  %7" PRIu32
		       "  %10" PRIu32 "  %6" PRIu64 ".%02" PRIu64 "%%\n",
		       i, c->size, span, c->nelems, tail, bp / 100, bp % 100);
		prev = c->size;
	}
	printf(" */\n");
}

/* Which per-class field an array prints. */
enum field { F_SIZE, F_NPAGES, F_DIVMAGIC, F_NELEMS };

static uint32_t field_of(const struct sclass *c, enum field f)
{
	switch (f) {
	case F_SIZE:
		return c->size;
	case F_NPAGES:
		return c->npages;
	case F_DIVMAGIC:
		return c->divmagic;
	case F_NELEMS:
		return c->nelems;
	}
	return 0;
}

/* One array of unsigned numbers, wrapped to stay within 80 columns. */
static void print_values(const char *decl, const uint32_t *v, unsigned n,
			 unsigned per_line)
{
	unsigned i;

	printf("%s = {", decl);
	for (i = 0; i < n; i++) {
		if (i % per_line == 0)
			printf("\n\t");
		else
			printf(" ");
		printf("%" PRIu32 ",", v[i]);
	}
	printf("\n};\n\n");
}

/* A per-class array: index by class, class 0 is all zero. */
static void print_class_array(const char *decl, enum field f, unsigned per_line)
{
	uint32_t v[MAX_CLASSES];
	unsigned i;

	for (i = 0; i < nclasses; i++)
		v[i] = field_of(&classes[i], f);
	print_values(decl, v, nclasses, per_line);
}

/* A lookup table: widen to uint32_t for the common printer. */
static void print_lookup(const char *decl, const uint8_t *t, unsigned n)
{
	uint32_t v[NUM_CLASS128 > NUM_CLASS8 ? NUM_CLASS128 : NUM_CLASS8];
	unsigned i;

	for (i = 0; i < n; i++)
		v[i] = t[i];
	print_values(decl, v, n, 16);
}

/* src/sizeclass_table.c */
static void print_source(void)
{
	printf("/* Generated by tools/mksizeclasses.c; do not edit. */\n");
	print_summary();
	printf("#include \"sizeclass_table.h\"\n\n");
	print_class_array("const uint32_t sgc_class_to_size[SGC_NUM_SIZE_CLASSES]",
			  F_SIZE, 10);
	print_class_array("const uint16_t sgc_class_to_npages[SGC_NUM_SIZE_CLASSES]",
			  F_NPAGES, 16);
	print_class_array("const uint32_t sgc_class_to_divmagic[SGC_NUM_SIZE_CLASSES]",
			  F_DIVMAGIC, 6);
	print_class_array("const uint16_t sgc_class_to_nelems[SGC_NUM_SIZE_CLASSES]",
			  F_NELEMS, 12);
	print_lookup("const uint8_t sgc_size_to_class8"
		     "[SGC_SMALL_SIZE_MAX / SGC_SMALL_SIZE_DIV + 1]",
		     class8, NUM_CLASS8);
	print_lookup("const uint8_t sgc_size_to_class128"
		     "[(SGC_SIZECLASS_MAX_SIZE - SGC_SMALL_SIZE_MAX) / "
		     "SGC_LARGE_SIZE_DIV + 1]",
		     class128, NUM_CLASS128);
}

/* src/sizeclass_table.h */
static void print_header(void)
{
	static const char *const decls[] = {
		"const uint32_t sgc_class_to_size[SGC_NUM_SIZE_CLASSES]",
		"const uint16_t sgc_class_to_npages[SGC_NUM_SIZE_CLASSES]",
		"const uint32_t sgc_class_to_divmagic[SGC_NUM_SIZE_CLASSES]",
		"const uint16_t sgc_class_to_nelems[SGC_NUM_SIZE_CLASSES]",
		"const uint8_t sgc_size_to_class8"
		"[SGC_SMALL_SIZE_MAX / SGC_SMALL_SIZE_DIV + 1]",
		"const uint8_t sgc_size_to_class128\n\t"
		"[(SGC_SIZECLASS_MAX_SIZE - SGC_SMALL_SIZE_MAX) / "
		"SGC_LARGE_SIZE_DIV + 1]",
	};
	size_t i;

	printf("/* Generated by tools/mksizeclasses.c; do not edit. */\n"
	       "/*\n"
	       " * sizeclass_table.h: the size-class tables; use them through\n"
	       " * src/sizeclass.h.  Class 0 (large objects) is all zero in\n"
	       " * every per-class array.\n"
	       " */\n"
	       "#ifndef SGC_SIZECLASS_TABLE_H\n"
	       "#define SGC_SIZECLASS_TABLE_H\n\n"
	       "#ifndef SGC_BUILDING\n"
	       "#error \"src/sizeclass_table.h is internal to spangc; "
	       "include <gc.h> instead\"\n"
	       "#endif\n\n"
	       "#include <stdint.h>\n\n");
	printf("#define SGC_NUM_SIZE_CLASSES %u\n", nclasses);
	printf("#define SGC_SIZECLASS_PAGE_SIZE %u\n", PAGE_SIZE);
	printf("#define SGC_SIZECLASS_MAX_SIZE %u\n", MAX_SMALL_SIZE);
	printf("#define SGC_SMALL_SIZE_DIV %u\n", SMALL_SIZE_DIV);
	printf("#define SGC_SMALL_SIZE_MAX %u\n", SMALL_SIZE_MAX);
	printf("#define SGC_LARGE_SIZE_DIV %u\n\n", LARGE_SIZE_DIV);
	for (i = 0; i < sizeof(decls) / sizeof(decls[0]); i++)
		printf("extern __attribute__((visibility(\"hidden\"))) %s;\n",
		       decls[i]);
	printf("\n#endif /* SGC_SIZECLASS_TABLE_H */\n");
}

int main(int argc, char **argv)
{
	int header = 0;

	if (argc == 2 && strcmp(argv[1], "-h") == 0)
		header = 1;
	else if (argc != 1)
		fail("usage: mksizeclasses [-h] > src/sizeclass_table.{c,h}");
	make_classes();
	if (header)
		print_header();
	else
		print_source();
	if (fflush(stdout) != 0 || ferror(stdout))
		fail("write error on stdout");
	return 0;
}
