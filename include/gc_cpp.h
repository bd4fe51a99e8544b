/* spangc: top-level entry header for C++, as bdwgc installs it; the
 * declarations live in gc/gc_cpp.h. */
#include "gc/gc_cpp.h"
