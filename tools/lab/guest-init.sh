#!/bin/sh
# PID 1 of the vcpuhp lab guests (arm64 and x86_64, busybox initramfs).
#
# Offers a line-based command channel on the serial port named by vcpuhp.tty= on the
# kernel command line, for tests to drive the guest:
#   host -> guest:  "<tag> <shell command>\n"          tag: [A-Za-z0-9_-]+
#   guest -> host:  "@@<tag>| <output line>\n" ...      one per line of output
#                   "@@<tag> END <exit status>\n"
# and announces itself with "@@VCPUHP READY <kernel release>".
# The prefixes keep replies recognisable even if a kernel message slips in between.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
tty=$(sed -n 's/.*vcpuhp\.tty=\([A-Za-z0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$tty" ] || tty=console
# Raw and without echo, so the host reads only what commands print.
stty -F "/dev/$tty" raw -echo
exec <"/dev/$tty" >"/dev/$tty" 2>&1
echo "@@VCPUHP READY $(uname -r)"
while IFS= read -r line; do
    tag=${line%% *}
    cmd=${line#"$tag"}
    case $tag in
        '' | *[!A-Za-z0-9_-]*) echo "@@? bad request"; continue ;;
    esac
    out=$( (eval "$cmd") 2>&1 )
    rc=$?
    [ -z "$out" ] || printf '%s\n' "$out" | sed "s/^/@@$tag| /"
    echo "@@$tag END $rc"
done
poweroff -f
