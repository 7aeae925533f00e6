# Shared helpers for the project's shell scripts (sourced, not run).
VCPUHP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Downloads and builds live outside the checkout so that CI on the same machine and
# later sessions reuse them.
VCPUHP_CACHE=${VCPUHP_CACHE:-/var/cache/vcpuhp}

log() { printf 'vcpuhp: %s\n' "$*" >&2; }
die() { printf 'vcpuhp: error: %s\n' "$*" >&2; exit 1; }

# keep_recent DIR: DIR is a cache entry that was just built or used; keeps it and the
# most recently used other entry beside it (a developer switching between two
# versions), and removes older ones so the cache does not grow with every change.
keep_recent() {
    local dir=${1%/} old
    touch "$dir"
    ls -1dt "$(dirname "$dir")"/*/ 2>/dev/null | tail -n +3 | while read -r old; do
        [ "${old%/}" = "$dir" ] || rm -rf "$old"
    done
}
