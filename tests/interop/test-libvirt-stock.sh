#!/bin/bash
# Debian's stock libvirt 11.3 (unmodified) drives vCPU hotplug of the QEMU built
# from vmm/ on an aarch64 guest: a private libvirtd (session mode, as nobody)
# starts a virt/GICv3/ACPI/UEFI domain with <vcpu current='2'>6</vcpu>, then
# virsh setvcpus --live up and down, virsh setvcpu --enable/--disable, vcpucount,
# dumpxml, a guest refusing an unplug, and libvirt's refusals; the guest's masks are read over its serial
# command channel (tools/lab/guest-init.sh) after each step. TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"

domain_xml "<vcpu placement='static' current='2'>6</vcpu>" > "$tmp/hp.xml"
start_daemon

check "stock libvirt defines the aarch64 domain" virsh define "$tmp/hp.xml"
check "stock libvirt starts it" virsh start hp
check "the guest boots to its command channel" wait_guest
check "guest masks at start: possible 0-5, enabled 0-1" \
    test "$(mask possible) $(mask present) $(mask enabled)" = "0-5 0-5 0-1"

check "virsh setvcpus 4 --live" virsh setvcpus hp 4 --live
check "vcpucount --live is 4" test "$(live_vcpus)" = 4
check "the guest's enabled mask is 0-3" \
    test "$(guest 'wait_cpu_mask enabled 3 yes 300')" = 0-3
check "dumpxml marks vCPU 3 enabled and hotpluggable" \
    output_has "<vcpu id='3' enabled='yes' hotpluggable='yes' order='4'/>" virsh dumpxml hp
check "the guest onlines vCPU 2 and runs work on it" \
    test "$(guest 'echo 1 > /sys/devices/system/cpu/cpu2/online && pinned_work 2')" = 2

check "virsh setvcpus 2 --live (vCPU 2 online in the guest)" virsh setvcpus hp 2 --live
check "vcpucount --live is 2" test "$(live_vcpus)" = 2
check "the guest's enabled and online masks are back to 0-1" \
    test "$(guest 'wait_cpu_mask enabled 2 no 300') $(mask online)" = "0-1 0-1"

check "virsh setvcpu 5 --enable --live" virsh setvcpu hp 5 --enable --live
check "the guest's enabled mask is 0-1,5" \
    test "$(guest 'wait_cpu_mask enabled 5 yes 300')" = 0-1,5
check "virsh setvcpu 5 --disable --live" virsh setvcpu hp 5 --disable --live
check "the guest's enabled mask is 0-1" test "$(guest 'wait_cpu_mask enabled 5 no 300')" = 0-1

# A guest that will not eject: QEMU's DEVICE_UNPLUG_GUEST_ERROR ends libvirt's wait
# with the guest's refusal (not its 5 s timeout), and the vCPUs stay.
check "setvcpus 4 --live" virsh setvcpus hp 4 --live
check "the guest disables processor hot-removal" \
    guest 'wait_cpu_mask enabled 3 yes 300 && echo 0 > /sys/firmware/acpi/hotplug/processor/enabled'
check "setvcpus 2 --live fails with the guest's refusal" \
    output_has "unplug of device was rejected by the guest" virsh setvcpus hp 2 --live
check "the refused vCPU stays: vcpucount --live is 4, the guest's enabled mask 0-3" \
    test "$(live_vcpus) $(mask enabled)" = "4 0-3"
check "the guest allows processor hot-removal again" \
    guest 'echo 1 > /sys/firmware/acpi/hotplug/processor/enabled'
check "setvcpus 2 --live then succeeds" virsh setvcpus hp 2 --live
check "the guest's enabled mask is 0-1" test "$(guest 'wait_cpu_mask enabled 2 no 300')" = 0-1

check "removing a cold-booted vCPU is refused" \
    output_has "failed to find appropriate hotpluggable vcpus" virsh setvcpus hp 1 --live
check "more than the maximum is refused" \
    output_has "greater than max allowable vcpus" virsh setvcpus hp 7 --live
check "a live change of the maximum is refused" \
    output_has "maximum vcpu count of a live domain can't be modified" \
    virsh setvcpus hp 5 --maximum --live --config
check "the domain still runs" test "$(virsh domstate hp)" = running

finish
