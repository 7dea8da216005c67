#!/bin/bash
# build.sh - pass 4 of every run test (testsuite/run/NAME.stp) against the
# lab kernel's headers: NAME.ko appears in $WORK/modules as t_NAME.ko.
# A first line "#! OPTIONS [-- ARGS]" gives extra stap options (e.g.
# -DMAXACTION=5) and script arguments; it is expanded by the shell, with
# $(lab_addr SYMBOL): SYMBOL's address in the lab kernel booted nokaslr;
# $(lab_prog NAME): the path of run/NAME.c built with -g -O0 (lab.sh
# installs it at that path in the lab when run/TEST.xprog names it).
set -u
src=$TESTSUITE/run
out=$WORK/modules
mkdir -p "$out"
if ! "$STAP" -p4 -m t_probe_build -e 'probe begin { exit() }' > "$out/probe.log" 2>&1; then
	echo "SKIPPED: cannot build modules here: $(grep -m1 ERROR "$out/probe.log")"
	exit 0
fi
rm -f t_probe_build.ko

lab_addr() {
	local kver
	kver=$("$STAPVM" --kernel-release) &&
		nm "/usr/lib/debug/boot/vmlinux-$kver" | awk -v s="$1" '$3 == s { print "0x" $1; exit }'
}

lab_prog() {
	if [ ! -x "$out/$1" ]; then
		gcc -g -O0 -o "$out/$1.tmp.$$" "$src/$1.c" && mv -f "$out/$1.tmp.$$" "$out/$1"
	fi
	echo "$out/$1"
}

build_one() {
	local n=$1 opts args=
	opts=$(head -1 "$src/$n.stp" | sed -n 's/^#! *//p')
	opts=" $opts "
	case $opts in
	*" -- "*) args=${opts#* -- }; opts=${opts%% -- *} ;;
	esac
	cd "$out" || return
	cp "$src/$n.stp" .	# error locations then read "NAME.stp:LINE:COL"
	if eval "\"$STAP\" -p4 -m t_$n $opts $n.stp $args" > "$n.build.log" 2>&1 && [ -f "t_$n.ko" ]; then
		echo "PASS: build/$n"
	else
		echo "FAIL: build/$n"
		[ "$VERBOSE" = 1 ] && head -30 "$n.build.log"
	fi
}
export -f build_one lab_addr lab_prog
export src out
ls "$src"/*.stp | xargs -n1 basename | sed 's/\.stp$//' | xargs -P "$(nproc)" -I{} bash -c 'build_one {}'

# the module cache: a second identical build comes from it
cachedir=$WORK/systemtap-dir
script='probe begin { printf("cached\n"); exit() }'
SYSTEMTAP_DIR=$cachedir "$STAP" -p4 -e "$script" > "$WORK/cache1.out" 2>&1
SYSTEMTAP_DIR=$cachedir "$STAP" -v -p4 -e "$script" > "$WORK/cache2.out" 2>&1
if grep -q '^Pass 4: using cached' "$WORK/cache2.out" && [ -f "$(tail -1 "$WORK/cache2.out")" ] &&
   [ "$(tail -1 "$WORK/cache1.out")" = "$(tail -1 "$WORK/cache2.out")" ]; then
	echo "PASS: build/cache-hit"
else
	echo "FAIL: build/cache-hit"
fi
SYSTEMTAP_DIR=$cachedir "$STAP" --disable-cache -v -p4 -e "$script" > "$WORK/cache3.out" 2>&1
if grep -q '^Pass 4: compiled' "$WORK/cache3.out"; then
	echo "PASS: build/disable-cache"
else
	echo "FAIL: build/disable-cache"
fi
# kbuild's compiler probes are answered once per kernel tree: the first
# build above wrote the answers, a second fresh build reads them and adds none
answers=$(ls "$cachedir"/cache/kbuild/probes-*.mk 2>/dev/null | head -1)
before=$( [ -n "$answers" ] && wc -l < "$answers")
SYSTEMTAP_DIR=$cachedir "$STAP" -p4 -e 'probe begin { printf("answers\n"); exit() }' > "$WORK/cache4.out" 2>&1
after=$( [ -n "$answers" ] && wc -l < "$answers")
if [ -n "$answers" ] && [ "${before:-0}" -gt 10 ] && [ "$before" = "$after" ] &&
   grep -q '^ctap-probe\..* := ' "$answers" && [ -f "$(tail -1 "$WORK/cache4.out")" ]; then
	echo "PASS: build/kbuild-probe-answers"
else
	echo "FAIL: build/kbuild-probe-answers (${answers:-no answers file}: ${before:-0} then ${after:-0} lines)"
fi
rm -f stap_*.ko
exit 0
