#!/bin/bash
# install-test.sh [amd64|arm64]
# Installs the packages of build.sh with apt over Debian's own in a clean Debian 13
# root, as a user would, checks that they work, and goes back to Debian's (issue 13):
#   1. a fresh trixie root (mmdebstrap) with Debian's qemu-system-arm, qemu-system-x86
#      and qemu-utils installed;
#   2. our repository added ("deb [trusted=yes] file:... ./"), apt-get full-upgrade:
#      every qemu package must now be ours (+vcpuhp), and dpkg --audit clean;
#   3. they work: the hotplug machine type is there, a vCPU plugs through QMP
#      (device_add on virt with GICv3), x86's q35 finds its firmware, the modules load;
#   4. on amd64, the vcpuhp tool's package (build-tool.sh) installs with apt, and
#      vcpuhp --version, its man page and vcpuhp check of a domain XML work;
#   5. our repository removed, apt-get install --allow-downgrades PKG/trixie for each:
#      every package is Debian's again, the machine type gone, dpkg --audit clean.
# arm64 runs the arm64 root through qemu-user (tools/setup/binfmt-arm64.sh). Prints
# one line per step, writes them to install-test.txt beside the packages, exits non-zero
# on a failure. Outside CI (see the README).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

arch=${1:-amd64}
case $arch in amd64|arm64) ;; *) die "usage: install-test.sh [amd64|arm64]" ;; esac
[ "$arch" = amd64 ] || "$VCPUHP_ROOT/tools/setup/binfmt-arm64.sh"
debs=$("$VCPUHP_ROOT/tools/package/build.sh" "$arch")
tool_debs=
[ "$arch" != amd64 ] || tool_debs=$("$VCPUHP_ROOT/tools/package/build-tool.sh")
report=$debs/install-test.txt
root=$(mktemp -d /var/tmp/vcpuhp-install-XXXXXX)
mounts=()
cleanup() {
    local m
    for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do umount -l "${mounts[m]}" || true; done
    rm -rf "$root"
}
trap cleanup EXIT
failed=0
: > "$report.tmp"
step() {  # step DESCRIPTION COMMAND...: runs COMMAND in this shell, records the result
    local what=$1 out rc=0; shift
    out=$("$@" 2>&1) || rc=$?
    if [ $rc = 0 ]; then echo "ok - $what" | tee -a "$report.tmp"
    else failed=1; { echo "not ok - $what"; sed 's/^/# /' <<<"$out"; } | tee -a "$report.tmp"; fi
}
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }
apt_root() { in_root apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
# ours: the installed packages whose version is one of ours.
ours() { in_root dpkg-query -W -f '${Package} ${Version}\n' | awk '/\+vcpuhp[0-9]+$/ { print $1 }'; }
qemu_pkgs() { in_root dpkg-query -W -f '${Package} ${Version}\n' 'qemu-*' | awk 'NF == 2'; }
# all_ours: every installed package of the qemu source is ours, but qemu-system-data:
# the package build makes the architecture-dependent packages (-B), and Debian's data
# package of the same upstream version serves ours. (qemu-efi-aarch64 is edk2's.)
all_ours() { ! qemu_pkgs | grep -v -e '+vcpuhp[0-9]*$' -e '^qemu-system-data ' -e '^qemu-efi-'; }
audit_clean() { [ -z "$(in_root dpkg --audit)" ]; }
x86_firmware() {
    echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' |
        in_root timeout 300 qemu-system-x86_64 -M q35 -accel tcg -display none -S -qmp stdio
}
# (The output is taken whole first: grep -q ending the pipe early could kill QEMU by
# SIGPIPE, which pipefail would report as a failure.)
modules_load() {
    local out
    out=$(in_root qemu-system-aarch64 -display help) && grep -qx curses <<<"$out"
}

# qmp_plug: starts the aarch64 QEMU paused with a QMP session on stdio and Debian's
# UEFI firmware (hotplug needs ACPI, which virt builds for firmware), plugs the second
# vCPU and checks that QEMU then counts two CPUs.
qmp_plug() {
    local out
    out=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
        '{"execute":"device_add","arguments":{"driver":"max-arm-cpu","id":"vcpu1","socket-id":0,"cluster-id":0,"core-id":1,"thread-id":0}}' \
        '{"execute":"query-cpus-fast"}' '{"execute":"quit"}' |
        in_root timeout 300 qemu-system-aarch64 -M virt,gic-version=3 -accel tcg -cpu max \
            -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd \
            -smp 1,maxcpus=2 -nodefaults -display none -S -qmp stdio)
    jq -se '[.[] | select(.return | type == "array")][0].return | length == 2' <<<"$out" \
        >/dev/null || { echo "$out"; return 1; }
}
machine_is() {  # machine_is yes|no: whether -M help lists the hotplug machine type
    local list
    list=$(in_root qemu-system-aarch64 -M help)
    if grep -q '^virt-10.0-vcpuhp ' <<<"$list"; then [ "$1" = yes ]; else [ "$1" = no ]; fi
}

