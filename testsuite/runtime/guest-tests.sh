#!/bin/sh
# guest-tests.sh - runtime and staprun tests, run as root inside the lab VM.
#
# Expects in the current directory: staprun, hello_mod.ko (built from
# hello_mod.c) and hello_mod_badver.ko (the same with a foreign vermagic);
# life_timing.ko (a stap -t module) if stap could build it.
# Prints "PASS name" or "FAIL name: why" per test, then "N passed, M failed".
# Busybox sh and tools only.

S=./staprun
M=./hello_mod.ko
T=/tmp/rt
pass=0
fail=0
mkdir -p $T

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() {
	echo "FAIL $1: $2"
	fail=$((fail + 1))
	for f in $T/out $T/err; do
		[ -s $f ] && { echo "--- $f"; head -20 $f; }
	done
}
loaded() { grep -q "^hello_mod " /proc/modules; }
# check NAME COND-DESCRIPTION COMMAND...: pass if the command succeeds
check() {
	name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$why"; fi
}
# the tick lines are numbered 1, 2, 3... with no hole and no reordering
ticks_in_order() {
	awk -v want="$2" '
		/^tick / { if ($2 != n + 1) { print "tick " $2 " after " n; exit 1 } n = $2 }
		END { if (want != "" && n != want) { print n " ticks, want " want; exit 1 } }
	' "$1"
}
both_cpus() { grep -q "cpu 0$" "$1" && grep -q "cpu 1$" "$1"; }
not_loaded() { ! loaded; }

# --- normal run, exit() from a timer, output merged across CPUs ----------
$S $M ticks=400 > $T/out 2> $T/err; rc=$?
check basic-rc "exit status $rc" [ $rc = 0 ]
check basic-begin "no begin line" grep -q "^begin: mode 0 target 0$" $T/out
check basic-order "ticks out of order" ticks_in_order $T/out 400
check basic-cpus "not both CPUs" both_cpus $T/out
check basic-end "no end line last" sh -c "tail -1 $T/out | grep -q '^end: 400 ticks$'"
check basic-warning "no WARNING" grep -q "^WARNING: test warning from begin$" $T/err
check basic-quiet "unexpected stderr" sh -c "[ \$(wc -l < $T/err) = 1 ]"
check basic-removed "module left loaded" not_loaded

# --- begin and end run in the loader's "stapio" thread; the zone from START -
check loader-context "begin/end not run by the loader's stapio thread" \
	sh -c "[ \$(grep -c '^loader: stapio 1\$' $T/out) = 2 ]"
check zone-utc "no UTC zone line" grep -qx "zone: UTC 0" $T/out
TZ=ABC-3 $S $M mode=3 > $T/out 2> $T/err; rc=$?
check zone-east "rc $rc / zone" sh -c "[ $rc = 0 ] && grep -qx 'zone: ABC 10800' $T/out"

# --- system(): the loader runs the command ---------------------------------
rm -f $T/system.out
$S $M ticks=20 sys=1 > $T/out 2> $T/err; rc=$?
sleep 1
check system "rc $rc / command not run" sh -c "[ $rc = 0 ] && grep -q from-system $T/system.out"

# --- -D: background run, output to the -o file ----------------------------
$S -D -o $T/daemon.out $M ticks=20 > $T/out 2> $T/err; rc=$?
i=0
while loaded && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
check daemon "rc $rc / no pid / output" sh -c "[ $rc = 0 ] && grep -q '^[0-9][0-9]*$' $T/out && grep -q '^end: 20 ticks' $T/daemon.out && ! grep -q '^hello_mod ' /proc/modules"

# --- -o with strftime(3) conversions in the name ---------------------------
y=$(date +%Y)
$S -o "$T/strf_%Y_%%.out" $M ticks=10 > $T/out 2> $T/err; rc=$?
check strftime "rc $rc / file" sh -c "[ $rc = 0 ] && grep -q '^end: 10 ticks' '$T/strf_${y}_%.out'"

