/*
 * debug.c: debug allocation and leak mode (see debug.h).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gc/gc.h>
#if defined(__GLIBC__)
# include <execinfo.h>
# define SGC_HAVE_BACKTRACE 1
#else
# define SGC_HAVE_BACKTRACE 0
#endif
#include <gc/gc_mark.h>
#include "collect.h"
#include "debug.h"
#include "heap.h"
#include "init.h"
#include "kinds.h"
#include "malloc.h"
#include "mark.h"
#include "span.h"
#include "thread.h"

int GC_find_leak;
const size_t GC_debug_header_size = sizeof(struct sgc_dbg_hdr);

/* twin[k]: 1 + the debug kind wrapping kind k, NO_TWIN when k's objects
 * cannot carry a header, 0 until first used.  base_of[d]: 1 + the kind
 * that debug kind d wraps, 0 for other kinds.  Written with the world
 * lock held (release), read with acquire. */
#define NO_TWIN 0xff
static uint8_t twin[SGC_MAX_KINDS];
static uint8_t base_of[SGC_MAX_KINDS];
static unsigned dbg_proc;            /* world lock: the mark procedure of
				      * descriptor kinds' twins, 0: none */
static sgc_atomic_word hooks_on;     /* atomic: collect hooks installed */
static sgc_atomic_word world_stopped; /* atomic: between the hooks */
static int leak_installed;           /* world lock */

static void install_hooks_locked(void);

static const char *const kind_names[SGC_NUM_BUILTIN_KINDS] = {
	"pointer-free", "normal", "uncollectable", "atomic uncollectable"
};

static const char *kind_name(int b, char *buf, size_t len)
{
	if (b >= 0 && b < SGC_NUM_BUILTIN_KINDS)
		return kind_names[b];
	snprintf(buf, len, "client kind %d", b);
	return buf;
}

int sgc_debug_kind_base(unsigned k)
{
	if (k >= SGC_MAX_KINDS)
		return -1;
	return (int)__atomic_load_n(&base_of[k], __ATOMIC_ACQUIRE) - 1;
}

static int debug_kind_base(unsigned k)
{
	return sgc_debug_kind_base(k);
}

static int GC_CALLBACK leak_disclaim(void *obj);

/* Marks the twin of a descriptor kind (env: the wrapped kind): the
 * wrapped kind's descriptor, applied to the client's bytes after the
 * header, so that a gcj object's vtable word or a client's bitmap is
 * read where the client wrote it.  A freed or not yet set up object holds
 * no references. */
static SGC_NO_SANITIZE struct GC_ms_entry *
debug_mark(GC_word *addr, struct GC_ms_entry *msp, struct GC_ms_entry *msl,
	   GC_word env)
{
	const struct sgc_dbg_hdr *h = (const void *)addr;
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_RELAXED);
	if ((state != SGC_DBG_LIVE && state != SGC_DBG_SMASHED) ||
	    env >= SGC_MAX_KINDS || msp + 1 >= msl)
		return msp;
	const struct sgc_kind *kd = &sgc_kinds[env];
	uintptr_t d = kd->descr;
	if (kd->relocate) {
		struct sgc_span *s = sgc_span_of_heap((uintptr_t)addr);
		d += sgc_span_elem_bytes(s) - sizeof *h;
	}
	if (!d)
		return msp;
	msp++;
	msp->mse_start = (char *)addr + sizeof *h;
	msp->mse_descr = d;
	return msp;
}

/* Whether kind b's objects can carry a debug header: the built-in kinds,
 * and client kinds whose objects the collector reads only through their
 * descriptor (a disclaim procedure, a header of its own, or a descriptor
 * relocated to the object's end would all look at the wrong bytes). */
