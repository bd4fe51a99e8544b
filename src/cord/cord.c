/*
 * cord.c: cords (cord.h, cord_pos.h, ec.h) on the collector: libcord.
 *
 * A cord is CORD_EMPTY, a C string (a leaf), or a node: a concatenation
 * (left, right, left's length) or a function leaf (fn, client data).  A
 * node's first byte is 0, which no nonempty C string has.  Nodes and
 * strings come from the collector (nodes scanned, strings pointer-free)
 * and are never changed after they are made.
 *
 * Invariants: a node's len is the sum of its leaves' lengths and is not
 * 0; depth(concatenation) = 1 + the deeper child's depth <= MAX_DEPTH
 * (cord_pos.h), a deeper result being rebalanced at once, so that
 * positions and the recursive walks below stay within bounds.  Short
 * strings (SHORT_LIMIT) are merged into one leaf rather than linked.
 *
 * Substrings: of a string's tail, the tail itself; of a short piece, a
 * copy; otherwise a function leaf reading the original, so that taking
 * one is cheap whatever its length.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gc/gc.h>
#include <gc/cord.h>
#include <gc/ec.h>

void (*CORD_oom_fn)(void);

enum { CONCAT = 1, FUNCTION = 2 };
#define SHORT_LIMIT 15

struct node {
	char nul;            /* 0: a node, not a string */
	char kind;           /* CONCAT or FUNCTION */
	unsigned char depth; /* concatenation: 1 + deeper child; else 0 */
	size_t len;
	union {
		struct {
			CORD left, right;
			size_t left_len;
		} cat;
		struct {
			CORD_fn fn;
			void *cd;
		} fn;
	} u;
};

static const struct node *node_of(CORD x)
{
	return (const struct node *)(const void *)x;
}

static int is_node(CORD x)
{
	return x && x[0] == '\0';
}

static void oom(void)
{
	if (CORD_oom_fn)
		CORD_oom_fn();
	fputs("CORD: out of memory\n", stderr);
	abort();
}

static struct node *new_node(void)
{
	struct node *n = GC_MALLOC(sizeof *n);
	if (!n)
		oom();
	return n;
}