# --- -S SIZE,N: FILE.0, FILE.1 ... of at most SIZE MB, the last N kept ------
rm -f $T/rot* $T/all*
$S -b 4 -o $T/rot -S 1,2 $M mode=3 flood=2500 > $T/out 2> $T/err; rc=$?
check rotate "rc $rc / files" sh -c "[ $rc = 0 ] && [ ! -e $T/rot ] && [ ! -e $T/rot.0 ] && [ -s $T/rot.1 ] && [ -s $T/rot.2 ] && [ ! -e $T/rot.3 ]"
check rotate-size "a file over 1 MB" sh -c "[ \$(wc -c < $T/rot.1) -le 1048576 ] && [ \$(wc -c < $T/rot.2) -le 1048576 ]"
check rotate-end "end line not last in the last file" sh -c "tail -1 $T/rot.2 | grep -qx 'end: 0 ticks'"
$S -b 4 -o "$T/all_%Y" -S 1 $M mode=3 flood=2500 > $T/out 2> $T/err; rc=$?
check rotate-keep-all "rc $rc / files" sh -c "[ $rc = 0 ] && [ \$(cat $T/all_$y.0 $T/all_$y.1 $T/all_$y.2 | grep -c '^x') = 2500 ] && [ ! -e $T/all_$y.3 ]"

rm -f $T/bk*
$S -b -o $T/bk -S 1 $M ticks=50 > $T/out 2> $T/err; rc=$?
check rotate-bulk "rc $rc / files" sh -c "[ $rc = 0 ] && [ -f $T/bk_cpu0.0 ] && [ -f $T/bk_cpu1.0 ] && [ \$(cat $T/bk_cpu*.0 | grep -c '^tick') = 50 ]"

# --- -D -o FILE -S: the file flight recorder (stap -F -o FILE) --------------
rm -f $T/fr*
$S -D -o $T/fr -S 1,3 $M ticks=30 > $T/out 2> $T/err; rc=$?
i=0
while loaded && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
check daemon-rotate "rc $rc / no pid / output" sh -c "[ $rc = 0 ] && grep -q '^[0-9][0-9]*$' $T/out && grep -q '^end: 30 ticks' $T/fr.0 && ! grep -q '^hello_mod ' /proc/modules"

# --- -w suppresses warnings ------------------------------------------------
$S -w $M ticks=10 > $T/out 2> $T/err; rc=$?
check nowarn "rc $rc or stderr not empty" sh -c "[ $rc = 0 ] && [ ! -s $T/err ]"

# --- an ERROR from the script: exit 1 and the final counters line ----------
$S $M mode=1 > $T/out 2> $T/err; rc=$?
check error-rc "exit status $rc" [ $rc = 1 ]
check error-text "no ERROR line" grep -q "^ERROR: test error from cpu [01]$" $T/err
check error-summary "no summary" grep -q "^WARNING: Number of errors: 1, skipped probes: 0$" $T/err
check error-removed "module left loaded" not_loaded

# --- SIGINT stops the session; end probes still print ----------------------
$S $M mode=2 > $T/out 2> $T/err &
pid=$!
sleep 2
check thread-names "no stapio thread, or the main thread renamed" sh -c \
	"cat /proc/$pid/task/*/comm | grep -qx stapio && grep -qx staprun /proc/$pid/comm"
kill -INT $pid
wait $pid; rc=$?
check sigint-rc "exit status $rc" [ $rc = 0 ]
check sigint-end "no end line" grep -q "^end: " $T/out
check sigint-order "ticks out of order" ticks_in_order $T/out
check sigint-removed "module left loaded" not_loaded

# --- SIGTERM during the session works the same ------------------------------
$S $M mode=2 > $T/out 2> $T/err &
pid=$!
sleep 1
kill -TERM $pid
wait $pid; rc=$?
check sigterm "rc $rc, or module left" sh -c "[ $rc = 0 ] && ! grep -q '^hello_mod ' /proc/modules"

# --- -c CMD: target() is its pid, its exit stops the session ---------------
$S -c "sh -c 'echo from-command; sleep 1'" $M mode=2 > $T/out 2> $T/err; rc=$?
check cmd-rc "exit status $rc" [ $rc = 0 ]
check cmd-target "target not set" sh -c "grep '^begin:' $T/out | grep -qv 'target 0$'"
check cmd-output "command output missing" grep -q "^from-command$" $T/out
check cmd-end "no end line" grep -q "^end: " $T/out
check cmd-removed "module left loaded" not_loaded

