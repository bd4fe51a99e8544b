/*
 * cordprintf.c: printf into cords (cord.h's CORD_sprintf family).
 *
 * The format is a cord, walked with a position.  Each conversion is cut
 * out of it, its argument taken from the va_list by the conversion's
 * type, and formatted alone by the C library (vsnprintf); %r, the cord
 * conversion, is done here, with width and precision as for %s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <gc/gc.h>
#include <gc/cord.h>
#include <gc/ec.h>

#define SPEC_MAX 48

/* One conversion formatted by the C library, as a cord. */
static CORD format_one(const char *spec, ...)
{
	char small[128];
	va_list ap, ap2;
	va_start(ap, spec);
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, spec, ap);
	va_end(ap);
	CORD r = CORD_EMPTY;
	if (n < 0) {
		va_end(ap2);
		return r;
	}
	if ((size_t)n < sizeof small) {
		r = CORD_cat_char_star(CORD_EMPTY, small, (size_t)n);
	} else {
		char *big = GC_MALLOC_ATOMIC((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, spec, ap2);
			r = big;
		}
	}
	va_end(ap2);
	return r;
}

/* x cut to prec characters (prec < 0: all) and padded to width. */
static CORD pad(CORD x, int width, int prec, int left)
{
	if (prec >= 0)
		x = CORD_substr(x, 0, (size_t)prec);
	size_t len = CORD_len(x);
	if (width > 0 && (size_t)width > len) {
		CORD fill = CORD_chars(' ', (size_t)width - len);
		x = left ? CORD_cat(x, fill) : CORD_cat(fill, x);
	}
	return x;
}

static size_t ec_len(CORD_ec ec)
{
	return CORD_len(ec[0].ec_cord) +
	       (size_t)(ec[0].ec_bufptr - ec[0].ec_buf);
}

/* Parse a number at the position; -1 when there is none. */
static int number(CORD_pos pos, char *spec, int *k)
{
	int v = -1;
	while (CORD_pos_valid(pos)) {
		char c = CORD_pos_fetch(pos);
		if (c < '0' || c > '9')
			break;
		v = (v < 0 ? 0 : v * 10) + (c - '0');
		if (*k < SPEC_MAX - 8)
			spec[(*k)++] = c;
		CORD_next(pos);
	}
	return v;
}

