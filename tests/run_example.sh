#!/bin/sh
# The main example runs to completion and verifies its long-lived data.
builddir=${SGC_BUILDDIR:-.}
out=$("$builddir"/examples/alloc_demo) || { echo "$out"; echo "alloc_demo failed"; exit 1; }
echo "$out"
echo "$out" | grep -q -i "collections" || { echo "alloc_demo printed no collection count"; exit 1; }
