# Sourced by check.sh and demo.sh: installs what is missing, builds (or reuses)
# QEMU from vmm/, the lab guests and, with PREPARE_LIBVIRT=1, libvirt from
# src/hotplug_driver/, with PREPARE_NESTED=1 the nested ARM KVM lab (the arm64
# cross build of QEMU from vmm/ in an L1 initramfs), with PREPARE_SANITIZED=1 the
# clang + ASan + UBSan + libFuzzer QEMU of the reliability suite, with
# PREPARE_DEBIAN_GUEST=1 the real Debian 13 arm64 guest (tools/lab/build-debian-guest.sh),
# with PREPARE_ARM_HOST=1 the arm64 KVM host (tools/lab/build-arm-host.sh: it builds the
# arm64 packages, outside CI), and configures the project's own build in $VCPUHP_BUILD. An optional part that was not
# asked for keeps what the build directory was configured with.
# Sets QEMU_BINARY, STOCK_QEMU_ARM64, LAB_DIR, LIBVIRT_BUILD, NESTED_DIR, SANITIZED_BUILD,
# DEBIAN_GUEST, ARM_HOST.
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
DEBIAN_GUEST=
if [ "${PREPARE_DEBIAN_GUEST:-0}" = 1 ]; then
    DEBIAN_GUEST=$("$VCPUHP_ROOT/tools/lab/build-debian-guest.sh")
fi
ARM_HOST=
if [ "${PREPARE_ARM_HOST:-0}" = 1 ]; then
    ARM_HOST=$("$VCPUHP_ROOT/tools/lab/build-arm-host.sh")
fi
VCPUHP_BUILD=${VCPUHP_BUILD:-$VCPUHP_ROOT/build}
options=(-Dqemu_binary="$QEMU_BINARY" -Dstock_qemu_arm64="$STOCK_QEMU_ARM64" -Dlab_dir="$LAB_DIR")
configured=$([ -e "$VCPUHP_BUILD/build.ninja" ] && echo yes || true)
# optional NAME VALUE PREPARED: -DNAME=VALUE, unless the part was not prepared and the
# build directory exists (a benchmark run must not turn off the nested lab's tests).
optional() {
    [ "$3" = 1 ] || [ -z "$configured" ] && options+=(-D"$1"="$2")
    return 0
}
optional libvirt_build "$LIBVIRT_BUILD" "${PREPARE_LIBVIRT:-0}"
optional nested_dir "$NESTED_DIR" "${PREPARE_NESTED:-0}"
optional sanitized_qemu_build "$SANITIZED_BUILD" "${PREPARE_SANITIZED:-0}"
optional debian_guest "$DEBIAN_GUEST" "${PREPARE_DEBIAN_GUEST:-0}"
optional arm_host "$ARM_HOST" "${PREPARE_ARM_HOST:-0}"
if [ -n "$configured" ]; then
    meson configure "$VCPUHP_BUILD" "${options[@]}" >/dev/null
else
    meson setup "$VCPUHP_BUILD" "$VCPUHP_ROOT" "${options[@]}" >/dev/null \
        || die "meson setup of the project failed"
fi
meson compile -C "$VCPUHP_BUILD" >/dev/null || die "the project's build failed (meson compile -C $VCPUHP_BUILD)"
