/*
 * check_trace.c: the cycle trace (SPANGC_TRACE): the stderr lines parsed
 * field by field, the JSON file parsed by tools/json.c and its events
 * checked against what the program did (cycles, reasons, live bytes,
 * other threads' stops), and a trace file that cannot be opened or
 * written never stopping the collector.
 *
 * Each test sets SPANGC_TRACE before the collector starts (Check forks a
 * fresh process per test); the fixture only checks the heap afterwards.
 */
#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "testutil.h"
#include "../tools/json.h"
#include "trace.h"

static void verify_teardown(void)
{
	ck_assert_int_eq(sgc_verify_heap(), 0);
}

/* Send stderr to a fresh temporary file; returns its descriptor. */
static int capture_stderr(char *path, size_t n)
{
	snprintf(path, n, "/tmp/sgc_trace_err_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fd, 2), 0);
	return fd;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* A list of n cells kept alive through a root, so live bytes are known. */
struct cell {
	struct cell *next;
	char pad[56];
};

static struct cell *volatile kept;

static void keep_list(size_t n)
{
	struct cell *l = NULL;
	for (size_t i = 0; i < n; i++) {
		struct cell *c = GC_malloc(sizeof *c);
		ck_assert_ptr_nonnull(c);
		c->next = l;
		l = c;
	}
	kept = l;
}

static void churn(size_t bytes)
{
	for (size_t done = 0; done < bytes; done += 256)
		GC_noop1((GC_word)GC_malloc(256));
}

START_TEST(test_stderr_lines)
{
	char path[64];
	setenv("SPANGC_TRACE", "1", 1);
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 1);
	int fd = capture_stderr(path, sizeof path);
	GC_init();
	keep_list(20000); /* about 1.2 MiB live */
	for (int i = 0; i < 3; i++)
		GC_gcollect();
	churn((size_t)64 << 20); /* budget cycles */
	unsigned long cycles = GC_get_gc_no();
	fflush(stderr);
	close(fd);

	size_t len;
	char *text = read_file(path, &len);
	unlink(path);
	unsigned long lines = 0, explicit_seen = 0, budget_seen = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long no, pct, markers;
		double at, pause, mark_w, mark_c, sweep_w, sweep_c, before,
			after, goal, live, returned;
		size_t rec, prop, bg, dem, fin;
		char why[16];
		int n = sscanf(line,
			       "spangc: gc %lu @%lfs %lu%%: %15[a-z], pause %lf ms,"
			       " mark %lf ms wall %lf ms cpu, sweep %lf ms wall"
			       " %lf ms cpu, heap %lf->%lf->%lf MiB, live %lf MiB,"
			       " %lu markers, spans %zu reclaimed %zu proportional"
			       " %zu background %zu on demand %zu finished,"
			       " returned %lf MiB",
			       &no, &at, &pct, why, &pause, &mark_w, &mark_c,
			       &sweep_w, &sweep_c, &before, &after, &goal, &live,
			       &markers, &rec, &prop, &bg, &dem, &fin, &returned);
		ck_assert_msg(n == 20, "unparsed trace line (%d fields): %s",
			      n, line);
		lines++;
		ck_assert_uint_eq(no, lines);
		ck_assert(at >= 0 && pct <= 100);
		ck_assert(pause >= mark_w && mark_w >= 0 && sweep_w >= 0);
		ck_assert(mark_c >= 0 && sweep_c >= 0);
		ck_assert_uint_ge(markers, 1);
		/* The list stays live in every cycle. */
		ck_assert_msg(live >= 1.0, "live %.2f MiB: %s", live, line);
		ck_assert(goal > live && before >= live * 0.99);
		ck_assert(after >= 0 && returned >= 0);
		if (strcmp(why, "explicit") == 0)
			explicit_seen++;
		else if (strcmp(why, "budget") == 0)
			budget_seen++;
		else
			ck_assert_msg(strcmp(why, "full") == 0 ||
					      strcmp(why, "oom") == 0,
				      "reason %s", why);
		(void)rec, (void)prop, (void)bg, (void)dem, (void)fin;
	}
	ck_assert_uint_eq(lines, cycles);
	ck_assert_uint_eq(explicit_seen, 3);
	ck_assert_uint_ge(budget_seen, 2);
	free(text);
}
END_TEST

/* Spans swept since the last cycle are counted: after a cycle that
 * leaves a heap full of garbage, the next line reports them. */
START_TEST(test_stderr_spans_counted)
{
	char path[64];
	setenv("SPANGC_TRACE", "1", 1);
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 1);
	int fd = capture_stderr(path, sizeof path);
	GC_init();
	churn((size_t)8 << 20);
	GC_gcollect(); /* garbage everywhere, swept after the cycle */
	churn((size_t)8 << 20);
	GC_gcollect();
	fflush(stderr);
	close(fd);
	size_t len;
	char *text = read_file(path, &len);
	unlink(path);
	char *last = NULL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		last = line;
	ck_assert_ptr_nonnull(last);
	const char *s = strstr(last, "spans ");
	ck_assert_ptr_nonnull(s);
	size_t rec, prop, bg, dem, fin;
	ck_assert_int_eq(sscanf(s, "spans %zu reclaimed %zu proportional %zu"
				" background %zu on demand %zu finished",
				&rec, &prop, &bg, &dem, &fin), 5);
	ck_assert_msg(rec + prop + bg + dem + fin > 0, "no span swept: %s",
		      last);
	free(text);
}
END_TEST

