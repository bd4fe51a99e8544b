/*
 * debug.c: debug allocation and leak mode (see debug.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gc/gc.h>
#include "collect.h"
#include "debug.h"
#include "heap.h"
#include "init.h"
#include "malloc.h"
#include "span.h"
#include "thread.h"

int GC_find_leak;
const size_t GC_debug_header_size = sizeof(struct sgc_dbg_hdr);

/* The debug kind for each built-in kind; -1 until first used.  Written
 * with the world lock held (release), read with acquire. */
static int dbg_kind[SGC_NUM_BUILTIN_KINDS] = { -1, -1, -1, -1 };
static sgc_atomic_word hooks_on;     /* atomic: collect hooks installed */
static sgc_atomic_word world_stopped; /* atomic: between the hooks */
static int leak_installed;           /* world lock */

static void install_hooks_locked(void);

static const char *const kind_names[SGC_NUM_BUILTIN_KINDS] = {
	"pointer-free", "normal", "uncollectable", "atomic uncollectable"
};

/* The built-in kind whose debug twin is k, or -1. */
static int debug_kind_base(unsigned k)
{
	for (int b = 0; b < SGC_NUM_BUILTIN_KINDS; b++)
		if (__atomic_load_n(&dbg_kind[b], __ATOMIC_ACQUIRE) == (int)k)
			return b;
	return -1;
}

static int GC_CALLBACK leak_disclaim(void *obj);

/* Create the debug twin of built-in kind b.  World lock held. */
static int make_debug_kind_locked(int b)
{
	int k = dbg_kind[b];
	if (k >= 0)
		return k;
	k = sgc_kind_new(sgc_kinds[b].scanned, 1);
	if (k < 0)
		sgc_fatal("GC_debug_malloc: no object kind left for debug"
			  " objects");
	sgc_kinds[k].uncollectable = sgc_kinds[b].uncollectable;
	sgc_kinds[k].header_word = (uint8_t)SGC_DBG_HDR_WORDS;
	if (leak_installed && !sgc_kinds[k].uncollectable)
		__atomic_store_n(&sgc_kinds[k].disclaim, leak_disclaim,
				 __ATOMIC_RELEASE);
	install_hooks_locked();
	__atomic_store_n(&dbg_kind[b], k, __ATOMIC_RELEASE);
	return k;
}

static int debug_kind(int b)
{
	int k = __atomic_load_n(&dbg_kind[b], __ATOMIC_ACQUIRE);
	if (SGC_LIKELY(k >= 0))
		return k;
	sgc_ensure_init();
	sgc_world_lock_acquire();
	k = make_debug_kind_locked(b);
	sgc_world_lock_release();
	return k;
}

/* ---- layout ---- */

static size_t tail_len(size_t slot, size_t size)
{
	size_t n = slot - sizeof(struct sgc_dbg_hdr) - size;
	return n < SGC_DBG_TAIL_MAX ? n : SGC_DBG_TAIL_MAX;
}

static unsigned char *client_of(const void *base)
{
	return (unsigned char *)base + sizeof(struct sgc_dbg_hdr);
}

/* Set up a fresh debug object at base (slot bytes). */
static void *setup(void *base, size_t slot, size_t lb, const char *file,
		   int line, uintptr_t ra)
{
	struct sgc_dbg_hdr *h = base;
	h->file = file;
	h->line = line;
	h->size = lb;
	h->ra = ra;
	h->back = 0;
	h->guard = SGC_DBG_GUARD ^ (uintptr_t)base;
	memset(client_of(base) + lb, SGC_DBG_TAIL_BYTE, tail_len(slot, lb));
	__atomic_store_n(&h->state, SGC_DBG_LIVE, __ATOMIC_RELEASE);
	return client_of(base);
}

static void *debug_alloc(size_t lb, int b, const char *file, int line,
			 uintptr_t ra)
{
	size_t extra = sizeof(struct sgc_dbg_hdr) + SGC_DBG_TAIL_MIN;
	if (lb > SIZE_MAX / 2 - extra)
		return sgc_oom(lb);
	void *base = sgc_alloc(lb + extra, (unsigned)debug_kind(b));
	if (!base)
		return NULL;
	return setup(base, GC_size(base), lb, file ? file : "(unknown)",
		     line, ra);
}

/* ---- checking ---- */

/* A bounded appender for reports. */
struct out {
	char *buf;
	size_t len, used;
};

