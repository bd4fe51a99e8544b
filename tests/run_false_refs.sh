#!/bin/sh
# Black-listing saves memory (src/pagealloc.h): tests/false_refs, whose
# static data holds words pointing into the heap's range, keeps far less
# with black-listing than with SPANGC_NO_BLACKLIST=1.  Both runs collect
# once before building (the "pre" argument), so every word is listed
# before anything is allocated; the figures are deterministic (fixed
# random seed), the bound (a quarter) is loose.  Prints both lines.
builddir=${SGC_BUILDDIR:-.}
prog="$builddir/tests/false_refs"
with=$("$prog" 10 pre) || { echo "false_refs failed"; exit 1; }
without=$(SPANGC_NO_BLACKLIST=1 "$prog" 10 pre) || { echo "false_refs failed (no black list)"; exit 1; }
echo "black-listing:    $with"
echo "no black-listing: $without"
kib() { echo "$1" | sed -n 's/.*retained_kib=\([0-9]*\).*/\1/p'; }
w=$(kib "$with"); wo=$(kib "$without")
[ -n "$w" ] && [ -n "$wo" ] || { echo "no figures"; exit 1; }
if [ $((w * 4)) -ge "$wo" ]; then
	echo "FAIL: black-listing kept $w KiB, without it $wo KiB"
	exit 1
fi
