/*
 * lisp.c: a small Lisp (a Scheme dialect) whose every object lives in
 * the garbage-collected heap.  An example of embedding spangc (or bdwgc:
 * it uses only bdwgc's API) in an interpreter:
 *
 *  - all cells come from one function, new_cell (strings, which hold no
 *    pointers, from new_atomic_cell), and live in a kind of their own
 *    (GC_new_kind, <gc/gc_mark.h>) whose mark procedure, mark_cell,
 *    pushes only the fields that hold values, skipping fixnums and the
 *    hidden keys of weak tables; LISP_CELLS=conservative in the
 *    environment allocates them with GC_MALLOC instead, scanned
 *    conservatively, for comparison;
 *  - the interpreter's roots are its C stack and its static variables:
 *    nothing is registered by hand, no reference counts, no handles;
 *  - weak-key hash tables hide their keys from the collector and register
 *    a disappearing link on each, which the collector clears when the key
 *    dies (GC_general_register_disappearing_link);
 *  - ports close themselves in a finalizer when a program drops them
 *    without closing them (GC_register_finalizer);
 *  - (gc) collects and runs pending finalizers; (room) prints the heap's
 *    figures.
 *
 * The language: integers (63-bit, overflow is an error), strings,
 * symbols, pairs and lists, vectors, hash tables, closures with proper
 * tail calls, define, set!, lambda (with rest arguments), if, cond, case-
 * free let / let* / letrec / named let, begin, and, or, when, unless,
 * quote and '.  Run with a file to execute it (script mode), or with no
 * argument for a read-eval-print loop.  See examples/lisp/README.md.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gc.h>
#include <gc/gc_mark.h>

/* ---- Values ----
 * A value is a pointer to an object whose first word is its type, or a
 * fixnum: an integer n stored as 2n+1 (an odd word is never an object's
 * address).  The constants (), #t, #f, the unspecified value and the end
 * of file are static objects, outside the heap. */

enum type { T_NIL, T_TRUE, T_FALSE, T_UNSPEC, T_EOF, T_UNBOUND, T_CONS,
	    T_SYMBOL, T_STRING, T_VECTOR, T_CLOSURE, T_PRIM, T_HASH, T_ENTRY,
	    T_PORT };

typedef struct obj { uintptr_t type; } *V;

struct cons { uintptr_t type; V car, cdr; };
struct symbol { uintptr_t type; V value; V name; V next; };
struct string { uintptr_t type; size_t len; char chars[]; };
struct vector { uintptr_t type; size_t len; V items[]; };
struct closure { uintptr_t type; V params, body, env, name; };
typedef V (*prim_fn)(V args);
struct prim { uintptr_t type; prim_fn fn; const char *name; int min, max; };
/* A hash table: chains of entries.  In a weak table the key of an entry
 * that is a heap object is stored hidden (GC_HIDE_POINTER), so it does
 * not keep the key alive, and a disappearing link on that word clears it
 * to 0 when the key dies; the entry is dropped the next time the table
 * is walked. */
struct entry { uintptr_t type; uintptr_t key; V value; struct entry *next;
	       uintptr_t hash; int hidden; };
struct hash { uintptr_t type; int weak; size_t count, nbuckets;
	      struct entry **buckets; };
struct port { uintptr_t type; FILE *fp; V name; int output; };

static struct obj nil_obj = { T_NIL }, true_obj = { T_TRUE },
		  false_obj = { T_FALSE }, unspec_obj = { T_UNSPEC },
		  eof_obj = { T_EOF }, unbound_obj = { T_UNBOUND };
#define NIL (&nil_obj)
#define TRUE (&true_obj)
#define FALSE (&false_obj)
#define UNSPEC (&unspec_obj)
#define EOF_OBJ (&eof_obj)
#define UNBOUND (&unbound_obj)

#define FIXNUM_MAX (INTPTR_MAX >> 1)
#define FIXNUM_MIN (INTPTR_MIN >> 1)

static int is_fixnum(V v) { return ((uintptr_t)v & 1) != 0; }
static V fixnum(intptr_t n) { return (V)(((uintptr_t)n << 1) | 1); }
static intptr_t fixnum_value(V v) { return (intptr_t)(uintptr_t)v >> 1; }
static int is(V v, enum type t) { return !is_fixnum(v) && v->type == t; }
#define AS(T, v) ((struct T *)(void *)(v))

/* ---- Errors ---- */

static jmp_buf *error_jump;  /* where an error goes: the REPL or main */
static void print(FILE *f, V v, int write);

static void __attribute__((noreturn)) error(const char *msg, V irritant)
{
	fflush(stdout);
	fprintf(stderr, "error: %s", msg);
	if (irritant) {
		fputs(": ", stderr);
		print(stderr, irritant, 1);
	}
	fputc('\n', stderr);
	longjmp(*error_jump, 1);
}

/* ---- Allocation: the only places that call the collector ---- */

static size_t cells_allocated; /* for (room) */

/* The kind of the cells, or -1 when they are GC_MALLOC'd and scanned
 * conservatively (LISP_CELLS=conservative). */
static int cell_kind = -1;

/* One field of a cell for mark_cell: a fixnum is no reference, and
 * GC_MARK_AND_PUSH drops words outside the heap's plausible range (the
 * static constants) before asking the collector about the rest. */
static struct GC_ms_entry *mark_value(V *field, struct GC_ms_entry *msp,
				      struct GC_ms_entry *lim)
{
	V v = *field;
	if (!v || is_fixnum(v))
		return msp;
	return GC_MARK_AND_PUSH(v, msp, lim, (void **)field);
}

/* The mark procedure of the cells' kind: the collector calls it, while
 * the world is stopped and possibly on several marker threads, for each
 * reachable cell.  It pushes the fields that hold values and nothing
 * else: not fixnums, lengths, hashes, C pointers (a primitive's function
 * and name, a port's FILE), nor the hidden key of a weak entry, which
 * must not keep its key alive.  It must not allocate or lock.  A cell
 * reads as zeros until its type is stored (new cells are cleared), and
 * under bdwgc a cell on a free list, which a stale word may mark, starts
 * with the free-list link, no type at all: both push nothing. */
static struct GC_ms_entry *mark_cell(GC_word *addr, struct GC_ms_entry *msp,
				     struct GC_ms_entry *lim, GC_word env)
{
	(void)env;
	V o = (V)addr;
	switch (o->type) {
	case T_CONS:
		msp = mark_value(&AS(cons, o)->car, msp, lim);
		return mark_value(&AS(cons, o)->cdr, msp, lim);
	case T_SYMBOL:
		msp = mark_value(&AS(symbol, o)->value, msp, lim);
		msp = mark_value(&AS(symbol, o)->name, msp, lim);
		return mark_value(&AS(symbol, o)->next, msp, lim);
	case T_VECTOR:
		for (size_t i = 0; i < AS(vector, o)->len; i++)
			msp = mark_value(&AS(vector, o)->items[i], msp, lim);
		return msp;
	case T_CLOSURE:
		msp = mark_value(&AS(closure, o)->params, msp, lim);
		msp = mark_value(&AS(closure, o)->body, msp, lim);
		msp = mark_value(&AS(closure, o)->env, msp, lim);
		return mark_value(&AS(closure, o)->name, msp, lim);
	case T_HASH:
		/* The bucket array is a plain GC_MALLOC object of pointers. */
		return mark_value((V *)(void *)&AS(hash, o)->buckets, msp, lim);
	case T_ENTRY:
		if (!AS(entry, o)->hidden)
			msp = mark_value((V *)(void *)&AS(entry, o)->key, msp,
					 lim);
		msp = mark_value(&AS(entry, o)->value, msp, lim);
		return mark_value((V *)(void *)&AS(entry, o)->next, msp, lim);
	case T_PORT:
		return mark_value(&AS(port, o)->name, msp, lim);
	default: /* T_PRIM: C pointers only; 0: not yet typed; else: free */
		return msp;
	}
}

