#!/bin/sh
# spangc-plot on a real trace (the README's demo: the Lisp interpreter
# running trees.lisp): the SVG is well-formed XML (tests/xmlcheck) with one
# pause bar per cycle of the trace and the percentile table; a trace cut
# short is still drawn; what is not a trace is refused.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "run_plot: $*"; exit 1; }

SPANGC_TRACE="$tmp/trace.json" "$builddir"/examples/lisp/lisp \
	"$srcdir"/examples/lisp/demos/trees.lisp > /dev/null ||
	fail "trees.lisp failed under SPANGC_TRACE"
cycles=$(grep -c '"name":"GC ' "$tmp/trace.json")
[ "$cycles" -gt 0 ] || fail "no cycles in the trace"
"$builddir"/tools/spangc-plot "$tmp/trace.json" > "$tmp/heap.svg" ||
	fail "spangc-plot failed"
"$builddir"/tests/xmlcheck -r svg "$tmp/heap.svg" pause "$cycles" ||
	fail "the SVG is not well-formed, or not an svg with $cycles pause bars"
for col in p50 p90 p99 max; do
	grep -q ">$col</text>" "$tmp/heap.svg" || fail "no $col in the table"
done
for line in in-use live goal mapped; do
	grep -q "<polyline class=\"$line\"" "$tmp/heap.svg" ||
		fail "no $line line"
done

# A trace whose program died: cut two thirds of the way through.
size=$(wc -c < "$tmp/trace.json")
head -c $((size * 2 / 3)) "$tmp/trace.json" > "$tmp/cut.json"
"$builddir"/tools/spangc-plot "$tmp/cut.json" > "$tmp/cut.svg" ||
	fail "spangc-plot refused a trace cut short"
"$builddir"/tests/xmlcheck -r svg "$tmp/cut.svg" > /dev/null ||
	fail "the SVG of a cut trace is not well-formed"

# Not a trace.
echo 'hello' > "$tmp/bad.json"
if "$builddir"/tools/spangc-plot "$tmp/bad.json" > /dev/null 2> "$tmp/err"; then
	fail "spangc-plot accepted a file that is not JSON"
fi
grep -q 'not a trace' "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"
echo '[]' > "$tmp/empty.json"
if "$builddir"/tools/spangc-plot "$tmp/empty.json" > /dev/null 2> "$tmp/err"; then
	fail "spangc-plot drew a trace without collections"
fi
grep -q 'no collections' "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"
echo "run_plot: $cycles cycles drawn"
