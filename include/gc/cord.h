/*
 * cord.h: cords (ropes), immutable strings that concatenate and take
 * substrings in (nearly) constant time, on the collector (bdwgc's
 * interface, written for spangc; the library is libcord).
 *
 * A CORD is either CORD_EMPTY (0), a nonempty C string (which must not
 * change afterwards), or a pointer to a tree node the library made, whose
 * first byte is 0 (so CORD_IS_STRING tells them apart).  Cords are never
 * modified: every operation returns a new cord sharing what it can.  A
 * cord may contain NUL characters (from CORD_from_fn or CORD_chars); such
 * a cord is never a plain C string.  Allocation failure calls CORD_oom_fn
 * (when set) and aborts.
 */
#ifndef CORD_H
#define CORD_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef CORD_API
# if defined(__GNUC__)
#   define CORD_API extern __attribute__((__visibility__("default")))
# else
#   define CORD_API extern
# endif
#endif

typedef const char *CORD;

#define CORD_EMPTY 0
#define CORD_IS_STRING(s) (*(s) != '\0')

/* x followed by y. */
CORD_API CORD CORD_cat(CORD x, CORD y);
/* x followed by the leny characters at y (a string that must not change;
 * leny is its length). */
CORD_API CORD CORD_cat_char_star(CORD x, const char *y, size_t leny);
CORD_API size_t CORD_len(CORD x);

/* A cord of len characters, the i-th being fn(i, client_data), computed
 * when needed (fn must always give the same answer). */
typedef char (*CORD_fn)(size_t i, void *client_data);
CORD_API CORD CORD_from_fn(CORD_fn fn, void *client_data, size_t len);

/* The n characters of x from position i (fewer at the end of x). */
CORD_API CORD CORD_substr(CORD x, size_t i, size_t n);

/* The same characters as x, in a balanced tree (faster access). */
CORD_API CORD CORD_balance(CORD x);

/* Iteration: f1 is called for each character from position i on; when f2
 * is not CORD_NO_FN it may be called instead with a NUL-terminated run of
 * the following characters.  A nonzero return stops the iteration and is
 * returned. */
typedef int (*CORD_iter_fn)(char c, void *client_data);
typedef int (*CORD_batched_iter_fn)(const char *s, void *client_data);
#define CORD_NO_FN ((CORD_batched_iter_fn)0)
CORD_API int CORD_iter5(CORD x, size_t i, CORD_iter_fn f1,
                        CORD_batched_iter_fn f2, void *client_data);
CORD_API int CORD_iter(CORD x, CORD_iter_fn f1, void *client_data);
#define CORD_iter(x, f1, cd) CORD_iter5(x, 0, f1, CORD_NO_FN, cd)

/* Backwards, from position i (or the last character) down to 0. */
CORD_API int CORD_riter4(CORD x, size_t i, CORD_iter_fn f1,
                         void *client_data);
CORD_API int CORD_riter(CORD x, CORD_iter_fn f1, void *client_data);

#ifdef __cplusplus
} /* extern "C" */
#endif

#include "cord_pos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every position of a cord, in order. */
#define CORD_FOR(pos, cord) \
    for (CORD_set_pos(pos, cord, 0); CORD_pos_valid(pos); CORD_next(pos))

/* Called when memory runs out, before the library aborts. */
CORD_API void (*CORD_oom_fn)(void);

/* Prints x's tree on stdout, for debugging. */
CORD_API void CORD_dump(CORD x);

CORD_API CORD CORD_cat_char(CORD x, char c);
/* The concatenation of n cords, given as the following arguments. */
CORD_API CORD CORD_catn(int n, ...);
/* The character at position i (i < CORD_len(x)). */
CORD_API char CORD_fetch(CORD x, size_t i);
/* Compare as strcmp does: <0, 0, >0. */
CORD_API int CORD_cmp(CORD x, CORD y);
/* The same for len characters from x_start and y_start; a shorter cord
 * compares as if NUL-padded. */
CORD_API int CORD_ncmp(CORD x, size_t x_start, CORD y, size_t y_start,
                       size_t len);
/* The first position at or after start where s occurs in x, or
 * CORD_NOT_FOUND. */
CORD_API size_t CORD_str(CORD x, size_t start, CORD s);
/* i copies of c. */
CORD_API CORD CORD_chars(char c, size_t i);
#define CORD_nul(i) CORD_chars('\0', (i))

/* The rest of f's contents.  Lazy forms read on access, and need f kept
 * open and unchanged; CORD_from_file chooses by size. */
CORD_API CORD CORD_from_file(FILE *f);
CORD_API CORD CORD_from_file_eager(FILE *f);
CORD_API CORD CORD_from_file_lazy(FILE *f);

/* A fresh NUL-terminated copy of x (collected). */
CORD_API char *CORD_to_char_star(CORD x);
/* A cord of a copy of s. */
CORD_API CORD CORD_from_char_star(const char *s);
/* x as a C string: x itself when it is one, else a copy. */
CORD_API const char *CORD_to_const_char_star(CORD x);
/* Writes x to f: EOF on error, else a positive value. */
CORD_API int CORD_put(CORD x, FILE *f);

#define CORD_NOT_FOUND ((size_t)(-1))
/* The first position at or after i holding c, or the last one at or
 * before i; CORD_NOT_FOUND when there is none. */
CORD_API size_t CORD_chr(CORD x, size_t i, int c);
CORD_API size_t CORD_rchr(CORD x, size_t i, int c);

#ifdef __cplusplus
} /* extern "C" */
#endif

#ifndef CORD_NO_IO
#include <stdarg.h>
#ifdef __cplusplus
extern "C" {
#endif
/* printf into cords: the format is a cord, and %r prints a CORD argument
 * (with width and precision as for %s).  They return the number of
 * characters produced, or a negative value on error. */
CORD_API int CORD_sprintf(CORD *out, CORD format, ...);
CORD_API int CORD_vsprintf(CORD *out, CORD format, va_list args);
CORD_API int CORD_fprintf(FILE *f, CORD format, ...);
CORD_API int CORD_vfprintf(FILE *f, CORD format, va_list args);
CORD_API int CORD_printf(CORD format, ...);
CORD_API int CORD_vprintf(CORD format, va_list args);
#ifdef __cplusplus
} /* extern "C" */
#endif
#endif /* !CORD_NO_IO */

#endif /* CORD_H */