/* Make the cells' kind: a fresh free list (bdwgc's allocator uses it;
 * spangc keeps it for the client), a descriptor naming mark_cell, no size
 * added to it, objects handed out cleared. */
static void init_cell_kind(void)
{
	const char *mode = getenv("LISP_CELLS");
	if (mode && strcmp(mode, "conservative") == 0)
		return;
	if (mode && *mode && strcmp(mode, "marked") != 0) {
		fprintf(stderr, "lisp: LISP_CELLS=%s: expected marked or "
			"conservative\n", mode);
		exit(2);
	}
	unsigned proc = GC_new_proc(mark_cell);
	cell_kind = (int)GC_new_kind(GC_new_free_list(),
				     GC_MAKE_PROC(proc, 0), 0, 1);
}

/* A cell that may hold values: from the cells' kind, zeroed, scanned by
 * mark_cell (or GC_MALLOC'd and scanned conservatively). */
static void *new_cell(size_t bytes, enum type t)
{
	struct obj *o = cell_kind < 0 ? GC_MALLOC(bytes)
				      : GC_generic_malloc(bytes, cell_kind);
	if (!o) {
		fputs("lisp: out of memory\n", stderr);
		exit(2);
	}
	o->type = t;
	cells_allocated++;
	return o;
}

/* A cell without pointers (strings): never scanned. */
static void *new_atomic_cell(size_t bytes, enum type t)
{
	struct obj *o = GC_MALLOC_ATOMIC(bytes);
	if (!o) {
		fputs("lisp: out of memory\n", stderr);
		exit(2);
	}
	o->type = t;
	cells_allocated++;
	return o;
}

static V cons(V a, V d)
{
	struct cons *c = new_cell(sizeof *c, T_CONS);
	c->car = a;
	c->cdr = d;
	return (V)c;
}

static V car(V v)
{
	if (!is(v, T_CONS))
		error("car: not a pair", v);
	return AS(cons, v)->car;
}

static V cdr(V v)
{
	if (!is(v, T_CONS))
		error("cdr: not a pair", v);
	return AS(cons, v)->cdr;
}

#define CAR(v) (AS(cons, v)->car)
#define CDR(v) (AS(cons, v)->cdr)

static V make_string(const char *s, size_t len)
{
	struct string *str = new_atomic_cell(sizeof *str + len + 1, T_STRING);
	str->len = len;
	memcpy(str->chars, s, len);
	str->chars[len] = 0;
	return (V)str;
}

static V make_vector(size_t len, V fill)
{
	struct vector *v = new_cell(sizeof *v + len * sizeof(V), T_VECTOR);
	v->len = len;
	for (size_t i = 0; i < len; i++)
		v->items[i] = fill;
	return (V)v;
}

/* ---- Symbols: interned in a table that lives for ever ---- */

#define SYMTAB_SIZE 1024
static V *symtab; /* GC_MALLOC'd; reachable from this static */

static uintptr_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return (uintptr_t)h;
}

static V intern_n(const char *name, size_t len)
{
	size_t b = hash_bytes(name, len) % SYMTAB_SIZE;
	for (V s = symtab[b]; s; s = AS(symbol, s)->next) {
		struct string *n = AS(string, AS(symbol, s)->name);
		if (n->len == len && memcmp(n->chars, name, len) == 0)
			return s;
	}
	struct symbol *sym = new_cell(sizeof *sym, T_SYMBOL);
	sym->name = make_string(name, len);
	sym->value = UNBOUND;
	sym->next = symtab[b];
	symtab[b] = (V)sym;
	return (V)sym;
}

static V intern(const char *name)
{
	return intern_n(name, strlen(name));
}

static V s_quote, s_if, s_define, s_set, s_lambda, s_begin, s_let, s_letstar,
	s_letrec, s_cond, s_else, s_and, s_or, s_when, s_unless, s_arrow;

/* ---- Hash tables ---- */

static uintptr_t mix(uintptr_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static uintptr_t hash_value(V k)
{
	if (is(k, T_STRING))
		return hash_bytes(AS(string, k)->chars, AS(string, k)->len);
	return mix((uintptr_t)k); /* fixnums, and objects by address */
}

static int eqv(V a, V b)
{
	if (a == b)
		return 1;
	return is(a, T_STRING) && is(b, T_STRING) &&
	       AS(string, a)->len == AS(string, b)->len &&
	       memcmp(AS(string, a)->chars, AS(string, b)->chars,
		      AS(string, a)->len) == 0;
}

/* A heap object the table can hold weakly: not a fixnum, not a static
 * constant, not a symbol (symbols never die). */
static int weakly_held(V k)
{
	return !is_fixnum(k) && k->type >= T_CONS && k->type != T_SYMBOL;
}

/* The entry's key, or NULL once a weak key has died. */
static V entry_key(const struct entry *e)
{
	if (!e->hidden)
		return (V)e->key;
	uintptr_t h = e->key;
	return h ? (V)GC_REVEAL_POINTER(h) : NULL;
}

static V make_hash(int weak)
{
	struct hash *h = new_cell(sizeof *h, T_HASH);
	h->weak = weak;
	h->nbuckets = 16;
	h->buckets = GC_MALLOC(h->nbuckets * sizeof *h->buckets);
	if (!h->buckets)
		error("out of memory", NULL);
	return (V)h;
}

static void unlink_entry(struct hash *h, struct entry **link)
{
	struct entry *e = *link;
	if (e->hidden && e->key)
		GC_unregister_disappearing_link((void **)&e->key);
	*link = e->next;
	h->count--;
}

/* Find k's entry; drops dead weak entries met on the way. */
static struct entry **hash_find(struct hash *h, V k, uintptr_t hv)
{
	struct entry **link = &h->buckets[hv % h->nbuckets];
	while (*link) {
		struct entry *e = *link;
		V ek = entry_key(e);
		if (!ek) {
			unlink_entry(h, link);
			continue;
		}
		if (e->hash == hv && eqv(ek, k))
			return link;
		link = &e->next;
	}
	return link;
}

/* Drop every dead weak entry. */
static void hash_purge(struct hash *h)
{
	for (size_t b = 0; b < h->nbuckets; b++) {
		struct entry **link = &h->buckets[b];
		while (*link) {
			if (!entry_key(*link))
				unlink_entry(h, link);
			else
				link = &(*link)->next;
		}
	}
}

static void hash_grow(struct hash *h)
{
	hash_purge(h);
	if (h->count < 2 * h->nbuckets)
		return;
	size_t n = 2 * h->nbuckets;
	struct entry **b = GC_MALLOC(n * sizeof *b);
	if (!b)
		error("out of memory", NULL);
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct entry *e = h->buckets[i], *next;
		for (; e; e = next) { /* entries stay put: links need no move */
			next = e->next;
			e->next = b[e->hash % n];
			b[e->hash % n] = e;
		}
	}
	h->buckets = b;
	h->nbuckets = n;
}

