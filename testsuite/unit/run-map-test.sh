#!/bin/sh
# run-map-test.sh - build and run map_test.c (runtime maps and statistics)
# in userspace: once optimized, once under ASan+UBSan, and once per
# HIST_ELISION setting with a SystemTap reference.  Prints the tests'
# PASS/FAIL lines and a final "N passed, M failed"; exits 1 on any failure.
#
# Usage: run-map-test.sh [BUILD_DIR]   (default: a temporary directory)
#        CC and CFLAGS are honoured.

set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then
	out=$1
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/map-test.XXXXXX") || exit 1
	trap 'rm -rf "$out"' EXIT
fi
cc=${CC:-gcc}
warn="-Wall -Wextra -Werror -Wshadow -Wundef -Wwrite-strings \
-Wmissing-prototypes -Wstrict-prototypes"
base="-std=gnu11 -g $warn ${CFLAGS:-}"
pass=0
fail=0

# build NAME FLAGS...: compile map_test.c to $out/NAME
build() {
	name=$1
	shift
	# shellcheck disable=SC2086
	if ! $cc $base "$@" -o "$out/$name" "$here/map_test.c" 2> "$out/$name.log"; then
		echo "FAIL build-$name: $cc failed"
		sed 's/^/    /' "$out/$name.log" | head -40
		fail=$((fail + 1))
		return 1
	fi
	echo "PASS build-$name"
	pass=$((pass + 1))
}

# run NAME [ENV...]: run $out/NAME, add up its tallies
run() {
	name=$1
	shift
	env "$@" "$out/$name" > "$out/$name.out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL) ' "$out/$name.out" | sed "s/^\(PASS\|FAIL\) /\1 $name: /"
	p=$(grep -c '^PASS ' "$out/$name.out")
	f=$(grep -c '^FAIL ' "$out/$name.out")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exit status $rc"
		sed 's/^/    /' "$out/$name.out" | tail -20
		fail=$((fail + 1))
	fi
}

build map-test -O2 && run map-test
if echo 'int main(void){return 0;}' | $cc -fsanitize=address,undefined -x c -o "$out/san-probe" - 2> /dev/null; then
	build map-test-san -O1 -fsanitize=address,undefined -fno-sanitize-recover=all &&
		run map-test-san ASAN_OPTIONS=detect_leaks=1
else
	echo "SKIP map-test-san: $cc has no -fsanitize=address,undefined"
fi
for e in -1 0 1 3; do
	build "map-test-elision$e" -O2 "-DHIST_ELISION=$e" && run "map-test-elision$e"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
