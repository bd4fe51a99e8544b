#!/bin/sh
# The install works like bdwgc's: after `make install` (into a scratch
# DESTDIR), `pkg-config --cflags --libs bdw-gc` builds an unchanged bdwgc
# program (tests/smash_program.c) against spangc's headers, and the
# program runs on spangc's libgc.so.1 (its reports are spangc's).
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
cc=${CC:-cc}
command -v pkg-config >/dev/null || { echo "no pkg-config: skipped"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
make -C "$builddir" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$builddir/bdw-gc.pc")
pcdir=$(dirname "$(find "$tmp/root" -name bdw-gc.pc | head -1)")
[ -f "$pcdir/bdw-gc.pc" ] || { echo "bdw-gc.pc not installed"; exit 1; }
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$tmp/root$prefix" \
	--cflags --libs bdw-gc) || exit 1
echo "pkg-config --cflags --libs bdw-gc: $flags"
for f in gc.h gc_cpp.h gc/gc.h gc/leak_detector.h; do
	[ -f "$tmp/root$prefix/include/$f" ] || { echo "$f not installed"; exit 1; }
done
# shellcheck disable=SC2086
$cc -std=gnu11 "$srcdir/tests/smash_program.c" $flags -o "$tmp/prog" || exit 1
resolved=$(ldd "$tmp/prog" | awk '$1 == "libgc.so.1" {print $3}')
case "$resolved" in
	"$tmp"/root/*) echo "libgc.so.1 -> $resolved" ;;
	*) echo "libgc.so.1 resolves to '$resolved', not the installed spangc"; exit 1 ;;
esac
preload=$(ldd "$resolved" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')
LD_PRELOAD="$preload" "$tmp/prog" >"$tmp/out" 2>&1
cat "$tmp/out"
grep -q "GC Warning: collection: smashed object" "$tmp/out" || { echo "not spangc's report"; exit 1; }
echo "install: ok"