static void hash_set(struct hash *h, V k, V v)
{
	uintptr_t hv = hash_value(k);
	struct entry **link = hash_find(h, k, hv);
	if (*link) {
		(*link)->value = v;
		return;
	}
	struct entry *e = new_cell(sizeof *e, T_ENTRY);
	e->hash = hv;
	e->value = v;
	if (h->weak && weakly_held(k)) {
		e->hidden = 1;
		e->key = GC_HIDE_POINTER(k);
		if (GC_general_register_disappearing_link((void **)&e->key,
							  k) == GC_NO_MEMORY)
			error("out of memory", NULL);
	} else {
		e->key = (uintptr_t)k;
	}
	e->next = h->buckets[hv % h->nbuckets];
	h->buckets[hv % h->nbuckets] = e;
	h->count++;
	if (h->count > 2 * h->nbuckets)
		hash_grow(h);
}

/* ---- Ports, closed by a finalizer when dropped open ---- */

static long ports_finalized;

static void GC_CALLBACK port_finalizer(void *obj, void *client_data)
{
	(void)client_data;
	struct port *p = obj;
	if (p->fp) {
		fclose(p->fp);
		p->fp = NULL;
		ports_finalized++;
	}
}

static V open_port(V name, int output)
{
	if (!is(name, T_STRING))
		error("open: not a file name", name);
	FILE *fp = fopen(AS(string, name)->chars, output ? "w" : "r");
	if (!fp)
		error(strerror(errno), name);
	struct port *p = new_cell(sizeof *p, T_PORT);
	p->fp = fp;
	p->name = name;
	p->output = output;
	GC_REGISTER_FINALIZER(p, port_finalizer, NULL, NULL, NULL);
	return (V)p;
}

/* ---- The reader ---- */

static int peek_char(FILE *in)
{
	int c = getc(in);
	if (c != EOF)
		ungetc(c, in);
	return c;
}

static void skip_space(FILE *in)
{
	int c;
	while ((c = getc(in)) != EOF) {
		if (c == ';') {
			while ((c = getc(in)) != EOF && c != '\n')
				;
		} else if (!isspace(c)) {
			ungetc(c, in);
			return;
		}
	}
}

static int delimiter(int c)
{
	return c == EOF || isspace(c) || c == '(' || c == ')' || c == '"' ||
	       c == ';' || c == '\'';
}

static V read_expr(FILE *in);

static V read_list(FILE *in, int close)
{
	V head = NIL, tail = NIL;
	for (;;) {
		skip_space(in);
		int c = peek_char(in);
		if (c == EOF)
			error("read: end of file inside a list", NULL);
		if (c == close) {
			getc(in);
			return head;
		}
		if (c == ')' || c == ']')
			error("read: mismatched close bracket", NULL);
		V x = read_expr(in);
		if (is(x, T_SYMBOL) && x == intern(".") && head != NIL) {
			V last = read_expr(in);
			skip_space(in);
			if (getc(in) != close)
				error("read: bad dotted list", NULL);
			CDR(tail) = last;
			return head;
		}
		V cell = cons(x, NIL);
		if (head == NIL)
			head = cell;
		else
			CDR(tail) = cell;
		tail = cell;
	}
}

static V read_string(FILE *in)
{
	size_t cap = 32, n = 0;
	char *buf = malloc(cap);
	int c;
	if (!buf)
		error("out of memory", NULL);
	while ((c = getc(in)) != '"') {
		if (c == EOF) {
			free(buf);
			error("read: end of file inside a string", NULL);
		}
		if (c == '\\') {
			c = getc(in);
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		if (n + 1 >= cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				error("out of memory", NULL);
			}
			buf = b;
		}
		buf[n++] = (char)c;
	}
	V s = make_string(buf, n);
	free(buf);
	return s;
}

static V read_atom(FILE *in)
{
	char buf[256];
	size_t n = 0;
	while (!delimiter(peek_char(in))) {
		if (n == sizeof buf - 1)
			error("read: symbol too long", NULL);
		buf[n++] = (char)getc(in);
	}
	buf[n] = 0;
	if (strcmp(buf, "#t") == 0)
		return TRUE;
	if (strcmp(buf, "#f") == 0)
		return FALSE;
	char *end;
	if ((isdigit((unsigned char)buf[0]) ||
	     ((buf[0] == '-' || buf[0] == '+') &&
	      isdigit((unsigned char)buf[1])))) {
		errno = 0;
		long long v = strtoll(buf, &end, 10);
		if (*end == 0) {
			if (errno || v > FIXNUM_MAX || v < FIXNUM_MIN)
				error("read: integer out of range",
				      make_string(buf, n));
			return fixnum((intptr_t)v);
		}
	}
	return intern_n(buf, n);
}

/* One expression, or EOF_OBJ at the end of the input. */
static V read_expr(FILE *in)
{
	skip_space(in);
	int c = getc(in);
	switch (c) {
	case EOF:
		return EOF_OBJ;
	case '(':
		return read_list(in, ')');
	case '[':
		return read_list(in, ']');
	case ')':
	case ']':
		error("read: unexpected close bracket", NULL);
	case '\'': {
		V x = read_expr(in);
		if (x == EOF_OBJ)
			error("read: end of file after a quote", NULL);
		return cons(s_quote, cons(x, NIL));
	}
	case '"':
		return read_string(in);
	case '#':
		if (peek_char(in) == '(') {
			getc(in);
			V l = read_list(in, ')');
			size_t n = 0;
			for (V p = l; p != NIL; p = CDR(p))
				n++;
			V v = make_vector(n, FALSE);
			for (size_t i = 0; i < n; i++, l = CDR(l))
				AS(vector, v)->items[i] = CAR(l);
			return v;
		}
		__attribute__((fallthrough)); /* #t, #f */
	default:
		ungetc(c, in);
		return read_atom(in);
	}
}

/* ---- The printer ---- */

