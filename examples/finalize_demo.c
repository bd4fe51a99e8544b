/*
 * finalize_demo: finalizers and a weak table, the way interpreters use them.
 *
 * 1. Ports that close themselves: each "port" owns a resource (here, a
 *    slot in a table of open descriptors).  A finalizer closes it when the
 *    program drops the port without closing it.
 * 2. A weak table, as in a symbol table or a cache: entries whose keys the
 *    program no longer holds vanish, because each key is held only by a
 *    disappearing link (a hidden pointer the collector clears).
 *
 * Builds against spangc (`make examples/finalize_demo`) and, unchanged,
 * against bdwgc:
 *
 *   cc -std=gnu11 -O2 examples/finalize_demo.c -lgc
 *
 * Exit status 0 when every dropped port was closed by its finalizer, no
 * kept port was, and the weak table kept exactly the live keys.
 */
#include <gc.h>

#include <stdio.h>
#include <stdlib.h>

/* ---- 1. Ports ---- */

enum { NPORTS = 1000 };

static int open_fds[NPORTS];    /* 1 while descriptor i is open */
static int closed_by_finalizer;

struct port {
    int fd;
    char name[24];
};

static void GC_CALLBACK close_port(void *obj, void *client_data)
{
    struct port *p = obj;
    (void)client_data;
    open_fds[p->fd] = 0;
    closed_by_finalizer++;
}

static struct port *open_port(int fd)
{
    struct port *p = GC_NEW(struct port);
    p->fd = fd;
    snprintf(p->name, sizeof p->name, "port-%d", fd);
    open_fds[fd] = 1;
    GC_REGISTER_FINALIZER(p, close_port, NULL, NULL, NULL);
    return p;
}

/* Keep every tenth port; drop the rest without closing them. */
static struct port **open_ports(void)
{
    struct port **kept = GC_MALLOC(NPORTS / 10 * sizeof *kept);
    for (int i = 0; i < NPORTS; i++) {
        struct port *p = open_port(i);
        if (i % 10 == 0)
            kept[i / 10] = p;
    }
    return kept;
}

/* ---- 2. A weak table ---- */

enum { NKEYS = 4096 };

struct key {
    long id;
};

struct entry {
    GC_hidden_pointer key;  /* weak: hidden, and cleared by the collector */
    long value;
};

static struct entry *table;

static void table_put(int slot, struct key *k, long value)
{
    table[slot].key = GC_HIDE_POINTER(k);
    table[slot].value = value;
    if (GC_GENERAL_REGISTER_DISAPPEARING_LINK((void **)&table[slot].key, k)
            != GC_SUCCESS)
        abort();
}

/* Reading a weak pointer: under the allocation lock, so the collector
 * cannot clear it between the test and the use. */
static void *GC_CALLBACK reveal_key(void *slot)
{
    struct entry *e = slot;
    return e->key ? GC_REVEAL_POINTER(e->key) : NULL;
}

static struct key *table_get(int slot)
{
    return GC_call_with_alloc_lock(reveal_key, &table[slot]);
}

/* The program keeps the keys whose id is a multiple of 3. */
static struct key **fill_table(void)
{
    struct key **held = GC_MALLOC((NKEYS / 3 + 1) * sizeof *held);
    table = GC_MALLOC_ATOMIC(NKEYS * sizeof *table);
    for (int i = 0; i < NKEYS; i++) {
        struct key *k = GC_NEW(struct key);
        k->id = i;
        table_put(i, k, 10L * i);
        if (i % 3 == 0)
            held[i / 3] = k;
    }
    return held;
}

static int count_live(void)
{
    int live = 0;
    for (int i = 0; i < NKEYS; i++)
        if (table_get(i))
            live++;
    return live;
}

/* Everything the program holds lives in this function's frame, so that
 * once it returns nothing stale keeps the ports or keys. */
static __attribute__((noinline)) int run(void)
{
    int ok = 1;

    struct port **kept = open_ports();
    struct key **held = fill_table();
    printf("opened %d ports, kept %d; weak table of %d keys, %d held\n",
           NPORTS, NPORTS / 10, NKEYS, NKEYS / 3 + 1);

    /* A few collections: the first finds the dropped ports and queues
     * their finalizers, which run before GC_gcollect returns; a
     * conservative collector may need another to see the last ones. */
    for (int i = 0; i < 3; i++)
        GC_gcollect();
    GC_invoke_finalizers();

    int still_open = 0;
    for (int i = 0; i < NPORTS; i++)
        still_open += open_fds[i];
    printf("finalizers closed %d ports; %d still open\n",
           closed_by_finalizer, still_open);
    for (int i = 0; i < NPORTS / 10; i++)
        if (!open_fds[kept[i]->fd])
            ok = 0; /* a kept port was closed */
    if (closed_by_finalizer < NPORTS - NPORTS / 10 - 8)
        ok = 0; /* a dropped port was not closed (a few may be retained
                   conservatively) */

    int live = count_live();
    printf("weak table: %d of %d keys left\n", live, NKEYS);
    for (int i = 0; i < NKEYS; i += 3) {
        struct key *k = table_get(i);
        if (!k || k->id != i || table[i].value != 10L * i)
            ok = 0; /* a held key vanished or changed */
    }
    if (live > NKEYS / 3 + 1 + 8)
        ok = 0;

    GC_reachable_here(held);
    GC_reachable_here(kept);
    return ok;
}

/* Overwrite the stack that run() used, as an interpreter's main loop
 * would by going on with other work. */
static __attribute__((noinline)) void scrub_stack(void)
{
    volatile char buf[64 * 1024];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = 0;
}

int main(void)
{
    GC_INIT();
    int ok = run();

    /* Drop everything: the table empties, the rest of the ports close. */
    scrub_stack();
    for (int i = 0; i < 3; i++)
        GC_gcollect();
    GC_invoke_finalizers();
    printf("after dropping all: %d keys left, %d ports closed\n",
           count_live(), closed_by_finalizer);

    printf("%s\n", ok ? "verified" : "FAILED");
    return ok ? 0 : 1;
}
