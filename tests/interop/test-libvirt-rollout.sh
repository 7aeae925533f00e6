#!/bin/bash
# Rolling the series out, as an operator does, through Debian's stock libvirt 11.3:
# a domain that libvirt started on Debian's unpatched QEMU 10.0.13 (the stock
# baseline of tools/setup/stock-qemu.sh), defined with machine 'virt' and
# <vcpu current='2'>4</vcpu>, moves live to a second daemon whose emulator is ours,
# and back to a stock emulator. libvirt resolved the alias to virt-10.0 on the stock
# host, and virt-10.0 keeps stock's guest ABI on ours: the migrations succeed, the
# guest keeps its CPUs and its work. vCPU hotplug is not on virt-10.0: setvcpus on
# our host says so and the domain keeps running. TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"
: "${VCPUHP_STOCK_QEMU_ARM64:?run through meson test}"

start_two_daemons
# Same guest, firmware and devices; the stock emulator on the source.
domain_xml "<vcpu placement='static' current='2'>4</vcpu>" \
    | sed "s|<emulator>.*</emulator>|<emulator>$VCPUHP_STOCK_QEMU_ARM64</emulator>|" > "$tmp/hp.xml"
# migrate_to VIRSH_FN URI EMULATOR SERIAL NVRAM: the domain's migratable XML with
# EMULATOR, its own serial socket and NVRAM file (not guest ABI), then
# `virsh migrate --live` with it, from the daemon that VIRSH_FN talks to.
migrate_to() {
    "$1" dumpxml --migratable hp | sed -e "s|<emulator>.*</emulator>|<emulator>$3</emulator>|" \
        -e "s|<source mode='bind' path='[^']*'/>|<source mode='bind' path='$4'/>|" \
        -e "s|>[^<]*_VARS.fd</nvram>|>$5</nvram>|" > "$tmp/next.xml"
    "$1" migrate --live hp "$2" --migrateuri tcp://127.0.0.1 --xml "$tmp/next.xml"
}
SRC_URI=$URI

check "stock QEMU starts the domain on the first daemon" virsh create "$tmp/hp.xml"
check "the guest boots to its command channel" wait_guest
check "libvirt resolved machine 'virt' to virt-10.0 on stock" \
    output_has "machine='virt-10.0'" virsh dumpxml hp
check "the guest has possible 0-1 and online 0-1" test "$(mask possible) $(mask online)" = "0-1 0-1"

check "virsh migrate --live to the daemon whose emulator is ours" \
    migrate_to virsh "$DST_URI" "$VCPUHP_QEMU" "$tmp/dst-serial.sock" "$tmp/dst-hp_VARS.fd"
check "our QEMU runs it as virt-10.0 with 2 vCPUs" \
    test "$(virsh_dst domstate hp) $(virsh_dst vcpucount hp --live --active)" = "running 2"
check "the emulator is ours" output_has "<emulator>$VCPUHP_QEMU</emulator>" virsh_dst dumpxml hp
check "the guest kept possible 0-1 and online 0-1" \
    test "$(dst_guest 'cat /sys/devices/system/cpu/possible') $(dst_guest 'cat /sys/devices/system/cpu/online')" = "0-1 0-1"
check "work runs on vCPU 1 after the migration" test "$(dst_guest 'pinned_work 1')" = 1
check "setvcpus 3 --live is refused on virt-10.0" \
    fails_with "hotplug|not supported" virsh_dst setvcpus hp 3 --live
check "the domain still runs with 2 vCPUs" \
    test "$(virsh_dst domstate hp) $(virsh_dst vcpucount hp --live --active)" = "running 2"

check "virsh migrate --live back to the first daemon, on stock QEMU" \
    migrate_to virsh_dst "$SRC_URI" "$VCPUHP_STOCK_QEMU_ARM64" "$tmp/serial.sock" "$tmp/hp_VARS.fd"
check "stock QEMU runs it again with 2 vCPUs" \
    test "$(virsh domstate hp) $(virsh vcpucount hp --live --active)" = "running 2"
check "the guest kept online 0-1 and runs work on vCPU 1" \
    test "$(mask online) $(guest 'pinned_work 1')" = "0-1 1"

finish
