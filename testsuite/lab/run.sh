#!/bin/bash
# testsuite/lab/run.sh: tests of the lab runner, lab/stap-vm.
#
# Needs no stap: each boot runs shell commands in the lab kernel and the
# host checks what came back.  Boots are slow (seconds each, under
# emulation), so one boot carries as many checks as it can.  Prints one
# "PASS: name" or "FAIL: name" line per check and "N passed, N failed" at
# the end; exits 1 when any check failed.
#
# usage: testsuite/lab/run.sh         (STAP_VM=path picks another stap-vm)

set -u
here=$(cd "$(dirname "$0")" && pwd)
vm=${STAP_VM:-$here/../../lab/stap-vm}
passed=0 failed=0

check() {
	local name=$1; shift
	if "$@"; then
		echo "PASS: $name"; passed=$((passed + 1))
	else
		echo "FAIL: $name"; failed=$((failed + 1))
	fi
}

# Show what a failed check saw.
show() {
	echo "--- $1:"; head -c 2000 "$2"; echo; echo "---"
}

t=$(mktemp -d "${TMPDIR:-/tmp}/lab-test.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 1

# --- the interface, no boot
release=$("$vm" --kernel-release 2>&1)
check kernel-release grep -qE '^[0-9]+\.[0-9]+' <<<"$release"
"$vm" >usage.out 2>&1
check no-command-is-lab-failure test $? = 125
check no-command-message grep -q '^stap-vm: no command' usage.out
"$vm" --fetch || { echo "FAIL: fetch"; echo "1 passed, 1 failed"; exit 1; }
"$vm" -k no_such_module -- true >kmod.out 2>&1
check k-unknown-is-lab-failure test $? = 125
check k-unknown-message grep -q '^stap-vm: -k no_such_module: the lab kernel .* has no module' kmod.out

# --- one boot: status, separate streams, 1 MB exact, -f, -x, -k, -g, -D, guest
head -c 1048575 /dev/urandom >big.bin && printf x >>big.bin
printf '#!/bin/sh\necho script-ran >&2\n' >script.sh && chmod 755 script.sh
"$vm" -f big.bin -f script.sh -x /bin/true -k nfs -g sum.txt -g sub/nosuch \
	-D dmesg.txt -- '
	cat big.bin
	echo err-line >&2
	./script.sh
	/bin/true --version | grep -q GNU && echo true-is-host >&2
	md5sum big.bin >sum.txt
	mkdir sub
	grep -q " /sys/kernel/debug debugfs" /proc/mounts &&
		grep -q " /sys/kernel/tracing tracefs" /proc/mounts &&
		[ -e /sys/kernel/debug/kprobes/list ] && echo mounts-ok >&2
	ip link show lo | grep -q UP && echo lo-up >&2
	[ "$(id -u)" = 0 ] && [ "$PWD" = /work ] && echo root-in-work >&2
	modprobe nfs && grep -q "^sunrpc " /proc/modules && rmmod nfs && echo kmod-deps >&2
	exit 3' >out.bin 2>err.txt
status=$?
check exit-status test $status = 3
check output-1mb-exact test "$(md5sum <out.bin)" = "$(md5sum <big.bin)"
printf '%s\n' err-line script-ran true-is-host mounts-ok lo-up root-in-work kmod-deps \
	'stap-vm: -g sub/nosuch: no such file in the guest' >err.want
check stderr-separate cmp -s err.txt err.want || show stderr err.txt
check f-file-and-mode grep -q script-ran err.txt
check x-program grep -q true-is-host err.txt
check g-roundtrip test "$(cut -d' ' -f1 sum.txt 2>/dev/null)" = "$(md5sum <big.bin | cut -d' ' -f1)"
check g-missing-warns grep -q 'sub/nosuch: no such file' err.txt
check D-dmesg grep -q 'Linux version' dmesg.txt
check guest-mounts grep -q mounts-ok err.txt
check guest-loopback grep -q lo-up err.txt
check guest-root-in-work grep -q root-in-work err.txt
check k-module-with-deps grep -q kmod-deps err.txt

# --- -t: exit 124; output without a trailing newline still arrives
"$vm" -t 12 -- 'printf before; sleep 1000' >out.txt 2>err.txt
status=$?
check timeout-124 test $status = 124
check timeout-message grep -q '^stap-vm: timed out after 12 s' err.txt
check no-trailing-newline test "$(od -An -c out.txt | tr -d ' \n')" = before

# --- SIGINT reaches the command, which prints its last words; output is
# streamed (seen while the guest still runs).  Job control, so that the
# background stap-vm does not start with SIGINT ignored.
set -m
"$vm" -- 'trap "echo got-int; exit 7" INT; echo started; while :; do sleep 1; done' \
	>out.txt 2>err.txt &
pid=$!
set +m
for ((i = 0; i < 600; i++)); do
	grep -q started out.txt && break
	sleep 0.1
done
check streaming grep -q started out.txt
kill -INT "$pid"
wait "$pid"
status=$?
check sigint-status test $status = 7
check sigint-last-words grep -q got-int out.txt

# --- a kernel crash is a lab failure, reported with the console
"$vm" -D crash.txt -- 'echo c >/proc/sysrq-trigger; sleep 5' >out.txt 2>err.txt
status=$?
check crash-is-125 test $status = 125
check crash-one-line test "$(grep -c '^stap-vm:' err.txt)" = 1
check crash-console grep -q 'Kernel panic' err.txt
check crash-D-file grep -q 'sysrq' crash.txt

# --- two runs at once share the cache safely
"$vm" -- 'echo one' >one.txt 2>&1 &
"$vm" -- 'echo two' >two.txt 2>&1
wait $!
check concurrent-runs test "$(cat one.txt two.txt)" = "$(printf 'one\ntwo')"

echo "$passed passed, $failed failed"
((failed == 0))
