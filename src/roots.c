/*
 * roots.c: added roots, exclusions and static data (see roots.h).
 *
 * Both tables are sorted arrays of disjoint ranges in memory from the
 * system; they grow by doubling.  Adding an overlapping root merges it,
 * as bdwgc does; removing cuts the ranges that fall inside.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <gc/gc.h>
#include "cache.h"
#include "compat.h"
#include "init.h"
#include "malloc.h"
#include "os.h"
#include "roots.h"
#include "thread.h"

struct range {
	uintptr_t lo, hi;
};

struct table {
	struct range *r;
	size_t n, cap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* excluded = internal + the client's (GC_exclude_static_roots); the
 * collector's own ranges are kept apart too, so that
 * GC_clear_exclusion_table can rebuild excluded without the client's. */
static struct table added, excluded, internal;
static GC_has_static_roots_func static_filter; /* roots lock */
static uintptr_t self_at;    /* a word inside our own data */
static uintptr_t runtime_at; /* inside the sanitizer runtime, or 0 */
/* The loader's live r_debug (see "Static data" below), set at init. */
static const struct r_debug *live_r_debug;
/* The last listing ran out of memory: scan with dl_iterate_phdr during
 * the stop instead (roots lock). */
static int snap_failed;

/* Make room for one more range; -1 when the system refuses. */
static int reserve(struct table *t)
{
	if (t->n < t->cap)
		return 0;
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct range *r = sgc_os_alloc(cap * sizeof *r);
	if (!r)
		return -1;
	if (t->r) {
		memcpy(r, t->r, t->n * sizeof *r);
		sgc_os_free(t->r, t->cap * sizeof *r);
	}
	t->r = r;
	t->cap = cap;
	return 0;
}

/* Insert [lo, hi), merging with overlapping or touching ranges. */
static int insert(struct table *t, uintptr_t lo, uintptr_t hi)
{
	if (reserve(t) != 0)
		return -1;
	size_t i = 0;
	while (i < t->n && t->r[i].hi < lo)
		i++;
	size_t j = i;
	while (j < t->n && t->r[j].lo <= hi) {
		if (t->r[j].lo < lo)
			lo = t->r[j].lo;
		if (t->r[j].hi > hi)
			hi = t->r[j].hi;
		j++;
	}
	/* Ranges i..j-1 merge into one at i. */
	memmove(&t->r[i + 1], &t->r[j], (t->n - j) * sizeof *t->r);
	t->n = t->n - (j - i) + 1;
	t->r[i].lo = lo;
	t->r[i].hi = hi;
	return 0;
}

/* Remove every part of [lo, hi) from t. */
static void cut(struct table *t, uintptr_t lo, uintptr_t hi)
{
	size_t out = 0;
	struct range keep[2];
	for (size_t i = 0; i < t->n; i++) {
		struct range r = t->r[i];
		size_t k = 0;
		if (r.hi <= lo || r.lo >= hi) {
			keep[k++] = r;
		} else {
			if (r.lo < lo)
				keep[k++] = (struct range){ r.lo, lo };
			if (r.hi > hi)
				keep[k++] = (struct range){ hi, r.hi };
		}
		/* At most one range grows into two, and only if it straddles
		 * the whole cut, in which case nothing else overlaps.  With
		 * no memory for the second, the range stays whole: scanning
		 * too much only retains, losing a part would free live
		 * objects. */
		if (k == 2 && reserve(t) != 0) {
			t->r[out++] = r;
			continue;
		}
		if (k == 2) {
			memmove(&t->r[i + 2], &t->r[i + 1],
				(t->n - i - 1) * sizeof *t->r);
			t->n++;
			t->r[out++] = keep[0];
			t->r[out++] = keep[1];
			i++;
			continue;
		}
		if (k == 1)
			t->r[out++] = keep[0];
	}
	t->n = out;
}

/* dl_iterate_phdr callback: the executable's DT_DEBUG entry (the first
 * object reported is the executable). */
static int find_r_debug(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr +
							  ph->p_vaddr);
		for (; d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_DEBUG && d->d_un.d_ptr)
				live_r_debug = (const struct r_debug *)
						       d->d_un.d_ptr;
	}
	return 1;
}

