#!/bin/bash
# run.sh - tests of the tapset library (tapset/*.stp).
#
# Two tiers:
#   p2   no lab needed: semok/*.stp must pass stap -p2; semko/*.stp must
#        fail it with the error text on their first line ("# TEXT").
#   lab  every NAME.stp here is built with stap -p4 -m ts_NAME, then all
#        the modules run one after the other in ONE boot of the lab kernel
#        (lab/stap-vm).  A test passes when staprun exits 0 (or the status
#        in NAME.rc), its stdout equals NAME.expect and its stderr equals
#        NAME.experr (empty if there is no such file).
# Header lines of NAME.stp: "# stap: FLAGS" adds stap options (e.g. -g);
# "# needs: maps" skips the test while the runtime has no stp_map.h.
#
# Usage: testsuite/tapset/run.sh [p2|lab|all] [NAME...]   (default: all)
# Environment: STAP (default: the build tree's stap/stap), STAP_VM
# (default: lab/stap-vm), SYSTEMTAP_RUNTIME (passed to stap), KEEP=1 keeps
# the work directory.  Prints PASS:/FAIL:/SKIP: per test and a summary;
# exits 1 if any test failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
STAP=${STAP:-$top/stap/stap}
STAP_VM=${STAP_VM:-$top/lab/stap-vm}
runtime=${SYSTEMTAP_RUNTIME:-$top/runtime}
tier=${1:-all}
[ $# -gt 0 ] && shift
only=("$@")
work=$(mktemp -d /tmp/ctap-tapset.XXXXXX)
[ -n "${KEEP:-}" ] && echo "work directory: $work" || trap 'rm -rf "$work"' EXIT
pass=0 fail=0 skip=0

ok()   { echo "PASS: $1"; pass=$((pass + 1)); }
bad()  { echo "FAIL: $1${2:+: $2}"; fail=$((fail + 1)); }
skp()  { echo "SKIP: $1${2:+: $2}"; skip=$((skip + 1)); }

wanted() {
	local n
	[ ${#only[@]} -eq 0 ] && return 0
	for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

# header VALUE-OF "# KEY:" in FILE's leading comment lines
header() {
	sed -n "/^[^#]/q; s/^# $1: *//p" "$2"
}

run_p2() {
	local f name want
	for f in "$here"/semok/*.stp; do
		name=semok/$(basename "$f" .stp)
		wanted "$name" || continue
		if "$STAP" -p2 "$f" >/dev/null 2>"$work/err"; then
			ok "$name"
		else
			bad "$name" "$(grep -m1 error "$work/err")"
		fi
	done
	for f in "$here"/semko/*.stp; do
		name=semko/$(basename "$f" .stp)
		wanted "$name" || continue
		want=$(sed -n '1s/^# //p' "$f")
		if "$STAP" -p2 "$f" >/dev/null 2>"$work/err"; then
			bad "$name" "accepted"
		elif grep -qF -- "$want" "$work/err"; then
			ok "$name"
		else
			bad "$name" "expected '$want', got: $(grep -m1 error "$work/err")"
		fi
	done
}

# Build every lab test; the list of modules to run goes to $work/mods.
build_lab() {
	local f name flags
	: >"$work/mods"
	for f in "$here"/*.stp; do
		name=$(basename "$f" .stp)
		wanted "$name" || continue
		if [ "$(header needs "$f")" = maps ] && [ ! -s "$runtime/stp_map.h" ]; then
			skp "$name" "needs maps (no stp_map.h in $runtime)"
			continue
		fi
		flags=$(header stap "$f")
		# shellcheck disable=SC2086
		if (cd "$work" && "$STAP" $flags -p4 -m "ts_$name" "$f") >"$work/$name.build" 2>&1; then
			echo "$name" >>"$work/mods"
		else
			bad "$name" "pass 4 failed: $(grep -m1 -iE 'error' "$work/$name.build")"
		fi
	done
}

# Run the built modules in one boot; split the stream into NAME.{out,err,rc}.
run_lab() {
	local args=() name
	while read -r name; do
		args+=(-f "$work/ts_$name.ko")
	done <"$work/mods"
	[ ${#args[@]} -gt 0 ] || return 0
	# Each module: "@@@ out NAME", its stdout, "@@@ err NAME", its stderr,
	# "@@@ rc NAME STATUS".  The echo before a marker ends a last line
	# that lacks its newline; the splitter drops that extra line.
	local cmd='for m in ts_*.ko; do n=${m%.ko}; n=${n#ts_}; staprun $m >o 2>e; rc=$?;
		echo "@@@ out $n"; cat o; echo; echo "@@@ err $n"; cat e; echo; echo "@@@ rc $n $rc"; done'
	"$STAP_VM" -t $((60 + 20 * ${#args[@]} / 2)) "${args[@]}" -- "$cmd" >"$work/stream" 2>"$work/vm.err"
	local status=$?
	if [ $status -ne 0 ]; then
		echo "stap-vm exited $status: $(tail -3 "$work/vm.err")" >&2
	fi
	awk -v dir="$work" '
		function flush() { if (file != "") { for (i = 1; i < n; i++) print buf[i] > file; printf "" > file; close(file) } n = 0 }
		/^@@@ (out|err) / { flush(); file = dir "/" $3 "." $2; next }
		/^@@@ rc / { flush(); file = ""; print $4 > (dir "/" $3 ".rc"); close(dir "/" $3 ".rc"); next }
		{ if (file != "") buf[++n] = $0 }
		END { flush() }
	' "$work/stream"
}

check_lab() {
	local name want_rc experr
	while read -r name; do
		if [ ! -f "$work/$name.rc" ]; then
			bad "$name" "no result (lab run cut short?)"
			continue
		fi
		want_rc=0
		[ -f "$here/$name.rc" ] && want_rc=$(cat "$here/$name.rc")
		experr=$here/$name.experr
		[ -f "$experr" ] || experr=/dev/null
		if [ "$(cat "$work/$name.rc")" != "$want_rc" ]; then
			bad "$name" "staprun exited $(cat "$work/$name.rc"), not $want_rc: $(head -2 "$work/$name.err")"
		elif ! diff -u "$here/$name.expect" "$work/$name.out" >"$work/$name.diff"; then
			bad "$name" "stdout differs:"
			sed 's/^/    /' "$work/$name.diff"
		elif ! diff -u "$experr" "$work/$name.err" >"$work/$name.diff"; then
			bad "$name" "stderr differs:"
			sed 's/^/    /' "$work/$name.diff"
		else
			ok "$name"
		fi
	done <"$work/mods"
}

case $tier in
p2)	run_p2 ;;
lab)	build_lab; run_lab; check_lab ;;
all)	run_p2; build_lab; run_lab; check_lab ;;
*)	echo "usage: $0 [p2|lab|all] [NAME...]" >&2; exit 2 ;;
esac
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
