#!/bin/bash
# demo.sh
# The main job, from a fresh Debian 12 machine (as root): installs the
# dependencies, builds (or reuses) the QEMU of vmm/ and the lab guests, boots an
# aarch64 guest under TCG with -smp cpus=2,maxcpus=6, prints the guest's
# possible/present/enabled/online CPU masks, then plugs vCPU 2 live (device_add),
# onlines it, runs work pinned to it and unplugs it (device_del), printing the
# masks after each step. Then the same through Debian's unmodified libvirt:
# `virsh setvcpus --live` up to 4 vCPUs and back to 2 (tools/lab/libvirt-demo.sh).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$VCPUHP_ROOT/tools/lib/prepare.sh"
echo "== QEMU: device_add / device_del, as libvirt sends them"
"$VCPUHP_BUILD/tools/lab/vcpuhp-lab" hotplug --qemu "$QEMU_BINARY" --lab "$LAB_DIR" \
    --smp cpus=2,maxcpus=6 --cpu 2
echo
echo "== libvirt: virsh setvcpus --live"
"$VCPUHP_ROOT/tools/lab/libvirt-demo.sh" "$QEMU_BINARY" "$LAB_DIR" "$VCPUHP_BUILD/tools/lab/vcpuhp-lab"
echo
echo "== more: a real Debian 13 guest (systemd, udev rule, qemu-guest-agent, UEFI) resized"
echo "   under load through libvirt: ./tools/check.sh builds it and runs it (the test"
echo "   debian-guest); Debian packages of our QEMU: tools/package/ (README, Debian packages);"
echo "   a real ARM KVM host with Debian's libvirt and our packages: tools/lab/arm-host-check.sh"
