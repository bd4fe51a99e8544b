#!/bin/sh
# Black-listing saves memory (src/pagealloc.h): tests/false_refs, whose
# static data holds words pointing into the heap's range, runs its
# workload with black-listing and again with SPANGC_NO_BLACKLIST=1 and
# fails unless the first keeps under a quarter of the second.  It
# collects once before building (the "pre" argument), so every word is
# listed before anything is allocated; the figures are deterministic
# (fixed random seed).  Prints both lines.
builddir=${SGC_BUILDDIR:-.}
"$builddir/tests/false_refs" 10 pre
