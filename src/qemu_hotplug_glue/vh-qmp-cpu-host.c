/* vCPU hot(un)plug through QEMU's monitor, as the cycle's host (vh-cpu-host.h). */
#include "vh-cpu-cycle.h"
#include "vh-cpu-hotplug.h"

#include <glib/gi18n.h>
#include "vh-error.h"
#include "vh-json.h"

typedef struct {
    VhCpuHost parent;
    VhQmp *qmp;
    gint64 plug_sent_real_us;   /* g_get_real_time() as the last device_add left: the
                                 * clock of QEMU's event timestamps */
} QmpHost;

static gboolean
qmp_plug(VhCpuHost *self, const VhCpuCycle *cycle, gint64 *sent_at, GError **error)
{
    VhQmp *qmp = ((QmpHost *)self)->qmp;
    g_autoptr(JsonObject) args = NULL;
    g_autoptr(JsonNode) ret = NULL;

    /* Looked up before the clock starts: the slot lookup is not part of the plug. */
    args = cycle->slot_ids
           ? vh_cpu_slot_device_args_by_ids(qmp, cycle->slot_ids, cycle->dev_id,
                                            cycle->step_timeout_ms, error)
           : vh_cpu_slot_device_args(qmp, cycle->slot_prop, cycle->slot_value, cycle->dev_id,
                                     cycle->step_timeout_ms, error);
    if (!args)
        return FALSE;
    *sent_at = g_get_monotonic_time();
    ((QmpHost *)self)->plug_sent_real_us = g_get_real_time();
    ret = vh_qmp_execute(qmp, "device_add", args, cycle->step_timeout_ms, error);
    return ret != NULL;
}

typedef struct {
    const char *dev_id;
    gint64 since_us;
} OstMatch;

/* ACPI_DEVICE_OST of @match->dev_id for an insertion (source 0, Bus Check, or 1,
 * Device Check: ACPI 6.5 table 6.170), sent after @match->since_us: ids are reused,
 * and the eject of an earlier vCPU of the same id reports with source 3. */
static gboolean
match_insert_ost(JsonObject *event, gpointer data)
{
    OstMatch *match = data;
    JsonObject *info = vh_json_object(vh_json_object(event, "data"), "info");
    gint64 source = vh_json_int(info, "source", -1);

    return vh_qmp_match_ost_device(event, (gpointer)match->dev_id) &&
           (source == 0 || source == 1) && vh_qmp_event_time_us(event) >= match->since_us;
}

static gboolean
qmp_wait_acknowledged(VhCpuHost *self, const VhCpuCycle *cycle, double *ms, GError **error)
{
    QmpHost *host = (QmpHost *)self;
    OstMatch match = { cycle->dev_id, host->plug_sent_real_us };
    g_autoptr(JsonObject) event = NULL;
    gint64 status;

    event = vh_qmp_wait_event(host->qmp, "ACPI_DEVICE_OST", match_insert_ost, &match,
                              cycle->step_timeout_ms, error);
    if (!event)
        return FALSE;
    status = vh_json_int(vh_json_object(vh_json_object(event, "data"), "info"), "status", -1);
    if (status != 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_REFUSED,
                    _("the guest reported status %" G_GINT64_FORMAT
                      " (not success, 0) for the insertion of vCPU %s"),
                    status, cycle->dev_id);
        return FALSE;
    }
    *ms = (vh_qmp_event_time_us(event) - match.since_us) / 1000.0;
    return TRUE;
}

static gboolean
qmp_request_unplug(VhCpuHost *self, const VhCpuCycle *cycle, gint64 *sent_at, GError **error)
{
    VhQmp *qmp = ((QmpHost *)self)->qmp;

    /* Only this request's DEVICE_DELETED may end it: ids are reused. */
    vh_qmp_clear_events(qmp);
    *sent_at = g_get_monotonic_time();
    return vh_cpu_request_unplug(qmp, cycle->dev_id, cycle->step_timeout_ms, error);
}

static gboolean
qmp_wait_unplugged(VhCpuHost *self, const VhCpuCycle *cycle, GError **error)
{
    return vh_cpu_wait_unplugged(((QmpHost *)self)->qmp, cycle->dev_id, cycle->deleted_match,
                                 cycle->deleted_data, cycle->step_timeout_ms, error);
}

static void
qmp_free(VhCpuHost *self)
{
    g_free(self);
}

static const VhCpuHostOps qmp_ops = {
    .plug = qmp_plug,
    .wait_acknowledged = qmp_wait_acknowledged,
    .request_unplug = qmp_request_unplug,
    .wait_unplugged = qmp_wait_unplugged,
    .free = qmp_free,
};

VhCpuHost *
vh_qmp_cpu_host_new(VhQmp *qmp)
{
    QmpHost *host = g_new0(QmpHost, 1);

    host->parent.ops = &qmp_ops;
    host->qmp = qmp;
    return &host->parent;
}
