#!/bin/bash
# Adds the Debian suites vcpuhp needs (bookworm-backports for the stock QEMU 10.0 /
# libvirt 11.3 baselines and meson >= 1.5; trixie for the pinned upstream sources and
# the guest kernels) and the arm64 architecture for guest packages.
#
# The archive URI is read from the machine's own configuration: no host name is
# written into this repository.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

ours=/etc/apt/sources.list.d/vcpuhp.sources
prefs=/etc/apt/preferences.d/vcpuhp

uri=$(debian_archive_uri)

want=$(cat <<EOS
Types: deb deb-src
URIs: $uri
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
)
want_prefs=$(cat <<EOS
# trixie is only a source of pinned upstream sources and guest packages:
# never let it replace the host's bookworm packages.
Package: *
Pin: release n=trixie
Pin-Priority: 50
EOS
)

changed=0
if [ "$(cat "$ours" 2>/dev/null)" != "$want" ]; then
    printf '%s\n' "$want" > "$ours"; changed=1
fi
if [ "$(cat "$prefs" 2>/dev/null)" != "$want_prefs" ]; then
    printf '%s\n' "$want_prefs" > "$prefs"; changed=1
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64; changed=1
fi
stamp=/var/lib/apt/lists/.vcpuhp-updated
if [ $changed = 1 ] || [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
    log "apt-get update (suites: bookworm-backports, trixie; arches: amd64, arm64)"
    apt-get update -qq || die "apt-get update failed: check $ours and the network"
    touch "$stamp"
fi
