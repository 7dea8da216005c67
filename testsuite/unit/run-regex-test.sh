#!/bin/bash
# run-regex-test.sh - build and run the regex unit test (no kernel, no root).
#
# Builds testsuite/unit/regex_test.c with stap/regex.c and stap/util.c,
# under AddressSanitizer/UBSan when the compiler has them (the scratch
# bounds of the runtime's VM are checked that way), runs it, then compiles
# the C that regex_compile_c() emits against runtime/stp_regex.h with the
# project's strict warnings and runs that too.  Prints PASS:/FAIL: lines;
# exits non-zero on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/regex-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
CC=${CC:-cc}
warn="-Wall -Wextra -Wshadow -Wundef -Wwrite-strings -Wmissing-prototypes -Wstrict-prototypes -Werror"
# no -I for stap/: its regex.h would hide the system <regex.h> the test uses
inc="-D_GNU_SOURCE -I$top"

san="-fsanitize=address,undefined -fno-omit-frame-pointer"
if ! echo 'int main(void){return 0;}' | $CC $san -x c - -o "$work/probe" 2>/dev/null; then
	san=""
fi
# util.c is not ours to hold to -Werror
if ! { $CC -std=gnu11 -g -O1 $san $inc -c "$top/stap/util.c" -o "$work/util.o" &&
       $CC -std=gnu11 -g -O1 $warn $san $inc "$here/regex_test.c" "$top/stap/regex.c" \
	   "$work/util.o" -o "$work/regex_test"; } 2>"$work/cc.err"; then
	cat "$work/cc.err"
	echo "FAIL: regex_test builds"
	exit 1
fi
echo "PASS: regex_test builds${san:+ (with sanitizers)}"

export ASAN_OPTIONS=detect_leaks=0	# the translator's arena is never freed
status=0
"$work/regex_test" || status=1

# the emitted C compiles cleanly against the runtime header and runs
if "$work/regex_test" --emit >"$work/emit.c" &&
   $CC -std=gnu11 $warn -Wno-missing-prototypes -I"$top/runtime" "$work/emit.c" -o "$work/emit" 2>"$work/emit.err" &&
   [ "$("$work/emit")" = "3 6 6 9" ]; then
	echo "PASS: generated C compiles with strict warnings and matches"
else
	cat "$work/emit.err" 2>/dev/null
	echo "FAIL: generated C compiles with strict warnings and matches"
	status=1
fi
exit $status