static void print(FILE *f, V v, int write)
{
	if (is_fixnum(v)) {
		fprintf(f, "%" PRIdPTR, fixnum_value(v));
		return;
	}
	switch ((enum type)v->type) {
	case T_NIL: fputs("()", f); break;
	case T_TRUE: fputs("#t", f); break;
	case T_FALSE: fputs("#f", f); break;
	case T_UNSPEC: break;
	case T_EOF: fputs("#<eof>", f); break;
	case T_UNBOUND: fputs("#<unbound>", f); break;
	case T_SYMBOL:
		fputs(AS(string, AS(symbol, v)->name)->chars, f);
		break;
	case T_STRING: {
		struct string *s = AS(string, v);
		if (!write) {
			fwrite(s->chars, 1, s->len, f);
			break;
		}
		putc('"', f);
		for (size_t i = 0; i < s->len; i++) {
			char c = s->chars[i];
			if (c == '"' || c == '\\')
				putc('\\', f);
			if (c == '\n')
				fputs("\\n", f);
			else
				putc(c, f);
		}
		putc('"', f);
		break;
	}
	case T_CONS:
		putc('(', f);
		for (;;) {
			print(f, CAR(v), write);
			v = CDR(v);
			if (v == NIL)
				break;
			if (!is(v, T_CONS)) {
				fputs(" . ", f);
				print(f, v, write);
				break;
			}
			putc(' ', f);
		}
		putc(')', f);
		break;
	case T_VECTOR: {
		struct vector *vec = AS(vector, v);
		fputs("#(", f);
		for (size_t i = 0; i < vec->len; i++) {
			if (i)
				putc(' ', f);
			print(f, vec->items[i], write);
		}
		putc(')', f);
		break;
	}
	case T_CLOSURE:
		fputs("#<procedure", f);
		if (AS(closure, v)->name != NIL) {
			putc(' ', f);
			print(f, AS(closure, v)->name, 0);
		}
		putc('>', f);
		break;
	case T_PRIM:
		fprintf(f, "#<primitive %s>", AS(prim, v)->name);
		break;
	case T_HASH:
		fprintf(f, "#<%shash-table %zu>", AS(hash, v)->weak ? "weak " : "",
			AS(hash, v)->count);
		break;
	case T_PORT:
		fputs("#<port ", f);
		print(f, AS(port, v)->name, 0);
		putc('>', f);
		break;
	default:
		fputs("#<?>", f);
		break;
	}
}

/* ---- The evaluator ----
 * An environment is a list of frames, innermost first; a frame is a list
 * of (symbol . value) pairs.  Global variables live in the symbols'
 * value slots.  eval loops instead of recursing on every tail position
 * (if, cond, begin, let, and, or, when, unless and the body of a called
 * closure), so a loop written as tail recursion runs in constant C stack. */

static V lookup(V sym, V env)
{
	for (; env != NIL; env = CDR(env))
		for (V f = CAR(env); f != NIL; f = CDR(f))
			if (CAR(CAR(f)) == sym)
				return CAR(f);
	return NULL;
}

static V var_ref(V sym, V env)
{
	V pair = lookup(sym, env);
	if (pair)
		return CDR(pair);
	V v = AS(symbol, sym)->value;
	if (v == UNBOUND)
		error("unbound variable", sym);
	return v;
}

static void define_var(V sym, V val, V env)
{
	if (!is(sym, T_SYMBOL))
		error("define: not a symbol", sym);
	if (env == NIL) {
		AS(symbol, sym)->value = val;
		return;
	}
	for (V f = CAR(env); f != NIL; f = CDR(f))
		if (CAR(CAR(f)) == sym) {
			CDR(CAR(f)) = val;
			return;
		}
	CAR(env) = cons(cons(sym, val), CAR(env));
}

static V make_closure(V params, V body, V env, V name)
{
	if (body == NIL)
		error("lambda: empty body", NULL);
	struct closure *c = new_cell(sizeof *c, T_CLOSURE);
	c->params = params;
	c->body = body;
	c->env = env;
	c->name = name;
	return (V)c;
}

/* A new frame binding a closure's parameters to the arguments. */
static V bind(V fn, V args)
{
	struct closure *c = AS(closure, fn);
	V frame = NIL, p = c->params;
	for (; is(p, T_CONS); p = CDR(p)) {
		if (args == NIL)
			error("too few arguments to", fn);
		frame = cons(cons(CAR(p), CAR(args)), frame);
		args = CDR(args);
	}
	if (p != NIL) /* rest parameter */
		frame = cons(cons(p, args), frame);
	else if (args != NIL)
		error("too many arguments to", fn);
	return cons(frame, c->env);
}

static V eval(V x, V env);

static V call_prim(V fn, V args)
{
	struct prim *p = AS(prim, fn);
	int n = 0;
	for (V a = args; a != NIL; a = CDR(a))
		n++;
	if (n < p->min || (p->max >= 0 && n > p->max))
		error("wrong number of arguments to", fn);
	return p->fn(args);
}

/* Call fn on args from C (apply, map, for-each, sort). */
static V apply_proc(V fn, V args)
{
	if (is(fn, T_PRIM))
		return call_prim(fn, args);
	if (!is(fn, T_CLOSURE))
		error("not a procedure", fn);
	V env = bind(fn, args), body = AS(closure, fn)->body;
	for (; CDR(body) != NIL; body = CDR(body))
		eval(CAR(body), env);
	return eval(CAR(body), env);
}

static V eval_args(V args, V env)
{
	V head = NIL, tail = NIL;
	for (; args != NIL; args = cdr(args)) {
		V cell = cons(eval(car(args), env), NIL);
		if (head == NIL)
			head = cell;
		else
			CDR(tail) = cell;
		tail = cell;
	}
	return head;
}

static int truthy(V v)
{
	return v != FALSE;
}

static V eval(V x, V env)
{
	for (;;) {
		if (is(x, T_SYMBOL))
			return var_ref(x, env);
		if (!is(x, T_CONS))
			return x;
		V op = CAR(x), args = CDR(x);
		if (op == s_quote)
			return car(args);
		if (op == s_if) {
			V rest = cdr(args);
			if (truthy(eval(car(args), env))) {
				x = car(rest);
			} else {
				if (cdr(rest) == NIL)
					return UNSPEC;
				x = car(cdr(rest));
			}
			continue;
		}
		if (op == s_define) {
			V target = car(args);
			if (is(target, T_CONS)) { /* (define (f . params) body...) */
				V name = CAR(target);
				define_var(name, make_closure(CDR(target), cdr(args),
							      env, name), env);
			} else {
				V val = cdr(args) == NIL ? UNSPEC :
					eval(car(cdr(args)), env);
				if (is(val, T_CLOSURE) &&
				    AS(closure, val)->name == NIL)
					AS(closure, val)->name = target;
				define_var(target, val, env);
			}
			return UNSPEC;
		}
		if (op == s_set) {
			V sym = car(args), val = eval(car(cdr(args)), env);
			V pair = lookup(sym, env);
			if (pair)
				CDR(pair) = val;
			else if (is(sym, T_SYMBOL) &&
				 AS(symbol, sym)->value != UNBOUND)
				AS(symbol, sym)->value = val;
			else
				error("set!: unbound variable", sym);
			return UNSPEC;
		}
		if (op == s_lambda)
			return make_closure(car(args), cdr(args), env, NIL);
		if (op == s_begin) {
			if (args == NIL)
				return UNSPEC;
			for (; cdr(args) != NIL; args = CDR(args))
				eval(CAR(args), env);
			x = CAR(args);
			continue;
		}
		if (op == s_let || op == s_letstar || op == s_letrec) {
			V name = NIL;
			if (op == s_let && is(car(args), T_SYMBOL)) {
				name = CAR(args); /* named let */
				args = cdr(args);
			}
			V bindings = car(args), body = cdr(args);
			if (body == NIL)
				error("let: empty body", x);
			V newenv = cons(NIL, env);
			if (name != NIL) {
				/* (let loop ((v init) ...) body): loop is bound, in
				 * a frame of its own, to a closure over the vars. */
				V params = NIL, vals = NIL;
				for (V b = bindings; b != NIL; b = cdr(b)) {
					params = cons(car(car(b)), params);
					vals = cons(eval(car(cdr(car(b))), env),
						    vals);
				}
				V rp = NIL, rv = NIL; /* back in order */
				for (; params != NIL; params = CDR(params),
						     vals = CDR(vals)) {
					rp = cons(CAR(params), rp);
					rv = cons(CAR(vals), rv);
				}
				V fn = make_closure(rp, body, newenv, name);
				define_var(name, fn, newenv);
				env = bind(fn, rv);
			} else {
				for (V b = bindings; b != NIL; b = cdr(b)) {
					V sym = car(car(b));
					/* let evaluates in the outer env, let*
					 * and letrec in the one being built. */
					V val = eval(car(cdr(car(b))),
						     op == s_let ? env : newenv);
					CAR(newenv) = cons(cons(sym, val),
							   CAR(newenv));
				}
				env = newenv;
			}
			for (; CDR(body) != NIL; body = CDR(body))
				eval(CAR(body), env);
			x = CAR(body);
			continue;
		}
		if (op == s_cond) {
			V clause = NIL, test = FALSE;
			for (; args != NIL; args = cdr(args)) {
				clause = car(args);
				if (car(clause) == s_else ||
				    truthy(test = eval(car(clause), env)))
					break;
			}
			if (args == NIL)
				return UNSPEC;
			V body = cdr(clause);
			if (body == NIL)
				return test;
			if (car(body) == s_arrow) /* (test => f) */
				return apply_proc(eval(car(cdr(body)), env),
						  cons(test, NIL));
			for (; CDR(body) != NIL; body = CDR(body))
				eval(CAR(body), env);
			x = CAR(body);
			continue;
		}
		if (op == s_and || op == s_or) {
			if (args == NIL)
				return op == s_and ? TRUE : FALSE;
			for (; cdr(args) != NIL; args = CDR(args)) {
				V v = eval(CAR(args), env);
				if (op == s_and ? !truthy(v) : truthy(v))
					return v;
			}
			x = CAR(args);
			continue;
		}
		if (op == s_when || op == s_unless) {
			int t = truthy(eval(car(args), env));
			if (op == s_when ? !t : t)
				return UNSPEC;
			V body = cdr(args);
			if (body == NIL)
				return UNSPEC;
			for (; CDR(body) != NIL; body = CDR(body))
				eval(CAR(body), env);
			x = CAR(body);
			continue;
		}
		/* An application. */
		V fn = eval(op, env);
		V argv = eval_args(args, env);
		if (is(fn, T_PRIM))
			return call_prim(fn, argv);
		if (!is(fn, T_CLOSURE))
			error("not a procedure", fn);
		env = bind(fn, argv);
		V body = AS(closure, fn)->body;
		for (; CDR(body) != NIL; body = CDR(body))
			eval(CAR(body), env);
		x = CAR(body);
	}
}

