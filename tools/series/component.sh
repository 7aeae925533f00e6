# Maps a component name to its directory (sourced by the series scripts).
# qemu    -> vmm/                 (the QEMU series)
# libvirt -> src/hotplug_driver/  (the libvirt series)
component_dir() {
    case $1 in
        qemu) echo "$VCPUHP_ROOT/vmm" ;;
        libvirt) echo "$VCPUHP_ROOT/src/hotplug_driver" ;;
        *) die "unknown component '$1': use qemu or libvirt" ;;
    esac
}
