/*
 * spangc: the bdwgc release whose API and ABI this library provides.
 *
 * Clients compare these numbers at compile time; GC_get_version() returns
 * the same triple at run time, packed as (major << 16) | (minor << 8) |
 * micro, so a client can tell which library it was actually loaded with.
 */
#ifndef GC_VERSION_H
#define GC_VERSION_H

#define GC_VERSION_MAJOR 8
#define GC_VERSION_MINOR 2
#define GC_VERSION_MICRO 2

#endif /* GC_VERSION_H */
