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
 * array, before it builds anything; with "init", right after GC_INIT,
 * before filling it (what a start-up collection, as bdwgc's, would see).
 *
 * Usage: false_refs [ROUNDS [pre|init]]   (default 20).  Runs the workload
 * twice: here, and in a copy of itself started with
 * SPANGC_NO_BLACKLIST=1 (which runs it once and prints its line).  Prints
 *   black-listing:    heap_mib=H retained_kib=R
 *   no black-listing: heap_mib=H retained_kib=R
 * (R after the last round's lists are dropped and two collections) and
 * exits 1, saying so, unless R with black-listing is under a quarter of
 * R without.  Uses only the bdwgc API.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gc.h>
#include <gc/gc_mark.h>
#include "test_assert.h"

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

/* The workload; the figures, in the form of the usage line. */
static void workload(int rounds, const char *when, char *out, size_t outsz)
{
	GC_INIT();
	if (strcmp(when, "init") == 0)
		GC_gcollect();
	uintptr_t lo = (uintptr_t)GC_least_plausible_heap_addr;
	for (size_t i = 0; i < WORDS; i++) {
		uint64_t r = next_random();
		junk[i] = i % HIT_EVERY ? (uintptr_t)r :
			  lo + (uintptr_t)(r % ((uint64_t)HIT_MIB << 20));
	}
	if (strcmp(when, "pre") == 0)
		GC_gcollect();
	for (int round = 0; round < rounds; round++) {
		for (int l = 0; l < LISTS; l++) {
			struct node *head = NULL;
			for (int n = 0; n < NODES; n++) {
				struct node *x = GC_MALLOC(sizeof *x);
				if (!x) {
					fprintf(stderr, "false_refs: out of "
						"memory\n");
					exit(2);
				}
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
	snprintf(out, outsz, "heap_mib=%lu retained_kib=%lu",
		 (unsigned long)(GC_get_heap_size() >> 20),
		 (unsigned long)(GC_get_memory_use() >> 10));
}

/* Start this program again with SPANGC_NO_BLACKLIST=1, its standard
 * output going to the returned descriptor.  Before the collector starts
 * here, so no thread of it sees the fork. */
static int start_without(char **argv, pid_t *pid)
{
	int fd[2];
	if (pipe(fd) != 0) {
		perror("false_refs: pipe");
		exit(2);
	}
	*pid = fork();
	if (*pid < 0) {
		perror("false_refs: fork");
		exit(2);
	}
	if (*pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		setenv("SPANGC_NO_BLACKLIST", "1", 1);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "false_refs: cannot start itself again: %s\n",
			strerror(errno));
		_exit(2);
	}
	close(fd[1]);
	return fd[0];
}

/* The figure in a line, or -1 when there is none. */
static long retained_kib(const char *line)
{
	const char *k = strstr(line, "retained_kib=");
	return k ? strtol(k + strlen("retained_kib="), NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	const char *when = argc > 2 ? argv[2] : "";
	char with[128], without[128] = "";
	const char *v = getenv("SPANGC_NO_BLACKLIST");
	if (v && v[0] && v[0] != '0') { /* the copy: one run */
		workload(rounds, when, with, sizeof with);
		printf("%s\n", with);
		return 0;
	}
	pid_t pid;
	int fd = start_without(argv, &pid);
	workload(rounds, when, with, sizeof with);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < sizeof without &&
	       (r = read(fd, without + n, sizeof without - 1 - n)) > 0)
		n += (size_t)r;
	without[n] = 0;
	without[strcspn(without, "\n")] = 0;
	close(fd);
	int status;
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0,
		    "the run without black-listing failed (status %#x)",
		    status);
	printf("black-listing:    %s\n", with);
	printf("no black-listing: %s\n", without);
	long w = retained_kib(with), wo = retained_kib(without);
	test_assert(w >= 0 && wo >= 0, "no figures");
	test_assert(w * 4 < wo, "black-listing kept %ld KiB, without it %ld"
		    " KiB: not under a quarter", w, wo);
	return 0;
}
