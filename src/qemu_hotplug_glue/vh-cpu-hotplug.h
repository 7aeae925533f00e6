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

/* Plugs the vCPU of slot @prop = @value as @dev_id. */
gboolean vh_cpu_plug(VhQmp *qmp, const char *prop, gint64 value, const char *dev_id,
                     guint timeout_ms, GError **error);

/*
 * Asks QEMU to unplug @dev_id and waits (the guest must eject it) for its
 * DEVICE_DELETED event.
 */
gboolean vh_cpu_unplug(VhQmp *qmp, const char *dev_id, guint timeout_ms, GError **error);

G_END_DECLS
