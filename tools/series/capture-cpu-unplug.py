#!/usr/bin/python3
"""capture-cpu-unplug.py [--refuse | --bulk] QEMU LAB CONVERSATION

Captures, from the QEMU built from vmm/ and the lab's arm64 guest, libvirt's
monitor conversation of an individual vCPU unplug for qemuhotplugtest: the guest
boots with -smp 2,maxcpus=4 (explicit topology), vCPU 3 is plugged; then the
queries libvirt makes, the device_del it sends, every event QEMU emits until
DEVICE_DELETED of vcpu3 (the guest offlines and ejects the vCPU), and the queries
libvirt makes after the removal. With --refuse the guest first disables processor
hot-removal, and the conversation ends with the events up to the guest's _OST
refusal (ACPI_DEVICE_OST), after which libvirt gives up. With --bulk vCPUs 2
and 3 are plugged and the conversation is that of `virsh setvcpus DOM 2 --live`:
device_del of vcpu3 and its events up to DEVICE_DELETED, the same for vcpu2, and
then the queries libvirt makes once for both.
"""
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_conversation import TIMEOUT, QmpConversation, virt_slot_props  # noqa: E402


def main():
    args = sys.argv[1:]
    refuse = args[:1] == ["--refuse"]
    bulk = args[:1] == ["--bulk"]
    if refuse or bulk:
        args = args[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    qemu, lab, conversation = args
    with tempfile.TemporaryDirectory() as tmp:
        serial_path = os.path.join(tmp, "serial.sock")
        serial_listener = socket.socket(socket.AF_UNIX)
        serial_listener.bind(serial_path)
        serial_listener.listen(1)
        serial_listener.settimeout(TIMEOUT)
        qmp = QmpConversation(qemu, [
            "-nodefaults", "-display", "none", "-accel", "tcg", "-m", "512",
            "-M", "virt,gic-version=3", "-cpu", "max",
            "-bios", os.path.join(lab, "arm64", "QEMU_EFI.fd"),
            "-kernel", os.path.join(lab, "arm64", "vmlinuz"),
            "-initrd", os.path.join(lab, "arm64", "initrd.img"),
            "-append", "console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0",
            "-smp", "2,maxcpus=4,sockets=1,clusters=1,cores=4,threads=1",
            "-chardev", "socket,id=serial,path=" + serial_path,
            "-serial", "chardev:serial"], tmp)
        try:
            serial, _ = serial_listener.accept()
            serial.settimeout(TIMEOUT)
            qmp.connect()
            # the guest's init (tools/lab/guest-init.sh) announces itself when booted
            console = serial.makefile("r", errors="replace")
            while "@@VCPUHP READY" not in console.readline():
                pass
            if refuse:
                # guest-init.sh's channel: "<tag> <command>", answered by "@@<tag> END <status>"
                serial.sendall(b"r1 echo 0 > /sys/firmware/acpi/hotplug/processor/enabled\n")
                while not console.readline().startswith("@@r1 END 0"):
                    pass
            plugged = [2, 3] if bulk else [3]
            for vcpu in plugged:
                qmp.execute("device_add", {"driver": "max-arm-cpu", "id": "vcpu%d" % vcpu,
                                           **virt_slot_props(qmp, vcpu)})
            qmp.events.clear()
            qmp.recorded("query-hotpluggable-cpus")
            qmp.recorded("query-cpus-fast")
            if refuse:
                qmp.recorded("device_del", {"id": "vcpu3"})
                last = qmp.wait_event(
                    lambda e: e["event"] == "ACPI_DEVICE_OST"
                    and e["data"]["info"].get("device") == "vcpu3"
                    and e["data"]["info"]["source"] == 3
                    and e["data"]["info"]["status"] not in (0, 0x84))
                qmp.record_events(last + 1)
            else:
                # libvirt unplugs the highest first, each after the last one's removal,
                # then queries once for all of them
                for vcpu in reversed(plugged):
                    qmp.recorded("device_del", {"id": "vcpu%d" % vcpu})
                    last = qmp.wait_event(lambda e, v=vcpu: e["event"] == "DEVICE_DELETED"
                                          and e["data"].get("device") == "vcpu%d" % v)
                    qmp.record_events(last + 1)
                qmp.recorded("query-hotpluggable-cpus")
                qmp.recorded("query-cpus-fast")
            qmp.write(conversation)
        finally:
            qmp.close()


if __name__ == "__main__":
    main()
