#!/bin/sh
# The Lisp interpreter of examples/lisp: each demo script runs to the end
# and prints exactly its expected output (demos/NAME.out; the figures of
# (room) vary from run to run and are only checked for form); the REPL
# reads standard input; errors are reported and set the exit status.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
lisp="$builddir/examples/lisp/lisp"
demos="$srcdir/examples/lisp/demos"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "run_lisp: $*"; exit 1; }

for script in "$demos"/*.lisp; do
	name=$(basename "$script" .lisp)
	"$lisp" "$script" > "$tmp/$name.txt" 2> "$tmp/$name.err" ||
		{ cat "$tmp/$name.txt" "$tmp/$name.err"; fail "$name.lisp failed"; }
	if grep '^room: ' "$tmp/$name.txt" | grep -v -q -E \
		'^room: heap [0-9]+ KiB, free [0-9]+ KiB, [0-9]+ collections, [0-9]+ KiB allocated, [0-9]+ cells$'; then
		fail "$name.lisp: (room) printed an unexpected line"
	fi
	grep -v '^room: ' "$tmp/$name.txt" > "$tmp/$name.out"
	diff -u "$demos/$name.out" "$tmp/$name.out" ||
		fail "$name.lisp: output differs from $name.out"
	[ -s "$tmp/$name.err" ] && { cat "$tmp/$name.err"; fail "$name.lisp wrote to stderr"; }
	echo "run_lisp: $name.lisp: $(wc -l < "$tmp/$name.out") lines as expected"
done

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
