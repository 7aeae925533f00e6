#!/bin/bash
# libvirt-install-test.sh [amd64|arm64]
# Installs the libvirt packages of libvirt-build.sh with apt over Debian's own in a
# clean Debian 13 root, as a user would, checks that they work, and goes back to
# Debian's (issue 13); mirrors install-test.sh, which does the same for QEMU:
#   1. a fresh trixie root (mmdebstrap) with Debian's libvirt-daemon-system and
#      libvirt-clients installed; its QEMU driver lacks our series' messages;
#   2. our repository added ("deb [trusted=yes] file:... ./"), apt-get full-upgrade:
#      the same libvirt packages are installed, every one ours now (+vcpuhpN), and
#      dpkg --audit clean;
#   3. they work: virsh, libvirtd and virtlogd say 11.3.0 (Debian's packaging does
#      not install the modular daemons, virtqemud and the like), the QEMU driver
#      module loads in-process (virsh on qemu:///embed), and it holds what our
#      series added (its messages, by strings);
#   4. our repository removed, apt-get install --allow-downgrades PKG/trixie for each:
#      every package is Debian's again, as before, dpkg --audit clean.
# No daemon is started (a policy-rc.d refuses it in the root). arm64 runs the arm64
# root through qemu-user (tools/setup/binfmt-arm64.sh). Prints one line per step,
# writes them to install-test.txt beside the packages, exits non-zero on a failure.
# VCPUHP_KEEP_ROOT=1 keeps the root for a look afterwards.
# Outside CI (see the README).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

arch=${1:-amd64}
case $arch in amd64) triplet=x86_64-linux-gnu ;; arm64) triplet=aarch64-linux-gnu ;;
    *) die "usage: libvirt-install-test.sh [amd64|arm64]" ;; esac