# --- -c with a simple command is exec'd: target() is the command itself ----
$S -c "sleep 1" $M mode=2 > $T/out 2> $T/err; rc=$?
check cmd-exec "rc $rc" sh -c "[ $rc = 0 ] && grep -q '^end: ' $T/out"

# --- -x PID: the session ends when PID exits ------------------------------
sleep 2 &
target=$!
$S -x $target $M mode=2 > $T/out 2> $T/err; rc=$?
check x-rc "exit status $rc" [ $rc = 0 ]
check x-target "target not $target" grep -q "^begin: mode 2 target $target$" $T/out
check x-removed "module left loaded" not_loaded
$S -x 99999 $M > $T/out 2> $T/err; rc=$?
check x-missing "rc $rc" sh -c "[ $rc = 1 ] && grep -q '^ERROR: no process with pid 99999' $T/err"

# --- -T SECS ----------------------------------------------------------------
$S -T 2 $M mode=2 > $T/out 2> $T/err; rc=$?
check timeout "rc $rc or no end" sh -c "[ $rc = 0 ] && grep -q '^end: ' $T/out"

# --- exit() inside begin: nothing armed, end probes still run -------------
$S $M mode=3 > $T/out 2> $T/err; rc=$?
check exit-in-begin "rc $rc / output" sh -c "[ $rc = 0 ] && ! grep -q '^tick' $T/out && grep -q '^end: 0 ticks' $T/out"

# --- arming fails: STARTED carries the error ------------------------------
$S $M mode=4 > $T/out 2> $T/err; rc=$?
check arm-fail "rc $rc / message" sh -c "[ $rc = 1 ] && grep -q '^ERROR: module hello_mod failed to start: No such device$' $T/err"
check arm-fail-removed "module left loaded" not_loaded

# --- module init fails -----------------------------------------------------
$S $M mode=5 > $T/out 2> $T/err; rc=$?
check init-fail "rc $rc / message" sh -c "[ $rc = 1 ] && grep -q '^ERROR: couldn.t insert module ./hello_mod.ko: Cannot allocate memory' $T/err"
check init-fail-removed "module left loaded" not_loaded

# --- an unknown global ------------------------------------------------------
$S $M nosuch=1 > $T/out 2> $T/err; rc=$?
check bad-global "rc $rc / message" sh -c "[ $rc = 1 ] && grep -qx \"ERROR: module hello_mod has no global 'nosuch' (from 'nosuch=1')\" $T/err"
check bad-global-removed "module loaded" not_loaded
$S $M ticks=abc > $T/out 2> $T/err; rc=$?
check bad-value "rc $rc / message" sh -c "[ $rc = 1 ] && grep -q '^ERROR: couldn.t insert module ./hello_mod.ko: Invalid argument' $T/err"
$S $M 'ticks' > $T/out 2> $T/err; rc=$?
check bad-arg "rc $rc" sh -c "[ $rc = 1 ] && grep -q \"is not of the form global=value\" $T/err"

# --- a module built for another kernel --------------------------------------
# (run-tests.sh made it by turning every digit of the release into a 9)
fake=$(uname -r | sed 's/[0-9]/9/g')
$S ./hello_mod_badver.ko > $T/out 2> $T/err; rc=$?
check vermagic "rc $rc / message" sh -c "[ $rc = 1 ] && grep -qx 'ERROR: module ./hello_mod_badver.ko was built for kernel $fake, but this kernel is $(uname -r)' $T/err"
check vermagic-removed "module loaded" not_loaded

