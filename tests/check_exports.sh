#!/bin/sh
# The shared libraries export only public names: GC_* (bdwgc's) and
# spangc_* (ours).  Fails listing any other exported symbol.
set -e
builddir=${SGC_BUILDDIR:-.}
status=0
for lib in "$builddir"/.libs/libspangc.so "$builddir"/.libs/libgc.so; do
	if [ ! -f "$lib" ]; then
		echo "missing $lib"; exit 1
	fi
	bad=$(nm -D --defined-only "$lib" | awk '{print $3}' |
		grep -v -E '^(GC_|spangc_)' | grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' || true)
	if [ -n "$bad" ]; then
		echo "$lib exports non-public symbols:"; echo "$bad"; status=1
	fi
	n=$(nm -D --defined-only "$lib" | grep -c -E ' (GC_|spangc_)')
	if [ "$n" -lt 40 ]; then
		echo "$lib exports only $n public symbols"; status=1
	fi
	for sym in GC_malloc GC_free GC_init GC_gcollect GC_all_interior_pointers spangc_verify_heap; do
		nm -D --defined-only "$lib" | grep -q " $sym\$" || { echo "$lib lacks $sym"; status=1; }
	done
done
soname=$(objdump -p "$builddir"/.libs/libgc.so | awk '/SONAME/ {print $2}')
if [ "$soname" != libgc.so.1 ]; then
	echo "libgc soname is '$soname', want libgc.so.1"; status=1
fi
[ $status = 0 ] && echo "exports: ok"
exit $status