void sgc_roots_init(void)
{
	dl_iterate_phdr(find_r_debug, NULL);
	if (!live_r_debug)
		live_r_debug = &_r_debug;
	Dl_info info;
	static int anchor;
	self_at = (uintptr_t)&anchor;
	if (dladdr(&anchor, &info) == 0)
		self_at = 0;
	/* ThreadSanitizer's runtime keeps 50 MiB of tables in its static
	 * data, which hold heap addresses (of the locks and atomics it
	 * tracks) but no pointer the program relies on: scanning them would
	 * retain objects, slow every cycle, and swell the roots the pacer
	 * counts. */
	if (SGC_TSAN)
		runtime_at = (uintptr_t)dlsym(RTLD_DEFAULT, "__tsan_init");
}

void sgc_roots_exclude(uintptr_t lo, uintptr_t hi)
{
	if (lo >= hi)
		return;
	pthread_mutex_lock(&lock);
	if (insert(&internal, lo, hi) != 0 || insert(&excluded, lo, hi) != 0)
		sgc_fatal("out of memory for the root exclusion table");
	pthread_mutex_unlock(&lock);
}

void GC_exclude_static_roots(void *lo, void *hi)
{
	/* Word-aligned inward, as GC_add_roots: a word is excluded only
	 * when it lies wholly in the range. */
	uintptr_t l = sgc_round_up((uintptr_t)lo, sizeof(void *));
	uintptr_t h = (uintptr_t)hi & ~(sizeof(void *) - 1);
	if (l >= h)
		return;
	if (!GC_is_init_called()) { /* no collection yet: no critical section */
		pthread_mutex_lock(&lock);
		int rc0 = insert(&excluded, l, h);
		pthread_mutex_unlock(&lock);
		if (rc0 != 0)
			sgc_fatal("GC_exclude_static_roots(%p, %p): too many"
				  " exclusions", lo, hi);
		return;
	}
	struct sgc_cache *c = sgc_self_cache("GC_exclude_static_roots");
	sgc_critical_enter(c);
	pthread_mutex_lock(&lock);
	int rc = insert(&excluded, l, h);
	pthread_mutex_unlock(&lock);
	sgc_critical_leave(c);
	if (rc != 0)
		sgc_fatal("GC_exclude_static_roots(%p, %p): too many exclusions",
			  lo, hi);
}

void GC_clear_exclusion_table(void)
{
	sgc_ensure_init();
	struct sgc_cache *c = sgc_self_cache("GC_clear_exclusion_table");
	sgc_critical_enter(c);
	pthread_mutex_lock(&lock);
	excluded.n = 0;
	for (size_t i = 0; i < internal.n; i++)
		insert(&excluded, internal.r[i].lo, internal.r[i].hi);
	pthread_mutex_unlock(&lock);
	sgc_critical_leave(c);
}

void GC_register_has_static_roots_callback(GC_has_static_roots_func fn)
{
	/* Inside a critical section, as GC_add_roots: a thread stopped
	 * while holding the roots lock would block the collection.  Before
	 * initialisation (GC_INIT's GC_DONT_REGISTER_MAIN_STATIC_DATA) no
	 * collection can run, and this must not initialise. */
	if (!GC_is_init_called()) {
		pthread_mutex_lock(&lock);
		static_filter = fn;
		pthread_mutex_unlock(&lock);
		return;
	}
	struct sgc_cache *c = sgc_self_cache("GC_register_has_static_roots_callback");
	sgc_critical_enter(c);
	pthread_mutex_lock(&lock);
	static_filter = fn;
	pthread_mutex_unlock(&lock);
	sgc_critical_leave(c);
}

/* Scan [lo, hi) less the exclusions.  Roots lock held. */
static size_t scan_excluding(sgc_range_fn fn, uintptr_t lo, uintptr_t hi)
{
	size_t bytes = 0;
	for (size_t i = 0; i < excluded.n && lo < hi; i++) {
		struct range e = excluded.r[i];
		if (e.hi <= lo)
			continue;
		if (e.lo >= hi)
			break;
		if (e.lo > lo) {
			fn(lo, e.lo);
			bytes += e.lo - lo;
		}
		lo = e.hi;
	}
	if (lo < hi) {
		fn(lo, hi);
		bytes += hi - lo;
	}
	return bytes;
}

