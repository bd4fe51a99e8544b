/*
 * spangc: the annotation macros used by the public declarations.
 *
 * Only what the public headers need: linkage (GC_API), calling
 * convention (GC_CALL, GC_CALLBACK) and compiler attributes.  Each macro is
 * guarded by #ifndef, as in bdwgc, so a client that predefines one keeps
 * its own definition.  Nothing here depends on how spangc itself is built.
 */
#ifndef GC_CONFIG_MACROS_H
#define GC_CONFIG_MACROS_H

#include <stddef.h>     /* size_t, used by every allocation call */

#if defined(__GNUC__) || defined(__clang__)
# define GC_HAVE_GNU_ATTRIBUTES_ 1
#else
# define GC_HAVE_GNU_ATTRIBUTES_ 0
#endif

/* Declares a symbol of libgc.so.1.  The explicit default visibility keeps
 * the symbol exported when the library is compiled with
 * -fvisibility=hidden, which is how spangc hides everything else. */
#ifndef GC_API
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_API extern __attribute__((visibility("default")))
# else
#   define GC_API extern
# endif
#endif

/* Calling conventions: both empty on the platforms spangc supports; they
 * exist so that declarations read the same as bdwgc's. */
#ifndef GC_CALL
# define GC_CALL
#endif
#ifndef GC_CALLBACK
# define GC_CALLBACK GC_CALL
#endif

/* The result of an allocation aliases nothing else that is live. */
#ifndef GC_ATTR_MALLOC
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_ATTR_MALLOC __attribute__((__malloc__))
# else
#   define GC_ATTR_MALLOC
# endif
#endif

/* Argument ARGNUM (or the product of N and S) is the size of the result,
 * which lets __builtin_object_size and _FORTIFY_SOURCE see it. */
#ifndef GC_ATTR_ALLOC_SIZE
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_ATTR_ALLOC_SIZE(argnum) __attribute__((__alloc_size__(argnum)))
# else
#   define GC_ATTR_ALLOC_SIZE(argnum)
# endif
#endif
#ifndef GC_ATTR_CALLOC_SIZE
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_ATTR_CALLOC_SIZE(n, s) __attribute__((__alloc_size__(n, s)))
# else
#   define GC_ATTR_CALLOC_SIZE(n, s)
# endif
#endif

/* Argument ARGNUM must not be a null pointer. */
#ifndef GC_ATTR_NONNULL
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_ATTR_NONNULL(argnum) __attribute__((__nonnull__(argnum)))
# else
#   define GC_ATTR_NONNULL(argnum)
# endif
#endif

/* The function's result depends on its arguments only. */
#ifndef GC_ATTR_CONST
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_ATTR_CONST __attribute__((__const__))
# else
#   define GC_ATTR_CONST
# endif
#endif

/* Marks the variables that bdwgc keeps only for old clients; new code
 * uses the GC_set_* / GC_get_* functions.  A translation unit that must
 * touch them without a warning (the library itself) predefines this
 * macro as empty before including gc.h. */
#ifndef GC_ATTR_DEPRECATED
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_ATTR_DEPRECATED __attribute__((__deprecated__))
# else
#   define GC_ATTR_DEPRECATED
# endif
#endif

/* Call chains and how the debug calls learn their caller (GC_EXTRAS in
 * gc.h), decided exactly as bdwgc decides them, since the latter changes
 * the debug calls' signatures.  With glibc (backtrace() in execinfo.h)
 * the collector saves a call chain in each debug object, so the calls
 * take the file and line only; elsewhere on Linux they take the caller's
 * return address too. */
#if defined(__linux__) || defined(__GLIBC__)
# include <features.h>
# if (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 1 || __GLIBC__ > 2) \
     && !defined(__ia64__) && !defined(GC_MISSING_EXECINFO_H) \
     && !defined(GC_HAVE_BUILTIN_BACKTRACE)
#   define GC_HAVE_BUILTIN_BACKTRACE
# endif
# if defined(__i386__) || defined(__amd64__) || defined(__x86_64__)
#   define GC_CAN_SAVE_CALL_STACKS
# endif
#endif
#if defined(GC_HAVE_BUILTIN_BACKTRACE) && !defined(GC_CAN_SAVE_CALL_STACKS)
# define GC_CAN_SAVE_CALL_STACKS
#endif
#if defined(__sparc__) && !defined(GC_CAN_SAVE_CALL_STACKS)
# define GC_CAN_SAVE_CALL_STACKS
#endif
#if !defined(GC_ADD_CALLER) && defined(__linux__) \
    && !defined(GC_CAN_SAVE_CALL_STACKS)
# define GC_ADD_CALLER
# if defined(__GNUC__)
#   define GC_RETURN_ADDR (GC_word)__builtin_return_address(0)
#   if (defined(__i386__) || defined(__amd64__) || defined(__x86_64__)) \
       && !defined(GC_NO_RETURN_ADDR_PARENT)
#     define GC_HAVE_RETURN_ADDR_PARENT
#     define GC_RETURN_ADDR_PARENT \
        (GC_word)__builtin_extract_return_addr(__builtin_return_address(1))
#   endif
# else
#   define GC_RETURN_ADDR 0
# endif
#endif

/* C++: an exception specification of none, and explicit constructors. */
#ifndef GC_NOEXCEPT
# if defined(__cplusplus) && __cplusplus >= 201103L
#   define GC_NOEXCEPT noexcept
# elif defined(__cplusplus)
#   define GC_NOEXCEPT throw()
# else
#   define GC_NOEXCEPT
# endif
#endif
#ifndef GC_ATTR_EXPLICIT
# if defined(__cplusplus) && __cplusplus >= 201103L
#   define GC_ATTR_EXPLICIT explicit
# else
#   define GC_ATTR_EXPLICIT
# endif
#endif

/* GC_THREADS (the client's request for thread support) means POSIX
 * threads here. */
#if defined(GC_THREADS) && !defined(GC_PTHREADS)
# define GC_PTHREADS 1
#endif

/* bdwgc's configuration facts that clients test: the GCC version test,
 * the thread flavour, and how the pthread wrappers are declared. */
#if defined(__GNUC__) && defined(__GNUC_MINOR__)
# define GC_GNUC_PREREQ(major, minor) \
        ((__GNUC__ << 16) + __GNUC_MINOR__ >= ((major) << 16) + (minor))
#else
# define GC_GNUC_PREREQ(major, minor) 0
#endif
#if defined(GC_PTHREADS) && defined(__linux__) && !defined(GC_LINUX_THREADS)
# define GC_LINUX_THREADS
#endif
#ifndef GC_PTHREAD_CREATE_CONST
# define GC_PTHREAD_CREATE_CONST const
#endif
#if defined(GC_LINUX_THREADS) && !defined(GC_HAVE_PTHREAD_EXIT)
# define GC_HAVE_PTHREAD_EXIT
# if GC_HAVE_GNU_ATTRIBUTES_
#   define GC_PTHREAD_EXIT_ATTRIBUTE __attribute__((__noreturn__))
# else
#   define GC_PTHREAD_EXIT_ATTRIBUTE
# endif
#endif

#endif /* GC_CONFIG_MACROS_H */
