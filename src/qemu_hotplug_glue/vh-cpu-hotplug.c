#include "vh-cpu-hotplug.h"

#include <glib/gi18n.h>
#include "vh-cpu-slots.h"
#include "vh-error.h"
#include "vh-json.h"

typedef gboolean (*SlotMatch)(JsonObject *props, gconstpointer data);

typedef struct {
    const char *prop;
    gint64 value;
} PropValue;

static gboolean
match_prop(JsonObject *props, gconstpointer data)
{
    const PropValue *pv = data;

    return vh_json_int(props, pv->prop, -1) == pv->value;
}

static gboolean
match_ids(JsonObject *props, gconstpointer ids)
{
    return vh_slot_props_match(props, ids);
}

/* device_add arguments from the first slot whose props @match accepts. */
static JsonObject *
device_args(VhQmp *qmp, SlotMatch match, gconstpointer data, const char *dev_id,
            guint timeout_ms, GError **error)
{
    g_autoptr(JsonNode) slots = vh_qmp_execute(qmp, "query-hotpluggable-cpus", NULL,
                                               timeout_ms, error);
    JsonArray *arr;

    if (!slots)
        return NULL;
    arr = JSON_NODE_HOLDS_ARRAY(slots) ? json_node_get_array(slots) : NULL;
    for (guint i = 0; arr && i < json_array_get_length(arr); i++) {
        JsonObject *slot = vh_json_array_object(arr, i);
        JsonObject *props = vh_json_object(slot, "props");
        JsonObject *args;
        g_autoptr(GList) members = NULL;

        if (!props || !match(props, data) || !vh_json_string(slot, "type"))
            continue;
        args = json_object_new();
        json_object_set_string_member(args, "driver", vh_json_string(slot, "type"));
        json_object_set_string_member(args, "id", dev_id);
        members = json_object_get_members(props);
        for (GList *m = members; m; m = m->next)
            json_object_set_member(args, m->data, json_object_dup_member(props, m->data));
        return args;
    }
    return NULL;
}

JsonObject *
vh_cpu_slot_device_args(VhQmp *qmp, const char *prop, gint64 value, const char *dev_id,
                        guint timeout_ms, GError **error)
{
    PropValue pv = { prop, value };
    g_autoptr(GError) local = NULL;
    JsonObject *args = device_args(qmp, match_prop, &pv, dev_id, timeout_ms, &local);

    if (!args && !local)
        g_set_error(&local, VH_ERROR, VH_ERROR_PROTOCOL,
                    "QEMU has no hotpluggable CPU slot with %s=%" G_GINT64_FORMAT, prop, value);
    if (local)
        g_propagate_error(error, g_steal_pointer(&local));
    return args;
}

JsonObject *
vh_cpu_slot_device_args_by_ids(VhQmp *qmp, const gint64 ids[VH_SLOT_N_IDS], const char *dev_id,
                               guint timeout_ms, GError **error)
{
    g_autoptr(GError) local = NULL;
    JsonObject *args = device_args(qmp, match_ids, ids, dev_id, timeout_ms, &local);

    if (!args && !local)
        g_set_error(&local, VH_ERROR, VH_ERROR_PROTOCOL,
                    "QEMU has no hotpluggable CPU slot with socket-id=%" G_GINT64_FORMAT
                    " cluster-id=%" G_GINT64_FORMAT " core-id=%" G_GINT64_FORMAT
                    " thread-id=%" G_GINT64_FORMAT, ids[0], ids[1], ids[2], ids[3]);
    if (local)
        g_propagate_error(error, g_steal_pointer(&local));
    return args;
}

gboolean
vh_cpu_plug(VhQmp *qmp, const char *prop, gint64 value, const char *dev_id,
            guint timeout_ms, GError **error)
{
    g_autoptr(JsonObject) args = vh_cpu_slot_device_args(qmp, prop, value, dev_id,
                                                         timeout_ms, error);
    g_autoptr(JsonNode) ret = NULL;

    if (!args)
        return FALSE;
    ret = vh_qmp_execute(qmp, "device_add", args, timeout_ms, error);
    return ret != NULL;
}

gboolean
vh_cpu_request_unplug(VhQmp *qmp, const char *dev_id, guint timeout_ms, GError **error)
{
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;

    json_object_set_string_member(args, "id", dev_id);
    ret = vh_qmp_execute(qmp, "device_del", args, timeout_ms, error);
    return ret != NULL;
}

typedef struct {
    const char *dev_id;
    VhQmpEventMatch deleted_match;
    gpointer deleted_data;
} UnplugEnd;

static gboolean
is_unplug_end(JsonObject *event, gpointer data)
{
    UnplugEnd *end = data;
    const char *name = vh_json_string(event, "event");

    if (!g_strcmp0(name, "DEVICE_DELETED"))
        return end->deleted_match(event, end->deleted_data);
    return !g_strcmp0(name, "DEVICE_UNPLUG_GUEST_ERROR") &&
           vh_qmp_match_device(event, (gpointer)end->dev_id);
}

gboolean
vh_cpu_wait_unplugged(VhQmp *qmp, const char *dev_id, VhQmpEventMatch deleted_match,
                      gpointer deleted_data, guint timeout_ms, GError **error)
{
    UnplugEnd end = {
        .dev_id = dev_id,
        .deleted_match = deleted_match ? deleted_match : vh_qmp_match_device,
        .deleted_data = deleted_match ? deleted_data : (gpointer)dev_id,
    };
    g_autoptr(GError) local = NULL;
    g_autoptr(JsonObject) event = vh_qmp_wait_event(qmp, NULL, is_unplug_end, &end,
                                                    timeout_ms, &local);

    if (!event && local->code == VH_ERROR_TIMEOUT) {
        g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT,
                    _("vCPU %s: no DEVICE_DELETED within %u ms: the guest did not eject it "
                      "(still booting, or without ACPI CPU hotplug?)"), dev_id, timeout_ms);
        return FALSE;
    }
    if (!event) {
        g_propagate_prefixed_error(error, g_steal_pointer(&local), "unplug of %s: ", dev_id);
        return FALSE;
    }
    if (g_strcmp0(vh_json_string(event, "event"), "DEVICE_DELETED")) {
        g_set_error(error, VH_ERROR, VH_ERROR_REFUSED,
                    _("the guest refused to eject vCPU %s (DEVICE_UNPLUG_GUEST_ERROR): it "
                      "keeps the vCPU"), dev_id);
        return FALSE;
    }
    return TRUE;
}

gboolean
vh_cpu_unplug(VhQmp *qmp, const char *dev_id, guint timeout_ms, GError **error)
{
    return vh_cpu_request_unplug(qmp, dev_id, timeout_ms, error) &&
           vh_cpu_wait_unplugged(qmp, dev_id, NULL, NULL, timeout_ms, error);
}