static int can_wrap(int b)
{
	const struct sgc_kind *kd = &sgc_kinds[b];
	if (b < SGC_NUM_BUILTIN_KINDS)
		return 1;
	if (kd->disclaim || kd->mark_unconditionally || kd->header_word ||
	    kd->uncollectable)
		return 0;
	return !kd->relocate || (kd->descr & GC_DS_TAGS) == GC_DS_LENGTH;
}

/* Create the debug twin of kind b; -1 when it has none.  World lock. */
static int make_debug_kind_locked(int b)
{
	int t = twin[b];
	if (t)
		return t == NO_TWIN ? -1 : t - 1;
	if (!can_wrap(b)) {
		__atomic_store_n(&twin[b], NO_TWIN, __ATOMIC_RELEASE);
		return -1;
	}
	const struct sgc_kind *kd = &sgc_kinds[b];
	int k;
	if (kd->scanned == SGC_SCAN_DESCR) {
		if (!dbg_proc)
			dbg_proc = sgc_kinds_new_proc("GC_debug_malloc",
						      debug_mark);
		k = (int)sgc_kinds_new("GC_debug_malloc",
				       GC_MAKE_PROC(dbg_proc, (GC_word)b), 0,
				       1);
	} else {
		k = sgc_kind_new(kd->scanned, 1);
		if (k < 0)
			sgc_fatal("GC_debug_malloc: no object kind left for"
				  " debug objects");
	}
	sgc_kinds[k].uncollectable = kd->uncollectable;
	sgc_kinds[k].header_word = (uint8_t)SGC_DBG_HDR_WORDS;
	sgc_kinds[k].describe = kd->describe;
	if (leak_installed && !sgc_kinds[k].uncollectable &&
	    b < SGC_NUM_BUILTIN_KINDS)
		__atomic_store_n(&sgc_kinds[k].disclaim, leak_disclaim,
				 __ATOMIC_RELEASE);
	__atomic_store_n(&base_of[k], (uint8_t)(b + 1), __ATOMIC_RELEASE);
	__atomic_store_n(&twin[b], (uint8_t)(k + 1), __ATOMIC_RELEASE);
	return k;
}

int sgc_debug_kind_locked(int k)
{
	return make_debug_kind_locked(k);
}

/* The debug kind of kind b, or -1 when b's objects get no header. */
static int debug_kind(int b)
{
	int t = __atomic_load_n(&twin[b], __ATOMIC_ACQUIRE);
	if (SGC_LIKELY(t && t != NO_TWIN && sgc_load_acquire(&hooks_on)))
		return t - 1;
	if (t == NO_TWIN)
		return -1;
	/* The first debug object: the checks at collection start now (a
	 * twin made ahead, as the gcj one is, costs nothing until then). */
	sgc_ensure_init();
	sgc_world_lock_acquire();
	int k = make_debug_kind_locked(b);
	if (k >= 0)
		install_hooks_locked();
	sgc_world_lock_release();
	return k;
}

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

/* Save the call chain of the allocation whose caller returns to ra into
 * out (SGC_DBG_NFRAMES words, zeroed), starting at the frame of ra.
 * backtrace() may load the unwinder on its first call, which may call
 * malloc, which may be this very allocator (leak_detector.h,
 * GC_debug_malloc_replacement): that inner allocation saves no chain. */
static __thread int in_backtrace;
static int save_chains = 1; /* SPANGC_CALL_CHAIN=0 turns them off */

