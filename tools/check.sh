#!/bin/bash
# check.sh [MESON TEST ARGS...]
# The whole test suite, from a fresh Debian 12 machine (as root): installs the
# dependencies, builds (or reuses from /var/cache/vcpuhp) the patched QEMU, libvirt
# and the lab guests, builds the project and runs every suite with meson test:
#   unit         the glue library against captured and malformed input; the vcpuhp
#                tool against a fake VM and libvirt's test driver (JSON against
#                schemas/); the message catalogue po/vcpuhp.pot is up to date
#   setup        the set-up scripts' errors (bad checksum, missing version/package)
#                the patch-series work tree / export round trip, the stock baselines
#   integration  real QEMU, real arm64/x86_64 guests under TCG, and under KVM in
#                the nested ARM KVM lab (an arm64 L1 guest with /dev/kvm running
#                the arm64 build of our QEMU)
#   interop      Debian's stock libvirt 11.3 driving our QEMU (virsh setvcpus --live),
#                and vcpuhp check/status/set on its domain; a real Debian 13 guest
#                (systemd, udev, qemu-guest-agent, UEFI) resized under load
#   reliability  three minutes of fuzzing the guest-facing vCPU hotplug interface,
#                QEMU's cpu-plug-test and 25 eject-under-load cycles, on the clang +
#                ASan + UBSan build
#   upstream     QEMU's check-qtest-aarch64 and libvirt's own test suite, on the
#                trees built from our series
# Ends with "vcpuhp: N passed, N failed, N skipped"; exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
start=$(date +%s)
PREPARE_LIBVIRT=1 PREPARE_NESTED=1 PREPARE_SANITIZED=1 PREPARE_DEBIAN_GUEST=1
. "$VCPUHP_ROOT/tools/lib/prepare.sh"
log "set-up and builds took $(( $(date +%s) - start )) s; running the tests"
rc=0
# The ARM host's suite runs outside CI (tools/lab/arm-host-check.sh).
meson test -C "$VCPUHP_BUILD" --print-errorlogs --no-suite arm-host "$@" || rc=$?
/usr/bin/python3 "$VCPUHP_ROOT/tools/lib/test-summary.py" "$VCPUHP_BUILD/meson-logs/testlog.json" || rc=1
log "total $(( $(date +%s) - start )) s"
exit $rc