/* ---- Static data of loaded objects ----
 *
 * dl_iterate_phdr takes the loader's lock, which a thread stopped inside
 * dlopen or dlclose may hold: called with the world stopped it would wait
 * for ever.  So the loaded objects' writable segments are listed before
 * the stop (sgc_roots_stop_world), and checked once the world is stopped
 * against the loader's own record, the r_debug structure debuggers read
 * (found through the executable's DT_DEBUG entry: the _r_debug symbol may
 * be a stale copy in the executable), read without a lock:
 *  - r_state other than RT_CONSISTENT: a thread was stopped while the
 *    loader maps or unmaps objects (glibc unmaps a closed object before
 *    unlinking it), so the collector restarts the world, lets it finish,
 *    lists again and stops again;
 *  - an object on r_map missing from the snapshot (opened since): the
 *    same;
 *  - an object in the snapshot no longer on r_map (closed since, maybe
 *    unmapped) is skipped.
 * Objects are keyed by load address and dynamic section, which both lists
 * carry.  The executable is never skipped (a static one has no r_map).
 */

struct loaded {
	uintptr_t addr, ld;   /* dlpi_addr, and its PT_DYNAMIC address */
	size_t seg, nseg;     /* its writable segments in snap.segs */
	int present;          /* seen on r_map at the last check */
	int main;             /* the executable */
};

/* A static TLS block: at tp + delta in the thread whose pointer is tp. */
struct tls_block {
	intptr_t delta;
	size_t size;
};

static struct {
	struct loaded *obj;
	size_t nobj, capobj;
	struct range *segs;
	size_t nseg, capseg;
	struct tls_block *tls;
	size_t ntls, captls;
	uintptr_t tp;           /* the listing thread's thread pointer */
	intptr_t tls_lo, tls_hi; /* static TLS offsets (os.h); lo == hi: none */
} snap; /* roots lock */

/* Grow *p (n used of *cap elements of size sz) for one more; -1 when the
 * system refuses. */
static int grow(void **p, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t cap2 = *cap ? *cap * 2 : 64;
	void *q = sgc_os_alloc(cap2 * sz);
	if (!q)
		return -1;
	if (*p) {
		memcpy(q, *p, n * sz);
		sgc_os_release(*p, *cap * sz);
	}
	*p = q;
	*cap = cap2;
	return 0;
}

/* Whether one of the object's loaded segments holds addr. */
static int object_holds(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr - lo < ph->p_memsz)
			return 1;
	}
	return 0;
}

/* The collector's own data holds no client pointers when it is a shared
 * object of its own, nor does a sanitizer runtime's (see sgc_roots_init):
 * skip them whole.  Never the executable (empty name), which they may be
 * linked into. */
static int skipped_object(const struct dl_phdr_info *info)
{
	return info->dlpi_name && info->dlpi_name[0] &&
	       ((self_at && object_holds(info, self_at)) ||
		(runtime_at && object_holds(info, runtime_at)));
}

/* Call fn on each writable segment of a loaded object that the client's
 * static-data filter accepts, word-aligned; stop at and return fn's first
 * non-zero answer.  The filter is called with the roots lock held: it
 * must not call into the collector. */
static int for_each_segment(const struct dl_phdr_info *info,
			    int (*fn)(uintptr_t lo, uintptr_t hi, void *arg),
			    void *arg)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		uintptr_t hi = lo + ph->p_memsz;
		lo = sgc_round_up(lo, sizeof(void *));
		if (static_filter &&
		    !static_filter(info->dlpi_name ? info->dlpi_name : "",
				   (void *)lo, hi > lo ? hi - lo : 0))
			continue;
		int r = fn(lo, hi, arg);
		if (r != 0)
			return r;
	}
	return 0;
}

/* for_each_segment callback of the snapshot: append the segment to
 * snap.segs, counted in the loaded object arg; -1 without memory. */
static int add_segment(uintptr_t lo, uintptr_t hi, void *arg)
{
	struct loaded *o = arg;
	if (grow((void **)&snap.segs, snap.nseg, &snap.capseg,
		 sizeof *snap.segs) != 0)
		return -1;
	snap.segs[snap.nseg].lo = lo;
	snap.segs[snap.nseg].hi = hi;
	snap.nseg++;
	o->nseg++;
	return 0;
}

