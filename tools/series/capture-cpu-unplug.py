#!/usr/bin/python3
"""capture-cpu-unplug.py QEMU LAB CONVERSATION

Captures, from the QEMU built from vmm/ and the lab's arm64 guest, libvirt's
monitor conversation of an individual vCPU unplug for qemuhotplugtest: the guest
boots with -smp 2,maxcpus=4 (explicit topology), vCPU 3 is plugged and the guest
handles it; then the queries libvirt makes, the device_del it sends, every event
QEMU emits until DEVICE_DELETED of vcpu3 (the guest offlines and ejects the vCPU),
and the queries libvirt makes after the removal.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile

TIMEOUT = 120


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    qemu, lab, conversation = sys.argv[1:]
    blocks = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "qmp.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(TIMEOUT)
        serial_path = os.path.join(tmp, "serial.sock")
        serial_listener = socket.socket(socket.AF_UNIX)
        serial_listener.bind(serial_path)
        serial_listener.listen(1)
        serial_listener.settimeout(TIMEOUT)
        proc = subprocess.Popen([
            qemu, "-nodefaults", "-display", "none", "-accel", "tcg", "-m", "512",
            "-M", "virt,gic-version=3", "-cpu", "max",
            "-bios", os.path.join(lab, "arm64", "QEMU_EFI.fd"),
            "-kernel", os.path.join(lab, "arm64", "vmlinuz"),
            "-initrd", os.path.join(lab, "arm64", "initrd.img"),
            "-append", "console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0",
            "-smp", "2,maxcpus=4,sockets=1,clusters=1,cores=4,threads=1",
            "-chardev", "socket,id=serial,path=" + serial_path, "-serial", "chardev:serial",
            "-qmp", "unix:" + path])
        try:
            serial, _ = serial_listener.accept()
            serial.settimeout(TIMEOUT)
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            stream = conn.makefile("rw")
            stream.readline()  # greeting
            events = []

            def qmp(command, arguments=None):
                msg = {"execute": command}
                if arguments:
                    msg["arguments"] = arguments
                stream.write(json.dumps(msg) + "\n")
                stream.flush()
                while True:
                    reply = json.loads(stream.readline())
                    if "event" in reply:
                        events.append(reply)
                        continue
                    if "error" in reply:
                        sys.exit(f"{command}: {reply['error']['desc']}")
                    return reply

            def wait_event(match):
                """index in events of the first event @match accepts"""
                i = 0
                while True:
                    while i < len(events):
                        if match(events[i]):
                            return i
                        i += 1
                    events.append(json.loads(stream.readline()))

            def recorded(command, arguments=None):
                msg = {"execute": command}
                if arguments:
                    msg["arguments"] = arguments
                msg["id"] = f"libvirt-{len([b for b in blocks if b[0] == 'c']) + 1}"
                reply = qmp(command, arguments)
                blocks.append(("c", json.dumps(msg, indent=4) if arguments
                               else json.dumps(msg, separators=(",", ":"))))
                blocks.append(("r", json.dumps({"return": reply["return"]}, indent=2)))
                return reply

            qmp("qmp_capabilities")
            # the guest's init (tools/lab/guest-init.sh) announces itself when booted
            console = serial.makefile("r", errors="replace")
            while "@@VCPUHP READY" not in console.readline():
                pass
            slots = qmp("query-hotpluggable-cpus")["return"]
            props = next(s["props"] for s in slots if s["props"]["core-id"] == 3)
            qmp("device_add", {"driver": "max-arm-cpu", "id": "vcpu3", **props})
            events.clear()
            recorded("query-hotpluggable-cpus")
            recorded("query-cpus-fast")
            recorded("device_del", {"id": "vcpu3"})
            last = wait_event(lambda e: e["event"] == "DEVICE_DELETED"
                              and e["data"].get("device") == "vcpu3")
            # every event up to and including DEVICE_DELETED, in QEMU's order
            for ev in events[:last + 1]:
                blocks.append(("e", json.dumps(ev, indent=2)))
            recorded("query-hotpluggable-cpus")
            recorded("query-cpus-fast")
            with open(conversation, "w") as out:
                out.write("\n\n".join(b for _, b in blocks) + "\n")
            qmp("quit")
        finally:
            proc.kill()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
