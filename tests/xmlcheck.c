/*
 * xmlcheck: is a file well-formed XML?  For the test of spangc-plot
 * (tests/run_plot.sh), so that checking the SVG needs no XML package.
 *
 *     xmlcheck [-r ROOT] FILE [CLASS [COUNT]]
 *
 * Checks: an optional XML declaration, comments, processing instructions,
 * one root element, every start tag closed in order, names well formed,
 * attributes quoted and not repeated in a tag, no '<' in attribute values,
 * entity references limited to the five predefined ones and character
 * references, no text outside the root.  Prints "root=NAME elements=N" and,
 * with CLASS, "class=CLASS count=M" (elements with class="CLASS").  Exit 0
 * when well-formed, 1 with a message naming the line otherwise; 1 with a
 * message too when the root element is not ROOT (-r) or M is not COUNT.
 * DTDs and CDATA sections are refused (the plot writes neither).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_assert.h"

static const char *text, *p, *end;
static const char *file;

static int line_of(const char *q)
{
	int n = 1;
	for (const char *s = text; s < q; s++)
		n += *s == '\n';
	return n;
}

/* The file is not well-formed: name its line, exit 1. */
static __attribute__((noreturn)) void bad(const char *what)
{
	test_assert_fail(file, line_of(p), "well-formed", "%s", what);
}

static int name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == ':' || (unsigned char)c >= 0x80;
}

static int name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* A name at p; its length, p moved past it. */
static size_t name(void)
{
	const char *s = p;
	if (p >= end || !name_start(*p))
		bad("expected a name");
	while (p < end && name_char(*p))
		p++;
	return (size_t)(p - s);
}

static void space(void)
{
	while (p < end && strchr(" \t\r\n", *p) && *p)
		p++;
}

/* A reference at p ('&'). */
static void reference(void)
{
	static const char *const ents[] = { "&lt;", "&gt;", "&amp;", "&quot;",
					    "&apos;" };
	for (int i = 0; i < 5; i++) {
		size_t n = strlen(ents[i]);
		if ((size_t)(end - p) >= n && memcmp(p, ents[i], n) == 0) {
			p += n;
			return;
		}
	}
	if (end - p >= 4 && p[1] == '#') {
		const char *q = p + 2;
		int hex = *q == 'x';
		q += hex;
		const char *digits = q;
		while (q < end && (hex ? strchr("0123456789abcdefABCDEF", *q) :
					 strchr("0123456789", *q)) && *q)
			q++;
		if (q > digits && q < end && *q == ';') {
			p = q + 1;
			return;
		}
	}
	bad("bad entity or character reference");
}

/* Skip a comment or processing instruction at p. */
static int skip_misc(void)
{
	if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
		const char *q = strstr(p + 4, "--");
		if (!q || q + 2 >= end || q[2] != '>')
			bad("bad comment");
		p = q + 3;
		return 1;
	}
	if (end - p >= 2 && memcmp(p, "<?", 2) == 0) {
		const char *q = strstr(p + 2, "?>");
		if (!q)
			bad("unterminated processing instruction");
		p = q + 2;
		return 1;
	}
	if (end - p >= 2 && memcmp(p, "<!", 2) == 0)
		bad("DTDs and CDATA sections are not expected");
	return 0;
}