/* dl_iterate_phdr callback of the snapshot.  Roots lock held. */
static int snap_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	int *failed = data;
	(void)size;
	if (grow((void **)&snap.obj, snap.nobj, &snap.capobj,
		 sizeof *snap.obj) != 0) {
		*failed = 1;
		return 1;
	}
	struct loaded *o = &snap.obj[snap.nobj];
	memset(o, 0, sizeof *o);
	o->addr = info->dlpi_addr;
	o->main = snap.nobj == 0 && (!info->dlpi_name || !info->dlpi_name[0]);
	o->seg = snap.nseg;
	o->present = 1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			o->ld = info->dlpi_addr + ph->p_vaddr;
	}
	snap.nobj++;
	if (skipped_object(info))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_TLS || !ph->p_memsz || !info->dlpi_tls_data)
			continue;
		/* The listing thread's block: if it is in static TLS, every
		 * thread has it at the same offset (dynamic TLS, of objects
		 * opened later, is malloc'ed and not scanned). */
		intptr_t delta = (intptr_t)((uintptr_t)info->dlpi_tls_data -
					    snap.tp);
		if (delta < snap.tls_lo ||
		    delta + (intptr_t)ph->p_memsz > snap.tls_hi)
			continue;
		if (grow((void **)&snap.tls, snap.ntls, &snap.captls,
			 sizeof *snap.tls) != 0) {
			*failed = 1;
			return 1;
		}
		snap.tls[snap.ntls].delta = delta;
		snap.tls[snap.ntls].size = ph->p_memsz;
		snap.ntls++;
	}
	if (for_each_segment(info, add_segment, o) != 0) {
		*failed = 1;
		return 1;
	}
	return 0;
}

/* List the loaded objects' writable segments.  World running. */
static void refresh(void)
{
	int failed = 0;
	pthread_mutex_lock(&lock);
	snap.nobj = snap.nseg = snap.ntls = 0;
	snap.tp = sgc_os_thread_pointer();
	if (sgc_os_static_tls(&snap.tls_lo, &snap.tls_hi) != 0)
		snap.tls_lo = snap.tls_hi = 0;
	if (!sgc_compat_no_dls())
		dl_iterate_phdr(snap_cb, &failed);
	snap_failed = failed;
	pthread_mutex_unlock(&lock);
}

void sgc_roots_test_drop_snapshot(void)
{
	pthread_mutex_lock(&lock);
	if (snap.obj)
		sgc_os_release(snap.obj, snap.capobj * sizeof *snap.obj);
	if (snap.segs)
		sgc_os_release(snap.segs, snap.capseg * sizeof *snap.segs);
	if (snap.tls)
		sgc_os_release(snap.tls, snap.captls * sizeof *snap.tls);
	snap.obj = NULL;
	snap.segs = NULL;
	snap.tls = NULL;
	snap.nobj = snap.capobj = snap.nseg = snap.capseg = 0;
	snap.ntls = snap.captls = 0;
	pthread_mutex_unlock(&lock);
}

/* Without memory for the list: scan the loaded objects' writable
 * segments as dl_iterate_phdr reports them, with the world stopped (the
 * old way, which waits for the loader's lock: out of memory only). */
struct direct_arg {
	sgc_range_fn fn;
	size_t bytes;
};

static int scan_segment(uintptr_t lo, uintptr_t hi, void *arg)
{
	struct direct_arg *a = arg;
	a->bytes += scan_excluding(a->fn, lo, hi);
	return 0;
}

static int direct_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (!skipped_object(info))
		for_each_segment(info, scan_segment, data);
	return 0;
}

/* World stopped: mark which snapshot objects are still loaded; 0 when the
 * loader has an object the snapshot lacks. */
