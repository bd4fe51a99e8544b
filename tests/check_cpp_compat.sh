#!/bin/sh
# A C++ program built against Debian's bdwgc headers and linked with its
# libgccpp.so.1 and libgc.so.1 runs on spangc's libraries of those names
# (tests/cpp_test.cc, with LD_LIBRARY_PATH).  Skipped (77) when bdwgc's
# development files or a C++ compiler are missing.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
cxx=${CXX:-c++}
[ -f /usr/include/gc/gc_cpp.h ] || { echo "bdwgc headers not installed: skipped"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# A sanitizer build of spangc needs its runtime loaded first; that
# runtime then owns operator new.
preload=$(ldd "$builddir/.libs/libgc.so.1" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')
foreign=
[ -n "$preload" ] && foreign=-DCPP_TEST_FOREIGN_NEW
if ! $cxx -O1 $foreign -I/usr/include "$srcdir/tests/cpp_test.cc" -lgccpp -lgc \
	-o "$tmp/cpp_bdwgc" 2>"$tmp/cxx.log"; then
	cat "$tmp/cxx.log"; echo "cannot build against Debian's libgccpp: skipped"; exit 77
fi
for lib in libgc.so.1 libgccpp.so.1; do
	resolved=$(LD_LIBRARY_PATH="$builddir/.libs" ldd "$tmp/cpp_bdwgc" | awk -v l="$lib" '$1 == l {print $3}')
	case "$resolved" in
		"$builddir"/.libs/*) echo "$lib -> $resolved" ;;
		*) echo "$lib resolves to '$resolved', not spangc's"; exit 1 ;;
	esac
done
LD_PRELOAD="$preload" LD_LIBRARY_PATH="$builddir/.libs" "$tmp/cpp_bdwgc"
