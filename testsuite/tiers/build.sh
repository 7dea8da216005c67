#!/bin/bash
# build.sh - pass 4 of every run test (testsuite/run/NAME.stp) against the
# lab kernel's headers: NAME.ko appears in $WORK/modules as t_NAME.ko.
# A first line "#! OPTIONS" gives extra stap options (e.g. -DMAXACTION=5).
set -u
src=$TESTSUITE/run
out=$WORK/modules
mkdir -p "$out"
if ! "$STAP" -p4 -m t_probe_build -e 'probe begin { exit() }' > "$out/probe.log" 2>&1; then
	echo "SKIPPED: cannot build modules here: $(grep -m1 ERROR "$out/probe.log")"
	exit 0
fi
rm -f t_probe_build.ko

build_one() {
	local n=$1 opts
	opts=$(head -1 "$src/$n.stp" | sed -n 's/^#! *//p')
	cd "$out" || return
	cp "$src/$n.stp" .	# error locations then read "NAME.stp:LINE:COL"
	if eval "\"$STAP\" -p4 -m t_$n $opts $n.stp" > "$n.build.log" 2>&1 && [ -f "t_$n.ko" ]; then
		echo "PASS: build/$n"
	else
		echo "FAIL: build/$n"
		[ "$VERBOSE" = 1 ] && head -30 "$n.build.log"
	fi
}
export -f build_one
export src out
ls "$src"/*.stp | xargs -n1 basename | sed 's/\.stp$//' | xargs -P "$(nproc)" -I{} bash -c 'build_one {}'
exit 0