int CORD_vsprintf(CORD *out, CORD format, va_list args)
{
	CORD_ec ec;
	CORD_pos pos;
	CORD_ec_init(ec);
	CORD_set_pos(pos, format, 0);
	while (CORD_pos_valid(pos)) {
		char c = CORD_pos_fetch(pos);
		CORD_next(pos);
		if (c != '%') {
			CORD_ec_append(ec, c);
			continue;
		}
		if (!CORD_pos_valid(pos))
			return -1;
		if (CORD_pos_fetch(pos) == '%') {
			CORD_ec_append(ec, '%');
			CORD_next(pos);
			continue;
		}
		char spec[SPEC_MAX];
		int k = 0, width = -1, prec = -1, left = 0;
		spec[k++] = '%';
		while (CORD_pos_valid(pos) &&
		       strchr("-+ #0", CORD_pos_fetch(pos)) &&
		       CORD_pos_fetch(pos) != 0) {
			left |= CORD_pos_fetch(pos) == '-';
			if (k < SPEC_MAX - 8)
				spec[k++] = CORD_pos_fetch(pos);
			CORD_next(pos);
		}
		if (CORD_pos_valid(pos) && CORD_pos_fetch(pos) == '*') {
			width = va_arg(args, int);
			if (width < 0) {
				left = 1;
				spec[k++] = '-';
				width = -width;
			}
			k += snprintf(spec + k, 12, "%d", width);
			CORD_next(pos);
		} else {
			width = number(pos, spec, &k);
		}
		if (CORD_pos_valid(pos) && CORD_pos_fetch(pos) == '.') {
			CORD_next(pos);
			if (CORD_pos_valid(pos) && CORD_pos_fetch(pos) == '*') {
				prec = va_arg(args, int);
				CORD_next(pos);
				if (prec >= 0)
					k += snprintf(spec + k, 13, ".%d", prec);
			} else {
				spec[k++] = '.';
				prec = number(pos, spec, &k);
				if (prec < 0)
					prec = 0;
			}
		}
		/* Length modifiers: h hh l ll L q j z t. */
		int lng = 0; /* 'h', 'H' (hh), 'l', 'L' (ll or L), 'j', 'z', 't' */
		while (CORD_pos_valid(pos) &&
		       strchr("hlLqjzt", CORD_pos_fetch(pos)) &&
		       CORD_pos_fetch(pos) != 0) {
			char m = CORD_pos_fetch(pos);
			if (m == 'q')
				m = 'L';
			if (m == 'h' && lng == 'h')
				lng = 'H';
			else if (m == 'l' && lng == 'l')
				lng = 'L';
			else
				lng = m;
			if (k < SPEC_MAX - 4)
				spec[k++] = CORD_pos_fetch(pos) == 'q' ?
						    'L' : CORD_pos_fetch(pos);
			CORD_next(pos);
		}
		if (!CORD_pos_valid(pos))
			return -1;
		char conv = CORD_pos_fetch(pos);
		CORD_next(pos);
		spec[k++] = conv;
		spec[k] = 0;
		CORD piece;
		switch (conv) {
		case 'r':
			piece = pad(va_arg(args, CORD), width, prec, left);
			break;
		case 'n':
			if (lng == 'l')
				*va_arg(args, long *) = (long)ec_len(ec);
			else
				*va_arg(args, int *) = (int)ec_len(ec);
			continue;
		case 'd': case 'i':
			switch (lng) {
			case 'l': piece = format_one(spec, va_arg(args, long)); break;
			case 'L': piece = format_one(spec, va_arg(args, long long)); break;
			case 'j': piece = format_one(spec, va_arg(args, intmax_t)); break;
			case 'z': piece = format_one(spec, va_arg(args, ptrdiff_t)); break;
			case 't': piece = format_one(spec, va_arg(args, ptrdiff_t)); break;
			default: piece = format_one(spec, va_arg(args, int)); break;
			}
			break;
		case 'o': case 'u': case 'x': case 'X':
			switch (lng) {
			case 'l': piece = format_one(spec, va_arg(args, unsigned long)); break;
			case 'L': piece = format_one(spec, va_arg(args, unsigned long long)); break;
			case 'j': piece = format_one(spec, va_arg(args, uintmax_t)); break;
			case 'z': piece = format_one(spec, va_arg(args, size_t)); break;
			case 't': piece = format_one(spec, va_arg(args, size_t)); break;
			default: piece = format_one(spec, va_arg(args, unsigned)); break;
			}
			break;
		case 'c':
			if (lng == 'l')
				piece = format_one(spec, va_arg(args, wint_t));
			else
				piece = format_one(spec, va_arg(args, int));
			break;
		case 's':
			if (lng == 'l')
				piece = format_one(spec, va_arg(args, wchar_t *));
			else
				piece = format_one(spec, va_arg(args, char *));
			break;
		case 'p':
			piece = format_one(spec, va_arg(args, void *));
			break;
		case 'e': case 'E': case 'f': case 'F':
		case 'g': case 'G': case 'a': case 'A':
			if (lng == 'L')
				piece = format_one(spec, va_arg(args, long double));
			else
				piece = format_one(spec, va_arg(args, double));
			break;
		default:
			return -1;
		}
		CORD_ec_append_cord(ec, piece);
	}
	*out = CORD_balance(CORD_ec_to_cord(ec));
	size_t n = CORD_len(*out);
	return n > 0x7fffffff ? -1 : (int)n;
}

int CORD_sprintf(CORD *out, CORD format, ...)
{
	va_list ap;
	va_start(ap, format);
	int n = CORD_vsprintf(out, format, ap);
	va_end(ap);
	return n;
}

int CORD_vfprintf(FILE *f, CORD format, va_list args)
{
	CORD out;
	int n = CORD_vsprintf(&out, format, args);
	if (n < 0)
		return n;
	if (CORD_put(out, f) == EOF)
		return -1;
	return n;
}

int CORD_fprintf(FILE *f, CORD format, ...)
{
	va_list ap;
	va_start(ap, format);
	int n = CORD_vfprintf(f, format, ap);
	va_end(ap);
	return n;
}

int CORD_vprintf(CORD format, va_list args)
{
	return CORD_vfprintf(stdout, format, args);
}

int CORD_printf(CORD format, ...)
{
	va_list ap;
	va_start(ap, format);
	int n = CORD_vfprintf(stdout, format, ap);
	va_end(ap);
	return n;
}
