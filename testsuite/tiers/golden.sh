#!/bin/bash
# golden.sh - translator golden tests: no kernel, no root.
#
# Each testsuite/golden/NAME.stp is run as `stap ARGS NAME.stp` from that
# directory, where ARGS comes from a first line "#! ARGS" (default -p2).
# The captured result is stdout, a "--- stderr" line, stderr and a
# "--- rc=N" line, with temporary paths replaced by TMPDIR; it must equal
# NAME.exp.  `golden.sh --regen NAME...` rewrites expected files: review
# every such diff by hand against SystemTap's behaviour before committing.
set -u
dir=$TESTSUITE/golden
cd "$dir" || exit 1

run_one() {
	local name=$1 args
	args=$(head -1 "$name.stp" | sed -n 's/^#! *//p')
	[ -z "$args" ] && args=-p2
	case $args in
	*{}*) args=${args//\{\}/$name.stp} ;;
	*) args="$args $name.stp" ;;
	esac
	local out err rc
	out=$(cd "$dir" && eval "\"$STAP\" $args" 2>"$WORK/golden.err")
	rc=$?
	err=$(sed -e 's|/tmp/stap[A-Za-z0-9]*|TMPDIR|g' -e "s|$TESTSUITE/../tapset|TAPSETS|g" "$WORK/golden.err")
	printf '%s\n--- stderr\n%s\n--- rc=%d\n' "$out" "$err" "$rc"
}

if [ "${1:-}" = --regen ]; then
	shift
	for n in "$@"; do
		n=${n%.stp}
		run_one "$n" > "$n.exp"
		echo "wrote $n.exp"
	done
	exit 0
fi

for f in *.stp; do
	n=${f%.stp}
	if [ ! -f "$n.exp" ]; then
		echo "FAIL: golden/$n (no $n.exp)"
		continue
	fi
	run_one "$n" > "$WORK/golden.out"
	if cmp -s "$WORK/golden.out" "$n.exp"; then
		echo "PASS: golden/$n"
	else
		echo "FAIL: golden/$n"
		[ "$VERBOSE" = 1 ] && diff -u "$n.exp" "$WORK/golden.out" | head -40
	fi
done
exit 0
