#!/bin/bash
# pass4.sh [N] - pass-4 time and module size for hello world and a 50-probe
# script, and the cached end-to-end (-p4) time: ours beside SystemTap 4.8.
#
# SystemTap 4.8's pass 4 fails on Debian's current 6.1 headers (one changed
# declaration, task_work_cancel); for the comparison it builds against a
# private copy of the headers with that declaration restored.  Figures only.
set -u
. "$(dirname "$0")/lib.sh"
n=${1:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

echo 'probe begin { printf("hello world\n"); exit() }' > "$tmp/hello.stp"
{
	echo 'global hits'
	for i in $(seq 1 50); do
		echo "probe timer.ms($((i + 10))) { hits[$i]++; if (hits[$i] > 100) exit() }"
	done
	echo 'probe end { foreach (k in hits-) printf("%d %d\n", k, hits[k]) }'
} > "$tmp/p50.stp"

refhdr=
if have_ref; then
	src=/usr/src/linux-headers-$KVER
	common=$(readlink -f "$src/../linux-headers-${KVER%-*}-common" 2>/dev/null)
	[ -d "$common" ] || common=$(ls -d /usr/src/linux-headers-*-common | head -1)
	mkdir -p "$tmp/kh"
	cp -a "$src" "$tmp/kh/amd64"
	cp -a "$common" "$tmp/kh/common"
	sed -i 's|^bool task_work_cancel(struct task_struct \*task, struct callback_head \*cb);|struct callback_head *task_work_cancel(struct task_struct *, task_work_func_t);|' \
		"$tmp/kh/common/include/linux/task_work.h"
	sed -i "s|$common|$tmp/kh/common|g" "$tmp/kh/amd64/Makefile"
	# relative symlinks (scripts, tools) must keep pointing at kbuild
	for d in amd64 common; do
		orig=$src; [ $d = common ] && orig=$common
		for l in scripts tools; do
			[ -L "$tmp/kh/$d/$l" ] && ln -sfn "$(readlink -f "$orig/$l")" "$tmp/kh/$d/$l"
		done
	done
	refhdr=$tmp/kh/amd64
fi

# "fresh": a module not yet in either cache (each run's script differs by
# one number), with SystemTap's per-kernel feature tests already cached —
# the everyday case; "cached": the same script again.
fresh() {	# fresh TOOL-ARGS... (the script is $tmp/fresh.stp, rewritten per run)
	local walls=() rss=() i w r
	for ((i = 0; i < n; i++)); do
		sed "s/hello world/hello world $RANDOM$RANDOM/" "$tmp/$base.stp" > "$tmp/fresh.stp"
		read -r w r <<< "$(measure "$@" "$tmp/fresh.stp")"
		walls+=("$w"); rss+=("$r")
	done
	printf '%-44s %8s s %8s MB\n' "$label" "$(printf '%s\n' "${walls[@]}" | median)" \
		"$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }')"
}
sed -i 's/printf("%d %d\\n", k, hits\[k\])/printf("hello world %d %d\\n", k, hits[k])/' "$tmp/p50.stp"
[ -n "$refhdr" ] && "$REF" -r "$refhdr" -p4 "$tmp/hello.stp" > /dev/null 2>&1	# feature tests, once

printf '%-44s %10s %11s\n' "" "wall" "peak RSS"
for base in hello p50; do
	label="ours  -p4 (fresh) $base.stp" fresh "$OURS" -p4
	(cd "$tmp" && "$OURS" -p4 --disable-cache -m ours_$base "$base.stp" > /dev/null 2>&1)
	"$OURS" -p4 "$tmp/$base.stp" > /dev/null 2>&1	# warm the cache
	bench "ours  -p4 (cached) $base.stp" "$n" "$OURS" -p4 "$tmp/$base.stp"
	if [ -n "$refhdr" ]; then
		label="stap 4.8 -p4 (fresh) $base.stp" fresh "$REF" -r "$refhdr" -p4
		(cd "$tmp" && "$REF" -r "$refhdr" -p4 -m ref_$base "$base.stp" > /dev/null 2>&1)
		"$REF" -r "$refhdr" -p4 "$tmp/$base.stp" > /dev/null 2>&1
		bench "stap 4.8 -p4 (cached) $base.stp" "$n" "$REF" -r "$refhdr" -p4 "$tmp/$base.stp"
	fi
done
echo
for f in "$tmp"/ours_*.ko "$tmp"/ref_*.ko; do
	[ -f "$f" ] && printf '%-44s %8d KB\n' "module size $(basename "$f")" $(( $(stat -c %s "$f") / 1024 ))
done
have_ref || echo "(SystemTap 4.8 not installed: apt-get install systemtap to compare)"
