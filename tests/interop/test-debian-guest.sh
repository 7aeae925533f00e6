#!/bin/bash
# A real guest (issue 13): Debian 13 arm64 with systemd, udev and qemu-guest-agent,
# booted by UEFI from its disk (tools/lab/build-debian-guest.sh), in a domain that
# Debian's stock libvirt 11.3 runs on our QEMU (TCG). Everything in the guest is
# read through the QEMU guest agent, as a user's tools would:
#   - virsh setvcpus --live up: the project's udev rule onlines the new CPUs;
#   - with the rule moved away, the CPUs stay offline until virsh setvcpus --guest or
#     virsh guestvcpus onlines them through the agent, or vcpuhp set does it all;
#   - unplug of online vCPUs with systemd running; virsh setvcpu;
#   - twenty resize cycles while stress-ng --verify runs on every CPU: stress-ng
#     ends successfully with no worker lost, and no CPU is left behind in the guest,
#     in QEMU or in libvirt.
# TAP output.
set -uo pipefail
: "${VCPUHP_DEBIAN_GUEST:?run through meson test}" "${VCPUHP_CLI:?run through meson test}"
. "$(dirname "$0")/lib-libvirt.sh"
CYCLES=${VCPUHP_DEBIAN_CYCLES:-20}
MAX=4

agent() { agent_on deb "$1"; }
gexec() { gexec_on deb "$@"; }
wait_agent() { wait_agent_on deb 300 "$tmp/console.log"; }
# cpus FILE: the guest's /sys/devices/system/cpu/FILE mask.
cpus() { gexec "cat /sys/devices/system/cpu/$1"; }
# wait_online MASK: the guest's online mask becomes MASK (bounded: 120 s).
wait_online() { gexec "$(online_wait_script "$1" 120)" 130; }
# no_stale N: N vCPUs everywhere, and nothing left of the others: the guest's enabled
# and online masks, libvirt's live count and vcpuinfo, QEMU's CPU list and slots.
no_stale() {
    local want=0-$(($1 - 1)) qemu_cpus plugged
    [ "$(cpus enabled) $(cpus online)" = "$want $want" ] \
        || { echo "guest: enabled $(cpus enabled), online $(cpus online), want $want"; return 1; }
    [ "$(virsh vcpucount deb --live --active)" = "$1" ] || { echo "vcpucount is not $1"; return 1; }
    [ "$(virsh vcpuinfo deb | grep -c '^VCPU:')" = "$1" ] || { echo "vcpuinfo is not $1 rows"; return 1; }
    qemu_cpus=$(virsh qemu-monitor-command deb '{"execute":"query-cpus-fast"}' | jq '.return | length')
    plugged=$(virsh qemu-monitor-command deb '{"execute":"query-hotpluggable-cpus"}' |
              jq '[.return[] | select(has("qom-path"))] | length')
    [ "$qemu_cpus $plugged" = "$1 $1" ] || { echo "QEMU: $qemu_cpus CPUs, $plugged plugged slots"; return 1; }
}

qemu-img create -q -f qcow2 -F raw -b "$VCPUHP_DEBIAN_GUEST/disk.raw" "$tmp/deb.qcow2"
lv_domain_xml_debian "<vcpu placement='static' current='2'>$MAX</vcpu>" "$tmp/deb.qcow2" \
    > "$tmp/deb.xml"
chown -R nobody "$tmp"
start_daemon
check "stock libvirt defines the Debian guest (UEFI, disk, agent channel)" \
    virsh define "$tmp/deb.xml"
check "stock libvirt starts it" virsh start deb
check "the guest boots through UEFI and GRUB to systemd and its agent" wait_agent
debian13() {
    agent '{"execute":"guest-get-osinfo"}' |
        jq -e '.return["version-id"] == "13" and (.return["kernel-release"] | startswith("6.12."))'
}
check "the guest is Debian 13 with kernel 6.12" debian13
check "systemd has finished booting" gexec 'systemctl is-system-running --wait' 200
check "at boot: possible and present 0-3, enabled and online 0-1" \
    test "$(cpus possible) $(cpus present) $(cpus enabled) $(cpus online)" = "0-3 0-3 0-1 0-1"

check "virsh setvcpus deb 4 --live" virsh setvcpus deb 4 --live
check "the project's udev rule onlines the new CPUs: online 0-3" wait_online 0-3
check "virsh guestvcpus lists 0-3 online" output_has 'online *: *0-3' virsh guestvcpus deb
check "the unplug of online vCPUs 2-3 with systemd running: virsh setvcpus deb 2 --live" \
    virsh setvcpus deb 2 --live
check "nothing left of vCPUs 2-3" no_stale 2

check "with the udev rule moved out of udev's way" \
    gexec 'mv /etc/udev/rules.d/80-vcpuhp-cpu-online.rules /root/ && udevadm control --reload'
