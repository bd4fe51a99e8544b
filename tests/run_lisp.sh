#!/bin/sh
# The Lisp interpreter of examples/lisp: each demo script runs to the end
# and prints exactly its expected output (demos/NAME.out; the figures of
# (room) vary from run to run and are only checked for form), with its
# cells in a kind of their own marked by the interpreter's mark procedure,
# with them scanned conservatively (LISP_CELLS=conservative), and built
# against Debian's bdwgc when it is installed; the REPL reads standard
# input; errors are reported and set the exit status.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
lisp="$builddir/examples/lisp/lisp"
demos="$srcdir/examples/lisp/demos"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "run_lisp: $*"; exit 1; }

# run_demos LABEL COMMAND...: every demo through COMMAND, output checked.
run_demos() {
	label=$1
	shift
	for script in "$demos"/*.lisp; do
		name=$(basename "$script" .lisp)
		"$@" "$script" > "$tmp/$name.txt" 2> "$tmp/$name.err" ||
			{ cat "$tmp/$name.txt" "$tmp/$name.err"; fail "$label: $name.lisp failed"; }
		if grep '^room: ' "$tmp/$name.txt" | grep -v -q -E \
			'^room: heap [0-9]+ KiB, free [0-9]+ KiB, [0-9]+ collections, [0-9]+ KiB allocated, [0-9]+ cells$'; then
			fail "$label: $name.lisp: (room) printed an unexpected line"
		fi
		grep -v '^room: ' "$tmp/$name.txt" > "$tmp/$name.out"
		diff -u "$demos/$name.out" "$tmp/$name.out" ||
			fail "$label: $name.lisp: output differs from $name.out"
		[ -s "$tmp/$name.err" ] && { cat "$tmp/$name.err"; fail "$label: $name.lisp wrote to stderr"; }
		echo "run_lisp: $label: $name.lisp: $(wc -l < "$tmp/$name.out") lines as expected"
	done
}

# The cells' old conservative path (GC_MALLOC) gives the same output.
LISP_CELLS=conservative run_demos conservative "$lisp"
LISP_CELLS=bogus "$lisp" -e 1 > /dev/null 2> "$tmp/mode.err" &&
	fail "LISP_CELLS=bogus accepted"
grep -q 'LISP_CELLS=bogus: expected marked or conservative' "$tmp/mode.err" ||
	fail "LISP_CELLS=bogus: $(cat "$tmp/mode.err")"

# The same source built against Debian's bdwgc (its headers and
# libgc.so.1): the kind and its mark procedure are bdwgc's API.
cc=${CC:-cc}
if [ -f /usr/include/gc/gc_mark.h ] &&
	$cc -std=gnu11 -O2 -I/usr/include "$srcdir/examples/lisp/lisp.c" -lgc \
		-o "$tmp/lisp-bdwgc" 2> "$tmp/cc.log"; then
	run_demos bdwgc "$tmp/lisp-bdwgc"
else
	cat "$tmp/cc.log" 2>/dev/null
	echo "run_lisp: bdwgc: cannot build against Debian's libgc: not run"
fi

# Last on spangc with the cells' kind and mark procedure (the default),
# whose figures the checks below read.
run_demos spangc "$lisp"

# The trees demo allocated enough to collect many times.
cycles=$(grep '^room: ' "$tmp/trees.txt" | sed 's/.* \([0-9]*\) collections.*/\1/')
[ "${cycles:-0}" -ge 20 ] || fail "trees.lisp ran only ${cycles:-0} collections"

# The REPL: values printed, an error reported and survived.
printf '%s\n' '(define (sq x) (* x x))' '(map sq (list 1 2 3))' \
	'(car (quote ()))' '"still here"' '(hash-count (make-weak-hash-table))' |
	"$lisp" > "$tmp/repl.out" 2> "$tmp/repl.err" &&
	fail "the REPL exited 0 after an error"
printf '%s\n' '(1 4 9)' '"still here"' '0' | diff -u - "$tmp/repl.out" ||
	fail "REPL output differs"
grep -q '^error: car: not a pair: ()$' "$tmp/repl.err" ||
	fail "REPL error message: $(cat "$tmp/repl.err")"

# A script stops at its first error, with status 1.
printf '(display "before")\n(newline)\n(undefined-thing)\n(display "after")\n' > "$tmp/bad.lisp"
"$lisp" "$tmp/bad.lisp" > "$tmp/bad.out" 2> "$tmp/bad.err"
[ $? -eq 1 ] || fail "a failing script did not exit with status 1"
[ "$(cat "$tmp/bad.out")" = before ] || fail "script output: $(cat "$tmp/bad.out")"
grep -q 'unbound variable: undefined-thing' "$tmp/bad.err" ||
	fail "script error message: $(cat "$tmp/bad.err")"

# Proper tail calls: a million iterations in constant C stack.
[ "$("$lisp" -e '(let loop ((i 0)) (if (< i 1000000) (loop (+ i 1)) i))')" = 1000000 ] ||
	fail "tail calls"
echo "run_lisp: all passed"