/* ---- JSON ---- */

static volatile int workers_stop;
static volatile int workers_failed;

static void *worker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&workers_stop, __ATOMIC_ACQUIRE)) {
		void **p = GC_malloc(4 * sizeof(void *));
		if (!p) {
			workers_failed = 1;
			break;
		}
		p[0] = GC_malloc_atomic(100);
	}
	return NULL;
}

static const struct json *events_of(struct json *doc)
{
	ck_assert_int_eq(doc->type, JSON_ARRAY);
	ck_assert_uint_gt(doc->len, 0);
	return doc->items;
}

START_TEST(test_json_file)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/sgc_trace_XXXXXX");
	int tmp = mkstemp(path);
	ck_assert_int_ge(tmp, 0);
	close(tmp);
	setenv("SPANGC_TRACE", path, 1);
	setenv("SPANGC_BACKGROUND_SWEEP", "0", 1);
	GC_init();
	GC_allow_register_threads();
	keep_list(20000);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, worker, NULL),
				 0);
	for (int i = 0; i < 6; i++)
		GC_gcollect();
	__atomic_store_n(&workers_stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		GC_pthread_join(t[i], NULL);
	ck_assert(!workers_failed);
	GC_gcollect(); /* writes the last stop's thread records */
	unsigned long cycles = GC_get_gc_no();
	sgc_trace_close();

	size_t len;
	char *text = read_file(path, &len);
	unlink(path);
	char err[128];
	struct json *doc = json_parse(text, len, err, sizeof err);
	ck_assert_msg(doc != NULL, "trace is not JSON: %s", err);
	const struct json *ev = events_of(doc);
	unsigned long gc_events = 0, explicit_seen = 0, stops = 0,
		      marks = 0, pauses = 0;
	double last_ts = -1;
	for (size_t i = 0; i < doc->len; i++) {
		const struct json *e = &ev[i];
		ck_assert_int_eq(e->type, JSON_OBJECT);
		const char *name = json_str(e, "name");
		const char *ph = json_str(e, "ph");
		ck_assert_ptr_nonnull(name);
		ck_assert_ptr_nonnull(ph);
		ck_assert(json_num(e, "pid", -1) == (double)getpid());
		double ts = json_num(e, "ts", -1);
		ck_assert(ts >= 0 && json_num(e, "tid", -1) > 0);
		if (strcmp(ph, "X") == 0)
			ck_assert(json_num(e, "dur", -1) >= 0);
		if (strncmp(name, "GC ", 3) == 0) {
			ck_assert_str_eq(ph, "X");
			const struct json *a = json_get(e, "args");
			ck_assert_ptr_nonnull(a);
			gc_events++;
			ck_assert(json_num(a, "cycle", 0) == (double)gc_events);
			ck_assert_msg(ts >= last_ts, "cycles out of order");
			last_ts = ts;
			const char *why = json_str(a, "reason");
			ck_assert_ptr_nonnull(why);
			explicit_seen += strcmp(why, "explicit") == 0;
			ck_assert(json_num(a, "live", 0) >= 20000 * 64.0);
			ck_assert(json_num(a, "goal", 0) >
				  json_num(a, "live", 0));
			ck_assert(json_num(a, "pause_ns", -1) >=
				  json_num(a, "mark_ns", -1));
			ck_assert(json_num(a, "markers", 0) >= 1);
			static const char *const keys[] = {
				"mark_cpu_ns", "sweep_ns", "sweep_cpu_ns",
				"heap_before", "heap_after", "mapped",
				"spans_reclaimed", "spans_proportional",
				"spans_background", "spans_on_demand",
				"spans_finished", "returned"
			};
			for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
				ck_assert_msg(json_num(a, keys[k], -1) >= 0,
					      "no %s", keys[k]);
		} else if (strcmp(name, "stopped") == 0) {
			stops++;
		} else if (strcmp(name, "mark") == 0) {
			marks++;
		} else if (strcmp(name, "pause") == 0) {
			pauses++;
		}
	}
	ck_assert_uint_eq(gc_events, cycles);
	ck_assert_uint_ge(explicit_seen, 7);
	ck_assert_uint_eq(marks, cycles);
	ck_assert_uint_eq(pauses, cycles);
	/* Each stop lies inside a pause, on another thread's track than the
	 * collecting thread's (workers collect too, and stop main); debug
	 * builds also stop the world to verify the heap after GC_gcollect,
	 * outside any cycle. */
	unsigned long inside_pauses = 0;
	for (size_t i = 0; i < doc->len; i++) {
		if (strcmp(json_str(&ev[i], "name"), "stopped") != 0)
			continue;
		double ts = json_num(&ev[i], "ts", -1);
		int inside = 0;
		for (size_t j = 0; j < doc->len && !inside; j++) {
			if (strcmp(json_str(&ev[j], "name"), "pause") != 0)
				continue;
			double from = json_num(&ev[j], "ts", -1);
			double to = from + json_num(&ev[j], "dur", -1);
			if (ts >= from && ts <= to) {
				inside = 1;
				ck_assert(json_num(&ev[i], "tid", -1) !=
					  json_num(&ev[j], "tid", -1));
			}
		}
		ck_assert_msg(inside || SGC_DEBUG,
			      "a stop at %.3f outside every pause", ts);
		inside_pauses += inside;
	}
	/* Two workers, six cycles with them running: most stops are
	 * recorded, on the workers' own tracks. */
	ck_assert_uint_ge(stops, 6);
	ck_assert_uint_ge(inside_pauses, 6);
	json_free(doc);
	free(text);
}
END_TEST

