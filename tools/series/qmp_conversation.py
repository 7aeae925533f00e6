"""A QMP client for the capture scripts of tools/series: it starts QEMU with its
monitor on a unix socket it listens on, and records commands, replies and events
as libvirt's monitor conversation files hold them (blocks separated by empty
lines; commands numbered libvirt-N)."""
import json
import os
import socket
import subprocess

TIMEOUT = 120


class QmpConversation:
    def __init__(self, qemu, args, tmpdir):
        path = os.path.join(tmpdir, "qmp.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(TIMEOUT)
        self.proc = subprocess.Popen([qemu] + args + ["-qmp", "unix:" + path])
        self.listener = listener
        self.stream = None
        self.events = []   # received, not yet consumed
        self.blocks = []   # the conversation so far
        self.commands = 0

    def connect(self):
        conn, _ = self.listener.accept()
        conn.settimeout(TIMEOUT)
        self.stream = conn.makefile("rw")
        self.stream.readline()  # greeting
        self.execute("qmp_capabilities")

    def execute(self, command, arguments=None):
        """Runs @command, not recorded; returns its reply; exits on an error."""
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.stream.write(json.dumps(msg) + "\n")
        self.stream.flush()
        while True:
            reply = json.loads(self.stream.readline())
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise SystemExit(f"{command}: {reply['error']['desc']}")
            return reply

    def recorded(self, command, arguments=None):
        """execute(), recorded as libvirt sends it and as QEMU replies."""
        self.commands += 1
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        msg["id"] = f"libvirt-{self.commands}"
        reply = self.execute(command, arguments)
        self.blocks.append(json.dumps(msg, indent=4) if arguments
                           else json.dumps(msg, separators=(",", ":")))
        self.blocks.append(json.dumps({"return": reply["return"]}, indent=2))
        return reply

    def wait_event(self, match):
        """Index in self.events of the first event @match accepts (waits for it)."""
        i = 0
        while True:
            while i < len(self.events):
                if match(self.events[i]):
                    return i
                i += 1
            self.events.append(json.loads(self.stream.readline()))

    def record_events(self, count):
        """Records the first @count received events, in QEMU's order."""
        for event in self.events[:count]:
            self.blocks.append(json.dumps(event, indent=2))
        del self.events[:count]

    def write(self, path):
        with open(path, "w") as out:
            out.write("\n\n".join(self.blocks) + "\n")

    def close(self):
        if self.stream:
            try:
                self.execute("quit")
            except (OSError, ValueError, SystemExit):
                pass
        self.proc.kill()
        self.proc.wait(timeout=30)


def virt_slot_props(qmp, core):
    """The props of the virt machine's vCPU slot @core, as QEMU lists them."""
    slots = qmp.execute("query-hotpluggable-cpus")["return"]
    return next(s["props"] for s in slots if s["props"]["core-id"] == core)
