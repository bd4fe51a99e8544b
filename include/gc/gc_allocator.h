/*
 * gc_allocator.h: standard-library allocators on the collector (bdwgc's
 * interface, written for spangc).
 *
 *   gc_allocator<T>                  collectible memory; containers of
 *                                    arithmetic types get pointer-free
 *                                    (unscanned) memory
 *   gc_allocator_ignore_off_page<T>  the same, for large arrays the
 *                                    program keeps a pointer to the start of
 *   traceable_allocator<T>           uncollectable memory that is scanned:
 *                                    a container of pointers to collected
 *                                    objects kept in memory the collector
 *                                    does not own
 *
 * All three free memory explicitly in deallocate, as the containers ask.
 * Allocation failure throws std::bad_alloc (aborts with
 * GC_NEW_ABORTS_ON_OOM or without exceptions).  Instances compare equal.
 */
#ifndef GC_ALLOCATOR_H
#define GC_ALLOCATOR_H

#include "gc.h"
#include <new>

#if defined(GC_NEW_ABORTS_ON_OOM) || defined(_LIBCPP_NO_EXCEPTIONS)
# define GC_ALLOCATOR_THROW_OR_ABORT() GC_abort_on_oom()
#else
# define GC_ALLOCATOR_THROW_OR_ABORT() throw std::bad_alloc()
#endif

/* Whether a type holds no pointers: GC_type_traits<T>::GC_is_ptr_free is
 * of type GC_true_type for those declared with GC_DECLARE_PTRFREE. */
struct GC_true_type {};
struct GC_false_type {};

template <class GC_tp>
struct GC_type_traits {
    GC_false_type GC_is_ptr_free;
};

#define GC_DECLARE_PTRFREE(T) \
    template <> struct GC_type_traits<T> { GC_true_type GC_is_ptr_free; }

GC_DECLARE_PTRFREE(char);
GC_DECLARE_PTRFREE(signed char);
GC_DECLARE_PTRFREE(unsigned char);
GC_DECLARE_PTRFREE(signed short);
GC_DECLARE_PTRFREE(unsigned short);
GC_DECLARE_PTRFREE(signed int);
GC_DECLARE_PTRFREE(unsigned int);
GC_DECLARE_PTRFREE(signed long);
GC_DECLARE_PTRFREE(unsigned long);
GC_DECLARE_PTRFREE(float);
GC_DECLARE_PTRFREE(double);
GC_DECLARE_PTRFREE(long double);

/* n bytes, scanned (GC_false_type) or not (GC_true_type). */
template <class GC_Tp>
inline void *GC_selective_alloc(size_t n, GC_Tp, bool ignore_off_page)
{
    void *obj = ignore_off_page ? GC_MALLOC_IGNORE_OFF_PAGE(n)
                                : GC_MALLOC(n);
    if (obj == 0)
        GC_ALLOCATOR_THROW_OR_ABORT();
    return obj;
}

template <>
inline void *GC_selective_alloc<GC_true_type>(size_t n, GC_true_type,
                                              bool ignore_off_page)
{
    void *obj = ignore_off_page ? GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(n)
                                : GC_MALLOC_ATOMIC(n);
    if (obj == 0)
        GC_ALLOCATOR_THROW_OR_ABORT();
    return obj;
}

/* What the three allocators share. */
template <class GC_Tp>
class GC_allocator_base_ {
public:
    typedef size_t       size_type;
    typedef ptrdiff_t    difference_type;
    typedef GC_Tp*       pointer;
    typedef const GC_Tp* const_pointer;
    typedef GC_Tp&       reference;
    typedef const GC_Tp& const_reference;
    typedef GC_Tp        value_type;

    pointer address(reference x) const { return &x; }
    const_pointer address(const_reference x) const { return &x; }
    void deallocate(pointer p, size_type) GC_NOEXCEPT { GC_FREE(p); }
    size_type max_size() const GC_NOEXCEPT
        { return size_t(-1) / sizeof(GC_Tp); }
    void construct(pointer p, const GC_Tp &val) { new (p) GC_Tp(val); }
    void destroy(pointer p) { p->~GC_Tp(); }

protected:
    static size_type bytes(size_type n)
    {
        if (n > size_t(-1) / sizeof(GC_Tp))
            GC_ALLOCATOR_THROW_OR_ABORT();
        return n * sizeof(GC_Tp);
    }
};

template <class GC_Tp>
class gc_allocator: public GC_allocator_base_<GC_Tp> {
public:
    template <class GC_Tp1> struct rebind {
        typedef gc_allocator<GC_Tp1> other;
    };
    gc_allocator() GC_NOEXCEPT {}
    gc_allocator(const gc_allocator &) GC_NOEXCEPT {}
    template <class GC_Tp1> GC_ATTR_EXPLICIT
    gc_allocator(const gc_allocator<GC_Tp1> &) GC_NOEXCEPT {}
    ~gc_allocator() GC_NOEXCEPT {}

