/*
 * trace.c: the cycle trace (see trace.h).
 *
 * Figures of a line, in order: cycle number; time since start-up; the
 * share of that time spent in pauses; the reason (budget: the pacer's
 * trigger, explicit, oom: the heap could not grow, full: the heap was
 * full and the budget spent); the stop-the-world pause; the mark's wall
 * time and the CPU time the process spent meanwhile (the markers', as the
 * world is stopped); the leftover sweeping the cycle did itself before
 * marking, wall and the collecting thread's CPU; the bytes of in-use
 * spans at the start, after that sweeping, and the heap goal (live bytes
 * plus the pacer's budget); live bytes; markers; spans swept since the
 * previous cycle by each sweeper; memory returned to the system since
 * the previous cycle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomics.h"
#include "heap.h"
#include "mark.h"
#include "os.h"
#include "pacer.h"
#include "stats.h"
#include "sweep.h"
#include "thread.h"
#include "trace.h"

enum { TRACE_OFF, TRACE_STDERR, TRACE_JSON };

/* Set at initialisation; TRACE_JSON drops to TRACE_OFF when the file
 * fails (trace lock held).  Atomic, as the thread hooks read it. */
static sgc_atomic_word mode;
static uint64_t start_ns;     /* sgc_trace_init's time */

/* ---- The cycle in progress (collecting thread, world lock) ---- */

static struct {
	uint64_t at[GC_EVENT_THREAD_UNSUSPENDED + 1]; /* wall, per step */
	uint64_t cpu_start, cpu_prestop, cpu_poststop, cpu_markstart;
	uint64_t proc_markstart, proc_markend;
	long tid;
	size_t heap_before;
	/* From sgc_trace_cycle: */
	int have_figures;
	unsigned long cycle;
	int why;
	uint64_t pause_ns;
	size_t heap_after, goal, live, mapped, returned;
	unsigned markers;
	struct sgc_sweep_tally spans;
} cur;

static struct sgc_sweep_tally prev_spans;
static size_t prev_returned;

static const char *const reason_names[] = { "budget", "explicit", "oom",
					     "full" };

/* Spans swept by allocators taking them from their central: the rest.
 * A sweep counted in the total just before the previous reading and in
 * its sweeper's figure just after can make the difference negative. */
static size_t spans_on_demand(const struct sgc_sweep_tally *t)
{
	size_t known = t->reclaimed + t->proportional + t->background +
		       t->finished;
	return t->spans > known ? t->spans - known : 0;
}

/* ---- Per-thread stop records ---- */

#define MAX_STOP_RECS 256

struct stop_rec {
	sgc_atomic_word tid, stop_ns, resume_ns; /* atomic */
};

/* Two sets, by the parity of the stop's sequence number: one being
 * filled by the current stop while the other waits to be written. */
static struct stop_rec recs[2][MAX_STOP_RECS];
static sgc_atomic_word nrecs[2];   /* atomic: slots taken */
static sgc_atomic_word stop_seq;   /* atomic: the current stop */
static uint64_t restart_at[2];     /* world lock: the stop's restart */

/* ---- The JSON file (trace lock) ---- */

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static int fd = -1;
static pid_t owner;          /* the process that opened it (not a fork child) */
static int first_event = 1;
static char jbuf[1 << 15];
static size_t jlen;

