#!/bin/bash
# A real ARM KVM host (issue 13): the Debian 13 arm64 root of tools/lab/build-arm-host.sh
# (systemd, Debian's libvirt-daemon-system, our qemu-system-arm package, all installed
# with apt) boots as L1 under TCG with EL2, so its kernel runs KVM. There, as a user
# would, through qemu:///system (QEMU run by libvirt as libvirt-qemu, confined by
# AppArmor, Debian's default settings):
#   - the lab's guest (L2, UEFI from Debian's AAVMF, KVM): virsh define/start of
#     <vcpu current='2'>4</vcpu>, setvcpus --live up and down, setvcpus --guest,
#     setvcpu, vcpuinfo, domstats --vcpu, guestvcpus, and resize cycles that reuse the
#     parked KVM vCPUs;
#   - with VCPUHP_DEBIAN_GUEST, the real Debian 13 guest (L2 under KVM): the udev rule
#     onlines hot-added CPUs, and resize cycles under stress-ng --verify lose nothing
#     and leave no CPU behind.
# The test reaches L1 through its QEMU guest agent (libvirt's qemu-agent-command of the
# session daemon that runs L1), and L2 through L2's agent from L1 (l2exec.sh).
# Outside CI: the arm64 packages it installs are built outside CI (see the README).
# TAP output.
set -uo pipefail
: "${VCPUHP_ARM_HOST:?run through meson test}"
. "$(dirname "$0")/lib-libvirt.sh"
CYCLES=${VCPUHP_ARM_HOST_CYCLES:-5}
DEB_CYCLES=${VCPUHP_DEBIAN_CYCLES:-20}
trap 'virsh destroy armhost >/dev/null 2>&1; cleanup' EXIT

# host COMMAND [SECONDS]: COMMAND in L1, as root.
host() { gexec_on armhost "$1" "${2:-120}"; }
# hv ARGS...: virsh of L1's system libvirt (the words of ARGS need no quoting).
hv() { host "virsh -q -c qemu:///system $*" 300; }
# l2 DOMAIN COMMAND [SECONDS]: COMMAND in the L2 guest DOMAIN (through L1).
# (COMMAND travels base64-encoded: L1's /bin/sh is dash, and COMMAND has newlines.)
l2() {
    host "/root/l2exec.sh $1 ${3:-60} \"\$(echo $(printf '%s' "$2" | base64 -w0) | base64 -d)\"" \
        $((${3:-60} + 30))
}
# put FILE PATH: copies the host's FILE to PATH in L1.
put() { host "echo $(base64 -w0 "$1") | base64 -d > $2"; }
# l2_agent_up DOMAIN SECONDS: L2's agent answers (pinged every 2 s from L1).
l2_agent_up() {
    host "for i in \$(seq $(($2 / 2))); do
              virsh -q -c qemu:///system qemu-agent-command $1 '{\"execute\":\"guest-ping\"}' \
                  --timeout 10 >/dev/null 2>&1 && exit 0
              sleep 2
          done; echo 'no agent in $1 after $2 s'; tail -n 20 /var/log/libvirt/qemu/$1.console
          exit 1" $(($2 + 60))
}
# stat_is DOMAIN FIELD VALUE: virsh domstats --vcpu reports FIELD=VALUE.
stat_is() {
    local out
    out=$(hv domstats --vcpu "$1") || return 1
    grep -qx " *vcpu\.$2=$3" <<<"$out" || { echo "no vcpu.$2=$3 in:"; echo "$out"; return 1; }
}
# guest_cpus DOMAIN FIELD LIST: virsh guestvcpus (the agent's view) has FIELD: LIST.
guest_cpus() { output_has "^$2 *: *$3\$" hv guestvcpus "$1"; }
# vcpus_are DOMAIN N: libvirt counts N live vCPUs, vcpuinfo lists N, domstats says N.
vcpus_are() {
    local count rows
    count=$(hv vcpucount "$1" --live --active) && rows=$(hv vcpuinfo "$1" | grep -c '^VCPU:') &&
        [ "$count $rows" = "$2 $2" ] && stat_is "$1" current "$2" \
        || { echo "vcpucount $count, vcpuinfo rows $rows, want $2"; return 1; }
}

