/*
 * gc_cpp.h: the C++ interface (bdwgc's, written for spangc).
 *
 * Objects of classes derived from gc are collectible: the collector
 * deletes them (without running destructors) once unreachable.  Objects
 * of classes derived from gc_cleanup are collectible and have their
 * destructor run when the collector finds them unreachable.  Placement
 * forms choose for any type:
 *
 *     new (GC) T            collectible, scanned (UseGC is the same)
 *     new (NoGC) T          uncollectible, scanned; delete it yourself
 *     new (PointerFreeGC) T collectible, never scanned
 *     new (GC, fn, cd) T    collectible; fn(obj, cd) runs when unreachable
 *
 * delete works on every one of them.  Plain ::operator new stays the C++
 * library's, unless the program links libgccpp, whose operator new and
 * delete allocate uncollectible objects of the collector.  With GC_DEBUG,
 * every allocation here is a debug object (gc.h).
 *
 * An out-of-memory allocation calls GC_throw_bad_alloc (libgctba or
 * libgccpp: throws std::bad_alloc), or with GC_INCLUDE_NEW throws
 * std::bad_alloc inline, or with GC_NEW_ABORTS_ON_OOM aborts.
 */
#ifndef GC_CPP_H
#define GC_CPP_H

#include "gc.h"

#ifdef GC_NAMESPACE
# define GC_NS_QUALIFY(T) boehmgc::T
#else
# define GC_NS_QUALIFY(T) T
#endif

#ifndef GC_cdecl
# define GC_cdecl GC_CALLBACK
#endif

#if !defined(GC_NO_OPERATOR_NEW_ARRAY) && !defined(GC_OPERATOR_NEW_ARRAY)
# define GC_OPERATOR_NEW_ARRAY
#endif
#ifndef GC_PLACEMENT_DELETE
# define GC_PLACEMENT_DELETE
#endif

#if defined(GC_NEW_ABORTS_ON_OOM) || defined(_LIBCPP_NO_EXCEPTIONS)
# define GC_OP_NEW_OOM_CHECK(obj) \
        do { if (!(obj)) GC_abort_on_oom(); } while (0)
#elif defined(GC_INCLUDE_NEW)
# include <new>
# define GC_OP_NEW_OOM_CHECK(obj) if (obj) {} else throw std::bad_alloc()
#else
  /* In libgctba and libgccpp: throws std::bad_alloc. */
  GC_API void GC_CALL GC_throw_bad_alloc();
# define GC_OP_NEW_OOM_CHECK(obj) if (obj) {} else GC_throw_bad_alloc()
#endif

#ifdef GC_NAMESPACE
namespace boehmgc
{
#endif

enum GCPlacement
{
    UseGC,
#ifndef GC_NAME_CONFLICT
    GC = UseGC,
#endif
    NoGC,
    PointerFreeGC
#ifdef GC_ATOMIC_UNCOLLECTABLE
    , PointerFreeNoGC
#endif
};

/* Instances of derived classes are collectible unless made with
 * new (NoGC). */
class gc
{
public:
    inline void *operator new(size_t size);
    inline void *operator new(size_t size, GCPlacement gcp);
    inline void *operator new(size_t size, void *p) GC_NOEXCEPT;
    inline void operator delete(void *obj) GC_NOEXCEPT;
#ifdef GC_PLACEMENT_DELETE
    inline void operator delete(void *, GCPlacement) GC_NOEXCEPT;
    inline void operator delete(void *, void *) GC_NOEXCEPT;
#endif
#ifdef GC_OPERATOR_NEW_ARRAY
    inline void *operator new[](size_t size);
    inline void *operator new[](size_t size, GCPlacement gcp);
    inline void *operator new[](size_t size, void *p) GC_NOEXCEPT;
    inline void operator delete[](void *obj) GC_NOEXCEPT;
# ifdef GC_PLACEMENT_DELETE
    inline void operator delete[](void *, GCPlacement) GC_NOEXCEPT;
    inline void operator delete[](void *, void *) GC_NOEXCEPT;
# endif
#endif
};

/* Instances of derived classes have their destructors run when the
 * collector finds them unreachable (pointers from an object to itself do
 * not count). */
class gc_cleanup: virtual public gc
{
public:
    inline gc_cleanup();
    inline virtual ~gc_cleanup();

private:
    inline static void GC_cdecl cleanup(void *obj, void *clientData);
};

extern "C" {
    typedef void (GC_CALLBACK *GCCleanUpFunc)(void *obj, void *clientData);
}

#ifdef GC_NAMESPACE
}
#endif

/* new (gcp, cleanup, clientData) T for any T: cleanup(obj, clientData)
 * runs when a collectible obj becomes unreachable. */
inline void *operator new(size_t size, GC_NS_QUALIFY(GCPlacement) gcp,
                          GC_NS_QUALIFY(GCCleanUpFunc) cleanup = 0,
                          void *clientData = 0);
#ifdef GC_PLACEMENT_DELETE
inline void operator delete(void *, GC_NS_QUALIFY(GCPlacement),
                            GC_NS_QUALIFY(GCCleanUpFunc),
                            void *) GC_NOEXCEPT;
#endif
#ifdef GC_OPERATOR_NEW_ARRAY
inline void *operator new[](size_t size, GC_NS_QUALIFY(GCPlacement) gcp,
                            GC_NS_QUALIFY(GCCleanUpFunc) cleanup = 0,
                            void *clientData = 0);
# ifdef GC_PLACEMENT_DELETE
inline void operator delete[](void *, GC_NS_QUALIFY(GCPlacement),
                              GC_NS_QUALIFY(GCCleanUpFunc),
                              void *) GC_NOEXCEPT;
