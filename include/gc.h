/* spangc: top-level entry header.  bdwgc clients write either <gc.h> or
 * <gc/gc.h>; both name the same declarations, which live in gc/gc.h. */
#include "gc/gc.h"
