#!/bin/bash
# binfmt-arm64.sh
# Lets this x86_64 machine run arm64 programs (mmdebstrap's maintainer scripts of an
# arm64 root, issue 13): mounts binfmt_misc, which the kernel offers but nothing here
# mounts, and registers Debian's qemu-user-static for aarch64 ELF files from the
# package's own binfmt.d entry (no systemd-binfmt runs on this machine). Idempotent.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

dir=/proc/sys/fs/binfmt_misc
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
[ -r "$conf" ] || apt-get install -y -qq qemu-user-static >/dev/null \
    || die "cannot install qemu-user-static"
[ -e "$dir/register" ] || mount -t binfmt_misc binfmt_misc "$dir" \
    || die "cannot mount binfmt_misc on $dir"
if [ ! -e "$dir/qemu-aarch64" ]; then
    grep -v '^#' "$conf" > "$dir/register" || die "the kernel refused $conf"
fi
grep -qx enabled "$dir/qemu-aarch64" || die "the aarch64 binfmt entry is not enabled"
