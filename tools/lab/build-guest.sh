#!/bin/bash
# build-guest.sh
# Builds the lab guests from Debian packages and prints the lab directory:
#   arm64/vmlinuz      trixie linux-image-*-arm64 (6.12, ACPI vCPU hotplug)
#   arm64/initrd.img   busybox-static:arm64 + guest-init.sh + trixie's QEMU guest agent
#                      (qemu-ga and the libraries it loads, nothing else of theirs)
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
# The QEMU guest agent and the packages of the libraries it loads (its ELF NEEDED
# entries, transitively): the tests of vcpuhp's --agent and of libvirt's agent calls.
qga_debs="qemu-guest-agent libglib2.0-0t64 libudev1 libnuma1 liburing2 libc6 libpcre2-8-0
          libcap2 libatomic1"
for p in $qga_debs; do pkgs_arm64+=" $p:arm64/trixie"; done
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

# add_qga ROOT: qemu-ga and the shared libraries it needs (followed through their
# NEEDED entries with the cross readelf) into the arm64 initrd ROOT, nothing more:
# each boot unpacks the initrd, so it stays small.
add_qga() {
    local root=$1 stage="$lab/arm64/qga" lib need todo
    for p in $qga_debs; do extract "${p}_*_arm64.deb" "$stage"; done
    mkdir -p "$root/usr/sbin" "$root/usr/lib/aarch64-linux-gnu"
    # The ELF interpreter is /lib/ld-linux-aarch64.so.1, as in Debian's merged /usr.
    ln -s usr/lib "$root/lib"
    ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/usr/lib/ld-linux-aarch64.so.1"
    cp "$stage/usr/sbin/qemu-ga" "$root/usr/sbin/"
    todo="qemu-ga ld-linux-aarch64.so.1"
    while [ -n "$todo" ]; do
        # shellcheck disable=SC2086  # a list of library names, split on purpose
        set -- $todo; todo=
        for need in "$@"; do
            if [ "$need" = qemu-ga ]; then lib=$stage/usr/sbin/qemu-ga
            else
                [ -e "$root/usr/lib/aarch64-linux-gnu/$need" ] && continue
                lib=$stage/usr/lib/aarch64-linux-gnu/$need
                [ -e "$lib" ] || die "qemu-ga needs $need, which none of $qga_debs has"
                cp -L "$lib" "$root/usr/lib/aarch64-linux-gnu/$need"
            fi
            todo+=" $(aarch64-linux-gnu-readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
        done
    done
    rm -rf "$stage"
}

# make_initrd ARCH DEB_ARCH: busybox + init as a gzip'd newc cpio.
make_initrd() {
    local root="$lab/$1/root"
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp}
    [ "$1" != arm64 ] || add_qga "$root"
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
