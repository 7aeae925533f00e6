#!/bin/bash
# libvirt-build.sh [amd64|arm64]
# The binary Debian packages of our libvirt for amd64 or arm64 (issue 13, default
# amd64); mirrors build.sh, which does the same for QEMU. Builds the source package of
# libvirt-source.sh inside the trixie root of libvirt-build-root.sh (for arm64,
# cross-compiled there) with the profile nocheck, and leaves the .deb files with an apt
# index (Packages, for a "deb [trusted=yes] file:DIR ./" line) in
# $VCPUHP_CACHE/package/libvirt-debs/<arch>-<key>, whose path it prints.
#
# Unlike QEMU's (-B), the Architecture: all packages are built too (-b): Debian's
# libvirt-daemon-system depends on libvirt-daemon-config-network and -nwfilter of its
# own exact version, so with only the architecture-dependent packages of ours apt
# upgrades by removing libvirt-daemon-system. They need no more build dependencies
# (the source has no Build-Depends-Indep) and little more time. Reused while the
# source and the root are unchanged; object files go through ccache
# ($VCPUHP_CACHE/package/libvirt-ccache). About 17 minutes on 2 cores, niced, from a
# cold ccache. Outside CI (see the README).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

arch=${1:-amd64}
PROFILES=nocheck
BUILD_RECIPE=2
case $arch in
    amd64) host=() ;;
    arm64) PROFILES+=,cross host=(-a arm64) ;;
    *) die "usage: libvirt-build.sh [amd64|arm64]" ;;
esac

src=$("$VCPUHP_ROOT/tools/package/libvirt-source.sh")
root=$("$VCPUHP_ROOT/tools/package/libvirt-build-root.sh" "$arch")
key=$(echo "$BUILD_RECIPE $PROFILES $(basename "$src") $(basename "$root")" | sha256sum |
      cut -c1-12)
dest=$VCPUHP_CACHE/package/libvirt-debs/$arch-$key
log_file=$VCPUHP_CACHE/package/libvirt-debs/$arch.log
ccache_dir=$VCPUHP_CACHE/package/libvirt-ccache

if [ ! -e "$dest/.vcpuhp-done" ]; then
    mkdir -p "$ccache_dir" "$(dirname "$dest")"
    work=$root/build/vcpuhp
    mounts=()
    cleanup() {
        local m
        for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do umount -l "${mounts[m]}" || true; done
        rm -rf "$work" "$dest.tmp"
    }
    trap cleanup EXIT
    for m in proc sys dev dev/pts; do
        mkdir -p "$root/$m"
        mount --bind "/$m" "$root/$m"
        mounts+=("$root/$m")
    done
    mkdir -p "$root/ccache"
    mount --bind "$ccache_dir" "$root/ccache"
    mounts+=("$root/ccache")
    rm -rf "$work" && mkdir -p "$work"
    cp "$src"/*.dsc "$src"/*.orig.tar.* "$src"/*.debian.tar.* "$work/"
    log "building the $arch libvirt packages in $root (log: $log_file)"
    chroot "$root" env -i PATH=/usr/lib/ccache:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root CCACHE_DIR=/ccache CCACHE_MAXSIZE=2G LC_ALL=C.UTF-8 \
        DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
        DEB_BUILD_PROFILES="${PROFILES//,/ }" \
        sh -c 'cd /build/vcpuhp && dpkg-source -x *.dsc src >/dev/null &&
               cd src && dpkg-buildpackage -b -us -uc '"${host[*]}" >"$log_file" 2>&1 \
        || die "the package build failed: see $log_file"
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    mv "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$dest.tmp/"
    (cd "$dest.tmp" && dpkg-scanpackages -m . /dev/null > Packages 2>/dev/null) \
        || die "dpkg-scanpackages failed in $dest.tmp"
    touch "$dest.tmp/.vcpuhp-done"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    keep_recent "$dest" "$arch-"
fi
echo "$dest"
