#!/bin/bash
# build-arm-host.sh
# A real ARM KVM host (issue 13): a Debian 13 (trixie) arm64 root as a user installs
# one, booted as the nested KVM host (L1) by tests/interop/test-arm-host.sh. Prints
# its directory:
#   root.img     an ext4 file system (label "vcpuhp-host", which no guest disk it
#                serves has; no partition table) holding
#                systemd, udev, Debian's linux-image-arm64 (6.12), qemu-guest-agent
#                (the test's way in), apparmor, and Debian's libvirt-daemon-system and
#                libvirt-clients, installed with apt together with our arm64
#                packages (tools/package/build.sh arm64) from a
#                "deb [trusted=yes] file:... ./" repository, as the README tells a
#                user to: apt prefers ours (+vcpuhp) for qemu-system-arm, the
#                package behind libvirt's "qemu-kvm | qemu-system" dependency.
#                qemu-efi-aarch64 (Debian's AAVMF) is the firmware of L2 guests.
#   vmlinuz, initrd.img   the kernel and initramfs that linux-image-arm64 installed in
#                it: the test boots them directly (device tree), because UEFI under TCG
#                costs boot time and is not what the host test is about
#   versions.txt the exact versions of the packages in it
# Debian's Recommends are not installed (mmdebstrap's default); what libvirt needs of
# them for a KVM guest without a network is listed below.
#
# Needs arm64 binaries to run here (tools/setup/binfmt-arm64.sh) and the arm64
# packages (tools/package/build.sh arm64, outside CI). About 20 minutes cold on 2
# cores; cached, keyed by this script, the packages and the versions of Debian's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

debian_packages="systemd-sysv udev dbus linux-image-arm64 qemu-guest-agent util-linux
                 procps kmod apparmor libvirt-daemon-system libvirt-clients qemu-utils"
debian_all_packages=qemu-efi-aarch64   # Architecture: all
# Ours: the emulator (qemu-system-arm: qemu-system-aarch64 under KVM) and what it pulls
# in; apt picks our version of every package of the repository that it installs.
our_packages="qemu-system-arm"
"$VCPUHP_ROOT/tools/setup/binfmt-arm64.sh"
for tool in mmdebstrap:mmdebstrap arch-test:arch-test; do
    command -v "${tool%:*}" >/dev/null || apt-get install -y -qq "${tool#*:}" >/dev/null \
        || die "cannot install ${tool#*:}"
done
debs=$("$VCPUHP_ROOT/tools/package/build.sh" arm64)

versions=$(apt-get download --print-uris \
    $(for p in $debian_packages; do echo "$p:arm64/trixie"; done) \
    $(for p in $debian_all_packages; do echo "$p/trixie"; done) 2>/dev/null |
    awk '{ print $2 }' | sort)
[ -n "$versions" ] || die "apt cannot resolve trixie's arm64 packages: run tools/setup/apt-sources.sh"
key=$( { printf '%s\n' "$versions" "$(basename "$debs")"; cat "$0"; } | sha256sum | cut -c1-12)
out=$VCPUHP_CACHE/arm-host/$key
if [ -e "$out/.built" ]; then echo "$out"; exit 0; fi

log "building the arm64 KVM host in $out (about 20 minutes)"
rm -rf "$out" && mkdir -p "$out"
root=$out/root
# Nothing of the file: repository may be mounted below the root when it is removed.
cleanup() {
    findmnt -rn -o TARGET | grep "^$root/" | sort -r | xargs -r umount -l || true
    rm -rf "$root"
}
trap cleanup EXIT
uri=$(debian_archive_uri)
# The file: repository is bind-mounted into the root while apt runs by mmdebstrap's
# own hook; the root keeps only Debian's source afterwards.
mmdebstrap --mode=root --architectures=arm64 --variant=minbase \
    --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --include="$(echo $debian_packages $debian_all_packages $our_packages | tr ' ' ,)" \
    --essential-hook='echo "do_symlinks = yes" > "$1/etc/kernel-img.conf"' \
    --customize-hook='echo vcpuhp-armhost > "$1/etc/hostname"' \
    --customize-hook='echo "LABEL=vcpuhp-host / ext4 defaults 0 1" > "$1/etc/fstab"' \
    --customize-hook='chroot "$1" passwd -d root' \
    --customize-hook='rm -f "$1"/etc/apt/sources.list.d/*' \
    --customize-hook="echo 'deb $uri trixie main' > \"\$1/etc/apt/sources.list\"" \
    trixie "$root" "deb $uri trixie main" "deb [trusted=yes] file://$debs ./" \
    >"$out/mmdebstrap.log" 2>&1 || die "mmdebstrap failed: see $out/mmdebstrap.log"
chroot "$root" dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' > "$out/versions.txt"
grep -q '^qemu-system-arm .*+vcpuhp[0-9]* arm64$' "$out/versions.txt" \
    || die "apt did not install our qemu-system-arm: see $out/versions.txt"
cp -L "$root/vmlinuz" "$root/initrd.img" "$out/"
# 4 GiB, sparse: the root takes about 1.3 GiB, and L2 guests' overlays go in it.
mkfs.ext4 -q -L vcpuhp-host -d "$root" "$out/root.img" 4G || die "mkfs.ext4 -d failed"
touch "$out/.built"
keep_recent "$out"
log "arm64 KVM host ready ($(wc -l < "$out/versions.txt") packages)"
echo "$out"
