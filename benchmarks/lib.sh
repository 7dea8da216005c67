# lib.sh - shared by the benchmarks: medians and resource measurement.
# Figures only; these machines are noisy, so every figure is a median.

# measure CMD...: prints "WALL_SECONDS MAXRSS_KB" for one run (output discarded)
measure() {
	local f
	f=$(mktemp)
	/usr/bin/time -o "$f" -f '%e %M' "$@" > /dev/null 2>&1
	tail -1 "$f"
	rm -f "$f"
}

# median: reads numbers on stdin, prints the median
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench LABEL N CMD...: N runs; prints "LABEL  median-wall s  median-rss MB"
bench() {
	local label=$1 n=$2 i
	shift 2
	local walls=() rss=()
	for ((i = 0; i < n; i++)); do
		read -r w r <<< "$(measure "$@")"
		walls+=("$w")
		rss+=("$r")
	done
	printf '%-44s %8s s %8s MB\n' "$label" \
		"$(printf '%s\n' "${walls[@]}" | median)" \
		"$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }')"
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OURS=${STAP:-$here/../stap/stap}
REF=${REF_STAP:-/usr/bin/stap}
KVER=${KVER:-$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | sed -n 's/.*linux-headers-\([^ ,(]*\).*/\1/p')}
have_ref() { [ -x "$REF" ] && "$REF" -V 2>&1 | grep -q 'version 4'; }
