#!/bin/bash
# kprobe-hit.sh [RUNS] [CALLS] - the cost of one kprobe hit: a tight loop of
# CALLS getppid() system calls (a static program) timed in the lab with no
# probe, with a bare hand-written kprobe module counting hits on
# __x64_sys_getppid (benchmarks/bare_kprobe/), and with our module doing
# the same in a script (`hits++` in kernel.function and kprobe.function
# probes, and the latter built -DSTP_NO_OVERLOAD: the overload check's
# share); SystemTap 4.8's too when it is installed.  RUNS rounds, all in
# one boot with one vCPU; a hit's cost is the fastest round's time less the
# fastest without probes (medians shown too).  The lab is emulated (TCG):
# only the ratios mean much.  Figures only.
set -u
. "$(dirname "$0")/lib.sh"
runs=${1:-5}
calls=${2:-200000}
func=__x64_sys_getppid		# kprobes: the syscall's entry
dwfunc=__do_sys_getppid		# its DWARF name (the same address)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
kbuild=/usr/src/linux-headers-$KVER
[ -d "$kbuild" ] || { echo "kprobe-hit: no $kbuild (apt-get install linux-headers-$KVER)"; exit 1; }

# the loop, static: the lab has no C library of its own
gcc -O2 -static -o "$tmp/loop" "$here/bare_kprobe/loop.c" || exit 1
# the bare module
mkdir "$tmp/bare"
cp "$here/bare_kprobe/bare_kprobe.c" "$here/bare_kprobe/Kbuild" "$tmp/bare/"
make -s -C "$kbuild" M="$tmp/bare" modules > "$tmp/bare.log" 2>&1 ||
	{ echo "kprobe-hit: the bare module does not build:"; tail -5 "$tmp/bare.log"; exit 1; }
