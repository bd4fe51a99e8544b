/*
 * gc_badalloc.cc: libgctba, the one function gc_cpp.h's allocations call
 * when memory runs out, for programs that keep the C++ library's global
 * operator new (libgccpp defines it too).
 */
#include <new>
#include <gc/gc_cpp.h>

void GC_CALL GC_throw_bad_alloc()
{
    throw std::bad_alloc();
}
