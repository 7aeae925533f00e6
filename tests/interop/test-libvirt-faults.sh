#!/bin/bash
# Faults around vCPU hotplug through Debian's stock libvirt 11.3 and the QEMU built
# from vmm/, with nothing lost (issue 11):
#   - two clients calling setvcpus at once: serialized, one consistent final state;
#   - a live migration cancelled, and one whose destination QEMU dies, with hot-added
#     vCPUs: the source keeps running with the same vCPUs and the same guest;
#   - a guest that never answers (paused): setvcpus down fails within libvirt's
#     bound with a clear error, and the VM stays usable; the unplug it asked for
#     completes once the guest runs, and libvirt sees it;
#   - libvirtd restarted while such an unplug is pending: after reconnecting,
#     vcpucount, <vcpus>, QEMU and the guest agree once it completes (libvirt asks
#     for one vCPU at a time, so one vCPU goes, not the whole request);
#   - QEMU killed (SIGKILL) with an unplug pending, and during a plug: libvirt reports
#     the domain shut off, the persistent definition is unchanged, it starts again;
#   - a guest booted without ACPI CPU hotplug support (its kernel without the driver
#     of the event device that signals it): setvcpus up succeeds, as libvirt does not
#     ask the guest; setvcpus down fails within libvirt's bound with a clear error,
#     the VM stays usable, and libvirt and QEMU agree on the vCPUs still plugged.
# The guest's masks are read over its serial command channel. TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"

start_two_daemons
domain_xml "<vcpu placement='static' current='2'>6</vcpu>" > "$tmp/hp.xml"

