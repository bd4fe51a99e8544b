/*
 * bench.h: helpers shared by the benchmarks in bench/: a clock, a
 * deterministic PRNG, a fatal-error exit, "metric" output, and a recorder
 * of collection pauses built on GC_set_on_collection_event.
 *
 * Uses only the bdwgc API, like the benchmarks themselves; include it after
 * <gc.h>.  Everything is static: each benchmark is one translation unit.
 *
 * The pause recorder: the collecting thread calls the event callback with
 * the world stopped for most events, so the callback only reads the clock
 * and writes to memory set aside beforehand (never malloc, never the GC).
 * For each collection it records
 *   pause  PRE_STOP_WORLD .. POST_START_WORLD  (the world stopped; START ..
 *          END if the collector reports no world events)
 *   cycle  START .. END  (what the allocating thread waits for: bdwgc, for
 *          one, sets up sweeping after restarting the world, under its lock)
 *   mark   MARK_START .. MARK_END
 * Both collectors report START..END for every collection, explicit or
 * triggered by allocation.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_UNUSED __attribute__((unused))

static BENCH_UNUSED uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static BENCH_UNUSED double bench_now_ms(void)
{
	return bench_now_ns() / 1e6;
}

/* splitmix64: deterministic, and good enough to pick sizes and slots. */
static BENCH_UNUSED uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A uniform integer in [0, n). */
static BENCH_UNUSED uint64_t bench_below(uint64_t *state, uint64_t n)
{
	return bench_rand(state) % n;
}

/* A hash of one word, for payloads and tags. */
static BENCH_UNUSED uint64_t bench_hash(uint64_t x)
{
	uint64_t s = x;
	return bench_rand(&s);
}

/* Wrong results or no memory: say so and exit 1 (bench/run then fails). */
static BENCH_UNUSED __attribute__((noreturn, format(printf, 1, 2)))
void bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static BENCH_UNUSED void *bench_nonnull(void *p, const char *what)
{
	if (!p)
		bench_die("out of memory allocating %s", what);
	return p;
}

/* Parse a positive number argument, or exit 2 with the usage line. */
static BENCH_UNUSED double bench_arg(int argc, char **argv, int i,
				     double dflt, const char *usage)
{
	if (argc <= i)
		return dflt;
	char *end;
	double v = strtod(argv[i], &end);
	if (*end || !(v > 0)) {
		fprintf(stderr, "usage: %s %s\n", argv[0], usage);
		exit(2);
	}
	return v;
}

static BENCH_UNUSED void bench_metric(const char *name, double value)
{
	printf("metric %s %.10g\n", name, value);
}

#ifndef BENCH_NO_GC

/* ---- the pause recorder ---- */

enum { BENCH_MAX_SAMPLES = 1 << 20 };

struct bench_pauses {
	uint64_t t_start, t_stop, t_mark;  /* this cycle's marks, 0: none */
	int world_seen;                    /* POST_START_WORLD this cycle */
	size_t n;                          /* pauses recorded */
	double *ms;                        /* first BENCH_MAX_SAMPLES pauses */
	double total_ms, max_ms;
	double cycle_total_ms, cycle_max_ms;
	size_t marks;
	double mark_total_ms, mark_max_ms;
};

/* Written only by the collecting thread, inside a collection. */
static struct bench_pauses bench_pauses;

static void bench_pause_add(double ms)
{
	struct bench_pauses *p = &bench_pauses;
	if (p->n < BENCH_MAX_SAMPLES)
		p->ms[p->n] = ms;
	p->n++;
	p->total_ms += ms;
	if (ms > p->max_ms)
		p->max_ms = ms;
}

static void GC_CALLBACK bench_on_event(GC_EventType ev)
{
	struct bench_pauses *p = &bench_pauses;
	uint64_t now = bench_now_ns();
	double ms;
	switch (ev) {
	case GC_EVENT_START:
		p->t_start = now;
		p->t_stop = 0;
		p->world_seen = 0;
		break;
	case GC_EVENT_PRE_STOP_WORLD:
		p->t_stop = now;
		break;
	case GC_EVENT_POST_START_WORLD:
		if (p->t_stop || p->t_start) {
			bench_pause_add((now - (p->t_stop ? p->t_stop
					       : p->t_start)) / 1e6);
			p->world_seen = 1;
		}
		p->t_stop = 0;
		break;
	case GC_EVENT_MARK_START:
		p->t_mark = now;
		break;
	case GC_EVENT_MARK_END:
		if (p->t_mark) {
			ms = (now - p->t_mark) / 1e6;
			p->marks++;
			p->mark_total_ms += ms;
			if (ms > p->mark_max_ms)
				p->mark_max_ms = ms;
		}
		p->t_mark = 0;
		break;
	case GC_EVENT_END:
		if (p->t_start) {
			ms = (now - p->t_start) / 1e6;
			p->cycle_total_ms += ms;
			if (ms > p->cycle_max_ms)
				p->cycle_max_ms = ms;
			if (!p->world_seen)
				bench_pause_add(ms);
		}
		p->t_start = 0;
		break;
	default:
		break;
	}
}

/* Start recording (again): forget earlier pauses.  Call outside any
 * collection, e.g. from the main thread between phases. */
static BENCH_UNUSED void bench_pauses_start(void)
{
	struct bench_pauses *p = &bench_pauses;
	double *ms = p->ms;
	if (!ms)        /* malloc: the collectors do not scan it */
		ms = bench_nonnull(malloc(BENCH_MAX_SAMPLES * sizeof *ms),
				   "pause samples");
	GC_set_on_collection_event(0);
	memset(p, 0, sizeof *p);
	p->ms = ms;
	GC_set_on_collection_event(bench_on_event);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Print collections, pause_total_ms, pause_max_ms; with detail also
 * pause_mean_ms, pause_p99_ms, cycle_* and mark_* figures.  Stops
 * recording. */
static BENCH_UNUSED void bench_pauses_report(int detail)
{
	GC_set_on_collection_event(0);
	struct bench_pauses *p = &bench_pauses;
	bench_metric("collections", (double)GC_get_gc_no());
	bench_metric("pauses", (double)p->n);
	bench_metric("pause_total_ms", p->total_ms);
	bench_metric("pause_max_ms", p->max_ms);
	if (!detail)
		return;
	size_t n = p->n < BENCH_MAX_SAMPLES ? p->n : BENCH_MAX_SAMPLES;
	double p99 = 0;
	if (n) {
		qsort(p->ms, n, sizeof p->ms[0], bench_cmp_double);
		size_t i = (size_t)(0.99 * (double)n + 0.999999);  /* ceil */
		p99 = p->ms[(i ? i : 1) - 1];
	}
	bench_metric("pause_mean_ms", p->n ? p->total_ms / p->n : 0);
	bench_metric("pause_p99_ms", p99);
	bench_metric("cycle_total_ms", p->cycle_total_ms);
	bench_metric("cycle_max_ms", p->cycle_max_ms);
	bench_metric("mark_mean_ms", p->marks ? p->mark_total_ms / p->marks
		     : 0);
	bench_metric("mark_max_ms", p->mark_max_ms);
}

#endif /* BENCH_NO_GC */

#endif /* BENCH_H */
