#!/bin/bash
# lab-boot.sh: the median wall time of N lab boots running `true`.
#
# usage: benchmarks/lab-boot.sh [N] [stap-vm options...]
# Prints each boot's wall time, then the median and the spread.  Figures
# only, no verdict: boot time depends on the host's load (TCG is CPU-bound).
# STAP_VM (default: lab/stap-vm beside this directory) picks the runner; its
# STAP_VM_* knobs pass through: STAP_VM_UNTUNED=1 gives the baseline (the
# compressed kernel under SeaBIOS, no boot options), STAP_VM_APPEND and
# STAP_VM_QEMU_ARGS try variants.

set -u
n=${1:-5}
[[ $# -gt 0 ]] && shift
here=$(cd "$(dirname "$0")" && pwd)
vm=${STAP_VM:-$here/../lab/stap-vm}

"$vm" --fetch "$@" || exit
times=()
for ((i = 1; i <= n; i++)); do
	t0=$EPOCHREALTIME
	"$vm" "$@" -- true || { echo "lab-boot: stap-vm failed" >&2; exit 1; }
	t1=$EPOCHREALTIME
	t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	times+=("$t")
	echo "boot $i: $t s"
done
printf '%s\n' "${times[@]}" | sort -n | awk '
	{ v[NR] = $1 }
	END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median %.2f s over %d boots (min %.2f, max %.2f)\n", m, NR, v[1], v[NR]
	}'
