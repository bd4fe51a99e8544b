/*
 * cpp_test.cc: the C++ interface (gc_cpp.h, gc_allocator.h, libgccpp,
 * libgctba).  Uses bdwgc's public headers only, so that it also builds
 * against Debian's headers and runs on spangc's libraries
 * (tests/check_cpp_compat.sh).  Exit status 0 when every check passes.
 */
#define GC_THREADS
#include <stdio.h>
#include <string.h>
#include <new>
#include <string>
#include <vector>
#include <list>
#include <gc_cpp.h>
#include <gc/gc_allocator.h>

static int failures;

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,      \
                    __LINE__, #cond);                                   \
            failures++;                                                 \
        }                                                               \
    } while (0)

#define NOINLINE __attribute__((noinline))

/* Overwrite the stack below the caller: no stale copies of pointers. */
static NOINLINE void scrub()
{
    volatile char buf[1 << 16];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = 0;
}

static NOINLINE void collect()
{
    scrub();
    GC_gcollect();
    GC_invoke_finalizers();
}

struct Node: public gc {
    Node *next;
    long value;
    Node(Node *n, long v): next(n), value(v) {}
};

static int destroyed;

struct Cleaned: public gc_cleanup {
    long payload[4];
    Cleaned() { memset(payload, 0, sizeof payload); }
    ~Cleaned() { destroyed++; }
};

/* A gc_cleanup part at a nonzero offset. */
struct Holder: public gc {
    long before[3];
    Cleaned inner;
};

/* Holds the hidden address of a new (GC) array, cleared by the
 * collector when the array is reclaimed. */
static void *weak_link;

static NOINLINE void make_weak()
{
    int *a = new (GC) int[8];
    a[0] = 42;
    weak_link = reinterpret_cast<void *>(GC_HIDE_POINTER(a));
    GC_general_register_disappearing_link(&weak_link, a);
}

static NOINLINE void make_cleaned(int n)
{
    for (int i = 0; i < n; i++) {
        Cleaned *c = new Cleaned;
        c->payload[0] = i;
        Holder *h = new Holder;
        h->before[0] = i;
    }
}

static void test_new_gc_reclaimed()
{
    /* Far more than the heap limit below, all garbage at once. */
    for (int i = 0; i < 20000; i++) {
        Node *n = new (GC) Node(0, i);
        char *blob = new (PointerFreeGC) char[4000];
        blob[0] = static_cast<char>(n->value);
    }
    for (int i = 0; i < 20000; i++) {
        Node *n = new Node(0, i); /* a gc class: collectible */
        n->value = i;
    }
    collect();
    CHECK(GC_get_heap_size() < (size_t)64 << 20);
    make_weak();
    collect();
    collect();
    CHECK(weak_link == 0);
}

static void test_cleanup_destructors()
{
    destroyed = 0;
    make_cleaned(500);
    for (int i = 0; i < 5 && destroyed < 1000; i++)
        collect();
    /* A conservative scan may keep one or two alive. */
    CHECK(destroyed >= 990);
    CHECK(destroyed <= 1000);
    /* Explicit delete runs the destructor once, and unregisters. */
    int before = destroyed;
    Cleaned *c = new Cleaned;
    delete c;
    CHECK(destroyed == before + 1);
    collect();
    CHECK(destroyed <= 1001);
}

static void test_nogc_and_delete()
{
    Node *head = 0;
    for (int i = 0; i < 1000; i++)
        head = new (NoGC) Node(head, i);
    /* Only reachable from uncollectable memory's own links: the head is
     * hidden, yet everything survives. */
    GC_hidden_pointer hidden = GC_HIDE_POINTER(head);
    head = 0;
    collect();
    head = static_cast<Node *>(GC_REVEAL_POINTER(hidden));
    long expect = 999;
    int n = 0;
    for (Node *p = head; p; p = p->next, expect--, n++)
        CHECK(p->value == expect);
    CHECK(n == 1000);
    while (head) {
        Node *next = head->next;
        delete head;
        head = next;
    }
}

static void test_vector_survives()
{
    std::vector<int, gc_allocator<int> > v;
    for (int i = 0; i < 200000; i++) {
        v.push_back(i * 7);
        if (i % 50000 == 0)
            collect();
    }
    collect();
    bool ok = true;
    for (int i = 0; i < 200000; i++)
        ok = ok && v[i] == i * 7;
    CHECK(ok);

    /* Pointers held only by a gc_allocator vector keep their objects. */
    std::vector<Node *, gc_allocator<Node *> > nodes;
    for (int i = 0; i < 5000; i++)
        nodes.push_back(new Node(0, i));
    collect();
    collect();
    ok = true;
    for (int i = 0; i < 5000; i++)
        ok = ok && nodes[i]->value == i;
    CHECK(ok);

    /* A list's nodes from gc_allocator_ignore_off_page, and a traceable
     * one (uncollectable, scanned). */
    std::list<int, gc_allocator_ignore_off_page<int> > l;
    for (int i = 0; i < 1000; i++)
        l.push_back(i);
    std::vector<Node *, traceable_allocator<Node *> > tv;
    for (int i = 0; i < 1000; i++)
        tv.push_back(new Node(0, -i));
    collect();
    int k = 0;
    for (std::list<int, gc_allocator_ignore_off_page<int> >::iterator it =
             l.begin(); it != l.end(); ++it, ++k)
        CHECK(*it == k);
    ok = true;
    for (int i = 0; i < 1000; i++)
        ok = ok && tv[i]->value == -i;
    CHECK(ok);
    CHECK(gc_allocator<int>() == gc_allocator<long>());
    CHECK(!(traceable_allocator<int>() != traceable_allocator<char>()));
}

/* With libgccpp linked in, plain new is the collector's (except under a
 * sanitizer, whose runtime keeps operator new for itself: built with one,
 * or run with one preloaded, CPP_TEST_FOREIGN_NEW). */
static void test_global_new()
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !defined(CPP_TEST_FOREIGN_NEW)
    int *p = new int[10];
    CHECK(GC_base(p) != 0);
    delete[] p;
    std::string *s = new std::string("spangc");
    CHECK(GC_base(s) != 0);
    delete s;
    /* A non-gc type from new (GC) goes back through the global delete,
     * which libgccpp makes the collector's. */
    int *arr = new (GC) int[100];
    delete[] arr;
#endif
    bool thrown = false;
    try {
        GC_throw_bad_alloc();
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    CHECK(thrown);
}

int main()
{
    GC_INIT();
    GC_set_max_heap_size((size_t)256 << 20);
    test_new_gc_reclaimed();
    test_cleanup_destructors();
    test_nogc_and_delete();
    test_vector_survives();
    test_global_new();
    if (failures == 0)
        printf("cpp_test: ok\n");
    return failures != 0;
}
