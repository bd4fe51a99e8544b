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
#include <string.h>
#include <gc/gc.h>
#include "cache.h"
#include "compat.h"
#include "init.h"
#include "malloc.h"
#include "os.h"
#include "roots.h"

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

void sgc_roots_init(void)
{
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

struct phdr_arg {
	sgc_range_fn fn;
	size_t bytes;
};

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

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct phdr_arg *a = data;
	(void)size;
	/* The collector's own data holds no client pointers when it is a
	 * shared object of its own, nor does a sanitizer runtime's (see
	 * sgc_roots_init): skip them whole.  Never the executable (empty
	 * name), which they may be linked into. */
	if (info->dlpi_name && info->dlpi_name[0] &&
	    ((self_at && object_holds(info, self_at)) ||
	     (runtime_at && object_holds(info, runtime_at))))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		uintptr_t hi = lo + ph->p_memsz;
		lo = sgc_round_up(lo, sizeof(void *));
		/* The client's filter; called with the roots lock held and
		 * the world stopped: it must not call into the collector. */
		if (static_filter &&
		    !static_filter(info->dlpi_name ? info->dlpi_name : "",
				   (void *)lo, hi > lo ? hi - lo : 0))
			continue;
		a->bytes += scan_excluding(a->fn, lo, hi);
	}
	return 0;
}

size_t sgc_roots_for_each(sgc_range_fn fn)
{
	struct phdr_arg a = { fn, 0 };
	pthread_mutex_lock(&lock);
	if (!sgc_compat_no_dls())
		dl_iterate_phdr(phdr_cb, &a);
	for (size_t i = 0; i < added.n; i++)
		a.bytes += scan_excluding(fn, added.r[i].lo, added.r[i].hi);
	pthread_mutex_unlock(&lock);
	return a.bytes;
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


