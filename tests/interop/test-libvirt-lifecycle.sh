#!/bin/bash
# Debian's stock libvirt 11.3 (unmodified) and the QEMU built from vmm/: the life
# of an aarch64 domain whose vCPUs are hot-plugged, beyond plain setvcpus:
#   - start from an explicit <vcpus> list with enabled hotpluggable vCPUs (libvirt
#     plugs them with device_add while QEMU is paused, before the guest runs);
#   - setvcpu --disable of one of them, setvcpus --live --config, vcpuinfo;
#   - virsh save/restore and managedsave/start keep the hot-added vCPUs;
#   - a restart of libvirtd while the domain runs: it reconnects and reports the
#     same vCPUs, and hotplug keeps working;
#   - the C API (test-libvirt-api, virDomainSetVcpusFlags LIVE|CONFIG and others).
# The guest's masks are read over its serial command channel. TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"
: "${VCPUHP_LIBVIRT_API_TEST:?run through meson test}"

domain_xml "<vcpu placement='static' current='4'>6</vcpu>
  <vcpus>
    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
    <vcpu id='1' enabled='yes' hotpluggable='no' order='2'/>
    <vcpu id='2' enabled='yes' hotpluggable='yes' order='3'/>
    <vcpu id='3' enabled='yes' hotpluggable='yes' order='4'/>
    <vcpu id='4' enabled='no' hotpluggable='yes'/>
    <vcpu id='5' enabled='no' hotpluggable='yes'/>
  </vcpus>" > "$tmp/hp.xml"
start_daemon
# guest_sets: "enabled online" as the guest sees them.
guest_sets() { echo "$(mask enabled) $(mask online)"; }
vcpuinfo_count() { virsh vcpuinfo hp | grep -c '^VCPU:'; }

check "define a domain with an explicit <vcpus> list" virsh define "$tmp/hp.xml"
check "start it: libvirt plugs vCPUs 2 and 3 before the guest runs" virsh start hp
check "the guest boots to its command channel" wait_guest
check "the guest has vCPUs 0-3 enabled and online" test "$(guest_sets)" = "0-3 0-3"
check "vcpucount --live is 4" test "$(live_vcpus)" = 4
check "vcpuinfo lists 4 vCPUs" test "$(vcpuinfo_count)" = 4

check "setvcpu 2 --disable --live: a vCPU plugged at start can be unplugged" \
    virsh setvcpu hp 2 --disable --live
check "the guest's enabled mask is 0-1,3" \
    test "$(guest 'wait_cpu_mask enabled 2 no 300')" = 0-1,3
check "dumpxml marks vCPU 2 disabled" \
    output_has "<vcpu id='2' enabled='no' hotpluggable='yes'/>" virsh dumpxml hp
check "vcpuinfo lists 3 vCPUs" test "$(vcpuinfo_count)" = 3

check "setvcpus 5 --live --config" virsh setvcpus hp 5 --live --config
check "vcpucount: 5 live, 5 in the persistent config" \
    test "$(live_vcpus) $(virsh vcpucount hp --config --active)" = "5 5"
check "the guest's enabled mask has 5 vCPUs" \
    test "$(guest 'wait_cpu_mask enabled 4 yes 300')" = 0-4

check "virsh save" virsh save hp "$tmp/hp.save"
check "the domain is shut off" test "$(virsh domstate hp)" = "shut off"
check "virsh restore" virsh restore "$tmp/hp.save"
check "restored: vcpucount --live is 5" test "$(live_vcpus)" = 5
check "restored: the guest still has 0-4 enabled" test "$(mask enabled)" = 0-4
check "restored: hot-unplug works" virsh setvcpu hp 4 --disable --live
check "restored: the guest's enabled mask is 0-3" \
    test "$(guest 'wait_cpu_mask enabled 4 no 300')" = 0-3

check "virsh managedsave" virsh managedsave hp
check "the domain has a managed save image" output_has "Managed save: *yes" virsh dominfo hp
check "virsh start restores it" virsh start hp
check "after managedsave: vcpucount --live is 4 and the guest has 0-3 enabled" \
    test "$(live_vcpus) $(mask enabled)" = "4 0-3"

vcpus_xml() { virsh dumpxml hp | grep "<vcpu"; }
before_restart=$(vcpus_xml)
daemon_check "libvirtd stops; the domain keeps running" stop
check "the guest still answers without libvirtd" test "$(mask enabled)" = 0-3
daemon_check "libvirtd starts again" start
check "after reconnecting: the domain runs with 4 vCPUs" \
    test "$(virsh domstate hp) $(live_vcpus)" = "running 4"
check "after reconnecting: dumpxml reports the same vCPUs (enabled, hotpluggable, order)" \
    test "$(vcpus_xml)" = "$before_restart"
check "... among them vCPU 3 enabled and hotpluggable" \
    output_has "<vcpu id='3' enabled='yes' hotpluggable='yes' order='3'/>" vcpus_xml
check "after reconnecting: setvcpus 6 --live" virsh setvcpus hp 6 --live
check "the guest's enabled mask is 0-5" test "$(guest 'wait_cpu_mask enabled 5 yes 300')" = 0-5
check "after reconnecting: setvcpus 2 --live" virsh setvcpus hp 2 --live
check "the guest's enabled mask is 0-1" test "$(guest 'wait_cpu_mask enabled 2 no 300')" = 0-1

# The C API, as management software uses it; the program prints its own TAP lines.
api_out=$(as_nobody "$VCPUHP_LIBVIRT_API_TEST" --tap "$URI" hp 2>&1); api_rc=$?
check "the C API program passes (its TAP output follows)" test $api_rc = 0
sed 's/^/# /' <<<"$api_out"
check "after the C API program: the guest's enabled mask is 0-1" \
    test "$(guest 'wait_cpu_mask enabled 2 no 300')" = 0-1

finish
