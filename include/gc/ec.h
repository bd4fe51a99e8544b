/*
 * ec.h: extensible cords, for building a cord a character at a time
 * (bdwgc's interface, written for spangc).  Characters collect in a small
 * buffer and are appended to the cord in blocks.
 *
 *     CORD_ec x;
 *     CORD_ec_init(x);
 *     CORD_ec_append(x, 'a'); ...
 *     CORD result = CORD_ec_to_cord(x);
 */
#ifndef EC_H
#define EC_H

#ifndef CORD_H
# include "cord.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef CORD_BUFSZ
# define CORD_BUFSZ 128
#endif

typedef struct CORD_ec_struct {
    CORD ec_cord;      /* what was flushed */
    char *ec_bufptr;   /* the next free byte of ec_buf */
    char ec_buf[CORD_BUFSZ + 1];
} CORD_ec[1];

/* Append the buffer's characters to the cord. */
CORD_API void CORD_ec_flush_buf(CORD_ec x);

#define CORD_ec_to_cord(x) (CORD_ec_flush_buf(x), (x)[0].ec_cord)

#define CORD_ec_init(x) \
    ((x)[0].ec_cord = 0, (void)((x)[0].ec_bufptr = (x)[0].ec_buf))

#define CORD_ec_append(x, c) \
    ((void)((x)[0].ec_bufptr == (x)[0].ec_buf + CORD_BUFSZ \
            ? (CORD_ec_flush_buf(x), 0) : 0), \
     (void)(*(x)[0].ec_bufptr++ = (c)))

/* Append a whole cord. */
CORD_API void CORD_ec_append_cord(CORD_ec x, CORD s);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EC_H */
