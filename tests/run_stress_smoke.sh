#!/bin/sh
# Twenty seconds of spangc-stress (tools/spangc-stress.c): four threads
# building, checking and dropping lists, trees, typed and interior-pointer
# lists, wide arrays and blocks, with finalizers, disappearing links,
# explicit frees and fork children.  Fails on any corruption it finds.
# First, a run with one bit flipped on purpose must fail and name the
# corrupted node: the checks can catch corruption.  Long runs, side by
# side with bdwgc: tools/run-stress.
builddir=${SGC_BUILDDIR:-.}
stress=$builddir/tools/spangc-stress
out=stress-corrupt.$$.err
"$stress" --seconds 120 --corrupt > /dev/null 2> "$out"
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q 'corrupted node 0x' "$out"; then
	cat "$out"
	echo "the stress did not catch a flipped bit (exit status $rc)"
	rm -f "$out"
	exit 1
fi
rm -f "$out"
# fork() children are left out under ThreadSanitizer, which does not
# support threads in the child of a multi-threaded fork.  In the build
# tree the command is libtool's wrapper script; the program is in .libs.
fork=--fork
for f in "$stress" "$builddir/tools/.libs/spangc-stress"; do
	if [ -f "$f" ] && ldd "$f" 2>/dev/null | grep -q libtsan; then
		fork=
	fi
done
exec "$stress" --threads 4 --live-mib 32 --finalizers --weak \
	--explicit-free $fork --seconds "${SPANGC_STRESS_SMOKE_SECONDS:-20}"