# L1's disks: its root (a qcow2 overlay of the cached image), the L2 payload (the lab
# guest's kernel and initramfs in an ext4 image), and the Debian guest's disk, which L1
# hands to its L2 domain as a block device (by the serial libvirt gives it).
qemu-img create -q -f qcow2 -F raw -b "$VCPUHP_ARM_HOST/root.img" "$tmp/armhost.qcow2"
mkdir "$tmp/payload"
cp "$VCPUHP_LAB/arm64/vmlinuz" "$VCPUHP_LAB/arm64/initrd.img" "$tmp/payload/"
mkfs.ext4 -q -L l2payload -d "$tmp/payload" "$tmp/payload.img" 256M >/dev/null
deb_disk=
if [ -n "${VCPUHP_DEBIAN_GUEST:-}" ]; then
    qemu-img create -q -f qcow2 -F raw -b "$VCPUHP_DEBIAN_GUEST/disk.raw" "$tmp/deb-l2.qcow2"
    deb_disk="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$tmp/deb-l2.qcow2'/><target dev='vdc' bus='virtio'/>
      <serial>vcpuhp-debian</serial></disk>"
fi
# L1: arm64 under TCG with EL2 (virtualization=on, which libvirt has no element for:
# QEMU merges the second -machine into libvirt's), a device tree, no firmware.
cat > "$tmp/armhost.xml" <<EOX
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>armhost</name>
  <memory unit='MiB'>3072</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
    <kernel>$VCPUHP_ARM_HOST/vmlinuz</kernel>
    <initrd>$VCPUHP_ARM_HOST/initrd.img</initrd>
    <cmdline>root=LABEL=vcpuhp-host ro console=ttyAMA0</cmdline>
  </os>
  <features><gic version='3'/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>
  <devices>
    <emulator>$VCPUHP_QEMU</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$tmp/armhost.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/payload.img'/><target dev='vdb' bus='virtio'/><readonly/></disk>
    $deb_disk
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <serial type='file'><source path='$tmp/armhost-console.log'/></serial>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-machine'/><qemu:arg value='virtualization=on'/>
  </qemu:commandline>
</domain>
EOX
chown -R nobody "$tmp"
start_daemon
start_l1() { virsh define "$tmp/armhost.xml" && virsh start armhost; }
check "the ARM host (L1) is defined and started (arm64, TCG with EL2)" start_l1
check "L1 boots to systemd and its agent" wait_agent_on armhost 900 "$tmp/armhost-console.log"
debian13() {
    agent_on armhost '{"execute":"guest-get-osinfo"}' |
        jq -e '.return["version-id"] == "13" and (.return["kernel-release"] | startswith("6.12."))'
}
check "L1 is Debian 13 with Debian's kernel 6.12" debian13
check "systemd has finished booting L1, no unit failed" \
    host 'systemctl is-system-running --wait || systemctl --failed --no-legend' 600
check "L1's kernel runs KVM: /dev/kvm" host 'test -c /dev/kvm'
ours_and_debians() {
    host "dpkg-query -W -f='\${Package} \${Version}\n' qemu-system-arm libvirt-daemon-system \
              libvirt-daemon-driver-qemu qemu-efi-aarch64" |
        awk '$1 == "qemu-system-arm" && $2 !~ /\+vcpuhp[0-9]+$/ { bad = 1 }
             $1 ~ /^libvirt/ && $2 != "11.3.0-3+deb13u3" { bad = 1 }
             { print } END { exit bad || NR != 4 }'
}
check "apt installed our qemu-system-arm beside Debian's libvirt 11.3 and AAVMF" ours_and_debians
domcaps() {
    local caps
    caps=$(hv domcapabilities --virttype kvm --arch aarch64 --machine virt) || return 1
    grep -q '<domain>kvm</domain>' <<<"$caps" && grep -q '<machine>virt-10.0-vcpuhp</machine>' <<<"$caps" &&
        grep -q "<value>3</value>" <<<"$caps" || { echo "$caps"; return 1; }
}
check "system libvirt offers KVM guests of virt-10.0-vcpuhp with GICv3" domcaps

