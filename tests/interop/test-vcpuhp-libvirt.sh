#!/bin/bash
# The vcpuhp tool on a real libvirt domain: Debian's stock libvirtd (a private
# session daemon, as nobody) runs the lab's aarch64 domain on the QEMU built from
# vmm/ with <vcpu current='2'>6</vcpu>; vcpuhp check, status and set drive it by
# name through libvirt's API, and the guest's masks (its serial command channel)
# say whether the vCPUs really came and went. A second domain has a guest agent
# channel (the arm64 lab runs qemu-ga): there set brings the vCPUs online through
# libvirt's agent calls. TAP output.
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

# The same domain with a guest agent channel.
check "libvirt stops the domain" virsh destroy hp
check "libvirt forgets it (a definition with a channel takes its name)" virsh undefine hp --nvram
sed "s|</devices>|<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices>|" \
    "$tmp/hp.xml" > "$tmp/hp-agent.xml"
check "libvirt defines it with an agent channel" virsh define "$tmp/hp-agent.xml"
check "libvirt starts it" virsh start hp
check "the guest boots to its command channel" wait_guest
# The agent starts with the guest's init; libvirt sees it once it answered a sync.
agent_up() { for _ in $(seq 30); do virsh guestvcpus hp >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
check "libvirt reaches the guest agent" agent_up
check "vcpuhp status sees into the guest" valid vcpuhp-status.schema.json vcpuhp status hp -o json
check "vcpuhp status: guest view is libvirt's agent" \
    output_has '"guest-view" : "libvirt-agent"' vcpuhp status hp -o json
check "vcpuhp set hp 4 brings them online" \
    output_has "\[2/2\] vcpu3 (guest cpu 3): plugged, enabled and online" vcpuhp set hp 4
check "the guest's online mask is 0-3" test "$(mask online)" = 0-3
check "vcpuhp set hp 2" vcpuhp set hp 2
check "the guest's enabled and online masks are 0-1" \
    test "$(mask enabled) $(mask online)" = "0-1 0-1"
finish
