#!/bin/bash
# build-nested.sh ARM64_QEMU LAB_DIR [STOCK_ARM64_QEMU]
# Builds the initramfs of the nested ARM KVM lab's L1 guest and prints its directory.
# L1 is the lab's arm64 kernel booted under TCG with EL2 (virt,virtualization=on), so
# it has /dev/kvm; its initramfs holds:
#   /init                    tools/lab/guest-init.sh, the same command channel as L2
#   /usr/bin/qemu-system-aarch64   ARM64_QEMU (tools/upstream/build-qemu-arm64.sh),
#                            stripped, with its shared-library closure from Debian's
#                            arm64 packages under /lib/aarch64-linux-gnu
#   /stock/qemu-system-aarch64     with STOCK_ARM64_QEMU (tools/setup/stock-qemu.sh
#                            --arch arm64): Debian's unpatched arm64 build, with trixie's
#                            loader and the libraries it needs from its runtime
#   /l2/vmlinuz, /l2/initrd.img, /l2/QEMU_EFI.fd   the lab's arm64 guest (LAB_DIR)
# The cpio is left uncompressed: L1 unpacks it under TCG, where gunzip costs seconds.
# Cached, keyed by the inputs and this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

[ $# = 2 ] || [ $# = 3 ] || die "usage: build-nested.sh ARM64_QEMU LAB_DIR [STOCK_ARM64_QEMU]"
qemu=$1 lab=$2 stock=${3:-}
stock_rt=
if [ -n "$stock" ]; then
    stock_rt=$(dirname "$stock")
    [ -r "$stock_rt/packages.txt" ] || die "$stock is not a runtime of tools/setup/stock-qemu.sh"
fi
for f in "$qemu" "$lab/arm64/vmlinuz" "$lab/arm64/initrd.img" "$lab/arm64/QEMU_EFI.fd"; do
    [ -r "$f" ] || die "nested lab input $f is missing"
done
libdirs=(/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
interp=/lib/ld-linux-aarch64.so.1
[ -e "$interp" ] || die "$interp is missing: install libc6:arm64 (tools/setup/install-deps.sh)"

key=$(cat "$qemu" "$lab/versions.txt" "$here/guest-init.sh" "$0" \
    ${stock_rt:+"$stock_rt/packages.txt"} | sha256sum | cut -c1-12)
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
# copy_closure ELF DEST_LIBDIR SEARCH_DIR...: copies, stripped, every library ELF needs
# (breadth-first over DT_NEEDED, each once, symlinks resolved) from the first
# SEARCH_DIR that has it into DEST_LIBDIR. The dynamic loader is left to the caller.
copy_closure() {
    local queue=("$1") dest_dir=$2 elf so dest d found
    shift 2
    while [ ${#queue[@]} -gt 0 ]; do
        elf=${queue[0]}; queue=("${queue[@]:1}")
        for so in $(needed "$elf"); do
            dest="$dest_dir/$so"
            [ -e "$dest" ] || [ "$so" = ld-linux-aarch64.so.1 ] && continue
            found=
            for d in "$@"; do
                [ -e "$d/$so" ] && { found=$d/$so; break; }
            done
            [ -n "$found" ] || die "arm64 library $so (needed by ${elf##*/}) is not in: $*"
            aarch64-linux-gnu-strip --strip-unneeded -o "$dest" "$found"
            queue+=("$dest")
        done
    done
}

aarch64-linux-gnu-strip -o "$root/usr/bin/qemu-system-aarch64" "$qemu"
cp -L "$interp" "$root/lib/ld-linux-aarch64.so.1"
copy_closure "$root/usr/bin/qemu-system-aarch64" "$root/lib/aarch64-linux-gnu" "${libdirs[@]}"

if [ -n "$stock_rt" ]; then
    # The stock runtime's layout (see stock-qemu.sh), with only what the binary needs.
    st="$root/stock" st_lib=root/usr/lib/aarch64-linux-gnu
    mkdir -p "$st/loader/qemu-bundle" "$st/root/usr/bin" "$st/$st_lib"
    cp "$stock_rt/qemu-system-aarch64" "$st/"
    cp "$stock_rt/root/usr/bin/qemu-system-aarch64" "$st/root/usr/bin/"
    cp -L "$stock_rt/loader/qemu-system-aarch64" "$st/loader/"
    ln -s ../../root/usr "$st/loader/qemu-bundle/usr"
    copy_closure "$st/root/usr/bin/qemu-system-aarch64" "$st/$st_lib" "$stock_rt/$st_lib"
fi

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
keep_recent "$out"
log "nested lab ready ($(cat "$out/size.txt") unpacked)"
echo "$out"
