/*
 * spangc-plot: draw a spangc trace (SPANGC_TRACE=file.json) as an SVG.
 *
 *     spangc-plot trace.json > heap.svg
 *
 * Top: heap in use (before and after each cycle), live bytes and the heap
 * goal over time, with the memory mapped from the system.  Middle: each
 * cycle's stop-the-world pause as a bar at its time.  Bottom: a table of
 * pause percentiles.  The input is read with tools/json.c; a trace cut
 * short (the program died before writing the closing bracket) is read up
 * to its last complete event.  Only the "GC <n> (<reason>)" events are
 * used; see doc/spangc-plot.1.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

struct cycle {
	double t, dur;            /* seconds since start-up */
	double pause_ms;
	double before, after, goal, live, mapped; /* MiB */
	char reason[16];
};

static const char *prog = "spangc-plot";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 3);
	if (!buf)
		die("%s", "out of memory");
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 3);
			if (!buf)
				die("%s", "out of memory");
		}
	}
	if (ferror(f))
		die("read error: %s", strerror(errno));
	buf[n] = 0;
	*len = n;
	return buf;
}

/* A trace whose writer died lacks the closing bracket and may end inside
 * an event: cut after the last complete event ("}" ending a line) and
 * close the array.  buf has room for three more bytes. */