static SGC_PRINTF(2, 3) void put(struct out *o, const char *fmt, ...)
{
	if (o->used + 1 >= o->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n < o->len - o->used ? (size_t)n :
							 o->len - o->used - 1;
}

/* Describe the bytes of [p, p + n) that differ from want; offsets are
 * given from the client's first byte.  Returns how many differ. */
static size_t diff_bytes(struct out *o, const unsigned char *client,
			 const unsigned char *p, size_t n, unsigned char want,
			 size_t size, const char *what)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == want)
			continue;
		if (bad++ < 8) {
			long off = (long)(p + i - client);
			put(o, "\n    byte %ld", off);
			if (off < 0)
				put(o, " (%ld before the start)", -off);
			else if ((size_t)off >= size)
				put(o, " (%lu past the end)",
				    (unsigned long)((size_t)off - size));
			put(o, ", %s: 0x%02x, was 0x%02x", what, p[i], want);
		}
	}
	return bad;
}

int sgc_debug_check(const void *base, size_t slot, char *buf, size_t len)
{
	const struct sgc_dbg_hdr *h = base;
	struct out o = { buf, len, 0 };
	const unsigned char *client = client_of(base);
	size_t bad = 0;
	buf[0] = 0;
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	if (state == 0 || state == SGC_DBG_SMASHED)
		return 0;
	if (h->guard != (SGC_DBG_GUARD ^ (uintptr_t)base)) {
		uintptr_t want = SGC_DBG_GUARD ^ (uintptr_t)base;
		for (int i = 0; i < 8; i++) {
			unsigned char w = (unsigned char)(want >> (8 * i));
			const unsigned char *p =
				(const unsigned char *)&h->guard + i;
			if (*p != w)
				bad += diff_bytes(&o, client, p, 1, w, h->size,
						  "guard word");
		}
	}
	if ((state != SGC_DBG_LIVE && state != SGC_DBG_FREED) ||
	    h->size > slot - sizeof *h - SGC_DBG_TAIL_MIN) {
		put(&o, "\n    the header itself is overwritten (state 0x%x,"
		    " size %lu)", (unsigned)state, (unsigned long)h->size);
		return 1;
	}
	bad += diff_bytes(&o, client, client + h->size,
			  tail_len(slot, h->size), SGC_DBG_TAIL_BYTE, h->size,
			  "after the object");
	if (state == SGC_DBG_FREED)
		bad += diff_bytes(&o, client, client, h->size,
				  SGC_DBG_FREED_BYTE, h->size,
				  "written after GC_debug_free");
	if (bad > 8)
		put(&o, "\n    ... %lu bytes changed in all",
		    (unsigned long)bad);
	return bad != 0;
}

/* Reports found with the world stopped, sent once it runs again (the
 * warn procedure may need a lock that a stopped thread holds): messages
 * one after the other, each NUL-terminated.  Written by the collecting
 * thread with the world stopped, read and emptied in hook_done. */
static char pending[32768];
static size_t pending_used;
static unsigned pending_lost;
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;

/* Report through the warn procedure, or keep the report for later when
 * the world is stopped: the message has no directive of its own ('%' is
 * doubled), so any warn procedure prints it as is.  No allocation. */
