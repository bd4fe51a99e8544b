#!/bin/sh
# Replays the checked-in fuzzing corpus (tests/fuzz/corpus/{lookup,api})
# through the fuzzing harnesses, built with the normal compiler and a plain
# main() (tests/fuzz/fuzz_main.c), which fails naming the input when a
# check fails and fails on an empty corpus.  Then with a planted bug (a
# live object freed behind the model's back, SGC_FUZZ_PLANT=1), where the
# driver fails unless a harness check caught it; of that run's stderr
# (the broken heap's finalizer warnings) only the lines naming the
# harness are shown, all of it when the driver fails.  Longer runs under
# libFuzzer: tools/run-fuzz.

builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
err=fuzz-plant.$$.err
trap 'rm -f "$err"' EXIT
for h in lookup api; do
	"$builddir/tests/fuzz/fuzz_$h" "$srcdir/tests/fuzz/corpus/$h" || exit 1
	if ! SGC_FUZZ_PLANT=1 "$builddir/tests/fuzz/fuzz_$h" \
		"$srcdir/tests/fuzz/corpus/$h" 2> "$err"; then
		cat "$err"
		exit 1
	fi
	grep "fuzz_$h" "$err"
done
exit 0
