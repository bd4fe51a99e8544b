#!/bin/sh
# Real programs on spangc's libgc.so.1: Debian's Guile 3.0 runs a Scheme
# workload and ECL a Common Lisp one (tests/real/), each allocating
# heavily and checking its results, with the loader finding spangc's
# libgc.so.1 first.  A program that is not installed is skipped with a
# message (apt-get install guile-3.0 ecl); so is one that needs symbols
# listed in tests/bdwgc_pending.txt (not built yet).  A symbol missing
# that is not pending fails the test.  Sanitizer builds are skipped: the
# programs themselves are not instrumented.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
lib="$builddir/.libs/libgc.so.1"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }
if ldd "$lib" | grep -q -E 'lib(asan|ubsan|tsan)\.so'; then
	echo "sanitizer build: real programs skipped"; exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
grep -v -E '^(#|$)' "$srcdir/tests/bdwgc_pending.txt" | sort > "$tmp/pending"
status=0
ran=0

# run NAME PROGRAM ARGS...: 0 passed, 77 skipped, 1 failed.
run() {
	name=$1; shift
	prog=$(command -v "$1")
	if [ -z "$prog" ]; then
		echo "$name: $1 not installed, skipped"; return 77
	fi
	# The symbols the program and its libraries need that spangc's
	# libgc.so.1 lacks.
	LD_LIBRARY_PATH="$builddir/.libs" ldd -r "$prog" 2>&1 |
		sed -n 's/.*undefined symbol: \(GC_[A-Za-z0-9_]*\).*/\1/p' | sort -u > "$tmp/undef"
	if [ -s "$tmp/undef" ]; then
		if [ -n "$(comm -23 "$tmp/undef" "$tmp/pending")" ]; then
			echo "$name: spangc's libgc.so.1 lacks symbols that $1 needs:"
			comm -23 "$tmp/undef" "$tmp/pending"
			return 1
		fi
		echo "$name: skipped until these pending symbols are built:" $(cat "$tmp/undef")
		return 77
	fi
	resolved=$(LD_LIBRARY_PATH="$builddir/.libs" ldd "$prog" | awk '/libgc\.so\.1/ {print $3}')
	case "$resolved" in
	"$builddir"/.libs/*) ;;
	*) echo "$name: libgc.so.1 resolves to '$resolved', not spangc's"; return 1 ;;
	esac
	if ! LD_LIBRARY_PATH="$builddir/.libs" "$@" > "$tmp/out" 2>&1; then
		cat "$tmp/out"; echo "$name: FAILED"; return 1
	fi
	cat "$tmp/out"
	return 0
}

for w in guile ecl; do
	case $w in
	guile) run "Guile (Scheme)" guile --no-auto-compile "$srcdir/tests/real/workload.scm" ;;
	ecl) run "ECL (Common Lisp)" ecl --norc -q --load "$srcdir/tests/real/workload.lisp" ;;
	esac
	rc=$?
	case $rc in
	0) ran=$((ran + 1)) ;;
	77) ;;
	*) status=1 ;;
	esac
done
[ $status -ne 0 ] && exit 1
[ $ran -eq 0 ] && exit 77
echo "real programs: ok ($ran run)"
exit 0
