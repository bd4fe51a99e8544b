/*
 * false_refs: what black-listing saves.  An 8 MiB static array of random
 * words (a table of hashes, say) sits in .bss; a fraction of its words
 * fall inside the heap's address range.  The program builds linked lists
 * and drops them, round after round, collecting after each: a list node
 * that one of those words happens to point at is kept, and with it the
 * rest of its list.  Black-listing keeps scanned objects off the pages the
 * words point into, so little is kept; with SPANGC_NO_BLACKLIST=1 the
 * lists land there.
 *
 * On a 64-bit system spangc's heap sits at an address no small integer
 * has, so uniformly random words almost never hit it (about one in 2^24);
 * the array mixes uniform words with address-like ones drawn from the
 * heap's first HIT_MIB MiB, one in HIT_EVERY, as a 32-bit process or data
 * holding stale addresses would have.
 *
 * A page is black-listed only once a collection has seen a word pointing
 * at it while free: what is allocated before the first collection is not
 * protected, and a node kept by a word keeps its page in use, whose free
 * slots are then reused (a word into a free slot of an in-use page is not
 * listed).  With "pre", the program collects once right after filling the
 * array (as bdwgc does at start-up), before it builds anything.
 *
 * Usage: false_refs [ROUNDS [pre]]   (default 20).  Prints one line:
 *   heap_mib=H retained_kib=R (after the last round's lists are dropped
 *   and two collections).  Uses only the bdwgc API.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <gc.h>
#include <gc/gc_mark.h>

enum {
	WORDS = 1 << 20,    /* 8 MiB */
	HIT_EVERY = 64,     /* one word in 64 is address-like */
	HIT_MIB = 256,
	LISTS = 16,
	NODES = 4096,       /* 64-byte nodes: 4 MiB per round */
};

struct node {
	struct node *next;
	uintptr_t payload[7];
};

/* Not static: the compiler must keep the stores to it. */
uintptr_t junk[WORDS];
static struct node *volatile lists[LISTS];

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	GC_INIT();
	uintptr_t lo = (uintptr_t)GC_least_plausible_heap_addr;
	for (size_t i = 0; i < WORDS; i++) {
		uint64_t r = next_random();
		junk[i] = i % HIT_EVERY ? (uintptr_t)r :
			  lo + (uintptr_t)(r % ((uint64_t)HIT_MIB << 20));
	}
	if (argc > 2 && argv[2][0] == 'p')
		GC_gcollect();
	for (int round = 0; round < rounds; round++) {
		for (int l = 0; l < LISTS; l++) {
			struct node *head = NULL;
			for (int n = 0; n < NODES; n++) {
				struct node *x = GC_MALLOC(sizeof *x);
				if (!x)
					return 2;
				x->next = head;
				x->payload[0] = (uintptr_t)n;
				head = x;
			}
			lists[l] = head;
		}
		for (int l = 0; l < LISTS; l++)
			lists[l] = NULL;
		GC_gcollect();
	}
	GC_gcollect();
	GC_gcollect();
	printf("heap_mib=%lu retained_kib=%lu\n",
	       (unsigned long)(GC_get_heap_size() >> 20),
	       (unsigned long)(GC_get_memory_use() >> 10));
	return 0;
}