static SGC_PRINTF(1, 2) void report(const char *fmt, ...)
{
	char raw[2048], msg[4200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	size_t j = 0;
	for (size_t i = 0; raw[i] && j + 3 < sizeof msg; i++) {
		if (raw[i] == '%')
			msg[j++] = '%';
		msg[j++] = raw[i];
	}
	msg[j++] = '\n';
	msg[j] = 0;
	if (!sgc_load_acquire(&world_stopped)) {
		sgc_warn(msg, 0);
		return;
	}
	if (pending_used + j + 1 > sizeof pending) {
		pending_lost++;
		return;
	}
	memcpy(pending + pending_used, msg, j + 1);
	pending_used += j + 1;
}

static void site(const struct sgc_dbg_hdr *h, char *buf, size_t len)
{
	if (h->line || !h->ra)
		snprintf(buf, len, "%s:%d", h->file, h->line);
	else
		snprintf(buf, len, "%s, caller %p", h->file, (void *)h->ra);
}

/* Report a smash of the debug object at base found by call, then repair
 * it so that only a new smash is reported again. */
static void report_smash(const char *call, void *base, size_t slot,
			 const char *detail)
{
	struct sgc_dbg_hdr *h = base;
	uint32_t state = h->state;
	int header_ok = (state == SGC_DBG_LIVE || state == SGC_DBG_FREED) &&
			h->size <= slot - sizeof *h - SGC_DBG_TAIL_MIN;
	char where[600] = "(header overwritten: site unknown)";
	if (header_ok)
		site(h, where, sizeof where);
	report("GC Warning: %s: smashed %sobject %p (%lu bytes, allocated"
	       " at %s):%s", call, state == SGC_DBG_FREED ? "freed " : "",
	       (void *)client_of(base),
	       header_ok ? (unsigned long)h->size : 0ul, where, detail);
	if (!header_ok) {
		__atomic_store_n(&h->state, SGC_DBG_SMASHED, __ATOMIC_RELEASE);
		return;
	}
	h->guard = SGC_DBG_GUARD ^ (uintptr_t)base;
	memset(client_of(base) + h->size, SGC_DBG_TAIL_BYTE,
	       tail_len(slot, h->size));
	if (state == SGC_DBG_FREED)
		memset(client_of(base), SGC_DBG_FREED_BYTE, h->size);
}

/* Check and report; 1 when it was smashed. */
static int check_and_report(const char *call, void *base, size_t slot)
{
	char detail[1400];
	if (!sgc_debug_check(base, slot, detail, sizeof detail))
		return 0;
	report_smash(call, base, slot, detail);
	return 1;
}

/* ---- lookups ---- */

struct lookup {
	void *base;
	size_t slot;
	int b;    /* built-in kind of the debug twin, or -1: not debug */
	struct sgc_dbg_hdr *h;
};

/* Find the object holding p for call; 0 when p is in no object. */
static int lookup(const void *p, struct lookup *l)
{
	struct sgc_obj o;
	if (!sgc_load_acquire(&sgc_ready) || !sgc_find_client_object(p, &o))
		return 0;
	l->base = (void *)o.base;
	l->slot = sgc_span_elem_bytes(o.span);
	l->b = debug_kind_base(sgc_spanclass_kind(o.span->spanclass));
	l->h = l->b >= 0 ? (struct sgc_dbg_hdr *)o.base : NULL;
	return 1;
}

struct sgc_dbg_hdr *sgc_debug_header(void *base)
{
	struct lookup l;
	if (!lookup(base, &l) || l.base != base || l.b < 0)
		return NULL;
	return l.h;
}

/* ---- the allocation calls ---- */

#ifdef GC_ADD_CALLER
# define RA ((uintptr_t)ra)
#else
# define RA ((uintptr_t)__builtin_extract_return_addr( \
		__builtin_return_address(0)))
#endif

void *GC_debug_malloc(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_NORMAL, s, i, RA);
}

void *GC_debug_malloc_atomic(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_PTRFREE, s, i, RA);
}

void *GC_debug_malloc_uncollectable(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_UNCOLLECTABLE, s, i, RA);
}

void *GC_debug_malloc_atomic_uncollectable(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_AUNCOLLECTABLE, s, i, RA);
}

void *GC_debug_malloc_ignore_off_page(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_NORMAL, s, i, RA);
}

void *GC_debug_malloc_atomic_ignore_off_page(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_PTRFREE, s, i, RA);
}

void *GC_debug_malloc_stubborn(size_t lb, GC_EXTRA_PARAMS)
{
	return debug_alloc(lb, SGC_KIND_NORMAL, s, i, RA);
}

void *GC_debug_generic_or_special_malloc(size_t lb, int knd, GC_EXTRA_PARAMS)
{
	if (knd >= 0 && knd < SGC_NUM_BUILTIN_KINDS)
		return debug_alloc(lb, knd, s, i, RA);
	if (knd < 0 || knd >= SGC_MAX_KINDS ||
	    !__atomic_load_n(&sgc_kinds[knd].in_use, __ATOMIC_ACQUIRE))
		sgc_fatal("GC_debug_generic_or_special_malloc(%zu, %d): no"
			  " such object kind", lb, knd);
	/* A client kind's objects are laid out by its mark procedure or
	 * descriptor: they get no debug header. */
	return sgc_alloc(lb, (unsigned)knd);
}

char *GC_debug_strdup(const char *str, GC_EXTRA_PARAMS)
{
	if (!str)
		return NULL;
	size_t n = strlen(str);
	char *p = debug_alloc(n + 1, SGC_KIND_PTRFREE, s, i, RA);
	if (p)
		memcpy(p, str, n + 1);
	return p;
}

char *GC_debug_strndup(const char *str, size_t n, GC_EXTRA_PARAMS)
{
	size_t len = strnlen(str, n);
	char *p = debug_alloc(len + 1, SGC_KIND_PTRFREE, s, i, RA);
	if (p) {
		memcpy(p, str, len);
		p[len] = 0;
	}
	return p;
}

