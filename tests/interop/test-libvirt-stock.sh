#!/bin/bash
# Debian's stock libvirt 11.3 (unmodified) drives vCPU hotplug of the QEMU built
# from vmm/ on an aarch64 guest: a private libvirtd (session mode, as nobody)
# starts a virt/GICv3/ACPI/UEFI domain with <vcpu current='2'>6</vcpu>, then
# virsh setvcpus --live up and down, virsh setvcpu --enable/--disable, vcpucount,
# dumpxml, and libvirt's refusals; the guest's masks are read over its serial
# command channel (tools/lab/guest-init.sh) after each step. TAP output.
# Needs VCPUHP_QEMU, VCPUHP_LAB and VCPUHP_TOOL (the vcpuhp tool; set by meson).
set -uo pipefail
: "${VCPUHP_QEMU:?run through meson test}" "${VCPUHP_LAB:?run through meson test}"
: "${VCPUHP_TOOL:?run through meson test}"
# The 64 MiB AAVMF images that libvirt's pflash loader needs come with the QEMU
# build (tools/upstream/qemu-test-firmware.sh).
fw="$(dirname "$(dirname "$VCPUHP_QEMU")")/firmware/root/usr/share/AAVMF"
tmp=$(mktemp -d /tmp/vcpuhp-lv-XXXXXX)
n=0 failed=0
E=(env XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/cfg" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp/home")
virsh() { timeout 60 runuser -u nobody -- "${E[@]}" /usr/bin/virsh -q -c qemu:///session "$@"; }
cleanup() {
    virsh destroy hp >/dev/null 2>&1
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then echo "ok $n - $what"
    else failed=1; echo "not ok $n - $what"; sed 's/^/# /' <<<"$out"; fi
}
# guest COMMAND: runs COMMAND in the guest over its serial socket, prints its output.
guest() { "$VCPUHP_TOOL" guest --socket "$tmp/serial.sock" --timeout 30 "$1"; }
# output_has PATTERN COMMAND...: COMMAND's output (stdout and stderr) has PATTERN.
output_has() { local pat=$1 out; shift; out=$("$@" 2>&1); grep -q -- "$pat" <<<"$out"; }
mask() { guest "cat /sys/devices/system/cpu/$1"; }
live_vcpus() { virsh vcpucount hp --live --active; }

mkdir -p "$tmp"/{run,cfg/libvirt,cache,home}
cat > "$tmp/hp.xml" <<EOX
<domain type='qemu'>
  <name>hp</name>
  <memory unit='MiB'>512</memory>
  <vcpu placement='static' current='2'>6</vcpu>
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
    <loader readonly='yes' type='pflash'>$fw/AAVMF_CODE.no-secboot.fd</loader>
    <nvram template='$fw/AAVMF_VARS.fd'>$tmp/hp_VARS.fd</nvram>
    <kernel>$VCPUHP_LAB/arm64/vmlinuz</kernel>
    <initrd>$VCPUHP_LAB/arm64/initrd.img</initrd>
    <cmdline>console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0</cmdline>
  </os>
  <features><acpi/><gic version='3'/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>
  <devices>
    <emulator>$VCPUHP_QEMU</emulator>
    <serial type='unix'><source mode='bind' path='$tmp/serial.sock'/></serial>
  </devices>
</domain>
EOX
chown -R nobody "$tmp"
runuser -u nobody -- "${E[@]}" libvirtd --timeout 300 >"$tmp/libvirtd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do   # the daemon's socket, at most 10 s
    [ -S "$tmp/run/libvirt/libvirt-sock" ] && break
    sleep 0.1
done

check "stock libvirt defines the aarch64 domain" virsh define "$tmp/hp.xml"
check "stock libvirt starts it" virsh start hp
# The guest's command channel answers once its init runs (bounded: 12 x 5 s).
ready=no
for _ in $(seq 12); do
    [ "$("$VCPUHP_TOOL" guest --socket "$tmp/serial.sock" --timeout 5 'echo up' 2>/dev/null)" = up ] \
        && { ready=yes; break; }
    sleep 1   # the socket may not accept yet; retried a bounded number of times
done
check "the guest boots to its command channel" test $ready = yes
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

check "removing a cold-booted vCPU is refused" \
    output_has "failed to find appropriate hotpluggable vcpus" virsh setvcpus hp 1 --live
check "more than the maximum is refused" \
    output_has "greater than max allowable vcpus" virsh setvcpus hp 7 --live
check "the domain still runs" test "$(virsh domstate hp)" = running

echo "1..$n"
exit $failed
