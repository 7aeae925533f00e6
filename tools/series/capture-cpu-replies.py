#!/usr/bin/python3
"""capture-cpu-replies.py QEMU FIRMWARE OUTPREFIX

Captures, from the QEMU built from vmm/, the QMP replies that libvirt's
qemumonitorjsontest CPU-info cases read: QEMU is started paused (-S) as libvirt
starts it (-M virt,gic-version=3 -cpu max, UEFI firmware so that vCPU hotplug is
enabled, -smp 2,maxcpus=4 with an explicit topology), vCPU 3 is plugged with
device_add as libvirt sends it and vCPU 2 stays absent; then it writes
OUTPREFIX-hotplug.json (query-hotpluggable-cpus) and OUTPREFIX-cpus.json
(query-cpus-fast), formatted like libvirt's test data.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    qemu, firmware, prefix = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "qmp.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(30)
        proc = subprocess.Popen([
            qemu, "-nodefaults", "-display", "none", "-S", "-accel", "tcg",
            "-M", "virt,gic-version=3", "-cpu", "max", "-m", "256", "-bios", firmware,
            "-smp", "2,maxcpus=4,sockets=1,clusters=1,cores=4,threads=1",
            "-qmp", "unix:" + path])
        try:
            conn, _ = listener.accept()
            conn.settimeout(30)
            stream = conn.makefile("rw")
            stream.readline()  # greeting

            def qmp(command, arguments=None):
                msg = {"execute": command}
                if arguments:
                    msg["arguments"] = arguments
                stream.write(json.dumps(msg) + "\n")
                stream.flush()
                while True:
                    reply = json.loads(stream.readline())
                    if "event" in reply:
                        continue
                    if "error" in reply:
                        sys.exit(f"{command}: {reply['error']['desc']}")
                    return reply

            qmp("qmp_capabilities")
            qmp("device_add", {"driver": "max-arm-cpu", "id": "vcpu3", "socket-id": 0,
                               "cluster-id": 0, "core-id": 3, "thread-id": 0})
            for name, command in (("hotplug", "query-hotpluggable-cpus"),
                                  ("cpus", "query-cpus-fast")):
                with open(f"{prefix}-{name}.json", "w") as out:
                    json.dump({"return": qmp(command)["return"]}, out, indent=2)
                    out.write("\n")
            qmp("quit")
        finally:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