void *GC_debug_malloc_replacement(size_t lb)
{
	return debug_alloc(lb, SGC_KIND_NORMAL, "(unknown)", 0,
			   (uintptr_t)__builtin_extract_return_addr(
				   __builtin_return_address(0)));
}

/* Free the debug object of l (p its client pointer) as GC_debug_free. */
static void debug_free_found(const char *call, void *p, struct lookup *l)
{
	struct sgc_dbg_hdr *h = l->h;
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	if (state == SGC_DBG_FREED) {
		char where[600];
		site(h, where, sizeof where);
		check_and_report(call, l->base, l->slot);
		report("GC Warning: %s(%p): object freed twice (%lu bytes,"
		       " allocated at %s)", call, p, (unsigned long)h->size,
		       where);
		return;
	}
	check_and_report(call, l->base, l->slot);
	if (h->state != SGC_DBG_LIVE) /* header gone: leave it to the GC */
		return;
	if (GC_find_leak || sgc_kinds[l->b].uncollectable) {
		h->state = SGC_DBG_FREED;
		GC_free(l->base);
		return;
	}
	/* Kept until unreachable, filled so that a late write shows. */
	memset(p, SGC_DBG_FREED_BYTE, h->size);
	__atomic_store_n(&h->state, SGC_DBG_FREED, __ATOMIC_RELEASE);
}

void GC_debug_free(void *p)
{
	struct lookup l;
	if (!p)
		return;
	if (!lookup(p, &l))
		sgc_fatal("GC_debug_free(%p): not an object of the collector's"
			  " heap, or already freed", p);
	if (l.b < 0 || p != client_of(l.base)) {
		report("GC Warning: GC_debug_free(%p): no debug information:"
		       " the object at %p was not allocated by a GC_debug_*"
		       " call; freed with GC_free", p, l.base);
		GC_free(p);
		return;
	}
	debug_free_found("GC_debug_free", p, &l);
}

static void *debug_realloc(void *p, size_t lb, const char *file, int line,
			   uintptr_t ra)
{
	struct lookup l;
	if (!p)
		return debug_alloc(lb, SGC_KIND_NORMAL, file, line, ra);
	if (lb == 0) {
		GC_debug_free(p);
		return NULL;
	}
	if (!lookup(p, &l))
		sgc_fatal("GC_debug_realloc(%p): not an object of the"
			  " collector's heap, or already freed", p);
	if (l.b < 0 || p != client_of(l.base)) {
		report("GC Warning: GC_debug_realloc(%p): no debug information:"
		       " the object at %p was not allocated by a GC_debug_*"
		       " call; resized with GC_realloc", p, l.base);
		return GC_realloc(p, lb);
	}
	check_and_report("GC_debug_realloc", l.base, l.slot);
	if (l.h->state == SGC_DBG_FREED)
		report("GC Warning: GC_debug_realloc(%p): the object was freed"
		       " already", p);
	size_t old = l.h->state == SGC_DBG_LIVE ? l.h->size : 0;
	void *q = debug_alloc(lb, l.b, file, line, ra);
	if (!q)
		return NULL;
	memcpy(q, p, old < lb ? old : lb);
	if (l.h->state == SGC_DBG_LIVE)
		debug_free_found("GC_debug_realloc", p, &l);
	return q;
}

void *GC_debug_realloc(void *p, size_t lb, GC_EXTRA_PARAMS)
{
	return debug_realloc(p, lb, s, i, RA);
}

void *GC_debug_realloc_replacement(void *p, size_t lb)
{
	return debug_realloc(p, lb, "(unknown)", 0,
			     (uintptr_t)__builtin_extract_return_addr(
				     __builtin_return_address(0)));
}

/* Stubborn objects are ordinary ones here (as in bdwgc 8): the calls
 * only check their argument. */
static void check_debug_pointer(const char *call, const void *p)
{
	struct lookup l;
	if (!lookup(p, &l) || l.b < 0 || p != client_of(l.base))
		sgc_fatal("%s(%p): not an object allocated by a GC_debug_*"
			  " call", call, p);
}

void GC_debug_change_stubborn(const void *p)
{
	(void)p;
}

void GC_debug_end_stubborn_change(const void *p)
{
	check_debug_pointer("GC_debug_end_stubborn_change", p);
}