/* A fresh string of the n characters at s (no NUL among them). */
static char *new_string(const char *s, size_t n)
{
	char *p = GC_MALLOC_ATOMIC(n + 1);
	if (!p)
		oom();
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

size_t CORD_len(CORD x)
{
	if (!x)
		return 0;
	return is_node(x) ? node_of(x)->len : strlen(x);
}

static int depth_of(CORD x)
{
	return is_node(x) ? node_of(x)->depth : 0;
}

/* The concatenation of nonempty x (length lx) and y (length ly). */
static CORD concat(CORD x, size_t lx, CORD y, size_t ly)
{
	struct node *n = new_node();
	int dx = depth_of(x), dy = depth_of(y);
	n->kind = CONCAT;
	n->depth = (unsigned char)((dx > dy ? dx : dy) + 1);
	n->len = lx + ly;
	n->u.cat.left = x;
	n->u.cat.right = y;
	n->u.cat.left_len = lx;
	if (n->depth > MAX_DEPTH)
		return CORD_balance((CORD)n);
	return (CORD)n;
}

/* x followed by the string leaf y of length ly (both nonempty). */
static CORD cat_leaf(CORD x, size_t lx, CORD y, size_t ly)
{
	if (!is_node(x) && lx + ly <= SHORT_LIMIT) {
		char buf[SHORT_LIMIT];
		memcpy(buf, x, lx);
		memcpy(buf + lx, y, ly);
		return new_string(buf, lx + ly);
	}
	if (is_node(x) && node_of(x)->kind == CONCAT) {
		const struct node *n = node_of(x);
		CORD r = n->u.cat.right;
		size_t lr = n->len - n->u.cat.left_len;
		if (!is_node(r) && lr + ly <= SHORT_LIMIT)
			return concat(n->u.cat.left, n->u.cat.left_len,
				      cat_leaf(r, lr, y, ly), lr + ly);
	}
	return concat(x, lx, y, ly);
}

CORD CORD_cat_char_star(CORD x, const char *y, size_t leny)
{
	if (leny == 0)
		return x;
	CORD leaf = new_string(y, leny);
	if (!x)
		return leaf;
	return cat_leaf(x, CORD_len(x), leaf, leny);
}

CORD CORD_cat(CORD x, CORD y)
{
	if (!y)
		return x;
	if (!x)
		return y;
	size_t lx = CORD_len(x), ly = CORD_len(y);
	if (!is_node(y))
		return cat_leaf(x, lx, y, ly);
	return concat(x, lx, y, ly);
}

CORD CORD_from_fn(CORD_fn fn, void *client_data, size_t len)
{
	if (len == 0)
		return CORD_EMPTY;
	if (len <= SHORT_LIMIT) {
		char buf[SHORT_LIMIT];
		size_t i;
		for (i = 0; i < len; i++) {
			buf[i] = fn(i, client_data);
			if (buf[i] == 0)
				break;
		}
		if (i == len)
			return new_string(buf, len);
	}
	struct node *n = new_node();
	n->kind = FUNCTION;
	n->depth = 0;
	n->len = len;
	n->u.fn.fn = fn;
	n->u.fn.cd = client_data;
	return (CORD)n;
}

/* ---- substrings ---- */

static char string_char(size_t i, void *cd)
{
	return ((const char *)cd)[i];
}

struct shifted {
	CORD_fn fn;
	void *cd;
	size_t off;
};

static char shifted_char(size_t i, void *cd)
{
	const struct shifted *s = cd;
	return s->fn(s->off + i, s->cd);
}

CORD CORD_substr(CORD x, size_t i, size_t n)
{
	size_t lx = CORD_len(x);
	if (i >= lx || n == 0)
		return CORD_EMPTY;
	if (n > lx - i)
		n = lx - i;
	if (i == 0 && n == lx)
		return x;
	if (!is_node(x)) {
		if (i + n == lx)
			return x + i;
		if (n <= SHORT_LIMIT)
			return new_string(x + i, n);
		return CORD_from_fn(string_char, (void *)(x + i), n);
	}
	const struct node *nd = node_of(x);
	if (nd->kind == CONCAT) {
		size_t ll = nd->u.cat.left_len;
		if (i + n <= ll)
			return CORD_substr(nd->u.cat.left, i, n);
		if (i >= ll)
			return CORD_substr(nd->u.cat.right, i - ll, n);
		return CORD_cat(CORD_substr(nd->u.cat.left, i, ll - i),
				CORD_substr(nd->u.cat.right, 0, n - (ll - i)));
	}
	if (nd->u.fn.fn == string_char)
		return CORD_from_fn(string_char, (char *)nd->u.fn.cd + i, n);
	struct shifted *s = GC_MALLOC(sizeof *s);
	if (!s)
		oom();
	if (nd->u.fn.fn == shifted_char) {
		*s = *(const struct shifted *)nd->u.fn.cd;
		s->off += i;
	} else {
		s->fn = nd->u.fn.fn;
		s->cd = nd->u.fn.cd;
		s->off = i;
	}
	return CORD_from_fn(shifted_char, s, n);
}

char CORD_fetch(CORD x, size_t i)
{
	for (;;) {
		if (!is_node(x))
			return x[i];
		const struct node *n = node_of(x);
		if (n->kind == FUNCTION)
			return n->u.fn.fn(i, n->u.fn.cd);
		if (i < n->u.cat.left_len) {
			x = n->u.cat.left;
		} else {
			i -= n->u.cat.left_len;
			x = n->u.cat.right;
		}
	}
}

/* ---- balancing ---- */

static size_t count_leaves(CORD x)
{
	if (is_node(x) && node_of(x)->kind == CONCAT)
		return count_leaves(node_of(x)->u.cat.left) +
		       count_leaves(node_of(x)->u.cat.right);
	return 1;
}

static void gather(CORD x, CORD *leaves, size_t *lens, size_t *k)
{
	if (is_node(x) && node_of(x)->kind == CONCAT) {
		gather(node_of(x)->u.cat.left, leaves, lens, k);
		gather(node_of(x)->u.cat.right, leaves, lens, k);
		return;
	}
	leaves[*k] = x;
	lens[*k] = CORD_len(x);
	(*k)++;
}

/* A tree of depth ceil(log2(hi - lo)) over leaves [lo, hi). */
static CORD build(CORD *leaves, size_t *lens, size_t lo, size_t hi,
		  size_t *len)
{
	if (hi - lo == 1) {
		*len = lens[lo];
		return leaves[lo];
	}
	size_t mid = lo + (hi - lo) / 2, ll, lr;
	CORD l = build(leaves, lens, lo, mid, &ll);
	CORD r = build(leaves, lens, mid, hi, &lr);
	struct node *n = new_node();
	int dl = depth_of(l), dr = depth_of(r);
	n->kind = CONCAT;
	n->depth = (unsigned char)((dl > dr ? dl : dr) + 1);
	n->len = ll + lr;
	n->u.cat.left = l;
	n->u.cat.right = r;
	n->u.cat.left_len = ll;
	*len = n->len;
	return (CORD)n;
}

CORD CORD_balance(CORD x)
{
	if (!is_node(x) || node_of(x)->kind != CONCAT)
		return x;
	size_t n = count_leaves(x), k = 0, len;
	CORD *leaves = GC_MALLOC(n * sizeof *leaves);
	size_t *lens = GC_MALLOC_ATOMIC(n * sizeof *lens);
	if (!leaves || !lens)
		oom();
	gather(x, leaves, lens, &k);
	return build(leaves, lens, 0, n, &len);
}

/* ---- iteration ---- */

int CORD_iter5(CORD x, size_t i, CORD_iter_fn f1, CORD_batched_iter_fn f2,
	       void *client_data)
{
	int r;
	if (!x)
		return 0;
	if (!is_node(x)) {
		if (f2)
			return f2(x + i, client_data);
		for (const char *p = x + i; *p; p++)
			if ((r = f1(*p, client_data)) != 0)
				return r;
		return 0;
	}
	const struct node *n = node_of(x);
	if (n->kind == FUNCTION) {
		for (size_t j = i; j < n->len; j++)
			if ((r = f1(n->u.fn.fn(j, n->u.fn.cd), client_data)) != 0)
				return r;
		return 0;
	}
	size_t ll = n->u.cat.left_len;
	if (i < ll) {
		r = CORD_iter5(n->u.cat.left, i, f1, f2, client_data);
		if (r)
			return r;
		return CORD_iter5(n->u.cat.right, 0, f1, f2, client_data);
	}
	return CORD_iter5(n->u.cat.right, i - ll, f1, f2, client_data);
}

int (CORD_iter)(CORD x, CORD_iter_fn f1, void *client_data)
{
	return CORD_iter5(x, 0, f1, CORD_NO_FN, client_data);
}

int CORD_riter4(CORD x, size_t i, CORD_iter_fn f1, void *client_data)
{
	int r;
	if (!x)
		return 0;
	if (!is_node(x)) {
		for (size_t j = i + 1; j-- > 0;)
			if ((r = f1(x[j], client_data)) != 0)
				return r;
		return 0;
	}
	const struct node *n = node_of(x);
	if (n->kind == FUNCTION) {
		for (size_t j = i + 1; j-- > 0;)
			if ((r = f1(n->u.fn.fn(j, n->u.fn.cd), client_data)) != 0)
				return r;
		return 0;
	}
	size_t ll = n->u.cat.left_len;
	if (i >= ll) {
		r = CORD_riter4(n->u.cat.right, i - ll, f1, client_data);
		if (r)
			return r;
		return CORD_riter4(n->u.cat.left, ll - 1, f1, client_data);
	}
	return CORD_riter4(n->u.cat.left, i, f1, client_data);
}

int CORD_riter(CORD x, CORD_iter_fn f1, void *client_data)
{
	size_t n = CORD_len(x);
	return n ? CORD_riter4(x, n - 1, f1, client_data) : 0;
}

/* ---- positions ---- */

static void invalidate(CORD_pos p)
{
	p[0].path_len = CORD_POS_INVALID;
	p[0].cur_end = 0;
}

/* Walk from the path's last entry (a cord of length len) down to the
 * leaf holding cur_pos and set the window. */
static void descend(CORD_pos p, size_t len)
{
	struct CORD_Pos *q = &p[0];
	CORD c = q->path[q->path_len].pe_cord;
	size_t s = q->path[q->path_len].pe_start_pos;
	while (is_node(c) && node_of(c)->kind == CONCAT) {
		const struct node *n = node_of(c);
		if (q->cur_pos < s + n->u.cat.left_len) {
			c = n->u.cat.left;
			len = n->u.cat.left_len;
		} else {
			c = n->u.cat.right;
			s += n->u.cat.left_len;
			len = n->len - n->u.cat.left_len;
		}
		q->path_len++;
		q->path[q->path_len].pe_cord = c;
		q->path[q->path_len].pe_start_pos = s;
	}
	if (!is_node(c)) {
		q->cur_leaf = c;
		q->cur_start = s;
		q->cur_end = s + len;
		return;
	}
	const struct node *n = node_of(c);
	size_t k = s + len - q->cur_pos;
	if (k > FUNCTION_BUF_SZ)
		k = FUNCTION_BUF_SZ;
	for (size_t j = 0; j < k; j++)
		q->function_buf[j] = n->u.fn.fn(q->cur_pos - s + j, n->u.fn.cd);
	q->cur_leaf = q->function_buf;
	q->cur_start = q->cur_pos;
	q->cur_end = q->cur_pos + k;
}

void CORD_set_pos(CORD_pos p, CORD x, size_t i)
{
	size_t len = CORD_len(x);
	p[0].path[0].pe_cord = x;
	p[0].path[0].pe_start_pos = 0;
	p[0].cur_pos = i;
	if (i >= len) {
		invalidate(p);
		return;
	}
	p[0].path_len = 0;
	descend(p, len);
}

void CORD__next(CORD_pos p)
{
	if (p[0].path_len == CORD_POS_INVALID)
		return;
	CORD_set_pos(p, p[0].path[0].pe_cord, p[0].cur_pos + 1);
}

void CORD__prev(CORD_pos p)
{
	if (p[0].path_len == CORD_POS_INVALID)
		return;
	if (p[0].cur_pos == 0) {
		invalidate(p);
		return;
	}
	CORD_set_pos(p, p[0].path[0].pe_cord, p[0].cur_pos - 1);
}

char CORD__pos_fetch(CORD_pos p)
{
	if (p[0].path_len == CORD_POS_INVALID) {
		fputs("CORD_pos_fetch: position past the end\n", stderr);
		abort();
	}
	return CORD_fetch(p[0].path[0].pe_cord, p[0].cur_pos);
}

/* The function forms of cord_pos.h's macros. */
char (CORD_pos_fetch)(CORD_pos p)
{
	return CORD_pos_fetch(p);
}

void (CORD_next)(CORD_pos p)
{
	(void)CORD_next(p);
}

void (CORD_prev)(CORD_pos p)
{
	(void)CORD_prev(p);
}

CORD (CORD_pos_to_cord)(CORD_pos p)
{
	return CORD_pos_to_cord(p);
}

size_t (CORD_pos_to_index)(CORD_pos p)
{
	return CORD_pos_to_index(p);
}

int (CORD_pos_valid)(CORD_pos p)
{
	return CORD_pos_valid(p);
}

/* ---- the rest of cord.h ---- */

CORD CORD_cat_char(CORD x, char c)
{
	if (c == 0)
		return CORD_cat(x, CORD_nul(1));
	return CORD_cat_char_star(x, &c, 1);
}

CORD CORD_catn(int n, ...)
{
	CORD r = CORD_EMPTY;
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		r = CORD_cat(r, va_arg(ap, CORD));
	va_end(ap);
	return r;
}

int CORD_cmp(CORD x, CORD y)
{
	CORD_pos xp, yp;
	if (!y)
		return CORD_len(x) != 0;
	if (!x)
		return -1;
	if (!is_node(x) && !is_node(y))
		return strcmp(x, y);
	CORD_set_pos(xp, x, 0);
	CORD_set_pos(yp, y, 0);
	for (;;) {
		if (!CORD_pos_valid(xp))
			return CORD_pos_valid(yp) ? -1 : 0;
		if (!CORD_pos_valid(yp))
			return 1;
		unsigned char cx = (unsigned char)CORD_pos_fetch(xp);
		unsigned char cy = (unsigned char)CORD_pos_fetch(yp);
		if (cx != cy)
			return cx < cy ? -1 : 1;
		CORD_next(xp);
		CORD_next(yp);
	}
}

int CORD_ncmp(CORD x, size_t x_start, CORD y, size_t y_start, size_t len)
{
	CORD_pos xp, yp;
	CORD_set_pos(xp, x, x_start);
	CORD_set_pos(yp, y, y_start);
	for (size_t k = 0; k < len; k++) {
		int vx = CORD_pos_valid(xp), vy = CORD_pos_valid(yp);
		if (!vx && !vy)
			return 0;
		unsigned char cx = vx ? (unsigned char)CORD_pos_fetch(xp) : 0;
		unsigned char cy = vy ? (unsigned char)CORD_pos_fetch(yp) : 0;
		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (vx)
			CORD_next(xp);
		if (vy)
			CORD_next(yp);
	}
	return 0;
}

struct chr_state {
	size_t pos;
	char target;
};

static int chr_one(char c, void *cd)
{
	struct chr_state *s = cd;
	if (c == s->target)
		return 1;
	s->pos++;
	return 0;
}

static int chr_run(const char *str, void *cd)
{
	struct chr_state *s = cd;
	const char *hit = s->target ? strchr(str, s->target) : NULL;
	if (hit) {
		s->pos += (size_t)(hit - str);
		return 1;
	}
	s->pos += strlen(str);
	return 0;
}

size_t CORD_chr(CORD x, size_t i, int c)
{
	struct chr_state s = { i, (char)c };
	if (CORD_iter5(x, i, chr_one, c ? chr_run : CORD_NO_FN, &s))
		return s.pos;
	return CORD_NOT_FOUND;
}

static int rchr_one(char c, void *cd)
{
	struct chr_state *s = cd;
	if (c == s->target)
		return 1;
	s->pos--;
	return 0;
}

size_t CORD_rchr(CORD x, size_t i, int c)
{
	struct chr_state s = { i, (char)c };
	size_t len = CORD_len(x);
	if (len == 0)
		return CORD_NOT_FOUND;
	if (i >= len)
		s.pos = i = len - 1;
	if (CORD_riter4(x, i, rchr_one, &s))
		return s.pos;
	return CORD_NOT_FOUND;
}

size_t CORD_str(CORD x, size_t start, CORD s)
{
	size_t lx = CORD_len(x), ls = CORD_len(s);
	if (ls == 0)
		return start <= lx ? start : CORD_NOT_FOUND;
	char first = CORD_fetch(s, 0);
	for (size_t i = start; i < lx && lx - i >= ls; i++) {
		i = CORD_chr(x, i, first);
		if (i == CORD_NOT_FOUND || lx - i < ls)
			return CORD_NOT_FOUND;
		if (CORD_ncmp(x, i, s, 0, ls) == 0)
			return i;
	}
	return CORD_NOT_FOUND;
}

static char same_char(size_t i, void *cd)
{
	(void)i;
	return (char)(uintptr_t)cd;
}

CORD CORD_chars(char c, size_t i)
{
	return CORD_from_fn(same_char, (void *)(uintptr_t)(unsigned char)c, i);
}

struct fill {
	char *p;
};

static int fill_one(char c, void *cd)
{
	struct fill *f = cd;
	*f->p++ = c;
	return 0;
}

static int fill_run(const char *s, void *cd)
{
	struct fill *f = cd;
	size_t n = strlen(s);
	memcpy(f->p, s, n);
	f->p += n;
	return 0;
}

char *CORD_to_char_star(CORD x)
{
	size_t n = CORD_len(x);
	char *r = GC_MALLOC_ATOMIC(n + 1);
	if (!r)
		oom();
	struct fill f = { r };
	CORD_iter5(x, 0, fill_one, fill_run, &f);
	r[n] = 0;
	return r;
}

CORD CORD_from_char_star(const char *s)
{
	size_t n = strlen(s);
	return n ? new_string(s, n) : CORD_EMPTY;
}

const char *CORD_to_const_char_star(CORD x)
{
	if (!x)
		return "";
	return is_node(x) ? CORD_to_char_star(x) : x;
}

static int put_one(char c, void *cd)
{
	return putc(c, (FILE *)cd) == EOF;
}

static int put_run(const char *s, void *cd)
{
	return fputs(s, (FILE *)cd) == EOF;
}

int CORD_put(CORD x, FILE *f)
{
	if (CORD_iter5(x, 0, put_one, put_run, f))
		return EOF;
	return 1;
}

static void dump(CORD x, int indent)
{
	printf("%*s", indent, "");
	if (!x) {
		printf("(empty)\n");
		return;
	}
	if (!is_node(x)) {
		printf("\"%s\" (%lu)\n", x, (unsigned long)strlen(x));
		return;
	}
	const struct node *n = node_of(x);
	if (n->kind == FUNCTION) {
		printf("function %p (len %lu)\n", (void *)n,
		       (unsigned long)n->len);
		return;
	}
	printf("concatenation %p (len %lu, depth %d)\n", (void *)n,
	       (unsigned long)n->len, n->depth);
	dump(n->u.cat.left, indent + 2);
	dump(n->u.cat.right, indent + 2);
}

void CORD_dump(CORD x)
{
	dump(x, 0);
	fflush(stdout);
}

/* ---- files ---- */

CORD CORD_from_file_eager(FILE *f)
{
	CORD_ec ec;
	int c;
	CORD_ec_init(ec);
	while ((c = getc(f)) != EOF) {
		if (c == 0) {
			CORD_ec_flush_buf(ec);
			ec[0].ec_cord = CORD_cat(ec[0].ec_cord, CORD_nul(1));
			continue;
		}
		CORD_ec_append(ec, (char)c);
	}
	return CORD_balance(CORD_ec_to_cord(ec));
}

#define FILE_BLOCK 1024

/* A lazily read file: one cached block (the characters of a cord are
 * read in order mostly). */
struct lazy_file {
	FILE *f;
	long base;          /* file offset of the cord's first character */
	size_t block;       /* cached block number, or SIZE_MAX */
	char buf[FILE_BLOCK];
};

static char lazy_char(size_t i, void *cd)
{
	struct lazy_file *l = cd;
	size_t b = i / FILE_BLOCK;
	if (l->block != b) {
		memset(l->buf, 0, sizeof l->buf);
		if (fseek(l->f, l->base + (long)(b * FILE_BLOCK), SEEK_SET) != 0)
			return 0;
		(void)fread(l->buf, 1, sizeof l->buf, l->f);
		l->block = b;
	}
	return l->buf[i % FILE_BLOCK];
}

/* The bytes left in f, or -1 when it cannot seek. */
static long remaining(FILE *f)
{
	long here = ftell(f);
	if (here < 0 || fseek(f, 0, SEEK_END) != 0)
		return -1;
	long end = ftell(f);
	if (fseek(f, here, SEEK_SET) != 0 || end < here)
		return -1;
	return end - here;
}

CORD CORD_from_file_lazy(FILE *f)
{
	long n = remaining(f);
	if (n < 0)
		return CORD_from_file_eager(f);
	struct lazy_file *l = GC_MALLOC(sizeof *l);
	if (!l)
		oom();
	l->f = f;
	l->base = ftell(f);
	l->block = SIZE_MAX;
	return CORD_from_fn(lazy_char, l, (size_t)n);
}

CORD CORD_from_file(FILE *f)
{
	long n = remaining(f);
	if (n >= 0 && n < (1L << 20))
		return CORD_from_file_eager(f);
	return CORD_from_file_lazy(f);
}

/* ---- extensible cords ---- */

void CORD_ec_flush_buf(CORD_ec x)
{
	size_t n = (size_t)(x[0].ec_bufptr - x[0].ec_buf);
	if (n == 0)
		return;
	x[0].ec_bufptr = x[0].ec_buf;
	if (!memchr(x[0].ec_buf, 0, n)) {
		x[0].ec_cord = CORD_cat_char_star(x[0].ec_cord, x[0].ec_buf, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		x[0].ec_cord = CORD_cat_char(x[0].ec_cord, x[0].ec_buf[i]);
}

void CORD_ec_append_cord(CORD_ec x, CORD s)
{
	CORD_ec_flush_buf(x);
	x[0].ec_cord = CORD_cat(x[0].ec_cord, s);
}
