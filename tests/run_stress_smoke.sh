#!/bin/sh
# A short run of the allocate-and-verify stress (tests/stress/stress.c):
# four threads building, checking and dropping lists, trees and large
# blocks.  Fails on any corruption it finds.  First, a run with one bit
# flipped on purpose must fail: the checks can catch corruption.  Long
# runs, side by side with bdwgc: tools/run-stress.
builddir=${SGC_BUILDDIR:-.}
stress=$builddir/tests/stress/stress
STRESS_CORRUPT=1 "$stress" 120 > /dev/null 2>&1
rc=$?
if [ "$rc" -ne 1 ]; then
	echo "the stress did not catch a flipped bit (exit status $rc)"
	exit 1
fi
exec "$stress" "${SPANGC_STRESS_SMOKE_SECONDS:-3}"
