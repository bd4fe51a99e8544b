/*
 * gcbits.c: epoch-managed bitmap chunks (see gcbits.h).
 *
 * Chunks come from the system outside the heap and are recycled through
 * the free epoch; a recycled chunk is zeroed as it is taken.
 */
#include <pthread.h>
#include <string.h>
#include "gcbits.h"
#include "os.h"

struct chunk {
	struct chunk *next;
	size_t used; /* words handed out */
	uint64_t words[];
};

#define CHUNK_WORDS ((SGC_GCBITS_CHUNK_BYTES - sizeof(struct chunk)) / 8)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *next_epoch, *current_epoch, *previous_epoch, *free_chunks;

static struct chunk *new_chunk(void)
{
	struct chunk *c = free_chunks;
	if (c) {
		free_chunks = c->next;
		memset(c->words, 0, c->used * 8);
	} else {
		c = sgc_os_alloc(SGC_GCBITS_CHUNK_BYTES);
		if (!c)
			return NULL;
	}
	c->used = 0;
	c->next = next_epoch;
	next_epoch = c;
	return c;
}

uint64_t *sgc_gcbits_alloc(size_t nwords)
{
	SGC_CHECK(nwords > 0 && nwords <= CHUNK_WORDS);
	pthread_mutex_lock(&lock);
	struct chunk *c = next_epoch;
	if (!c || c->used + nwords > CHUNK_WORDS)
		c = new_chunk();
	uint64_t *p = NULL;
	if (c) {
		p = &c->words[c->used];
		c->used += nwords;
	}
	pthread_mutex_unlock(&lock);
	return p;
}

static struct chunk *append(struct chunk *list, struct chunk *more)
{
	if (!more)
		return list;
	struct chunk *t = more;
	while (t->next)
		t = t->next;
	t->next = list;
	return more;
}

void sgc_gcbits_rotate(void)
{
	pthread_mutex_lock(&lock);
	free_chunks = append(free_chunks, previous_epoch);
	previous_epoch = current_epoch;
	current_epoch = next_epoch;
	next_epoch = NULL;
	pthread_mutex_unlock(&lock);
}

static size_t count(const struct chunk *c)
{
	size_t n = 0;
	for (; c; c = c->next)
		n++;
	return n;
}

void sgc_gcbits_counts(size_t out[4])
{
	pthread_mutex_lock(&lock);
	out[0] = count(next_epoch);
	out[1] = count(current_epoch);
	out[2] = count(previous_epoch);
	out[3] = count(free_chunks);
	pthread_mutex_unlock(&lock);
}


