#!/bin/bash
# demo.sh
# The main job, from a fresh Debian 12 machine (as root): installs the
# dependencies, builds (or reuses) the QEMU of vmm/ and the lab guests, boots an
# aarch64 guest under TCG with -smp cpus=2,maxcpus=6, prints the guest's
# possible/present/enabled/online CPU masks, then plugs vCPU 2 live (device_add),
# onlines it, runs work pinned to it and unplugs it (device_del), printing the
# masks after each step.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$VCPUHP_ROOT/tools/lib/prepare.sh"
exec "$VCPUHP_BUILD/tools/vcpuhp/vcpuhp" hotplug --qemu "$QEMU_BINARY" --lab "$LAB_DIR" \
    --smp cpus=2,maxcpus=6 --cpu 2