check "virsh setvcpus deb 4 --live" virsh setvcpus deb 4 --live
check "the new CPUs are enabled but stay offline" \
    gexec "udevadm settle -t 60 && [ \"\$(cat /sys/devices/system/cpu/enabled)\" = 0-3 ] &&
           [ \"\$(cat /sys/devices/system/cpu/online)\" = 0-1 ]" 70
# virsh setvcpus --guest N picks the CPUs in the order the agent lists them (sysfs
# order, not by number), so which one comes online is not fixed: count them.
check "virsh setvcpus deb 3 --guest onlines one more through the agent" virsh setvcpus deb 3 --guest
check "3 CPUs online" gexec 'n=0
    for c in /sys/devices/system/cpu/cpu[0-9]*; do
        [ "$(cat "$c/online" 2>/dev/null || echo 1)" = 1 ] && n=$((n + 1))
    done; [ $n = 3 ]'
check "virsh guestvcpus deb 2-3 --enable onlines the rest" virsh guestvcpus deb 2-3 --enable
check "online 0-3" wait_online 0-3
check "virsh guestvcpus deb 2-3 --disable offlines two through the agent" \
    virsh guestvcpus deb 2-3 --disable
check "online 0-1" wait_online 0-1
check "virsh setvcpus deb 2 --live unplugs the offline vCPUs" virsh setvcpus deb 2 --live
check "nothing left of vCPUs 2-3" no_stale 2
check "vcpuhp set deb 4: each vCPU plugged, enabled and brought online through the agent" \
    output_has 'vcpu3 (guest cpu 3): plugged, enabled and online' \
    as_nobody "$VCPUHP_CLI" set deb 4 --connect qemu:///session
check "online 0-3" wait_online 0-3
check "vcpuhp status deb: 4 of 4 plugged" output_has '4 of 4 vCPUs plugged' \
    as_nobody "$VCPUHP_CLI" status deb --connect qemu:///session
check "vcpuhp set deb 2" as_nobody "$VCPUHP_CLI" set deb 2 --connect qemu:///session
check "nothing left of vCPUs 2-3" no_stale 2
check "the udev rule back in place" \
    gexec 'mv /root/80-vcpuhp-cpu-online.rules /etc/udev/rules.d/ && udevadm control --reload'

check "virsh setvcpu deb 3 --enable --live" virsh setvcpu deb 3 --enable --live
check "the udev rule onlines it: online 0-1,3" wait_online 0-1,3
check "domstats: vcpu.current=3" output_has 'vcpu.current=3' virsh domstats deb --vcpu
check "virsh setvcpu deb 3 --disable --live" virsh setvcpu deb 3 --disable --live
check "online 0-1" wait_online 0-1

# The workload: stress-ng on every CPU the guest will have, verifying its results,
# until SIGALRM (what its own --timeout uses) ends it normally.
stress=$(agent "$(jq -cn '{execute: "guest-exec", arguments: {path: "/usr/bin/stress-ng",
    arg: ["--cpu", "4", "--cpu-method", "int64", "--verify", "--timeout", "3600",
          "--metrics-brief", "--log-file", "/root/stress.log"]}}')" | jq -r .return.pid)
check "stress-ng --cpu 4 --verify starts in the guest" test "${stress:-null}" != null
cycles_ok=0
for c in $(seq "$CYCLES"); do
    virsh setvcpus deb 4 --live && wait_online 0-3 >/dev/null &&
    virsh setvcpus deb 2 --live && wait_online 0-1 >/dev/null || break
    cycles_ok=$c
done
check "$CYCLES cycles of setvcpus 4 and 2 --live under load, CPUs online each time" \
    test "$cycles_ok" = "$CYCLES"
check "stress-ng was running throughout" gexec "kill -0 $stress"
check "nothing left of the unplugged vCPUs" no_stale 2
check "stress-ng ends normally on SIGALRM" gexec "kill -ALRM $stress"
st=$(exec_status_on deb "$stress" 60)
check "stress-ng exits 0" test "$(jq -r .return.exitcode <<<"$st")" = 0
check "all 4 workers passed their verification, none failed" \
    output_has 'passed: 4: cpu (4)' gexec 'cat /root/stress.log'
check "stress-ng reports no failure" \
    gexec "! grep -E 'failed: [1-9]|untrustworthy: [1-9]' /root/stress.log"

check "virsh shutdown: systemd powers the guest off" virsh shutdown deb
shut_off() {  # bounded: 120 s
    for _ in $(seq 240); do
        [ "$(virsh domstate deb)" = "shut off" ] && return 0
        sleep 0.5   # libvirt's domain event would need a client of its own
    done
    return 1
}
check "the domain shuts off" shut_off
finish