# --- already loaded; staprun -d removes it ---------------------------------
insmod $M
$S $M > $T/out 2> $T/err; rc=$?
check already-loaded "rc $rc / message" sh -c "[ $rc = 1 ] && grep -q \"^ERROR: module hello_mod is already loaded; remove it with 'staprun -d hello_mod'\$\" $T/err"
check already-loaded-kept "the other module was removed" loaded
$S -d hello_mod > $T/out 2> $T/err; rc=$?
check delete "rc $rc / still loaded" sh -c "[ $rc = 0 ] && ! grep -q '^hello_mod ' /proc/modules"
$S -d hello_mod > $T/out 2> $T/err; rc=$?
check delete-missing "rc $rc" sh -c "[ $rc = 1 ] && grep -q '^ERROR: module hello_mod is not loaded$' $T/err"

# --- -o FILE and bulk mode ---------------------------------------------------
$S -o $T/file $M ticks=50 > $T/out 2> $T/err; rc=$?
check outfile "rc $rc / file" sh -c "[ $rc = 0 ] && [ ! -s $T/out ] && grep -q '^end: 50 ticks' $T/file"
rm -f $T/bulk_cpu*
$S -b -o $T/bulk $M ticks=50 > $T/out 2> $T/err; rc=$?
check bulk "rc $rc / files" sh -c "[ $rc = 0 ] && [ -f $T/bulk_cpu0 ] && [ -f $T/bulk_cpu1 ] && [ \$(cat $T/bulk_cpu* | grep -c '^tick') = 50 ]"

# --- a small buffer overflowed from begin: drops are counted and reported --
$S -b 1 $M mode=3 flood=20000 > $T/out 2> $T/err; rc=$?
check flood "rc $rc / no drop warning" sh -c "[ $rc = 0 ] && grep -q '^WARNING: [0-9]* bytes of output dropped' $T/err && grep -q '^end: 0 ticks' $T/out"
check flood-intact "output corrupted" sh -c "! grep -q '^ERROR' $T/err && ! grep -v '^x*$' $T/out | grep -vq '^begin:\\|^end:\\|^loader:\\|^zone:'"
check flood-removed "module left loaded" not_loaded

# --- drops while reading: what arrives is whole and in order ---------------
$S -b 1 $M ticks=1000 burst=300 > $T/out 2> $T/err; rc=$?
check burst "rc $rc" [ $rc = 0 ]
check burst-intact "malformed or reordered output" awk '
	/^tick / { if (NF != 4 || $2 <= last) exit 1; last = $2; next }
	/^burst / {
		split($2, p, ".")
		if (NF != 5 || length($5) != 100 || p[1] < last) exit 1
		if (p[1] == bn && p[2] <= bi) exit 1
		last = p[1]; bn = p[1]; bi = p[2]; next
	}
	/^begin: / || /^end: / || /^loader: / || /^zone: / { next }
	{ exit 1 }' $T/out
grep "bytes of output dropped" $T/err || echo "NOTE burst: nothing was dropped this time"
check burst-quiet "an ERROR line" sh -c "! grep -q '^ERROR' $T/err"

# --- debugfs not mounted: staprun mounts it --------------------------------
umount /sys/kernel/debug
$S $M ticks=10 > $T/out 2> $T/err; rc=$?
check debugfs-mount "rc $rc" sh -c "[ $rc = 0 ] && grep -q '^end: 10 ticks' $T/out"

# --- -L (detach, flight recorder), then -A and SIGINT ----------------------
$S -L $M mode=2 > $T/out 2> $T/err; rc=$?
check load-only "rc $rc / not loaded" sh -c "[ $rc = 0 ] && grep -q '^hello_mod ' /proc/modules"
check load-only-message "no reconnect message" sh -c "grep -qx 'Disconnecting from systemtap module.' $T/err && grep -qx 'To reconnect, type \"staprun -A hello_mod\"' $T/err"
sleep 2
$S -A hello_mod > $T/out 2> $T/err &
pid=$!
sleep 2
kill -INT $pid
wait $pid; rc=$?
check attach "rc $rc / output" sh -c "[ $rc = 0 ] && grep -q '^tick' $T/out && grep -q '^end: ' $T/out"
check attach-order "ticks out of order" sh -c "grep '^tick' $T/out | awk 'NR > 1 && \$2 != n + 1 { exit 1 } { n = \$2 }'"
check attach-removed "module left loaded" not_loaded
check attach-loader "end not run by the attached loader" sh -c "grep -B1 '^end: ' $T/out | grep -qx 'loader: stapio 1'"

