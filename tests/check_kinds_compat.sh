#!/bin/sh
# check_api_kinds.c built against Debian's bdwgc (its headers, linked with
# its libgc.so.1) runs on spangc's libgc.so.1: the kinds, mark procedures,
# typed, gcj, batch and inline allocation and displacements of bdwgc's
# ABI.  Skipped (77) when bdwgc's development files are not installed.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
cc=${CC:-cc}
[ -f /usr/include/gc/gc_mark.h ] || { echo "bdwgc headers not installed: skipped"; exit 77; }
pkg-config --exists check 2>/dev/null || { echo "check not installed: skipped"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
lib="$builddir/.libs/libgc.so.1"
extra=
nm -D --defined-only "$lib" | grep -q ' GC_end_stubborn_change$' ||
	extra=-DSGC_NO_STUBBORN
if ! $cc -std=gnu11 -O1 $extra -I/usr/include "$srcdir/tests/check_api_kinds.c" \
	$(pkg-config --cflags --libs check) -lgc -pthread -o "$tmp/kinds_bdwgc" 2>"$tmp/cc.log"; then
	cat "$tmp/cc.log"; echo "cannot build against Debian's libgc: skipped"; exit 77
fi
preload=$(ldd "$lib" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')
LD_PRELOAD="$preload" LD_LIBRARY_PATH="$builddir/.libs" "$tmp/kinds_bdwgc"
