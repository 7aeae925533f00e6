/*
 * A VM's vCPU slots as QEMU's query-hotpluggable-cpus lists them, in the order of
 * their topology ids (socket, cluster, core, thread). That order is the order of
 * the guest's possible CPUs (the ACPI MADT lists them so), so a slot's position
 * is the number the guest gives its CPU (cpuN) on the machines vcpuhp drives.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vh-qmp.h"

G_BEGIN_DECLS

/* The topology ids a slot may have; an id the machine does not use is -1. */
typedef enum {
    VH_SLOT_SOCKET,
    VH_SLOT_CLUSTER,
    VH_SLOT_CORE,
    VH_SLOT_THREAD,
    VH_SLOT_N_IDS,
} VhSlotId;

/* "socket-id", "cluster-id", "core-id", "thread-id". */
const char *vh_slot_id_name(VhSlotId id);

/* TRUE if the props of a query-hotpluggable-cpus slot have the ids @ids. */
gboolean vh_slot_props_match(JsonObject *props, const gint64 ids[VH_SLOT_N_IDS]);

typedef struct {
    gint64 ids[VH_SLOT_N_IDS];
    char *type;         /* the CPU device's type, e.g. "max-arm-cpu"; NULL when unknown */
    gboolean plugged;   /* a vCPU is in the slot */
    char *qom_path;     /* its QOM path, when QEMU told */
    char *dev_id;       /* the device id of a vCPU plugged with device_add; NULL for
                         * an empty slot or a vCPU of the command line (-smp) */
    guint guest_cpu;    /* the slot's position: the guest's cpuN */
} VhCpuSlot;

/* An empty array of slots that frees their strings (for the producers of slots). */
GArray *vh_cpu_slots_new(void);

/* Slots sorted by topology ids (GArray of VhCpuSlot, cleared on free). */
GArray *vh_cpu_slots_query(VhQmp *qmp, guint timeout_ms, GError **error);

/* The same from a query-hotpluggable-cpus "return" array, for tests. */
GArray *vh_cpu_slots_from_json(JsonNode *slots, GError **error);

/* Number of slots with a vCPU. */
guint vh_cpu_slots_plugged(GArray *slots);

G_END_DECLS
