#!/bin/bash
# build-qemu-arm64.sh
# Cross-compiles an arm64 qemu-system-aarch64 from the pinned QEMU plus the series in
# vmm/patches, for the nested ARM KVM lab (tools/lab/build-nested.sh): it runs inside
# an arm64 L1 guest that has /dev/kvm. KVM only (--disable-tcg): that is the path it
# exists to test, and a build without TCG also proves that the series' KVM code does
# not lean on TCG-only code. Built with Debian's gcc-aarch64-linux-gnu against the
# arm64 -dev packages (multiarch), out of tree, cached by version and series hash.
# Prints the path of the binary. A second run with the same key rebuilds nothing.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

comp="$VCPUHP_ROOT/vmm" name=qemu-arm64
. "$here/cached-tree.sh"
build="$top/build" bin="$top/build/qemu-system-aarch64"
if [ -e "$top/.built" ] && [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v aarch64-linux-gnu-gcc >/dev/null \
    || die "aarch64-linux-gnu-gcc is missing: run tools/setup/install-deps.sh"
# Debian has no <triplet>-pkg-config wrapper for this: point pkg-config at the arm64
# multiarch .pc files (configure and every meson regeneration need it).
export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
# libfdt-dev cannot be installed for both architectures at once: its headers are
# the same for both, and the arm64 library comes from libfdt1:arm64, linked through
# a private libfdt.so.
fdt_lib=/usr/lib/aarch64-linux-gnu/libfdt.so.1
[ -e "$fdt_lib" ] || die "$fdt_lib is missing: run tools/setup/install-deps.sh"
mkdir -p "$top/cross-lib"
ln -sf "$fdt_lib" "$top/cross-lib/libfdt.so"
if [ ! -e "$build/build.ninja" ]; then
    log "configuring the arm64 cross build of QEMU ($top)"
    mkdir -p "$build"
    (cd "$build" && "$src/configure" --python=/usr/bin/python3 \
        --cross-prefix=aarch64-linux-gnu- --target-list=aarch64-softmmu \
        --without-default-features --disable-tcg --enable-kvm --enable-fdt=system \
        --disable-docs --disable-install-blobs --disable-tools \
        --extra-ldflags="-L$top/cross-lib" \
        >"$top/configure.log" 2>&1) \
        || die "arm64 QEMU configure failed: see $top/configure.log ($(tail -n1 "$top/configure.log"))"
fi
log "building the arm64 QEMU ($build)"
ninja -C "$build" qemu-system-aarch64 >"$top/build.log" 2>&1 \
    || die "arm64 QEMU build failed: see $top/build.log ($(grep -m1 -E 'error|FAILED' "$top/build.log"))"
touch "$top/.built"
keep_recent "$top"
echo "$bin"
