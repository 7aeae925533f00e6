# Sourced by the interop tests: a private stock libvirtd (session mode, run as
# nobody, its own XDG directories under $tmp) and an aarch64 lab domain "hp"
# (virt, GICv3, ACPI, UEFI pflash, the lab's kernel and initrd, TCG) whose serial
# port is the guest's command channel (tools/lab/guest-init.sh), plus TAP helpers.
# Needs VCPUHP_QEMU, VCPUHP_LAB and VCPUHP_TOOL (the vcpuhp tool; set by meson).
: "${VCPUHP_QEMU:?run through meson test}" "${VCPUHP_LAB:?run through meson test}"
: "${VCPUHP_TOOL:?run through meson test}"
# The 64 MiB AAVMF images that libvirt's pflash loader needs come with the QEMU
# build (tools/upstream/qemu-test-firmware.sh).
fw="$(dirname "$(dirname "$VCPUHP_QEMU")")/firmware/root/usr/share/AAVMF"
tmp=$(mktemp -d /tmp/vcpuhp-lv-XXXXXX)
n=0 failed=0 pid=
E=(env XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/cfg" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp/home")
URI="qemu+unix:///session?socket=$tmp/run/libvirt/libvirt-sock"
as_nobody() { timeout 120 runuser -u nobody -- "${E[@]}" "$@"; }
virsh() { as_nobody /usr/bin/virsh -q -c qemu:///session "$@"; }
cleanup() {
    virsh destroy hp >/dev/null 2>&1
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then echo "ok $n - $what"
    else failed=1; echo "not ok $n - $what"; sed 's/^/# /' <<<"$out"; fi
}
finish() { echo "1..$n"; exit $failed; }
# guest COMMAND: runs COMMAND in the guest over its serial socket, prints its output.
guest() { "$VCPUHP_TOOL" guest --socket "$tmp/serial.sock" --timeout 30 "$1"; }
# output_has PATTERN COMMAND...: COMMAND's output (stdout and stderr) has PATTERN.
output_has() {
    local pat=$1 out; shift
    out=$("$@" 2>&1)
    grep -q -- "$pat" <<<"$out" || { echo "no \"$pat\" in the output of $*:"; echo "$out"; return 1; }
}
mask() { guest "cat /sys/devices/system/cpu/$1"; }
live_vcpus() { virsh vcpucount hp --live --active; }
# wait_guest: the guest's command channel answers (bounded: 30 tries of up to 5 s).
wait_guest() {
    for _ in $(seq 30); do
        [ "$("$VCPUHP_TOOL" guest --socket "$tmp/serial.sock" --timeout 5 'echo up' 2>/dev/null)" = up ] \
            && return 0
        sleep 1   # the socket may not accept yet; retried a bounded number of times
    done
    return 1
}

# domain_xml VCPU_ELEMENTS: the domain, with VCPU_ELEMENTS (<vcpu> and optionally
# <vcpus>) as given.
domain_xml() {
    cat <<EOX
<domain type='qemu'>
  <name>hp</name>
  <memory unit='MiB'>512</memory>
  $1
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
    <loader readonly='yes' type='pflash'>$fw/AAVMF_CODE.no-secboot.fd</loader>
    <nvram template='$fw/AAVMF_VARS.fd'>$tmp/hp_VARS.fd</nvram>
    <kernel>$VCPUHP_LAB/arm64/vmlinuz</kernel>
    <initrd>$VCPUHP_LAB/arm64/initrd.img</initrd>
    <cmdline>console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0</cmdline>
  </os>
  <features><acpi/><gic version='3'/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>
  <devices>
    <emulator>$VCPUHP_QEMU</emulator>
    <serial type='unix'><source mode='bind' path='$tmp/serial.sock'/></serial>
  </devices>
</domain>
EOX
}

# start_daemon: starts the session libvirtd and waits for its socket (at most 10 s).
start_daemon() {
    runuser -u nobody -- "${E[@]}" libvirtd --timeout 600 >>"$tmp/libvirtd.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        [ -S "$tmp/run/libvirt/libvirt-sock" ] && return 0
        sleep 0.1
    done
    return 1
}
# stop_daemon: stops libvirtd (SIGTERM) and waits for it; its domains keep running.
stop_daemon() {
    kill "$pid" && wait "$pid" 2>/dev/null
    pid=
    rm -f "$tmp/run/libvirt/libvirt-sock"
}

mkdir -p "$tmp"/{run,cfg/libvirt,cache,home}
chown -R nobody "$tmp"
