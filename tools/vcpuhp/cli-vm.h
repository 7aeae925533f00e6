/*
 * The VM a command acts on: QEMU's monitor socket (--qmp) with, to see into the
 * guest, its guest agent's socket (--agent); or a running libvirt domain (by name,
 * --connect URI), seen into through libvirt's calls to its agent.
 */
#pragma once

#include <libvirt/libvirt.h>

#include "vcpuhp.h"
#include "vh-cpu-host.h"

typedef struct {
    char *qmp_path;         /* one of these two */
    char *domain_name;
    int qmp_fd;
    VhQmp *qmp;
    virConnectPtr conn;
    virDomainPtr dom;
    VhCpuHost *host;        /* plugs and unplugs */
    VhGuestCpus *guest;     /* NULL when nothing sees into the guest */
    const char *guest_source;   /* "agent", "libvirt-agent", or NULL */
} VcpuhpVm;

/* The options that name the VM, for a command's GOptionContext. */
typedef struct {
    char *qmp_path;
    char *agent_path;
    char *uri;
    int timeout_s;
} VcpuhpVmOptions;

/* GOptionEntry's for @options, NULL-terminated, to add to a context. */
GOptionEntry *vcpuhp_vm_option_entries(VcpuhpVmOptions *options);
void vcpuhp_vm_options_clear(VcpuhpVmOptions *options);

/*
 * Connects to the monitor and, if given, the agent; or, with no --qmp, to libvirt
 * and its running domain @domain. @error has VH_ERROR_IO for sockets that refuse
 * and domains that are not there or not running, VH_ERROR_TIMEOUT for peers that
 * do not answer.
 */
VcpuhpVm *vcpuhp_vm_open(const VcpuhpVmOptions *options, const char *domain, GError **error);
void vcpuhp_vm_free(VcpuhpVm *vm);

/* The VM's vCPU slots (vh-cpu-slots.h). */
GArray *vcpuhp_vm_slots(VcpuhpVm *vm, guint timeout_ms, GError **error);

/* Adds "vm": {"qmp": ..., "qemu-version": ...} or {"domain": ...} to @b. */
void vcpuhp_vm_add_json(VcpuhpVm *vm, JsonBuilder *b);
/* "QEMU 10.0.13 at SOCKET" or "domain NAME" (transfer full). */
char *vcpuhp_vm_describe(VcpuhpVm *vm);

/* Keeps libvirt from printing its errors: vcpuhp says what failed itself. */
void vcpuhp_libvirt_quiet(void);

/* Milliseconds each request or step may take (--timeout). */
guint vcpuhp_vm_timeout_ms(const VcpuhpVmOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcpuhpVm, vcpuhp_vm_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VcpuhpVmOptions, vcpuhp_vm_options_clear)
