/*
 * cache.c: per-thread caches (see cache.h).
 *
 * Caches come from the system outside the heap and are recycled when their
 * thread unregisters (thread.c).
 */
#include <pthread.h>
#include <string.h>
#include "cache.h"
#include "central.h"
#include "compat.h"
#include "os.h"
#include "pacer.h"

SGC_TLS_FAST __thread struct sgc_cache *sgc_tls_cache;
struct sgc_span sgc_empty_span;

static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sgc_cache *all_caches, *free_caches;

void sgc_cache_init(void)
{
	/* The empty span: alloc_cache 0 and free_index == nelems == 0, so the
	 * fast path always falls through to refill. */
	memset(&sgc_empty_span, 0, sizeof sgc_empty_span);
}

struct sgc_cache *sgc_cache_create(void)
{
	struct sgc_cache *c;
	pthread_mutex_lock(&caches_lock);
	c = free_caches;
	if (c)
		free_caches = c->next_all;
	pthread_mutex_unlock(&caches_lock);
	if (!c) {
		c = sgc_os_alloc(sizeof *c);
		if (!c)
			return NULL;
	}
	for (unsigned i = 0; i < SGC_NUM_SPAN_CLASSES; i++)
		c->alloc[i] = &sgc_empty_span;
	memset(c->used, 0, sizeof c->used);
	sgc_store_relaxed(&c->freed_bytes, 0);
	c->bytes_cached = 0;
	memset(&c->pcache, 0, sizeof c->pcache); /* flushed when forgotten */
	c->critical = 0;
	c->pending = 0;
	c->thread = NULL;
	pthread_mutex_lock(&caches_lock);
	c->prev_all = NULL;
	c->next_all = all_caches;
	if (all_caches)
		all_caches->prev_all = c;
	all_caches = c;
	pthread_mutex_unlock(&caches_lock);
	sgc_tls_cache = c;
	return c;
}

/* Give back the span held for spc; accounts its unused slots. */
static void release(struct sgc_cache *c, unsigned spc)
{
	struct sgc_span *s = c->alloc[spc];
	if (s == &sgc_empty_span)
		return;
	c->alloc[spc] = &sgc_empty_span;
	c->used[spc / 64] &= ~((uint64_t)1 << (spc % 64));
	size_t unused = (size_t)(s->nelems - s->alloc_count) *
			sgc_span_elem_bytes(s);
	c->bytes_cached -= unused;
	sgc_pacer_note_alloc((intptr_t)-unused);
	sgc_central_uncache_span(&sgc_centrals[spc], s);
}

int sgc_cache_refill(struct sgc_cache *c, unsigned spc)
{
	release(c, spc);
	struct sgc_span *s = sgc_central_cache_span(&sgc_centrals[spc]);
	if (!s)
		return -1;
	size_t fresh = (size_t)(s->nelems - s->alloc_count) *
		       sgc_span_elem_bytes(s);
	c->bytes_cached += fresh;
	sgc_pacer_note_alloc((intptr_t)fresh);
	c->alloc[spc] = s;
	c->used[spc / 64] |= (uint64_t)1 << (spc % 64);
	return 0;
}

void sgc_cache_release_all(struct sgc_cache *c)
{
	for (unsigned w = 0; w < SGC_CACHE_USED_WORDS; w++)
		while (c->used[w])
			release(c, w * 64 +
				   (unsigned)__builtin_ctzll(c->used[w]));
	sgc_heap_pcache_flush(&c->pcache);
}

void sgc_cache_lock_all(void)
{
	pthread_mutex_lock(&caches_lock);
}

void sgc_cache_unlock_all(void)
{
	pthread_mutex_unlock(&caches_lock);
}

int sgc_cache_page_cached(uintptr_t addr)
{
	for (struct sgc_cache *c = all_caches; c; c = c->next_all) {
		const struct sgc_pcache *pc = &c->pcache;
		uintptr_t k = (addr - pc->group) / SGC_PAGE_SIZE;
		if (addr >= pc->group && k < 64 && ((pc->pages >> k) & 1))
			return 1;
	}
	return 0;
}

void sgc_cache_flush_all(void)
{
	pthread_mutex_lock(&caches_lock);
	for (struct sgc_cache *c = all_caches; c; c = c->next_all) {
		sgc_cache_release_all(c);
		sgc_store_relaxed(&c->freed_bytes, 0);
	}
	pthread_mutex_unlock(&caches_lock);
}

size_t sgc_cache_freed_bytes(void)
{
	size_t n = 0;
	pthread_mutex_lock(&caches_lock);
	for (struct sgc_cache *c = all_caches; c; c = c->next_all)
		n += sgc_load_relaxed(&c->freed_bytes);
	pthread_mutex_unlock(&caches_lock);
	return n;
}

void sgc_cache_destroy_current(void)
{
	struct sgc_cache *c = sgc_tls_cache;
	if (!c)
		return;
	sgc_cache_release_all(c);
	sgc_tls_cache = NULL;
	sgc_cache_forget(c);
}

void sgc_cache_forget(struct sgc_cache *c)
{
	pthread_mutex_lock(&caches_lock);
	/* Its frees still count until the next collection. */
	sgc_compat_note_free(sgc_load_relaxed(&c->freed_bytes));
	sgc_store_relaxed(&c->freed_bytes, 0);
	if (c->prev_all)
		c->prev_all->next_all = c->next_all;
	else
		all_caches = c->next_all;
	if (c->next_all)
		c->next_all->prev_all = c->prev_all;
	c->next_all = free_caches;
	free_caches = c;
	pthread_mutex_unlock(&caches_lock);
}


