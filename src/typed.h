/*
 * typed.h: explicitly typed allocation (gc_typed.h) and gcj objects
 * (gc_gcj.h), scanned precisely through the kinds module.
 *
 * Typed objects: one kind (created on first use) whose descriptor is
 * per-object, stored in the last word of each object: the client's
 * descriptor from GC_make_descriptor.  The client's bytes end before that
 * word, whatever the size class rounds to.  Until the allocator stores
 * the descriptor the word is zero, which scans nothing (the object is all
 * zeros then anyway).
 *
 * Descriptors: a bitmap whose set bits form a prefix becomes a length; up
 * to 62 words, a GC_DS_BITMAP; longer, a mark procedure of this module
 * whose environment is a copy of the bitmap, kept for good outside the
 * heap (GC_make_descriptor is called once per type).
 *
 * Arrays (GC_calloc_explicitly_typed) are typed objects whose last word is
 * this module's array mark procedure; the three words before it hold the
 * element size, the element count and the element descriptor.
 *
 * gcj: one kind with bdwgc's indirect per-object descriptor, read from the
 * vtable the first word points to, at offset sizeof(GC_word).
 *
 * Locks: kinds and procedures are created under the world lock; the
 * module's state is published with release stores and read with acquire
 * loads (allocators, markers).
 */
#ifndef SGC_TYPED_H
#define SGC_TYPED_H

#ifndef SGC_BUILDING
#error "src/typed.h is internal to spangc; include <gc.h> instead"
#endif

#endif /* SGC_TYPED_H */
