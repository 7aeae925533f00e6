# Sourced by the interop tests: the private stock libvirtd and the lab domain "hp"
# of tools/lib/libvirt-session.sh in a fresh $tmp, plus TAP helpers and the short
# names the tests use. Needs VCPUHP_QEMU, VCPUHP_LAB and VCPUHP_LAB_TOOL (set by meson).
: "${VCPUHP_QEMU:?run through meson test}" "${VCPUHP_LAB:?run through meson test}"
: "${VCPUHP_LAB_TOOL:?run through meson test}"
. "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/libvirt-session.sh"
tmp=$(mktemp -d /tmp/vcpuhp-lv-XXXXXX)
lv_init "$tmp" "$VCPUHP_QEMU" "$VCPUHP_LAB" "$VCPUHP_LAB_TOOL"
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
# daemon_check DESCRIPTION start|stop: start_daemon or stop_daemon as a check, run in
# this shell: within check's $(...) the new daemon's pid would not reach cleanup, and
# that daemon would outlive the test.
daemon_check() {
    local rc=0
    "${2}_daemon" || rc=$?
    check "$1" test "$rc" = 0
}
# output_has PATTERN COMMAND...: COMMAND's output (stdout and stderr) has PATTERN.
output_has() {
    local pat=$1 out; shift
    out=$("$@" 2>&1)
    grep -q -- "$pat" <<<"$out" || { echo "no \"$pat\" in the output of $*:"; echo "$out"; return 1; }
}
# fails_with PATTERN COMMAND...: COMMAND fails, and its output has PATTERN (grep -E).
fails_with() {
    local pat=$1 out; shift
    if out=$("$@" 2>&1); then echo "$* succeeded:"; echo "$out"; return 1; fi
    grep -qE -- "$pat" <<<"$out" || { echo "no \"$pat\" in the error of $*:"; echo "$out"; return 1; }
}
mask() { guest "cat /sys/devices/system/cpu/$1"; }

# The QEMU guest agent of a domain through libvirt, as users' tools reach it.
# agent_on DOMAIN JSON: one agent command, its reply on stdout.
agent_on() { virsh qemu-agent-command "$1" "$2" --timeout 30; }
# exec_status_on DOMAIN PID [SECONDS]: waits for the process PID that guest-exec started
# in DOMAIN to end (at most SECONDS, default 60) and prints its last guest-exec-status
# reply; fails with 124 on a timeout, 125 when the agent fails.
exec_status_on() {
    local st i
    for ((i = 0; i < ${3:-60} * 10; i++)); do
        st=$(agent_on "$1" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$2}}") \
            || return 125
        if [ "$(jq -r .return.exited <<<"$st")" = true ]; then
            echo "$st"
            return 0
        fi
        sleep 0.1   # the agent has no completion event: polled, bounded by SECONDS
    done
    return 124
}
# gexec_on DOMAIN COMMAND [SECONDS]: runs COMMAND with /bin/sh in the guest through the
# agent's guest-exec, waits for it (at most SECONDS, default 60) and prints its output;
# the status is the command's.
gexec_on() {
    local req pid st rc=0
    req=$(jq -cn --arg c "$2" \
        '{execute: "guest-exec", arguments: {path: "/bin/sh", arg: ["-c", $c], "capture-output": true}}')
    pid=$(agent_on "$1" "$req" | jq -er .return.pid) || return 125
    st=$(exec_status_on "$1" "$pid" "${3:-60}") || rc=$?
    if [ $rc = 124 ]; then echo "guest command did not end within ${3:-60} s: $2" >&2; fi
    [ $rc = 0 ] || return $rc
    jq -r '.return["out-data"] // ""' <<<"$st" | base64 -d
    jq -r '.return["err-data"] // ""' <<<"$st" | base64 -d >&2
    return "$(jq -r '.return.exitcode // 125' <<<"$st")"
}
# online_wait_script MASK SECONDS: a shell script for the guest that waits (at most
# SECONDS) until its online CPU mask is MASK, and otherwise fails saying what it is.
# Linux onlines CPUs asynchronously (the udev rule, the agent), so it is checked where
# it happens, polled every 100 ms: the guest has no event for it.
online_wait_script() {
    echo "for i in \$(seq $(($2 * 10))); do
              [ \"\$(cat /sys/devices/system/cpu/online)\" = '$1' ] && exit 0; sleep 0.1
          done; echo \"online is \$(cat /sys/devices/system/cpu/online), not $1\"; exit 1"
}
# wait_agent_on DOMAIN SECONDS CONSOLE_LOG: the guest has booted to its agent (pinged
# every 2 s for at most SECONDS); on a timeout, prints the end of CONSOLE_LOG.
wait_agent_on() {
    local i
    for ((i = 0; i < $2; i += 2)); do
        agent_on "$1" '{"execute":"guest-ping"}' >/dev/null 2>&1 && return 0
        sleep 2   # the agent's channel is not connected before the guest's systemd starts it
    done
    echo "no agent after $2 s; console:"; tail -n 30 "$3"
    return 1
}
live_vcpus() { virsh vcpucount hp --live --active; }

# A second daemon, the destination of migrations, with its own XDG directories under
# $tmp/dst: start_two_daemons starts both; virsh_dst and dst_guest talk to the
# second one and to its guest (serial socket $tmp/dst-serial.sock).
D=(env XDG_RUNTIME_DIR="$tmp/dst/run" XDG_CONFIG_HOME="$tmp/dst/cfg"
   XDG_CACHE_HOME="$tmp/dst/cache" HOME="$tmp/dst/home")
DST_URI="qemu+unix:///session?socket=$tmp/dst/run/libvirt/libvirt-sock"
virsh_dst() { timeout 120 runuser -u nobody -- "${D[@]}" /usr/bin/virsh -q -c qemu:///session "$@"; }
dst_guest() { "$VCPUHP_LAB_TOOL" guest --socket "$tmp/dst-serial.sock" --timeout 30 "$1"; }
dst_pid=
stop_dst() { [ -n "$dst_pid" ] && { virsh_dst destroy hp >/dev/null 2>&1; kill "$dst_pid"; wait "$dst_pid"; }; }
start_two_daemons() {
    trap 'stop_dst 2>/dev/null; cleanup' EXIT
    mkdir -p "$tmp"/dst/{run,cfg/libvirt,cache,home}
    # libvirt refuses to migrate to its own host: tell the two daemons apart.
    echo 'host_uuid = "8a6f0e1c-3b2d-4c5e-9f10-000000000001"' > "$tmp/cfg/libvirt/libvirtd.conf"
    echo 'host_uuid = "8a6f0e1c-3b2d-4c5e-9f10-000000000002"' > "$tmp/dst/cfg/libvirt/libvirtd.conf"
    chown -R nobody "$tmp"
    start_daemon
    runuser -u nobody -- "${D[@]}" libvirtd --timeout 600 >"$tmp/dst/libvirtd.log" 2>&1 &
    dst_pid=$!
    for _ in $(seq 100); do [ -S "$tmp/dst/run/libvirt/libvirt-sock" ] && return 0; sleep 0.1; done
    return 1
}