int main(int argc, char **argv)
{
	const char *want_root = NULL;
	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		want_root = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: xmlcheck [-r ROOT] FILE [CLASS [COUNT]]\n");
		return 2;
	}
	file = argv[1];
	const char *want = argc >= 3 ? argv[2] : NULL;
	const char *want_count = argc == 4 ? argv[3] : NULL;
	FILE *f = fopen(file, "rb");
	if (!f) {
		perror(file);
		return 1;
	}
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	fclose(f);
	if (!buf)
		return 1;
	buf[n] = 0;
	if (strlen(buf) != n) {
		p = buf + strlen(buf);
		text = buf;
		bad("NUL byte");
	}
	text = p = buf;
	end = buf + n;

	/* Open elements: pointers to their names and lengths. */
	size_t depth = 0, maxdepth = 256, elements = 0, classed = 0;
	const char **open = malloc(maxdepth * sizeof *open);
	size_t *open_len = malloc(maxdepth * sizeof *open_len);
	const char *root = NULL;
	size_t root_len = 0;
	int root_done = 0;
	if (!open || !open_len)
		return 1;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (;;) {
		if (depth == 0)
			space();
		if (p >= end)
			break;
		if (*p != '<') {
			if (depth == 0)
				bad("text outside the root element");
			if (*p == '&')
				reference();
			else if (*p == '>' && p - text >= 2 &&
				 memcmp(p - 2, "]]", 2) == 0)
				bad("']]>' in text");
			else
				p++;
			continue;
		}
		if (skip_misc())
			continue;
		if (p + 1 < end && p[1] == '/') {
			p += 2;
			const char *s = p;
			size_t len = name();
			if (depth == 0 || len != open_len[depth - 1] ||
			    memcmp(s, open[depth - 1], len) != 0)
				bad("end tag does not match the open element");
			depth--;
			space();
			if (p >= end || *p != '>')
				bad("expected '>'");
			p++;
			if (depth == 0)
				root_done = 1;
			continue;
		}
		/* A start tag. */
		p++;
		if (root_done)
			bad("a second root element");
		const char *s = p;
		size_t len = name();
		if (!root) {
			root = s;
			root_len = len;
		}
		elements++;
		const char *attrs[64];
		size_t attr_len[64], nattrs = 0;
		for (;;) {
			const char *before = p;
			space();
			if (p >= end)
				bad("unterminated tag");
			if (*p == '>' || (*p == '/' && p + 1 < end && p[1] == '>'))
				break;
			if (p == before)
				bad("expected space before an attribute");
			const char *an = p;
			size_t al = name();
			for (size_t i = 0; i < nattrs; i++)
				if (attr_len[i] == al &&
				    memcmp(attrs[i], an, al) == 0)
					bad("repeated attribute");
			if (nattrs < 64) {
				attrs[nattrs] = an;
				attr_len[nattrs++] = al;
			}
			space();
			if (p >= end || *p != '=')
				bad("expected '=' after an attribute name");
			p++;
			space();
			if (p >= end || (*p != '"' && *p != '\''))
				bad("attribute value not quoted");
			char q = *p++;
			const char *v = p;
			while (p < end && *p != q) {
				if (*p == '<')
					bad("'<' in an attribute value");
				if (*p == '&')
					reference();
				else
					p++;
			}
			if (p >= end)
				bad("unterminated attribute value");
			if (want && al == 5 && memcmp(an, "class", 5) == 0 &&
			    (size_t)(p - v) == strlen(want) &&
			    memcmp(v, want, strlen(want)) == 0)
				classed++;
			p++;
		}
		if (*p == '/') {
			p += 2;
			if (depth == 0)
				root_done = 1;
			continue;
		}
		p++;
		if (depth == maxdepth)
			bad("nested too deeply");
		open[depth] = s;
		open_len[depth++] = len;
	}
	if (depth)
		bad("unclosed element at the end");
	if (!root)
		bad("no root element");
	printf("root=%.*s elements=%zu\n", (int)root_len, root, elements);
	if (want)
		printf("class=%s count=%zu\n", want, classed);
	test_assert(!want_root || (strlen(want_root) == root_len &&
				   memcmp(want_root, root, root_len) == 0),
		    "%s: the root element is %.*s, not %s", file,
		    (int)root_len, root, want_root);
	test_assert(!want_count || strtoul(want_count, NULL, 10) == classed,
		    "%s: %zu elements of class %s, not %s", file, classed, want,
		    want_count);
	free(open);
	free(open_len);
	free(buf);
	return 0;
}
