#!/bin/bash
# build-guest.sh
# Builds the lab guests from Debian packages and prints the lab directory:
#   arm64/vmlinuz      trixie linux-image-*-arm64 (6.12, ACPI vCPU hotplug)
#   arm64/initrd.img   busybox-static:arm64 + guest-init.sh
#   arm64/QEMU_EFI.fd  trixie qemu-efi-aarch64 (AAVMF)
#   x86_64/vmlinuz, x86_64/initrd.img   trixie linux-image-*-amd64 + busybox-static
#   versions.txt       the exact package versions used
# The result is cached, keyed by this script, the init and the package versions.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

# The kernel is chosen through trixie's metapackage; its exact version is recorded.
kernel_abi() {  # arch -> linux-image-<abi>-<arch> package name
    apt-cache depends "linux-image-$1:$1/trixie" 2>/dev/null \
        | sed -n "s/^ *Depends: \(linux-image-[^:]*\).*/\1/p" | head -n1
}
pkgs_arm64="$(kernel_abi arm64):arm64 busybox-static:arm64 qemu-efi-aarch64/trixie"
pkgs_amd64="$(kernel_abi amd64):amd64 busybox-static:amd64"
case "$pkgs_arm64 $pkgs_amd64" in
    :arm64*|*" :amd64"*) die "no trixie kernel found with apt-cache: run tools/setup/apt-sources.sh" ;;
esac

# The exact files apt would fetch (name_version_arch.deb and SHA256), without the URI.
versions=$(apt-get download --print-uris $pkgs_arm64 $pkgs_amd64 2>/dev/null \
    | awk '{ print $2, $4 }')
[ -n "$versions" ] || die "apt cannot resolve the guest packages: $pkgs_arm64 $pkgs_amd64"
key=$(printf '%s\n' "$versions" | cat - "$here/guest-init.sh" "$0" | sha256sum | cut -c1-12)
lab="$VCPUHP_CACHE/lab/$key"
if [ -e "$lab/.built" ]; then echo "$lab"; exit 0; fi

log "building the lab guests in $lab"
rm -rf "$lab"; mkdir -p "$lab/arm64" "$lab/x86_64"
# The packages are kept (by exact file name) so that a change of the init alone
# does not download 100 MB of kernels again.
debs="$VCPUHP_CACHE/lab-debs"
mkdir -p "$debs"
while read -r file sum; do
    if [ ! -e "$debs/$file" ] || [ "SHA256:$(sha256sum < "$debs/$file" | cut -d' ' -f1)" != "$sum" ]; then
        (cd "$debs" && apt-get download -qq $pkgs_arm64 $pkgs_amd64 2>/dev/null) \
            || die "apt-get download of the guest packages failed: $pkgs_arm64 $pkgs_amd64"
        break
    fi
done <<<"$versions"

# extract DEB_GLOB DEST [MEMBER...]: unpack one downloaded package (only MEMBERs,
# e.g. ./boot of a kernel package, whose modules the lab does not need).
extract() {
    local file sum
    while read -r file sum; do
        # shellcheck disable=SC2254  # $1 is a glob on purpose
        case $file in
            $1) mkdir -p "$2"
                dpkg-deb --fsys-tarfile "$debs/$file" | tar -x -C "$2" "${@:3}"
                return ;;
        esac
    done <<<"$versions"
    die "guest package $1 is not among those resolved: $versions"
}

# make_initrd ARCH DEB_ARCH: busybox + init as a gzip'd newc cpio.
make_initrd() {
    local root="$lab/$1/root"
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp}
    extract "busybox-static_*_$2.deb" "$lab/$1/busybox"
    cp "$lab/$1/busybox/bin/busybox" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"   # the interpreter of /init, before --install runs
    install -m 0755 "$here/guest-init.sh" "$root/init"
    mknod "$root/dev/console" c 5 1
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) \
        | gzip -9n > "$lab/$1/initrd.img"
    rm -rf "$root" "$lab/$1/busybox"
}

for a in arm64:arm64 x86_64:amd64; do
    arch=${a%:*} deb_arch=${a#*:}
    extract "linux-image-*_$deb_arch.deb" "$lab/$arch/kernel" ./boot
    mv "$lab/$arch"/kernel/boot/vmlinuz-* "$lab/$arch/vmlinuz"
    rm -rf "$lab/$arch/kernel"
    make_initrd "$arch" "$deb_arch"
done
extract "qemu-efi-aarch64_*_all.deb" "$lab/arm64/efi"
cp "$lab/arm64/efi/usr/share/qemu-efi-aarch64/QEMU_EFI.fd" "$lab/arm64/QEMU_EFI.fd"
rm -rf "$lab/arm64/efi"
printf '%s\n' "$versions" > "$lab/versions.txt"
touch "$lab/.built"
keep_recent "$lab"
log "lab guests ready ($(wc -l < "$lab/versions.txt") packages, see $lab/versions.txt)"
echo "$lab"
