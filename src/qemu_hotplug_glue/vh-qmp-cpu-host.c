/* vCPU hot(un)plug through QEMU's monitor, as the cycle's host (vh-cpu-host.h). */
#include "vh-cpu-cycle.h"
#include "vh-cpu-hotplug.h"

typedef struct {
    VhCpuHost parent;
    VhQmp *qmp;
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
    ret = vh_qmp_execute(qmp, "device_add", args, cycle->step_timeout_ms, error);
    return ret != NULL;
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
