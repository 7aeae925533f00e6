#!/bin/bash
# build-debian-guest.sh
# A real Debian 13 (trixie) arm64 guest, built from Debian's packages with mmdebstrap
# (issue 13), and prints its directory:
#   disk.raw       GPT disk: an EFI system partition whose removable-media boot path
#                  (\EFI\BOOT\BOOTAA64.EFI) is Debian's GRUB, and an ext4 root
#                  (label "root") with systemd, udev, linux-image-arm64 (6.12, with
#                  initramfs-tools),
#                  qemu-guest-agent, stress-ng, and the project's udev rule
#                  tools/guest/80-vcpuhp-cpu-online.rules. UEFI firmware (AAVMF)
#                  boots it with no NVRAM entry. root has no password; the serial
#                  console is ttyAMA0.
#   versions.txt   the exact versions of the packages that name the guest
# Tests boot it through a qcow2 overlay, so the cached image stays pristine.
#
# Needs arm64 binaries to run here (tools/setup/binfmt-arm64.sh). About 10 minutes
# cold on 2 cores (maintainer scripts and the initramfs run under qemu-user); cached,
# keyed by this script, the udev rule and the versions of the packages below.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

rule=$VCPUHP_ROOT/tools/guest/80-vcpuhp-cpu-online.rules
packages="systemd-sysv udev dbus linux-image-arm64 qemu-guest-agent
          stress-ng grub-efi-arm64-bin util-linux procps kmod"
"$VCPUHP_ROOT/tools/setup/binfmt-arm64.sh"
for tool in mmdebstrap:mmdebstrap arch-test:arch-test mkfs.fat:dosfstools mcopy:mtools sfdisk:fdisk; do
    command -v "${tool%:*}" >/dev/null || apt-get install -y -qq "${tool#*:}" >/dev/null \
        || die "cannot install ${tool#*:}"
done

versions=$(apt-get download --print-uris $(for p in $packages; do echo "$p:arm64/trixie"; done) \
    2>/dev/null | awk '{ print $2 }' | sort)
[ -n "$versions" ] || die "apt cannot resolve trixie's arm64 packages: run tools/setup/apt-sources.sh"
key=$(printf '%s\n' "$versions" | cat - "$rule" "$0" | sha256sum | cut -c1-12)
out=$VCPUHP_CACHE/debian-guest/$key
if [ -e "$out/.built" ]; then echo "$out"; exit 0; fi

log "building the Debian 13 arm64 guest in $out (about 10 minutes)"
rm -rf "$out" && mkdir -p "$out"
root=$out/root
trap 'rm -rf "$root" "$out/esp.img" "$out/root.img" "$out/grub.cfg"' EXIT

# GRUB's configuration is built into its EFI image: the guest needs no NVRAM boot
# entry, and update-grub, which probes the block device under /, cannot run in a
# chroot.
cat > "$out/grub.cfg" <<'EOF'
search --no-floppy --label root --set=root
linux /vmlinuz root=LABEL=root ro console=ttyAMA0 quiet
initrd /initrd.img
boot
EOF
uri=$(debian_archive_uri)
mmdebstrap --mode=root --architectures=arm64 --variant=minbase \
    --include="$(echo $packages | tr ' ' ,)" \
    --essential-hook='echo "do_symlinks = yes" > "$1/etc/kernel-img.conf"' \
    --customize-hook='echo vcpuhp-guest > "$1/etc/hostname"' \
    --customize-hook='echo "LABEL=root / ext4 defaults 0 1" > "$1/etc/fstab"' \
    --customize-hook='chroot "$1" passwd -d root' \
    --customize-hook="copy-in $rule /etc/udev/rules.d" \
    --customize-hook="copy-in $out/grub.cfg /tmp" \
    --customize-hook='chroot "$1" grub-mkimage -O arm64-efi -o /tmp/BOOTAA64.EFI \
        -p /boot/grub -c /tmp/grub.cfg part_gpt ext2 search search_label linux' \
    --customize-hook="copy-out /tmp/BOOTAA64.EFI $out" \
    --customize-hook='rm -f "$1/tmp/grub.cfg" "$1/tmp/BOOTAA64.EFI"' \
    trixie "$root" "deb $uri trixie main" >"$out/mmdebstrap.log" 2>&1 \
    || die "mmdebstrap failed: see $out/mmdebstrap.log"
[ -e "$root/vmlinuz" ] && [ -e "$root/initrd.img" ] || die "the guest root has no /vmlinuz or /initrd.img"

# The disk: GPT, a 64 MiB EFI system partition from 1 MiB, the root after it. The
# file systems are made in files (mkfs.ext4 -d fills one from a directory) and copied
# in at their offsets, so no loop device is needed.
esp_mib=64 root_mib=2048
mkfs.fat -C -n ESP "$out/esp.img" $((esp_mib * 1024)) >/dev/null
mmd -i "$out/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$out/esp.img" "$out/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
rm "$out/BOOTAA64.EFI"
mkfs.ext4 -q -L root -d "$root" "$out/root.img" "${root_mib}M" || die "mkfs.ext4 -d failed"
truncate -s $((1 + esp_mib + root_mib + 1))M "$out/disk.raw"
sfdisk -q "$out/disk.raw" <<EOF || die "sfdisk failed"
label: gpt
start=1MiB, size=${esp_mib}MiB, type=U, name=esp
start=$((1 + esp_mib))MiB, size=${root_mib}MiB, type=L, name=root
EOF
dd if="$out/esp.img" of="$out/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$out/root.img" of="$out/disk.raw" bs=1M seek=$((1 + esp_mib)) conv=notrunc,sparse status=none
chroot "$root" dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' > "$out/versions.txt"
touch "$out/.built"
keep_recent "$out"
log "Debian guest ready ($(wc -l < "$out/versions.txt") packages)"
echo "$out"
