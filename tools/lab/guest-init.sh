#!/bin/sh
# PID 1 of the vcpuhp lab guests (arm64 and x86_64, busybox initramfs).
#
# Offers a line-based command channel on the serial port named by vcpuhp.tty= on the
# kernel command line, for tests to drive the guest:
#   host -> guest:  "<tag> <shell command>\n"          tag: [A-Za-z0-9_-]+
#   guest -> host:  "@@<tag>| <output line>\n" ...      one per line of output
#                   "@@<tag> END <exit status>\n"
# and announces itself with "@@VCPUHP READY <kernel release>". A line whose tag is
# not of that set is not run and is answered "@@? bad request" (no tag to echo).
# The prefixes keep replies recognisable even if a kernel message slips in between.
# Commands read /dev/null, not the channel: a command that reads its input would
# otherwise swallow the requests that follow it.
# "guest-init.sh --serve" only answers requests on stdin/stdout, for the unit tests
# (tests/unit/test-guest-init.c) to run the protocol without booting a guest.
#
# Helpers for the host's commands (they run in subshells of this shell).

# cpu_in_list CPU LIST: is CPU in the kernel cpulist LIST ("0-1,4")?
cpu_in_list() {
    local IFS=, r
    for r in $2; do
        [ "$1" -ge "${r%-*}" ] && [ "$1" -le "${r#*-}" ] && return 0
    done
    return 1
}

# wait_cpu_mask MASK CPU yes|no TENTHS: waits (at most TENTHS tenths of a second)
# until /sys/devices/system/cpu/MASK contains (yes) or lacks (no) CPU; prints the
# mask, and fails if the condition was not met in time. The guest handles hotplug
# notifications asynchronously, so the condition is checked where it happens.
# It polls every 10 ms with the shell's own read (no process per look), so that
# the time a benchmark measures is the guest's, not the poll's period.
wait_cpu_mask() {
    local i=0 m
    while :; do
        read -r m < "/sys/devices/system/cpu/$1" || m=
        if cpu_in_list "$2" "$m"; then [ "$3" = yes ] && break
        else [ "$3" = no ] && break; fi
        if [ $i -ge $(($4 * 10)) ]; then echo "$m"; return 1; fi
        usleep 10000
        i=$((i + 1))
    done
    echo "$m"
}

# pinned_work CPU: runs a short busy loop pinned to CPU and prints the CPU it ran on.
pinned_work() {
    taskset -c "$1" sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; cut -d" " -f39 /proc/self/stat'
}

# churn CPU...: per CPU, a background loop pinned to it that starts and ends a
# process in each iteration (fork, exec, exit: the kernel unmaps the process's
# memory and broadcasts TLB maintenance to every CPU, which MTTCG turns into
# exclusive "safe work"). Each loop counts its iterations in /tmp/churn.CPU. It
# runs at the default priority: at nice 19 (renice) the series without the eject
# fix survived 150 cycles, at the default it hung within about 20.
churn() {
    local c
    for c in "$@"; do
        echo 0 > "/tmp/churn.$c"
        taskset -c "$c" sh -c "n=0; while /bin/true; do n=\$((n + 1)); echo \$n > /tmp/churn.$c; done" \
            </dev/null >/dev/null 2>&1 &
    done
}

# churn_count CPU: the iterations the churn loop pinned to CPU has done so far
# (read again if it caught the loop between truncating and writing the file).
churn_count() {
    local n=
    while [ -z "$n" ]; do read -r n < "/tmp/churn.$1"; done
    echo "$n"
}

# serve: answers requests on stdin until it ends.
serve() {
    local line tag cmd out rc
    while IFS= read -r line; do
        tag=${line%% *}
        cmd=${line#"$tag"}
        case $tag in
            '' | *[!A-Za-z0-9_-]*) echo "@@? bad request"; continue ;;
        esac
        out=$( (eval "$cmd") </dev/null 2>&1 )
        rc=$?
        [ -z "$out" ] || printf '%s\n' "$out" | sed "s/^/@@$tag| /"
        echo "@@$tag END $rc"
    done
}

if [ "${1-}" = --serve ]; then
    serve
    exit 0
fi

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
# The QEMU guest agent (arm64 lab only), on the virtio-serial port named
# org.qemu.guest_agent.0 when the VM has one: vcpuhp's --agent and libvirt's
# agent calls talk to it.
for port in /sys/class/virtio-ports/*; do
    [ -x /usr/sbin/qemu-ga ] && [ "$(cat "$port/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] \
        || continue
    /usr/sbin/qemu-ga -m virtio-serial -p "/dev/${port##*/}" -t /tmp -f /tmp/qemu-ga.pid \
        </dev/null >/tmp/qemu-ga.log 2>&1 &
done
tty=$(sed -n 's/.*vcpuhp\.tty=\([A-Za-z0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$tty" ] || tty=console
exec <"/dev/$tty" >"/dev/$tty" 2>&1
# Raw and without echo, so the host reads only what commands print. Set while the
# tty is open: a virtio console (hvc) resets its settings when it is closed.
stty raw -echo
echo "@@VCPUHP READY $(uname -r)"
serve
poweroff -f
