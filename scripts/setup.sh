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

# The lab kernel's DWARF for kernel.function probes: only vmlinux is taken
# from the 850 MB -dbg package (its 5.6 GB unpacked would be wasted).
kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | sed -n 's/.*linux-headers-\([^ ,(]*\).*/\1/p')
if [ -n "$kver" ] && [ ! -f "/usr/lib/debug/boot/vmlinux-$kver" ]; then
	echo "setup: fetching the debug symbols of $kver (once)"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "linux-image-$kver-dbg" &&
	 dpkg-deb --fsys-tarfile linux-image-*.deb | tar -x --wildcards "./usr/lib/debug/boot/vmlinux-$kver")
	mkdir -p /usr/lib/debug/boot
	mv "$tmp/usr/lib/debug/boot/vmlinux-$kver" /usr/lib/debug/boot/
	rm -rf "$tmp"
fi
