#!/bin/bash
# The clients users already have (issue 13), against Debian's stock libvirt 11.3 and
# our QEMU, on the lab's aarch64 guest:
#   - the libvirt Python API as virt-manager and Nova call it: setVcpusFlags(N,
#     VIR_DOMAIN_AFFECT_LIVE) up and down, read back with vcpusFlags() and vcpus()
#     (libvirt-python-resize.py);
#   - virt-install --vcpus 2,maxvcpus=4, as virt-manager creates a domain: it writes no
#     <gic>, stock libvirt picks GICv2 under TCG and the resize fails with QEMU's reason;
#     vcpuhp check names the fix, virt-xml applies it, and the same domain then resizes;
#   - a KubeVirt-shaped domain: a sockets topology and an explicit <vcpus> list, grown
#     and shrunk with setVcpusFlags.
# With VCPUHP_LIBVIRT_BUILD (the test libvirt-clients-ours), the same clients talk to
# the libvirtd built from our series instead: it picks GICv3 for virt-install's domain
# (series patch 0005), which then resizes as created.
# TAP output.
set -uo pipefail
. "$(dirname "$0")/lib-libvirt.sh"
: "${VCPUHP_CLI:?run through meson test}"
resize() { as_nobody /usr/bin/python3 "$(dirname "$0")/libvirt-python-resize.py" qemu:///session "$@"; }
enabled_is() { test "$(guest "wait_cpu_mask enabled $2 $3 300")" = "$1"; }
define_start() { virsh define "$1" && virsh start hp; }
restart() { virsh destroy hp && virsh start hp; }
ours=${VCPUHP_LIBVIRT_BUILD:-}
[ -z "$ours" ] || lv_use_libvirt_build "$ours" || exit 1
start_daemon

# The Python API on the lab domain.
domain_xml "<vcpu placement='static' current='2'>4</vcpu>" > "$tmp/hp.xml"
check "define and start the lab domain" define_start "$tmp/hp.xml"
check "the guest boots" wait_guest
check "python: setVcpusFlags(4, LIVE); vcpusFlags() and vcpus() say 4" resize hp 4
check "the guest's enabled mask is 0-3" enabled_is 0-3 3 yes
check "python: setVcpusFlags(2, LIVE); vcpusFlags() and vcpus() say 2" resize hp 2
check "the guest's enabled mask is 0-1" enabled_is 0-1 2 no
check "python: setVcpusFlags(5, LIVE) over the maximum is refused, nothing changes" \
    resize hp 5 --refused 'greater than max allowable vcpus'
virsh destroy hp >/dev/null; virsh undefine --nvram hp >/dev/null

# virt-install, as virt-manager does it (kernel boot of the lab guest; UEFI from the
# QEMU build's firmware, as a host without firmware descriptors needs).
vi_args=(--connect qemu:///session --name hp --arch aarch64 --machine virt --virt-type qemu
    --memory 512 --vcpus 2,maxvcpus=4 --osinfo detect=on,require=off
    --boot "loader=$lv_fw/AAVMF_CODE.no-secboot.fd,loader.readonly=yes,loader.type=pflash,nvram.template=$lv_fw/AAVMF_VARS.fd,kernel=$VCPUHP_LAB/arm64/vmlinuz,initrd=$VCPUHP_LAB/arm64/initrd.img,kernel_args=console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0"
    --disk none --network none --graphics none --serial "unix,path=$tmp/serial.sock,mode=bind"
    --xml "./devices/emulator=$VCPUHP_QEMU" --noautoconsole --import)
as_nobody virt-install "${vi_args[@]}" --print-xml > "$tmp/virt-install.xml"
check "virt-install's domain has <vcpu current='2'>4</vcpu> and no <gic>" \
    sh -c "grep -q '<vcpu current=.2.>4</vcpu>' '$tmp/virt-install.xml' &&
           ! grep -q '<gic' '$tmp/virt-install.xml'"
check "virt-install --vcpus 2,maxvcpus=4 creates and starts the domain" \
    as_nobody virt-install "${vi_args[@]}"
check "the guest boots" wait_guest
if [ -z "$ours" ]; then
    check "the running domain has <gic version='2'/>" \
        output_has "<gic version='2'/>" virsh dumpxml hp
    check "python: setVcpusFlags(4, LIVE) is refused with QEMU's reason" \
        resize hp 4 --refused 'vCPU hotplug is not available: it needs gic-version=3 or later'
    check "vcpuhp check names the problem and the virt-xml fix" \
        output_has 'virt-xml DOMAIN --edit --features gic.version=3' \
        as_nobody "$VCPUHP_CLI" check hp --connect qemu:///session
    check "virt-xml hp --edit --features gic.version=3" \
        as_nobody virt-xml --connect qemu:///session hp --edit --features gic.version=3
    check "power off and start" restart
    check "the guest boots" wait_guest
else
    check "our libvirt gave the domain <gic version='3'/> when virt-install defined it" \
        output_has "<gic version='3'/>" virsh dumpxml --inactive hp
    check "the running domain has <gic version='3'/>" \
        output_has "<gic version='3'/>" virsh dumpxml hp
fi
check "vcpuhp check: hotplug-ready" output_has '^hp (hp): hotplug-ready' \
    as_nobody "$VCPUHP_CLI" check hp --connect qemu:///session
check "python: setVcpusFlags(4, LIVE) now succeeds" resize hp 4
check "the guest's enabled mask is 0-3" enabled_is 0-3 3 yes
check "python: setVcpusFlags(2, LIVE)" resize hp 2
check "the guest's enabled mask is 0-1" enabled_is 0-1 2 no
virsh destroy hp >/dev/null; virsh undefine --nvram hp >/dev/null

# KubeVirt's shape: a socket per vCPU, boot vCPUs not hotpluggable, the rest listed
# disabled and hotpluggable; virt-launcher resizes with SetVcpusFlags(N, LIVE).
domain_xml "<vcpu placement='static' current='2'>4</vcpu>
  <vcpus>
    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
    <vcpu id='1' enabled='yes' hotpluggable='no' order='2'/>
    <vcpu id='2' enabled='no' hotpluggable='yes'/>
    <vcpu id='3' enabled='no' hotpluggable='yes'/>
  </vcpus>" | sed "s|</model></cpu>|</model><topology sockets='4' dies='1' cores='1' threads='1'/></cpu>|" \
    > "$tmp/kubevirt.xml"
chown nobody "$tmp/kubevirt.xml"
check "the KubeVirt-shaped domain has 4 sockets" grep -q "sockets='4'" "$tmp/kubevirt.xml"
check "define and start it" define_start "$tmp/kubevirt.xml"
check "the guest boots" wait_guest
check "python: setVcpusFlags(3, LIVE) plugs socket 2" resize hp 3
check "dumpxml: vCPU 2 enabled, order 3" \
    output_has "<vcpu id='2' enabled='yes' hotpluggable='yes' order='3'/>" virsh dumpxml hp
check "python: setVcpusFlags(4, LIVE)" resize hp 4
check "the guest's enabled mask is 0-3" enabled_is 0-3 3 yes
check "python: setVcpusFlags(2, LIVE)" resize hp 2
check "the guest's enabled mask is 0-1" enabled_is 0-1 2 no
check "dumpxml: vCPUs 2 and 3 disabled again" \
    output_has "<vcpu id='3' enabled='no' hotpluggable='yes'/>" virsh dumpxml hp
finish
