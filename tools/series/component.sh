# Sourced by the series scripts: parses "qemu|libvirt [DIR]" into
#   comp  the component's directory (qemu -> vmm/, libvirt -> src/hotplug_driver/)
#   work  the work tree (DIR, else $VCPUHP_WORK/<name>, $VCPUHP_WORK defaulting to
#         ~/vcpuhp-work)
[ $# -ge 1 ] || die "usage: $0 qemu|libvirt [DIR]"
case $1 in
    qemu) comp="$VCPUHP_ROOT/vmm" ;;
    libvirt) comp="$VCPUHP_ROOT/src/hotplug_driver" ;;
    *) die "unknown component '$1': use qemu or libvirt" ;;
esac
work=${2:-${VCPUHP_WORK:-$HOME/vcpuhp-work}/$1}
