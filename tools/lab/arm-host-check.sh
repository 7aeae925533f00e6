#!/bin/bash
# arm-host-check.sh [MESON TEST ARGS...]
# The real ARM host's test (tests/interop/test-arm-host.sh), outside CI: builds (or
# reuses) everything check.sh does plus the arm64 packages (tools/package/build.sh
# arm64, about 45 minutes cold) and the ARM host image (tools/lab/build-arm-host.sh,
# about 20 minutes), then runs meson's suite "arm-host" (about 30 minutes). Writes the
# TAP lines to test-result.txt beside the host image, the last result the README cites.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
start=$(date +%s)
PREPARE_DEBIAN_GUEST=1 PREPARE_ARM_HOST=1
. "$VCPUHP_ROOT/tools/lib/prepare.sh"
log "set-up and builds took $(( $(date +%s) - start )) s; running the ARM host's test"
rc=0
meson test -C "$VCPUHP_BUILD" --print-errorlogs --suite arm-host "$@" || rc=$?
{ echo "# $(date -u +%Y-%m-%dT%H:%MZ) commit $(git -C "$VCPUHP_ROOT" rev-parse --short HEAD)," \
       "host $(basename "$ARM_HOST"), $(( $(date +%s) - start )) s in all"
  grep -E '^(not )?ok ' "$VCPUHP_BUILD/meson-logs/testlog.txt" || true
} > "$ARM_HOST/test-result.txt"
log "result: $ARM_HOST/test-result.txt"
exit $rc