# The lab guest as L2: UEFI picked by libvirt from Debian's firmware descriptors, KVM,
# the host's CPU, and no <gic>: libvirt picks the host's (v3). Secure boot is off: with
# no <firmware> element libvirt picks AAVMF with Microsoft's keys enrolled, which
# refuses the lab's unsigned kernel (and the Debian guest's own GRUB image).
# l2_xml NAME MIB OS_ELEMENTS DISK: an L2 KVM domain of NAME with MIB of RAM and 2 of
# 4 vCPUs, UEFI without secure boot plus OS_ELEMENTS, ACPI, the host's CPU, the agent's
# channel, its console in /var/log/libvirt/qemu/NAME.console, and DISK (or none).
l2_xml() {
    cat <<EOX
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>$2</memory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os firmware='efi'>
    <type arch='aarch64' machine='virt'>hvm</type>
    <firmware><feature enabled='no' name='secure-boot'/></firmware>
    $3
  </os>
  <features><acpi/></features>
  <cpu mode='host-passthrough'/>
  <devices>
    $4
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <serial type='file'><source path='/var/log/libvirt/qemu/$1.console'/></serial>
  </devices>
</domain>
EOX
}
l2_xml l2 512 "<kernel>/srv/l2/vmlinuz</kernel><initrd>/srv/l2/initrd.img</initrd>
    <cmdline>console=ttyAMA0 loglevel=1 acpi=force</cmdline>" "" > "$tmp/l2.xml"
payload() {
    host 'mkdir -p /srv/l2 && mount -o ro LABEL=l2payload /srv/l2' &&
        put "$tmp/l2.xml" /root/l2.xml && put "$(dirname "$0")/l2exec.sh" /root/l2exec.sh &&
        host 'chmod +x /root/l2exec.sh'
}
check "the L2 payload and the agent helper are in L1" payload
check "virsh -c qemu:///system define l2.xml (<vcpu current='2'>4</vcpu>, KVM)" hv define /root/l2.xml
check "virsh start l2" hv start l2
qemu_runs_as_user() {
    host 'pid=$(cat /run/libvirt/qemu/l2.pid) && ps -o user= -p $pid | grep -qx libvirt-qemu &&
          grep -q "(enforce)" /proc/$pid/attr/current &&
          tr "\0" " " < /proc/$pid/cmdline | grep -Eq "accel=kvm|-accel kvm" &&
          tr "\0" " " < /proc/$pid/cmdline | grep -q "gic-version=3" ||
          { ps -o user=,args= -p $pid; cat /proc/$pid/attr/current; exit 1; }'
}
check "L2's QEMU runs as libvirt-qemu, AppArmor-confined, with KVM and GICv3" qemu_runs_as_user
check "libvirt resolved machine 'virt' to virt-10.0-vcpuhp" \
    output_has "machine='virt-10.0-vcpuhp'" hv dumpxml l2
check "L2 boots through UEFI to its agent, under KVM" l2_agent_up l2 600
check "at boot: 2 live vCPUs of 4" vcpus_are l2 2
check "domstats --vcpu: vcpu.maximum=4" stat_is l2 maximum 4
check "virsh setvcpus l2 4 --live" hv setvcpus l2 4 --live
check "vcpucount, vcpuinfo and domstats say 4" vcpus_are l2 4
check "the guest has CPUs 0-3" guest_cpus l2 vcpus 0-3
check "virsh setvcpus l2 4 --guest onlines them through the agent" hv setvcpus l2 4 --guest
check "the guest has 0-3 online" guest_cpus l2 online 0-3
check "virsh setvcpu l2 3 --disable --live (an online vCPU)" hv setvcpu l2 3 --disable --live
check "3 vCPUs: vcpucount, vcpuinfo, domstats" vcpus_are l2 3
check "the guest has CPUs 0-2" guest_cpus l2 vcpus 0-2
check "virsh setvcpu l2 3 --enable --live" hv setvcpu l2 3 --enable --live
check "4 vCPUs again" vcpus_are l2 4
check "virsh setvcpus l2 2 --live" hv setvcpus l2 2 --live
check "2 vCPUs: vcpucount, vcpuinfo, domstats" vcpus_are l2 2
check "the guest has CPUs 0-1" guest_cpus l2 vcpus 0-1
cycles() {
    local i
    for ((i = 1; i <= CYCLES; i++)); do
        hv setvcpus l2 4 --live && hv setvcpus l2 4 --guest && guest_cpus l2 online 0-3 &&
            hv setvcpus l2 2 --live && vcpus_are l2 2 && guest_cpus l2 vcpus 0-1 \
            || { echo "cycle $i failed"; return 1; }
    done
}
check "$CYCLES cycles of 2 -> 4 (onlined) -> 2 reuse the parked KVM vCPUs" cycles
check "virsh destroy l2" hv destroy l2

