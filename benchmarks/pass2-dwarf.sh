#!/bin/bash
# pass2-dwarf.sh [N] - passes 1-2 on probes that need the kernel's DWARF:
# wall time cold (an empty cache directory: SYSTEMTAP_DIR=$(mktemp -d), so
# our function index is rebuilt; SystemTap's caches likewise start empty)
# and warm (median of N runs), and peak RSS; ours beside SystemTap 4.8
# (`stap -r KVER -p2`, when installed).  A probe a tapset does not define
# (yet) prints n/a.  The page cache is not dropped: "cold" is our caches
# only.  Figures only.
set -u
. "$(dirname "$0")/lib.sh"
n=${1:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

scripts=(
	'probe kernel.function("do_sys_openat2") { printf("%s\n", user_string($filename)) }'
	'probe kernel.function("vfs_*") { printf("%s\n", ppfunc()) }'
	'probe syscall.* { printf("%s\n", name) }'
	'probe signal.send { printf("%s\n", sig_name) }'
	'probe vfs.read { printf("%s\n", devname) }'
)
labels=('kernel.function("do_sys_openat2")' 'kernel.function("vfs_*")' 'syscall.*' 'signal.send' 'vfs.read')

# one TOOL ARGS...: "WALL RSS" of one run into a fresh cache directory
cold() {
	local dir r
	dir=$(mktemp -d -p "$tmp")
	r=$(SYSTEMTAP_DIR=$dir measure "$@")
	rm -rf "$dir"
	echo "$r"
}

# row LABEL CMD...: cold, then N warm runs sharing one cache directory
row() {
	local label=$1 dir w r walls=() rss=() i
	shift
	if ! "$@" > /dev/null 2>&1; then
		printf '%-46s %10s %10s %10s %10s\n' "$label" n/a n/a n/a n/a
		return
	fi
	read -r w r <<< "$(cold "$@")"
	dir=$(mktemp -d -p "$tmp")
	SYSTEMTAP_DIR=$dir "$@" > /dev/null 2>&1	# fill it
	for ((i = 0; i < n; i++)); do
		read -r cw cr <<< "$(SYSTEMTAP_DIR=$dir measure "$@")"	# warm: wall, RSS
		walls+=("$cw")
		rss+=("$cr")
	done
	printf '%-46s %9ss %9ss %7s MB %7s MB\n' "$label" "$w" "$(printf '%s\n' "${walls[@]}" | median)" \
		"$(awk -v r="$r" 'BEGIN { printf "%.0f", r / 1024 }')" \
		"$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%.0f", $1 / 1024 }')"
}

printf '%-46s %10s %10s %10s %10s\n' "passes 1-2" "cold" "warm" "RSS cold" "RSS warm"
for i in "${!scripts[@]}"; do
	echo "${scripts[$i]}" > "$tmp/s$i.stp"
	row "ours     ${labels[$i]}" "$OURS" -p2 "$tmp/s$i.stp"
	if have_ref; then
		row "stap 4.8 ${labels[$i]}" "$REF" -r "$KVER" -p2 "$tmp/s$i.stp"
	fi
done
have_ref || echo "(SystemTap 4.8 not installed: apt-get install systemtap to compare)"
