/*
 * gc_cpp.cc: libgccpp.  A program linked with it gets the collector's
 * global operator new and delete: every plain new makes an uncollectable
 * object (scanned, so what it references stays alive) and delete frees it
 * at once, as bdwgc's libgccpp does.  With GC_DEBUG defined when this
 * file is built, those would be debug objects; spangc builds it without.
 *
 * Also GC_throw_bad_alloc, as in libgctba.
 */
#include <new>
#include <gc/gc_cpp.h>

void GC_CALL GC_throw_bad_alloc()
{
    throw std::bad_alloc();
}

static void *uncollectable(size_t size)
{
    void *obj = GC_MALLOC_UNCOLLECTABLE(size);
    if (obj == 0)
        GC_throw_bad_alloc();
    return obj;
}

void *operator new(size_t size)
{
    return uncollectable(size);
}

void operator delete(void *obj) GC_NOEXCEPT
{
    GC_FREE(obj);
}

void *operator new[](size_t size)
{
    return uncollectable(size);
}

void operator delete[](void *obj) GC_NOEXCEPT
{
    GC_FREE(obj);
}

void operator delete(void *obj, size_t) GC_NOEXCEPT
{
    GC_FREE(obj);
}

void operator delete[](void *obj, size_t) GC_NOEXCEPT
{
    GC_FREE(obj);
}
