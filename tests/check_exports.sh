#!/bin/sh
# The shared libraries export only public names: GC_* (bdwgc's) and
# spangc_* (ours).  libgc.so.1 exports every public symbol of Debian's
# bdwgc 8.2.2 libgc.so.1, and each of its variables with the size of
# bdwgc's.  Fails listing any stray, missing or mis-sized symbol.
set -e
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
debian_lib=${SGC_DEBIAN_LIBGC:-/usr/lib/x86_64-linux-gnu/libgc.so.1}
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

# Every public symbol of Debian's libgc.so.1.
if [ ! -f "$debian_lib" ]; then
	echo "exports: Debian's libgc.so.1 not installed, comparison skipped"
else
	# Names Debian's library exports that are no part of bdwgc's API:
	# declared in none of its installed headers, they are its internal
	# state, visible only because its build exports everything.
	internal='
GC_arrays
GC_objfreelist_ptr
GC_aobjfreelist_ptr
GC_uobjfreelist_ptr
GC_auobjfreelist_ptr
'
	# GC_arrays: the collector's global state (one big struct).
	# GC_*objfreelist_ptr: pointers to bdwgc's global free-list arrays
	# per built-in kind, for its own thread-local allocator; spangc's
	# free lists are per-thread spans and have no such arrays.
	#
	# Names pending (not built yet): tests/bdwgc_pending.txt.
	pending=$(grep -v -E '^(#|$)' "$srcdir/tests/bdwgc_pending.txt" || true)
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	nm -D -S --defined-only "$debian_lib" | awk 'NF == 4 && $4 ~ /^GC_/ {print $4, $3, $2}' |
		sort > "$tmp/debian"
	nm -D -S --defined-only "$builddir"/.libs/libgc.so | awk 'NF == 4 && $4 ~ /^GC_/ {print $4, $3, $2}' |
		sort > "$tmp/ours"
	awk '{print $1}' "$tmp/ours" > "$tmp/ours.names"
	printf '%s\n%s\n' "$internal" "$pending" | grep -v '^$' | sort > "$tmp/skip"
	missing=$(awk '{print $1}' "$tmp/debian" | comm -23 - "$tmp/ours.names" | comm -23 - "$tmp/skip")
	if [ -n "$missing" ]; then
		echo "libgc.so.1 lacks these public symbols of Debian's libgc.so.1:"
		echo "$missing"; status=1
	fi
	# A pending name that now exists must leave the list (so the list
	# cannot hide a later removal).
	done_pending=$(printf '%s\n' "$pending" | grep -v '^$' | sort | comm -12 - "$tmp/ours.names")
	if [ -n "$done_pending" ]; then
		echo "exported now, remove from the pending list of tests/check_exports.sh:"
		echo "$done_pending"; status=1
	fi
	# Variables: same kind (data) and size as Debian's, or a program
	# linked against Debian's library gets a copy relocation of the wrong
	# size.
	while read -r name type size; do
		case $type in
		[BDbd]) ;;
		*) continue ;;
		esac
		grep -qx "$name" "$tmp/skip" && continue
		ours=$(awk -v n="$name" '$1 == n {print $2, $3}' "$tmp/ours")
		[ -z "$ours" ] && continue # reported above
		otype=${ours% *}; osize=${ours#* }
		case $otype in
		[BDbdRr]) ;;
		*) echo "$name is data in Debian's library, type $otype here"; status=1; continue ;;
		esac
		if [ "$((0x$osize))" -ne "$((0x$size))" ]; then
			echo "$name: $((0x$osize)) bytes here, $((0x$size)) in Debian's library"
			status=1
		fi
	done < "$tmp/debian"
	left=$(awk '{print $1}' "$tmp/debian" | comm -12 - "$tmp/skip" | wc -l)
	echo "exports: $(wc -l < "$tmp/debian") public symbols in Debian's libgc.so.1," \
		"$left left out (internal or pending)"
fi
[ $status = 0 ] && echo "exports: ok"
exit $status
