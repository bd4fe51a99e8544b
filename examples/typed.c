/*
 * typed: typed allocation (<gc/gc_typed.h>), where the program tells the
 * collector which words of an object are pointers.
 *
 * A record holds two pointers and two numbers.  One of the numbers, id,
 * is an object's address kept as a plain integer (an identity hash, a
 * handle, a key into a table outside the heap): not a reference, the
 * program never follows it.  Allocated with GC_MALLOC, the record is
 * scanned conservatively, every word a possible pointer, so the object
 * that id names stays alive as long as the record does.  Allocated with
 * GC_MALLOC_EXPLICITLY_TYPED and a descriptor from GC_make_descriptor
 * that marks only next and name, the record keeps next and name alive and
 * nothing else: the object id names is freed.  A disappearing link on
 * each such object tells which survived a full collection.
 *
 * Builds against spangc (`make examples/typed`) and, unchanged, against
 * bdwgc:
 *
 *   cc -std=gnu11 -O2 examples/typed.c -lgc
 */
#include <gc.h>
#include <gc/gc_typed.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDS 1000
#define NAME_BYTES 24

struct rec {
	struct rec *next; /* a pointer */
	char *name;       /* a pointer */
	uintptr_t id;     /* a number that happens to be an address */
	double weight;    /* a number */
};

static GC_descr rec_descr;

/* The head of the list being checked: a root. */
static struct rec *records;

/* One disappearing link per object named by an id: the collector clears
 * it to 0 when that object dies.  Hidden, so this array keeps nothing
 * alive either. */
static GC_hidden_pointer links[RECORDS];

static void *checked(void *p)
{
	if (!p) {
		fputs("typed: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

/* Build the list, each record's id the address of an object that nothing
 * else refers to.  Out of line, so its frame is gone when we collect. */
static __attribute__((noinline)) void build(int typed)
{
	records = NULL;
	for (int i = RECORDS - 1; i >= 0; i--) {
		struct rec *r = checked(typed
			? GC_MALLOC_EXPLICITLY_TYPED(sizeof *r, rec_descr)
			: GC_MALLOC(sizeof *r));
		r->name = checked(GC_MALLOC_ATOMIC(NAME_BYTES));
		snprintf(r->name, NAME_BYTES, "record %d", i);
		r->weight = i * 0.5;
		void *target = checked(GC_MALLOC_ATOMIC(64));
		memset(target, 0xab, 64);
		r->id = (uintptr_t)target;
		links[i] = GC_HIDE_POINTER(target);
		if (GC_general_register_disappearing_link((void **)&links[i],
							  target) != GC_SUCCESS) {
			fputs("typed: cannot register a link\n", stderr);
			exit(1);
		}
		r->next = records;
		records = r;
	}
}

/* Overwrite the dead part of the stack, where build's frame left the
 * last addresses it handled: they would look like pointers too. */
static __attribute__((noinline)) void clear_stack(void)
{
	volatile char junk[32768];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = 0;
}

/* Collect, check the list, and count the objects named by ids that are
 * still alive.  Returns that count, or -1 if the list is damaged. */
static int collect_and_check(void)
{
	clear_stack();
	GC_gcollect();
	int i = 0;
	for (struct rec *r = records; r; r = r->next, i++) {
		char want[NAME_BYTES];
		snprintf(want, sizeof want, "record %d", i);
		if (strcmp(r->name, want) != 0 || r->weight != i * 0.5)
			return -1;
	}
	if (i != RECORDS)
		return -1;
	int alive = 0;
	for (i = 0; i < RECORDS; i++) {
		if (links[i]) {
			alive++;
			GC_unregister_disappearing_link((void **)&links[i]);
			links[i] = 0;
		}
	}
	return alive;
}

int main(void)
{
	GC_INIT();
	/* The descriptor: one bit per word of struct rec, set for the words
	 * that hold pointers. */
	GC_word bitmap[GC_BITMAP_SIZE(struct rec)] = { 0 };
	GC_set_bit(bitmap, GC_WORD_OFFSET(struct rec, next));
	GC_set_bit(bitmap, GC_WORD_OFFSET(struct rec, name));
	rec_descr = GC_make_descriptor(bitmap, GC_WORD_LEN(struct rec));

	build(0);
	int kept = collect_and_check();
	if (kept < 0) {
		puts("GC_MALLOC: the list was damaged");
		return 1;
	}
	printf("GC_MALLOC: %d records intact; the objects their ids name: "
	       "%d of %d kept alive\n", RECORDS, kept, RECORDS);

	build(1);
	int typed_kept = collect_and_check();
	if (typed_kept < 0) {
		puts("GC_MALLOC_EXPLICITLY_TYPED: the list was damaged");
		return 1;
	}
	/* A word left in a register or an uncleared stack slot may still
	 * name one or two of them: a conservative root scan is allowed that;
	 * the records themselves must keep none. */
	printf("GC_MALLOC_EXPLICITLY_TYPED: %d records intact; the objects "
	       "their ids name: %s\n", RECORDS,
	       typed_kept <= RECORDS / 100 ? "freed" : "kept alive");
	records = NULL;
	return kept == RECORDS && typed_kept <= RECORDS / 100 ? 0 : 1;
}
