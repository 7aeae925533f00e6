#!/bin/bash
# libvirt-demo.sh QEMU LAB VCPUHP_LAB_TOOL
# The libvirt half of tools/demo.sh: Debian's unmodified libvirtd (a private session
# instance, as nobody) starts the lab's aarch64 guest with <vcpu current='2'>6</vcpu>
# on QEMU, then `virsh setvcpus --live` grows it to 4 vCPUs and shrinks it back to 2,
# printing libvirt's vCPU count and the guest's CPU masks at each step.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$VCPUHP_ROOT/tools/lib/libvirt-session.sh"
[ $# = 3 ] || die "usage: libvirt-demo.sh QEMU LAB VCPUHP_LAB_TOOL"

lv_init "$(mktemp -d /tmp/vcpuhp-demo-XXXXXX)" "$@"
trap lv_cleanup EXIT
lv_domain_xml "<vcpu placement='static' current='2'>6</vcpu>" > "$lv_dir/hp.xml"

masks() {  # masks WHEN: prints libvirt's live vCPU count and the guest's masks
    local m out=""
    for m in possible present enabled online; do
        out+=" $m=$(lv_guest "cat /sys/devices/system/cpu/$m")"
    done
    printf '%-34s vcpucount --live=%s  guest:%s\n' "$1" "$(lv_virsh vcpucount hp --live --active)" "$out"
}

lv_start_daemon || die "libvirtd did not start: see $lv_dir/libvirtd.log"
lv_virsh create "$lv_dir/hp.xml" >/dev/null || die "virsh create failed"
lv_wait_guest || die "the guest did not come up"
echo "libvirt: $(libvirtd --version), domain hp: aarch64 virt GICv3, <vcpu current='2'>6</vcpu>"
masks "at start:"
lv_virsh setvcpus hp 4 --live || die "virsh setvcpus hp 4 --live failed"
lv_guest 'wait_cpu_mask enabled 3 yes 300' >/dev/null || die "the guest did not enable vCPU 3"
masks "after virsh setvcpus hp 4 --live:"
lv_guest 'echo 1 > /sys/devices/system/cpu/cpu2/online && echo 1 > /sys/devices/system/cpu/cpu3/online' \
    >/dev/null || die "the guest could not online vCPUs 2 and 3"
masks "after onlining cpu2, cpu3:"
lv_virsh setvcpus hp 2 --live || die "virsh setvcpus hp 2 --live failed"
lv_guest 'wait_cpu_mask enabled 2 no 300' >/dev/null || die "the guest still has vCPU 2"
masks "after virsh setvcpus hp 2 --live:"
