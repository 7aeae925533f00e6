#include "bench-latency.h"

#include <stdio.h>
#include <string.h>

#include "vh-cpu-cycle.h"
#include "vh-error.h"
#include "vh-json.h"
#include "vh-lab-guest-cpus.h"

const MetricInfo metric_info[N_METRICS] = {
    [METRIC_CHANNEL] = { "channel", "guest command round trip (`true`)" },
    [METRIC_ADD_REPLY] = { "add-reply", "device_add -> QMP reply" },
    [METRIC_ENABLED] = { "enabled", "device_add -> vCPU in guest's `enabled`" },
    [METRIC_ONLINE] = { "online", "`echo 1 > cpuN/online` in the guest" },
    [METRIC_DEL_REPLY] = { "del-reply", "device_del -> QMP reply" },
    [METRIC_DELETED] = { "deleted", "device_del -> DEVICE_DELETED" },
};

void
latency_run_init(LatencyRun *run, const char *name)
{
    memset(run, 0, sizeof(*run));
    run->name = name;
    for (int m = 0; m < N_METRICS; m++)
        run->samples[m] = g_array_new(FALSE, FALSE, sizeof(double));
}

void
latency_run_clear(LatencyRun *run)
{
    g_free(run->qemu_version);
    g_free(run->kernel_release);
    for (int m = 0; m < N_METRICS; m++)
        g_array_unref(run->samples[m]);
}

/* "10.0.13 (package)" from query-version (transfer full). */
static char *
query_version(VhQmp *qmp, guint timeout_ms, GError **error)
{
    g_autoptr(JsonNode) ret = vh_qmp_execute(qmp, "query-version", NULL, timeout_ms, error);
    JsonObject *obj, *qemu;
    const char *package;

    if (!ret)
        return NULL;
    obj = JSON_NODE_HOLDS_OBJECT(ret) ? json_node_get_object(ret) : NULL;
    qemu = vh_json_object(obj, "qemu");
    package = vh_json_string(obj, "package");
    if (!qemu) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "query-version: no \"qemu\" member");
        return NULL;
    }
    return g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "%s%s%s",
                           vh_json_int(qemu, "major", -1), vh_json_int(qemu, "minor", -1),
                           vh_json_int(qemu, "micro", -1),
                           package && *package ? " (" : "", package && *package ? package : "",
                           package && *package ? ")" : "");
}

gboolean
latency_run_describe(LatencyRun *run, VhQmp *qmp, VhGuest *guest, guint timeout_ms,
                     GError **error)
{
    run->kernel_release = g_strdup(vh_guest_kernel_release(guest));
    run->qemu_version = query_version(qmp, timeout_ms, error);
    return run->qemu_version != NULL;
}

/* One plug/online/unplug cycle of vCPU @cpu (the slot with core-id @cpu) as @dev_id. */
static gboolean
time_cycle(LatencyRun *run, const LatencyPlan *plan, VhQmp *qmp, VhGuest *guest, guint cpu,
           const char *dev_id, GError **error)
{
    g_autoptr(VhGuestCpus) guest_cpus = vh_lab_guest_cpus_new(guest, plan->mask);
    VhCpuCycle cycle = {
        .slot_prop = "core-id", .slot_value = cpu, .guest_cpu = cpu, .dev_id = dev_id,
        .step_timeout_ms = plan->step_timeout_ms,
        .deleted_match = plan->deleted_match, .deleted_data = (gpointer)dev_id,
    };
    VhCpuCycleTimes times;
    g_autofree char *out = NULL;
    double sample[N_METRICS];
    gint64 start;

    /* "enabled" and "online" each contain one channel round trip: measured alone,
     * in the same cycle, it shows how much of them is the channel. */
    start = g_get_monotonic_time();
    out = vh_guest_run_ok(guest, "true", plan->cmd_timeout_ms, error);
    if (!out) {
        g_prefix_error(error, "command channel: ");
        return FALSE;
    }
    sample[METRIC_CHANNEL] = ms_since(start);

    if (!vh_cpu_cycle_run(qmp, guest_cpus, &cycle, &times, error))
        return FALSE;
    sample[METRIC_ADD_REPLY] = times.add_reply;
    sample[METRIC_ENABLED] = times.enabled;
    sample[METRIC_ONLINE] = times.online;
    sample[METRIC_DEL_REPLY] = times.del_reply;
    sample[METRIC_DELETED] = times.deleted;
    for (int m = 0; m < N_METRICS; m++)
        g_array_append_val(run->samples[m], sample[m]);
    return TRUE;
}

gboolean
latency_run_cycles(LatencyRun *run, const LatencyPlan *plan, VhQmp *qmp, VhGuest *guest,
                   guint cycles, const char *program, GError **error)
{
    for (guint n = 0; n < cycles; n++) {
        guint cpu = 2 + n % plan->slots;
        g_autofree char *dev_id = g_strdup_printf("vcpu%u", cpu);

        if (!time_cycle(run, plan, qmp, guest, cpu, dev_id, error)) {
            g_prefix_error(error, "%s cycle %u/%u (cpu %u): ", run->name, n + 1, cycles, cpu);
            return FALSE;
        }
        fprintf(stderr, "%s: %s cycle %2u/%u cpu %-2u enabled %7.1f ms  online %7.1f ms  "
                "deleted %7.1f ms  (channel %5.1f ms)\n", program, run->name, n + 1, cycles,
                cpu, g_array_index(run->samples[METRIC_ENABLED], double, n),
                g_array_index(run->samples[METRIC_ONLINE], double, n),
                g_array_index(run->samples[METRIC_DELETED], double, n),
                g_array_index(run->samples[METRIC_CHANNEL], double, n));
    }
    for (int m = 0; m < N_METRICS; m++)
        run->stats[m] = stats_of(run->samples[m]);
    return TRUE;
}

gboolean
latency_run_lab_guest(LatencyRun *run, const VhLabGuestConfig *config, const LatencyPlan *plan,
                      guint boot_timeout_ms, guint cycles, const char *program, GError **error)
{
    g_autoptr(VhLabVm) vm = NULL;

    fprintf(stderr, "%s: booting the %s guest (-smp %s)...\n", program, run->name, config->smp);
    vm = vh_lab_vm_boot(config, boot_timeout_ms, error);
    if (!vm) {
        g_prefix_error(error, "%s guest boot: ", run->name);
        return FALSE;
    }
    run->boot_seconds = vm->boot_seconds;
    if (!latency_run_describe(run, vh_lab_vm_qmp(vm), vm->guest, plan->cmd_timeout_ms, error))
        return FALSE;
    if (!latency_run_cycles(run, plan, vh_lab_vm_qmp(vm), vm->guest, cycles, program, error)) {
        g_autofree char *log = vh_qemu_read_log(vm->qemu);

        latency_add_qemu_log(log, error);
        return FALSE;
    }
    return TRUE;
}

void
latency_add_qemu_log(const char *log, GError **error)
{
    g_autofree char *stripped = g_strstrip(g_strdup(log ? log : ""));
    const char *tail = stripped;
    GError *original;

    if (!*stripped || !error || !*error)
        return;
    /* The last 400 characters hold an abort message and its context. */
    if (strlen(stripped) > 400)
        tail = stripped + strlen(stripped) - 400;
    original = *error;
    *error = g_error_new(original->domain, original->code, "%s\nQEMU's log ends with:\n%s",
                         original->message, tail);
    g_error_free(original);
}
