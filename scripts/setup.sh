#!/bin/bash
# setup.sh - all set-up on a fresh Debian 12 machine, as root: the Debian
# packages we build and test with, the build itself, and the lab kernel.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(
	gcc make autoconf automake bison flex pkg-config
	libdw-dev libelf-dev			# DWARF for kernel probes
	linux-headers-amd64			# kbuild tree of the lab kernel
	qemu-system-x86 busybox-static cpio	# the lab
	valgrind time				# memory checks, benchmarks
	clang libclang-rt-14-dev		# the parser fuzz target (libFuzzer)
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --enable-werror
make -j"$(nproc)"

# The lab kernel (downloaded once, cached per user).
lab/stap-vm --fetch

# The lab kernel's DWARF, from its -dbg package (850 MB download, 5.6 GB
# unpacked; tar must decompress all of it whatever it extracts, 1-4 min):
# vmlinux (605 MB) for kernel.function/statement probes, and the modules'
# (4.5 GB under /usr/lib/debug/lib/modules/KVER) for module("M") probes.
# CTAP_MODULE_DEBUG=none skips the modules' (then only kernel probes work).
kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | sed -n 's/.*linux-headers-\([^ ,(]*\).*/\1/p')
dbg=/usr/lib/debug
want=()
[ -n "$kver" ] && [ ! -f "$dbg/boot/vmlinux-$kver" ] && want+=("./usr/lib/debug/boot/vmlinux-$kver")
[ -n "$kver" ] && [ "${CTAP_MODULE_DEBUG:-all}" != none ] && [ ! -d "$dbg/lib/modules/$kver/kernel" ] &&
	want+=("./usr/lib/debug/lib/modules/$kver/*")
if [ ${#want[@]} -gt 0 ]; then
	echo "setup: fetching the debug symbols of $kver (once)"
	mkdir -p "$dbg/boot" "$dbg/lib/modules"
	tmp=$(mktemp -d "$dbg/.ctap-setup.XXXXXX")	# same file system: the moves are renames
	(cd "$tmp" && apt-get download -q "linux-image-$kver-dbg" &&
	 dpkg-deb --fsys-tarfile linux-image-*.deb | tar -x --wildcards "${want[@]}")
	[ -f "$tmp/usr/lib/debug/boot/vmlinux-$kver" ] && mv "$tmp/usr/lib/debug/boot/vmlinux-$kver" "$dbg/boot/"
	[ -d "$tmp/usr/lib/debug/lib/modules/$kver" ] && mv "$tmp/usr/lib/debug/lib/modules/$kver" "$dbg/lib/modules/"
	rm -rf "$tmp"
fi
