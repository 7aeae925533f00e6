#!/bin/bash
# build-qemu.sh
# Builds qemu-system-aarch64 and qemu-system-x86_64 from the pinned QEMU plus the
# series in vmm/patches, out of tree, in a cache directory keyed by version and
# series hash, with ccache. x86_64 is there because the series changes code that x86
# shares (TCG vCPU threads, the ACPI CPU hotplug AML): its qtests must stay green and
# its hotplug must gain the fixes. Provides the firmware QEMU's own tests need.
# Prints the path of the aarch64 binary (the x86_64 one is beside it).
# A second run with the same key rebuilds nothing.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

comp="$VCPUHP_ROOT/vmm" name=qemu
. "$here/cached-tree.sh"
build="$top/build" bin="$top/build/qemu-system-aarch64"
if [ -e "$top/.built" ] && [ -x "$bin" ]; then echo "$bin"; exit 0; fi

if [ ! -e "$build/build.ninja" ]; then
    log "configuring QEMU ($top)"
    mkdir -p "$build"
    (cd "$build" && "$src/configure" --python=/usr/bin/python3 \
        --target-list=aarch64-softmmu,x86_64-softmmu --without-default-features \
        --enable-tcg --enable-kvm --enable-fdt=system --enable-slirp --disable-docs \
        --disable-install-blobs \
        >"$top/configure.log" 2>&1) \
        || die "QEMU configure failed: see $top/configure.log ($(tail -n1 "$top/configure.log"))"
fi
log "building QEMU ($build)"
ninja -C "$build" >"$top/build.log" 2>&1 \
    || die "QEMU build failed: see $top/build.log ($(grep -m1 -E 'error|FAILED' "$top/build.log"))"
"$here/qemu-test-firmware.sh" "$build"
touch "$top/.built"
keep_recent "$top"
echo "$bin"
