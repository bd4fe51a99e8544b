/*
 * check_api.c: black-box tests of the public bdwgc-compatible API.
 *
 * Uses <gc.h> only, so the same file builds and must pass against
 * Debian's bdwgc 8.2 as well as against spangc:
 *
 *   gcc -std=gnu11 -O1 -I/usr/include tests/check_api.c \
 *       $(pkg-config --cflags --libs check) -lgc -o /tmp/api_bdwgc
 *
 * Checks of promises that only spangc makes (GC_base of a freed object is
 * NULL, GC_size of a foreign address is 0, bad frees abort, the stats and
 * heap-verifier extensions) are compiled only with -DSPANGC_TEST.
 *
 * Every reachability test is built so that a collector which got it wrong
 * would fail: the object under test is referenced from exactly one kind of
 * root, the stack is scrubbed of leftovers, and garbage of the same sizes
 * is allocated between collections, so a wrongly reclaimed object is
 * reused and its fill pattern destroyed.
 */
#include <gc.h>
#include <gc/gc_mark.h>

#ifdef SPANGC_TEST
# include <spangc.h>
#endif

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define KIB ((size_t)1024)
#define MIB (KIB * KIB)

#define CYCLES 50       /* collections each survival test goes through */

Suite *make_api_suite(void);

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* Byte i of an object filled for SEED.  The words this makes look like
 * random numbers, not like heap addresses, so they pin nothing. */
static unsigned char pattern_byte(size_t seed, size_t i)
{
    size_t x = (seed + 1) * 0x9E3779B97F4A7C15u + i * 0x2545F491u;
    return (unsigned char)(x >> 29 ^ x >> 7);
}

static void fill(void *p, size_t n, size_t seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = pattern_byte(seed, i);
}

static int check_fill(const void *p, size_t n, size_t seed)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != pattern_byte(seed, i))
            return 0;
    return 1;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* Overwrites the dead part of the stack below the caller, so that
 * pointers left there by earlier calls keep nothing alive. */
static NOINLINE void clear_stack(void)
{
    char buf[64 * 1024];
    void *volatile vp = buf;

    memset(vp, 0, sizeof buf);
}

static void *filled(size_t n, size_t seed)
{
    void *p = GC_MALLOC(n);

    ck_assert_ptr_nonnull(p);
    fill(p, n, seed);
    return p;
}

/* Sizes of the objects that the survival tests root, from one word to a
 * large object with a span of its own. */
static const size_t root_sizes[] = {
    8, 24, 48, 200, 1000, 5000, 40000, 300000,
};
#define NROOTS (sizeof root_sizes / sizeof root_sizes[0])

/* Allocates short-lived garbage of every rooted size (about 64 KiB of
 * each), filled so that reuse of a wrongly freed object shows. */
static NOINLINE void churn(void)
{
    for (size_t k = 0; k < NROOTS; k++) {
        size_t n = root_sizes[k];
        size_t count = 64 * KIB / n;

        if (count == 0)
            count = 1;
        if (count > 400)
            count = 400;
        for (size_t i = 0; i < count; i++)
            memset(GC_MALLOC(n), 0xA5, n);
    }
}

/* Churns and collects CYCLES times. */
static void collect_many(void)
{
    GC_word before = GC_get_gc_no();

    for (int c = 0; c < CYCLES; c++) {
        churn();
        clear_stack();
        GC_gcollect();
    }
    ck_assert_uint_ge(GC_get_gc_no(), before + CYCLES);
}

/* The objects in h[0..n) were filled with seeds 0..n-1 and are no longer
 * referenced.  Allocates 2n objects of the same size so that reclaimed
 * slots are reused, then returns how many of the n are gone (no longer an
 * object, or contents changed).  Works on bdwgc, whose GC_base still
 * answers for free slots of a live block. */
static NOINLINE size_t count_reclaimed(const GC_hidden_pointer *h, size_t n,
                                       size_t size)
{
    size_t gone = 0;

    for (size_t i = 0; i < 2 * n; i++)
        memset(GC_MALLOC(size), 0x5A, size);
    for (size_t i = 0; i < n; i++) {
        void *p = GC_REVEAL_POINTER(h[i]);

        if (GC_base(p) != p || !check_fill(p, size, i))
            gone++;
    }
    return gone;
}

/* Fills h[0..n) with hidden pointers to fresh, filled objects. */
static NOINLINE void make_hidden(GC_hidden_pointer *h, size_t n, size_t size)
{
    for (size_t i = 0; i < n; i++)
        h[i] = GC_HIDE_POINTER(filled(size, i));
}

static void setup(void)
{
    GC_INIT();
}

/* For tests that compare heap figures across calls: no background
 * thread, whose scavenger may return free pages between two of them (the
 * pacer's floor of 256 KiB leaves a small heap above what it keeps).
 * The variable is read once, when the collector starts. */
static void setup_quiet(void)
{
    setenv("SPANGC_BACKGROUND_SWEEP", "0", 1);
    GC_INIT();
}

static void teardown(void)
{
#ifdef SPANGC_TEST
    ck_assert_int_eq(spangc_verify_heap(), 0);
#endif
}