# --- -L, exit() while detached: the module stops itself; -A collects --------
$S -L $M ticks=50 > $T/out 2> $T/err; rc=$?
sleep 3
$S -A hello_mod > $T/out 2> $T/err; rc2=$?
check detached-exit "rc $rc/$rc2 / output" sh -c "[ $rc = 0 ] && [ $rc2 = 0 ] && grep -q '^end: 50 ticks' $T/out && grep -q '^tick 50 ' $T/out"
check detached-exit-removed "module left loaded" not_loaded

# --- SIGQUIT detaches; -d then stops and removes --------------------------
$S $M mode=2 > $T/out 2> $T/err &
pid=$!
sleep 2
kill -QUIT $pid
wait $pid; rc=$?
check sigquit "rc $rc / not loaded" sh -c "[ $rc = 0 ] && grep -q '^hello_mod ' /proc/modules"
$S -d hello_mod > $T/out 2> $T/err; rc=$?
check sigquit-delete "rc $rc" sh -c "[ $rc = 0 ] && ! grep -q '^hello_mod ' /proc/modules"

# --- the loader is killed: the module stops itself; -d cleans up ----------
$S $M mode=2 > $T/out 2> $T/err &
pid=$!
sleep 2
kill -KILL $pid
wait $pid
sleep 1
check killed-kept "module gone after SIGKILL" loaded
$S -d hello_mod > $T/out 2> $T/err; rc=$?
check killed-delete "rc $rc" sh -c "[ $rc = 0 ] && ! grep -q '^hello_mod ' /proc/modules"

# --- a second loader cannot take over a running session --------------------
$S $M mode=2 > $T/out 2> $T/err &
pid=$!
sleep 2
$S -A hello_mod > $T/out2 2> $T/err2; rc=$?
check busy "rc $rc / message" sh -c "[ $rc = 1 ] && grep -q '^ERROR: module hello_mod is in use by another staprun$' $T/err2"
kill -INT $pid
wait $pid

# --- stap -t: the probe hit report after the end probes (a stap module) ----
if [ -f ./life_timing.ko ]; then
	$S ./life_timing.ko > $T/out 2> $T/err; rc=$?
	check timing-rc "rc $rc" [ $rc = 0 ]
	check timing-report "no or malformed report" awk '
		BEGIN { want[0] = "begin"; want[1] = "timer.ms\\(10\\)"; want[2] = "end" }
		NR == 1 { ok = $0 == "begin" }
		NR == 2 { ok = ok && $0 == "end 5" }
		NR == 3 { ok = ok && $0 == "----- probe hit report: " }
		NR >= 4 && NR <= 6 {
			i = NR - 4
			re = "^" want[i] ", \\(life_timing\\.stp:" (i + 2) ":1\\), hits: [0-9]+, cycles: [0-9]+min/[0-9]+avg/[0-9]+max, variance: [0-9]+, from: " want[i] ", index: " i "$"
			ok = ok && $0 ~ re
		}
		NR == 7 { ok = ok && $0 == "----- refresh report:" }
		END { exit !(ok && NR == 7) }' $T/out
	check timing-hits "hit counts" sh -c "grep -q '^begin, .*hits: 1, ' $T/out && grep -q '^timer.ms(10), .*hits: 5, ' $T/out"
else
	echo "NOTE timing: no life_timing.ko (stap could not build it)"
fi

# --- nothing may be left behind ---------------------------------------------
check final-clean "a module is left loaded" sh -c "[ ! -s /proc/modules ]"

# --- the kernel log: no warnings, oopses or lockdep splats -----------------
dmesg > $T/dmesg
if grep -E "WARNING:|BUG|Call Trace|lockdep|circular locking|Oops" $T/dmesg > $T/bad; then
	bad dmesg "kernel complained"
	head -40 $T/bad
else
	ok dmesg
fi
grep -i "hello_mod\|relay" $T/dmesg | sort | uniq -c | sed 's/^/DMESG /' | tail -20

echo "$pass passed, $fail failed"
[ $fail = 0 ]
