#!/bin/bash
# build-root.sh [amd64|arm64]
# The Debian 13 (trixie) root in which tools/package/ builds the Debian packages of
# our QEMU for the given architecture (issue 13, default amd64), made from Debian's
# packages with mmdebstrap and holding the build dependencies of Debian's qemu source
# package for the profiles the package build uses. Prints its directory. Reused while
# the recipe (ROOT_RECIPE, bumped when this script changes what the root holds), the
# profiles and the pinned QEMU source are unchanged
# ($VCPUHP_CACHE/package/roots/<arch>-<key>).
#
# Packages are built in trixie, not on this bookworm host: built against bookworm's
# libraries they would depend on library packages that trixie has renamed (t64).
# The arm64 root is an amd64 root that cross-builds (crossbuild-essential-arm64 and
# the arm64 build dependencies): a root of its own, because the arm64 -dev packages
# conflict with the amd64 ones. Cross-compiling runs at native speed; building under
# qemu-user would take hours. Only the build dependencies of the architecture-dependent
# packages are installed (--arch-only): the packages are built with -B, and the
# cross compilers for QEMU's firmware in Build-Depends-Indep cannot be installed for
# an arm64 host.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

# Profiles of Debian's qemu packaging: no tests, no user-mode emulators, no Xen.
arch=${1:-amd64}
PROFILES=nocheck,pkg.qemu.omit-user,pkg.qemu.omit-system-xen
ROOT_RECIPE=1
case $arch in
    amd64) cross=() ;;
    arm64) PROFILES+=,cross
           cross=(--architectures=amd64,arm64 --include=crossbuild-essential-arm64) ;;
    *) die "usage: build-root.sh [amd64|arm64]" ;;
esac

src=$("$VCPUHP_ROOT/tools/upstream/fetch.sh" "$VCPUHP_ROOT/vmm")
. "$VCPUHP_ROOT/vmm/upstream.conf"
debian_tar="$src/${source_package}_${version#*:}.debian.tar.xz"
[ -r "$debian_tar" ] || die "no $debian_tar among the pinned QEMU sources"
key=$(echo "$ROOT_RECIPE $PROFILES" | cat - "$VCPUHP_ROOT/vmm/upstream.sha256" | sha256sum |
      cut -c1-12)
root="$VCPUHP_CACHE/package/roots/$arch-$key"
log_file="$VCPUHP_CACHE/package/roots/$arch.log"

if [ ! -e "$root/.vcpuhp-done" ]; then
    command -v mmdebstrap >/dev/null || {
        log "installing mmdebstrap"
        apt-get install -y -qq mmdebstrap >/dev/null || die "cannot install mmdebstrap"
    }
    uri=$(debian_archive_uri)
    mkdir -p "$VCPUHP_CACHE/package/roots"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp" "$root.tmp"' EXIT
    tar -C "$tmp" -xf "$debian_tar" debian
    rm -rf "$root.tmp"
    log "building the trixie root $root (about 500 MB from the archive)"
    mmdebstrap --variant=buildd --include=ccache,fakeroot "${cross[@]}" \
        --customize-hook='mkdir -p "$1/build/qemu"' \
        --customize-hook="copy-in $tmp/debian /build/qemu" \
        --customize-hook="chroot \"\$1\" sh -c 'cd /build/qemu && apt-get -y -q \
            --no-install-recommends --arch-only -a $arch -P $PROFILES build-dep .'" \
        --customize-hook='rm -rf "$1/build/qemu"' \
        trixie "$root.tmp" "deb $uri trixie main" >"$log_file" 2>&1 \
        || die "mmdebstrap failed: see $log_file"
    touch "$root.tmp/.vcpuhp-done"
    mv "$root.tmp" "$root"
    keep_recent "$root" "$arch-"
fi
echo "$root"
