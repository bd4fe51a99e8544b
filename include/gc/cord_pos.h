/*
 * cord_pos.h: positions in a cord, for walking it a character at a time
 * (bdwgc's interface, written for spangc; included by cord.h).
 *
 * A CORD_pos remembers the path from the cord's root to the leaf holding
 * the current character, and a window of that leaf's characters
 * [cur_start, cur_end) at cur_leaf, so that most steps are an increment.
 * The macros below are the fast paths; the functions of the same names
 * do the same.
 */
#if !defined(CORD_POSITION_H) && defined(CORD_H)
#define CORD_POSITION_H

#ifdef __cplusplus
extern "C" {
#endif

/* The deepest tree a position can follow; deeper ones are rebalanced. */
#define MAX_DEPTH 48

struct CORD_pe {
    CORD pe_cord;
    size_t pe_start_pos;
};

typedef struct CORD_Pos {
    size_t cur_pos;       /* the current position */
    int path_len;         /* path entries in use, or CORD_POS_INVALID */
#define CORD_POS_INVALID (0x55555555)
    const char *cur_leaf; /* the window's characters, cur_start first */
    size_t cur_start;
    size_t cur_end;       /* 0: no window */
    struct CORD_pe path[MAX_DEPTH + 1];
#define FUNCTION_BUF_SZ 8
    char function_buf[FUNCTION_BUF_SZ]; /* window of a function leaf */
} CORD_pos[1];

CORD_API CORD CORD_pos_to_cord(CORD_pos p);
CORD_API size_t CORD_pos_to_index(CORD_pos p);
CORD_API char CORD_pos_fetch(CORD_pos p);
/* Position p at index i of x (invalid when i is past its end). */
CORD_API void CORD_set_pos(CORD_pos p, CORD x, size_t i);
CORD_API void CORD_next(CORD_pos p);
CORD_API void CORD_prev(CORD_pos p);
CORD_API int CORD_pos_valid(CORD_pos p);

/* The slow paths of the macros. */
CORD_API char CORD__pos_fetch(CORD_pos);
CORD_API void CORD__next(CORD_pos);
CORD_API void CORD__prev(CORD_pos);

#define CORD_pos_fetch(p) \
    (((p)[0].cur_end != 0) \
     ? (p)[0].cur_leaf[(p)[0].cur_pos - (p)[0].cur_start] \
     : CORD__pos_fetch(p))

#define CORD_next(p) \
    (((p)[0].cur_pos + 1 < (p)[0].cur_end) \
     ? (p)[0].cur_pos++ \
     : (CORD__next(p), 0))

#define CORD_prev(p) \
    (((p)[0].cur_end != 0 && (p)[0].cur_pos > (p)[0].cur_start) \
     ? (p)[0].cur_pos-- \
     : (CORD__prev(p), 0))

#define CORD_pos_to_index(p) ((p)[0].cur_pos)
#define CORD_pos_to_cord(p) ((p)[0].path[0].pe_cord)
#define CORD_pos_valid(p) ((p)[0].path_len != CORD_POS_INVALID)

/* Characters left in the window (a fast loop may take them directly),
 * stepping n ahead (n up to that), and the current character's address
 * (valid while in the window). */
#define CORD_pos_chars_left(p) ((long)((p)[0].cur_end) - (long)((p)[0].cur_pos))
#define CORD_pos_advance(p, n) ((p)[0].cur_pos += (n) - 1, CORD_next(p))
#define CORD_pos_cur_char_addr(p) \
    ((p)[0].cur_leaf + ((p)[0].cur_pos - (p)[0].cur_start))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CORD_POSITION_H */
