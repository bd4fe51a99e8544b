/*
 * ptrcheck.h: displacements and the pointer checks of gc.h.
 *
 * Owns the table of registered displacements (GC_register_displacement;
 * the table itself is declared in span.h, which find_object reads it
 * from), and the checks GC_same_obj, GC_is_valid_displacement,
 * GC_is_visible and GC_pre_incr/GC_post_incr with their print procedures.
 *
 * A displacement only ever gets registered, never removed: a marker
 * reading the table while a client registers one sees the byte either 0
 * or 1, and both are right for a mark that began before the call.
 *
 * Locks: none to register; the checks take the roots lock
 * (GC_is_visible) inside a critical section, as GC_add_roots does.
 */
#ifndef SGC_PTRCHECK_H
#define SGC_PTRCHECK_H

#ifndef SGC_BUILDING
#error "src/ptrcheck.h is internal to spangc; include <gc.h> instead"
#endif

#endif /* SGC_PTRCHECK_H */
