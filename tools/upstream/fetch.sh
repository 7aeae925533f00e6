#!/bin/bash
# fetch.sh COMPONENT_DIR
# Downloads the pinned Debian source of COMPONENT_DIR/upstream.conf into the cache,
# verifies it against COMPONENT_DIR/upstream.sha256 and prints the cache directory.
# A verified cached copy is reused, so a version that Debian has since removed from
# its archive still builds on a machine that fetched it once.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

comp=$(cd "$1" && pwd)
. "$comp/upstream.conf"
sums="$comp/upstream.sha256"
dest="$VCPUHP_CACHE/sources/${source_package}_${version#*:}"
mkdir -p "$dest"

verified() { (cd "$dest" && sha256sum --quiet --strict -c "$sums" >/dev/null 2>&1); }

if ! verified; then
    log "fetching $source_package $version with apt-get source"
    tmp=$(mktemp -d "$dest.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    # apt-get fails as a whole when any file of the source package is gone (the
    # archive drops .dsc files of superseded versions); what counts is whether the
    # pinned files arrived, which the checksums decide below.
    (cd "$tmp" && apt-get source --download-only -qq "$source_package=$version") \
        >"$tmp/apt.log" 2>&1 || true
    while read -r sum file; do
        if [ ! -e "$tmp/$file" ]; then
            die "pinned $source_package $version is missing: $file is neither in the archive nor in the cache $dest (apt: $(grep -m1 -E '^(E|W):' "$tmp/apt.log" || echo 'no message'))"
        fi
        got=$(sha256sum "$tmp/$file" | cut -d' ' -f1)
        [ "$got" = "$sum" ] \
            || die "checksum mismatch for $file of $source_package $version: expected $sum, got $got (pinned in ${sums#$VCPUHP_ROOT/})"
        mv "$tmp/$file" "$dest/$file"
    done < "$sums"
    verified || die "cached sources in $dest do not verify against $sums"
fi
echo "$dest"
