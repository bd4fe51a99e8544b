/*
 * json.c: a small strict JSON reader (see json.h).  Recursive descent
 * over the text with one cursor; each value is built in place in its
 * parent's array, grown by doubling.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

struct reader {
	const char *p, *start, *end;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct reader *r, const char *fmt, ...)
{
	if (r->failed)
		return;
	r->failed = 1;
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(r->err, r->errlen, "at byte %ld: ",
			 (long)(r->p - r->start));
	if (n >= 0 && (size_t)n < r->errlen)
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static void *xrealloc(struct reader *r, void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		fail(r, "out of memory");
	return q;
}

static int literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
		fail(r, "unexpected character");
		return 0;
	}
	r->p += n;
	return 1;
}

static int hex4(struct reader *r, unsigned *out)
{
	unsigned v = 0;
	if (r->end - r->p < 4) {
		fail(r, "short \\u escape");
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else {
			fail(r, "bad \\u escape");
			return 0;
		}
	}
	*out = v;
	return 1;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at the opening quote; the decoded text, malloc'd. */
static char *string(struct reader *r)
{
	r->p++; /* the quote */
	/* The decoded text is never longer than the source. */
	const char *q = r->p;
	while (q < r->end && *q != '"')
		q += *q == '\\' ? 2 : 1;
	if (q >= r->end) {
		fail(r, "unterminated string");
		return NULL;
	}
	char *out = xrealloc(r, NULL, (size_t)(q - r->p) + 1), *o = out;
	if (!out)
		return NULL;
	while (!r->failed) {
		if (r->p >= r->end) {
			fail(r, "unterminated string");
			break;
		}
		unsigned char c = (unsigned char)*r->p++;
		if (c == '"') {
			*o = 0;
			return out;
		}
		if (c < 0x20) {
			fail(r, "control character in a string");
			break;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		if (r->p >= r->end) {
			fail(r, "unterminated escape");
			break;
		}
		char e = *r->p++;
		unsigned cp, lo;
		switch (e) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (!hex4(r, &cp))
				break;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (r->end - r->p < 6 || r->p[0] != '\\' ||
				    r->p[1] != 'u') {
					fail(r, "lone surrogate");
					break;
				}
				r->p += 2;
				if (!hex4(r, &lo))
					break;
				if (lo < 0xdc00 || lo >= 0xe000) {
					fail(r, "bad surrogate pair");
					break;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				fail(r, "lone surrogate");
				break;
			}
			o += put_utf8(o, cp);
			break;
		default:
			fail(r, "bad escape \\%c", e);
			break;
		}
	}
	free(out);
	return NULL;
}

static int digits(struct reader *r)
{
	const char *s = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s;
}

static void number(struct reader *r, struct json *v)
{
	const char *s = r->p;
	if (*r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (!digits(r)) {
		fail(r, "bad number");
		return;
	}
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!digits(r)) {
			fail(r, "bad fraction");
			return;
		}
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!digits(r)) {
			fail(r, "bad exponent");
			return;
		}
	}
	char buf[64];
	size_t n = (size_t)(r->p - s);
	if (n >= sizeof buf) {
		/* Long but valid: strtod on a copy. */
		char *t = xrealloc(r, NULL, n + 1);
		if (!t)
			return;
		memcpy(t, s, n);
		t[n] = 0;
		v->number = strtod(t, NULL);
		free(t);
	} else {
		memcpy(buf, s, n);
		buf[n] = 0;
		v->number = strtod(buf, NULL);
	}
	v->type = JSON_NUMBER;
}

static void value(struct reader *r, struct json *v, int depth);

static void array_or_object(struct reader *r, struct json *v, int depth,
			    int object)
{
	char close = object ? '}' : ']';
	size_t cap = 0;
	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return;
	}
	for (;;) {
		if (v->len == cap) {
			cap = cap ? 2 * cap : 8;
			struct json *items = xrealloc(r, v->items,
						      cap * sizeof *items);
			if (!items)
				return;
			v->items = items;
			if (object) {
				char **keys = xrealloc(r, v->keys,
						       cap * sizeof *keys);
				if (!keys)
					return;
				v->keys = keys;
			}
		}
		struct json *item = &v->items[v->len];
		memset(item, 0, sizeof *item);
		if (object) {
			skip_ws(r);
			if (r->p >= r->end || *r->p != '"') {
				fail(r, "expected a key");
				return;
			}
			v->keys[v->len] = string(r);
			if (!v->keys[v->len])
				return;
			v->len++;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':') {
				fail(r, "expected ':'");
				return;
			}
			r->p++;
		} else {
			v->len++;
		}
		value(r, item, depth + 1);
		if (r->failed)
			return;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return;
		}
		fail(r, "expected ',' or '%c'", close);
		return;
	}
}

static void value(struct reader *r, struct json *v, int depth)
{
	if (depth > JSON_MAX_DEPTH) {
		fail(r, "nested too deeply");
		return;
	}
	skip_ws(r);
	if (r->p >= r->end) {
		fail(r, "unexpected end of text");
		return;
	}
	switch (*r->p) {
	case '{':
		array_or_object(r, v, depth, 1);
		break;
	case '[':
		array_or_object(r, v, depth, 0);
		break;
	case '"':
		v->string = string(r);
		v->type = JSON_STRING;
		break;
	case 't':
		if (literal(r, "true"))
			v->type = JSON_TRUE;
		break;
	case 'f':
		if (literal(r, "false"))
			v->type = JSON_FALSE;
		break;
	case 'n':
		if (literal(r, "null"))
			v->type = JSON_NULL;
		break;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			number(r, v);
		else
			fail(r, "unexpected character '%c'", *r->p);
		break;
	}
}

static void release(struct json *v)
{
	if (v->type == JSON_STRING)
		free(v->string);
	for (size_t i = 0; i < v->len; i++) {
		release(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
}

struct json *json_parse(const char *text, size_t n, char *err, size_t errlen)
{
	struct reader r = { text, text, text + n, err, errlen, 0 };
	struct json *v = calloc(1, sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	value(&r, v, 0);
	if (!r.failed) {
		skip_ws(&r);
		if (r.p != r.end)
			fail(&r, "text after the value");
	}
	if (r.failed) {
		release(v);
		free(v);
		return NULL;
	}
	return v;
}

void json_free(struct json *v)
{
	if (!v)
		return;
	release(v);
	free(v);
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

double json_num(const struct json *obj, const char *key, double def)
{
	const struct json *v = json_get(obj, key);
	return v && v->type == JSON_NUMBER ? v->number : def;
}

const char *json_str(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);
	return v && v->type == JSON_STRING ? v->string : NULL;
}
