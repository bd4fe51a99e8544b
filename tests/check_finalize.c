/*
 * check_finalize.c: finalizers, disappearing links, toggle-refs and
 * disclaim procedures (src/finalize.c).
 *
 * Objects are made in noinline helpers and remembered hidden, and every
 * collection scrubs the stack first, so that what a test expects to die
 * is not kept by a stale copy of its address.
 */
#define GC_THREADS
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <gc/gc.h>
#include <gc/gc_disclaim.h>
#include <gc/javaxfc.h>
#include "testutil.h"
#include "finalize.h"
#include "span.h"

#define NOINLINE __attribute__((noinline))

/* NULL where the compiler cannot see it (the API's nonnull attributes). */
static NOINLINE void *launder_null(void)
{
	void *p = NULL;
	__asm__("" : "+r"(p));
	return p;
}

struct node {
	struct node *next;
	uintptr_t tag;
	void *other;
	uintptr_t pad;
};

/* What the finalizers saw, in order. */
#define LOG_MAX 4096
static uintptr_t log_obj[LOG_MAX]; /* hidden */
static uintptr_t log_cd[LOG_MAX];
static uintptr_t log_tag[LOG_MAX];
static int nlog;

/* The finalizer of the tests; every object it sees is a struct node. */
static void GC_CALLBACK record(void *obj, void *cd)
{
	ck_assert_int_lt(nlog, LOG_MAX);
	log_obj[nlog] = sgc_test_hide(obj);
	log_cd[nlog] = (uintptr_t)cd;
	log_tag[nlog] = ((struct node *)obj)->tag;
	nlog++;
}

/* Index in the log of the object whose tag is tag, or -1. */
static int logged_tag(uintptr_t tag)
{
	for (int i = 0; i < nlog; i++)
		if (log_tag[i] == tag)
			return i;
	return -1;
}

static NOINLINE uintptr_t make_node(uintptr_t tag)
{
	struct node *n = GC_malloc(sizeof *n);
	ck_assert_ptr_nonnull(n);
	n->tag = tag;
	return sgc_test_hide(n);
}

static struct node *N(uintptr_t h)
{
	return sgc_test_reveal(h);
}

static uintptr_t tag_at(uintptr_t h, int hops);

/* Whether hidden h is (still) the start of an allocated object. */
static NOINLINE int is_object(uintptr_t h)
{
	return GC_base(N(h)) == N(h);
}

static NOINLINE void collect_n(int n)
{
	for (int i = 0; i < n; i++)
		sgc_test_collect();
}

/* ---- Finalizers ---- */

static NOINLINE uintptr_t make_finalizable(uintptr_t tag, void *cd)
{
	uintptr_t h = make_node(tag);
	GC_register_finalizer(N(h), record, cd, NULL, NULL);
	return h;
}

START_TEST(test_unreachable_finalized_once)
{
	make_finalizable(1, (void *)0x77);
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
	ck_assert_uint_eq(log_tag[0], 1);
	ck_assert_uint_eq(log_cd[0], 0x77);
	collect_n(5);
	ck_assert_int_eq(nlog, 1); /* never twice */
	ck_assert_uint_eq(sgc_finalize_count(), 0);
}
END_TEST

static struct node *keep;

/* Tests that expect an object to die later touch it only in helpers
 * like this one, so that the test's own frame holds no copy of it. */
static NOINLINE void keep_finalizable_alive(void)
{
	keep = N(make_finalizable(2, NULL));
	for (int i = 0; i < 20; i++) {
		collect_n(1);
		ck_assert_int_eq(nlog, 0);
		ck_assert_uint_eq(keep->tag, 2);
	}
}

START_TEST(test_reachable_never_finalized)
{
	keep_finalizable_alive();
	ck_assert_uint_eq(sgc_finalize_count(), 1);
	keep = NULL;
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
}
END_TEST

/* The client data is kept alive while the finalizer waits. */
static NOINLINE uintptr_t make_with_client_data(void)
{
	uintptr_t cd = make_node(77);
	N(cd)->next = N(make_node(78));
	keep = N(make_node(1));
	GC_register_finalizer(keep, record, N(cd), NULL, NULL);
	return cd;
}

START_TEST(test_client_data_kept)
{
	uintptr_t cd = make_with_client_data();
	for (int i = 0; i < 5; i++) {
		collect_n(1);
		ck_assert(is_object(cd));
		ck_assert_uint_eq(tag_at(cd, 0), 77);
		ck_assert_uint_eq(tag_at(cd, 1), 78);
	}
	keep = NULL;
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
	ck_assert_uint_eq(log_cd[0], (uintptr_t)N(cd));
}
END_TEST

static void GC_CALLBACK other(void *obj, void *cd)
{
	(void)obj;
	(void)cd;
}

START_TEST(test_reregister_and_remove)
{
	struct node *n = GC_malloc(sizeof *n);
	GC_finalization_proc ofn = other;
	void *ocd = (void *)1;
	GC_register_finalizer(n, record, (void *)10, &ofn, &ocd);
	ck_assert_ptr_null((void *)ofn);
	ck_assert_ptr_null(ocd);
	GC_register_finalizer_no_order(n, other, (void *)20, &ofn, &ocd);
	ck_assert_ptr_eq((void *)ofn, (void *)record);
	ck_assert_ptr_eq(ocd, (void *)10);
	GC_register_finalizer(n, NULL, NULL, &ofn, &ocd);
	ck_assert_ptr_eq((void *)ofn, (void *)other);
	ck_assert_ptr_eq(ocd, (void *)20);
	ck_assert_uint_eq(sgc_finalize_count(), 0);
	GC_register_finalizer(n, NULL, NULL, &ofn, &ocd);
	ck_assert_ptr_null((void *)ofn);
	/* Removed: dying runs nothing. */
	n = NULL;
	collect_n(2);
	ck_assert_int_eq(nlog, 0);
}
END_TEST

static int static_obj;

