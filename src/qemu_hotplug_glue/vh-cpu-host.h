/*
 * The host's side of the vCPU cycle (vh-cpu-cycle.h): whatever plugs and unplugs
 * vCPUs, QEMU's monitor (vh_qmp_cpu_host_new()) or libvirt (vh-libvirt.h).
 */
#pragma once

#include <glib.h>

#include "vh-qmp.h"

G_BEGIN_DECLS

typedef struct VhCpuHost VhCpuHost;
typedef struct VhCpuCycle VhCpuCycle;

typedef struct {
    /* Plugs the vCPU of @cycle's slot as cycle->dev_id; *@sent_at gets the
     * g_get_monotonic_time() at which the request left (after any lookup). */
    gboolean (*plug)(VhCpuHost *self, const VhCpuCycle *cycle, gint64 *sent_at,
                     GError **error);
    /* Waits for the guest's acknowledgement of the plug, the _OST its firmware
     * interface reports for the inserted vCPU (QMP's ACPI_DEVICE_OST), and sets *@ms
     * to the time from the device_add to it by QEMU's clock. NULL when the host
     * cannot see it. */
    gboolean (*wait_acknowledged)(VhCpuHost *self, const VhCpuCycle *cycle, double *ms,
                                  GError **error);
    /* Asks for cycle->dev_id's unplug (*@sent_at as above)... */
    gboolean (*request_unplug)(VhCpuHost *self, const VhCpuCycle *cycle, gint64 *sent_at,
                               GError **error);
    /* ...and waits until it is gone from the VM; a guest that refuses the eject is a
     * VH_ERROR_REFUSED error naming the vCPU. */
    gboolean (*wait_unplugged)(VhCpuHost *self, const VhCpuCycle *cycle, GError **error);
    void (*free)(VhCpuHost *self);
} VhCpuHostOps;

/* Backends embed this as their first member. */
struct VhCpuHost {
    const VhCpuHostOps *ops;
};

/* The host of a QMP monitor (not owned), as libvirt drives it: device_add of the
 * slot's CPU device, device_del until DEVICE_DELETED. */
VhCpuHost *vh_qmp_cpu_host_new(VhQmp *qmp);

static inline void
vh_cpu_host_free(VhCpuHost *host)
{
    if (host)
        host->ops->free(host);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhCpuHost, vh_cpu_host_free)

G_END_DECLS
