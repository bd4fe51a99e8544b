#!/bin/sh
# A short run of the allocate-and-verify stress (tests/stress/stress.c):
# four threads building, checking and dropping lists, trees and large
# blocks.  Fails on any corruption it finds.  Long runs, side by side with
# bdwgc: tools/run-stress.
builddir=${SGC_BUILDDIR:-.}
exec "$builddir/tests/stress/stress" "${SPANGC_STRESS_SMOKE_SECONDS:-3}"
