#!/bin/bash
# build-qemu-sanitized.sh
# Builds qemu-system-aarch64 and qemu-fuzz-aarch64 from the pinned QEMU plus the
# series in vmm/patches with clang, AddressSanitizer, UndefinedBehaviorSanitizer and
# libFuzzer (Debian's clang and libclang-rt), out of tree, in a cache directory keyed
# by version and series hash, with ccache. One build serves both reliability checks:
# the sanitized emulator runs the hotplug integration tests and QEMU's cpu-plug-test
# and bios-tables-test (tools/reliability/sanitizers.sh), and the fuzzer binary runs
# the virt-cpu-hotplug fuzz target (tools/reliability/fuzz.sh). aarch64 only: the
# guest-facing code under test is the virt board's. The default device set: QEMU's
# bios-tables-test needs virtio-blk-pci and others that the minimal set leaves out
# (with it, the test registers no aarch64 case at all).
# Prints the build directory. A second run with the same key rebuilds nothing.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

comp="$VCPUHP_ROOT/vmm" name=qemu-sanitized
. "$here/cached-tree.sh"
build="$top/build"
targets=(qemu-system-aarch64 qemu-fuzz-aarch64 tests/qtest/cpu-plug-test
         tests/qtest/bios-tables-test)
if [ -e "$top/.built" ]; then echo "$build"; exit 0; fi

if [ ! -e "$build/build.ninja" ]; then
    log "configuring the sanitized QEMU ($top)"
    mkdir -p "$build"
    # --disable-werror: the tree is built with clang here and gcc elsewhere; a new
    # clang warning must not hide the sanitizers' findings.
    (cd "$build" && "$src/configure" --python=/usr/bin/python3 --cc=clang --cxx=clang++ \
        --target-list=aarch64-softmmu --without-default-features \
        --enable-tcg --enable-fdt=system --enable-slirp --disable-docs \
        --disable-install-blobs --disable-werror \
        --enable-asan --enable-ubsan --enable-fuzzing \
        >"$top/configure.log" 2>&1) \
        || die "sanitized QEMU configure failed: see $top/configure.log ($(tail -n1 "$top/configure.log"))"
fi
log "building the sanitized QEMU ($build)"
ninja -C "$build" "${targets[@]}" >"$top/build.log" 2>&1 \
    || die "sanitized QEMU build failed: see $top/build.log ($(grep -m1 -E 'error|FAILED' "$top/build.log"))"
"$here/qemu-test-firmware.sh" "$build"
touch "$top/.built"
keep_recent "$top"
echo "$build"
