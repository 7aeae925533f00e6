#include "vh-cpu-slots.h"

#include <string.h>

#include "vh-error.h"
#include "vh-json.h"

/* Where QEMU puts devices added with an id: device_add's "id" is the last part. */
#define PERIPHERAL_PREFIX "/machine/peripheral/"

static const char *const id_names[VH_SLOT_N_IDS] = {
    [VH_SLOT_SOCKET] = "socket-id",
    [VH_SLOT_CLUSTER] = "cluster-id",
    [VH_SLOT_CORE] = "core-id",
    [VH_SLOT_THREAD] = "thread-id",
};

const char *
vh_slot_id_name(VhSlotId id)
{
    return id_names[id];
}

gboolean
vh_slot_props_match(JsonObject *props, const gint64 ids[VH_SLOT_N_IDS])
{
    for (int id = 0; id < VH_SLOT_N_IDS; id++)
        if (vh_json_int(props, id_names[id], -1) != ids[id])
            return FALSE;
    return props != NULL;
}

static void
slot_clear(gpointer data)
{
    VhCpuSlot *slot = data;

    g_free(slot->type);
    g_free(slot->qom_path);
    g_free(slot->dev_id);
}

GArray *
vh_cpu_slots_new(void)
{
    GArray *slots = g_array_new(FALSE, TRUE, sizeof(VhCpuSlot));

    g_array_set_clear_func(slots, slot_clear);
    return slots;
}

static gint
compare_slots(gconstpointer a, gconstpointer b)
{
    const VhCpuSlot *x = a, *y = b;

    for (int i = 0; i < VH_SLOT_N_IDS; i++)
        if (x->ids[i] != y->ids[i])
            return x->ids[i] < y->ids[i] ? -1 : 1;
    return 0;
}

GArray *
vh_cpu_slots_from_json(JsonNode *node, GError **error)
{
    JsonArray *arr = node && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
    g_autoptr(GArray) slots = vh_cpu_slots_new();

    if (!arr) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "query-hotpluggable-cpus: the reply is not an array");
        return NULL;
    }
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *obj = vh_json_array_object(arr, i);
        JsonObject *props = vh_json_object(obj, "props");
        VhCpuSlot slot = { 0 };

        if (!props || !vh_json_string(obj, "type")) {
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "query-hotpluggable-cpus: slot %u has no props or type", i);
            return NULL;
        }
        for (int id = 0; id < VH_SLOT_N_IDS; id++)
            slot.ids[id] = vh_json_int(props, id_names[id], -1);
        slot.type = g_strdup(vh_json_string(obj, "type"));
        slot.qom_path = g_strdup(vh_json_string(obj, "qom-path"));
        slot.plugged = slot.qom_path != NULL;
        if (slot.qom_path && g_str_has_prefix(slot.qom_path, PERIPHERAL_PREFIX))
            slot.dev_id = g_strdup(slot.qom_path + strlen(PERIPHERAL_PREFIX));
        g_array_append_val(slots, slot);
    }
    g_array_sort(slots, compare_slots);
    for (guint i = 0; i < slots->len; i++)
        g_array_index(slots, VhCpuSlot, i).guest_cpu = i;
    return g_steal_pointer(&slots);
}

GArray *
vh_cpu_slots_query(VhQmp *qmp, guint timeout_ms, GError **error)
{
    g_autoptr(JsonNode) ret = vh_qmp_execute(qmp, "query-hotpluggable-cpus", NULL,
                                             timeout_ms, error);

    return ret ? vh_cpu_slots_from_json(ret, error) : NULL;
}

guint
vh_cpu_slots_plugged(GArray *slots)
{
    guint n = 0;

    for (guint i = 0; i < slots->len; i++)
        n += g_array_index(slots, VhCpuSlot, i).plugged;
    return n;
}