if [ -n "$deb_disk" ]; then
    # The real guest in the real host: UEFI and GRUB from its disk, systemd, the
    # project's udev rule; its disk is L1's block device.
    l2_xml deb 1024 "<boot dev='hd'/>" "<disk type='block' device='disk'>
      <driver name='qemu' type='raw'/><source dev='/dev/disk/by-id/virtio-vcpuhp-debian'/>
      <target dev='vda' bus='virtio'/></disk>" > "$tmp/deb.xml"
    check "the Debian guest's domain is in L1" put "$tmp/deb.xml" /root/deb.xml
    start_deb() { hv define /root/deb.xml && hv start deb; }
    check "virsh define deb.xml; virsh start deb (KVM, its disk a block device of L1)" start_deb
    check "the Debian guest boots through UEFI and GRUB to its agent, under KVM" \
        l2_agent_up deb 1500
    check "systemd has finished booting the guest" \
        l2 deb 'systemctl is-system-running --wait' 900
    # deb_online MASK: the guest's online mask becomes MASK (bounded: 300 s).
    deb_online() { l2 deb "$(online_wait_script "$1" 300)" 330; }
    check "at boot: online 0-1" deb_online 0-1
    stress=$(l2 deb 'nohup stress-ng --cpu 4 --verify --metrics-brief -t 7200 \
                         >/root/stress.log 2>&1 </dev/null & echo $!')
    check "stress-ng --cpu 4 --verify runs in the guest" test -n "$stress"
    deb_cycles() {
        local i
        for ((i = 1; i <= DEB_CYCLES; i++)); do
            hv setvcpus deb 4 --live && deb_online 0-3 && hv setvcpus deb 2 --live &&
                deb_online 0-1 || { echo "cycle $i failed"; return 1; }
        done
    }
    check "$DEB_CYCLES cycles of 2 -> 4 (the udev rule onlines them) -> 2 under load" deb_cycles
    check "stress-ng was running throughout" l2 deb "kill -0 $stress"
    # (stress-ng is the child of a shell that has ended: its exit status is out of
    # reach, and its log's "successful run completed", written only when it succeeds,
    # stands for it.)
    check "stress-ng ends normally on SIGALRM: all 4 workers passed, none failed" \
        l2 deb "kill -ALRM $stress; while kill -0 $stress 2>/dev/null; do sleep 0.2; done;
                grep -q 'passed: 4: cpu (4)' /root/stress.log &&
                grep -q 'successful run completed' /root/stress.log &&
                ! grep -E 'failed: [1-9]|untrustworthy: [1-9]' /root/stress.log ||
                { cat /root/stress.log; exit 1; }" 300
    check "nothing left of vCPUs 2-3: the guest's enabled and online 0-1" \
        l2 deb 'test "$(cat /sys/devices/system/cpu/enabled) $(cat /sys/devices/system/cpu/online)" = "0-1 0-1"'
    check "nothing left in libvirt: vcpucount, vcpuinfo, domstats say 2" vcpus_are deb 2
    check "virsh shutdown deb powers the guest off" \
        host "virsh -q -c qemu:///system shutdown deb && for i in \$(seq 600); do
                  [ \"\$(virsh -q -c qemu:///system domstate deb)\" = 'shut off' ] && exit 0; sleep 0.5
              done; exit 1" 400
fi
finish
