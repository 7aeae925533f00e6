# Shared helpers for the project's shell scripts (sourced, not run).
VCPUHP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Downloads and builds live outside the checkout so that CI on the same machine and
# later sessions reuse them.
VCPUHP_CACHE=${VCPUHP_CACHE:-/var/cache/vcpuhp}

log() { printf 'vcpuhp: %s\n' "$*" >&2; }
die() { printf 'vcpuhp: error: %s\n' "$*" >&2; exit 1; }
