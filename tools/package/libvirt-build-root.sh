#!/bin/bash
# libvirt-build-root.sh [amd64|arm64]
# The Debian 13 (trixie) root in which tools/package/ builds the Debian packages of
# our libvirt for the given architecture (issue 13, default amd64); mirrors
# build-root.sh, which makes QEMU's (see there why trixie, and why the arm64 root is an
# amd64 root that cross-builds). Made with mmdebstrap from Debian's packages, holding
# the build dependencies of the architecture-dependent packages of Debian's libvirt
# source (--arch-only, profile nocheck, and cross for arm64). Prints its directory.
# Reused while the recipe (ROOT_RECIPE), the profiles and Debian's packaging tarball
# are unchanged ($VCPUHP_CACHE/package/libvirt-roots/<arch>-<key>).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

arch=${1:-amd64}
PROFILES=nocheck
ROOT_RECIPE=1
case $arch in
    amd64) cross=() ;;
    arm64) PROFILES+=,cross
           cross=(--architectures=amd64,arm64 --include=crossbuild-essential-arm64) ;;
    *) die "usage: libvirt-build-root.sh [amd64|arm64]" ;;
esac

debian_tar=$("$VCPUHP_ROOT/tools/package/libvirt-source.sh" --debian-tar)
key=$(echo "$ROOT_RECIPE $PROFILES" | cat - "$VCPUHP_ROOT/tools/package/libvirt-debian.sha256" |
      sha256sum | cut -c1-12)
root="$VCPUHP_CACHE/package/libvirt-roots/$arch-$key"
log_file="$VCPUHP_CACHE/package/libvirt-roots/$arch.log"

if [ ! -e "$root/.vcpuhp-done" ]; then
    command -v mmdebstrap >/dev/null || {
        log "installing mmdebstrap"
        apt-get install -y -qq mmdebstrap >/dev/null || die "cannot install mmdebstrap"
    }
    uri=$(debian_archive_uri)
    mkdir -p "$VCPUHP_CACHE/package/libvirt-roots"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp" "$root.tmp"' EXIT
    tar -C "$tmp" -xf "$debian_tar" debian
    rm -rf "$root.tmp"
    log "building the trixie root $root (log: $log_file)"
    mmdebstrap --variant=buildd --include=ccache,fakeroot "${cross[@]}" \
        --customize-hook='mkdir -p "$1/build/libvirt"' \
        --customize-hook="copy-in $tmp/debian /build/libvirt" \
        --customize-hook="chroot \"\$1\" sh -c 'cd /build/libvirt && apt-get -y -q \
            --no-install-recommends --arch-only -a $arch -P $PROFILES build-dep .'" \
        --customize-hook='rm -rf "$1/build/libvirt"' \
        trixie "$root.tmp" "deb $uri trixie main" >"$log_file" 2>&1 \
        || die "mmdebstrap failed: see $log_file"
    touch "$root.tmp/.vcpuhp-done"
    mv "$root.tmp" "$root"
    keep_recent "$root" "$arch-"
fi
echo "$root"
