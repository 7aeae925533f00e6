#include "vh-cpu-cycle.h"

#include <glib/gi18n.h>
#include "vh-error.h"

static gboolean
step_done(const VhCpuCycle *cycle, VhCpuStep step, GError **error)
{
    return !cycle->on_step || cycle->on_step(step, cycle->on_step_data, error);
}

static double
ms_since(gint64 start_us)
{
    return (g_get_monotonic_time() - start_us) / 1000.0;
}

static gboolean
wait_acknowledged(VhCpuHost *host, const VhCpuCycle *cycle, double *ms, GError **error)
{
    if (!host->ops->wait_acknowledged) {
        g_set_error(error, VH_ERROR, VH_ERROR_UNSUPPORTED,
                    _("vCPU %s: this host cannot see the guest acknowledge a plug"),
                    cycle->dev_id);
        return FALSE;
    }
    if (!host->ops->wait_acknowledged(host, cycle, ms, error)) {
        g_prefix_error(error, _("vCPU %s (guest cpu %u) is enabled but the guest did not "
                                "acknowledge its plug: "), cycle->dev_id, cycle->guest_cpu);
        return FALSE;
    }
    return TRUE;
}

gboolean
vh_cpu_bring_up_on(VhCpuHost *host, VhGuestCpus *guest, const VhCpuCycle *cycle,
                   VhCpuCycleTimes *times, GError **error)
{
    VhCpuCycleTimes local_times;
    gint64 start = 0;

    if (!times)
        times = &local_times;
    times->acknowledged = -1;
    if (!host->ops->plug(host, cycle, &start, error)) {
        g_prefix_error(error, _("plugging vCPU %s: "), cycle->dev_id);
        return FALSE;
    }
    times->add_reply = ms_since(start);
    if (!guest)
        return TRUE;
    if (!vh_guest_cpus_wait_enabled(guest, cycle->guest_cpu, TRUE, cycle->step_timeout_ms,
                                    error)) {
        g_prefix_error(error, _("vCPU %s (guest cpu %u) was plugged but the guest did not "
                                "enable it: "), cycle->dev_id, cycle->guest_cpu);
        return FALSE;
    }
    times->enabled = ms_since(start);
    if (cycle->time_acknowledged && !wait_acknowledged(host, cycle, &times->acknowledged, error))
        return FALSE;
    if (!step_done(cycle, VH_CPU_STEP_ENABLED, error))
        return FALSE;
    if (cycle->leave_offline)
        return TRUE;
    start = g_get_monotonic_time();
    if (!vh_guest_cpus_set_online(guest, cycle->guest_cpu, TRUE, cycle->step_timeout_ms,
                                  error)) {
        g_prefix_error(error, _("vCPU %s (guest cpu %u) is enabled but not online: "),
                       cycle->dev_id, cycle->guest_cpu);
        return FALSE;
    }
    times->online = ms_since(start);
    return step_done(cycle, VH_CPU_STEP_ONLINE, error);
}

gboolean
vh_cpu_take_down_on(VhCpuHost *host, VhGuestCpus *guest, const VhCpuCycle *cycle,
                    VhCpuCycleTimes *times, GError **error)
{
    VhCpuCycleTimes local_times;
    gint64 start = 0;

    if (!times)
        times = &local_times;
    if (!host->ops->request_unplug(host, cycle, &start, error)) {
        g_prefix_error(error, _("unplugging vCPU %s: "), cycle->dev_id);
        return FALSE;
    }
    times->del_reply = ms_since(start);
    if (!host->ops->wait_unplugged(host, cycle, error))
        return FALSE;
    times->deleted = ms_since(start);
    if (!guest)
        return TRUE;
    /* The next plug must start from a guest that has let go of the CPU. */
    if (!vh_guest_cpus_wait_enabled(guest, cycle->guest_cpu, FALSE, cycle->step_timeout_ms,
                                    error)) {
        g_prefix_error(error, _("vCPU %s was unplugged but the guest still shows cpu %u: "),
                       cycle->dev_id, cycle->guest_cpu);
        return FALSE;
    }
    return step_done(cycle, VH_CPU_STEP_GONE, error);
}

gboolean
vh_cpu_bring_up(VhQmp *qmp, VhGuestCpus *guest, const VhCpuCycle *cycle,
                VhCpuCycleTimes *times, GError **error)
{
    g_autoptr(VhCpuHost) host = vh_qmp_cpu_host_new(qmp);

    return vh_cpu_bring_up_on(host, guest, cycle, times, error);
}

gboolean
vh_cpu_take_down(VhQmp *qmp, VhGuestCpus *guest, const VhCpuCycle *cycle,
                 VhCpuCycleTimes *times, GError **error)
{
    g_autoptr(VhCpuHost) host = vh_qmp_cpu_host_new(qmp);

    return vh_cpu_take_down_on(host, guest, cycle, times, error);
}

gboolean
vh_cpu_cycle_run(VhQmp *qmp, VhGuestCpus *guest, const VhCpuCycle *cycle,
                 VhCpuCycleTimes *times, GError **error)
{
    return vh_cpu_bring_up(qmp, guest, cycle, times, error) &&
           vh_cpu_take_down(qmp, guest, cycle, times, error);
}
