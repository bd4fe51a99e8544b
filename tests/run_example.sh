#!/bin/sh
# The examples run to completion and verify what they kept.
builddir=${SGC_BUILDDIR:-.}
out=$("$builddir"/examples/alloc_demo) || { echo "$out"; echo "alloc_demo failed"; exit 1; }
echo "$out"
echo "$out" | grep -q -i "collections" || { echo "alloc_demo printed no collection count"; exit 1; }
# The finalization example: ports closed by finalizers, a weak table.
out=$("$builddir"/examples/finalize_demo) || { echo "$out"; echo "finalize_demo failed"; exit 1; }
echo "$out"
