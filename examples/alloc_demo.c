/*
 * alloc_demo: a program that leans on the collector.
 *
 * It keeps a long-lived binary tree and linked list, then spends a second
 * or two building and dropping short-lived trees and lists (the classic
 * GCBench shape), and finally checks that the long-lived structures came
 * through every collection intact.  It prints what the collector did.
 *
 * Builds against spangc (`make examples/alloc_demo`, which defines
 * SPANGC_EXAMPLE to add pause times and other figures from
 * spangc_get_stats) and, unchanged, against bdwgc:
 *
 *   cc -std=gnu11 -O2 examples/alloc_demo.c -lgc
 *
 * Exit status 0 only if the long-lived structures verified.
 */
#include <gc.h>

#ifdef SPANGC_EXAMPLE
# include <spangc.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct tree {
    struct tree *left, *right;
    long value;
};

struct cell {
    struct cell *next;
    long value;
    char text[24];
};

enum {
    LONG_TREE_DEPTH = 16,       /* 65,535 nodes that live throughout */
    LONG_LIST_LEN = 100000,
    MIN_DEPTH = 4,
    MAX_DEPTH = 16,
};

static struct tree *make_tree(int depth, long value)
{
    struct tree *t = GC_NEW(struct tree);

    if (t == NULL) {
        fprintf(stderr, "alloc_demo: out of memory\n");
        exit(2);
    }
    t->value = value;
    if (depth > 0) {
        t->left = make_tree(depth - 1, 2 * value);
        t->right = make_tree(depth - 1, 2 * value + 1);
    }
    return t;
}

/* Counts the nodes whose value is what make_tree stored there. */
static long check_tree(const struct tree *t, long value)
{
    long n;

    if (t == NULL || t->value != value)
        return 0;
    n = 1;
    if (t->left != NULL)
        n += check_tree(t->left, 2 * value) + check_tree(t->right,
                                                         2 * value + 1);
    return n;
}

static struct cell *make_list(long n, long seed)
{
    struct cell *head = NULL;

    for (long i = 0; i < n; i++) {
        struct cell *c = GC_NEW(struct cell);

        if (c == NULL) {
            fprintf(stderr, "alloc_demo: out of memory\n");
            exit(2);
        }
        c->value = seed + i;
        snprintf(c->text, sizeof c->text, "cell %ld", seed + i);
        c->next = head;
        head = c;
    }
    return head;
}

/* Nonzero when the list holds seed+n-1 down to seed, text included. */
static int check_list(const struct cell *c, long n, long seed)
{
    char expect[24];

    for (long i = n - 1; i >= 0; i--, c = c->next) {
        if (c == NULL || c->value != seed + i)
            return 0;
        snprintf(expect, sizeof expect, "cell %ld", seed + i);
        for (size_t k = 0; k < sizeof expect; k++) {
            if (c->text[k] != expect[k])
                return 0;
            if (expect[k] == '\0')
                break;
        }
    }
    return c == NULL;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    struct tree *long_tree;
    struct cell *long_list;
    double start, elapsed;
    long short_nodes = 0, tree_ok, list_ok;
    size_t total0;

    GC_INIT();
    start = now();
    total0 = GC_get_total_bytes();

    long_tree = make_tree(LONG_TREE_DEPTH - 1, 1);
    long_list = make_list(LONG_LIST_LEN, 1000);

    /* Short-lived work: for each depth, build and drop enough trees to
     * allocate about the same number of nodes, plus a list now and then. */
    for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
        long iterations = 1L << (MAX_DEPTH - depth + 4);

        for (long i = 0; i < iterations; i++) {
            struct tree *t = make_tree(depth, 1);

            short_nodes += check_tree(t, 1);
            if (i % 64 == 0)
                short_nodes += make_list(1000, i) != NULL ? 1000 : 0;
        }
    }

    tree_ok = check_tree(long_tree, 1) == (1L << LONG_TREE_DEPTH) - 1;
    list_ok = check_list(long_list, LONG_LIST_LEN, 1000);
    elapsed = now() - start;

    printf("alloc_demo: %.2f s, %ld short-lived nodes\n", elapsed,
           short_nodes);
    printf("  collections:      %lu\n", (unsigned long)GC_get_gc_no());
    printf("  heap size:        %.1f MiB\n", GC_get_heap_size() / 1048576.0);
    printf("  bytes allocated:  %.1f MiB\n",
           (GC_get_total_bytes() - total0) / 1048576.0);
#ifdef SPANGC_EXAMPLE
    {
        struct spangc_stats s;

        spangc_get_stats(&s);
        printf("  live after last:  %.1f MiB\n", s.live_bytes / 1048576.0);
        printf("  pages reclaimed:  %zu\n", s.pages_reclaimed);
        printf("  pause total:      %.3f ms\n", s.total_pause_ns / 1e6);
        printf("  pause max:        %.3f ms\n", s.max_pause_ns / 1e6);
        printf("  pause mean:       %.3f ms\n",
               s.cycles ? s.total_pause_ns / 1e6 / s.cycles : 0.0);
    }
#else
    printf("  (pause times need spangc: build with -DSPANGC_EXAMPLE)\n");
#endif
    printf("  long-lived tree:  %s\n", tree_ok ? "intact" : "CORRUPTED");
    printf("  long-lived list:  %s\n", list_ok ? "intact" : "CORRUPTED");
    return tree_ok && list_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