/* ---- Primitives ---- */

#define ARG1 CAR(args)
#define ARG2 CAR(CDR(args))
#define ARG3 CAR(CDR(CDR(args)))
#define HAS2 (CDR(args) != NIL)
#define HAS3 (HAS2 && CDR(CDR(args)) != NIL)

static V boolean(int b) { return b ? TRUE : FALSE; }

static intptr_t num(V v, const char *who)
{
	if (!is_fixnum(v))
		error(who, v);
	return fixnum_value(v);
}

static V checked(intptr_t r, int overflow)
{
	if (overflow || r > FIXNUM_MAX || r < FIXNUM_MIN)
		error("integer overflow", NULL);
	return fixnum(r);
}

static V p_add(V args)
{
	intptr_t r = 0;
	for (; args != NIL; args = CDR(args))
		if (__builtin_add_overflow(r, num(CAR(args), "+: not a number"),
					   &r) || r > FIXNUM_MAX || r < FIXNUM_MIN)
			error("integer overflow", NULL);
	return fixnum(r);
}

static V p_mul(V args)
{
	intptr_t r = 1;
	for (; args != NIL; args = CDR(args))
		if (__builtin_mul_overflow(r, num(CAR(args), "*: not a number"),
					   &r) || r > FIXNUM_MAX || r < FIXNUM_MIN)
			error("integer overflow", NULL);
	return fixnum(r);
}

static V p_sub(V args)
{
	intptr_t r = num(ARG1, "-: not a number"), d;
	if (CDR(args) == NIL)
		return checked(-r, 0);
	for (args = CDR(args); args != NIL; args = CDR(args)) {
		d = num(CAR(args), "-: not a number");
		if (__builtin_sub_overflow(r, d, &r))
			error("integer overflow", NULL);
	}
	return checked(r, 0);
}

static V divide(V args, int op)
{
	intptr_t a = num(ARG1, "division: not a number");
	intptr_t b = num(ARG2, "division: not a number");
	if (b == 0)
		error("division by zero", NULL);
	intptr_t q = a / b, r = a % b;
	if (op == 0)
		return fixnum(q);
	if (op == 1)
		return fixnum(r);
	return fixnum(r != 0 && (r < 0) != (b < 0) ? r + b : r); /* modulo */
}

static V p_quotient(V args) { return divide(args, 0); }
static V p_remainder(V args) { return divide(args, 1); }
static V p_modulo(V args) { return divide(args, 2); }

static V compare(V args, int op)
{
	intptr_t a = num(ARG1, "comparison: not a number");
	for (args = CDR(args); args != NIL; args = CDR(args)) {
		intptr_t b = num(CAR(args), "comparison: not a number");
		int ok = op == 0 ? a == b : op == 1 ? a < b : op == 2 ? a > b :
			 op == 3 ? a <= b : a >= b;
		if (!ok)
			return FALSE;
		a = b;
	}
	return TRUE;
}

static V p_num_eq(V args) { return compare(args, 0); }
static V p_lt(V args) { return compare(args, 1); }
static V p_gt(V args) { return compare(args, 2); }
static V p_le(V args) { return compare(args, 3); }
static V p_ge(V args) { return compare(args, 4); }

static V p_cons(V args) { return cons(ARG1, ARG2); }
static V p_car(V args) { return car(ARG1); }
static V p_cdr(V args) { return cdr(ARG1); }

static V p_set_car(V args)
{
	if (!is(ARG1, T_CONS))
		error("set-car!: not a pair", ARG1);
	CAR(ARG1) = ARG2;
	return UNSPEC;
}

static V p_set_cdr(V args)
{
	if (!is(ARG1, T_CONS))
		error("set-cdr!: not a pair", ARG1);
	CDR(ARG1) = ARG2;
	return UNSPEC;
}

static V p_list(V args) { return args; }

static size_t list_length(V l)
{
	size_t n = 0;
	for (; is(l, T_CONS); l = CDR(l))
		n++;
	if (l != NIL)
		error("not a proper list", l);
	return n;
}

static V p_length(V args) { return fixnum((intptr_t)list_length(ARG1)); }

static V p_reverse(V args)
{
	V r = NIL;
	for (V l = ARG1; l != NIL; l = cdr(l))
		r = cons(car(l), r);
	return r;
}

static V p_append(V args)
{
	if (args == NIL)
		return NIL;
	V head = NIL, tail = NIL;
	for (; CDR(args) != NIL; args = CDR(args))
		for (V l = CAR(args); l != NIL; l = cdr(l)) {
			V cell = cons(car(l), NIL);
			if (head == NIL)
				head = cell;
			else
				CDR(tail) = cell;
			tail = cell;
		}
	if (head == NIL)
		return CAR(args);
	CDR(tail) = CAR(args);
	return head;
}

