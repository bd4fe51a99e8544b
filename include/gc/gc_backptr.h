/*
 * gc_backptr.h: why is an object alive? (bdwgc's interface, written for
 * spangc).
 *
 * For an object made by a GC_debug_* call (GC_DEBUG), the collector
 * finds, on request, a chain of references that keeps it alive: the
 * object that holds it, the object that holds that one, and so on back to
 * a root (static data or an added root, an uncollectable object, or a
 * thread's stack or registers).  Roots are tried in that order, and the
 * chain found is a shortest one from the first root that reaches the
 * object.  Debian's bdwgc is built without this; spangc always has it.
 * The answer describes the heap at the time of the call; a call stops the
 * world for about as long as a collection's mark.
 */
#ifndef GC_BACKPTR_H
#define GC_BACKPTR_H

#ifndef GC_H
# include "gc.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GC_UNREFERENCED,   /* nothing found that keeps it alive */
    GC_NO_SPACE,       /* not a debug object: no information */
    GC_REFD_FROM_ROOT, /* held by the root word at *base_p */
    GC_REFD_FROM_REG,  /* held by a root without an address */
    GC_REFD_FROM_HEAP, /* held at *offset_p inside the object *base_p */
    GC_FINALIZER_REFD  /* kept for a finalizer */
} GC_ref_kind;

/* What holds dest (a debug object): for GC_REFD_FROM_HEAP, the holding
 * object (its client pointer when it is a debug object) in *base_p and
 * the offset of the reference in it in *offset_p; for GC_REFD_FROM_ROOT,
 * the root word's address in *base_p and 0 in *offset_p.  base_p and
 * offset_p may be NULL. */
GC_API GC_ref_kind GC_CALL GC_get_back_ptr_info(void * /* dest */,
                                void ** /* base_p */, size_t * /* offset_p */)
                                GC_ATTR_NONNULL(1);

/* An address inside the heap, chosen at random (maybe in free space). */
GC_API void *GC_CALL GC_generate_random_heap_address(void);

/* An address inside an allocated object, chosen at random. */
GC_API void *GC_CALL GC_generate_random_valid_address(void);

/* Prints on stderr why a random allocated object is alive. */
GC_API void GC_CALL GC_generate_random_backtrace(void);

/* Prints on stderr why the object containing the address is alive: the
 * object, then each object holding the previous one (address, size and
 * allocation site) and the offset of the reference, then the root. */
GC_API void GC_CALL GC_print_backtrace(void *) GC_ATTR_NONNULL(1);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GC_BACKPTR_H */