    GC_Tp *allocate(size_t n, const void * = 0)
    {
        GC_type_traits<GC_Tp> traits;
        return static_cast<GC_Tp *>(GC_selective_alloc(this->bytes(n),
                                    traits.GC_is_ptr_free, false));
    }
};

template <>
class gc_allocator<void> {
public:
    typedef size_t      size_type;
    typedef ptrdiff_t   difference_type;
    typedef void*       pointer;
    typedef const void* const_pointer;
    typedef void        value_type;
    template <class GC_Tp1> struct rebind {
        typedef gc_allocator<GC_Tp1> other;
    };
};

template <class GC_T1, class GC_T2>
inline bool operator==(const gc_allocator<GC_T1> &,
                       const gc_allocator<GC_T2> &) GC_NOEXCEPT
{
    return true;
}

template <class GC_T1, class GC_T2>
inline bool operator!=(const gc_allocator<GC_T1> &,
                       const gc_allocator<GC_T2> &) GC_NOEXCEPT
{
    return false;
}

template <class GC_Tp>
class gc_allocator_ignore_off_page: public GC_allocator_base_<GC_Tp> {
public:
    template <class GC_Tp1> struct rebind {
        typedef gc_allocator_ignore_off_page<GC_Tp1> other;
    };
    gc_allocator_ignore_off_page() GC_NOEXCEPT {}
    gc_allocator_ignore_off_page(const gc_allocator_ignore_off_page &)
        GC_NOEXCEPT {}
    template <class GC_Tp1> GC_ATTR_EXPLICIT
    gc_allocator_ignore_off_page(
        const gc_allocator_ignore_off_page<GC_Tp1> &) GC_NOEXCEPT {}
    ~gc_allocator_ignore_off_page() GC_NOEXCEPT {}

    GC_Tp *allocate(size_t n, const void * = 0)
    {
        GC_type_traits<GC_Tp> traits;
        return static_cast<GC_Tp *>(GC_selective_alloc(this->bytes(n),
                                    traits.GC_is_ptr_free, true));
    }
};

template <>
class gc_allocator_ignore_off_page<void> {
public:
    typedef size_t      size_type;
    typedef ptrdiff_t   difference_type;
    typedef void*       pointer;
    typedef const void* const_pointer;
    typedef void        value_type;
    template <class GC_Tp1> struct rebind {
        typedef gc_allocator_ignore_off_page<GC_Tp1> other;
    };
};

template <class GC_T1, class GC_T2>
inline bool operator==(const gc_allocator_ignore_off_page<GC_T1> &,
                       const gc_allocator_ignore_off_page<GC_T2> &)
    GC_NOEXCEPT
{
    return true;
}

template <class GC_T1, class GC_T2>
inline bool operator!=(const gc_allocator_ignore_off_page<GC_T1> &,
                       const gc_allocator_ignore_off_page<GC_T2> &)
    GC_NOEXCEPT
{
    return false;
}

template <class GC_Tp>
class traceable_allocator: public GC_allocator_base_<GC_Tp> {
public:
    template <class GC_Tp1> struct rebind {
        typedef traceable_allocator<GC_Tp1> other;
    };
    traceable_allocator() GC_NOEXCEPT {}
    traceable_allocator(const traceable_allocator &) GC_NOEXCEPT {}
    template <class GC_Tp1> GC_ATTR_EXPLICIT
    traceable_allocator(const traceable_allocator<GC_Tp1> &) GC_NOEXCEPT {}
    ~traceable_allocator() GC_NOEXCEPT {}

    GC_Tp *allocate(size_t n, const void * = 0)
    {
        void *obj = GC_MALLOC_UNCOLLECTABLE(this->bytes(n));
        if (obj == 0)
            GC_ALLOCATOR_THROW_OR_ABORT();
        return static_cast<GC_Tp *>(obj);
    }
};

template <>
class traceable_allocator<void> {
public:
    typedef size_t      size_type;
    typedef ptrdiff_t   difference_type;
    typedef void*       pointer;
    typedef const void* const_pointer;
    typedef void        value_type;
    template <class GC_Tp1> struct rebind {
        typedef traceable_allocator<GC_Tp1> other;
    };
};

template <class GC_T1, class GC_T2>
inline bool operator==(const traceable_allocator<GC_T1> &,
                       const traceable_allocator<GC_T2> &) GC_NOEXCEPT
{
    return true;
}

template <class GC_T1, class GC_T2>
inline bool operator!=(const traceable_allocator<GC_T1> &,
                       const traceable_allocator<GC_T2> &) GC_NOEXCEPT
{
    return false;
}

#endif /* GC_ALLOCATOR_H */
