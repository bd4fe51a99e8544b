/*
 * check_api_kinds.c: black-box tests of client kinds and mark procedures
 * (gc_mark.h), typed and gcj allocation (gc_typed.h, gc_gcj.h), batch and
 * inline allocation (gc_inline.h) and displacements.
 *
 * Uses the public headers only, so the same file builds and must pass
 * against Debian's bdwgc 8.2 as well as against spangc, and, built with
 * Debian's headers, on spangc's libgc.so.1 (tests/check_kinds_compat.sh).
 * Checks of promises only spangc makes are compiled with -DSPANGC_TEST;
 * -DSGC_NO_STUBBORN leaves out the inline macros of a libgc.so.1 that
 * lacks GC_end_stubborn_change, which bdwgc's versions of them call.
 *
 * Death is observed through disappearing links (GC_general_register_
 * disappearing_link), which both collectors clear when the object
 * becomes unreachable; the links hold hidden pointers in memory the
 * collector does not scan.
 */
#define GC_THREADS
#include <gc.h>
#include <gc/gc_mark.h>
#include <gc/gc_typed.h>
#include <gc/gc_gcj.h>
#include <gc/gc_inline.h>

#ifdef SPANGC_TEST
# include <spangc.h>
#endif

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

Suite *make_api_kinds_suite(void);

/* ---- Watching objects die ---- */

#define NWATCH 64
static GC_hidden_pointer *links; /* atomic uncollectable: not scanned */

static NOINLINE int watch(void *obj)
{
    static int next;
    int i = next++;
    ck_assert_int_lt(i, NWATCH);
    links[i] = GC_HIDE_POINTER(obj);
    ck_assert_int_eq(GC_general_register_disappearing_link(
                         (void **)&links[i], obj), GC_SUCCESS);
    return i;
}

static int alive(int i)
{
    return links[i] != 0;
}

static NOINLINE void clear_stack(void)
{
    char buf[64 * 1024];
    void *volatile vp = buf;
    memset(vp, 0, sizeof buf);
}

static void collect(void)
{
    for (int i = 0; i < 3; i++) {
        clear_stack();
        GC_gcollect();
    }
}

static void setup(void)
{
    GC_INIT();
    links = GC_MALLOC_ATOMIC_UNCOLLECTABLE(NWATCH * sizeof *links);
    ck_assert_ptr_nonnull(links);
    memset(links, 0, NWATCH * sizeof *links);
}

static void teardown(void)
{
#ifdef SPANGC_TEST
    ck_assert_int_eq(spangc_verify_heap(), 0);
#endif
}

/* ---- A kind whose mark procedure decodes tagged pointers ---- */

#define KEY ((GC_word)0x6b6b000000000000)
struct cell {
    GC_word n;
    GC_word slot[3];   /* (pointer | 1) ^ KEY: invisible to a scan */
    GC_word payload;
};

static int cell_kind;

static GC_word tag(const void *p)
{
    return ((GC_word)p | 1) ^ KEY;
}

static void *untag(GC_word w)
{
    return (void *)((w ^ KEY) & ~(GC_word)1);
}

static struct GC_ms_entry *cell_mark(GC_word *addr, struct GC_ms_entry *msp,
                                     struct GC_ms_entry *msl, GC_word env)
{
    struct cell *c = (struct cell *)addr;
    (void)env;
    for (GC_word i = 0; i < c->n && i < 3; i++)
        msp = GC_MARK_AND_PUSH(untag(c->slot[i]), msp, msl,
                               (void **)&c->slot[i]);
    return msp;
}

static void cell_kind_setup(void)
{
    setup();
    cell_kind = (int)GC_new_kind(GC_new_free_list(),
                                 GC_MAKE_PROC(GC_new_proc(cell_mark), 0), 0, 1);
}

static struct cell *new_cell(GC_word payload)
{
    struct cell *c = GC_generic_malloc(sizeof *c, cell_kind);
    ck_assert_ptr_nonnull(c);
    c->payload = payload;
    return c;
}

static struct cell *volatile g_cells;
static int w_leaf_live, w_leaf_dead, w_cell_dead, w_plain_tagged;

/* A chain of n cells, each with a leaf; plus an unreachable cell with a
 * leaf, and a normal object whose only reference is a tagged word in
 * another normal object. */