static void close_truncated(char *buf, size_t *len)
{
	size_t n = *len;
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		n--;
	if (n == 0 || buf[n - 1] == ']')
		return;
	while (n > 0 && !(buf[n - 1] == '}' && (n == *len || buf[n] == '\n' ||
					       buf[n] == ',')))
		n--;
	if (n == 0)
		return;
	buf[n++] = '\n';
	buf[n++] = ']';
	buf[n] = 0;
	*len = n;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* A "nice" step (1, 2 or 5 times a power of ten) giving about n ticks. */
static double nice_step(double range, int n)
{
	if (range <= 0)
		return 1;
	double raw = range / n;
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void xml_text(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '&': fputs("&amp;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				putchar(*s);
			break;
		}
	}
}

/* Plot geometry. */
enum { W = 960, LEFT = 80, RIGHT = 30, TOP = 50, HEAP_H = 300, GAP = 60,
       PAUSE_H = 120 };

static double x_of(double t, double tmax)
{
	return LEFT + (W - LEFT - RIGHT) * (tmax > 0 ? t / tmax : 0);
}

static void polyline(const char *cls, const char *color, const double *xs,
		     const double *ys, size_t n, int dashed)
{
	printf("<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" "
	       "stroke-width=\"1.5\"%s points=\"", cls, color,
	       dashed ? " stroke-dasharray=\"5,3\"" : "");
	for (size_t i = 0; i < n; i++)
		printf("%s%.1f,%.1f", i ? " " : "", xs[i], ys[i]);
	printf("\"/>\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: %s TRACE.json > HEAP.svg\n"
		"Draws a trace written with SPANGC_TRACE=TRACE.json "
		"('-' reads standard input).\n", prog);
}

int main(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage();
		return argc == 2 ? 0 : 2;
	}
	const char *path = argv[1];
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		die("cannot open %s", path);
	size_t len;
	char *text = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	close_truncated(text, &len);
	char err[160];
	struct json *doc = json_parse(text, len, err, sizeof err);
	if (!doc)
		die("not a trace (bad JSON %s)", err);
	const struct json *events = doc;
	if (doc->type == JSON_OBJECT) /* {"traceEvents": [...]} form */
		events = json_get(doc, "traceEvents");
	if (!events || events->type != JSON_ARRAY)
		die("%s", "not a trace: no array of events");

	struct cycle *cy = calloc(events->len + 1, sizeof *cy);
	size_t n = 0;
	if (!cy)
		die("%s", "out of memory");
	for (size_t i = 0; i < events->len; i++) {
		const struct json *e = &events->items[i];
		const char *name = json_str(e, "name");
		const char *ph = json_str(e, "ph");
		const struct json *a = json_get(e, "args");
		if (!name || !ph || strcmp(ph, "X") != 0 ||
		    strncmp(name, "GC ", 3) != 0 || !a)
			continue;
		struct cycle *c = &cy[n++];
		c->t = json_num(e, "ts", 0) / 1e6;
		c->dur = json_num(e, "dur", 0) / 1e6;
		c->pause_ms = json_num(a, "pause_ns", 0) / 1e6;
		c->before = json_num(a, "heap_before", 0) / 1048576.0;
		c->after = json_num(a, "heap_after", 0) / 1048576.0;
		c->goal = json_num(a, "goal", 0) / 1048576.0;
		c->live = json_num(a, "live", 0) / 1048576.0;
		c->mapped = json_num(a, "mapped", 0) / 1048576.0;
		const char *why = json_str(a, "reason");
		snprintf(c->reason, sizeof c->reason, "%s", why ? why : "?");
	}
	if (n == 0)
		die("%s: no collections in the trace", path);

	double tmax = 0, ymax = 0, pmax = 0, total_pause = 0;
	for (size_t i = 0; i < n; i++) {
		double end = cy[i].t + cy[i].dur;
		tmax = end > tmax ? end : tmax;
		double m = fmax(fmax(cy[i].before, cy[i].goal),
				fmax(cy[i].mapped, cy[i].after));
		ymax = m > ymax ? m : ymax;
		pmax = cy[i].pause_ms > pmax ? cy[i].pause_ms : pmax;
		total_pause += cy[i].pause_ms;
	}
	tmax *= 1.02;
	double ystep = nice_step(ymax, 5);
	ymax = ceil(ymax * 1.05 / ystep) * ystep;
	if (ymax <= 0)
		ymax = 1;
	double pstep = nice_step(pmax, 3);
	double ptop = ceil(pmax * 1.05 / pstep) * pstep;
	if (ptop <= 0)
		ptop = 1;

	const int heap_y0 = TOP + HEAP_H; /* baseline of the heap chart */
	const int pause_top = heap_y0 + GAP, pause_y0 = pause_top + PAUSE_H;
	const int table_top = pause_y0 + 60;
	const int H = table_top + 110;
#define Y_HEAP(v) (heap_y0 - HEAP_H * ((v) / ymax))

	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	printf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	       "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	       "font-size=\"12\">\n", W, H, W, H);
	printf("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	printf("<text x=\"%d\" y=\"24\" font-size=\"16\">spangc: ", LEFT);
	xml_text(path);
	printf(" (%zu collections, %.3f s)</text>\n", n, tmax / 1.02);

	/* Heap chart: grid, axes, lines. */
	printf("<g class=\"grid\" stroke=\"#ddd\">\n");
	for (double v = 0; v <= ymax + ystep / 2; v += ystep)
		printf("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
		       LEFT, Y_HEAP(v), W - RIGHT, Y_HEAP(v));
	printf("</g>\n<g class=\"axis\" text-anchor=\"end\">\n");
	for (double v = 0; v <= ymax + ystep / 2; v += ystep)
		printf("<text x=\"%d\" y=\"%.1f\">%g</text>\n", LEFT - 6,
		       Y_HEAP(v) + 4, v);
	printf("</g>\n");
	printf("<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" "
	       "text-anchor=\"middle\">MiB</text>\n", TOP + HEAP_H / 2,
	       TOP + HEAP_H / 2);
	double tstep = nice_step(tmax, 8);
	printf("<g class=\"axis\" text-anchor=\"middle\">\n");
	for (double t = 0; t <= tmax; t += tstep) {
		printf("<text x=\"%.1f\" y=\"%d\">%g</text>\n", x_of(t, tmax),
		       heap_y0 + 16, t);
		printf("<text x=\"%.1f\" y=\"%d\">%g</text>\n", x_of(t, tmax),
		       pause_y0 + 16, t);
	}
	printf("</g>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seconds"
	       "</text>\n", W - RIGHT, pause_y0 + 32);
	printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
	       LEFT, heap_y0, W - RIGHT, heap_y0);
	printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
	       LEFT, TOP, LEFT, heap_y0);

	/* In use: up to heap_before at each cycle's start, down to
	 * heap_after at its end; live and goal as steps set by each cycle;
	 * mapped dashed. */
	size_t cap = 2 * n + 2;
	double *xs = malloc(cap * sizeof *xs), *ys = malloc(cap * sizeof *ys);
	if (!xs || !ys)
		die("%s", "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		xs[k] = x_of(cy[i].t, tmax);
		ys[k++] = Y_HEAP(cy[i].before);
		xs[k] = x_of(cy[i].t + cy[i].dur, tmax);
		ys[k++] = Y_HEAP(cy[i].after);
	}
	polyline("in-use", "#1f77b4", xs, ys, k, 0);
	static const struct { const char *cls, *color; int dashed; size_t off; }
	steps[] = {
		{ "live", "#2ca02c", 0, offsetof(struct cycle, live) },
		{ "goal", "#d62728", 0, offsetof(struct cycle, goal) },
		{ "mapped", "#7f7f7f", 1, offsetof(struct cycle, mapped) },
	};
	for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
		k = 0;
		for (size_t i = 0; i < n; i++) {
			double v = *(const double *)((const char *)&cy[i] +
						     steps[s].off);
			double x = x_of(cy[i].t + cy[i].dur, tmax);
			if (k) { /* hold the previous value until here */
				xs[k] = x;
				ys[k] = ys[k - 1];
				k++;
			}
			xs[k] = x;
			ys[k++] = Y_HEAP(v);
		}
		xs[k] = x_of(tmax, tmax);
		ys[k] = ys[k - 1];
		k++;
		polyline(steps[s].cls, steps[s].color, xs, ys, k,
			 steps[s].dashed);
	}
	/* Legend. */
	static const char *const names[] = { "heap in use", "live", "goal",
					     "mapped" };
	static const char *const colors[] = { "#1f77b4", "#2ca02c", "#d62728",
					      "#7f7f7f" };
	for (int i = 0; i < 4; i++) {
		int x = LEFT + 20 + i * 130;
		printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		       "stroke=\"%s\" stroke-width=\"3\"%s/>\n", x, TOP - 8,
		       x + 24, TOP - 8, colors[i],
		       i == 3 ? " stroke-dasharray=\"5,3\"" : "");
		printf("<text x=\"%d\" y=\"%d\">%s</text>\n", x + 30,
		       TOP - 4, names[i]);
	}

	/* Pause chart. */
	printf("<text x=\"%d\" y=\"%d\">stop-the-world pauses (ms)</text>\n",
	       LEFT, pause_top - 8);
	printf("<g class=\"axis\" text-anchor=\"end\">\n");
	for (double v = 0; v <= ptop + pstep / 2; v += pstep)
		printf("<text x=\"%d\" y=\"%.1f\">%g</text>\n", LEFT - 6,
		       pause_y0 - PAUSE_H * (v / ptop) + 4, v);
	printf("</g>\n");
	printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
	       LEFT, pause_y0, W - RIGHT, pause_y0);
	for (size_t i = 0; i < n; i++) {
		double h = PAUSE_H * (cy[i].pause_ms / ptop);
		double x = x_of(cy[i].t, tmax);
		printf("<rect class=\"pause\" x=\"%.1f\" y=\"%.1f\" width=\"2\" "
		       "height=\"%.1f\" fill=\"%s\"><title>GC %zu (", x - 1,
		       pause_y0 - h, h < 0.5 ? 0.5 : h,
		       strcmp(cy[i].reason, "budget") == 0 ? "#ff7f0e" :
							     "#9467bd", i + 1);
		xml_text(cy[i].reason);
		printf("): %.3f ms</title></rect>\n", cy[i].pause_ms);
	}

	/* Percentile table. */
	double *p = malloc(n * sizeof *p);
	if (!p)
		die("%s", "out of memory");
	for (size_t i = 0; i < n; i++)
		p[i] = cy[i].pause_ms;
	qsort(p, n, sizeof *p, by_double);
	static const char *const heads[] = { "cycles", "p50", "p90", "p99",
					     "max", "total", "share" };
	double vals[7] = { (double)n, percentile(p, n, 50),
			   percentile(p, n, 90), percentile(p, n, 99),
			   p[n - 1], total_pause,
			   tmax > 0 ? total_pause / 10.0 / (tmax / 1.02) : 0 };
	printf("<g class=\"percentiles\">\n<text x=\"%d\" y=\"%d\">pauses "
	       "(ms; share: %% of the run's wall time)</text>\n", LEFT,
	       table_top);
	for (int i = 0; i < 7; i++) {
		int x = LEFT + i * 110;
		printf("<rect x=\"%d\" y=\"%d\" width=\"110\" height=\"44\" "
		       "fill=\"%s\" stroke=\"#999\"/>\n", x, table_top + 8,
		       i % 2 ? "#f4f4f4" : "#ffffff");
		printf("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		       "font-weight=\"bold\">%s</text>\n", x + 55,
		       table_top + 26, heads[i]);
		if (i == 0)
			printf("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
			       "%zu</text>\n", x + 55, table_top + 44, n);
		else if (i == 6)
			printf("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
			       "%.2f%%</text>\n", x + 55, table_top + 44,
			       vals[i]);
		else
			printf("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
			       "%.3f</text>\n", x + 55, table_top + 44,
			       vals[i]);
	}
	printf("</g>\n</svg>\n");
	free(p);
	free(xs);
	free(ys);
	free(cy);
	json_free(doc);
	free(text);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		return 1;
	}
	return 0;
}