# ours: DWARF and DWARF-less kprobes
(cd "$tmp" &&
 "$OURS" -p4 -m kp_dwarf -e "global hits; probe kernel.function(\"$dwfunc\") { hits++ }
	probe end { printf(\"hits=%d\\n\", hits) }" > /dev/null &&
 "$OURS" -p4 -m kp_nodw -e "global hits; probe kprobe.function(\"$func\") { hits++ }
	probe end { printf(\"hits=%d\\n\", hits) }" > /dev/null &&
 "$OURS" -p4 -m kp_noov -DSTP_NO_OVERLOAD -e "global hits; probe kprobe.function(\"$func\") { hits++ }
	probe end { printf(\"hits=%d\\n\", hits) }" > /dev/null) ||
	{ echo "kprobe-hit: our modules do not build"; exit 1; }

# SystemTap 4.8 needs its one header fix (see pass4.sh)
ref=
if have_ref; then
	common=$(ls -d /usr/src/linux-headers-*-common | head -1)
	mkdir -p "$tmp/kh"
	cp -a "$kbuild" "$tmp/kh/amd64"
	cp -a "$common" "$tmp/kh/common"
	sed -i 's|^bool task_work_cancel(struct task_struct \*task, struct callback_head \*cb);|struct callback_head *task_work_cancel(struct task_struct *, task_work_func_t);|' \
		"$tmp/kh/common/include/linux/task_work.h"
	sed -i "s|$common|$tmp/kh/common|g" "$tmp/kh/amd64/Makefile"
	for d in amd64 common; do
		orig=$kbuild; [ $d = common ] && orig=$common
		for l in scripts tools; do
			[ -L "$tmp/kh/$d/$l" ] && ln -sfn "$(readlink -f "$orig/$l")" "$tmp/kh/$d/$l"
		done
	done
	# with a build tree for -r, SystemTap looks for the DWARF in it
	ln -s "/usr/lib/debug/boot/vmlinux-$KVER" "$tmp/kh/amd64/vmlinux"
	(cd "$tmp" && "$REF" -r "$tmp/kh/amd64" -p4 -m kp_ref -e "global hits;
		probe kernel.function(\"$dwfunc\") { hits++ } probe end { printf(\"hits=%d\\n\", hits) }" \
		> "$tmp/ref.log" 2>&1) && ref=1
	[ -n "$ref" ] || { echo "(SystemTap 4.8's module does not build:"; grep -v WARNING "$tmp/ref.log" | tail -3; echo ")"; }
fi

# the guest: "LABEL NS" lines, the configurations interleaved round by
# round (the host's load drifts); under staprun -c one loop runs
cat > "$tmp/bench.sh" <<EOF
cd /work
one() { echo "\$1 \$(./loop $calls)" >> results; }
if [ "\${1:-}" = one ]; then one "\$2"; exit 0; fi
ours=staprun; [ -x ./staprun ] && ours=./staprun
: > results
for r in \$(seq $runs); do
	one none
	insmod bare_kprobe.ko func=$func && one bare && rmmod bare_kprobe
	\$ours -c 'sh bench.sh one dwarf' kp_dwarf.ko > /dev/null
	\$ours -c 'sh bench.sh one nodw' kp_nodw.ko > /dev/null
	\$ours -c 'sh bench.sh one noov' kp_noov.ko > /dev/null
	[ -f kp_ref.ko ] && /usr/bin/staprun -c 'sh bench.sh one stap-4.8' kp_ref.ko > /dev/null
done
cat results
dmesg | grep -o 'bare_kprobe: .*hits=.*' | tail -1
EOF
args=(-f "$tmp/loop" -f "$tmp/bare/bare_kprobe.ko" -f "$tmp/kp_dwarf.ko" -f "$tmp/kp_nodw.ko" -f "$tmp/kp_noov.ko" -f "$tmp/bench.sh")
# SystemTap's staprun takes /usr/bin/staprun in the guest: ours goes to /work
[ -n "$ref" ] && args+=(-f "$tmp/kp_ref.ko" -f "$here/../staprun/staprun" -x /usr/bin/staprun
			-x /usr/lib/systemtap/stapio)
"$here/../lab/stap-vm" -c 1 -t 1200 "${args[@]}" -- 'sh bench.sh' > "$tmp/out" 2> "$tmp/err" ||
	{ echo "kprobe-hit: the lab run failed:"; tail -5 "$tmp/err"; exit 1; }

# per configuration: the fastest run (the least disturbed by the host) and
# the median; a hit costs the difference from the loop without probes
best() { awk -v l="$1" '$1 == l { print $2 }' "$tmp/out" | sort -n | head -1; }
med() { awk -v l="$1" '$1 == l { print $2 }' "$tmp/out" | median; }
printf '%d rounds of %d getppid() calls, one vCPU, in the lab (emulated: compare ratios)\n' "$runs" "$calls"
printf '%-32s %12s %12s %12s %9s\n' "" "ns/call med" "ns/call min" "ns/hit min" "vs bare"
none=$(best none)
bare=$(best bare)
row() {
	local label=$1 b m
	b=$(best "$2")
	m=$(med "$2")
	[ -z "$b" ] && { printf '%-32s %12s\n' "$label" n/a; return; }
	awk -v l="$label" -v b="$b" -v m="$m" -v n="$none" -v bare="$bare" 'BEGIN {
		if (l == "no probe") { printf "%-32s %12.1f %12.1f\n", l, m, b; exit }
		h = b - n; bh = bare - n
		printf "%-32s %12.1f %12.1f %12.1f", l, m, b, h
		if (bh > 0) printf " %8.2fx", h / bh
		printf "\n" }'
}
row "no probe" none
row "bare kprobe module" bare
row "ours kernel.function, hits++" dwarf
row "ours kprobe.function, hits++" nodw
row "ours kprobe.function, no overload" noov
[ -n "$ref" ] && row "SystemTap 4.8 kernel.function" stap-4.8
grep -h 'bare_kprobe:' "$tmp/out" | sed 's/^/  /'
have_ref || echo "(SystemTap 4.8 not installed: apt-get install systemtap to compare)"
