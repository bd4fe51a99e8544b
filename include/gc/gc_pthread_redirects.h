/*
 * gc_pthread_redirects.h: route the client's thread calls through the
 * collector, so that every thread it creates is registered.
 *
 * Included by <gc.h> when GC_THREADS (or GC_PTHREADS) is defined, unless
 * GC_NO_THREAD_REDIRECTS is.  Defining GC_PTHREAD_REDIRECTS_ONLY leaves
 * out the declarations (for a file that wants only the macros).
 */
#ifndef GC_PTHREAD_REDIRECTS_H
#define GC_PTHREAD_REDIRECTS_H

#if defined(GC_H) && defined(GC_PTHREADS)

#ifndef GC_PTHREAD_REDIRECTS_ONLY
# include <pthread.h>
# include <signal.h>
# include <dlfcn.h>

# ifdef __cplusplus
extern "C" {
# endif

GC_API void *GC_dlopen(const char * /* path */, int /* mode */);
GC_API int GC_pthread_sigmask(int /* how */, const sigset_t *,
                              sigset_t * /* oset */);
GC_API int GC_pthread_create(pthread_t *,
                             GC_PTHREAD_CREATE_CONST pthread_attr_t *,
                             void *(*)(void *), void * /* arg */);
GC_API int GC_pthread_join(pthread_t, void ** /* retval */);
GC_API int GC_pthread_detach(pthread_t);
GC_API int GC_pthread_cancel(pthread_t);
# ifndef GC_PTHREAD_EXIT_DECLARED
#   define GC_PTHREAD_EXIT_DECLARED
GC_API void GC_pthread_exit(void *) GC_PTHREAD_EXIT_ATTRIBUTE;
# endif

# ifdef __cplusplus
} /* extern "C" */
# endif
#endif /* !GC_PTHREAD_REDIRECTS_ONLY */

#if !defined(GC_NO_THREAD_REDIRECTS)
# undef pthread_create
# undef pthread_join
# undef pthread_detach
# undef pthread_sigmask
# undef pthread_cancel
# undef pthread_exit
# undef dlopen
# define pthread_create GC_pthread_create
# define pthread_join GC_pthread_join
# define pthread_detach GC_pthread_detach
# define pthread_sigmask GC_pthread_sigmask
# define pthread_cancel GC_pthread_cancel
# define pthread_exit GC_pthread_exit
# define dlopen GC_dlopen
#endif

#endif /* GC_H && GC_PTHREADS */

#endif /* GC_PTHREAD_REDIRECTS_H */
