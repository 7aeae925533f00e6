#!/usr/bin/python3
"""capture-cpu-replies.py QEMU FIRMWARE OUTPREFIX [CONVERSATION]

Captures, from the QEMU built from vmm/, the QMP replies that libvirt's tests
read: QEMU is started paused (-S) as libvirt starts it (-M virt,gic-version=3
-cpu max, UEFI firmware so that vCPU hotplug is enabled, -smp 2,maxcpus=4 with an
explicit topology), vCPU 3 is plugged with device_add as libvirt sends it and
vCPU 2 stays absent. It writes OUTPREFIX-hotplug.json (query-hotpluggable-cpus)
and OUTPREFIX-cpus.json (query-cpus-fast) for qemumonitorjsontest, and, if
CONVERSATION is given, the monitor conversation of libvirt's individual vCPU
hotplug for qemuhotplugtest (the queries, device_add, the queries again).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    qemu, firmware, prefix = sys.argv[1:4]
    conversation = sys.argv[4] if len(sys.argv) == 5 else None
    blocks = []  # libvirt's monitor test file: command, reply, command, reply...
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

            def recorded(command, arguments=None):
                """qmp(), recorded in the conversation as libvirt numbers it"""
                msg = {"execute": command}
                if arguments:
                    msg["arguments"] = arguments
                msg["id"] = f"libvirt-{len(blocks) // 2 + 1}"
                reply = qmp(command, arguments)
                blocks.append(json.dumps(msg, indent=4) if arguments
                              else json.dumps(msg, separators=(",", ":")))
                blocks.append(json.dumps({"return": reply["return"]}, indent=2))
                return reply

            qmp("qmp_capabilities")
            slots = recorded("query-hotpluggable-cpus")["return"]
            recorded("query-cpus-fast")
            props = next(s["props"] for s in slots if s["props"]["core-id"] == 3)
            # as libvirt builds it: driver and id, then the slot's props in QEMU's order
            recorded("device_add", {"driver": "max-arm-cpu", "id": "vcpu3", **props})
            for name, command in (("hotplug", "query-hotpluggable-cpus"),
                                  ("cpus", "query-cpus-fast")):
                with open(f"{prefix}-{name}.json", "w") as out:
                    json.dump({"return": recorded(command)["return"]}, out, indent=2)
                    out.write("\n")
            if conversation:
                with open(conversation, "w") as out:
                    out.write("\n\n".join(blocks) + "\n")
            qmp("quit")
        finally:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
