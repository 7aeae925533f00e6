# Sourced by check.sh and demo.sh: installs what is missing, builds (or reuses)
# QEMU from vmm/, the lab guests and, with PREPARE_LIBVIRT=1, libvirt from
# src/hotplug_driver/, with PREPARE_NESTED=1 the nested ARM KVM lab (the arm64
# cross build of QEMU from vmm/ in an L1 initramfs), with PREPARE_SANITIZED=1 the
# clang + ASan + UBSan + libFuzzer QEMU of the reliability suite, and configures the project's
# own build in $VCPUHP_BUILD.
# Sets QEMU_BINARY, STOCK_QEMU_ARM64, LAB_DIR, LIBVIRT_BUILD, NESTED_DIR, SANITIZED_BUILD.
"$VCPUHP_ROOT/tools/setup/install-deps.sh"
QEMU_BINARY=$("$VCPUHP_ROOT/tools/upstream/build-qemu.sh")
STOCK_QEMU_ARM64=$("$VCPUHP_ROOT/tools/setup/stock-qemu.sh")
LAB_DIR=$("$VCPUHP_ROOT/tools/lab/build-guest.sh")
LIBVIRT_BUILD=
if [ "${PREPARE_LIBVIRT:-0}" = 1 ]; then
    LIBVIRT_BUILD=$("$VCPUHP_ROOT/tools/upstream/build-libvirt.sh")
fi
NESTED_DIR=
if [ "${PREPARE_NESTED:-0}" = 1 ]; then
    ARM64_QEMU=$("$VCPUHP_ROOT/tools/upstream/build-qemu-arm64.sh")
    STOCK_QEMU_ON_ARM64=$("$VCPUHP_ROOT/tools/setup/stock-qemu.sh" --arch arm64)
    NESTED_DIR=$("$VCPUHP_ROOT/tools/lab/build-nested.sh" "$ARM64_QEMU" "$LAB_DIR" \
        "$STOCK_QEMU_ON_ARM64")
fi
SANITIZED_BUILD=
if [ "${PREPARE_SANITIZED:-0}" = 1 ]; then
    SANITIZED_BUILD=$("$VCPUHP_ROOT/tools/upstream/build-qemu-sanitized.sh")
fi
VCPUHP_BUILD=${VCPUHP_BUILD:-$VCPUHP_ROOT/build}
options=(-Dqemu_binary="$QEMU_BINARY" -Dstock_qemu_arm64="$STOCK_QEMU_ARM64" -Dlab_dir="$LAB_DIR"
         -Dlibvirt_build="$LIBVIRT_BUILD" -Dnested_dir="$NESTED_DIR"
         -Dsanitized_qemu_build="$SANITIZED_BUILD")
if [ -e "$VCPUHP_BUILD/build.ninja" ]; then
    meson configure "$VCPUHP_BUILD" "${options[@]}" >/dev/null
else
    meson setup "$VCPUHP_BUILD" "$VCPUHP_ROOT" "${options[@]}" >/dev/null \
        || die "meson setup of the project failed"
fi
meson compile -C "$VCPUHP_BUILD" >/dev/null || die "the project's build failed (meson compile -C $VCPUHP_BUILD)"