static SGC_NOINLINE void save_chain(uintptr_t *out, uintptr_t ra)
{
#if SGC_HAVE_BACKTRACE
	void *buf[SGC_DBG_NFRAMES + 8];
	if (!save_chains || in_backtrace) {
		out[0] = ra;
		return;
	}
	in_backtrace = 1;
	int n = backtrace(buf, (int)(sizeof buf / sizeof buf[0]));
	in_backtrace = 0;
	int i = 0;
	while (i < n && (uintptr_t)buf[i] != ra)
		i++;
	if (i == n) /* not found: skip this function and debug_alloc */
		i = n < 2 ? n : 2;
	for (int j = 0; j < SGC_DBG_NFRAMES && i < n; j++, i++)
		out[j] = (uintptr_t)buf[i];
#else
	out[0] = ra;
#endif
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
	memset(h->frames, 0, sizeof h->frames);
	save_chain(h->frames, ra);
	h->guard = SGC_DBG_GUARD ^ (uintptr_t)base;
	memset(client_of(base) + lb, SGC_DBG_TAIL_BYTE, tail_len(slot, lb));
	__atomic_store_n(&h->state, SGC_DBG_LIVE, __ATOMIC_RELEASE);
	return client_of(base);
}

/* A debug object of kind b (any kind; one whose objects cannot carry a
 * header gets a plain object). */
static void *debug_alloc(size_t lb, int b, const char *file, int line,
			 uintptr_t ra)
{
	size_t extra = sizeof(struct sgc_dbg_hdr) + SGC_DBG_TAIL_MIN;
	if (lb > SIZE_MAX / 2 - extra)
		return sgc_oom(lb);
	int k = debug_kind(b);
	if (k < 0)
		return sgc_alloc(lb, (unsigned)b);
	void *base = sgc_alloc(lb + extra, (unsigned)k);
	if (!base)
		return NULL;
	return setup(base, GC_size(base), lb, file ? file : "(unknown)",
		     line, ra);
}

void *sgc_debug_alloc_kind(size_t lb, int k, const char *file, int line,
			   uintptr_t ra)
{
	return debug_alloc(lb, k, file, line, ra);
}

/* ---- call chains ---- */

/* Chains are written into reports as tokens, "\001" and the frames in
 * hex separated by commas, then "\002", and symbolised (expand) only when
 * the report is sent: dladdr takes the dynamic loader's lock, which a
 * stopped thread may hold. */
static void chain_token(const struct sgc_dbg_hdr *h, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	if (!h->frames[0] || len < 4)
		return;
	buf[used++] = '\001';
	for (int i = 0; i < SGC_DBG_NFRAMES && h->frames[i]; i++) {
		int n = snprintf(buf + used, len - used, "%s%lx", i ? "," : "",
				 (unsigned long)h->frames[i]);
		if (n < 0 || (size_t)n >= len - used - 2)
			break;
		used += (size_t)n;
	}
	buf[used++] = '\002';
	buf[used] = 0;
}

/* One frame, symbolised: "#i 0xpc in fn+0xoff (file)" or, for a symbol
 * the dynamic table does not name, "#i 0xpc in file+0xoff". */
static void frame_text(struct out *o, int i, uintptr_t pc)
{
	Dl_info info;
	put(o, "\n        #%d %p", i, (void *)pc);
	if (!dladdr((void *)pc, &info) || !info.dli_fname)
		return;
	const char *file = strrchr(info.dli_fname, '/');
	file = file ? file + 1 : info.dli_fname;
	if (info.dli_sname && info.dli_saddr)
		put(o, " in %s+0x%lx (%s)", info.dli_sname,
		    (unsigned long)(pc - (uintptr_t)info.dli_saddr), file);
	else
		put(o, " in %s+0x%lx", file,
		    (unsigned long)(pc - (uintptr_t)info.dli_fbase));
}

static void chain_lines(struct out *o, const uintptr_t *frames, int n)
{
	put(o, "\n    call chain at allocation:");
	for (int i = 0; i < n && frames[i]; i++)
		frame_text(o, i, frames[i]);
}

void sgc_debug_chain_text(const struct sgc_dbg_hdr *h, char *buf,
			  size_t len)
{
	struct out o = { buf, len, 0 };
	buf[0] = 0;
	if (h->frames[0])
		chain_lines(&o, h->frames, SGC_DBG_NFRAMES);
}

