/*
 * The VM a command acts on: QEMU's monitor socket (--qmp) and, to see into the
 * guest, its guest agent's socket (--agent).
 */
#pragma once

#include "vcpuhp.h"

typedef struct {
    char *qmp_path;
    int qmp_fd;
    VhQmp *qmp;
    VhGuestCpus *guest;     /* NULL when nothing sees into the guest */
    const char *guest_source;   /* "agent", or NULL */
} VcpuhpVm;

/* The options that name the VM, for a command's GOptionContext. */
typedef struct {
    char *qmp_path;
    char *agent_path;
    int timeout_s;
} VcpuhpVmOptions;

/* GOptionEntry's for @options, NULL-terminated, to add to a context. */
GOptionEntry *vcpuhp_vm_option_entries(VcpuhpVmOptions *options);
void vcpuhp_vm_options_clear(VcpuhpVmOptions *options);

/*
 * Connects to the monitor and, if given, the agent. @error has VH_ERROR_IO for
 * sockets that refuse, VH_ERROR_TIMEOUT for peers that do not answer.
 */
VcpuhpVm *vcpuhp_vm_open(const VcpuhpVmOptions *options, GError **error);
void vcpuhp_vm_free(VcpuhpVm *vm);

/* Milliseconds each request or step may take (--timeout). */
guint vcpuhp_vm_timeout_ms(const VcpuhpVmOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcpuhpVm, vcpuhp_vm_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VcpuhpVmOptions, vcpuhp_vm_options_clear)
