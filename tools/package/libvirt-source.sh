#!/bin/bash
# libvirt-source.sh [DEST]
# libvirt-source.sh --debian-tar
# The Debian source package of our libvirt (issue 13); mirrors source.sh, which does
# the same for QEMU. Debian's libvirt source of the version pinned in
# src/hotplug_driver/upstream.conf, its whole patch stack kept (Debian's backports
# and packaging patches), with the series of src/hotplug_driver/patches added as
# quilt patches (debian/patches/vcpuhp/) and a changelog entry whose version apt
# prefers to Debian's (...+vcpuhpN, N counting the commits that changed the series or
# tools/package). Checks with quilt that every patch applies on top of Debian's, builds
# the .dsc with dpkg-source into DEST (default
# $VCPUHP_CACHE/package/libvirt-sources/<key>) and prints DEST.
#
# The series' own pin holds only the upstream tarball (upstream.sha256): Debian's
# packaging, libvirt_<version>.debian.tar.xz, is pinned here in libvirt-debian.sha256
# and kept beside it in the cache of tools/upstream/fetch.sh. The archive has lost the
# .dsc of this version but still serves the tarball. --debian-tar only prints the
# path of the verified Debian tarball (libvirt-build-root.sh reads its
# debian/control).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

comp=$VCPUHP_ROOT/src/hotplug_driver
. "$comp/upstream.conf"
debian_sums=$VCPUHP_ROOT/tools/package/libvirt-debian.sha256

# debian_tar: fetches (once) and verifies Debian's packaging tarball of the pinned
# version into the directory of the pinned upstream tarball; prints its path.
debian_tar() {
    local src file sum tmp
    src=$("$VCPUHP_ROOT/tools/upstream/fetch.sh" "$comp")
    read -r sum file < "$debian_sums"
    [ "$file" = "${source_package}_${version#*:}.debian.tar.xz" ] \
        || die "${debian_sums#$VCPUHP_ROOT/} pins $file, not the Debian packaging of $source_package $version (upstream.conf)"
    if ! (cd "$src" && sha256sum --quiet --strict -c "$debian_sums" >/dev/null 2>&1); then
        log "fetching $file with apt-get source"
        tmp=$(mktemp -d "$src.XXXXXX")
        # apt-get fails as a whole when any file is gone (the .dsc is); see fetch.sh.
        (cd "$tmp" && apt-get source --download-only -qq "$source_package=$version") \
            >"$tmp/apt.log" 2>&1 || true
        [ -e "$tmp/$file" ] || { rm -rf "$tmp"; die "$file is neither in the archive nor in $src"; }
        [ "$(sha256sum "$tmp/$file" | cut -d' ' -f1)" = "$sum" ] \
            || { rm -rf "$tmp"; die "checksum mismatch for $file (pinned in ${debian_sums#$VCPUHP_ROOT/})"; }
        mv "$tmp/$file" "$src/$file"
        rm -rf "$tmp"
    fi
    echo "$src/$file"
}
if [ "${1:-}" = --debian-tar ]; then debian_tar; exit 0; fi

key=$("$VCPUHP_ROOT/tools/upstream/series-key.sh" "$comp" "$0" "$debian_sums")
dest=${1:-$VCPUHP_CACHE/package/libvirt-sources/$key}
n=$(git -C "$VCPUHP_ROOT" rev-list --count HEAD -- src/hotplug_driver/patches tools/package)
pkg_version="$version+vcpuhp$n"

mkdir -p "$VCPUHP_CACHE/package/libvirt-sources"
exec 9>"$VCPUHP_CACHE/package/libvirt-sources/.lock"
flock 9
if [ ! -e "$dest/.vcpuhp-done" ]; then
    for tool in quilt dpkg-source; do
        command -v $tool >/dev/null || apt-get install -y -qq quilt dpkg-dev >/dev/null \
            || die "cannot install quilt and dpkg-dev"
    done
    dtar=$(debian_tar)
    src=$(dirname "$dtar")
    rm -rf "$dest" && mkdir -p "$dest"
    tree=$(mktemp -d)
    trap 'rm -rf "$tree"' EXIT
    rmdir "$tree"
    "$VCPUHP_ROOT/tools/upstream/materialize.sh" "$comp" "$tree"
    dir="$dest/$source_package-${version%-*}"      # libvirt-11.3.0
    mkdir -p "$dir"
    tar -xf "$src"/*.orig.tar.* -C "$dir" --strip-components=1
    tar -xf "$dtar" -C "$dir"
    cp "$src"/*.orig.tar.* "$dest/"
    mkdir -p "$dir/debian/patches/vcpuhp"
    git -C "$tree" format-patch -q --no-renames --zero-commit --no-signature \
        -o "$dir/debian/patches/vcpuhp" vcpuhp-base..HEAD
    # As in source.sh: each quilt patch keeps its subject and the diff (the whole
    # message is in src/hotplug_driver/patches), since dpkg-source reads any line
    # starting with "--- " as a diff header.
    for p in "$dir"/debian/patches/vcpuhp/*.patch; do
        { awk '/^Subject: /{s=1} s&&/^(Subject: | )/{print; next} s{exit}' "$p"
          echo "Origin: vcpuhp, src/hotplug_driver/patches/$(basename "$p")"
          echo; sed -n '/^diff --git /,$p' "$p"; } > "$p.quilt"
        mv "$p.quilt" "$p"
    done
    (cd "$dir/debian/patches" && ls vcpuhp/*.patch) >> "$dir/debian/patches/series"
    log "checking that $(ls "$dir/debian/patches/vcpuhp" | wc -l) patches apply on Debian's"
    (cd "$dir" && QUILT_PATCHES=debian/patches quilt push -a -q >"$dest/quilt.log" 2>&1) \
        || die "a patch does not apply on Debian's stack: see $dest/quilt.log"
    (cd "$dir" && QUILT_PATCHES=debian/patches quilt pop -a -q >/dev/null && rm -rf .pc)
    date=$(git -C "$VCPUHP_ROOT" log -1 --format=%aD -- src/hotplug_driver/patches)
    { printf '%s (%s) trixie; urgency=medium\n\n' "$source_package" "$pkg_version"
      printf '  * vCPU hotplug on aarch64 virt: the vcpuhp series\n'
      printf '    (src/hotplug_driver/patches of the vcpuhp repository).\n\n'
      printf ' -- vcpuhp developers <dev@vcpuhp.invalid>  %s\n\n' "$date"
      cat "$dir/debian/changelog"; } > "$dir/debian/changelog.new"
    mv "$dir/debian/changelog.new" "$dir/debian/changelog"
    (cd "$dest" && dpkg-source -q -b "$(basename "$dir")" >"$dest/dpkg-source.log" 2>&1) \
        || die "dpkg-source failed: see $dest/dpkg-source.log"
    touch "$dest/.vcpuhp-done"
    [ -n "${1:-}" ] || keep_recent "$dest"
fi
echo "$dest"
