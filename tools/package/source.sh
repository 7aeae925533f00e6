#!/bin/bash
# source.sh [DEST]
# The Debian source package of our QEMU (issue 13): Debian's qemu source of the pinned
# version (vmm/upstream.conf), its whole patch stack kept, with the series of
# vmm/patches added as quilt patches (debian/patches/vcpuhp/) and a changelog entry
# whose version apt prefers to Debian's (...+vcpuhpN, N counting the commits that
# changed the series). Checks with quilt that every patch applies on top of Debian's,
# adds the build profile pkg.vcpuhp.arm-x86 to Debian's packaging
# (qemu-debian-arm-x86.patch: only the Arm and x86 system emulators, which cuts the
# build to a fraction; tools/package/build.sh builds with it), builds the .dsc with
# dpkg-source into DEST (default
# $VCPUHP_CACHE/package/sources/<series key>) and prints DEST.
#
# Quilt takes no git binary hunks: the series' expected ACPI tables
# (tests/data/acpi/) are left out, which only QEMU's own tests read (the package is
# built with nocheck; tools/check.sh runs those tests on the series itself).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

comp=$VCPUHP_ROOT/vmm
. "$comp/upstream.conf"
profile_patch=$VCPUHP_ROOT/tools/package/qemu-debian-arm-x86.patch
key=$("$VCPUHP_ROOT/tools/upstream/series-key.sh" "$comp" "$0" "$profile_patch")
dest=${1:-$VCPUHP_CACHE/package/sources/$key}
n=$(git -C "$VCPUHP_ROOT" rev-list --count HEAD -- vmm/patches tools/package)
pkg_version="$version+vcpuhp$n"

# One build of a source at a time: build.sh amd64 and arm64 may start together.
mkdir -p "$VCPUHP_CACHE/package/sources"
exec 9>"$VCPUHP_CACHE/package/sources/.lock"
flock 9
if [ ! -e "$dest/.vcpuhp-done" ]; then
    for tool in quilt dpkg-source; do
        command -v $tool >/dev/null || apt-get install -y -qq quilt dpkg-dev >/dev/null \
            || die "cannot install quilt and dpkg-dev"
    done
    src=$("$VCPUHP_ROOT/tools/upstream/fetch.sh" "$comp")
    rm -rf "$dest" && mkdir -p "$dest"
    tree=$(mktemp -d)
    trap 'rm -rf "$tree"' EXIT
    rmdir "$tree"
    "$VCPUHP_ROOT/tools/upstream/materialize.sh" "$comp" "$tree"
    dir="$dest/${source_package}-${version#*:}"
    dir=${dir%-*}                                   # qemu-10.0.13+ds
    mkdir -p "$dir"
    tar -xf "$src"/*.orig.tar.* -C "$dir" --strip-components=1
    tar -xf "$src"/*.debian.tar.* -C "$dir"
    cp "$src"/*.orig.tar.* "$dest/"
    patch -s -d "$dir" -p1 --no-backup-if-mismatch < "$profile_patch" \
        || die "$profile_patch does not apply to Debian's packaging"
    mkdir -p "$dir/debian/patches/vcpuhp"
    git -C "$tree" format-patch -q --no-renames --zero-commit --no-signature \
        -o "$dir/debian/patches/vcpuhp" vcpuhp-base..HEAD -- . ':(exclude)tests/data/acpi'
    # dpkg-source reads any line starting with "--- " as a diff header, and some
    # messages quote iasl diffs: each quilt patch keeps its subject and the diff (the
    # whole message is in vmm/patches). The commits that only change expected tables
    # are left with no diff at all, and go.
    for p in "$dir"/debian/patches/vcpuhp/*.patch; do
        if grep -q '^diff --git ' "$p"; then
            { awk '/^Subject: /{s=1} s&&/^(Subject: | )/{print; next} s{exit}' "$p"
              echo "Origin: vcpuhp, vmm/patches/$(basename "$p")"
              echo; sed -n '/^diff --git /,$p' "$p"; } > "$p.quilt"
            mv "$p.quilt" "$p"
        else
            rm "$p"
        fi
    done
    (cd "$dir/debian/patches" && ls vcpuhp/*.patch) >> "$dir/debian/patches/series"
    log "checking that $(ls "$dir/debian/patches/vcpuhp" | wc -l) patches apply on Debian's"
    (cd "$dir" && QUILT_PATCHES=debian/patches quilt push -a -q >"$dest/quilt.log" 2>&1) \
        || die "a patch does not apply on Debian's stack: see $dest/quilt.log"
    (cd "$dir" && QUILT_PATCHES=debian/patches quilt pop -a -q >/dev/null && rm -rf .pc)
    date=$(git -C "$VCPUHP_ROOT" log -1 --format=%aD -- vmm/patches)
    { printf '%s (%s) trixie; urgency=medium\n\n' "$source_package" "$pkg_version"
      printf '  * Live vCPU hotplug for the aarch64 virt machine: the vcpuhp series\n'
      printf '    (vmm/patches of the vcpuhp repository).\n\n'
      printf ' -- vcpuhp developers <dev@vcpuhp.invalid>  %s\n\n' "$date"
      cat "$dir/debian/changelog"; } > "$dir/debian/changelog.new"
    mv "$dir/debian/changelog.new" "$dir/debian/changelog"
    (cd "$dest" && dpkg-source -q -b "$(basename "$dir")" >"$dest/dpkg-source.log" 2>&1) \
        || die "dpkg-source failed: see $dest/dpkg-source.log"
    touch "$dest/.vcpuhp-done"
    [ -n "${1:-}" ] || keep_recent "$dest"
fi
echo "$dest"