# wait_until SECONDS COMMAND...: COMMAND succeeds within SECONDS (polled twice a second).
wait_until() {
    local limit=$(( $1 * 2 )) out; shift
    for _ in $(seq "$limit"); do out=$("$@" 2>&1) && return 0; sleep 0.5; done
    echo "still false after $((limit / 2)) s: $*"; echo "$out"; return 1
}
qemu_pid() { cat "$tmp/run/libvirt/qemu/run/hp.pid"; }
# QEMU's own count of vCPUs (query-cpus-fast lists the plugged ones).
qemu_vcpus() {
    virsh qemu-monitor-command hp '{"execute":"query-cpus-fast"}' | grep -o '"cpu-index"' | wc -l
}
enabled_count() {  # vCPUs in the guest's enabled mask, e.g. 0-1,3 -> 3
    local n=0 part
    for part in $(mask enabled | tr , ' '); do
        case $part in *-*) n=$((n + ${part#*-} - ${part%-*} + 1)) ;; *) n=$((n + 1)) ;; esac
    done
    echo "$n"
}
# libvirt, QEMU and the guest agree on N vCPUs (and so does libvirt's <vcpus>).
agree_on() {
    local n=$1 xml xml_enabled live qemu guest
    xml=$(virsh dumpxml hp)
    # A domain whose vCPUs were never changed live has no <vcpus> list
    if grep -q "<vcpu id=" <<<"$xml"; then
        xml_enabled=$(grep -c "<vcpu id='[0-9]*' enabled='yes'" <<<"$xml")
    else
        xml_enabled=$(sed -n "s/.*<vcpu [^>]*current='\([0-9]*\)'.*/\1/p" <<<"$xml")
    fi
    live=$(live_vcpus) qemu=$(qemu_vcpus) guest=$(enabled_count)
    echo "libvirt $live, <vcpus> $xml_enabled, QEMU $qemu, guest $guest (want $n)"
    [ "$live $xml_enabled $qemu $guest" = "$n $n $n $n" ]
}
state_is() { [ "$(virsh domstate hp)" = "$1" ]; }
inactive_xml() { virsh dumpxml --inactive hp; }

check "define the domain (current 2 of 6)" virsh define "$tmp/hp.xml"
check "start it" virsh start hp
definition=$(inactive_xml)
check "the guest boots to its command channel" wait_guest

# Two clients at once: libvirt serializes them with its job lock.
virsh setvcpus hp 4 --live >"$tmp/c1.out" 2>&1 & c1=$!
virsh setvcpus hp 6 --live >"$tmp/c2.out" 2>&1 & c2=$!
wait "$c1"; s1=$?; wait "$c2"; s2=$?
check "two concurrent setvcpus (4 and 6) both succeed" test "$s1 $s2" = "0 0"
final=$(live_vcpus)
check "the final count is one of the two asked for ($final)" test "$final" = 4 -o "$final" = 6
check "libvirt, <vcpus>, QEMU and the guest agree on it" wait_until 30 agree_on "$final"
check "setvcpus 4 --live" virsh setvcpus hp 4 --live
check "all agree on 4 vCPUs" wait_until 30 agree_on 4
check "the guest onlines vCPU 3" guest 'echo 1 > /sys/devices/system/cpu/cpu3/online'
guest 'echo before-migration > /tmp/mark' >/dev/null

# Migrations with hot-added vCPUs that do not complete. At 1 MiB/s the 512 MiB guest
# takes minutes to copy, so the migration is still running when it is ended.
virsh dumpxml --migratable hp | sed -e "s|$tmp/serial.sock|$tmp/dst-serial.sock|" \
    -e "s|$tmp/hp_VARS.fd|$tmp/dst-hp_VARS.fd|" > "$tmp/dst.xml"
migrate_slowly() {
    virsh migrate --live hp "$DST_URI" --migrateuri tcp://127.0.0.1 --xml "$tmp/dst.xml" \
        --bandwidth 1 >"$tmp/migrate.out" 2>&1
}
migrating() { virsh domjobinfo hp | grep -q "Job type: *Unbounded"; }
source_unchanged() {
    state_is running && agree_on 4 && [ "$(guest 'cat /tmp/mark')" = before-migration ] \
        && [ "$(mask online)" = 0-1,3 ] && [ "$(guest 'pinned_work 3')" = 3 ]
}
migrate_slowly & m=$!
check "a slow live migration is under way" wait_until 60 migrating
check "virsh domjobabort cancels it" virsh domjobabort hp
wait "$m"; ms=$?
check "the migration reports that it was cancelled" \
    bash -c "[ $ms != 0 ] && grep -qi 'cancel' '$tmp/migrate.out'"
check "the source runs on with the same vCPUs and the same guest" source_unchanged
check "the destination has no domain" fails_with "failed to get domain" virsh_dst domstate hp

dst_qemu_pid() { cat "$tmp/dst/run/libvirt/qemu/run/hp.pid" 2>/dev/null; }
migrate_slowly & m=$!
check "a second slow live migration is under way" wait_until 60 migrating
check "the destination's QEMU is killed (SIGKILL)" bash -c "kill -9 $(dst_qemu_pid)"
wait "$m"; ms=$?
check "the migration fails" test "$ms" != 0
check "the source runs on with the same vCPUs and the same guest" wait_until 30 source_unchanged

# A guest that never answers: paused, it cannot eject.
check "virsh suspend: the guest stops" virsh suspend hp
start=$(date +%s)
check "setvcpus 2 --live fails with a clear error" \
    fails_with "unplug request timed out" virsh setvcpus hp 2 --live
check "... within libvirt's bound (under 30 s)" test $(( $(date +%s) - start )) -lt 30
check "the domain is paused, not lost" state_is paused
# libvirtd restarts while the unplug it asked for is pending in QEMU.
daemon_check "libvirtd stops while the unplug is pending" stop
daemon_check "libvirtd starts again" start
check "after reconnecting, the domain is still paused" state_is paused
check "virsh resume" virsh resume hp
# libvirt unplugs one vCPU at a time: it asked for vCPU 3, timed out, and went no
# further. The guest, running again, ejects vCPU 3; libvirt takes DEVICE_DELETED.
check "the guest completes the pending unplug: libvirt, <vcpus>, QEMU and the guest agree on 3" \
    wait_until 60 agree_on 3
check "the guest's work goes on" test "$(guest 'cat /tmp/mark')" = before-migration

# QEMU killed with an unplug pending.
check "setvcpus 4 --live" virsh setvcpus hp 4 --live
check "all agree on 4 vCPUs" wait_until 30 agree_on 4
check "virsh suspend" virsh suspend hp
check "setvcpus 2 --live times out: the unplug is pending" \
    fails_with "unplug request timed out" virsh setvcpus hp 2 --live
check "QEMU is killed (SIGKILL)" bash -c "kill -9 $(qemu_pid)"
check "libvirt reports the domain shut off" wait_until 30 state_is "shut off"
check "the persistent definition is unchanged" test "$(inactive_xml)" = "$definition"
check "the domain starts again" virsh start hp
check "the guest boots to its command channel" wait_guest
check "libvirt, <vcpus>, QEMU and the guest agree on the definition's 2 vCPUs" \
    wait_until 30 agree_on 2

# QEMU killed during a plug.
virsh setvcpus hp 6 --live >"$tmp/plug.out" 2>&1 & p=$!
kill -9 "$(qemu_pid)"
wait "$p"
check "QEMU killed during setvcpus 6: libvirt reports the domain shut off" \
    wait_until 30 state_is "shut off"
check "the persistent definition is unchanged" test "$(inactive_xml)" = "$definition"
check "the domain starts again" virsh start hp
check "the guest boots to its command channel" wait_guest
check "libvirt, <vcpus>, QEMU and the guest agree on 2 vCPUs" wait_until 30 agree_on 2
check "hotplug works after all this: setvcpus 3 --live" virsh setvcpus hp 3 --live
check "all agree on 3 vCPUs" wait_until 30 agree_on 3

# A guest that never answers because it cannot: its kernel runs without the driver of
# the Generic Event Device (initcall_blacklist=ged_driver_init), through which the
# virt machine signals CPU hotplug, so it never sees a vCPU come or asked to go.
# (acpi=off makes no such guest: given QEMU's ACPI tables, the firmware hands the
# kernel no device tree, "EFI stub: Generating empty DTB", and it never comes up.)
check "virsh destroy" virsh destroy hp
inactive_xml | sed 's|acpi=force|acpi=force initcall_blacklist=ged_driver_init|' > "$tmp/no-ged.xml"
check "define the domain again, its kernel without the GED driver" virsh define "$tmp/no-ged.xml"
check "start it" virsh start hp
check "the guest boots to its command channel" wait_guest
check "... without the GED driver" \
    output_has "initcall ged_driver_init blacklisted" guest 'dmesg | grep ged_driver'
# plugged_unseen N: libvirt and QEMU count N vCPUs plugged; the guest has its 2 only.
plugged_unseen() {
    local live qemu enabled
    live=$(live_vcpus) qemu=$(qemu_vcpus) enabled=$(mask enabled)
    echo "libvirt $live, QEMU $qemu, guest enabled $enabled (want $1, $1, 0-1)"
    [ "$live $qemu $enabled" = "$1 $1 0-1" ]
}
# libvirt plugs with device_add and reads QEMU's vCPUs back; it does not wait for
# the guest, which here never enables them.
check "setvcpus 4 --live succeeds" virsh setvcpus hp 4 --live
check "libvirt and QEMU count 4 vCPUs; the guest never saw the 2 new ones" plugged_unseen 4
# libvirt waits for DEVICE_DELETED, which needs the guest's eject.
start=$(date +%s)
check "setvcpus 2 --live fails with a clear error" \
    fails_with "vcpu unplug request timed out" virsh setvcpus hp 2 --live
elapsed=$(( $(date +%s) - start ))
check "... within libvirt's bound ($elapsed s, under 30 s)" test "$elapsed" -lt 30
check "the domain runs on" state_is running
check "the guest answers on its command channel and runs work" \
    test "$(guest 'pinned_work 1')" = 1
check "libvirt and QEMU agree: 4 vCPUs still plugged (the unplug stays pending)" plugged_unseen 4
# Asked again: QEMU refuses a second device_del of the vCPU for 5 s of guest time
# after the first, then sends the guest the request again, which times out the same.
start=$(date +%s)
check "asked again, setvcpus 2 --live fails again with a clear error" \
    fails_with "vcpu unplug request timed out|already in the process of unplug" \
    virsh setvcpus hp 2 --live
check "... within the same bound" test $(( $(date +%s) - start )) -lt 30
check "libvirt takes more requests: setvcpus 5 --live" virsh setvcpus hp 5 --live
check "libvirt and QEMU agree on 5 vCPUs" plugged_unseen 5
check "the guest still answers" test "$(guest 'echo up')" = up
check "the domain stops on request: virsh destroy" virsh destroy hp
check "libvirt reports it shut off" state_is "shut off"

finish