static NOINLINE void build_cells(size_t n)
{
    struct cell *head = NULL;
    for (size_t i = 0; i < n; i++) {
        struct cell *c = new_cell(i);
        GC_word *leaf = GC_MALLOC_ATOMIC(2 * sizeof(GC_word));
        ck_assert_ptr_nonnull(leaf);
        leaf[0] = i ^ 0x1234;
        c->slot[0] = head ? tag(head) : 0;
        c->slot[1] = tag(leaf);
        c->n = 2;
        if (i == n / 2)
            w_leaf_live = watch(leaf);
        head = c;
    }
    g_cells = head;
    struct cell *lost = new_cell(99);
    GC_word *lost_leaf = GC_MALLOC(16);
    lost->slot[0] = tag(lost_leaf);
    lost->n = 1;
    w_cell_dead = watch(lost);
    w_leaf_dead = watch(lost_leaf);
    GC_word *holder = GC_MALLOC(16), *hidden = GC_MALLOC(16);
    holder[0] = tag(hidden);
    head->slot[2] = tag(holder);
    head->n = 3;
    w_plain_tagged = watch(hidden);
}

static NOINLINE size_t check_cells(size_t n)
{
    size_t k = 0;
    for (struct cell *c = g_cells; c; k++) {
        ck_assert_uint_eq(c->payload, n - 1 - k);
        GC_word *leaf = untag(c->slot[1]);
        ck_assert_uint_eq(leaf[0], (n - 1 - k) ^ 0x1234);
        c = c->slot[0] ? untag(c->slot[0]) : NULL;
    }
    return k;
}

START_TEST(test_kind_mark_proc)
{
    build_cells(5000);
    for (int round = 0; round < 5; round++) {
        collect();
        ck_assert_uint_eq(check_cells(5000), 5000);
        ck_assert(alive(w_leaf_live));
    }
    ck_assert(!alive(w_cell_dead));
    ck_assert(!alive(w_leaf_dead));
    ck_assert(!alive(w_plain_tagged));
    g_cells = NULL;
    collect();
    ck_assert(!alive(w_leaf_live));
}
END_TEST

/* The same under parallel marking, from several mutator threads. */
static void *GC_CALLBACK cell_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        struct cell *c = NULL;
        for (int j = 0; j < 2000; j++) {
            struct cell *d = GC_generic_malloc(sizeof *d, cell_kind);
            if (!d)
                return (void *)1;
            d->payload = (GC_word)j;
            if (c) {
                d->slot[0] = tag(c);
                d->n = 1;
            }
            c = d;
        }
        for (int j = 1999; c; j--) {
            if (c->payload != (GC_word)j)
                return (void *)2; /* no ck_assert in threads */
            c = c->n ? untag(c->slot[0]) : NULL;
        }
    }
    return NULL;
}

START_TEST(test_kind_mark_proc_threads)
{
    pthread_t t[2];
    build_cells(20000);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, cell_worker, NULL), 0);
    for (int round = 0; round < 3; round++) {
        collect();
        ck_assert_uint_eq(check_cells(20000), 20000);
    }
    for (int i = 0; i < 2; i++) {
        void *r;
        ck_assert_int_eq(pthread_join(t[i], &r), 0);
        ck_assert_ptr_null(r);
    }
}
END_TEST

/* ---- Typed objects ---- */

struct rec {
    void *p;
    GC_word fake;
};

static struct rec *volatile g_rec;
static int w_p, w_fake;

static NOINLINE void build_rec(void)
{
    GC_word bm[GC_BITMAP_SIZE(struct rec)] = { 0 };
    GC_set_bit(bm, GC_WORD_OFFSET(struct rec, p));
    GC_descr d = GC_make_descriptor(bm, GC_WORD_LEN(struct rec));
    struct rec *r = GC_MALLOC_EXPLICITLY_TYPED(sizeof *r, d);
    ck_assert_ptr_nonnull(r);
    r->p = GC_MALLOC(16);
    r->fake = (GC_word)GC_MALLOC(16);
    w_p = watch(r->p);
    w_fake = watch((void *)r->fake);
    g_rec = r;
}

START_TEST(test_typed)
{
    build_rec();
    collect();
    ck_assert(alive(w_p));
    ck_assert(!alive(w_fake));
    ck_assert_ptr_nonnull(g_rec->p);
}
END_TEST

/* ---- gcj ---- */

struct vtable {
    void *clazz;
    GC_word descr;
};

static struct vtable vt = {
    NULL, ((GC_word)1 << (8 * sizeof(GC_word) - 2)) | GC_DS_BITMAP
};
static void **volatile g_gcj;
static int w_gcj_ptr, w_gcj_fake;