static int snapshot_current(void)
{
	int ok = 1;
	pthread_mutex_lock(&lock);
	const struct r_debug *rd = live_r_debug;
	if (snap_failed || sgc_compat_no_dls() || !rd || !rd->r_map) {
		pthread_mutex_unlock(&lock);
		return 1;
	}
	if (*(const volatile int *)&rd->r_state != RT_CONSISTENT) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	for (size_t i = 0; i < snap.nobj; i++)
		snap.obj[i].present = snap.obj[i].main;
	for (const struct link_map *l = rd->r_map; l; l = l->l_next) {
		size_t i;
		for (i = 0; i < snap.nobj; i++) {
			struct loaded *o = &snap.obj[i];
			if (o->addr == (uintptr_t)l->l_addr &&
			    o->ld == (uintptr_t)l->l_ld) {
				o->present = 1;
				break;
			}
		}
		if (i == snap.nobj)
			ok = 0;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void sgc_roots_stop_world(void)
{
	for (unsigned tries = 0;; tries++) {
		refresh();
		sgc_stop_world();
		if (snapshot_current())
			return;
		/* A thread is inside the loader: let it run on.  Each try
		 * leaves it longer (a thread opening and closing objects in
		 * a loop is inside most of the time). */
		sgc_start_world();
		if (tries < SGC_ROOTS_STOP_SPINS) {
			sched_yield();
		} else {
			unsigned us = tries < 1000 ? tries * 10 : 10000;
			struct timespec ts = { 0, (long)us * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* Scanning each thread's static TLS: the range function and the bytes
 * covered, for the callback below.  Roots lock held. */
static sgc_range_fn tls_fn;
static size_t tls_bytes;

static void scan_thread_tls(uintptr_t tp)
{
	for (size_t i = 0; i < snap.ntls; i++) {
		uintptr_t lo = tp + (uintptr_t)snap.tls[i].delta;
		lo = sgc_round_up(lo, sizeof(void *));
		tls_bytes += scan_excluding(tls_fn, lo,
					    tp + (uintptr_t)snap.tls[i].delta +
						    snap.tls[i].size);
	}
}

/* Static data, added roots, and with the world stopped (tls set) the
 * static TLS blocks of every registered thread. */
static size_t for_each(sgc_range_fn fn, int tls)
{
	size_t bytes = 0;
	pthread_mutex_lock(&lock);
	if (snap_failed && !sgc_compat_no_dls()) {
		struct direct_arg a = { fn, 0 };
		dl_iterate_phdr(direct_cb, &a);
		bytes += a.bytes;
	}
	for (size_t i = 0; !snap_failed && i < snap.nobj; i++) {
		const struct loaded *o = &snap.obj[i];
		if (!o->present)
			continue;
		for (size_t j = o->seg; j < o->seg + o->nseg; j++)
			bytes += scan_excluding(fn, snap.segs[j].lo,
						snap.segs[j].hi);
	}
	for (size_t i = 0; i < added.n; i++)
		bytes += scan_excluding(fn, added.r[i].lo, added.r[i].hi);
	if (tls && snap.ntls) {
		tls_fn = fn;
		tls_bytes = 0;
		sgc_thread_for_each_tp(scan_thread_tls);
		bytes += tls_bytes;
	}
	pthread_mutex_unlock(&lock);
	return bytes;
}

size_t sgc_roots_for_each(sgc_range_fn fn)
{
	return for_each(fn, 1);
}

/* World running: the loader's lock may be waited for; other threads'
 * TLS is not looked at (they run). */
size_t sgc_roots_for_each_now(sgc_range_fn fn)
{
	refresh();
	return for_each(fn, 1);
}

void GC_add_roots(void *lo, void *hi)
{
	uintptr_t l = sgc_round_up((uintptr_t)lo, sizeof(void *));
	uintptr_t h = (uintptr_t)hi & ~(sizeof(void *) - 1);
	struct sgc_cache *c = sgc_self_cache("GC_add_roots");
	if (l >= h)
		return;
	sgc_critical_enter(c);
	pthread_mutex_lock(&lock);
	int rc = insert(&added, l, h);
	pthread_mutex_unlock(&lock);
	sgc_critical_leave(c);
	if (rc != 0) {
		/* bdwgc aborts when its root table is full; dropping the
		 * range would free what it holds.  The client's handler runs
		 * first (it may exit on its own terms). */
		sgc_oom((size_t)(h - l));
		sgc_fatal("GC_add_roots(%p, %p): out of memory for the root"
			  " table", lo, hi);
	}
}

void GC_remove_roots(void *lo, void *hi)
{
	uintptr_t l = sgc_round_up((uintptr_t)lo, sizeof(void *));
	uintptr_t h = (uintptr_t)hi & ~(sizeof(void *) - 1);
	if (l >= h)
		return;
	struct sgc_cache *c = sgc_self_cache("GC_remove_roots");
	sgc_critical_enter(c);
	pthread_mutex_lock(&lock);
	cut(&added, l, h);
	pthread_mutex_unlock(&lock);
	sgc_critical_leave(c);
}

void GC_clear_roots(void)
{
	struct sgc_cache *c = sgc_self_cache("GC_clear_roots");
	sgc_critical_enter(c);
	pthread_mutex_lock(&lock);
	added.n = 0;
	pthread_mutex_unlock(&lock);
	sgc_critical_leave(c);
}


