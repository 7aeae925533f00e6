#!/bin/bash
# without-kvm.sh COMMAND [ARG...]
# Runs COMMAND where /dev/kvm does not exist: in a private mount namespace whose /dev
# is a fresh tmpfs with only the basic character devices. QEMU's qtests use KVM
# whenever /dev/kvm is there, and this machine's /dev/kvm is a software nested
# implementation without SMM, which changes x86's FACP (no SMI command port) and makes
# bios-tables-test fail for reasons that have nothing to do with QEMU's code. Under
# TCG the tables are the ones QEMU's expected files describe.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: without-kvm.sh COMMAND [ARG...]" >&2; exit 2; }
exec unshare --mount --propagation private /bin/bash -euc '
mount -t tmpfs -o mode=755 none /dev
mknod -m 666 /dev/null c 1 3;    mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/full c 1 7;    mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/tty c 5 0
mkdir -m 1777 /dev/shm; mkdir /dev/pts
mount -t devpts -o newinstance,ptmxmode=666 devpts /dev/pts; ln -s pts/ptmx /dev/ptmx
ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
exec "$@"' without-kvm "$@"
