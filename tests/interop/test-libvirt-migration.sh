#!/bin/bash
# Live migration of an aarch64 domain with hot-added and never-plugged vCPUs between
# two instances of Debian's stock libvirt 11.3 on this machine (two session
# libvirtd as nobody, each with its own directories and host UUID), driven by
# `virsh migrate --live` as a user would; then plug and unplug on the destination.
# The guest's masks are read over its serial command channel. TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"

start_two_daemons
domain_xml "<vcpu placement='static' current='2'>6</vcpu>" > "$tmp/hp.xml"

check "start the domain on the source daemon" virsh create "$tmp/hp.xml"
check "the guest boots to its command channel" wait_guest
check "setvcpus 4 --live on the source" virsh setvcpus hp 4 --live
check "the guest's enabled mask is 0-3" test "$(guest 'wait_cpu_mask enabled 3 yes 300')" = 0-3
check "the guest onlines vCPU 3" guest 'echo 1 > /sys/devices/system/cpu/cpu3/online'

# The destination gets its own serial socket and NVRAM file (not guest ABI).
virsh dumpxml --migratable hp | sed -e "s|$tmp/serial.sock|$tmp/dst-serial.sock|" \
    -e "s|$tmp/hp_VARS.fd|$tmp/dst-hp_VARS.fd|" > "$tmp/dst.xml"
check "virsh migrate --live to the second daemon" \
    virsh migrate --live hp "$DST_URI" --migrateuri tcp://127.0.0.1 --xml "$tmp/dst.xml"
check "the source no longer has the domain" output_has "failed to get domain" virsh domstate hp
check "the destination runs it with 4 vCPUs" test "$(virsh_dst domstate hp) $(virsh_dst vcpucount hp --live --active)" = "running 4"
check "the guest kept enabled 0-3 and online 0-1,3" \
    test "$(dst_guest 'cat /sys/devices/system/cpu/enabled') $(dst_guest 'cat /sys/devices/system/cpu/online')" = "0-3 0-1,3"
check "work runs on vCPU 3 after migration" test "$(dst_guest 'pinned_work 3')" = 3
check "setvcpu 5 --enable --live on the destination" virsh_dst setvcpu hp 5 --enable --live
check "the guest's enabled mask is 0-3,5" \
    test "$(dst_guest 'wait_cpu_mask enabled 5 yes 300')" = 0-3,5
check "setvcpus 2 --live on the destination unplugs the hot-added vCPUs" virsh_dst setvcpus hp 2 --live
check "the guest's enabled mask is 0-1" test "$(dst_guest 'wait_cpu_mask enabled 5 no 300')" = 0-1
check "the destination's dumpxml has vCPU 3 disabled" \
    output_has "<vcpu id='3' enabled='no' hotpluggable='yes'/>" virsh_dst dumpxml hp

finish