# endif
#endif

/* ---- definitions ---- */

/* An object for placement gcp, or the OOM check's answer. */
inline void *GC_cpp_alloc_(size_t size, GC_NS_QUALIFY(GCPlacement) gcp)
{
    void *obj;
    switch (gcp) {
    case GC_NS_QUALIFY(NoGC):
        obj = GC_MALLOC_UNCOLLECTABLE(size);
        break;
    case GC_NS_QUALIFY(PointerFreeGC):
        obj = GC_MALLOC_ATOMIC(size);
        break;
#ifdef GC_ATOMIC_UNCOLLECTABLE
    case GC_NS_QUALIFY(PointerFreeNoGC):
        obj = GC_MALLOC_ATOMIC_UNCOLLECTABLE(size);
        break;
#endif
    default:
        obj = GC_MALLOC(size);
        break;
    }
    GC_OP_NEW_OOM_CHECK(obj);
    return obj;
}

#ifdef GC_NAMESPACE
namespace boehmgc
{
#endif

inline void *gc::operator new(size_t size)
{
    void *obj = GC_MALLOC(size);
    GC_OP_NEW_OOM_CHECK(obj);
    return obj;
}

inline void *gc::operator new(size_t size, GCPlacement gcp)
{
    return GC_cpp_alloc_(size, gcp);
}

inline void *gc::operator new(size_t, void *p) GC_NOEXCEPT
{
    return p;
}

inline void gc::operator delete(void *obj) GC_NOEXCEPT
{
    GC_FREE(obj);
}

#ifdef GC_PLACEMENT_DELETE
inline void gc::operator delete(void *, void *) GC_NOEXCEPT {}

inline void gc::operator delete(void *obj, GCPlacement) GC_NOEXCEPT
{
    GC_FREE(obj);
}
#endif

#ifdef GC_OPERATOR_NEW_ARRAY
inline void *gc::operator new[](size_t size)
{
    return gc::operator new(size);
}

inline void *gc::operator new[](size_t size, GCPlacement gcp)
{
    return gc::operator new(size, gcp);
}

inline void *gc::operator new[](size_t, void *p) GC_NOEXCEPT
{
    return p;
}

inline void gc::operator delete[](void *obj) GC_NOEXCEPT
{
    gc::operator delete(obj);
}

# ifdef GC_PLACEMENT_DELETE
inline void gc::operator delete[](void *, void *) GC_NOEXCEPT {}

inline void gc::operator delete[](void *obj, GCPlacement) GC_NOEXCEPT
{
    gc::operator delete(obj);
}
# endif
#endif

/* The finalizer is registered on the object's base with the offset of
 * this gc_cleanup part as data: a gc_cleanup may be a base class, or a
 * member, at any offset.  A finalizer the object had already (another
 * gc_cleanup part) is kept. */
inline gc_cleanup::gc_cleanup()
{
    void *self = static_cast<void *>(this);
    void *base = GC_base(self);
    if (base == 0)
        return; /* on the stack, static, or from another allocator */
    GC_finalization_proc ofn = 0;
    void *ocd = 0;
    GC_REGISTER_FINALIZER_IGNORE_SELF(base,
            reinterpret_cast<GC_finalization_proc>(cleanup),
            reinterpret_cast<void *>(static_cast<char *>(self) -
                                     static_cast<char *>(base)),
            &ofn, &ocd);
    if (ofn != 0)
        GC_REGISTER_FINALIZER_IGNORE_SELF(base, ofn, ocd, 0, 0);
}

inline gc_cleanup::~gc_cleanup()
{
    void *base = GC_base(static_cast<void *>(this));
    if (base != 0)
        GC_REGISTER_FINALIZER_IGNORE_SELF(base, 0, 0, 0, 0);
}

inline void GC_cdecl gc_cleanup::cleanup(void *obj, void *displ)
{
    reinterpret_cast<gc_cleanup *>(static_cast<char *>(obj) +
                                   reinterpret_cast<GC_word>(displ))
            ->~gc_cleanup();
}

#ifdef GC_NAMESPACE
}
#endif

inline void *operator new(size_t size, GC_NS_QUALIFY(GCPlacement) gcp,
                          GC_NS_QUALIFY(GCCleanUpFunc) cleanup,
                          void *clientData)
{
    void *obj = GC_cpp_alloc_(size, gcp);
    if (cleanup != 0 && gcp == GC_NS_QUALIFY(UseGC))
        GC_REGISTER_FINALIZER_IGNORE_SELF(obj, cleanup, clientData, 0, 0);
    return obj;
}

#ifdef GC_PLACEMENT_DELETE
inline void operator delete(void *obj, GC_NS_QUALIFY(GCPlacement),
                            GC_NS_QUALIFY(GCCleanUpFunc),
                            void *) GC_NOEXCEPT
{
    GC_FREE(obj);
}
#endif

#ifdef GC_OPERATOR_NEW_ARRAY
inline void *operator new[](size_t size, GC_NS_QUALIFY(GCPlacement) gcp,
                            GC_NS_QUALIFY(GCCleanUpFunc) cleanup,
                            void *clientData)
{
    return ::operator new(size, gcp, cleanup, clientData);
}

# ifdef GC_PLACEMENT_DELETE
inline void operator delete[](void *obj, GC_NS_QUALIFY(GCPlacement),
                              GC_NS_QUALIFY(GCCleanUpFunc),
                              void *) GC_NOEXCEPT
{
    GC_FREE(obj);
}
# endif
#endif

#endif /* GC_CPP_H */
