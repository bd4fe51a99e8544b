#!/bin/sh
# The examples run to completion and verify what they kept.
builddir=${SGC_BUILDDIR:-.}
out=$("$builddir"/examples/alloc_demo) || { echo "$out"; echo "alloc_demo failed"; exit 1; }
echo "$out"
echo "$out" | grep -q -i "collections" || { echo "alloc_demo printed no collection count"; exit 1; }
# The finalization example: ports closed by finalizers, a weak table.
out=$("$builddir"/examples/finalize_demo) || { echo "$out"; echo "finalize_demo failed"; exit 1; }
echo "$out"
# The short examples.
out=$("$builddir"/examples/hello) || { echo "$out"; echo "hello failed"; exit 1; }
echo "$out"
# Threads return the heap lists they built through pthread_join.
out=$("$builddir"/examples/threads) || { echo "$out"; echo "threads failed"; exit 1; }
echo "$out"
echo "$out" | grep -q ", 0 damaged," || { echo "threads: damaged lists"; exit 1; }
# Typed allocation: the records keep what their pointer words name, and
# not what their number words happen to name.
out=$("$builddir"/examples/typed) || { echo "$out"; echo "typed failed"; exit 1; }
echo "$out"
expected='GC_MALLOC: 1000 records intact; the objects their ids name: 1000 of 1000 kept alive
GC_MALLOC_EXPLICITLY_TYPED: 1000 records intact; the objects their ids name: freed'
[ "$out" = "$expected" ] || { echo "typed printed something else"; exit 1; }