static int equal(V a, V b)
{
	if (eqv(a, b))
		return 1;
	if (is(a, T_CONS) && is(b, T_CONS))
		return equal(CAR(a), CAR(b)) && equal(CDR(a), CDR(b));
	if (is(a, T_VECTOR) && is(b, T_VECTOR)) {
		struct vector *x = AS(vector, a), *y = AS(vector, b);
		if (x->len != y->len)
			return 0;
		for (size_t i = 0; i < x->len; i++)
			if (!equal(x->items[i], y->items[i]))
				return 0;
		return 1;
	}
	return 0;
}

static V p_eq(V args) { return boolean(ARG1 == ARG2); }
static V p_eqv(V args) { return boolean(eqv(ARG1, ARG2)); }
static V p_equal(V args) { return boolean(equal(ARG1, ARG2)); }
static V p_not(V args) { return boolean(ARG1 == FALSE); }
static V p_nullp(V args) { return boolean(ARG1 == NIL); }
static V p_pairp(V args) { return boolean(is(ARG1, T_CONS)); }
static V p_numberp(V args) { return boolean(is_fixnum(ARG1)); }
static V p_stringp(V args) { return boolean(is(ARG1, T_STRING)); }
static V p_symbolp(V args) { return boolean(is(ARG1, T_SYMBOL)); }
static V p_vectorp(V args) { return boolean(is(ARG1, T_VECTOR)); }
static V p_booleanp(V args) { return boolean(ARG1 == TRUE || ARG1 == FALSE); }
static V p_hashp(V args) { return boolean(is(ARG1, T_HASH)); }
static V p_eofp(V args) { return boolean(ARG1 == EOF_OBJ); }

static V p_procedurep(V args)
{
	return boolean(is(ARG1, T_CLOSURE) || is(ARG1, T_PRIM));
}

static V p_apply(V args)
{
	/* (apply f a b ... list) */
	V fixed = NIL, rest = CDR(args);
	if (rest == NIL)
		return apply_proc(ARG1, NIL);
	V tail = NIL;
	for (; CDR(rest) != NIL; rest = CDR(rest)) {
		V cell = cons(CAR(rest), NIL);
		if (fixed == NIL)
			fixed = cell;
		else
			CDR(tail) = cell;
		tail = cell;
	}
	if (fixed == NIL)
		return apply_proc(ARG1, CAR(rest));
	CDR(tail) = CAR(rest);
	return apply_proc(ARG1, fixed);
}

static V p_map(V args)
{
	V head = NIL, tail = NIL;
	for (V l = ARG2; l != NIL; l = cdr(l)) {
		V cell = cons(apply_proc(ARG1, cons(car(l), NIL)), NIL);
		if (head == NIL)
			head = cell;
		else
			CDR(tail) = cell;
		tail = cell;
	}
	return head;
}

static V p_for_each(V args)
{
	for (V l = ARG2; l != NIL; l = cdr(l))
		apply_proc(ARG1, cons(car(l), NIL));
	return UNSPEC;
}

static FILE *out_port(V args, int at)
{
	V p = args;
	for (int i = 0; i < at && p != NIL; i++)
		p = CDR(p);
	if (p == NIL)
		return stdout;
	if (!is(CAR(p), T_PORT) || !AS(port, CAR(p))->output)
		error("not an output port", CAR(p));
	if (!AS(port, CAR(p))->fp)
		error("port is closed", CAR(p));
	return AS(port, CAR(p))->fp;
}

static V p_display(V args) { print(out_port(args, 1), ARG1, 0); return UNSPEC; }
static V p_write(V args) { print(out_port(args, 1), ARG1, 1); return UNSPEC; }
static V p_newline(V args) { putc('\n', out_port(args, 0)); return UNSPEC; }

static V p_error(V args)
{
	if (!is(ARG1, T_STRING))
		error("error", args);
	error(AS(string, ARG1)->chars, CDR(args) == NIL ? NULL : CDR(args));
}

static V p_exit(V args)
{
	fflush(stdout);
	exit(args == NIL ? 0 : (int)num(ARG1, "exit: not a number"));
}

static struct string *str(V v, const char *who)
{
	if (!is(v, T_STRING))
		error(who, v);
	return AS(string, v);
}

static V p_string_length(V args)
{
	return fixnum((intptr_t)str(ARG1, "string-length: not a string")->len);
}

static V p_string_append(V args)
{
	size_t n = 0;
	for (V a = args; a != NIL; a = CDR(a))
		n += str(CAR(a), "string-append: not a string")->len;
	struct string *s = new_atomic_cell(sizeof *s + n + 1, T_STRING);
	s->len = n;
	char *o = s->chars;
	for (V a = args; a != NIL; a = CDR(a)) {
		memcpy(o, AS(string, CAR(a))->chars, AS(string, CAR(a))->len);
		o += AS(string, CAR(a))->len;
	}
	*o = 0;
	return (V)s;
}

static V p_substring(V args)
{
	struct string *s = str(ARG1, "substring: not a string");
	intptr_t a = num(ARG2, "substring: bad index");
	intptr_t b = HAS3 ? num(ARG3, "substring: bad index") : (intptr_t)s->len;
	if (a < 0 || b < a || (size_t)b > s->len)
		error("substring: index out of range", args);
	return make_string(s->chars + a, (size_t)(b - a));
}

static V p_string_ref(V args)
{
	struct string *s = str(ARG1, "string-ref: not a string");
	intptr_t i = num(ARG2, "string-ref: bad index");
	if (i < 0 || (size_t)i >= s->len)
		error("string-ref: index out of range", ARG2);
	return make_string(s->chars + i, 1);
}

static V p_string_eq(V args)
{
	return boolean(eqv(ARG1, ARG2) && is(ARG1, T_STRING));
}

static V p_string_lt(V args)
{
	struct string *a = str(ARG1, "string<?: not a string");
	struct string *b = str(ARG2, "string<?: not a string");
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->chars, b->chars, n);
	return boolean(c < 0 || (c == 0 && a->len < b->len));
}

static V p_number_to_string(V args)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%" PRIdPTR,
			 num(ARG1, "number->string: not a number"));
	return make_string(buf, (size_t)n);
}

static V p_string_to_number(V args)
{
	struct string *s = str(ARG1, "string->number: not a string");
	char *end;
	errno = 0;
	long long v = strtoll(s->chars, &end, 10);
	if (s->len == 0 || *end || errno || v > FIXNUM_MAX || v < FIXNUM_MIN)
		return FALSE;
	return fixnum((intptr_t)v);
}

static V p_symbol_to_string(V args)
{
	if (!is(ARG1, T_SYMBOL))
		error("symbol->string: not a symbol", ARG1);
	return AS(symbol, ARG1)->name;
}

static V p_string_to_symbol(V args)
{
	struct string *s = str(ARG1, "string->symbol: not a string");
	return intern_n(s->chars, s->len);
}

static struct vector *vec(V v, const char *who)
{
	if (!is(v, T_VECTOR))
		error(who, v);
	return AS(vector, v);
}

static size_t index_of(V i, size_t len, const char *who)
{
	intptr_t k = num(i, who);
	if (k < 0 || (size_t)k >= len)
		error(who, i);
	return (size_t)k;
}