log "a clean trixie $arch root with Debian's QEMU (in $root)"
uri=$(debian_archive_uri)
mmdebstrap --mode=root --architectures="$arch" --variant=apt \
    --include=qemu-system-arm,qemu-system-x86,qemu-utils,qemu-efi-aarch64 \
    trixie "$root" "deb $uri trixie main" >"$debs/install-test-mmdebstrap.log" 2>&1 \
    || die "mmdebstrap failed: see $debs/install-test-mmdebstrap.log"
for m in proc dev; do mount --bind "/$m" "$root/$m"; mounts+=("$root/$m"); done
debian_versions=$(qemu_pkgs)
step "Debian's packages installed: $(echo $(qemu_pkgs | awk '{ print $1 }'))" \
    test -z "$(ours)"
step "Debian's QEMU has no hotplug machine type" machine_is no

mkdir -p "$root/vcpuhp-debs"
cp "$debs"/*.deb "$debs/Packages" "$root/vcpuhp-debs/"
echo "deb [trusted=yes] file:/vcpuhp-debs ./" > "$root/etc/apt/sources.list.d/vcpuhp.list"
step "apt-get update with our repository" apt_root update
step "apt-get full-upgrade installs ours over Debian's" apt_root full-upgrade
step "every qemu package is ours now (Debian's qemu-system-data serves it)" all_ours
step "dpkg --audit is clean" audit_clean
step "qemu-system-aarch64 -M help lists virt-10.0-vcpuhp" machine_is yes
step "a vCPU plugs through QMP (device_add on virt, GICv3)" qmp_plug
step "qemu-system-x86_64 -M q35 finds its firmware and data files" x86_firmware
step "the modules load (ui-curses of qemu-system-common)" modules_load

if [ -n "$tool_debs" ]; then
    mkdir -p "$root/vcpuhp-tool"
    cp "$tool_debs"/*.deb "$tool_debs/Packages" "$root/vcpuhp-tool/"
    echo "deb [trusted=yes] file:/vcpuhp-tool ./" >> "$root/etc/apt/sources.list.d/vcpuhp.list"
    cp "$VCPUHP_ROOT/tests/unit/fixtures/domains/ready.xml" "$root/ready.xml"
    tool_works() {
        in_root vcpuhp --version | grep -q '^vcpuhp ' &&
        [ -e "$root/usr/share/man/man1/vcpuhp.1.gz" ] &&
        in_root vcpuhp check /ready.xml | grep -q ': hotplug-ready$'
    }
    tool_install() { apt_root update >/dev/null && apt_root install vcpuhp; }
    step "apt-get install vcpuhp (the tool's package)" tool_install
    step "vcpuhp --version, its man page, vcpuhp check of a ready domain" tool_works
    step "apt-get purge vcpuhp" apt_root purge vcpuhp
fi
rm "$root/etc/apt/sources.list.d/vcpuhp.list"
step "apt-get update without our repository" apt_root update
installed=$(ours)
step "apt-get install --allow-downgrades PKG/trixie goes back to Debian's" \
    apt_root install --allow-downgrades $(for p in $installed; do echo "$p/trixie"; done)
step "no package of ours is left" test -z "$(ours)"
step "the qemu packages and versions are Debian's, as before" \
    test "$(qemu_pkgs)" = "$debian_versions"
step "dpkg --audit is clean" audit_clean
step "the hotplug machine type is gone" machine_is no
{ echo "# $(date -u +%Y-%m-%dT%H:%MZ) $arch, $(basename "$debs"), $(ls "$debs"/*.deb | wc -l) packages"
  cat "$report.tmp"; } > "$report"
rm -f "$report.tmp"
[ $failed = 0 ] || die "the install test failed: see $report"
log "install test passed: $report"
