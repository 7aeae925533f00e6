#!/bin/bash
# The stock baselines the project compares against are installed from
# bookworm-backports: QEMU 10.0.x (aarch64 and x86_64), libvirt 11.3 (libvirtd,
# virtlogd, virsh and the QEMU driver), and a stock libvirtd answers virsh.
# TAP output.
set -uo pipefail
n=0 failed=0
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then echo "ok $n - $what"
    else failed=1; echo "not ok $n - $what"; sed 's/^/# /' <<<"$out"; fi
}
version_is() {  # version_is PREFIX COMMAND...: the first line of COMMAND has PREFIX
    local prefix=$1; shift
    "$@" | head -n1 | grep -qF -- "$prefix"
}

check "qemu-system-aarch64 is 10.0" version_is "QEMU emulator version 10.0." qemu-system-aarch64 --version
check "qemu-system-x86_64 is 10.0" version_is "QEMU emulator version 10.0." qemu-system-x86_64 --version
check "libvirtd is 11.3" version_is "libvirtd (libvirt) 11.3." libvirtd --version
check "virtlogd is 11.3" version_is "virtlogd (libvirt) 11.3." virtlogd --version
check "virsh is 11.3" version_is "11.3." virsh --version
check "the QEMU driver is installed" test -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so

# A private stock libvirtd (its own socket and directories) answers virsh.
tmp=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME/libvirt"
# As a non-root user libvirtd runs in session mode in these directories; as root it
# would take over the system paths, so run it as nobody.
chown -R nobody "$tmp"
runuser -u nobody -- env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
    XDG_CACHE_HOME="$XDG_CACHE_HOME" HOME="$tmp" libvirtd --timeout 60 >"$tmp/libvirtd.log" 2>&1 &
pid=$!
uri="qemu:///session"
ready=no
for _ in $(seq 100); do   # bounded wait for the daemon's socket (at most 10 s)
    [ -S "$XDG_RUNTIME_DIR/libvirt/libvirt-sock" ] && { ready=yes; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
check "a stock libvirtd starts" test $ready = yes
check "virsh talks to it" runuser -u nobody -- env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
    XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_CACHE_HOME="$XDG_CACHE_HOME" HOME="$tmp" \
    virsh -c "$uri" version
echo "1..$n"
exit $failed
