#!/bin/sh
# run-tests.sh - runtime (runtime/stp_*.h) and staprun tests.
#
# Two tiers:
#   host  staprun's refusals that need no kernel support: not root, no such
#         file, not a module, a kernel that cannot load modules (this host)
#   lab   hello_mod.ko, a hand-written "generated" module, is built with
#         kbuild and run by staprun in Debian's kernel under QEMU (2 CPUs):
#         guest-tests.sh does the checks there; life_timing.ko, built by
#         stap -t if the translator is there, checks the probe hit report
#
# Usage: testsuite/runtime/run-tests.sh [host|lab|all]   (default: all)
# Environment: KVER (kernel release of the lab, default: the one whose
# kbuild tree is installed), VMLINUZ (its kernel image), CTAP_LAB_CACHE
# (where a downloaded kernel image is kept, default /var/tmp/ctap-lab),
# STAPRUN (a staprun binary to test instead of building one), KEEP=1
# (keep the work directory, with console.log, for debugging).
# Prints PASS/FAIL per test and "N passed, M failed"; exits 0 only if none
# failed.  The lab tier is skipped (with a SKIP line) without qemu or kbuild.
#
# TODO: boot through lab/stap-vm once it exists; the boot below follows
# shared/LAB.md.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tier=${1:-all}
work=$(mktemp -d /tmp/ctap-runtime.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
pass=0
fail=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
# expect NAME RC REGEX: the last command's exit status and stderr line
expect() {
	if [ "$rc" = "$2" ] && grep -qE "$3" "$work/err"; then
		ok "$1"
	else
		bad "$1" "exit $rc, stderr: $(head -3 "$work/err")"
	fi
}

build_staprun() {
	if [ -n "${STAPRUN:-}" ]; then
		cp "$STAPRUN" "$work/staprun"
		return
	fi
	${CC:-gcc} -O2 -g -Wall -Wextra -Wshadow -Wundef -Wwrite-strings \
		-Wmissing-prototypes -Wstrict-prototypes -Werror \
		-I"$top/runtime" -o "$work/staprun" "$top"/staprun/*.c
}

# --- host tier ---------------------------------------------------------------

host_tests() {
	S=$work/staprun
	printf '\177ELF' > "$work/fake.ko"
	head -c 4096 /dev/zero >> "$work/fake.ko"

	"$S" "$work/nonexistent.ko" 2> "$work/err"; rc=$?
	expect host-missing 1 "^ERROR: cannot open module .*nonexistent.ko: No such file or directory$"
	"$S" /etc/passwd 2> "$work/err"; rc=$?
	expect host-not-elf 1 "^ERROR: /etc/passwd is not a kernel module \(not an ELF file\)$"
	"$S" "$work/fake.ko" 2> "$work/err"; rc=$?
	expect host-bad-elf 1 "^ERROR: .*fake.ko is not a kernel module"
	"$S" "$S" 2> "$work/err"; rc=$?
	expect host-executable 1 "^ERROR: .*staprun is not a kernel module \(not a 64-bit ELF relocatable object\)$"
	"$S" 2> "$work/err"; rc=$?
	expect host-usage 1 "^Usage: "
	"$S" -c true -x 1 m.ko 2> "$work/err"; rc=$?
	expect host-c-and-x 1 "^ERROR: -c and -x cannot be used together$"
	"$S" -S 1 m.ko 2> "$work/err"; rc=$?
	expect host-S-needs-o 1 "^ERROR: -S needs -o FILE"
	"$S" -o x -S 0,2 m.ko 2> "$work/err"; rc=$?
	expect host-S-size 1 "^ERROR: -S: '0,2' is not SIZE\[,N\]"
	"$S" -o x -S 1,0 m.ko 2> "$work/err"; rc=$?
	expect host-S-count 1 "^ERROR: -S: '1,0' is not SIZE\[,N\]"
	"$S" -D m.ko 2> "$work/err"; rc=$?
	expect host-D-needs-o 1 "^ERROR: -D needs -o FILE"
	if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$S" "$work/fake.ko" 2> "$work/err"; rc=$?
		expect host-not-root 1 "^ERROR: staprun must run as root"
	else
		echo "SKIP host-not-root: needs root and setpriv"
	fi
	if [ ! -e /proc/modules ] && [ -n "${module:-}" ]; then
		"$S" "$module" 2> "$work/err"; rc=$?
		expect host-no-modules 1 "^ERROR: this kernel \($(uname -r)\) cannot load modules; run the script in the lab with 'stap --vm' or try the module with 'stap-vm -f .*hello_mod.ko -- staprun hello_mod.ko'$"
	else
		echo "SKIP host-no-modules: this kernel has module support (or no module built)"
	fi
}

# --- lab tier ----------------------------------------------------------------

find_kver() {
	[ -n "${KVER:-}" ] && { echo "$KVER"; return; }
	for d in /lib/modules/*/build/Makefile; do
		[ -e "$d" ] || continue
		d=${d%/build/Makefile}
		echo "${d##*/}"
		return
	done
}

find_vmlinuz() {
	cache=${CTAP_LAB_CACHE:-/var/tmp/ctap-lab}
	for f in "${VMLINUZ:-}" /tmp/lab/x/boot/vmlinuz-"$1" "$cache/boot/vmlinuz-$1"; do
		[ -n "$f" ] && [ -r "$f" ] && { echo "$f"; return; }
	done
	command -v apt-get > /dev/null || return
	mkdir -p "$cache" && (cd "$cache" && apt-get download "linux-image-$1" > /dev/null 2>&1 &&
		dpkg-deb -x linux-image-"$1"_*.deb . && rm -f linux-image-"$1"_*.deb) || return
	[ -r "$cache/boot/vmlinuz-$1" ] && echo "$cache/boot/vmlinuz-$1"
}

build_module() {
	mkdir -p "$work/mod"
	cp "$here/hello_mod.c" "$here/stp_runtime.h" "$here/Kbuild" "$work/mod/"
	make -s -C "/lib/modules/$1/build" M="$work/mod" RUNTIME="$top/runtime" \
		modules > "$work/kbuild.log" 2>&1 || { cat "$work/kbuild.log"; return 1; }
	module=$work/mod/hello_mod.ko
	# the same module claiming another kernel: every digit of the release -> 9
	fake=$(echo "$1" | sed 's/[0-9]/9/g')
	python3 - "$module" "$work/hello_mod_badver.ko" "$1" "$fake" <<-'EOF'
	import sys
	src, dst, old, new = sys.argv[1:]
	data = open(src, 'rb').read()
	old_b, new_b = ('vermagic=' + old).encode(), ('vermagic=' + new).encode()
	assert old_b in data and len(old_b) == len(new_b)
	open(dst, 'wb').write(data.replace(old_b, new_b))
	EOF
}

# stap -t module for the probe hit report (optional: needs a built stap)
build_timing_module() {
	stap=${STAP:-$top/stap/stap}
	[ -x "$stap" ] || return 0
	mkdir -p "$work/stap"
	cat > "$work/stap/life_timing.stp" <<-'EOF'
	global n
	probe begin { println("begin") }
	probe timer.ms(10) { if (++n == 5) exit() }
	probe end { println("end ", n) }
	EOF
	(cd "$work/stap" && "$stap" -t -p4 -m life_timing life_timing.stp) \
		> "$work/stap/build.log" 2>&1 || { head -5 "$work/stap/build.log"; return 0; }
	[ -f "$work/stap/life_timing.ko" ] && timing_module=$work/stap/life_timing.ko
	return 0
}

make_initrd() {
	root=$work/root
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/work"
	cp "$(command -v busybox)" "$root/bin/busybox"
	for lib in $(ldd "$work/staprun" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	cp "$work/staprun" "$module" "$work/hello_mod_badver.ko" \
		"$here/guest-tests.sh" $timing_module "$root/work/"
	cat > "$root/init" <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mount -t tmpfs tmpfs /tmp
	mount -t debugfs debugfs /sys/kernel/debug
	cd /work
	echo GUEST-START
	sh ./guest-tests.sh
	echo "GUEST-STATUS $?"
	poweroff -f
	EOF
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc 2> /dev/null | gzip -1) > "$work/initrd.gz"
}

lab_tests() {
	kver=$(find_kver)
	if [ -z "$kver" ] || ! command -v qemu-system-x86_64 > /dev/null ||
	   ! command -v busybox > /dev/null; then
		echo "SKIP lab: needs a kbuild tree, qemu-system-x86_64 and busybox"
		return
	fi
	vmlinuz=$(find_vmlinuz "$kver")
	if [ -z "$vmlinuz" ]; then
		echo "SKIP lab: no kernel image for $kver (set VMLINUZ)"
		return
	fi
	[ -n "${module:-}" ] || { bad lab-build "hello_mod.ko did not build"; return; }
	make_initrd
	timeout 900 qemu-system-x86_64 -m 1024 -smp 2 -nographic -no-reboot \
		-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1" \
		< /dev/null > "$work/console.log" 2>&1
	tr -d '\r' < "$work/console.log" | sed -n '/GUEST-START/,$p' > "$work/guest.log"
	grep -v '^GUEST-' "$work/guest.log" | grep -v '^[0-9]* passed, [0-9]* failed$'
	p=$(grep -c '^PASS ' "$work/guest.log")
	f=$(grep -c '^FAIL ' "$work/guest.log")
	pass=$((pass + p))
	fail=$((fail + f))
	if ! grep -q '^GUEST-STATUS' "$work/guest.log"; then
		bad lab-boot "the guest did not finish; console:"
		tail -40 "$work/console.log"
	fi
}

build_staprun || { echo "FAIL build-staprun"; exit 1; }
kver=$(find_kver)
module=
timing_module=
if [ -n "$kver" ] && [ -d "/lib/modules/$kver/build" ]; then
	build_module "$kver" || bad build-module "kbuild failed"
	[ "$tier" = host ] || build_timing_module
fi
case $tier in
host) host_tests ;;
lab) lab_tests ;;
*) host_tests; lab_tests ;;
esac
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
