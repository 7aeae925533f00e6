#!/bin/bash
# build-tool.sh
# The Debian package of the vcpuhp tool itself (issue 14: the tool and its man page,
# installed by the package), for trixie on amd64: the committed tree of this
# repository (git archive HEAD) with tool-debian/ as its debian/ directory, built with
# dpkg-buildpackage in a small trixie root of its own (mmdebstrap, the build
# dependencies of tool-debian/control). Leaves the .deb with a Packages index in
# $VCPUHP_CACHE/package/tool/amd64-<commit>, whose path it prints. About 5 minutes
# the first time (the root), under a minute after.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

ROOT_RECIPE=1
debian=$VCPUHP_ROOT/tools/package/tool-debian
commit=$(git -C "$VCPUHP_ROOT" rev-parse --short=12 HEAD)
n=$(git -C "$VCPUHP_ROOT" rev-list --count HEAD)
project_version=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$VCPUHP_ROOT/meson.build" | head -n1)
pkg_version="$project_version+git$n"
dest=$VCPUHP_CACHE/package/tool/amd64-$commit
mkdir -p "$VCPUHP_CACHE/package/tool" "$VCPUHP_CACHE/package/roots"
[ -n "$(git -C "$VCPUHP_ROOT" status --porcelain --untracked-files=no)" ] &&
    log "note: the package is built from the last commit, not from uncommitted changes"

deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$debian/control" | sed '$d' |
       sed 's/^Build-Depends://; s/([^)]*)//g; s/debhelper-compat/debhelper/' | tr -d ' \n')
key=$(echo "$ROOT_RECIPE $deps" | sha256sum | cut -c1-12)
root=$VCPUHP_CACHE/package/roots/tool-amd64-$key
if [ ! -e "$root/.vcpuhp-done" ]; then
    uri=$(debian_archive_uri)
    rm -rf "$root.tmp"
    log "building the trixie root of the tool's package in $root"
    mmdebstrap --variant=buildd --include="$deps" trixie "$root.tmp" "deb $uri trixie main" \
        > "$VCPUHP_CACHE/package/roots/tool-amd64.log" 2>&1 \
        || die "mmdebstrap failed: see $VCPUHP_CACHE/package/roots/tool-amd64.log"
    touch "$root.tmp/.vcpuhp-done"
    mv "$root.tmp" "$root"
    keep_recent "$root" tool-amd64-
fi

if [ ! -e "$dest/.vcpuhp-done" ]; then
    work=$root/build/vcpuhp-$pkg_version
    trap 'rm -rf "$root/build" "$dest.tmp"' EXIT
    rm -rf "$root/build" && mkdir -p "$work"
    git -C "$VCPUHP_ROOT" archive HEAD | tar -x -C "$work"
    cp -r "$debian" "$work/debian"
    { printf 'vcpuhp (%s) trixie; urgency=medium\n\n' "$pkg_version"
      printf '  * Built from commit %s of the vcpuhp repository.\n\n' "$commit"
      printf ' -- vcpuhp developers <dev@vcpuhp.invalid>  %s\n' \
          "$(git -C "$VCPUHP_ROOT" log -1 --format=%aD)"; } > "$work/debian/changelog"
    log "building the vcpuhp package $pkg_version"
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DEB_BUILD_OPTIONS="nocheck noautodbgsym" \
        sh -c "cd /build/vcpuhp-$pkg_version && dpkg-buildpackage -b -us -uc" \
        > "$VCPUHP_CACHE/package/tool/amd64.log" 2>&1 \
        || die "the tool's package build failed: see $VCPUHP_CACHE/package/tool/amd64.log"
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    mv "$root"/build/*.deb "$dest.tmp/"
    (cd "$dest.tmp" && dpkg-scanpackages -m . /dev/null > Packages 2>/dev/null) \
        || die "dpkg-scanpackages failed in $dest.tmp"
    touch "$dest.tmp/.vcpuhp-done"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    keep_recent "$dest" amd64-
fi
echo "$dest"
