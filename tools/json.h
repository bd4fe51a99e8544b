/*
 * json.h: a small strict JSON reader (RFC 8259) for spangc-plot and the
 * tests of the trace.
 *
 * json_parse turns a whole text into a tree of values, or fails with a
 * message naming the byte offset.  Strings are decoded to UTF-8 (escapes,
 * surrogate pairs); numbers follow the grammar exactly and are held as
 * doubles; nesting is limited to JSON_MAX_DEPTH.  Nothing here knows the
 * collector: it uses the C library's malloc.
 */
#ifndef SPANGC_TOOLS_JSON_H
#define SPANGC_TOOLS_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
		 JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	double number;        /* JSON_NUMBER */
	char *string;         /* JSON_STRING: UTF-8, NUL-terminated */
	size_t len;           /* items in an array or object */
	struct json *items;   /* array elements, or object values */
	char **keys;          /* object keys, in order */
};

/* Parse text[0..n); NULL on error, with a message in err. */
struct json *json_parse(const char *text, size_t n, char *err, size_t errlen);

void json_free(struct json *v);

/* The value of key in an object (the first if repeated), or NULL. */
const struct json *json_get(const struct json *obj, const char *key);

/* A number member of an object, or def when absent or not a number. */
double json_num(const struct json *obj, const char *key, double def);

/* A string member of an object, or NULL. */
const char *json_str(const struct json *obj, const char *key);

#endif /* SPANGC_TOOLS_JSON_H */