static NOINLINE void build_gcj(void)
{
    void **o = GC_GCJ_MALLOC(3 * sizeof(void *), &vt);
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_eq(o[0], &vt);
    o[1] = GC_MALLOC(16);
    o[2] = GC_MALLOC(16);
    w_gcj_ptr = watch(o[1]);
    w_gcj_fake = watch(o[2]);
    g_gcj = o;
}

START_TEST(test_gcj)
{
    GC_init_gcj_malloc(GC_GCJ_RESERVED_MARK_PROC_INDEX, NULL);
    build_gcj();
    collect();
    ck_assert(alive(w_gcj_ptr));
    ck_assert(!alive(w_gcj_fake));
}
END_TEST

/* ---- Batch and inline allocation ---- */

static void *volatile g_list;
static int w_first;

static NOINLINE size_t take_many(void)
{
    void *l = GC_malloc_many(40);
    size_t n = 0;
    ck_assert_ptr_nonnull(l);
    for (void *p = l; p; p = GC_NEXT(p), n++) {
        ck_assert_uint_ge(GC_size(p), 40);
        ((GC_word *)p)[2] = n;
    }
    w_first = watch(l);
    g_list = l;
    return n;
}

static NOINLINE void drop_list(void)
{
    g_list = NULL;
}

START_TEST(test_malloc_many)
{
    size_t n = take_many();
    ck_assert_uint_ge(n, 1);
    collect();
    size_t k = 0;
    for (void *p = g_list; p; p = GC_NEXT(p), k++)
        ck_assert_uint_eq(((GC_word *)p)[2], k);
    ck_assert_uint_eq(k, n);
    ck_assert(alive(w_first));
    drop_list();
    collect();
    ck_assert(!alive(w_first));
}
END_TEST

static void *tiny[GC_TINY_FREELISTS];

START_TEST(test_inline)
{
    /* (bdwgc's GC_CONS declares locals l and r: the names here differ) */
    void *res = NULL, *lst = NULL;
    for (int i = 0; i < 10000; i++) {
        GC_CONS(res, lst, (void *)(GC_word)(2 * i + 1), tiny);
        ck_assert_ptr_nonnull(res);
        lst = res;
    }
    collect();
    for (int i = 9999; i >= 0; i--) {
        ck_assert_uint_eq((GC_word)((void **)lst)[1], (GC_word)(2 * i + 1));
        lst = ((void **)lst)[0];
    }
    GC_MALLOC_WORDS(res, 3, tiny);
    ck_assert_ptr_null(((void **)res)[0]);
    ck_assert_ptr_null(((void **)res)[1]);
}
END_TEST

/* ---- Displacements (interior pointers off) ---- */

static char *volatile g_disp[2];
static int w_reg, w_unreg;

static NOINLINE void build_displaced(void)
{
    char *a = GC_MALLOC(64), *b = GC_MALLOC(64);
    ck_assert(a && b);
    g_disp[0] = a + 16;
    g_disp[1] = b + 24;
    w_reg = watch(a);
    w_unreg = watch(b);
}

/* Registered before the collector starts, as bdwgc recommends. */
static void interior_off_setup(void)
{
    GC_REGISTER_DISPLACEMENT(16);
    GC_set_all_interior_pointers(0);
    setup();
}

START_TEST(test_displacement)
{
    ck_assert_int_eq(GC_get_all_interior_pointers(), 0);
    build_displaced();
    collect();
    ck_assert(alive(w_reg));
    ck_assert(!alive(w_unreg));
}
END_TEST

/* ---- Suite ---- */

Suite *make_api_kinds_suite(void)
{
    Suite *s = suite_create("api_kinds");
    TCase *tc = tcase_create("kinds");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, cell_kind_setup, teardown);
    tcase_add_test(tc, test_kind_mark_proc);
    tcase_add_test(tc, test_kind_mark_proc_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("typed");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_typed);
    tcase_add_test(tc, test_gcj);
    tcase_add_test(tc, test_malloc_many);
#ifndef SGC_NO_STUBBORN
    /* bdwgc's inline macros call GC_end_stubborn_change */
    tcase_add_test(tc, test_inline);
#endif
    suite_add_tcase(s, tc);

    tc = tcase_create("displacements");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, interior_off_setup, teardown);
    tcase_add_test(tc, test_displacement);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(make_api_kinds_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
