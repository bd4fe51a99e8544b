#!/bin/sh
# Valgrind memcheck over the API tests, in one process each (CK_FORK=no),
# with tests/valgrind.supp for the conservative scan's deliberate reads of
# unwritten stack words.  Any other memcheck error fails (exit 99).
# Test cases whose tests expect an abort (bad input) cannot run without
# fork and are left out; the finalizer, link and toggle-ref API runs
# through the fuzzing corpus (tests/fuzz/fuzz_api.c) instead.  The
# slowest cases (check_api's allocation, check_api_kinds' kinds, minutes
# each under valgrind) are left out to keep the run near a minute.  Run by
# tools/run-tests when valgrind is installed.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
command -v valgrind > /dev/null 2>&1 || { echo "valgrind not installed"; exit 77; }
vg="valgrind -q --error-exitcode=99 --num-callers=30 --suppressions=$srcdir/tests/valgrind.supp"
export CK_FORK=no GC_MARKERS=2
lt="$builddir/libtool --mode=execute"
status=0
run() {
	echo "== valgrind: $*"
	"$@" || { echo "== valgrind: FAILED: $*"; status=1; }
}
CK_RUN_CASE=reachability run $lt $vg "$builddir/tests/check_api"
for c in typed displacements; do
	CK_RUN_CASE=$c run $lt $vg "$builddir/tests/check_api_kinds"
done
CK_RUN_CASE=typed run $vg "$builddir/tests/check_typed"
CK_RUN_CASE=scale run $vg "$builddir/tests/check_finalize"
run $lt $vg "$builddir/tests/fuzz/fuzz_api" "$srcdir/tests/fuzz/corpus/api"
exit $status