void GC_debug_ptr_store_and_dirty(void *p, const void *q)
{
	void *base = GC_base(p);
	if (base && sgc_debug_header(base) &&
	    (char *)p < (char *)client_of(base))
		sgc_fatal("GC_debug_ptr_store_and_dirty(%p, %p): the address"
			  " is inside a debug header", p, q);
	*(void **)p = (void *)q;
	GC_reachable_here(q);
}

/* Interior pointers are recognised or not as the client chose; the
 * debug kinds recognise their client pointers themselves (debug.h), so
 * there is nothing to add for them. */
size_t GC_get_debug_header_size(void)
{
	return sizeof(struct sgc_dbg_hdr);
}

/* ---- finalizers ---- */

/* The client's finalizer and data for a debug object, which is
 * registered on its base; kept alive as the registration's data. */
struct dbg_closure {
	GC_finalization_proc fn;
	void *cd;
};

static void GC_CALLBACK debug_finalizer(void *base, void *cd)
{
	struct dbg_closure *c = cd;
	c->fn(client_of(base), c->cd);
}

typedef void (GC_CALL *register_fn)(void *, GC_finalization_proc, void *,
				    GC_finalization_proc *, void **);

static void debug_register(register_fn reg, void *obj,
			   GC_finalization_proc fn, void *cd,
			   GC_finalization_proc *ofn, void **ocd)
{
	struct lookup l;
	GC_finalization_proc my_ofn = 0;
	void *my_ocd = NULL;
	if (!obj || !lookup(obj, &l) || l.b < 0 || obj != client_of(l.base)) {
		/* Not a debug object: the plain call says what it does. */
		reg(obj, fn, cd, ofn, ocd);
		return;
	}
	struct dbg_closure *c = NULL;
	if (fn) {
		c = GC_malloc(sizeof *c);
		if (!c) {
			if (ofn)
				*ofn = 0;
			if (ocd)
				*ocd = NULL;
			return;
		}
		c->fn = fn;
		c->cd = cd;
	}
	reg(l.base, fn ? debug_finalizer : 0, c, &my_ofn, &my_ocd);
	if (my_ofn == debug_finalizer && my_ocd) {
		struct dbg_closure *old = my_ocd;
		my_ofn = old->fn;
		my_ocd = old->cd;
	}
	if (ofn)
		*ofn = my_ofn;
	if (ocd)
		*ocd = my_ocd;
	GC_reachable_here(c);
}

void GC_debug_register_finalizer(void *obj, GC_finalization_proc fn,
				 void *cd, GC_finalization_proc *ofn,
				 void **ocd)
{
	debug_register(GC_register_finalizer, obj, fn, cd, ofn, ocd);
}

void GC_debug_register_finalizer_ignore_self(void *obj,
					     GC_finalization_proc fn, void *cd,
					     GC_finalization_proc *ofn,
					     void **ocd)
{
	debug_register(GC_register_finalizer_ignore_self, obj, fn, cd, ofn,
		       ocd);
}

void GC_debug_register_finalizer_no_order(void *obj, GC_finalization_proc fn,
					  void *cd, GC_finalization_proc *ofn,
					  void **ocd)
{
	debug_register(GC_register_finalizer_no_order, obj, fn, cd, ofn, ocd);
}

void GC_debug_register_finalizer_unreachable(void *obj,
					     GC_finalization_proc fn, void *cd,
					     GC_finalization_proc *ofn,
					     void **ocd)
{
	debug_register(GC_register_finalizer_unreachable, obj, fn, cd, ofn,
		       ocd);
}

/* ---- checks at collection ---- */

static void check_span_stopped(struct sgc_span *s)
{
	size_t slot = sgc_span_elem_bytes(s);
	for (uint32_t i = 0; i < s->nelems; i++) {
		if (!sgc_span_is_allocated(s, i))
			continue;
		check_and_report("collection",
				 (void *)(s->start + (uintptr_t)i * slot), slot);
	}
}

/* Check every debug object, world stopped: the reports wait in pending
 * (report()) until hook_done. */
