#!/bin/bash
# lab.sh - run tests in the lab kernel: every module built by build.sh runs
# in ONE boot, each under `staprun` with a timeout; its stdout must equal
# run/NAME.exp, its stderr run/NAME.err if present (or, line by line, the
# regular expressions of run/NAME.errre; else it must hold no ERROR), its
# exit status run/NAME.rc (default 0).  Then: the kernel log
# holds no oops or warning, and no module is left loaded.  Finally the lab
# runner's and runtime's own test scripts.
# run/NAME.kmod names lab kernel modules the test loads (stap-vm -k);
# run/NAME.xprog programs build.sh's lab_prog built, installed at their
# host paths ($HOSTMODS/PROG in NAME.opts); a
# test with run/NAME.nokaslr runs in a second boot without KASLR (its
# build used lab_addr addresses).
set -u
src=$TESTSUITE/run
mods=$WORK/modules
if ! command -v qemu-system-x86_64 > /dev/null; then
	echo "SKIPPED: qemu-system-x86_64 is not installed (scripts/setup.sh installs it)"
	exit 0
fi
if [ ! -d "$mods" ] || ! ls "$mods"/t_*.ko > /dev/null 2>&1; then
	"$TESTSUITE/tiers/build.sh" > "$WORK/build-again.log" 2>&1
fi
ls "$mods"/t_*.ko > /dev/null 2>&1 || { echo "SKIPPED: no modules were built"; exit 0; }

# run/NAME.opts holds extra staprun options, e.g. -c 'cat /proc/version'
for k in "$mods"/t_*.ko; do
	n=$(basename "$k" .ko); n=${n#t_}
	rm -f "$mods/$n.opts" "$mods/$n.args"
	[ -f "$src/$n.opts" ] && cp "$src/$n.opts" "$mods/$n.opts"
	[ -f "$src/$n.args" ] && cp "$src/$n.args" "$mods/$n.args"
done
echo "export HOSTMODS='$mods'" > "$mods/runall.sh"
cat >> "$mods/runall.sh" <<'GUEST'
# processes (not kernel threads): what a test's -c command leaves running
# when its session ends first is killed before the next test, whose probes
# it would otherwise keep hitting as they are armed (see lab/README)
# (a kernel thread has no exe; /proc files all show size 0, so not -s cmdline)
procs() { for d in /proc/[0-9]*; do [ -e "$d/exe" ] && echo "${d#/proc/}"; done; }
for m in t_*.ko; do
	n=${m%.ko}; n=${n#t_}
	opts=; [ -f "$n.opts" ] && opts=$(cat "$n.opts")
	args=; [ -f "$n.args" ] && args=$(cat "$n.args")
	echo "lab: running $n" >&2	# a crash report then names the test
	before=" $(procs | tr '\n' ' ') "
	eval "timeout -s INT 60 staprun $opts $m $args" > "$n.out" 2> "$n.err"
	echo $? > "$n.rc"
	for p in $(procs); do
		case $before in *" $p "*) ;; *) kill -9 "$p" 2>/dev/null ;; esac
	done
