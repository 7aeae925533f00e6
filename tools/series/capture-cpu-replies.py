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
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_conversation import QmpConversation, virt_slot_props  # noqa: E402


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    qemu, firmware, prefix = sys.argv[1:4]
    conversation = sys.argv[4] if len(sys.argv) == 5 else None
    with tempfile.TemporaryDirectory() as tmp:
        qmp = QmpConversation(qemu, [
            "-nodefaults", "-display", "none", "-S", "-accel", "tcg",
            "-M", "virt,gic-version=3", "-cpu", "max", "-m", "256", "-bios", firmware,
            "-smp", "2,maxcpus=4,sockets=1,clusters=1,cores=4,threads=1"], tmp)
        try:
            qmp.connect()
            qmp.recorded("query-hotpluggable-cpus")
            qmp.recorded("query-cpus-fast")
            # as libvirt builds it: driver and id, then the slot's props in QEMU's order
            qmp.recorded("device_add", {"driver": "max-arm-cpu", "id": "vcpu3",
                                        **virt_slot_props(qmp, 3)})
            for name, command in (("hotplug", "query-hotpluggable-cpus"),
                                  ("cpus", "query-cpus-fast")):
                with open(f"{prefix}-{name}.json", "w") as out:
                    json.dump({"return": qmp.recorded(command)["return"]}, out, indent=2)
                    out.write("\n")
            if conversation:
                qmp.write(conversation)
        finally:
            qmp.close()


if __name__ == "__main__":
    main()