static void json_fail(const char *what)
{
	sgc_log("trace: cannot %s the trace file (%s); JSON trace off", what,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = -1;
	sgc_store_relaxed(&mode, TRACE_OFF);
}

/* Write the buffer out; trace lock held. */
static void json_flush(void)
{
	size_t off = 0;
	while (fd >= 0 && off < jlen) {
		ssize_t n = write(fd, jbuf + off, jlen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			json_fail("write");
			break;
		}
		off += (size_t)n;
	}
	jlen = 0;
}

/* Append formatted text; trace lock held. */
static SGC_PRINTF(1, 2) void json_put(const char *fmt, ...)
{
	if (fd < 0)
		return;
	for (int tries = 0; tries < 2; tries++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(jbuf + jlen, sizeof jbuf - jlen, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < sizeof jbuf - jlen) {
			jlen += (size_t)n;
			return;
		}
		json_flush(); /* and try again in an empty buffer */
	}
}

/* Microseconds since start-up with nanosecond digits, as trace viewers
 * read "ts" and "dur". */
#define US_FMT "%llu.%03llu"
#define US(ns) (unsigned long long)((ns) / 1000), \
	       (unsigned long long)((ns) % 1000)

static uint64_t since_start(uint64_t t)
{
	return t > start_ns ? t - start_ns : 0;
}

/* Begin an event object: the separator, name, category, phase, ids and
 * time stamp.  The caller adds the rest and the closing brace. */
static void json_begin(const char *name, const char *ph, long tid,
		       uint64_t t)
{
	json_put("%s{\"name\":\"%s\",\"cat\":\"gc\",\"ph\":\"%s\","
		 "\"pid\":%ld,\"tid\":%ld,\"ts\":" US_FMT,
		 first_event ? "[\n" : ",\n", name, ph, (long)owner, tid,
		 US(since_start(t)));
	first_event = 0;
}

static void json_span(const char *name, long tid, uint64_t from,
		      uint64_t to)
{
	json_begin(name, "X", tid, from);
	json_put(",\"dur\":" US_FMT "}", US(to > from ? to - from : 0));
}

/* Write the records of stop set b and empty it; trace lock held, and
 * every thread of that stop has left the suspend handler or is about to
 * (a missing restart time is the world's). */
static void write_stops(unsigned b)
{
	size_t n = sgc_load_acquire(&nrecs[b]);
	if (n > MAX_STOP_RECS)
		n = MAX_STOP_RECS;
	for (size_t i = 0; i < n; i++) {
		struct stop_rec *r = &recs[b][i];
		uint64_t stop = sgc_load_acquire(&r->stop_ns);
		uint64_t resume = sgc_load_acquire(&r->resume_ns);
		if (!resume || resume < stop)
			resume = restart_at[b] > stop ? restart_at[b] : stop;
		json_span("stopped", (long)sgc_load_relaxed(&r->tid), stop,
			  resume);
	}
	sgc_store_release(&nrecs[b], 0);
}

static void write_cycle(void)
{
	const uint64_t *at = cur.at;
	long tid = cur.tid;
	char name[48];
	snprintf(name, sizeof name, "GC %lu (%s)", cur.cycle,
		 reason_names[cur.why]);
	json_begin(name, "X", tid, at[GC_EVENT_START]);
	json_put(",\"dur\":" US_FMT ",\"args\":{\"cycle\":%lu,\"reason\":"
		 "\"%s\",\"pause_ns\":%llu,\"mark_ns\":%llu,"
		 "\"mark_cpu_ns\":%llu,\"sweep_ns\":%llu,\"sweep_cpu_ns\":%llu,"
		 "\"heap_before\":%zu,\"heap_after\":%zu,\"goal\":%zu,"
		 "\"live\":%zu,\"mapped\":%zu,\"markers\":%u,"
		 "\"spans_reclaimed\":%zu,\"spans_proportional\":%zu,"
		 "\"spans_background\":%zu,\"spans_on_demand\":%zu,"
		 "\"spans_finished\":%zu,\"returned\":%zu}}",
		 US(at[GC_EVENT_END] - at[GC_EVENT_START]), cur.cycle,
		 reason_names[cur.why], (unsigned long long)cur.pause_ns,
		 (unsigned long long)(at[GC_EVENT_MARK_END] -
				      at[GC_EVENT_MARK_START]),
		 (unsigned long long)(cur.proc_markend - cur.proc_markstart),
		 (unsigned long long)(at[GC_EVENT_PRE_STOP_WORLD] -
				      at[GC_EVENT_START] +
				      at[GC_EVENT_MARK_START] -
				      at[GC_EVENT_POST_STOP_WORLD]),
		 (unsigned long long)(cur.cpu_prestop - cur.cpu_start +
				      cur.cpu_markstart - cur.cpu_poststop),
		 cur.heap_before, cur.heap_after, cur.goal, cur.live,
		 cur.mapped, cur.markers, cur.spans.reclaimed,
		 cur.spans.proportional, cur.spans.background,
		 spans_on_demand(&cur.spans), cur.spans.finished,
		 cur.returned);
	/* Nested phases on the collecting thread's track. */
	json_span("sweep", tid, at[GC_EVENT_START],
		  at[GC_EVENT_PRE_STOP_WORLD]);
	json_span("pause", tid, at[GC_EVENT_PRE_STOP_WORLD],
		  at[GC_EVENT_POST_START_WORLD]);
	json_span("stop the world", tid, at[GC_EVENT_PRE_STOP_WORLD],
		  at[GC_EVENT_POST_STOP_WORLD]);
	json_span("flush and sweep", tid, at[GC_EVENT_POST_STOP_WORLD],
		  at[GC_EVENT_MARK_START]);
	json_span("mark", tid, at[GC_EVENT_MARK_START],
		  at[GC_EVENT_MARK_END]);
	json_span("sweep set-up", tid, at[GC_EVENT_RECLAIM_START],
		  at[GC_EVENT_RECLAIM_END]);
	json_span("restart the world", tid, at[GC_EVENT_PRE_START_WORLD],
		  at[GC_EVENT_POST_START_WORLD]);
	json_span("finalization", tid, at[GC_EVENT_POST_START_WORLD],
		  at[GC_EVENT_END]);
	/* Counters, drawn as graphs by the viewers. */
	json_begin("heap in use", "C", tid, at[GC_EVENT_START]);
	json_put(",\"args\":{\"bytes\":%zu}}", cur.heap_before);
	json_begin("heap in use", "C", tid, at[GC_EVENT_END]);
	json_put(",\"args\":{\"bytes\":%zu}}", cur.heap_after);
	json_begin("heap", "C", tid, at[GC_EVENT_END]);
	json_put(",\"args\":{\"live\":%zu,\"goal\":%zu,\"mapped\":%zu}}",
		 cur.live, cur.goal, cur.mapped);
}

/* ---- Set-up and exit ---- */

static void trace_atexit(void)
{
	sgc_trace_close();
}

void sgc_trace_init(void)
{
	const char *v = getenv("SPANGC_TRACE");
	start_ns = sgc_os_nanotime();
	if (!v || !v[0] || strcmp(v, "0") == 0)
		return;
	if (strcmp(v, "1") == 0) {
		sgc_store_relaxed(&mode, TRACE_STDERR);
		return;
	}
	fd = open(v, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		sgc_log("trace: cannot open %s (%s); no trace", v,
			strerror(errno));
		return;
	}
	owner = getpid();
	pthread_mutex_lock(&trace_lock);
	json_begin("process_name", "M", sgc_os_thread_id(), start_ns);
	json_put(",\"args\":{\"name\":\"spangc\"}}");
	json_flush();
	pthread_mutex_unlock(&trace_lock);
	if (fd >= 0) {
		sgc_store_release(&mode, TRACE_JSON);
		atexit(trace_atexit);
	}
}

void sgc_trace_close(void)
{
	if (sgc_load_acquire(&mode) != TRACE_JSON)
		return;
	if (sgc_thread_self())
		sgc_lock_stoppable(&trace_lock);
	else
		pthread_mutex_lock(&trace_lock);
	if (fd >= 0 && getpid() == owner) {
		write_stops(0);
		write_stops(1);
		json_put("%s]\n", first_event ? "[" : "\n");
		json_flush();
	}
	if (fd >= 0)
		close(fd);
	fd = -1;
	sgc_store_release(&mode, TRACE_OFF);
	pthread_mutex_unlock(&trace_lock);
}

/* ---- Hooks ---- */

void sgc_trace_event(GC_EventType ev)
{
	uintptr_t m = sgc_load_relaxed(&mode);
	if (m == TRACE_OFF || (unsigned)ev > GC_EVENT_THREAD_UNSUSPENDED)
		return;
	uint64_t now = sgc_os_nanotime();
	cur.at[ev] = now;
	switch (ev) {
	case GC_EVENT_START:
		cur.have_figures = 0;
		cur.tid = sgc_os_thread_id();
		cur.cpu_start = sgc_os_thread_cputime();
		pthread_mutex_lock(&sgc_heap.lock);
		cur.heap_before = sgc_heap.pages_in_use * SGC_PAGE_SIZE;
		pthread_mutex_unlock(&sgc_heap.lock);
		if (m == TRACE_JSON) {
			/* The last stop's threads have all run since. */
			unsigned b = (unsigned)sgc_load_relaxed(&stop_seq) & 1;
			pthread_mutex_lock(&trace_lock);
			if (getpid() == owner)
				write_stops(b);
			pthread_mutex_unlock(&trace_lock);
		}
		break;
	case GC_EVENT_PRE_STOP_WORLD: {
		cur.cpu_prestop = sgc_os_thread_cputime();
		uintptr_t seq = sgc_load_relaxed(&stop_seq) + 1;
		sgc_store_relaxed(&nrecs[seq & 1], 0);
		sgc_store_release(&stop_seq, seq);
		break;
	}
	case GC_EVENT_POST_STOP_WORLD:
		cur.cpu_poststop = sgc_os_thread_cputime();
		break;
	case GC_EVENT_MARK_START:
		cur.cpu_markstart = sgc_os_thread_cputime();
		cur.proc_markstart = sgc_os_process_cputime();
		break;
	case GC_EVENT_MARK_END:
		cur.proc_markend = sgc_os_process_cputime();
		break;
	case GC_EVENT_POST_START_WORLD:
		restart_at[sgc_load_relaxed(&stop_seq) & 1] = now;
		break;
	case GC_EVENT_END:
		if (m == TRACE_JSON && cur.have_figures) {
			pthread_mutex_lock(&trace_lock);
			if (getpid() == owner) {
				write_cycle();
				json_flush();
			}
			pthread_mutex_unlock(&trace_lock);
		}
		break;
	default:
		break;
	}
}

static double mib(size_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

void sgc_trace_cycle(const struct sgc_mark_result *m, uint64_t pause_ns,
		     int why)
{
	uintptr_t md = sgc_load_relaxed(&mode);
	if (md == TRACE_OFF)
		return;
	cur.cycle = __atomic_load_n(&sgc_stats.cycles, __ATOMIC_RELAXED);
	cur.why = why >= 0 && why < 4 ? why : 0;
	cur.pause_ns = pause_ns;
	cur.live = m->live_scanned + m->live_ptrfree;
	cur.goal = cur.live + (size_t)sgc_load_relaxed(&sgc_pacer.budget);
	cur.mapped = sgc_heap_mapped_bytes() - sgc_heap_unmapped_bytes();
	cur.markers = sgc_mark_last_markers();
	pthread_mutex_lock(&sgc_heap.lock);
	cur.heap_after = sgc_heap.pages_in_use * SGC_PAGE_SIZE;
	pthread_mutex_unlock(&sgc_heap.lock);
	struct sgc_sweep_tally t;
	sgc_sweep_get_tally(&t);
	cur.spans.spans = t.spans - prev_spans.spans;
	cur.spans.reclaimed = t.reclaimed - prev_spans.reclaimed;
	cur.spans.proportional = t.proportional - prev_spans.proportional;
	cur.spans.background = t.background - prev_spans.background;
	cur.spans.finished = t.finished - prev_spans.finished;
	prev_spans = t;
	size_t ret = sgc_heap_returned_bytes();
	cur.returned = ret - prev_returned;
	prev_returned = ret;
	cur.have_figures = 1;
	if (md != TRACE_STDERR)
		return;

	const uint64_t *at = cur.at;
	uint64_t now = sgc_os_nanotime();
	uint64_t total_pause =
		sgc_load_relaxed(&sgc_stats.total_pause_ns);
	uint64_t elapsed = since_start(now);
	unsigned share = elapsed ? (unsigned)(total_pause * 100 / elapsed) : 0;
	uint64_t sweep_ns = at[GC_EVENT_PRE_STOP_WORLD] - at[GC_EVENT_START] +
			    at[GC_EVENT_MARK_START] -
			    at[GC_EVENT_POST_STOP_WORLD];
	uint64_t sweep_cpu = cur.cpu_prestop - cur.cpu_start +
			     cur.cpu_markstart - cur.cpu_poststop;
	size_t on_demand = spans_on_demand(&cur.spans);
	sgc_log("gc %lu @%.3fs %u%%: %s, pause %.3f ms, mark %.3f ms wall"
		" %.3f ms cpu, sweep %.3f ms wall %.3f ms cpu,"
		" heap %.2f->%.2f->%.2f MiB, live %.2f MiB, %u markers,"
		" spans %zu reclaimed %zu proportional %zu background"
		" %zu on demand %zu finished, returned %.2f MiB",
		cur.cycle, (double)elapsed / 1e9, share,
		reason_names[cur.why], ms(pause_ns),
		ms(at[GC_EVENT_MARK_END] - at[GC_EVENT_MARK_START]),
		ms(cur.proc_markend - cur.proc_markstart), ms(sweep_ns),
		ms(sweep_cpu), mib(cur.heap_before), mib(cur.heap_after),
		mib(cur.goal), mib(cur.live), cur.markers,
		cur.spans.reclaimed, cur.spans.proportional,
		cur.spans.background, on_demand, cur.spans.finished,
		mib(cur.returned));
}

long sgc_trace_thread_stopped(void)
{
	if (sgc_load_relaxed(&mode) != TRACE_JSON)
		return -1;
	uintptr_t seq = sgc_load_acquire(&stop_seq);
	unsigned b = (unsigned)seq & 1;
	uintptr_t i = sgc_fetch_add(&nrecs[b], 1);
	if (i >= MAX_STOP_RECS)
		return -1;
	struct stop_rec *r = &recs[b][i];
	sgc_store_relaxed(&r->tid, (uintptr_t)sgc_os_thread_id());
	sgc_store_relaxed(&r->resume_ns, 0);
	sgc_store_release(&r->stop_ns, sgc_os_nanotime());
	return (long)((b << 16) | i);
}

void sgc_trace_thread_resumed(long token)
{
	if (token < 0)
		return;
	unsigned b = (unsigned)(token >> 16) & 1;
	size_t i = (size_t)token & 0xffff;
	sgc_store_release(&recs[b][i].resume_ns, sgc_os_nanotime());
}
