/*
 * A VM for the tool's unit tests, in the test process: a QMP monitor and a QEMU
 * guest agent on unix sockets, each served by a thread, sharing one state (six
 * arm64 slots, two boot vCPUs). It speaks what vcpuhp uses of both protocols, in
 * the shapes real QEMU 10.0 and qemu-ga answer with, and can be told to refuse.
 */
#pragma once

#include <glib.h>

typedef struct FakeVm FakeVm;

/* Listens on DIR/qmp.sock and DIR/qga.sock (@dir is the caller's). */
FakeVm *fake_vm_new(const char *dir);
void fake_vm_free(FakeVm *vm);

const char *fake_vm_qmp_path(FakeVm *vm);
const char *fake_vm_agent_path(FakeVm *vm);

/* The guest refuses to eject @dev_id (DEVICE_UNPLUG_GUEST_ERROR) / to online @cpu. */
void fake_vm_refuse_eject(FakeVm *vm, const char *dev_id);
void fake_vm_refuse_online(FakeVm *vm, guint cpu);
/* The agent socket accepts but nothing answers (qemu-ga not running). */
void fake_vm_silent_agent(FakeVm *vm);
/*
 * After each unplug, the next @n guest-get-vcpus fail as qemu-ga's does while the
 * guest removes a CPU (an error naming its sysfs "online" file).
 */
void fake_vm_failing_listings(FakeVm *vm, guint n);

/* "0,1,4": plugged slots / CPUs online in the guest. */
char *fake_vm_plugged(FakeVm *vm);
char *fake_vm_online(FakeVm *vm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeVm, fake_vm_free)
