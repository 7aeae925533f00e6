#!/bin/bash
# build-nested.sh ARM64_QEMU LAB_DIR
# Builds the initramfs of the nested ARM KVM lab's L1 guest and prints its directory.
# L1 is the lab's arm64 kernel booted under TCG with EL2 (virt,virtualization=on), so
# it has /dev/kvm; its initramfs holds:
#   /init                    tools/lab/guest-init.sh, the same command channel as L2
#   /usr/bin/qemu-system-aarch64   ARM64_QEMU (tools/upstream/build-qemu-arm64.sh),
#                            stripped, with its shared-library closure from Debian's
#                            arm64 packages under /lib/aarch64-linux-gnu
#   /l2/vmlinuz, /l2/initrd.img, /l2/QEMU_EFI.fd   the lab's arm64 guest (LAB_DIR)
# The cpio is left uncompressed: L1 unpacks it under TCG, where gunzip costs seconds.
# Cached, keyed by the inputs and this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

[ $# = 2 ] || die "usage: build-nested.sh ARM64_QEMU LAB_DIR"
qemu=$1 lab=$2
for f in "$qemu" "$lab/arm64/vmlinuz" "$lab/arm64/initrd.img" "$lab/arm64/QEMU_EFI.fd"; do
    [ -r "$f" ] || die "nested lab input $f is missing"
done
libdirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
interp=/lib/ld-linux-aarch64.so.1
[ -e "$interp" ] || die "$interp is missing: install libc6:arm64 (tools/setup/install-deps.sh)"

key=$(cat "$qemu" "$lab/versions.txt" "$here/guest-init.sh" "$0" | sha256sum | cut -c1-12)
out="$VCPUHP_CACHE/nested/$key"
if [ -e "$out/.built" ]; then echo "$out"; exit 0; fi
log "building the nested ARM KVM lab in $out"
rm -rf "$out"; mkdir -p "$out"
root="$out/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,usr/bin,lib/aarch64-linux-gnu,l2}

# needed ELF: the DT_NEEDED sonames of an ELF file.
needed() {
    aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
# find_lib SONAME: its path among the arm64 multiarch directories.
find_lib() {
    local d
    for d in "${libdirs[@]}"; do
        [ -e "$d/$1" ] && { echo "$d/$1"; return; }
    done
    die "arm64 library $1 (needed by the arm64 QEMU) is not installed"
}

aarch64-linux-gnu-strip -o "$root/usr/bin/qemu-system-aarch64" "$qemu"
cp -L "$interp" "$root/lib/ld-linux-aarch64.so.1"
# Breadth-first over DT_NEEDED; every library is copied once, symlinks resolved.
queue=("$root/usr/bin/qemu-system-aarch64")
while [ ${#queue[@]} -gt 0 ]; do
    elf=${queue[0]}; queue=("${queue[@]:1}")
    for so in $(needed "$elf"); do
        dest="$root/lib/aarch64-linux-gnu/$so"
        [ -e "$dest" ] || [ "$so" = ld-linux-aarch64.so.1 ] && continue
        aarch64-linux-gnu-strip --strip-unneeded -o "$dest" "$(find_lib "$so")"
        queue+=("$dest")
    done
done

cp "$lab/arm64/vmlinuz" "$lab/arm64/initrd.img" "$lab/arm64/QEMU_EFI.fd" "$root/l2/"
# busybox and the init come from the lab's own arm64 initramfs, so both levels run
# the very same command channel.
(cd "$root" && gzip -dc "$lab/arm64/initrd.img" | cpio -id --quiet bin/busybox init)
ln -sf busybox "$root/bin/sh"
mknod "$root/dev/console" c 5 1
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) \
    > "$out/l1-initrd.img"
du -sh "$root" | cut -f1 > "$out/size.txt"
rm -rf "$root"
touch "$out/.built"
ls -1dt "$VCPUHP_CACHE"/nested/*/ | tail -n +3 | while read -r old; do
    [ "${old%/}" = "$out" ] || rm -rf "$old"
done
log "nested lab ready ($(cat "$out/size.txt") unpacked)"
echo "$out"
