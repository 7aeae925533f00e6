#!/bin/bash
# The vcpuhp tool on a real libvirt domain: Debian's stock libvirtd (a private
# session daemon, as nobody) runs the lab's aarch64 domain on the QEMU built from
# vmm/ with <vcpu current='2'>6</vcpu>; vcpuhp check, status and set drive it by
# name through libvirt's API, and the guest's masks (its serial command channel)
# say whether the vCPUs really came and went. The lab guest has no agent, so
# status and set see the host's side only. TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"
: "${VCPUHP_CLI:?run through meson test}" "${VCPUHP_VALIDATOR:?}" "${VCPUHP_SCHEMAS:?}"

vcpuhp() { as_nobody "$VCPUHP_CLI" "$1" --connect "$URI" "${@:2}"; }
# valid SCHEMA COMMAND...: COMMAND's stdout is JSON valid against schemas/SCHEMA.
valid() { local s=$1; shift; "$@" | "$VCPUHP_VALIDATOR" "$VCPUHP_SCHEMAS/$s"; }
# exits STATUS COMMAND...: COMMAND exits with STATUS.
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit $rc, not $want"; return 1; }; }
# exits_saying STATUS PATTERN COMMAND...: COMMAND exits with STATUS and says PATTERN (grep -E).
exits_saying() {
    local want=$1 pat=$2 out rc=0; shift 2
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" = "$want" ] && grep -qE -- "$pat" <<<"$out" \
        || { echo "exit $rc (want $want), output:"; echo "$out"; return 1; }
}

domain_xml "<vcpu placement='static' current='2'>6</vcpu>" > "$tmp/hp.xml"
start_daemon
check "libvirt defines the domain" virsh define "$tmp/hp.xml"
check "vcpuhp check of the defined domain: hotplug-ready" \
    output_has "hp (hp): hotplug-ready" vcpuhp check hp
check "its JSON is valid and ready" valid vcpuhp-check.schema.json vcpuhp check hp -o json
check "vcpuhp status of a domain that is not running exits 3" \
    exits 3 vcpuhp status hp
check "libvirt starts it" virsh start hp
check "the guest boots to its command channel" wait_guest

check "vcpuhp status: 2 of 6 vCPUs plugged" output_has "domain hp: 2 of 6 vCPUs plugged" vcpuhp status hp
check "vcpuhp status JSON is valid" valid vcpuhp-status.schema.json vcpuhp status hp --output=json
check "vcpuhp set hp 4" output_has "\[2/2\] vcpu3 (guest cpu 3): plugged" vcpuhp set hp 4
check "libvirt counts 4 live vCPUs" test "$(live_vcpus)" = 4
check "the guest's enabled mask is 0-3" test "$(guest 'wait_cpu_mask enabled 3 yes 300')" = 0-3
check "vcpuhp status names vcpu3" output_has "^3 .* yes .*vcpu3" vcpuhp status hp

check "the guest disables processor hot-removal" \
    guest 'echo 0 > /sys/firmware/acpi/hotplug/processor/enabled'
check "vcpuhp set hp 2 exits 5, naming the vCPU the guest refused" \
    exits_saying 5 "stopped after 0 of 2 steps: .*vcpu3.*rejected by the guest" vcpuhp set hp 2
check "the guest allows processor hot-removal again" \
    guest 'echo 1 > /sys/firmware/acpi/hotplug/processor/enabled'
check "vcpuhp set hp 2 --output=json" valid vcpuhp-set.schema.json vcpuhp set hp 2 --output=json
check "libvirt counts 2 live vCPUs" test "$(live_vcpus)" = 2
check "the guest's enabled mask is 0-1" test "$(guest 'wait_cpu_mask enabled 2 no 300')" = 0-1
check "vcpuhp set hp 1 exits 1: boot vCPUs stay" exits 1 vcpuhp set hp 1
check "the domain still runs" test "$(virsh domstate hp)" = running
finish
