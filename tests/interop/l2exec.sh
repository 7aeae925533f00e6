#!/bin/bash
# l2exec.sh DOMAIN SECONDS COMMAND
# Copied into the ARM host (L1) by test-arm-host.sh: runs COMMAND with /bin/sh in the
# L2 guest DOMAIN through its QEMU guest agent (guest-exec via the system libvirt, as
# a user reaches a guest), waits for it (at most SECONDS), prints its output, and
# exits with its status (124 on a timeout, 125 when the agent failed).
# L1 has no JSON tool: COMMAND travels as base64 script input ("input-data") of sh,
# so it needs no JSON quoting, and the replies are one-line JSON from libvirt, whose
# few fields are picked with sed.
set -u
dom=$1 seconds=$2 script=$3
agent() { virsh -q -c qemu:///system qemu-agent-command "$dom" "$1" --timeout 30; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }

input=$(printf '%s\n' "$script" | base64 -w0)
pid=$(agent "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"input-data\":\"$input\",\"capture-output\":true}}" |
      field pid)
[ -n "$pid" ] || { echo "guest-exec failed in $dom" >&2; exit 125; }
for ((i = 0; i < seconds * 10; i++)); do
    st=$(agent "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || exit 125
    if [ "$(field exited <<<"$st")" = true ]; then
        field out-data <<<"$st" | base64 -d
        field err-data <<<"$st" | base64 -d >&2
        code=$(field exitcode <<<"$st")
        exit "${code:-125}"
    fi
    sleep 0.1   # the agent has no completion event: polled, bounded by SECONDS
done
echo "command in $dom did not end within $seconds s" >&2
exit 124