/* Copy in to o with each chain token symbolised. */
static void expand(struct out *o, const char *in)
{
	while (*in) {
		const char *t = strchr(in, '\001');
		if (!t) {
			put(o, "%s", in);
			return;
		}
		put(o, "%.*s", (int)(t - in), in);
		uintptr_t frames[SGC_DBG_NFRAMES] = { 0 };
		int n = 0;
		const char *p = t + 1;
		while (*p && *p != '\002') {
			char *end;
			unsigned long v = strtoul(p, &end, 16);
			if (end == p)
				break;
			if (n < SGC_DBG_NFRAMES)
				frames[n++] = (uintptr_t)v;
			p = *end == ',' ? end + 1 : end;
		}
		chain_lines(o, frames, n);
		in = *p == '\002' ? p + 1 : p;
	}
}

/* ---- checking ---- */

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

/* Send a report: chain tokens symbolised, '%' doubled (the message has
 * no directive of its own, so any warn procedure prints it as is).  World
 * running. */
static void send(const char *raw)
{
	char text[4096];
	char msg[8200];
	struct out o = { text, sizeof text, 0 };
	text[0] = 0;
	expand(&o, raw);
	size_t j = 0;
	for (size_t i = 0; text[i] && j + 3 < sizeof msg; i++) {
		if (text[i] == '%')
			msg[j++] = '%';
		msg[j++] = text[i];
	}
	msg[j++] = '\n';
	msg[j] = 0;
	sgc_warn(msg, 0);
}

/* Report through the warn procedure, or keep the report for later when
 * the world is stopped.  No allocation. */
static SGC_PRINTF(1, 2) void report(const char *fmt, ...)
{
	char raw[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (!sgc_load_acquire(&world_stopped)) {
		send(raw);
		return;
	}
	size_t j = strlen(raw);
	if (pending_used + j + 1 > sizeof pending) {
		pending_lost++;
		return;
	}
	memcpy(pending + pending_used, raw, j + 1);
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
	char chain[200] = "";
	if (header_ok) {
		site(h, where, sizeof where);
		chain_token(h, chain, sizeof chain);
	}
	report("GC Warning: %s: smashed %sobject %p (%lu bytes, allocated"
	       " at %s):%s%s", call, state == SGC_DBG_FREED ? "freed " : "",
	       (void *)client_of(base),
	       header_ok ? (unsigned long)h->size : 0ul, where, detail, chain);
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
	if (knd < 0 || knd >= SGC_MAX_KINDS ||
	    !__atomic_load_n(&sgc_kinds[knd].in_use, __ATOMIC_ACQUIRE) ||
	    debug_kind_base((unsigned)knd) >= 0)
		sgc_fatal("GC_debug_generic_or_special_malloc(%zu, %d): no"
			  " such object kind", lb, knd);
	return debug_alloc(lb, knd, s, i, RA);
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
		send(pending + k);
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
	char chain[200] = "";
	if (h->state == SGC_DBG_LIVE) {
		site(h, where, sizeof where);
		chain_token(h, chain, sizeof chain);
	}
	char kb[32];
	report("GC Warning: leaked object at %p (%lu bytes, %s, allocated at"
	       " %s)%s", (void *)client_of(obj),
	       h->state == SGC_DBG_LIVE ? (unsigned long)h->size : 0ul,
	       kind_name(b, kb, sizeof kb), where, chain);
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
		     (int)twin[SGC_KIND_NORMAL] - 1,
		     (int)twin[SGC_KIND_PTRFREE] - 1 };
	for (unsigned j = 0; j < sizeof ks / sizeof ks[0]; j++)
		if (ks[j] >= 0)
			__atomic_store_n(&sgc_kinds[ks[j]].disclaim,
					 leak_disclaim, __ATOMIC_RELEASE);
	install_hooks_locked();
}

void sgc_debug_init(void)
{
	const char *c = getenv("SPANGC_CALL_CHAIN");
	if (c && *c == '0')
		save_chains = 0;
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