/* A file that cannot be opened: one message, no trace, collection as
 * usual. */
START_TEST(test_json_unopenable)
{
	char path[64];
	setenv("SPANGC_TRACE", "/nonexistent-dir/trace.json", 1);
	int fd = capture_stderr(path, sizeof path);
	GC_init();
	keep_list(1000);
	churn((size_t)16 << 20);
	GC_gcollect();
	ck_assert_uint_ge(GC_get_gc_no(), 2);
	for (struct cell *c = kept; c; c = c->next)
		ck_assert(c->pad[0] == 0);
	fflush(stderr);
	close(fd);
	size_t len;
	char *text = read_file(path, &len);
	unlink(path);
	ck_assert_msg(strstr(text, "cannot open /nonexistent-dir/trace.json"),
		      "stderr: %s", text);
	free(text);
}
END_TEST

/* A file that fails on write (/dev/full): the trace turns itself off
 * with a message; the program goes on collecting. */
START_TEST(test_json_write_error)
{
	char path[64];
	setenv("SPANGC_TRACE", "/dev/full", 1);
	int fd = capture_stderr(path, sizeof path);
	GC_init();
	keep_list(1000);
	for (int i = 0; i < 5; i++) {
		churn((size_t)4 << 20);
		GC_gcollect();
	}
	ck_assert_uint_ge(GC_get_gc_no(), 5);
	fflush(stderr);
	close(fd);
	size_t len;
	char *text = read_file(path, &len);
	unlink(path);
	ck_assert_msg(strstr(text, "cannot write the trace file"),
		      "stderr: %s", text);
	/* Said once, not once per cycle. */
	ck_assert_ptr_null(strstr(strstr(text, "cannot write") + 1,
				  "cannot write"));
	free(text);
}
END_TEST

/* No SPANGC_TRACE: nothing on stderr. */
START_TEST(test_off_by_default)
{
	char path[64];
	unsetenv("SPANGC_TRACE");
	unsetenv("GC_PRINT_STATS");
	int fd = capture_stderr(path, sizeof path);
	GC_init();
	churn((size_t)16 << 20);
	GC_gcollect();
	fflush(stderr);
	close(fd);
	size_t len;
	char *text = read_file(path, &len);
	unlink(path);
	ck_assert_msg(len == 0, "stderr: %s", text);
	free(text);
}
END_TEST

/* The reader itself: what it must accept and refuse. */
START_TEST(test_json_reader)
{
	static const char *const good[] = {
		"[]", "{}", " [1, -2.5e3, 0, true, false, null] ",
		"{\"a\":{\"b\":[\"x\\u00e9\\ud83d\\ude00\\n\"]}}",
	};
	static const char *const bad[] = {
		"", "[", "[1,]", "{\"a\" 1}", "[01]", "[1.]", "[.5]",
		"\"\\x\"", "[\"\\ud800\"]", "[1] x", "{a:1}", "[\"a\tb\"]",
		"tru", "[-]",
	};
	char err[128];
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		struct json *v = json_parse(good[i], strlen(good[i]), err,
					    sizeof err);
		ck_assert_msg(v != NULL, "refused %s: %s", good[i], err);
		json_free(v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct json *v = json_parse(bad[i], strlen(bad[i]), err,
					    sizeof err);
		ck_assert_msg(v == NULL, "accepted %s", bad[i]);
	}
	const char *t = "{\"s\":\"\\u00e9\\ud83d\\ude00\",\"n\":-12.5}";
	struct json *v = json_parse(t, strlen(t), err, sizeof err);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_str(v, "s"), "\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert(json_num(v, "n", 0) == -12.5);
	json_free(v);
}
END_TEST

static Suite *make_trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("stderr");
	tcase_add_checked_fixture(tc, NULL, verify_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_stderr_lines);
	tcase_add_test(tc, test_stderr_spans_counted);
	tcase_add_test(tc, test_off_by_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, NULL, verify_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_json_file);
	tcase_add_test(tc, test_json_unopenable);
	tcase_add_test(tc, test_json_write_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_test(tc, test_json_reader);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run_budget(make_trace_suite());
}