static V p_make_vector(V args)
{
	intptr_t n = num(ARG1, "make-vector: bad length");
	if (n < 0 || n > (intptr_t)1 << 40)
		error("make-vector: bad length", ARG1);
	return make_vector((size_t)n, HAS2 ? ARG2 : FALSE);
}

static V p_vector(V args)
{
	size_t n = list_length(args);
	V v = make_vector(n, FALSE);
	for (size_t i = 0; i < n; i++, args = CDR(args))
		AS(vector, v)->items[i] = CAR(args);
	return v;
}

static V p_vector_ref(V args)
{
	struct vector *v = vec(ARG1, "vector-ref: not a vector");
	return v->items[index_of(ARG2, v->len, "vector-ref: bad index")];
}

static V p_vector_set(V args)
{
	struct vector *v = vec(ARG1, "vector-set!: not a vector");
	v->items[index_of(ARG2, v->len, "vector-set!: bad index")] = ARG3;
	return UNSPEC;
}

static V p_vector_length(V args)
{
	return fixnum((intptr_t)vec(ARG1, "vector-length: not a vector")->len);
}

static V p_vector_to_list(V args)
{
	struct vector *v = vec(ARG1, "vector->list: not a vector");
	V l = NIL;
	for (size_t i = v->len; i-- > 0;)
		l = cons(v->items[i], l);
	return l;
}

static V p_list_to_vector(V args) { return p_vector(ARG1); }

static struct hash *table(V v, const char *who)
{
	if (!is(v, T_HASH))
		error(who, v);
	return AS(hash, v);
}

static V p_make_hash_table(V args) { (void)args; return make_hash(0); }
static V p_make_weak_hash_table(V args) { (void)args; return make_hash(1); }

static V p_hash_ref(V args)
{
	struct hash *h = table(ARG1, "hash-ref: not a hash table");
	struct entry **e = hash_find(h, ARG2, hash_value(ARG2));
	if (*e)
		return (*e)->value;
	return HAS3 ? ARG3 : FALSE;
}

static V p_hash_set(V args)
{
	hash_set(table(ARG1, "hash-set!: not a hash table"), ARG2, ARG3);
	return UNSPEC;
}

static V p_hash_remove(V args)
{
	struct hash *h = table(ARG1, "hash-remove!: not a hash table");
	struct entry **e = hash_find(h, ARG2, hash_value(ARG2));
	if (*e)
		unlink_entry(h, e);
	return UNSPEC;
}

static V p_hash_count(V args)
{
	struct hash *h = table(ARG1, "hash-count: not a hash table");
	hash_purge(h);
	return fixnum((intptr_t)h->count);
}

static V p_hash_keys(V args)
{
	struct hash *h = table(ARG1, "hash-keys: not a hash table");
	hash_purge(h);
	V l = NIL;
	for (size_t b = 0; b < h->nbuckets; b++)
		for (struct entry *e = h->buckets[b]; e; e = e->next) {
			V k = entry_key(e);
			if (k)
				l = cons(k, l);
		}
	return l;
}

static V p_open_output_file(V args) { return open_port(ARG1, 1); }
static V p_open_input_file(V args) { return open_port(ARG1, 0); }

static V p_close_port(V args)
{
	if (!is(ARG1, T_PORT))
		error("close-port: not a port", ARG1);
	struct port *p = AS(port, ARG1);
	if (p->fp)
		fclose(p->fp);
	p->fp = NULL;
	return UNSPEC;
}

static V p_read_line(V args)
{
	if (!is(ARG1, T_PORT) || AS(port, ARG1)->output || !AS(port, ARG1)->fp)
		error("read-line: not an open input port", ARG1);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, AS(port, ARG1)->fp);
	if (n < 0) {
		free(line);
		return EOF_OBJ;
	}
	if (n > 0 && line[n - 1] == '\n')
		n--;
	V s = make_string(line, (size_t)n);
	free(line);
	return s;
}

static V p_ports_finalized(V args)
{
	(void)args;
	return fixnum(ports_finalized);
}

static V p_gc(V args)
{
	(void)args;
	GC_gcollect();
	GC_invoke_finalizers();
	return fixnum((intptr_t)GC_get_gc_no());
}

static V p_room(V args)
{
	(void)args;
	fflush(stdout);
	printf("room: heap %zu KiB, free %zu KiB, %lu collections, "
	       "%zu KiB allocated, %zu cells\n", GC_get_heap_size() >> 10,
	       GC_get_free_bytes() >> 10, (unsigned long)GC_get_gc_no(),
	       GC_get_total_bytes() >> 10, cells_allocated);
	return UNSPEC;
}

static V command_line = NIL;
static V p_command_line(V args) { (void)args; return command_line; }

static const struct { const char *name; prim_fn fn; int min, max; } prims[] = {
	{ "+", p_add, 0, -1 }, { "-", p_sub, 1, -1 }, { "*", p_mul, 0, -1 },
	{ "quotient", p_quotient, 2, 2 }, { "remainder", p_remainder, 2, 2 },
	{ "modulo", p_modulo, 2, 2 }, { "=", p_num_eq, 1, -1 },
	{ "<", p_lt, 1, -1 }, { ">", p_gt, 1, -1 }, { "<=", p_le, 1, -1 },
	{ ">=", p_ge, 1, -1 }, { "cons", p_cons, 2, 2 }, { "car", p_car, 1, 1 },
	{ "cdr", p_cdr, 1, 1 }, { "set-car!", p_set_car, 2, 2 },
	{ "set-cdr!", p_set_cdr, 2, 2 }, { "list", p_list, 0, -1 },
	{ "length", p_length, 1, 1 }, { "reverse", p_reverse, 1, 1 },
	{ "append", p_append, 0, -1 }, { "eq?", p_eq, 2, 2 },
	{ "eqv?", p_eqv, 2, 2 }, { "equal?", p_equal, 2, 2 },
	{ "not", p_not, 1, 1 }, { "null?", p_nullp, 1, 1 },
	{ "pair?", p_pairp, 1, 1 }, { "number?", p_numberp, 1, 1 },
	{ "string?", p_stringp, 1, 1 }, { "symbol?", p_symbolp, 1, 1 },
	{ "vector?", p_vectorp, 1, 1 }, { "boolean?", p_booleanp, 1, 1 },
	{ "procedure?", p_procedurep, 1, 1 }, { "hash-table?", p_hashp, 1, 1 },
	{ "eof-object?", p_eofp, 1, 1 }, { "apply", p_apply, 1, -1 },
	{ "map", p_map, 2, 2 }, { "for-each", p_for_each, 2, 2 },
	{ "display", p_display, 1, 2 }, { "write", p_write, 1, 2 },
	{ "newline", p_newline, 0, 1 }, { "error", p_error, 1, -1 },
	{ "exit", p_exit, 0, 1 }, { "string-length", p_string_length, 1, 1 },
	{ "string-append", p_string_append, 0, -1 },
	{ "substring", p_substring, 2, 3 }, { "string-ref", p_string_ref, 2, 2 },
	{ "string=?", p_string_eq, 2, 2 }, { "string<?", p_string_lt, 2, 2 },
	{ "number->string", p_number_to_string, 1, 1 },
	{ "string->number", p_string_to_number, 1, 1 },
	{ "symbol->string", p_symbol_to_string, 1, 1 },
	{ "string->symbol", p_string_to_symbol, 1, 1 },
	{ "make-vector", p_make_vector, 1, 2 }, { "vector", p_vector, 0, -1 },
	{ "vector-ref", p_vector_ref, 2, 2 }, { "vector-set!", p_vector_set, 3, 3 },
	{ "vector-length", p_vector_length, 1, 1 },
	{ "vector->list", p_vector_to_list, 1, 1 },
	{ "list->vector", p_list_to_vector, 1, 1 },
	{ "make-hash-table", p_make_hash_table, 0, 0 },
	{ "make-weak-hash-table", p_make_weak_hash_table, 0, 0 },
	{ "hash-ref", p_hash_ref, 2, 3 }, { "hash-set!", p_hash_set, 3, 3 },
	{ "hash-remove!", p_hash_remove, 2, 2 },
	{ "hash-count", p_hash_count, 1, 1 }, { "hash-keys", p_hash_keys, 1, 1 },
	{ "open-output-file", p_open_output_file, 1, 1 },
	{ "open-input-file", p_open_input_file, 1, 1 },
	{ "close-port", p_close_port, 1, 1 }, { "read-line", p_read_line, 1, 1 },
	{ "ports-finalized", p_ports_finalized, 0, 0 }, { "gc", p_gc, 0, 0 },
	{ "room", p_room, 0, 0 }, { "command-line", p_command_line, 0, 0 },
};

