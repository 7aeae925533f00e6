# Shared helpers for the project's shell scripts (sourced, not run).
VCPUHP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Downloads and builds live outside the checkout so that CI on the same machine and
# later sessions reuse them.
VCPUHP_CACHE=${VCPUHP_CACHE:-/var/cache/vcpuhp}

log() { printf 'vcpuhp: %s\n' "$*" >&2; }
die() { printf 'vcpuhp: error: %s\n' "$*" >&2; exit 1; }

# keep_recent DIR [PREFIX]: DIR is a cache entry that was just built or used; keeps it
# and the most recently used other entry beside it (a developer switching between two
# versions), and removes older ones so the cache does not grow with every change. With
# PREFIX, only the entries whose names start with it count (one cache directory
# holding entries of several architectures).
keep_recent() {
    local dir=${1%/} old
    touch "$dir"
    ls -1dt "$(dirname "$dir")/${2:-}"*/ 2>/dev/null | tail -n +3 | while read -r old; do
        [ "${old%/}" = "$dir" ] || rm -rf "$old"
    done
}

# debian_archive_uri: the URI of the machine's own "bookworm" stanza in
# /etc/apt/sources.list.d/debian.sources, so that no host name is written into this
# repository; dies when there is none.
debian_archive_uri() {
    local sources=/etc/apt/sources.list.d/debian.sources uri
    [ -r "$sources" ] || die "cannot read $sources: no archive URI to reuse"
    uri=$(awk '
        /^URIs:/   { u = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") found = u }
        /^$/       { u = "" }
        END        { print found }' "$sources")
    [ -n "$uri" ] || die "no 'bookworm' suite in $sources: cannot derive the archive URI"
    echo "$uri"
}
