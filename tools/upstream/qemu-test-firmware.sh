#!/bin/bash
# qemu-test-firmware.sh BUILD_DIR
# QEMU's qtests need firmware that Debian's "+ds" source does not ship: UEFI images
# by path (BUILD_DIR/pc-bios/edk2-*.fd) and option ROMs through QEMU's data
# directory, which for a binary in a build tree is BUILD_DIR/qemu-bundle/<datadir>.
# Links in Debian's builds of the same firmware: UEFI for aarch64 (trixie
# qemu-efi-aarch64, downloaded into the build's cache), the iPXE option ROMs
# (ipxe-qemu), SeaBIOS and its VGA BIOSes (seabios) and the small ROMs of
# qemu-system-data (the NPCM boot ROMs, x86's -kernel option ROMs).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

build=$1
pcbios="$build/pc-bios"
fw="$build/../firmware"
if [ ! -e "$fw/.done" ]; then
    rm -rf "$fw"; mkdir -p "$fw/deb"
    (cd "$fw/deb" && apt-get download -qq qemu-efi-aarch64/trixie 2>/dev/null) \
        || die "cannot download qemu-efi-aarch64 from trixie (firmware for QEMU's tests)"
    dpkg-deb -x "$fw"/deb/qemu-efi-aarch64_*.deb "$fw/root"
    rm -rf "$fw/deb"
    touch "$fw/.done"
fi
datadir=$(find "$build/qemu-bundle" -type d -path '*/share/qemu' | head -n1)
[ -n "$datadir" ] || die "no qemu-bundle data directory in $build: is it a built QEMU?"
link() {  # link TARGET NAME
    [ -e "$1" ] || die "firmware $1 is missing (for $2)"
    ln -sfn "$1" "$pcbios/$2"
    ln -sfn "$1" "$datadir/$2"
}
link "$(readlink -f "$fw/root/usr/share/AAVMF/AAVMF_CODE.fd")" edk2-aarch64-code.fd
link "$(readlink -f "$fw/root/usr/share/AAVMF/AAVMF_VARS.fd")" edk2-arm-vars.fd
for rom in /usr/lib/ipxe/qemu/*.rom /usr/share/seabios/vgabios*.bin; do
    link "$rom" "${rom##*/}"
done
for f in npcm7xx_bootrom.bin npcm8xx_bootrom.bin; do link "/usr/share/qemu/$f" "$f"; done
# x86_64: SeaBIOS and the option ROMs that boot -kernel (qemu-system-data).
for f in bios.bin bios-256k.bin bios-microvm.bin; do link "/usr/share/seabios/$f" "$f"; done
for f in kvmvapic.bin linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin pvh.bin; do
    link "/usr/share/qemu/$f" "$f"
done
