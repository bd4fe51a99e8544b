/*
 * report_count.h: for the whole-program tests leak_program.c and
 * smash_program.c (built against spangc's headers and Debian's bdwgc
 * headers alike, so only the bdwgc API).  A warn procedure that passes
 * each report on to stderr, as the default one does, and counts the
 * reports of each kind the program lists: those holding a phrase and
 * giving FILE:LINE as their object's site (any site when the line is 0).
 * A report counts for the first entry it matches.
 */
#ifndef SGC_REPORT_COUNT_H
#define SGC_REPORT_COUNT_H

#include <stdio.h>
#include <string.h>

struct report_count {
	const char *phrase;
	int line;
	int count;     /* atomic: the warn procedure may run on any thread */
};

static const char *report_file;            /* the source's base name */
static struct report_count *report_counts; /* ending with a NULL phrase */

static int report_names_line(const char *msg, int line)
{
	char want[128];
	snprintf(want, sizeof want, "%s:%d)", report_file, line);
	return strstr(msg, want) != NULL;
}

static void GC_CALLBACK report_count_proc(char *msg, GC_word arg)
{
	for (struct report_count *c = report_counts; c->phrase; c++)
		if (strstr(msg, c->phrase) &&
		    (!c->line || report_names_line(msg, c->line))) {
			__atomic_add_fetch(&c->count, 1, __ATOMIC_RELAXED);
			break;
		}
	fprintf(stderr, msg, (unsigned long)arg);
}

/* Count the reports of file (a source's base name) by counts. */
static void report_count_start(const char *file, struct report_count *counts)
{
	report_file = file;
	report_counts = counts;
	GC_set_warn_proc(report_count_proc);
}

static int report_count_of(const struct report_count *c)
{
	return __atomic_load_n(&c->count, __ATOMIC_RELAXED);
}

#endif /* SGC_REPORT_COUNT_H */
