#!/bin/sh
# Whole programs in debug and leak mode: tests/leak_program.c (through
# <gc/leak_detector.h>) and tests/smash_program.c (GC_DEBUG), built by
# make against spangc's headers and here against Debian's bdwgc headers,
# running on spangc's libgc.so.1.  The reports must name each object's
# file and line (and call chain); each leak once, nothing live or freed.
builddir=${SGC_BUILDDIR:-.}
srcdir=${SGC_SRCDIR:-.}
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0

line_of() { # line_of FILE TAG
	grep -n "/\* $2 \*/" "$srcdir/tests/$1" | head -1 | cut -d: -f1
}
leak_line=$(line_of leak_program.c LEAK_LINE)
kept_line=$(line_of leak_program.c KEPT_LINE)
past_line=$(line_of smash_program.c PAST_LINE)
before_line=$(line_of smash_program.c BEFORE_LINE)

expect() { # expect LOG COUNT PATTERN
	n=$(grep -c -F -e "$3" "$1")
	if [ "$n" != "$2" ]; then
		echo "FAIL: $1: '$3' found $n times, want $2"; cat "$1"; status=1
	fi
}

check_leaks() { # check_leaks LOG
	expect "$1" 5 "leaked object"
	expect "$1" 5 "leak_program.c:$leak_line)"
	expect "$1" 0 "leak_program.c:$kept_line"
	grep -q "kept: still referenced" "$1" || { echo "FAIL: $1: no output"; status=1; }
}

check_smash() { # check_smash LOG
	expect "$1" 1 "smash_program.c:$past_line):"
	expect "$1" 1 "byte 8 (0 past the end), after the object: 0x21, was 0xfd"
	expect "$1" 1 "smash_program.c:$before_line)"
	expect "$1" 1 "byte -1 (1 before the start), guard word: 0x00"
	expect "$1" 1 "object freed twice (8 bytes, allocated at"
	# the call chain of each smashed object, its first frame in main
	expect "$1" 2 "call chain at allocation:"
	n=$(grep -c -e "#0 0x[0-9a-f]* in .*smash_program" "$1")
	[ "$n" = 2 ] || { echo "FAIL: $1: first frames not in the program"; cat "$1"; status=1; }
	grep -q "^done" "$1" || { echo "FAIL: $1: did not finish"; status=1; }
}

# A sanitizer build of spangc needs its runtime loaded first.
preload=$(ldd "$builddir/.libs/libgc.so.1" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')

"$builddir/tests/leak_program" >"$tmp/leak.log" 2>&1 || { cat "$tmp/leak.log"; exit 1; }
check_leaks "$tmp/leak.log"
"$builddir/tests/smash_program" >"$tmp/smash.log" 2>&1 || { cat "$tmp/smash.log"; exit 1; }
check_smash "$tmp/smash.log"

if [ -f /usr/include/gc/leak_detector.h ]; then
	for prog in leak_program smash_program; do
		$cc -std=gnu11 -O1 -I/usr/include "$srcdir/tests/$prog.c" -lgc \
			-o "$tmp/${prog}_bdwgc" || { status=1; continue; }
		LD_PRELOAD="$preload" LD_LIBRARY_PATH="$builddir/.libs" \
			"$tmp/${prog}_bdwgc" >"$tmp/${prog}_bdwgc.log" 2>&1 || {
			cat "$tmp/${prog}_bdwgc.log"; status=1; }
	done
	check_leaks "$tmp/leak_program_bdwgc.log"
	check_smash "$tmp/smash_program_bdwgc.log"
else
	echo "bdwgc headers not installed: Debian-built programs skipped"
fi
[ $status = 0 ] && echo "debug programs: ok"
exit $status