/* Definitions written in the language itself. */
static const char prelude[] =
	"(define (caar x) (car (car x)))"
	"(define (cadr x) (car (cdr x)))"
	"(define (cdar x) (cdr (car x)))"
	"(define (cddr x) (cdr (cdr x)))"
	"(define (caddr x) (car (cddr x)))"
	"(define (zero? n) (= n 0))"
	"(define (even? n) (= (remainder n 2) 0))"
	"(define (odd? n) (not (even? n)))"
	"(define (abs n) (if (< n 0) (- n) n))"
	"(define (min a . r) (if (null? r) a (let ((m (apply min r)))"
	"  (if (< a m) a m))))"
	"(define (max a . r) (if (null? r) a (let ((m (apply max r)))"
	"  (if (> a m) a m))))"
	"(define (list-tail l k) (if (= k 0) l (list-tail (cdr l) (- k 1))))"
	"(define (list-ref l k) (car (list-tail l k)))"
	"(define (memq x l) (cond ((null? l) #f) ((eq? x (car l)) l)"
	"  (else (memq x (cdr l)))))"
	"(define (member x l) (cond ((null? l) #f) ((equal? x (car l)) l)"
	"  (else (member x (cdr l)))))"
	"(define (assq x l) (cond ((null? l) #f) ((eq? x (caar l)) (car l))"
	"  (else (assq x (cdr l)))))"
	"(define (assoc x l) (cond ((null? l) #f) ((equal? x (caar l)) (car l))"
	"  (else (assoc x (cdr l)))))"
	"(define (filter p l) (let loop ((l l) (acc '()))"
	"  (cond ((null? l) (reverse acc)) ((p (car l)) (loop (cdr l) (cons (car l) acc)))"
	"        (else (loop (cdr l) acc)))))"
	"(define (fold-left f acc l) (if (null? l) acc"
	"  (fold-left f (f acc (car l)) (cdr l))))"
	"(define (iota n) (let loop ((i (- n 1)) (acc '()))"
	"  (if (< i 0) acc (loop (- i 1) (cons i acc)))))"
	"(define (print . xs) (for-each display xs) (newline))";

/* ---- Driving it ---- */

static void init(void)
{
	GC_INIT();
	init_cell_kind();
	symtab = GC_MALLOC(SYMTAB_SIZE * sizeof *symtab);
	if (!symtab) {
		fputs("lisp: out of memory\n", stderr);
		exit(2);
	}
	s_quote = intern("quote");
	s_if = intern("if");
	s_define = intern("define");
	s_set = intern("set!");
	s_lambda = intern("lambda");
	s_begin = intern("begin");
	s_let = intern("let");
	s_letstar = intern("let*");
	s_letrec = intern("letrec");
	s_cond = intern("cond");
	s_else = intern("else");
	s_and = intern("and");
	s_or = intern("or");
	s_when = intern("when");
	s_unless = intern("unless");
	s_arrow = intern("=>");
	for (size_t i = 0; i < sizeof prims / sizeof *prims; i++) {
		struct prim *p = new_cell(sizeof *p, T_PRIM);
		p->fn = prims[i].fn;
		p->name = prims[i].name;
		p->min = prims[i].min;
		p->max = prims[i].max;
		AS(symbol, intern(p->name))->value = (V)p;
	}
	FILE *in = fmemopen((void *)prelude, sizeof prelude - 1, "r");
	if (!in) {
		perror("lisp: prelude");
		exit(2);
	}
	jmp_buf jb;
	error_jump = &jb;
	if (setjmp(jb)) {
		fputs("lisp: the prelude failed\n", stderr);
		exit(2);
	}
	for (V x; (x = read_expr(in)) != EOF_OBJ;)
		eval(x, NIL);
	fclose(in);
}

/* Evaluate every expression of in; with echo, print each value (the REPL).
 * Returns 0, or 1 after an error when stop_on_error. */
static int run(FILE *in, int echo, int stop_on_error)
{
	jmp_buf jb;
	jmp_buf *volatile saved = error_jump;
	volatile int failed = 0;
	error_jump = &jb;
	for (;;) {
		if (setjmp(jb)) {
			failed = 1;
			if (stop_on_error)
				break;
			/* Skip the rest of the line the error was on. */
			if (echo) {
				int c;
				while ((c = getc(in)) != EOF && c != '\n')
					;
			}
		}
		if (echo && isatty(0)) {
			fputs("> ", stdout);
			fflush(stdout);
		}
		V x = read_expr(in);
		if (x == EOF_OBJ)
			break;
		V v = eval(x, NIL);
		if (echo && v != UNSPEC) {
			print(stdout, v, 1);
			putchar('\n');
		}
	}
	error_jump = saved;
	fflush(stdout);
	return failed;
}

static void usage(void)
{
	fputs("usage: lisp [FILE [ARG...]]   run FILE, or a REPL on stdin\n"
	      "       lisp -e EXPR            evaluate EXPR and print it\n",
	      stderr);
}

int main(int argc, char **argv)
{
	init();
	if (argc > 1 && strcmp(argv[1], "-e") == 0) {
		if (argc != 3) {
			usage();
			return 2;
		}
		FILE *in = fmemopen(argv[2], strlen(argv[2]), "r");
		return in ? run(in, 1, 1) : 2;
	}
	if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		usage();
		return 2;
	}
	if (argc == 1 || strcmp(argv[1], "-") == 0)
		return run(stdin, 1, 0) ? 1 : 0;
	for (int i = argc - 1; i >= 1; i--)
		command_line = cons(make_string(argv[i], strlen(argv[i])),
				    command_line);
	FILE *in = fopen(argv[1], "r");
	if (!in) {
		fprintf(stderr, "lisp: cannot open %s: %s\n", argv[1],
			strerror(errno));
		return 2;
	}
	int rc = run(in, 0, 1);
	fclose(in);
	GC_invoke_finalizers();
	return rc;
}
