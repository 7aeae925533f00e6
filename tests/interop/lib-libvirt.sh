# Sourced by the interop tests: the private stock libvirtd and the lab domain "hp"
# of tools/lib/libvirt-session.sh in a fresh $tmp, plus TAP helpers and the short
# names the tests use. Needs VCPUHP_QEMU, VCPUHP_LAB and VCPUHP_TOOL (set by meson).
: "${VCPUHP_QEMU:?run through meson test}" "${VCPUHP_LAB:?run through meson test}"
: "${VCPUHP_TOOL:?run through meson test}"
. "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/libvirt-session.sh"
tmp=$(mktemp -d /tmp/vcpuhp-lv-XXXXXX)
lv_init "$tmp" "$VCPUHP_QEMU" "$VCPUHP_LAB" "$VCPUHP_TOOL"
n=0 failed=0
E=("${lv_env[@]}")
URI="qemu+unix:///session?socket=$lv_socket"
as_nobody() { lv_as_nobody "$@"; }
virsh() { lv_virsh "$@"; }
guest() { lv_guest "$1"; }
wait_guest() { lv_wait_guest; }
domain_xml() { lv_domain_xml "$1"; }
start_daemon() { lv_start_daemon; }
stop_daemon() { lv_stop_daemon; }
cleanup() { lv_cleanup; }
trap cleanup EXIT
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then echo "ok $n - $what"
    else failed=1; echo "not ok $n - $what"; sed 's/^/# /' <<<"$out"; fi
}
finish() { echo "1..$n"; exit $failed; }
# output_has PATTERN COMMAND...: COMMAND's output (stdout and stderr) has PATTERN.
output_has() {
    local pat=$1 out; shift
    out=$("$@" 2>&1)
    grep -q -- "$pat" <<<"$out" || { echo "no \"$pat\" in the output of $*:"; echo "$out"; return 1; }
}
mask() { guest "cat /sys/devices/system/cpu/$1"; }
live_vcpus() { virsh vcpucount hp --live --active; }
