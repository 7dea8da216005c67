#!/bin/bash
# pass12.sh [N] - passes 1+2 wall time and peak RSS: ours beside SystemTap 4.8
# (when installed: apt-get install systemtap) on the same scripts:
#   a one-liner, a 1,000-line script, a script calling 20 tapset functions.
set -u
. "$(dirname "$0")/lib.sh"
n=${1:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

echo 'probe begin { printf("hello world\n"); exit() }' > "$tmp/one.stp"
{
	echo 'global counts, total'
	for i in $(seq 1 240); do
		echo "function f$i(x) { if (x > $i) return x - $i; else return x + $i }"
	done
	for i in $(seq 1 120); do
		printf 'probe timer.ms(%d) {\n\tcounts[%d] += f%d(%d)\n\ttotal++\n\tif (total > 1000) exit()\n\tprintf("%%d %%d\\n", %d, counts[%d])\n\ts = sprintf("x%%d", total)\n}\n' \
			"$i" "$i" "$i" "$i" "$i" "$i"
	done
} > "$tmp/big.stp"
cat > "$tmp/tapset20.stp" <<'S'
probe begin {
	printf("%d %d %d %s %s %d\n", pid(), tid(), uid(), execname(), pp(), cpu())
	printf("%d %d %d %d\n", gettimeofday_s(), gettimeofday_ms(), gettimeofday_us(), gettimeofday_ns())
	printf("%s %d %s %d\n", substr("hello", 1, 2), strlen("abc"), str_replace("a-b", "-", "+"), isinstr("ab", "b"))
	printf("%d %s %s %d\n", strtol("42", 10), ctime(0), errno_str(2), randint(10))
	printf("%s %s\n", text_str("x"), tokenize("a b", " "))
	exit()
}
S
echo "lines in big.stp: $(wc -l < "$tmp/big.stp")"
printf '%-44s %10s %11s\n' "" "wall" "peak RSS"
for s in one big tapset20; do
	bench "ours  -p2 $s.stp" "$n" "$OURS" -p2 "$tmp/$s.stp"
	if have_ref; then
		bench "stap 4.8 -p2 $s.stp" "$n" "$REF" -r "$KVER" -p2 "$tmp/$s.stp"
	fi
done
have_ref || echo "(SystemTap 4.8 not installed: apt-get install systemtap to compare)"
