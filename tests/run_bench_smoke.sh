#!/bin/sh
# Every benchmark in bench/ builds against this spangc and passes its own
# checks at small sizes: bench/run --quick --spangc-only, one run of each
# benchmark with two markers and mt_gcbench with three threads (more
# threads than cores: that once exposed a large object freed while still
# being handed out).  Nothing here depends on timing.  Skipped (77) when
# bash is missing (bench/run is a bash script).
srcdir=${SGC_SRCDIR:-.}
builddir=${SGC_BUILDDIR:-.}
command -v bash >/dev/null 2>&1 || { echo "no bash: skipped"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp bash "$srcdir/bench/run" --quick --spangc-only \
	--env GC_MARKERS=2 --env BENCH_THREADS=3 --build "$builddir"
