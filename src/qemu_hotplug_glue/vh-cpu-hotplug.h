/*
 * vCPU hot(un)plug over QMP, the way libvirt does it: device_add of a CPU device
 * built from a slot of query-hotpluggable-cpus (type + props, id "vcpuN"), and
 * device_del completed by the DEVICE_DELETED event for that id.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vh-qmp.h"

G_BEGIN_DECLS

/*
 * device_add arguments for the slot whose props have @prop = @value (e.g.
 * "core-id" = 2), with id @dev_id (transfer full). VH_ERROR_PROTOCOL if QEMU has
 * no such slot.
 */
JsonObject *vh_cpu_slot_device_args(VhQmp *qmp, const char *prop, gint64 value,
                                    const char *dev_id, guint timeout_ms, GError **error);

/* The same for the slot with topology ids @ids (vh-cpu-slots.h: socket, cluster,
 * core, thread; -1 for an id the machine does not use). */
JsonObject *vh_cpu_slot_device_args_by_ids(VhQmp *qmp, const gint64 ids[4], const char *dev_id,
                                           guint timeout_ms, GError **error);

/* Plugs the vCPU of slot @prop = @value as @dev_id. */
gboolean vh_cpu_plug(VhQmp *qmp, const char *prop, gint64 value, const char *dev_id,
                     guint timeout_ms, GError **error);

/* device_del of @dev_id: QEMU asks the guest to eject it; see vh_cpu_wait_unplugged(). */
gboolean vh_cpu_request_unplug(VhQmp *qmp, const char *dev_id, guint timeout_ms,
                               GError **error);

/*
 * Waits for the end of a device_del of @dev_id: the DEVICE_DELETED event that
 * @deleted_match accepts (data.device == @dev_id when NULL), or the guest's refusal
 * (DEVICE_UNPLUG_GUEST_ERROR for @dev_id), a VH_ERROR_REFUSED error naming it.
 */
gboolean vh_cpu_wait_unplugged(VhQmp *qmp, const char *dev_id, VhQmpEventMatch deleted_match,
                               gpointer deleted_data, guint timeout_ms, GError **error);

/* vh_cpu_request_unplug() and vh_cpu_wait_unplugged() of the device's own event. */
gboolean vh_cpu_unplug(VhQmp *qmp, const char *dev_id, guint timeout_ms, GError **error);

G_END_DECLS