done
for m in t_*.ko; do
	n=${m%.ko}; n=${n#t_}
	echo "@@@ OUT $n"; cat "$n.out"; echo; echo "@@@ ERR $n"; cat "$n.err"; echo; echo "@@@ RC $n $(cat $n.rc)"
done
echo "@@@ MODULES"; cat /proc/modules
echo "@@@ END"
GUEST
# boot TAG APPEND NAME...: one boot running the modules of tests NAME...,
# the kernel command line extended by APPEND; results in $WORK/NAME.*,
# the kernel log in $WORK/dmesg-TAG.txt, its module list in modules-TAG.txt
boot() {
	local tag=$1 append=$2 n m rc args=()
	shift 2
	for n in "$@"; do
		args+=(-f "$mods/t_$n.ko")
		for o in "$mods/$n.opts" "$mods/$n.args"; do [ -f "$o" ] && args+=(-f "$o"); done
		if [ -f "$src/$n.kmod" ]; then
			for m in $(cat "$src/$n.kmod"); do args+=(-k "$m"); done
		fi
		if [ -f "$src/$n.xprog" ]; then
			for m in $(cat "$src/$n.xprog"); do args+=(-x "$mods/$m"); done
		fi
	done
	(cd "$mods" && STAP_VM_APPEND="$append" "$STAPVM" -t 600 -m 1024 "${args[@]}" -f runall.sh \
		-D "$WORK/dmesg-$tag.txt" -- 'sh runall.sh') > "$WORK/lab-$tag.out" 2> "$WORK/lab-$tag.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: lab/boot-$tag (stap-vm exited $rc: $(tail -1 "$WORK/lab-$tag.err"))"
		# the test that was running and what the lab said (a crash excerpt)
		grep '^lab: running' "$WORK/lab-$tag.err" | tail -1
		grep -v '^lab: running' "$WORK/lab-$tag.err" | head -40 | sed 's/^/  | /'
		return 1
	fi
	# split the stream
	awk -v dir="$WORK" -v tag="$tag" '
		/^@@@ OUT /   { f = dir "/" $3 ".out"; printf "" > f; next }
		/^@@@ ERR /   { f = dir "/" $3 ".err"; printf "" > f; next }
		/^@@@ RC /    { print $4 > (dir "/" $3 ".rc"); f = ""; next }
		/^@@@ MODULES/ { f = dir "/modules-" tag ".txt"; printf "" > f; next }
		/^@@@ END/    { f = ""; next }
		f != ""       { print > f }
	' "$WORK/lab-$tag.out"
}
# lines_match TEXT FILE: TEXT line by line against FILE's lines, each an
# extended regular expression for the whole line
lines_match() {
	printf '%s\n' "$1" | awk -v pats="$2" '
		{ if ((getline p < pats) <= 0 || $0 !~ ("^" p "$")) bad = 1 }
		END { if ((getline p < pats) > 0) bad = 1; exit bad }'
}
main=() nokaslr=()
for k in "$mods"/t_*.ko; do
	n=$(basename "$k" .ko); n=${n#t_}
	rm -f "$WORK/$n.out" "$WORK/$n.err" "$WORK/$n.rc"
	if [ -f "$src/$n.nokaslr" ]; then nokaslr+=("$n"); else main+=("$n"); fi
done
rm -f "$WORK"/dmesg-*.txt "$WORK"/modules-*.txt
boot main "" "${main[@]}" || exit 0
if [ ${#nokaslr[@]} -gt 0 ]; then
	boot nokaslr nokaslr "${nokaslr[@]}" || exit 0
fi
for k in "$mods"/t_*.ko; do
	n=$(basename "$k" .ko); n=${n#t_}
	# the splitter adds one newline after each section; a shell variable
	# cannot hold NUL bytes (mix_arrays_formats prints one): both sides
	# are compared without them
	got_out=$(tr -d '\000' 2>/dev/null < "$WORK/$n.out")
	got_err=$(cat "$WORK/$n.err" 2>/dev/null)
	got_rc=$(cat "$WORK/$n.rc" 2>/dev/null)
	want_rc=0; [ -f "$src/$n.rc" ] && want_rc=$(cat "$src/$n.rc")
	ok=1 why=
	if [ -f "$src/$n.exp" ] && [ "$got_out" != "$(tr -d '\000' < "$src/$n.exp")" ]; then ok=0 why="stdout differs"; fi
	if [ -f "$src/$n.outre" ]; then
		lines_match "$got_out" "$src/$n.outre" || { ok=0; why="$why stdout does not match $n.outre"; }
	fi
	if [ -f "$src/$n.err" ]; then
		[ "$got_err" != "$(cat "$src/$n.err")" ] && ok=0 why="$why stderr differs"
	elif [ -f "$src/$n.errre" ]; then
		lines_match "$got_err" "$src/$n.errre" || { ok=0; why="$why stderr does not match $n.errre"; }
	elif printf '%s' "$got_err" | grep -q 'ERROR'; then
		ok=0 why="$why unexpected ERROR on stderr"
	fi
	[ "$got_rc" != "$want_rc" ] && ok=0 why="$why exit status $got_rc, expected $want_rc"
	if [ $ok = 1 ]; then
		echo "PASS: lab/$n"
	else
		echo "FAIL: lab/$n ($why)"
		if [ "$VERBOSE" = 1 ]; then
			[ -f "$src/$n.exp" ] && diff <(cat "$src/$n.exp") <(printf '%s\n' "$got_out") | head -20
			printf 'stderr: %s\n' "$got_err" | head -10
		fi
	fi
done
if cat "$WORK"/dmesg-*.txt 2>/dev/null | grep -E -q 'BUG:|WARNING:|Oops|general protection|Call Trace'; then
	echo "FAIL: lab/dmesg-clean"
	[ "$VERBOSE" = 1 ] && cat "$WORK"/dmesg-*.txt | grep -E -m5 'BUG:|WARNING:|Oops|general protection'
else
	echo "PASS: lab/dmesg-clean"
fi
if cat "$WORK"/modules-*.txt 2>/dev/null | grep -q '^t_'; then
	echo "FAIL: lab/all-unloaded ($(cat "$WORK"/modules-*.txt | grep '^t_' | cut -d' ' -f1 | tr '\n' ' '))"
else
	echo "PASS: lab/all-unloaded"
fi
# the lab runner's, runtime's and tapsets' own checks (LAB_EXTRA=none skips them)
extra() {
	local tag=$1
	shift
	[ -x "$1" ] || return 0
	# their own summary lines are dropped: run-tests prints the total
	"$@" 2>&1 | sed -E -e "s/^PASS:? /PASS: $tag\//" -e "s/^FAIL:? /FAIL: $tag\//" \
		-e '/^[0-9]+ passed, [0-9]+ failed/d'
}
if [ "${LAB_EXTRA:-}" != none ]; then
	extra stap-vm "$TESTSUITE/lab/run.sh"
	extra runtime "$TESTSUITE/runtime/run-tests.sh"
	extra tapset "$TESTSUITE/tapset/run.sh" lab
fi
exit 0
