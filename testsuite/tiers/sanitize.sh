#!/bin/bash
# sanitize.sh - the translator under AddressSanitizer/UBSan (the golden
# tests again), valgrind on pass 2 (no leak, no invalid access), and a
# bounded smoke run of the parser fuzz target (libFuzzer).
set -u
top=$(cd "$TESTSUITE/.." && pwd)
out=$WORK/sanitize
mkdir -p "$out"
srcs=()
for f in "$top"/stap/*.c; do
	case $f in */main.c|*/fuzz_parse.c|*/parser.c|*/lexer.c) ;; *) srcs+=("$f") ;; esac
done
gen=("$top/stap/parser.c" "$top/stap/lexer.c")
defs=(-D_GNU_SOURCE -I"$top/stap" -I"$top" -DPKGDATADIR='"/nonexistent"' -DBINDIR='"/nonexistent"'
      -DPKGLIBEXECDIR='"/nonexistent"' -DABS_SRCDIR="\"$top\"" -DABS_BUILDDIR="\"$top\"")
export SYSTEMTAP_TAPSET=$top/tapset SYSTEMTAP_RUNTIME=$top/runtime

# 1. ASan + UBSan translator, golden tests
if gcc -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1 "${defs[@]}" \
	-o "$out/stap-asan" "$top/stap/main.c" "${srcs[@]}" "${gen[@]}" -ldw -lelf 2> "$out/asan-build.log"; then
	echo "PASS: sanitize/asan-build"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	STAP=$out/stap-asan WORK=$out "$TESTSUITE/tiers/golden.sh" | sed 's/^\(PASS\|FAIL\): golden/\1: sanitize\/golden/'
else
	echo "FAIL: sanitize/asan-build"
	head -5 "$out/asan-build.log"
fi

# 2. valgrind on pass 2
if command -v valgrind > /dev/null; then
	scripts=(
		'probe begin { printf("%d %s\n", 1, "x"); exit() }'
		'global a, s; function f(x) { return x * 2 } probe timer.ms(10) { a[f(1), "k"]++; s <<< 1 } probe end { foreach ([x, y] in a-) printf("%d %s %d\n", x, y, a[x, y]); print(@hist_log(s)) }'
		'probe begin { if ("abc" =~ "a(b)c") println(matched(1)); try { error("x") } catch (e) { println(e) } exit() }'
	)
	[ -f "/usr/lib/debug/boot/vmlinux-$("$STAP" -p2 -e 'probe begin{}' >/dev/null 2>&1; uname -r)" ] || true
	i=0
	for s in "${scripts[@]}"; do
		i=$((i + 1))
		if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=9 \
			"$STAP" -p2 -e "$s" > /dev/null 2> "$out/vg$i.log"; then
			echo "PASS: sanitize/valgrind-p2-$i"
		else
			echo "FAIL: sanitize/valgrind-p2-$i"
			head -20 "$out/vg$i.log"
		fi
	done
else
	echo "SKIP: sanitize/valgrind (valgrind is not installed)"
fi

# 3. the parser fuzz target, a bounded smoke run
if command -v clang > /dev/null && clang -fsanitize=fuzzer,address,undefined -g -O1 "${defs[@]}" \
	-o "$out/fuzz" "$top/stap/fuzz_parse.c" "${srcs[@]}" "${gen[@]}" -ldw -lelf 2> "$out/fuzz-build.log"; then
	mkdir -p "$out/corpus"
	cp "$TESTSUITE"/golden/*.stp "$TESTSUITE"/run/*.stp "$TESTSUITE"/fuzz/*.stp "$out/corpus/" 2>/dev/null
	if (cd "$out" && timeout 120 ./fuzz -max_total_time="${FUZZ_SECONDS:-20}" -rss_limit_mb=2048 \
		corpus > fuzz.log 2>&1); then
		echo "PASS: sanitize/fuzz-parser ($(grep -o 'Done [0-9]* runs' "$out/fuzz.log"))"
	else
		echo "FAIL: sanitize/fuzz-parser"
		grep -m5 -E 'ERROR|SUMMARY|crash' "$out/fuzz.log"
	fi
else
	echo "SKIP: sanitize/fuzz-parser (clang with libFuzzer is not installed: apt-get install clang)"
fi
exit 0