START_TEST(test_outside_heap_ignored)
{
	GC_finalization_proc ofn = other;
	void *ocd = (void *)1;
	GC_register_finalizer(&static_obj, record, NULL, &ofn, &ocd);
	ck_assert_ptr_null((void *)ofn);
	ck_assert_ptr_null(ocd);
	GC_register_finalizer(NULL, record, NULL, &ofn, &ocd);
	ck_assert_uint_eq(sgc_finalize_count(), 0);
	collect_n(1);
	ck_assert_int_eq(nlog, 0);
}
END_TEST

START_TEST(test_interior_pointer_aborts)
{
	char *p = GC_malloc(64);
	GC_register_finalizer(p + 8, record, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_freed_object_aborts)
{
	char *p = GC_malloc(64);
	GC_free(p);
	GC_register_finalizer(p, record, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_free_drops_finalizer)
{
	struct node *n = GC_malloc(sizeof *n);
	GC_register_finalizer(n, record, NULL, NULL, NULL);
	void *big = GC_malloc(100000);
	GC_register_finalizer(big, record, NULL, NULL, NULL);
	ck_assert_uint_eq(sgc_finalize_count(), 2);
	GC_free(n);
	GC_free(big);
	ck_assert_uint_eq(sgc_finalize_count(), 0);
	collect_n(2);
	ck_assert_int_eq(nlog, 0);
}
END_TEST

/* The tag of the node hops links after the hidden node h. */
static NOINLINE uintptr_t tag_at(uintptr_t h, int hops)
{
	struct node *n = N(h);
	while (hops--)
		n = n->next;
	return n->tag;
}

static NOINLINE void set_keep(uintptr_t h)
{
	keep = N(h);
}

/* a -> b -> c, all finalizable: one per collection, a first. */
static NOINLINE void make_chain(void)
{
	uintptr_t a = make_finalizable(1, NULL);
	uintptr_t b = make_finalizable(2, NULL);
	uintptr_t c = make_finalizable(3, NULL);
	N(a)->next = N(b);
	N(b)->next = N(c);
}

START_TEST(test_chain_in_order)
{
	make_chain();
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
	ck_assert_int_eq(logged_tag(1), 0);
	/* a, just finalized, still reaches b and c intact. */
	ck_assert_uint_eq(tag_at(log_obj[0], 1), 2);
	ck_assert_uint_eq(tag_at(log_obj[0], 2), 3);
	collect_n(1);
	ck_assert_int_eq(nlog, 2);
	ck_assert_int_eq(logged_tag(2), 1);
	ck_assert_uint_eq(tag_at(log_obj[1], 1), 3);
	collect_n(1);
	ck_assert_int_eq(nlog, 3);
	ck_assert_int_eq(logged_tag(3), 2);
	collect_n(2);
	ck_assert_int_eq(nlog, 3);
}
END_TEST

static uintptr_t cyc_a, cyc_b;

static NOINLINE void make_cycle(int no_order)
{
	cyc_a = make_node(1);
	cyc_b = make_node(2);
	N(cyc_a)->next = N(cyc_b);
	N(cyc_b)->next = N(cyc_a);
	if (no_order) {
		GC_register_finalizer_no_order(N(cyc_a), record, NULL, NULL,
					       NULL);
		GC_register_finalizer_no_order(N(cyc_b), record, NULL, NULL,
					       NULL);
	} else {
		GC_register_finalizer(N(cyc_a), record, NULL, NULL, NULL);
		GC_register_finalizer(N(cyc_b), record, NULL, NULL, NULL);
	}
}

static void GC_CALLBACK quiet_warn(char *msg, GC_word arg)
{
	(void)msg;
	(void)arg;
}

START_TEST(test_cycle_never_finalized_nor_freed)
{
	GC_set_warn_proc(quiet_warn);
	make_cycle(0);
	for (int i = 0; i < 10; i++) {
		collect_n(1);
		ck_assert_int_eq(nlog, 0);
		/* Not freed either: both still allocated, links intact. */
		ck_assert_ptr_eq(GC_base(N(cyc_a)), N(cyc_a));
		ck_assert_ptr_eq(N(cyc_a)->next, N(cyc_b));
		ck_assert_ptr_eq(N(cyc_b)->next, N(cyc_a));
		ck_assert_uint_eq(N(cyc_b)->tag, 2);
	}
}
END_TEST

START_TEST(test_cycle_no_order_finalized)
{
	make_cycle(1);
	collect_n(1);
	ck_assert_int_eq(nlog, 2);
	ck_assert_int_ge(logged_tag(1), 0);
	ck_assert_int_ge(logged_tag(2), 0);
	/* Java-style: what a no-order object references stays for its
	 * finalizer. */
	ck_assert_ptr_eq(N(cyc_a)->next, N(cyc_b));
}
END_TEST

static NOINLINE uintptr_t make_self_ref(int ignore_self)
{
	uintptr_t h = make_node(5);
	N(h)->next = N(h);
	N(h)->other = (char *)N(h) + 8;
	if (ignore_self)
		GC_register_finalizer_ignore_self(N(h), record, NULL, NULL,
						  NULL);
	else
		GC_register_finalizer(N(h), record, NULL, NULL, NULL);
	return h;
}

START_TEST(test_ignore_self)
{
	GC_set_warn_proc(quiet_warn);
	make_self_ref(0);
	make_self_ref(1);
	collect_n(3);
	/* Only the ignore-self one: the other is its own cycle. */
	ck_assert_int_eq(nlog, 1);
	ck_assert_uint_eq(sgc_finalize_count(), 1);
}
END_TEST

/* ignore-self still orders across objects: a -> b, b ignore-self. */
static NOINLINE void make_ignore_self_pair(void)
{
	uintptr_t a = make_node(1), b = make_node(2);
	N(a)->next = N(b);
	N(b)->next = N(b);
	GC_register_finalizer_ignore_self(N(a), record, NULL, NULL, NULL);
	GC_register_finalizer_ignore_self(N(b), record, NULL, NULL, NULL);
}

START_TEST(test_ignore_self_keeps_order)
{
	make_ignore_self_pair();
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
	ck_assert_int_eq(logged_tag(1), 0);
	collect_n(1);
	ck_assert_int_eq(nlog, 2);
}
END_TEST

/* Resurrection. */
static struct node *saved;
static int resurrections;

static void GC_CALLBACK resurrect(void *obj, void *cd)
{
	(void)cd;
	saved = obj;
	resurrections++;
}

static NOINLINE void make_resurrectable(void)
{
	uintptr_t h = make_node(9);
	N(h)->next = N(make_node(10));
	GC_register_finalizer(N(h), resurrect, NULL, NULL, NULL);
}

static NOINLINE void check_resurrected(void)
{
	for (int i = 0; i < 5; i++) {
		collect_n(1);
		/* Alive, intact, and not finalized again. */
		ck_assert_uint_eq(saved->tag, 9);
		ck_assert_uint_eq(saved->next->tag, 10);
		ck_assert_ptr_eq(GC_base(saved), saved);
		ck_assert_int_eq(resurrections, 1);
	}
	/* Registering again finalizes it again. */
	GC_register_finalizer(saved, record, NULL, NULL, NULL);
}

START_TEST(test_resurrect)
{
	make_resurrectable();
	collect_n(1);
	ck_assert_int_eq(resurrections, 1);
	ck_assert_ptr_nonnull(saved);
	check_resurrected();
	saved = NULL;
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
	ck_assert_uint_eq(log_tag[0], 9);
}
END_TEST

/* A finalizer that allocates and registers another finalizer. */
static void GC_CALLBACK chain_more(void *obj, void *cd)
{
	record(obj, cd);
	if ((uintptr_t)cd < 3) {
		struct node *n = GC_malloc(sizeof *n);
		n->tag = 100 + (uintptr_t)cd;
		GC_register_finalizer(n, chain_more, (char *)cd + 1, NULL,
				      NULL);
	}
}

static NOINLINE void make_chain_more(void)
{
	uintptr_t h = make_node(100);
	GC_register_finalizer(N(h), chain_more, (void *)0, NULL, NULL);
}

START_TEST(test_register_from_finalizer)
{
	make_chain_more();
	for (int i = 0; i < 6 && nlog < 4; i++)
		collect_n(1);
	ck_assert_int_eq(nlog, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(log_cd[i], (uintptr_t)i);
	ck_assert_uint_eq(sgc_finalize_count(), 0);
}
END_TEST

/* Finalize on demand. */
static int notified;

static void GC_CALLBACK notifier(void)
{
	notified++;
}

START_TEST(test_on_demand_notifier)
{
	GC_set_finalize_on_demand(1);
	ck_assert_int_eq(GC_get_finalize_on_demand(), 1);
	GC_set_finalizer_notifier(notifier);
	ck_assert_ptr_eq((void *)GC_get_finalizer_notifier(), (void *)notifier);
	collect_n(1);
	ck_assert_int_eq(notified, 0); /* nothing queued: no call */
	for (int i = 0; i < 10; i++)
		make_finalizable((uintptr_t)i, NULL);
	collect_n(1);
	ck_assert_int_eq(nlog, 0);
	ck_assert_int_eq(notified, 1);
	ck_assert(GC_should_invoke_finalizers());
	collect_n(1); /* still queued: one call per collection */
	ck_assert_int_eq(notified, 2);
	ck_assert_int_eq(nlog, 0);
	ck_assert_int_eq(GC_invoke_finalizers(), 10);
	ck_assert_int_eq(nlog, 10);
	ck_assert(!GC_should_invoke_finalizers());
	ck_assert_int_eq(GC_invoke_finalizers(), 0);
	collect_n(1);
	ck_assert_int_eq(notified, 2);
}
END_TEST

static NOINLINE uintptr_t make_finalizable_pair(void)
{
	uintptr_t h = make_finalizable(3, NULL);
	N(h)->next = N(make_node(4));
	return h;
}

/* Queued objects survive collections until their finalizer runs. */
START_TEST(test_queued_survive)
{
	GC_set_finalize_on_demand(1);
	uintptr_t h = make_finalizable_pair();
	collect_n(4);
	ck_assert_int_eq(nlog, 0);
	ck_assert_ptr_eq(GC_base(N(h)), N(h));
	ck_assert_uint_eq(N(h)->next->tag, 4);
	ck_assert_int_eq(GC_invoke_finalizers(), 1);
	ck_assert_uint_eq(N(log_obj[0])->next->tag, 4);
}
END_TEST

static int awaited;

static void GC_CALLBACK await_cb(void *obj)
{
	(void)obj;
	awaited++;
}

START_TEST(test_await_and_finalize_all)
{
	GC_set_await_finalize_proc(await_cb);
	ck_assert_ptr_eq((void *)GC_get_await_finalize_proc(), (void *)await_cb);
	make_finalizable(1, NULL);
	collect_n(1);
	ck_assert_int_eq(awaited, 1);
	ck_assert_int_eq(nlog, 1);
	/* GC_finalize_all runs reachable ones too. */
	keep = N(make_finalizable(2, NULL));
	GC_finalize_all();
	ck_assert_int_eq(nlog, 2);
	ck_assert_ptr_eq(N(log_obj[1]), keep);
	ck_assert_uint_eq(sgc_finalize_count(), 0);
}
END_TEST

/* Java finalization: unreachable finalizers wait for no-order ones. */
static NOINLINE void make_unreachable_pair(void)
{
	uintptr_t n = make_node(1), u = make_node(2);
	N(n)->next = N(u);
	GC_register_finalizer_no_order(N(n), record, NULL, NULL, NULL);
	GC_register_finalizer_unreachable(N(u), record, NULL, NULL, NULL);
}

START_TEST(test_unreachable_after_no_order)
{
	ck_assert_int_eq(GC_get_java_finalization(), 1);
	make_unreachable_pair();
	collect_n(1);
	ck_assert_int_eq(nlog, 1);
	ck_assert_int_eq(logged_tag(1), 0);
	collect_n(1);
	ck_assert_int_eq(nlog, 2);
	ck_assert_int_eq(logged_tag(2), 1);
}
END_TEST

/* ---- Disappearing links ---- */

static void *weak;        /* a link in static data */
static void *weak_long;

static NOINLINE uintptr_t make_linked(void **link, int long_link)
{
	uintptr_t h = make_node(7);
	*link = (void *)sgc_test_hide(N(h)); /* hidden: a weak pointer */
	int rc = long_link ? GC_register_long_link(link, N(h)) :
			     GC_general_register_disappearing_link(link, N(h));
	ck_assert_int_eq(rc, GC_SUCCESS);
	return h;
}

static NOINLINE void keep_linked_alive(void)
{
	keep = N(make_linked(&weak, 0));
	for (int i = 0; i < 10; i++) {
		collect_n(1);
		ck_assert_ptr_nonnull(weak);
		ck_assert_ptr_eq(sgc_test_reveal((uintptr_t)weak), keep);
	}
}

START_TEST(test_link_cleared_when_dead_only)
{
	keep_linked_alive();
	ck_assert_uint_eq(sgc_finalize_link_count(0), 1);
	keep = NULL;
	collect_n(1);
	ck_assert_ptr_null(weak);
	ck_assert_uint_eq(sgc_finalize_link_count(0), 0);
}
END_TEST

START_TEST(test_link_codes)
{
	void **slot = GC_malloc(4 * sizeof(void *));
	struct node *n = GC_malloc(sizeof *n);
	ck_assert_int_eq(GC_general_register_disappearing_link(&slot[0], n),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_general_register_disappearing_link(&slot[0], n),
			 GC_DUPLICATE);
	ck_assert_int_eq(GC_general_register_disappearing_link(&slot[1], n),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_move_disappearing_link(&slot[0], &slot[1]),
			 GC_DUPLICATE);
	ck_assert_int_eq(GC_move_disappearing_link(&slot[0], &slot[0]),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_move_disappearing_link(&slot[2], &slot[3]),
			 GC_NOT_FOUND);
	ck_assert_int_eq(GC_move_disappearing_link(&slot[0], &slot[2]),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_unregister_disappearing_link(&slot[0]), 0);
	ck_assert_int_eq(GC_unregister_disappearing_link(&slot[2]), 1);
	ck_assert_int_eq(GC_unregister_disappearing_link(&slot[2]), 0);
	ck_assert_int_eq(GC_unregister_disappearing_link(
				 (void **)((char *)slot + 1)), 0);
	/* NULL was never registered (bdwgc: 0, GC_NOT_FOUND). */
	size_t links = sgc_finalize_link_count(0);
	ck_assert_int_eq(GC_unregister_disappearing_link(launder_null()), 0);
	ck_assert_int_eq(GC_unregister_long_link(launder_null()), 0);
	ck_assert_int_eq(GC_move_disappearing_link(launder_null(), &slot[3]),
			 GC_NOT_FOUND);
	ck_assert_int_eq(GC_move_long_link(launder_null(), &slot[3]),
			 GC_NOT_FOUND);
	ck_assert_uint_eq(sgc_finalize_link_count(0), links);
	/* Long links are a table of their own. */
	ck_assert_int_eq(GC_register_long_link(&slot[1], n), GC_SUCCESS);
	ck_assert_int_eq(GC_move_long_link(&slot[1], &slot[3]), GC_SUCCESS);
	ck_assert_int_eq(GC_unregister_long_link(&slot[3]), 1);
	ck_assert_int_eq(GC_unregister_disappearing_link(&slot[1]), 1);
	ck_assert_uint_eq(sgc_finalize_link_count(0), 0);
	ck_assert_uint_eq(sgc_finalize_link_count(1), 0);
	GC_dump_finalization(); /* does not crash; prints the counts */
}
END_TEST

START_TEST(test_link_misaligned_aborts)
{
	struct node *n = GC_malloc(sizeof *n);
	GC_general_register_disappearing_link((void **)((char *)&weak + 1), n);
}
END_TEST

/* Links to objects outside the heap (runtimes keep weak references to
 * static objects): GC_SUCCESS, never cleared, unregistered and moved as
 * any other. */
START_TEST(test_link_to_foreign_object)
{
	static void *s_link, *l_link, *m_link, *moved;
	int local;
	void *m = malloc(16);
	s_link = &static_obj;
	l_link = &local;
	m_link = m;
	ck_assert_int_eq(GC_general_register_disappearing_link(&s_link,
							       &static_obj),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_register_long_link(&l_link, &local), GC_SUCCESS);
	ck_assert_int_eq(GC_general_register_disappearing_link(&m_link, m),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_general_register_disappearing_link(&s_link,
							       &static_obj),
			 GC_DUPLICATE);
	collect_n(3);
	ck_assert_ptr_eq(s_link, &static_obj);
	ck_assert_ptr_eq(l_link, &local);
	ck_assert_ptr_eq(m_link, m);
	ck_assert_int_eq(GC_move_disappearing_link(&m_link, &moved),
			 GC_SUCCESS);
	moved = m;
	collect_n(1);
	ck_assert_ptr_eq(moved, m);
	ck_assert_int_eq(GC_unregister_disappearing_link(&s_link), 1);
	ck_assert_int_eq(GC_unregister_disappearing_link(&moved), 1);
	ck_assert_int_eq(GC_unregister_long_link(&l_link), 1);
	ck_assert_uint_eq(sgc_finalize_link_count(0), 0);
	ck_assert_uint_eq(sgc_finalize_link_count(1), 0);
	free(m);
}
END_TEST

/* bdwgc: registering a link again names the new object (and answers
 * GC_DUPLICATE): the link is cleared when that one dies. */
static NOINLINE int relink_to_new(void **link)
{
	return GC_general_register_disappearing_link(link, N(make_node(8)));
}

START_TEST(test_link_reregistered_follows_new_object)
{
	static void *link;
	keep = N(make_node(7));
	link = keep;
	ck_assert_int_eq(GC_general_register_disappearing_link(&link, keep),
			 GC_SUCCESS);
	ck_assert_int_eq(relink_to_new(&link), GC_DUPLICATE);
	collect_n(2);
	ck_assert_ptr_null(link); /* the new object died; keep lives */
	ck_assert_uint_eq(N(sgc_test_hide(keep))->tag, 7);
	keep = NULL;
}
END_TEST

/* Documented requirements that stay clear aborts: obj is the start of an
 * object when it is in the heap, and non-null. */
START_TEST(test_link_interior_object_aborts)
{
	char *p = GC_malloc(64);
	GC_general_register_disappearing_link(&weak, p + 16);
}
END_TEST

START_TEST(test_link_null_object_aborts)
{
	GC_general_register_disappearing_link(&weak, launder_null());
}
END_TEST

START_TEST(test_link_move_bad_new_link_aborts)
{
	GC_move_disappearing_link(&weak, NULL);
}
END_TEST

/* The moved link is the one cleared. */
START_TEST(test_moved_link_cleared)
{
	static void *a, *b;
	make_linked(&a, 0);
	ck_assert_int_eq(GC_move_disappearing_link(&a, &b), GC_SUCCESS);
	b = a;
	a = (void *)1;
	collect_n(1);
	ck_assert_ptr_null(b);
	ck_assert_ptr_eq(a, (void *)1);
}
END_TEST

/* GC_register_disappearing_link: the link goes when its holder dies. */
static NOINLINE uintptr_t make_self_link(void)
{
	void **holder = GC_malloc(2 * sizeof(void *));
	holder[0] = (void *)0x1234;
	ck_assert_int_eq(GC_register_disappearing_link(&holder[0]),
			 GC_SUCCESS);
	return sgc_test_hide(holder);
}

START_TEST(test_register_disappearing_link_holder)
{
	make_self_link();
	ck_assert_uint_eq(sgc_finalize_link_count(0), 1);
	collect_n(1);
	ck_assert_uint_eq(sgc_finalize_link_count(0), 0);
}
END_TEST

/* A link stored in an object that dies is dropped, not written later. */
static NOINLINE void make_link_in_dead_holder(uintptr_t target)
{
	void **holder = GC_malloc(2 * sizeof(void *));
	ck_assert_int_eq(GC_general_register_disappearing_link(&holder[1],
							       N(target)),
			 GC_SUCCESS);
}

START_TEST(test_link_in_dead_object_dropped)
{
	keep = N(make_node(1));
	make_link_in_dead_holder(sgc_test_hide(keep));
	collect_n(1);
	ck_assert_uint_eq(sgc_finalize_link_count(0), 0);
	ck_assert_uint_eq(keep->tag, 1);
}
END_TEST

/* Short links clear before finalization, long ones only when the object
 * is dead for good. */
static NOINLINE void make_resurrectable_linked(void)
{
	uintptr_t h = make_node(9);
	weak = (void *)h;
	weak_long = (void *)h;
	ck_assert_int_eq(GC_general_register_disappearing_link(&weak, N(h)),
			 GC_SUCCESS);
	ck_assert_int_eq(GC_register_long_link(&weak_long, N(h)), GC_SUCCESS);
	GC_register_finalizer(N(h), resurrect, NULL, NULL, NULL);
}

static NOINLINE int long_link_is_saved(void)
{
	return sgc_test_reveal((uintptr_t)weak_long) == saved;
}

START_TEST(test_long_vs_short_links)
{
	make_resurrectable_linked();
	collect_n(1);
	ck_assert_int_eq(resurrections, 1);
	ck_assert_ptr_null(weak);       /* short: cleared */
	ck_assert_ptr_nonnull(weak_long); /* long: the finalizer revived it */
	ck_assert(long_link_is_saved());
	collect_n(2);
	ck_assert_ptr_nonnull(weak_long);
	saved = NULL;
	collect_n(1);
	ck_assert_ptr_null(weak_long);
	ck_assert_uint_eq(sgc_finalize_link_count(1), 0);
}
END_TEST

/* A weak hash table: keys held weakly by links, values strongly. */
#define WT_SIZE 512
struct wentry {
	void *key; /* a disappearing link: hidden pointer to the key */
	uintptr_t value;
};
static struct wentry *wtab;

static NOINLINE void wt_fill(void)
{
	wtab = GC_malloc(WT_SIZE * sizeof *wtab);
	/* Downwards: the last key made, whose address may linger in a
	 * register, is key 0, which stays reachable anyway. */
	for (uintptr_t i = WT_SIZE; i-- > 0;) {
		struct node *k = GC_malloc(sizeof *k);
		k->tag = i;
		wtab[i].key = (void *)sgc_test_hide(k);
		wtab[i].value = i * 3;
		ck_assert_int_eq(GC_general_register_disappearing_link(
					 &wtab[i].key, k), GC_SUCCESS);
		if (i % 2 == 0) { /* even keys stay reachable */
			struct node *n = GC_malloc(sizeof *n);
			n->other = k;
			n->next = keep;
			keep = n;
		}
	}
}

static void *GC_CALLBACK wt_lookup(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	if (!wtab[i].key)
		return NULL;
	return sgc_test_reveal((uintptr_t)wtab[i].key);
}

static NOINLINE void wt_check_half(void)
{
	for (int round = 0; round < 5; round++) {
		collect_n(1);
		size_t live = 0;
		for (uintptr_t i = 0; i < WT_SIZE; i++) {
			struct node *k = GC_call_with_alloc_lock(wt_lookup,
								 (void *)i);
			if (i % 2) {
				ck_assert_ptr_null(k);
				continue;
			}
			ck_assert_ptr_nonnull(k);
			ck_assert_uint_eq(k->tag, i);
			ck_assert_uint_eq(wtab[i].value, i * 3);
			live++;
		}
		ck_assert_uint_eq(live, WT_SIZE / 2);
	}
}

START_TEST(test_weak_table_shrinks)
{
	wt_fill();
	wt_check_half();
	ck_assert_uint_eq(sgc_finalize_link_count(0), WT_SIZE / 2);
	keep = NULL;
	collect_n(1);
	for (uintptr_t i = 0; i < WT_SIZE; i++)
		ck_assert_ptr_null(GC_call_with_reader_lock(wt_lookup,
							    (void *)i, 0));
	ck_assert_uint_eq(sgc_finalize_link_count(0), 0);
}
END_TEST

/* ---- Toggle-refs ---- */

static uintptr_t toggle_h[3];
static GC_ToggleRefStatus toggle_answer[3];

static GC_ToggleRefStatus GC_CALLBACK toggle_cb(void *obj)
{
	for (int i = 0; i < 3; i++)
		if (sgc_test_hide(obj) == toggle_h[i])
			return toggle_answer[i];
	return GC_TOGGLE_REF_DROP;
}

static NOINLINE void make_toggles(void)
{
	for (int i = 0; i < 3; i++) {
		toggle_h[i] = make_node((uintptr_t)i);
		ck_assert_int_eq(GC_toggleref_add(N(toggle_h[i]), 1),
				 GC_SUCCESS);
		ck_assert_int_eq(GC_general_register_disappearing_link(
					 (void **)&toggle_h[i], N(toggle_h[i])),
				 GC_SUCCESS);
	}
}

START_TEST(test_toggleref)
{
	/* No callback yet: bdwgc does nothing and succeeds. */
	ck_assert_int_eq(GC_toggleref_add(GC_malloc(8), 1), GC_SUCCESS);
	ck_assert_int_eq(GC_toggleref_add(&static_obj, 0), GC_SUCCESS);
	ck_assert_int_eq(GC_toggleref_add(launder_null(), 0), GC_SUCCESS);
	GC_set_toggleref_func(toggle_cb);
	ck_assert_ptr_eq((void *)GC_get_toggleref_func(), (void *)toggle_cb);
	toggle_answer[0] = GC_TOGGLE_REF_STRONG;
	toggle_answer[1] = GC_TOGGLE_REF_WEAK;
	toggle_answer[2] = GC_TOGGLE_REF_DROP;
	make_toggles();
	/* toggle_h[] are links holding hidden pointers: 0 once dead. */
	collect_n(1);
	ck_assert_uint_ne(toggle_h[0], 0); /* strong: alive */
	ck_assert_uint_eq(toggle_h[1], 0); /* weak, unreachable: dead */
	ck_assert_uint_eq(toggle_h[2], 0); /* dropped: dead */
	collect_n(2);
	ck_assert_uint_ne(toggle_h[0], 0);
	ck_assert_uint_eq(tag_at(toggle_h[0], 0), 0);
	toggle_answer[0] = GC_TOGGLE_REF_WEAK;
	collect_n(1);
	ck_assert_uint_eq(toggle_h[0], 0);
}
END_TEST

/* A weak toggle-ref to an object outside the heap is never dropped as
 * dead: the callback keeps being asked about it. */
static int static_toggle_calls;

static GC_ToggleRefStatus GC_CALLBACK static_toggle_cb(void *obj)
{
	if (obj == &static_obj)
		static_toggle_calls++;
	return GC_TOGGLE_REF_WEAK;
}

START_TEST(test_toggleref_foreign_object)
{
	GC_set_toggleref_func(static_toggle_cb);
	ck_assert_int_eq(GC_toggleref_add(&static_obj, 0), GC_SUCCESS);
	collect_n(3);
	ck_assert_int_eq(static_toggle_calls, 3);
}
END_TEST

/* ---- Disclaim ---- */

static int disclaimed;
static uintptr_t disclaimed_obj;

static void GC_CALLBACK closure_proc(void *obj, void *cd)
{
	disclaimed++;
	disclaimed_obj = sgc_test_hide(obj);
	ck_assert_ptr_eq(cd, (void *)0xabc);
	/* What it references is still there (mark_from_all). */
	ck_assert_uint_eq(((struct node *)obj)->next->tag, 42);
}

static struct GC_finalizer_closure closure = { closure_proc, (void *)0xabc };

static NOINLINE uintptr_t make_finalized(void)
{
	struct node *n = GC_finalized_malloc(sizeof *n, &closure);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->tag, 0); /* zeroed */
	n->tag = 41;
	n->next = N(make_node(42));
	return sgc_test_hide(n);
}

START_TEST(test_finalized_malloc)
{
	GC_init_finalized_malloc();
	GC_init_finalized_malloc(); /* idempotent */
	uintptr_t kept = make_finalized();
	set_keep(kept);
	uintptr_t dead = make_finalized();
	collect_n(3);
	ck_assert_int_eq(disclaimed, 1);
	ck_assert_uint_eq(disclaimed_obj, dead);
	ck_assert_uint_eq(tag_at(kept, 0), 41);
	ck_assert_uint_eq(tag_at(kept, 1), 42);
	keep = NULL;
	collect_n(2);
	ck_assert_int_eq(disclaimed, 2);
}
END_TEST

static int keep_disclaim_calls;

static int GC_CALLBACK keep_once(void *obj)
{
	(void)obj;
	return keep_disclaim_calls++ == 0; /* keep it the first time */
}

START_TEST(test_disclaim_proc_can_keep)
{
	/* A kind of our own (GC_new_kind comes later): the finalized one. */
	GC_init_finalized_malloc();
	int kind = -1;
	for (int k = 4; k < 16; k++)
		if (sgc_kinds[k].in_use && sgc_kinds[k].disclaim)
			kind = k;
	ck_assert_int_ge(kind, 4);
	GC_register_disclaim_proc(kind, keep_once, 0);
	make_finalized();
	collect_n(1);
	ck_assert_int_eq(keep_disclaim_calls, 1);
	collect_n(1);
	ck_assert_int_eq(keep_disclaim_calls, 2);
	collect_n(2);
	ck_assert_int_eq(keep_disclaim_calls, 2);
}
END_TEST

/* Lookups from a disclaim procedure: bdwgc's procedures inspect their
 * object; the sweep holds the span's claim meanwhile. */
static int lookups_ok, lookups_seen;

static void GC_CALLBACK looks_itself_up(void *obj, void *cd)
{
	(void)cd;
	void *base = (char *)obj - sizeof(void *); /* the closure word */
	lookups_seen++;
	if (GC_base(obj) == base && GC_size(obj) >= sizeof(struct node) &&
	    GC_size(base) == GC_size(obj) && GC_is_heap_ptr(obj) &&
	    GC_base((char *)obj + 5) == base)
		lookups_ok++;
}

static struct GC_finalizer_closure lookup_closure = { looks_itself_up, NULL };

static int GC_CALLBACK disclaim_looks_up(void *obj)
{
	lookups_seen++;
	if (GC_base(obj) == obj && GC_size(obj) >= sizeof(struct node) &&
	    GC_base((char *)obj + 8) == obj)
		lookups_ok++;
	return 0;
}

static NOINLINE void make_lookup_garbage(int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_ptr_nonnull(GC_finalized_malloc(sizeof(struct node),
							  &lookup_closure));
}

START_TEST(test_disclaim_looks_up_its_object)
{
	GC_init_finalized_malloc();
	make_lookup_garbage(100);
	collect_n(2);
	ck_assert_int_eq(lookups_seen, 100);
	ck_assert_int_eq(lookups_ok, 100);
	/* A disclaim procedure of its own, looking up the object given. */
	int kind = -1;
	for (int k = 4; k < 16; k++)
		if (sgc_kinds[k].in_use && sgc_kinds[k].disclaim)
			kind = k;
	ck_assert_int_ge(kind, 4);
	GC_register_disclaim_proc(kind, disclaim_looks_up, 1);
	lookups_seen = lookups_ok = 0;
	make_lookup_garbage(50);
	collect_n(2);
	ck_assert_int_eq(lookups_seen, 50);
	ck_assert_int_eq(lookups_ok, 50);
}
END_TEST

/* The pointer GC_finalized_malloc returns is one word into the object;
 * finalizers and links take it as the object (bdwgc does, as it takes
 * any pointer into an object's first granule). */
static uintptr_t displaced_seen;

static void GC_CALLBACK record_displaced(void *obj, void *cd)
{
	(void)cd;
	displaced_seen = sgc_test_hide(obj);
}

static void *displaced_link;

static NOINLINE uintptr_t make_displaced_finalizable(void)
{
	struct node *n = GC_finalized_malloc(sizeof *n, &lookup_closure);
	ck_assert_ptr_nonnull(n);
	GC_register_finalizer(n, record_displaced, NULL, NULL, NULL);
	displaced_link = (void *)sgc_test_hide(n); /* hidden */
	ck_assert_int_eq(GC_general_register_disappearing_link(
				 &displaced_link, n), GC_SUCCESS);
	return sgc_test_hide(n);
}

START_TEST(test_displaced_pointer_registrations)
{
	GC_init_finalized_malloc();
	uintptr_t h = make_displaced_finalizable();
	set_keep(h);
	collect_n(2);
	ck_assert_uint_eq(displaced_seen, 0);
	ck_assert_ptr_eq(displaced_link, (void *)h);
	keep = NULL;
	collect_n(3);
	ck_assert_uint_eq(displaced_seen, h); /* the client's pointer */
	ck_assert_ptr_null(displaced_link);
}
END_TEST

START_TEST(test_finalizer_interior_pointer_aborts)
{
	char *p = GC_malloc(64);
	GC_register_finalizer(p + 16, record, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_finalized_malloc_uninitialised_aborts)
{
	GC_finalized_malloc(16, &closure);
}
END_TEST

START_TEST(test_disclaim_bad_kind_aborts)
{
	GC_register_disclaim_proc(12, keep_once, 0);
}
END_TEST

/* ---- Scale and threads ---- */

#define MANY 100000

static NOINLINE void make_many(void)
{
	for (int i = 0; i < MANY; i++) {
		struct node *n = GC_malloc(sizeof *n);
		n->tag = (uintptr_t)i;
		GC_register_finalizer(n, other, NULL, NULL, NULL);
	}
}

static int counted;

static void GC_CALLBACK count_it(void *obj, void *cd)
{
	(void)obj;
	(void)cd;
	counted++;
}

static NOINLINE void make_many_counted(void)
{
	for (int i = 0; i < MANY; i++) {
		struct node *n = GC_malloc(sizeof *n);
		GC_register_finalizer(n, count_it, NULL, NULL, NULL);
	}
}

/* 100,000 finalizers registered while others are queued, collected and
 * run in one cycle: every one runs, and the table is empty afterwards.
 * (How the cost grows with the count is a benchmark's question; unit
 * tests assert no timing.) */
START_TEST(test_many_finalizers)
{
	GC_set_finalize_on_demand(1);
	make_many(); /* registered while others are queued and run */
	make_many_counted();
	collect_n(1);
	int ran = GC_invoke_finalizers();
	/* All of them dead: a stale register may keep one or two. */
	ck_assert_int_ge(counted, MANY - 4);
	ck_assert_int_ge(ran, MANY);
	ck_assert_uint_le(sgc_finalize_count(), 8);
}
END_TEST

/* Four threads allocate lists, register finalizers on half of their
 * nodes, drop them, and check that exactly the dropped ones are
 * finalized while the kept ones stay intact. */
#define THREADS 4
#if defined(__SANITIZE_THREAD__)
#define PER_THREAD 400 /* ThreadSanitizer is ten times slower */
#define THREAD_ROUNDS 5
#else
#define PER_THREAD 2000
#define THREAD_ROUNDS 20
#endif
static int fin_by_thread[THREADS]; /* atomic */
/* Where each thread leaves its list: a thread's return value lives in
 * memory the collector does not scan once the thread has exited. */
static struct node *kept_by_thread[THREADS];

/* No ck_assert in the threads: each takes a lock of Check's, which a
 * thread stopped for a collection may hold (a deadlock under TSan). */
static void GC_CALLBACK thread_fin(void *obj, void *cd)
{
	struct node *n = obj;
	if (n->tag % 2 != 1) /* only dropped nodes */
		ck_abort_msg("kept node %lu finalized",
			     (unsigned long)n->tag);
	__atomic_fetch_add(&fin_by_thread[(uintptr_t)cd], 1, __ATOMIC_RELAXED);
}

static NOINLINE struct node *thread_round(uintptr_t id)
{
	struct node *kept = NULL;
	for (uintptr_t i = 0; i < PER_THREAD; i++) {
		struct node *n = GC_malloc(sizeof *n);
		n->tag = i;
		GC_register_finalizer(n, thread_fin, (void *)id, NULL, NULL);
		if (i % 2 == 0) {
			n->next = kept;
			kept = n;
		}
		/* garbage to drive collections */
		GC_malloc(64);
	}
	return kept;
}

static void *thread_main(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	struct node *kept = thread_round(id);
	for (int r = 0; r < THREAD_ROUNDS; r++) {
		for (int j = 0; j < 2000; j++)
			GC_malloc(128);
		size_t n = 0;
		for (struct node *p = kept; p; p = p->next, n++)
			if (p->tag % 2 != 0)
				ck_abort_msg("odd node %lu kept",
					     (unsigned long)p->tag);
		if (n != PER_THREAD / 2)
			ck_abort_msg("thread %lu: %zu kept nodes",
				     (unsigned long)id, n);
	}
	kept_by_thread[id] = kept;
	return NULL;
}

START_TEST(test_threads)
{
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		ck_assert_int_eq(GC_pthread_create(&t[i], NULL, thread_main,
						   (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(GC_pthread_join(t[i], NULL), 0);
	for (int r = 0; r < 4; r++) {
		collect_n(1);
		GC_invoke_finalizers();
	}
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(__atomic_load_n(&fin_by_thread[i],
						 __ATOMIC_RELAXED),
				 PER_THREAD / 2);
		size_t n = 0;
		for (struct node *p = kept_by_thread[i]; p; p = p->next, n++)
			ck_assert_uint_eq(p->tag % 2, 0);
		ck_assert_uint_eq(n, PER_THREAD / 2);
	}
	ck_assert_uint_eq(sgc_finalize_count(), THREADS * PER_THREAD / 2);
}
END_TEST

static Suite *finalize_suite(void)
{
	Suite *s = suite_create("finalize");
	TCase *tc = tcase_create("finalizers");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_unreachable_finalized_once);
	tcase_add_test(tc, test_reachable_never_finalized);
	tcase_add_test(tc, test_client_data_kept);
	tcase_add_test(tc, test_reregister_and_remove);
	tcase_add_test(tc, test_outside_heap_ignored);
	tcase_add_test_raise_signal(tc, test_interior_pointer_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_freed_object_aborts, SIGABRT);
	tcase_add_test(tc, test_free_drops_finalizer);
	tcase_add_test(tc, test_chain_in_order);
	tcase_add_test(tc, test_cycle_never_finalized_nor_freed);
	tcase_add_test(tc, test_cycle_no_order_finalized);
	tcase_add_test(tc, test_ignore_self);
	tcase_add_test(tc, test_ignore_self_keeps_order);
	tcase_add_test(tc, test_resurrect);
	tcase_add_test(tc, test_register_from_finalizer);
	tcase_add_test(tc, test_on_demand_notifier);
	tcase_add_test(tc, test_queued_survive);
	tcase_add_test(tc, test_await_and_finalize_all);
	tcase_add_test(tc, test_unreachable_after_no_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("links");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_link_cleared_when_dead_only);
	tcase_add_test(tc, test_link_codes);
	tcase_add_test_raise_signal(tc, test_link_misaligned_aborts, SIGABRT);
	tcase_add_test(tc, test_link_to_foreign_object);
	tcase_add_test(tc, test_link_reregistered_follows_new_object);
	tcase_add_test_raise_signal(tc, test_link_interior_object_aborts,
				    SIGABRT);
	tcase_add_test_raise_signal(tc, test_link_null_object_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_link_move_bad_new_link_aborts,
				    SIGABRT);
	tcase_add_test(tc, test_moved_link_cleared);
	tcase_add_test(tc, test_register_disappearing_link_holder);
	tcase_add_test(tc, test_link_in_dead_object_dropped);
	tcase_add_test(tc, test_long_vs_short_links);
	tcase_add_test(tc, test_weak_table_shrinks);
	tcase_add_test(tc, test_toggleref);
	tcase_add_test(tc, test_toggleref_foreign_object);
	suite_add_tcase(s, tc);

	tc = tcase_create("disclaim");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_finalized_malloc);
	tcase_add_test(tc, test_disclaim_proc_can_keep);
	tcase_add_test(tc, test_disclaim_looks_up_its_object);
	tcase_add_test(tc, test_displaced_pointer_registrations);
	tcase_add_test_raise_signal(tc, test_finalizer_interior_pointer_aborts,
				    SIGABRT);
	tcase_add_test_raise_signal(tc, test_finalized_malloc_uninitialised_aborts,
				    SIGABRT);
	tcase_add_test_raise_signal(tc, test_disclaim_bad_kind_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	sgc_test_pad_fixture(tc);
	tcase_add_test(tc, test_many_finalizers);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sgc_test_run(finalize_suite());
}
