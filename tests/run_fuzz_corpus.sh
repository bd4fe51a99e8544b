#!/bin/sh
# Replays the checked-in fuzzing corpus (tests/fuzz/corpus/{lookup,api})
# through the fuzzing harnesses, built with the normal compiler and a plain
# main() (tests/fuzz/fuzz_main.c): any failed check aborts.  Longer runs
# under libFuzzer: tools/run-fuzz.

builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
"$builddir/tests/fuzz/fuzz_lookup" "$srcdir/tests/fuzz/corpus/lookup" || exit 1
"$builddir/tests/fuzz/fuzz_api" "$srcdir/tests/fuzz/corpus/api" || exit 1
# The checks can fail: with a planted bug (a live object freed behind the
# model's back) each harness must abort.
for h in lookup api; do
	if SGC_FUZZ_PLANT=1 "$builddir/tests/fuzz/fuzz_$h" "$srcdir/tests/fuzz/corpus/$h" \
		> /dev/null 2> fuzz-plant.$$.err; then
		echo "fuzz_$h did not catch the planted bug"
		rm -f fuzz-plant.$$.err
		exit 1
	fi
	grep "fuzz_$h:" fuzz-plant.$$.err
	rm -f fuzz-plant.$$.err
done
