#!/bin/sh
# A program built against Debian's bdwgc (its <gc.h>, linked with its
# libgc.so.1) runs on spangc when the loader finds spangc's libgc.so.1
# first.  The API suite and the finalization example are the programs.
# Skipped (77) when bdwgc's development files are not installed.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
cc=${CC:-cc}
[ -f /usr/include/gc/gc.h ] || { echo "bdwgc headers not installed: skipped"; exit 77; }
pkg-config --exists check 2>/dev/null || { echo "check not installed: skipped"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# Debian's headers only: the test source's spangc parts stay off.
if ! $cc -std=gnu11 -O1 -I/usr/include "$srcdir/tests/check_api.c" \
	$(pkg-config --cflags --libs check) -lgc -o "$tmp/api_bdwgc" 2>"$tmp/cc.log"; then
	cat "$tmp/cc.log"; echo "cannot build against Debian's libgc: skipped"; exit 77
fi
$cc -std=gnu11 -O1 -I/usr/include "$srcdir/examples/finalize_demo.c" -lgc \
	-o "$tmp/fin_bdwgc" || exit 1
resolved=$(LD_LIBRARY_PATH="$builddir/.libs" ldd "$tmp/api_bdwgc" | awk '/libgc\.so\.1/ {print $3}')
case "$resolved" in
	"$builddir"/.libs/*) ;;
	*) echo "libgc.so.1 resolves to '$resolved', not spangc's"; exit 1 ;;
esac
echo "libgc.so.1 -> $resolved"
# A sanitizer build of spangc needs its runtime loaded first.
preload=$(ldd "$resolved" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')
LD_PRELOAD="$preload" LD_LIBRARY_PATH="$builddir/.libs" "$tmp/api_bdwgc" || exit 1
LD_PRELOAD="$preload" LD_LIBRARY_PATH="$builddir/.libs" "$tmp/fin_bdwgc"
