#!/bin/bash
# build-qemu.sh
# Builds qemu-system-aarch64 from the pinned QEMU plus the series in vmm/patches,
# out of tree, in a cache directory keyed by version and series hash, with ccache.
# Prints the path of the binary. A second run with the same key rebuilds nothing.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

comp="$VCPUHP_ROOT/vmm"
. "$comp/upstream.conf"
key=$("$here/series-key.sh" "$comp" "$0")
top="$VCPUHP_CACHE/qemu/${version#*:}-$key"
src="$top/src" build="$top/build" bin="$top/build/qemu-system-aarch64"

if [ -e "$top/.built" ] && [ -x "$bin" ]; then echo "$bin"; exit 0; fi

if [ ! -e "$top/.materialized" ]; then
    rm -rf "$top"; mkdir -p "$top"
    "$here/materialize.sh" "$comp" "$src" >&2
    touch "$top/.materialized"
fi

# ccache only takes effect when its wrapper directory comes first in PATH for both
# configure and ninja.
export PATH="/usr/lib/ccache:$PATH" CCACHE_DIR="$VCPUHP_CACHE/ccache"
ccache --max-size=5G >/dev/null
if [ ! -e "$build/build.ninja" ]; then
    log "configuring QEMU ($top)"
    mkdir -p "$build"
    (cd "$build" && "$src/configure" --python=/usr/bin/python3 \
        --target-list=aarch64-softmmu --without-default-features \
        --enable-tcg --enable-kvm --enable-fdt=system --enable-slirp --disable-docs \
        --disable-install-blobs \
        >"$top/configure.log" 2>&1) \
        || die "QEMU configure failed: see $top/configure.log ($(tail -n1 "$top/configure.log"))"
fi
log "building QEMU ($build)"
ninja -C "$build" >"$top/build.log" 2>&1 \
    || die "QEMU build failed: see $top/build.log ($(grep -m1 -E 'error|FAILED' "$top/build.log"))"
touch "$top/.built"
echo "$bin"
