#!/bin/bash
# gen-syscalls.sh - regenerate tapset/linux/{syscalls,nd_syscalls,syscall_table}.stp
# from a kernel's syscall table and metadata and scripts/syscalls.spec.
#
# Usage: scripts/gen-syscalls.sh [KVER]   (default: the lab kernel)
# Needs the kernel's headers (linux-headers-KVER) and its vmlinux with
# symbols (scripts/setup.sh extracts it into /usr/lib/debug/boot).  The
# output is committed: review its diff like any other change.
set -euo pipefail
cd "$(dirname "$0")/.."
kver=${1:-$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | sed -n 's/.*linux-headers-\([^ ,(]*\).*/\1/p')}
vmlinux=/usr/lib/debug/boot/vmlinux-$kver
headers=/usr/src/linux-headers-$kver
[ -f "$vmlinux" ] || { echo "gen-syscalls: no $vmlinux (run scripts/setup.sh)" >&2; exit 1; }
[ -d "$headers" ] || { echo "gen-syscalls: no $headers (apt-get install linux-headers-$kver)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -O2 -Wall -Wextra -o "$tmp/gen-syscalls" scripts/gen-syscalls.c -lelf
"$tmp/gen-syscalls" -k "$vmlinux" -H "$headers" -s scripts/syscalls.spec -o tapset/linux