[ "$arch" = amd64 ] || "$VCPUHP_ROOT/tools/setup/binfmt-arm64.sh"
debs=$("$VCPUHP_ROOT/tools/package/libvirt-build.sh" "$arch")
report=$debs/install-test.txt
root=$(mktemp -d /var/tmp/vcpuhp-libvirt-install-XXXXXX)
mounts=()
cleanup() {
    local m
    for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do umount -l "${mounts[m]}" || true; done
    if [ -n "${VCPUHP_KEEP_ROOT:-}" ]; then log "the root is kept: $root"; else rm -rf "$root"; fi
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
    HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
apt_root() { in_root apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
# ours: the installed packages whose version is one of ours.
ours() { in_root dpkg-query -W -f '${Package} ${Version}\n' | awk '/\+vcpuhp[0-9]+$/ { print $1 }'; }
# libvirt_pkgs: the installed packages of the libvirt source: name, version, architecture.
libvirt_pkgs() {
    in_root dpkg-query -W -f '${db:Status-Abbrev} ${source:Package} ${Package} ${Version} ${Architecture}\n' |
        awk '$1 == "ii" && $2 == "libvirt" { print $3, $4, $5 }'
}
# all_ours: every installed package of the libvirt source is ours.
all_ours() { ! libvirt_pkgs | grep -v -e ' [^ ]*+vcpuhp[0-9]* [^ ]*$'; }
names() { awk '{ print $1 }'; }
# same_names: the same packages of the libvirt source are installed as at first (apt
# removes one rather than fail when the dependencies of ours cannot be met).
same_names() { diff <(names <<<"$debian_versions") <(libvirt_pkgs | names); }
audit_clean() { [ -z "$(in_root dpkg --audit)" ]; }
versions_are() {  # versions_are VERSION: virsh, libvirtd and virtlogd report it
    local t out
    for t in virsh libvirtd virtlogd; do
        out=$(in_root $t --version 2>&1) || { echo "$t: $out"; return 1; }
        grep -qw "$1" <<<"$out" || { echo "$t: $out"; return 1; }
    done
}
# qemu_driver_loads: virsh runs the QEMU driver in its own process (qemu:///embed), so
# the module of libvirt-daemon-driver-qemu must load and initialise with libvirt0.
qemu_driver_loads() {
    local dir out rc=0
    dir=$(mktemp -d "$root/tmp/vcpuhp-embed-XXXXXX") && dir=${dir#"$root"}
    out=$(in_root virsh -c "qemu:///embed?root=$dir" uri 2>&1) || rc=$?
    [ $rc = 0 ] && grep -qx "qemu:///embed?root=$dir" <<<"$out" \
        || { echo "virsh exited with $rc: $out"; return 1; }
}
# has_series yes|no: whether the QEMU driver holds the messages our series added
# (0006: what vCPU hotplug needs on aarch64 virt; 0003: inconsistent vCPU data).
has_series() {
    local module=$root/usr/lib/$triplet/libvirt/connection-driver/libvirt_driver_qemu.so n
    [ -r "$module" ] || { echo "no $module"; return 1; }
    n=$(strings "$module" | grep -c -e '^vCPU hotplug requires GIC version 3 or newer$' \
        -e 'is not listed by query-hotpluggable-cpus$' || true)
    if [ "$1" = yes ]; then [ "$n" = 2 ]; else [ "$n" = 0 ]; fi
}

log "a clean trixie $arch root with Debian's libvirt (in $root)"
uri=$(debian_archive_uri)
command -v strings >/dev/null || apt-get install -y -qq binutils >/dev/null
mmdebstrap --mode=root --architectures="$arch" --variant=apt \
    --include=libvirt-daemon-system,libvirt-clients \
    --customize-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"' \
    --customize-hook='chmod +x "$1/usr/sbin/policy-rc.d"' \
    trixie "$root" "deb $uri trixie main" >"$debs/install-test-mmdebstrap.log" 2>&1 \
    || die "mmdebstrap failed: see $debs/install-test-mmdebstrap.log"
for m in proc dev; do mount --bind "/$m" "$root/$m"; mounts+=("$root/$m"); done
debian_versions=$(libvirt_pkgs)
step "Debian's packages installed: $(echo $(libvirt_pkgs | names))" \
    test -z "$(ours)"
step "Debian's QEMU driver lacks our series' messages" has_series no

mkdir -p "$root/vcpuhp-debs"
cp "$debs"/*.deb "$debs/Packages" "$root/vcpuhp-debs/"
echo "deb [trusted=yes] file:/vcpuhp-debs ./" > "$root/etc/apt/sources.list.d/vcpuhp.list"
step "apt-get update with our repository" apt_root update
step "apt-get full-upgrade installs ours over Debian's" apt_root full-upgrade
step "the same libvirt packages are installed (none removed)" same_names
step "every libvirt package is ours now" all_ours
step "dpkg --audit is clean" audit_clean
step "virsh, libvirtd and virtlogd --version say 11.3.0" versions_are 11.3.0
step "the QEMU driver module loads (virsh on qemu:///embed)" qemu_driver_loads
step "the QEMU driver holds our series' messages (0003, 0006)" has_series yes

rm "$root/etc/apt/sources.list.d/vcpuhp.list"
step "apt-get update without our repository" apt_root update
installed=$(ours)
step "apt-get install --allow-downgrades PKG/trixie goes back to Debian's" \
    apt_root install --allow-downgrades $(for p in $installed; do echo "$p/trixie"; done)
step "no package of ours is left" test -z "$(ours)"
as_before() { diff <(echo "$debian_versions") <(libvirt_pkgs); }
step "the libvirt packages and versions are Debian's, as before" as_before
step "dpkg --audit is clean" audit_clean
step "Debian's QEMU driver is back (no series messages)" has_series no
step "the QEMU driver module loads (virsh on qemu:///embed)" qemu_driver_loads
{ echo "# $(date -u +%Y-%m-%dT%H:%MZ) $arch, $(basename "$debs"), $(ls "$debs"/*.deb | wc -l) packages"
  cat "$report.tmp"; } > "$report"
rm -f "$report.tmp"
[ $failed = 0 ] || die "the install test failed: see $report"
log "install test passed: $report"