/* ------------------------------------------------------------------ */
/* Initialisation and version                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_init_version)
{
    GC_INIT();
    ck_assert_int_ne(GC_is_init_called(), 0);
    GC_init();                          /* idempotent */
    ck_assert_int_ne(GC_is_init_called(), 0);
    ck_assert_uint_eq(GC_VERSION_MAJOR, 8);
    ck_assert_uint_eq(GC_VERSION_MINOR, 2);
    ck_assert_uint_eq(GC_get_version(),
                      (GC_VERSION_MAJOR << 16) | (GC_VERSION_MINOR << 8)
                      | GC_VERSION_MICRO);
    ck_assert_uint_eq(GC_get_version(), 0x080202u);
    ck_assert_int_eq(GC_get_all_interior_pointers(), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reachability: each object is referenced from one kind of root only   */
/* ------------------------------------------------------------------ */

static NOINLINE void make_roots(void **slots, size_t seed_base)
{
    for (size_t k = 0; k < NROOTS; k++)
        slots[k] = filled(root_sizes[k], seed_base + k);
}

static void verify_roots(void **slots, size_t seed_base)
{
    for (size_t k = 0; k < NROOTS; k++) {
        void *p = slots[k];

        ck_assert_ptr_eq(GC_base(p), p);
        ck_assert_msg(check_fill(p, root_sizes[k], seed_base + k),
                      "object of %zu bytes lost its contents", root_sizes[k]);
    }
}

START_TEST(test_reach_stack)
{
    void *slots[NROOTS];

    GC_INIT();
    make_roots(slots, 100);
    clear_stack();
    collect_many();
    verify_roots(slots, 100);
}
END_TEST

static void *static_slots[NROOTS];

START_TEST(test_reach_static)
{
    GC_INIT();
    make_roots(static_slots, 200);
    clear_stack();
    collect_many();
    verify_roots(static_slots, 200);
}
END_TEST

struct node {
    struct node *next;
    size_t payload[5];
};

#define LIST_LEN 5000

/* A parent object holding the rooted objects, and a long list, both
 * referenced only through heap objects below one root each. */
static NOINLINE void **make_parent(void)
{
    void **parent = GC_MALLOC(NROOTS * sizeof(void *));

    ck_assert_ptr_nonnull(parent);
    make_roots(parent, 300);
    return parent;
}

static NOINLINE struct node *make_list(void)
{
    struct node *head = NULL;

    for (size_t i = 0; i < LIST_LEN; i++) {
        struct node *n = GC_NEW(struct node);

        ck_assert_ptr_nonnull(n);
        for (size_t j = 0; j < 5; j++)
            n->payload[j] = i * 7 + j;
        n->next = head;
        head = n;
    }
    return head;
}

START_TEST(test_reach_heap)
{
    void **volatile parent;
    struct node *volatile list;
    size_t count = 0;

    GC_INIT();
    parent = make_parent();
    list = make_list();
    clear_stack();
    collect_many();
    verify_roots(parent, 300);
    for (struct node *n = list; n != NULL; n = n->next) {
        size_t i = LIST_LEN - 1 - count;

        for (size_t j = 0; j < 5; j++)
            ck_assert_uint_eq(n->payload[j], i * 7 + j);
        count++;
    }
    ck_assert_uint_eq(count, LIST_LEN);
}
END_TEST

/* Stores in slots[k] the object's address plus an offset: the middle of
 * the object, or just past its requested end.  The tests keep such
 * pointers both on the stack and in a heap object: bdwgc honours interior
 * pointers from the stack even with GC_all_interior_pointers off, so only
 * the heap copy shows whether the setting is applied to the heap. */
static NOINLINE void make_displaced(char **slots, size_t seed_base,
                                    int past_end)
{
    for (size_t k = 0; k < NROOTS; k++) {
        size_t n = root_sizes[k];
        char *p = filled(n, seed_base + k);

        slots[k] = p + (past_end ? n : n / 2);
    }
}

static void verify_displaced(char **slots, size_t seed_base,
                             int past_end)
{
    for (size_t k = 0; k < NROOTS; k++) {
        size_t n = root_sizes[k];
        char *p = slots[k] - (past_end ? n : n / 2);

        ck_assert_msg(check_fill(p, n, seed_base + k),
                      "object of %zu bytes held by a %s pointer was lost", n,
                      past_end ? "past-the-end" : "interior");
        ck_assert_ptr_eq(GC_base(p), p);
        if (!past_end)
            ck_assert_ptr_eq(GC_base(slots[k]), p);
    }
}

START_TEST(test_reach_interior)
{
    char *stack_slots[NROOTS];
    char **volatile heap_slots;

    GC_INIT();
    heap_slots = GC_MALLOC(NROOTS * sizeof(char *));
    ck_assert_ptr_nonnull(heap_slots);
    make_displaced(stack_slots, 400, 0);
    make_displaced(heap_slots, 450, 0);
    clear_stack();
    collect_many();
    verify_displaced(stack_slots, 400, 0);
    verify_displaced(heap_slots, 450, 0);
}
END_TEST

START_TEST(test_reach_past_end)
{
    char *stack_slots[NROOTS];
    char **volatile heap_slots;

    GC_INIT();
    heap_slots = GC_MALLOC(NROOTS * sizeof(char *));
    ck_assert_ptr_nonnull(heap_slots);
    make_displaced(stack_slots, 500, 1);
    make_displaced(heap_slots, 550, 1);
    clear_stack();
    collect_many();
    verify_displaced(stack_slots, 500, 1);
    verify_displaced(heap_slots, 550, 1);
}
END_TEST

/* An uncollectable object reachable from nowhere (its address is kept
 * hidden) that holds the only pointers to collectable children. */
static GC_hidden_pointer hidden_uncollectable;

static NOINLINE void make_uncollectable(void)
{
    void **u = GC_MALLOC_UNCOLLECTABLE(NROOTS * sizeof(void *));

    ck_assert_ptr_nonnull(u);
    make_roots(u, 600);
    hidden_uncollectable = GC_HIDE_POINTER(u);
}

START_TEST(test_reach_uncollectable)
{
    void **u;

    GC_INIT();
    make_uncollectable();
    clear_stack();
    collect_many();
    u = GC_REVEAL_POINTER(hidden_uncollectable);
    ck_assert_ptr_eq(GC_base(u), u);
    verify_roots(u, 600);
    GC_FREE(u);
}
END_TEST

START_TEST(test_reach_add_roots)
{
    void **buf = malloc(NROOTS * sizeof(void *));
    void **slots = buf;

    GC_INIT();
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(GC_is_heap_ptr(buf), 0);
    GC_add_roots(buf, buf + NROOTS);
    make_roots(slots, 700);
    clear_stack();
    collect_many();
    verify_roots(slots, 700);
    GC_remove_roots(buf, buf + NROOTS);
    free(buf);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reclamation                                                          */
/* ------------------------------------------------------------------ */

/* Hidden pointers do not keep objects alive: after a collection, at
 * least 90% of 10,000 small and 40 large unreferenced objects are
 * reclaimed. */
static void check_hidden_reclaimed(size_t n, size_t size)
{
    GC_hidden_pointer *h = malloc(n * sizeof *h);
    size_t gone;

    ck_assert_ptr_nonnull(h);
    /* No collection may reuse a slot before the count below. */
    GC_disable();
    make_hidden(h, n, size);
    GC_enable();
    clear_stack();
    GC_gcollect();
#ifdef SPANGC_TEST
    {
        size_t freed = 0;

        for (size_t i = 0; i < n; i++)
            if (GC_base(GC_REVEAL_POINTER(h[i])) == NULL)
                freed++;
        ck_assert_msg(freed * 10 >= n * 9,
                      "only %zu of %zu objects of %zu bytes freed", freed, n,
                      size);
    }
#endif
    gone = count_reclaimed(h, n, size);
    ck_assert_msg(gone * 10 >= n * 9,
                  "only %zu of %zu objects of %zu bytes reclaimed", gone, n,
                  size);
    free(h);
}

START_TEST(test_reclaim_hidden_small)
{
    GC_INIT();
    check_hidden_reclaimed(10000, 48);
}
END_TEST

START_TEST(test_reclaim_hidden_large)
{
    GC_INIT();
    check_hidden_reclaimed(40, 100000);
}
END_TEST

/* Allocating many times the heap size in short-lived objects, with a
 * bounded live set, neither grows the heap without bound nor goes
 * without collecting. */
START_TEST(test_reclaim_heap_bounded)
{
    enum { RING = 1024 };
    static const size_t sizes[] = { 16, 48, 128, 512, 2000, 8000, 70000 };
    void **ring = GC_MALLOC(RING * sizeof(void *));
    size_t ring_size[RING] = { 0 };
    size_t live = 0, max_live = 0, total = 0, max_heap = 0, target;
    GC_word gc0;

    GC_INIT();
    ck_assert_ptr_nonnull(ring);
    gc0 = GC_get_gc_no();
    target = 100 * GC_get_heap_size();
    if (target < 256 * MIB)
        target = 256 * MIB;
    for (size_t i = 0; total < target; i++) {
        size_t n = sizes[i % 7 == 6 && i % 28 != 6 ? 0 : i % 7];
        size_t slot = (i * 7919) % RING;
        char *p = GC_MALLOC(n);

        ck_assert_ptr_nonnull(p);
        p[0] = 1;
        p[n - 1] = 2;
        live += n - ring_size[slot];
        ring_size[slot] = n;
        ring[slot] = p;
        if (live > max_live)
            max_live = live;
        total += n;
        if (i % 1024 == 0 && GC_get_heap_size() > max_heap)
            max_heap = GC_get_heap_size();
    }
    ck_assert_uint_gt(GC_get_gc_no(), gc0);
    ck_assert_msg(max_heap <= 16 * MIB + 4 * max_live,
                  "heap reached %zu bytes for a live set of %zu", max_heap,
                  max_live);
    ck_assert_uint_ge(GC_get_total_bytes(), total);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Object sizes and zeroing                                             */
/* ------------------------------------------------------------------ */

static void check_object(char *p, size_t n, int zeroed, const char *what)
{
    size_t size;

    ck_assert_msg(p != NULL, "%s(%zu) returned NULL", what, n);
    size = GC_size(p);
    ck_assert_msg(size >= n, "%s(%zu): GC_size %zu", what, n, size);
    ck_assert_ptr_eq(GC_base(p), p);
    ck_assert_ptr_eq(GC_base(p + n - 1), p);
    ck_assert_int_ne(GC_is_heap_ptr(p), 0);
    if (zeroed)
        ck_assert_msg(all_zero(p, size), "%s(%zu) not zeroed", what, n);
    memset(p, 0xEE, size);              /* the whole usable size */
    ck_assert_uint_eq((unsigned char)p[size - 1], 0xEE);
}

START_TEST(test_sizes)
{
    GC_INIT();
    for (size_t pow = 1; pow <= 64 * MIB; pow *= 2) {
        size_t cand[] = { pow - 1, pow, pow + 1, pow + pow / 2 + 3 };

        for (size_t c = 0; c < 4; c++) {
            size_t n = cand[c];

            if (n == 0 || n > 64 * MIB)
                continue;
            check_object(GC_MALLOC(n), n, 1, "GC_malloc");
            check_object(GC_MALLOC_ATOMIC(n), n, 0, "GC_malloc_atomic");
            if (n <= 4 * MIB) {
                char *u = GC_MALLOC_UNCOLLECTABLE(n);

                check_object(u, n, 1, "GC_malloc_uncollectable");
                GC_FREE(u);
                u = GC_MALLOC_ATOMIC_UNCOLLECTABLE(n);
                check_object(u, n, 0, "GC_malloc_atomic_uncollectable");
                GC_FREE(u);
                check_object(GC_MALLOC_IGNORE_OFF_PAGE(n), n, 1,
                             "GC_malloc_ignore_off_page");
                check_object(GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(n), n, 0,
                             "GC_malloc_atomic_ignore_off_page");
            }
        }
    }
}
END_TEST

static const size_t recycle_sizes[] = { 16, 100, 1000, 5000, 40000, MIB };

/* Allocates objects, dirties every byte, and drops them. */
static NOINLINE void dirty_garbage(size_t size, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char *p = GC_MALLOC(size);

        ck_assert_ptr_nonnull(p);
        memset(p, 0xFF, GC_size(p));
    }
}

START_TEST(test_zero_after_recycling)
{
    GC_INIT();
    for (size_t k = 0; k < sizeof recycle_sizes / sizeof *recycle_sizes;
         k++) {
        size_t size = recycle_sizes[k];
        size_t count = 4 * MIB / size;

        for (int round = 0; round < 3; round++) {
            dirty_garbage(size, count);
            clear_stack();
            GC_gcollect();
            for (size_t i = 0; i < count; i++) {
                char *p = GC_MALLOC(size);

                ck_assert_ptr_nonnull(p);
                ck_assert_msg(all_zero(p, size),
                              "recycled object of %zu bytes not zeroed",
                              size);
            }
        }
        /* The same through explicit free. */
        for (size_t i = 0; i < 64; i++) {
            char *p = GC_MALLOC(size);

            memset(p, 0xFF, size);
            GC_FREE(p);
            p = GC_MALLOC(size);
            ck_assert_msg(all_zero(p, size),
                          "object of %zu bytes not zeroed after GC_free",
                          size);
        }
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Realloc, strings, alignment                                          */
/* ------------------------------------------------------------------ */

static void check_realloc(size_t from, size_t to)
{
    char *p = filled(from, from ^ to);
    char *q = GC_REALLOC(p, to);
    size_t keep = from < to ? from : to;

    ck_assert_msg(q != NULL, "GC_realloc %zu -> %zu failed", from, to);
    ck_assert_uint_ge(GC_size(q), to);
    ck_assert_ptr_eq(GC_base(q), q);
    ck_assert_msg(check_fill(q, keep, from ^ to),
                  "GC_realloc %zu -> %zu lost contents", from, to);
    if (to > from)
        ck_assert_msg(all_zero(q + from, to - from),
                      "GC_realloc %zu -> %zu: new part not zero", from, to);
    memset(q, 0x11, to);
}

START_TEST(test_realloc)
{
    static const size_t pairs[][2] = {
        { 16, 40 }, { 40, 16 }, { 100, 1000 }, { 1000, 10 },
        { 100, 200000 }, { 200000, 50 }, { 200000, 3 * MIB },
        { 3 * MIB, 200000 }, { 5000, 5001 }, { 64, 64 },
    };
    char *p;

    GC_INIT();
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        check_realloc(pairs[i][0], pairs[i][1]);

    p = GC_REALLOC(NULL, 100);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_eq(GC_base(p), p);
    ck_assert_uint_ge(GC_size(p), 100);
    ck_assert(all_zero(p, 100));

    p = filled(100, 1);
    ck_assert_ptr_null(GC_REALLOC(p, 0));
#ifdef SPANGC_TEST
    ck_assert_ptr_null(GC_base(p));     /* realloc to 0 freed it */
#endif
}
END_TEST

START_TEST(test_strings)
{
    static const char text[] = "conservative collection";
    char *s, *t;

    GC_INIT();
    s = GC_STRDUP(text);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_ne(s, text);
    ck_assert_str_eq(s, text);
    ck_assert_ptr_eq(GC_base(s), s);
    ck_assert_uint_ge(GC_size(s), sizeof text);

    t = GC_STRNDUP(text, 12);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "conservative");
    ck_assert_ptr_eq(GC_base(t), t);
    t = GC_STRNDUP("ab", 100);
    ck_assert_str_eq(t, "ab");
    t = GC_STRNDUP(text, 0);
    ck_assert_str_eq(t, "");
    s = GC_STRDUP("");
    ck_assert_str_eq(s, "");
}
END_TEST

START_TEST(test_memalign)
{
    GC_INIT();
    for (size_t align = 8; align <= 65536; align *= 2) {
        size_t sizes[] = { 1, 100, 5000, 100000 };

        for (size_t k = 0; k < 4; k++) {
            void *p = NULL;
            int rc = GC_posix_memalign(&p, align, sizes[k]);
            char *m;

#ifndef SPANGC_TEST
            /* bdwgc 8.2.2 does not support alignment beyond its 4 KiB
             * block size and reports ENOMEM (or NULL) there. */
            if (align > 4096) {
                ck_assert(rc == 0 || rc == ENOMEM);
                if (rc != 0)
                    continue;
            }
#endif
            ck_assert_msg(rc == 0, "posix_memalign(%zu, %zu) = %d", align,
                          sizes[k], rc);
            ck_assert_ptr_nonnull(p);
            ck_assert_uint_eq((uintptr_t)p % align, 0);
            ck_assert_ptr_nonnull(GC_base(p));
            memset(p, 0x33, sizes[k]);

            m = GC_memalign(align, sizes[k]);
            ck_assert_ptr_nonnull(m);
            ck_assert_uint_eq((uintptr_t)m % align, 0);
            ck_assert_ptr_nonnull(GC_base(m));
            ck_assert_ptr_eq(GC_base(m + sizes[k] - 1), GC_base(m));
            memset(m, 0x44, sizes[k]);
        }
    }
    {
        static const size_t bad[] = { 0, 3, 4, 12, 24, 100, 4097 };
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            void *p = (void *)&bad;

            ck_assert_int_eq(GC_posix_memalign(&p, bad[k], 10), EINVAL);
        }
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Explicit free and queries on foreign addresses                       */
/* ------------------------------------------------------------------ */

START_TEST(test_free)
{
    char *big, *small;
    size_t free_before, free_after;

    GC_INIT();
    GC_FREE(NULL);                      /* no-op */

    big = GC_MALLOC(8 * MIB);
    ck_assert_ptr_nonnull(big);
    memset(big, 1, 8 * MIB);
    free_before = GC_get_free_bytes();
    GC_FREE(big);
    free_after = GC_get_free_bytes();
    ck_assert_msg(free_after >= free_before + 8 * MIB,
                  "GC_free of 8 MiB: free bytes %zu -> %zu", free_before,
                  free_after);

    small = GC_MALLOC(32);
    ck_assert_ptr_nonnull(small);
    memset(small, 1, 32);
    GC_FREE(small);
#ifdef SPANGC_TEST
    ck_assert_ptr_null(GC_base(big));
    ck_assert_ptr_null(GC_base(small));
    ck_assert_int_eq(GC_size(big), 0);
#endif
    small = GC_MALLOC_UNCOLLECTABLE(32);
    GC_FREE(small);
    small = GC_MALLOC_ATOMIC(32);
    GC_FREE(small);
}
END_TEST

static int static_word;

START_TEST(test_foreign_addresses)
{
    int local = 0;
    void *m;

    GC_INIT();
    m = malloc(64);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_null(GC_base(&local));
    ck_assert_ptr_null(GC_base(m));
    ck_assert_ptr_null(GC_base(&static_word));
    ck_assert_ptr_null(GC_base(NULL));
    ck_assert_int_eq(GC_is_heap_ptr(&local), 0);
    ck_assert_int_eq(GC_is_heap_ptr(m), 0);
    ck_assert_int_eq(GC_is_heap_ptr(NULL), 0);
    {
        /* "Somewhere in the GC heap": objects' insides, the space after
         * them on their page, and a freed object's first page, as on
         * bdwgc. */
        char *small = GC_MALLOC(100);
        char *big = GC_MALLOC(200000);
        ck_assert_int_ne(GC_is_heap_ptr(small + 50), 0);
        ck_assert_int_ne(GC_is_heap_ptr(small + 4000), 0);
        GC_FREE(big);
        ck_assert_int_ne(GC_is_heap_ptr(big), 0);
        GC_reachable_here(small);
    }
#ifdef SPANGC_TEST
    /* bdwgc leaves these undefined (8.2.2 crashes on the first two). */
    ck_assert_uint_eq(GC_size(&local), 0);
    ck_assert_uint_eq(GC_size(m), 0);
    ck_assert_uint_eq(GC_size(&static_word), 0);
#endif
    free(m);
}
END_TEST

#ifdef SPANGC_TEST
/* Bad frees abort with a message (expected to raise SIGABRT). */
START_TEST(test_free_stack)
{
    int local = 0;

    GC_INIT();
    GC_FREE(&local);
}
END_TEST

START_TEST(test_free_interior)
{
    char *p;

    GC_INIT();
    p = GC_MALLOC(64);
    GC_FREE(p + 16);
}
END_TEST

START_TEST(test_free_twice)
{
    char *p;

    GC_INIT();
    p = GC_MALLOC(64);
    GC_FREE(p);
    GC_FREE(p);
}
END_TEST

START_TEST(test_free_twice_large)
{
    char *p;

    GC_INIT();
    p = GC_MALLOC(MIB);
    GC_FREE(p);
    GC_FREE(p);
}
END_TEST

START_TEST(test_realloc_stack)
{
    int local[4] = { 0 };

    GC_INIT();
    (void)GC_REALLOC(local, 100);
}
END_TEST
#endif /* SPANGC_TEST */

/* ------------------------------------------------------------------ */
/* Out of memory                                                        */
/* ------------------------------------------------------------------ */

static int oom_calls;
static size_t oom_last_request;
static char oom_sentinel[16];

static void *GC_CALLBACK counting_oom(size_t bytes)
{
    oom_calls++;
    oom_last_request = bytes;
    return NULL;
}

static void *GC_CALLBACK sentinel_oom(size_t bytes)
{
    (void)bytes;
    oom_calls++;
    return oom_sentinel;
}

START_TEST(test_oom_huge)
{
    volatile size_t half = (size_t)-1 / 2, all = SIZE_MAX;

    GC_INIT();
    GC_set_warn_proc(GC_ignore_warn_proc);
    GC_set_oom_fn(counting_oom);
    ck_assert_ptr_eq((void *)GC_get_oom_fn(), (void *)counting_oom);

    oom_calls = 0;
    ck_assert_ptr_null(GC_malloc(half));
    ck_assert_int_eq(oom_calls, 1);
    ck_assert_ptr_null(GC_malloc_atomic(all));
    ck_assert_int_eq(oom_calls, 2);
    ck_assert_uint_eq(oom_last_request, SIZE_MAX);
    ck_assert_ptr_null(GC_malloc_uncollectable(half));
    ck_assert_int_eq(oom_calls, 3);
    ck_assert_ptr_null(GC_malloc_atomic_ignore_off_page(all));
    ck_assert_int_eq(oom_calls, 4);
    ck_assert_ptr_null(GC_realloc(GC_MALLOC(16), half));
    ck_assert_int_eq(oom_calls, 5);

    /* The allocation returns what the OOM function returns.  The result
     * is laundered through an empty asm: told by the malloc attribute
     * that it aliases nothing, the compiler would fold the comparison. */
    GC_set_oom_fn(sentinel_oom);
    {
        uintptr_t r = (uintptr_t)GC_malloc(half);

        __asm__ volatile("" : "+r"(r));
        ck_assert_uint_eq(r, (uintptr_t)oom_sentinel);
    }
    ck_assert_int_eq(oom_calls, 6);

    /* The collector still works afterwards. */
    ck_assert_ptr_nonnull(GC_MALLOC(100));
    GC_gcollect();
}
END_TEST

START_TEST(test_oom_max_heap)
{
    enum { MAX_OBJS = 256 };
    void **keep = malloc(MAX_OBJS * sizeof(void *));
    size_t limit = 32 * MIB;
    int got_null = 0;

    GC_INIT();
    ck_assert_ptr_nonnull(keep);
    memset(keep, 0, MAX_OBJS * sizeof(void *));
    GC_add_roots(keep, keep + MAX_OBJS);
    GC_set_warn_proc(GC_ignore_warn_proc);
    GC_set_max_heap_size(limit);
    GC_set_oom_fn(counting_oom);
    oom_calls = 0;
    for (int i = 0; i < MAX_OBJS; i++) {
        keep[i] = GC_MALLOC_ATOMIC(MIB);
        if (keep[i] == NULL) {
            got_null = 1;
            break;
        }
        memset(keep[i], 7, MIB);
    }
    ck_assert_msg(got_null, "allocated 256 MiB under a 32 MiB limit");
    ck_assert_int_ge(oom_calls, 1);
    ck_assert_uint_le(GC_get_heap_size(), limit);
    /* Dropping the live set makes room again. */
    memset(keep, 0, MAX_OBJS * sizeof(void *));
    clear_stack();
    GC_gcollect();
    ck_assert_ptr_nonnull(GC_MALLOC_ATOMIC(MIB));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Collection control and statistics                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_enable_disable)
{
    GC_word n;

    GC_INIT();
    GC_gcollect();
    ck_assert_int_eq(GC_is_disabled(), 0);
    GC_disable();
    ck_assert_int_ne(GC_is_disabled(), 0);
    n = GC_get_gc_no();
    GC_gcollect();                      /* bdwgc: no collection while off */
    ck_assert_uint_eq(GC_get_gc_no(), n);
    for (int i = 0; i < 64; i++)        /* nor implicit ones */
        ck_assert_ptr_nonnull(GC_MALLOC(MIB));
    ck_assert_uint_eq(GC_get_gc_no(), n);

    GC_disable();                       /* nesting */
    GC_enable();
    ck_assert_int_ne(GC_is_disabled(), 0);
    GC_gcollect();
    ck_assert_uint_eq(GC_get_gc_no(), n);

    GC_enable();
    ck_assert_int_eq(GC_is_disabled(), 0);
    GC_gcollect();
    ck_assert_uint_eq(GC_get_gc_no(), n + 1);
    GC_gcollect_and_unmap();
    ck_assert_uint_eq(GC_get_gc_no(), n + 2);
    {
        int more = GC_collect_a_little();

        ck_assert(more == 0 || more == 1);
    }
}
END_TEST

static int start_calls;

static void GC_CALLBACK on_start(void)
{
    start_calls++;
}

START_TEST(test_start_callback)
{
    GC_INIT();
    ck_assert_ptr_null((void *)GC_get_start_callback());
    GC_set_start_callback(on_start);
    ck_assert_ptr_eq((void *)GC_get_start_callback(), (void *)on_start);
    start_calls = 0;
    GC_gcollect();
    GC_gcollect();
    ck_assert_int_eq(start_calls, 2);
    GC_set_start_callback(NULL);
    GC_gcollect();
    ck_assert_int_eq(start_calls, 2);
}
END_TEST

static NOINLINE void allocate_bytes(size_t total, size_t size)
{
    for (size_t done = 0; done < total; done += size)
        ck_assert_ptr_nonnull(GC_MALLOC(size));
}

START_TEST(test_heap_figures)
{
    GC_word hs, fb, ub, bs, tb;
    size_t total0, heap;
    void *volatile keep;

    GC_INIT(); /* without the background thread: setup_quiet */
    heap = GC_get_heap_size();
    ck_assert_uint_gt(heap, 0);
    ck_assert_uint_le(GC_get_free_bytes(), heap);
    ck_assert_uint_le(GC_get_unmapped_bytes(), heap);

    /* With collection off, 4 MiB of garbage grows the heap by as much. */
    total0 = GC_get_total_bytes();
    keep = GC_MALLOC(MIB);
    GC_disable();
    allocate_bytes(4 * MIB, 64);
    ck_assert_uint_ge(GC_get_total_bytes(), total0 + 5 * MIB);
    ck_assert_uint_ge(GC_get_bytes_since_gc(), 4 * MIB);
    ck_assert_uint_ge(GC_get_heap_size(), 5 * MIB);
    GC_enable();

    clear_stack();
    GC_gcollect();
    ck_assert_uint_lt(GC_get_bytes_since_gc(), 64 * KIB);
    ck_assert_uint_ge(GC_get_total_bytes(), total0 + 5 * MIB);
    ck_assert_uint_le(GC_get_free_bytes(), GC_get_heap_size());
    /* The 4 MiB of garbage is free space again (live set ~1 MiB). */
    ck_assert_uint_ge(GC_get_free_bytes(), 2 * MIB);

    GC_get_heap_usage_safe(&hs, &fb, &ub, &bs, &tb);
    ck_assert_uint_eq(hs, GC_get_heap_size());
    ck_assert_uint_eq(fb, GC_get_free_bytes());
    ck_assert_uint_eq(ub, GC_get_unmapped_bytes());
    ck_assert_uint_eq(bs, GC_get_bytes_since_gc());
    ck_assert_uint_eq(tb, GC_get_total_bytes());
    GC_get_heap_usage_safe(NULL, NULL, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(keep);

    {
        void **bounds = (void **)keep;

        ck_assert((uintptr_t)GC_least_plausible_heap_addr
                  <= (uintptr_t)bounds);
        ck_assert((uintptr_t)bounds
                  < (uintptr_t)GC_greatest_plausible_heap_addr);
    }
}
END_TEST

START_TEST(test_expand_hp)
{
    size_t before;

    GC_INIT();
    before = GC_get_heap_size();
    ck_assert_int_ne(GC_expand_hp(16 * MIB), 0);
    ck_assert_uint_ge(GC_get_heap_size(), before + 16 * MIB);
    ck_assert_uint_ge(GC_get_free_bytes(), 16 * MIB);

    ck_assert_int_eq(GC_get_dont_expand(), 0);
    GC_set_dont_expand(1);
    ck_assert_int_ne(GC_get_dont_expand(), 0);
    GC_set_dont_expand(0);
    ck_assert_int_eq(GC_get_dont_expand(), 0);
}
END_TEST

static void GC_CALLBACK quiet_warn(char *msg, GC_word arg)
{
    (void)msg;
    (void)arg;
}

START_TEST(test_tuning_round_trip)
{
    GC_warn_proc old;

    GC_INIT();
    ck_assert_uint_gt(GC_get_free_space_divisor(), 0);
    GC_set_free_space_divisor(7);
    ck_assert_uint_eq(GC_get_free_space_divisor(), 7);

    old = GC_get_warn_proc();
    ck_assert_ptr_nonnull((void *)old);
    GC_set_warn_proc(quiet_warn);
    ck_assert_ptr_eq((void *)GC_get_warn_proc(), (void *)quiet_warn);
    GC_set_warn_proc(GC_ignore_warn_proc);
    ck_assert_ptr_eq((void *)GC_get_warn_proc(),
                     (void *)GC_ignore_warn_proc);
    GC_ignore_warn_proc("ignored %lu\n", 1);
    GC_set_warn_proc(old);
    ck_assert_ptr_nonnull((void *)GC_abort_on_oom);
}
END_TEST

/* Old binaries read and write the variables directly; the collector must
 * see what they write and show what the setters set. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
START_TEST(test_data_symbols)
{
    GC_word n;

    GC_INIT();
    ck_assert_int_eq(GC_all_interior_pointers, 1);

    GC_set_oom_fn(counting_oom);
    ck_assert_ptr_eq((void *)GC_oom_fn, (void *)counting_oom);
    GC_oom_fn = sentinel_oom;
    ck_assert_ptr_eq((void *)GC_get_oom_fn(), (void *)sentinel_oom);

    GC_set_free_space_divisor(5);
    ck_assert_uint_eq(GC_free_space_divisor, 5);
    GC_free_space_divisor = 9;
    ck_assert_uint_eq(GC_get_free_space_divisor(), 9);

    GC_gcollect();
    n = GC_get_gc_no();
    GC_dont_gc = 1;
    ck_assert_int_ne(GC_is_disabled(), 0);
    GC_gcollect();
    ck_assert_uint_eq(GC_get_gc_no(), n);
    GC_dont_gc = 0;
    ck_assert_int_eq(GC_is_disabled(), 0);
    GC_gcollect();
    ck_assert_uint_eq(GC_get_gc_no(), n + 1);
}
END_TEST
#pragma GCC diagnostic pop

/* Roots removed with GC_remove_roots or GC_clear_roots no longer keep
 * objects alive. */
static NOINLINE void make_rooted(void **buf, GC_hidden_pointer *h, size_t n,
                                 size_t size)
{
    for (size_t i = 0; i < n; i++) {
        buf[i] = filled(size, i);
        h[i] = GC_HIDE_POINTER(buf[i]);
    }
}

static void check_roots_dropped(int use_clear)
{
    enum { N = 2000, SIZE = 64 };
    void **buf = malloc(N * sizeof(void *));
    GC_hidden_pointer *h = malloc(N * sizeof *h);
    size_t gone;

    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_nonnull(h);
    GC_add_roots(buf, buf + N);
    make_rooted(buf, h, N, SIZE);
    clear_stack();
    GC_gcollect();
    for (size_t i = 0; i < N; i++)
        ck_assert(check_fill(GC_REVEAL_POINTER(h[i]), SIZE, i));
    if (use_clear)
        GC_clear_roots();
    else
        GC_remove_roots(buf, buf + N);
    clear_stack();
    GC_gcollect();
    gone = count_reclaimed(h, N, SIZE);
    ck_assert_msg(gone * 10 >= N * 9, "only %zu of %d reclaimed after %s",
                  gone, N, use_clear ? "GC_clear_roots" : "GC_remove_roots");
    free(buf);
    free(h);
}

START_TEST(test_remove_roots)
{
    GC_INIT();
    check_roots_dropped(0);
}
END_TEST

START_TEST(test_clear_roots)
{
    GC_INIT();
    check_roots_dropped(1);
    /* Static data is still scanned after GC_clear_roots. */
    make_roots(static_slots, 800);
    clear_stack();
    for (int c = 0; c < 5; c++) {
        churn();
        GC_gcollect();
    }
    verify_roots(static_slots, 800);
}
END_TEST

#ifdef SPANGC_TEST
START_TEST(test_stats)
{
    struct spangc_stats s;
    void *volatile keep;
    size_t total0;

    GC_INIT();
    spangc_get_stats(&s);
    total0 = s.total_allocated;
    keep = GC_MALLOC(2 * MIB);
    allocate_bytes(8 * MIB, 256);
    clear_stack();
    GC_gcollect();
    GC_gcollect();
    spangc_get_stats(&s);
    ck_assert_uint_eq(s.cycles, GC_get_gc_no());
    ck_assert_uint_ge(s.cycles, 2);
    ck_assert_uint_eq(s.heap_size, GC_get_heap_size());
    ck_assert_uint_ge(s.total_allocated, total0 + 10 * MIB);
    ck_assert_uint_ge(s.live_bytes, 2 * MIB);
    ck_assert_uint_le(s.live_bytes, s.heap_size);
    ck_assert_uint_lt(s.live_bytes, 6 * MIB);
    ck_assert_uint_gt(s.last_pause_ns, 0);
    ck_assert_uint_ge(s.max_pause_ns, s.last_pause_ns);
    ck_assert_uint_ge(s.total_pause_ns, s.max_pause_ns);
    ck_assert_uint_lt(s.max_pause_ns, 10ull * 1000 * 1000 * 1000);
    ck_assert_ptr_nonnull(keep);
    ck_assert_int_eq(spangc_verify_heap(), 0);
}
END_TEST
#endif /* SPANGC_TEST */

/* ------------------------------------------------------------------ */
/* Suite                                                                */
/* ------------------------------------------------------------------ */

static TCase *new_tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

Suite *make_api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc;

    tc = new_tcase(s, "init");
    tcase_add_test(tc, test_init_version);

    tc = new_tcase(s, "reachability");
    tcase_add_test(tc, test_reach_stack);
    tcase_add_test(tc, test_reach_static);
    tcase_add_test(tc, test_reach_heap);
    tcase_add_test(tc, test_reach_interior);
    tcase_add_test(tc, test_reach_past_end);
    tcase_add_test(tc, test_reach_uncollectable);
    tcase_add_test(tc, test_reach_add_roots);

    tc = new_tcase(s, "reclamation");
    tcase_add_test(tc, test_reclaim_hidden_small);
    tcase_add_test(tc, test_reclaim_hidden_large);
    tcase_add_test(tc, test_reclaim_heap_bounded);
    tcase_add_test(tc, test_remove_roots);
    tcase_add_test(tc, test_clear_roots);

    tc = new_tcase(s, "allocation");
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_zero_after_recycling);
    tcase_add_test(tc, test_realloc);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_memalign);
    tcase_add_test(tc, test_free);
    tcase_add_test(tc, test_foreign_addresses);

#ifdef SPANGC_TEST
    tc = new_tcase(s, "bad_input");
    tcase_add_test_raise_signal(tc, test_free_stack, SIGABRT);
    tcase_add_test_raise_signal(tc, test_free_interior, SIGABRT);
    tcase_add_test_raise_signal(tc, test_free_twice, SIGABRT);
    tcase_add_test_raise_signal(tc, test_free_twice_large, SIGABRT);
    tcase_add_test_raise_signal(tc, test_realloc_stack, SIGABRT);
#endif

    tc = new_tcase(s, "oom");
    tcase_add_test(tc, test_oom_huge);
    tcase_add_test(tc, test_oom_max_heap);

    tc = new_tcase(s, "control");
    tcase_add_test(tc, test_enable_disable);
    tcase_add_test(tc, test_start_callback);
    tcase_add_test(tc, test_expand_hp);
    tcase_add_test(tc, test_tuning_round_trip);
    tcase_add_test(tc, test_data_symbols);
#ifdef SPANGC_TEST
    tcase_add_test(tc, test_stats);
#endif

    tc = tcase_create("figures");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup_quiet, teardown);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, test_heap_figures);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(make_api_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