static void hook_stopped(void)
{
	sgc_store_release(&world_stopped, 1);
	/* A stopped thread may be sending the last cycle's reports: then
	 * this cycle goes unchecked rather than wait for it. */
	if (pthread_mutex_trylock(&pending_lock) != 0)
		return;
	struct sgc_heap *hp = &sgc_heap;
	uintptr_t a = hp->base;
	while (a < hp->end) {
		size_t i = (a - hp->base) / SGC_PAGE_SIZE;
		if (!sgc_pagealloc_in_use(&hp->pages, i)) {
			a += SGC_PAGE_SIZE;
			continue;
		}
		struct sgc_span *s = sgc_span_of(a);
		if (!s || sgc_load_relaxed(&s->state) != SGC_SPAN_IN_USE ||
		    s->start != a) {
			a += SGC_PAGE_SIZE;
			continue;
		}
		if (debug_kind_base(sgc_spanclass_kind(s->spanclass)) >= 0)
			check_span_stopped(s);
		a += s->npages * SGC_PAGE_SIZE;
	}
	pthread_mutex_unlock(&pending_lock);
}

static void hook_restarted(void)
{
	sgc_store_release(&world_stopped, 0);
}

/* Send what the stopped check found.  The next collection's check waits
 * for pending_lock, so reports are never mixed up. */
static void hook_done(void)
{
	pthread_mutex_lock(&pending_lock);
	for (size_t k = 0; k < pending_used; k += strlen(pending + k) + 1)
		sgc_warn(pending + k, 0);
	if (pending_lost)
		report("GC Warning: collection: %u more smashed objects not"
		       " listed", pending_lost);
	pending_used = 0;
	pending_lost = 0;
	pthread_mutex_unlock(&pending_lock);
}

/* World lock held. */
static void install_hooks_locked(void)
{
	if (sgc_load_relaxed(&hooks_on))
		return;
	sgc_collect_hooks.stopped = hook_stopped;
	sgc_collect_hooks.restarted = hook_restarted;
	sgc_collect_hooks.done = hook_done;
	sgc_store_release(&hooks_on, 1);
}

/* ---- leak mode ---- */

static int GC_CALLBACK leak_disclaim(void *obj)
{
	/* The warn procedure may need a lock a stopped thread holds: report
	 * at the next cycle's sweep instead. */
	if (!GC_find_leak)
		return 0;
	if (sgc_load_acquire(&world_stopped))
		return 1;
	struct sgc_span *sp = sgc_span_of_heap((uintptr_t)obj);
	if (!sp)
		return 0;
	size_t slot = sgc_span_elem_bytes(sp);
	unsigned k = sgc_spanclass_kind(sp->spanclass);
	int b = debug_kind_base(k);
	if (b < 0) {
		report("GC Warning: leaked object at %p (%lu bytes, %s,"
		       " allocated without a site: use GC_DEBUG for one)", obj,
		       (unsigned long)slot, kind_names[k]);
		return 0;
	}
	struct sgc_dbg_hdr *h = obj;
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	if (state == SGC_DBG_FREED || state == 0)
		return 0;
	check_and_report("leak check", obj, slot);
	char where[600] = "(header overwritten: site unknown)";
	if (h->state == SGC_DBG_LIVE)
		site(h, where, sizeof where);
	report("GC Warning: leaked object at %p (%lu bytes, %s, allocated at"
	       " %s)", (void *)client_of(obj),
	       h->state == SGC_DBG_LIVE ? (unsigned long)h->size : 0ul,
	       kind_names[b], where);
	return 0;
}

/* Leak mode collects once more at exit, as bdwgc does, so that what the
 * program leaked last is reported too. */
static void leak_at_exit(void)
{
	if (GC_find_leak && GC_thread_is_registered())
		GC_gcollect();
}

/* World lock held. */
static void leak_install_locked(void)
{
	if (leak_installed)
		return;
	leak_installed = 1;
	atexit(leak_at_exit);
	int ks[] = { SGC_KIND_NORMAL, SGC_KIND_PTRFREE,
		     dbg_kind[SGC_KIND_NORMAL], dbg_kind[SGC_KIND_PTRFREE] };
	for (unsigned j = 0; j < sizeof ks / sizeof ks[0]; j++)
		if (ks[j] >= 0)
			__atomic_store_n(&sgc_kinds[ks[j]].disclaim,
					 leak_disclaim, __ATOMIC_RELEASE);
	install_hooks_locked();
}

void sgc_debug_init(void)
{
	const char *v = getenv("GC_FIND_LEAK");
	if (v && *v != '0')
		GC_find_leak = 1;
	if (GC_find_leak)
		leak_install_locked(); /* initialisation: no other thread */
}

void GC_set_find_leak(int value)
{
	GC_find_leak = value != 0;
	if (value && sgc_load_acquire(&sgc_ready)) {
		sgc_world_lock_acquire();
		leak_install_locked();
		sgc_world_lock_release();
	}
}

int GC_get_find_leak(void)
{
	return GC_find_leak;
}
