#include "vh-lab-guest-cpus.h"

#include "vh-cpulist.h"
#include "vh-error.h"

/* The host waits this much longer than the guest, so that the guest's verdict
 * (with the mask it saw) comes first. */
#define HOST_MARGIN_MS 15000

typedef struct {
    VhGuestCpus parent;
    VhGuest *guest;
    char *mask;
} LabGuestCpus;

static GArray *
lab_list(VhGuestCpus *self, guint timeout_ms, GError **error)
{
    LabGuestCpus *lab = (LabGuestCpus *)self;
    g_autofree char *cmd = g_strdup_printf("cd /sys/devices/system/cpu && cat %s online",
                                           lab->mask);
    g_autofree char *out = vh_guest_run_ok(lab->guest, cmd, timeout_ms, error);
    g_auto(GStrv) lines = NULL;
    g_autoptr(GArray) enabled = NULL, online = NULL;
    GArray *cpus;

    if (!out)
        return NULL;
    lines = g_strsplit(out, "\n", -1);
    if (g_strv_length(lines) != 2) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "expected the %s and online masks from the guest, got: %s", lab->mask, out);
        return NULL;
    }
    enabled = vh_cpulist_parse(lines[0], error);
    online = enabled ? vh_cpulist_parse(lines[1], error) : NULL;
    if (!online)
        return NULL;
    cpus = g_array_new(FALSE, TRUE, sizeof(VhGuestCpu));
    for (guint i = 0; i < enabled->len; i++) {
        VhGuestCpu cpu = { .cpu = g_array_index(enabled, guint, i) };

        cpu.online = vh_cpulist_contains(lines[1], cpu.cpu);
        /* The lab's kernels keep cpu0 online: it has no "online" file. */
        cpu.can_offline = cpu.cpu != 0;
        g_array_append_val(cpus, cpu);
    }
    return cpus;
}

static gboolean
lab_wait_enabled(VhGuestCpus *self, guint cpu, gboolean enabled, guint timeout_ms,
                 GError **error)
{
    LabGuestCpus *lab = (LabGuestCpus *)self;
    g_autofree char *cmd = g_strdup_printf("wait_cpu_mask %s %u %s %u", lab->mask, cpu,
                                           enabled ? "yes" : "no", MAX(1, timeout_ms / 100));
    g_autofree char *mask = vh_guest_run_ok(lab->guest, cmd, timeout_ms + HOST_MARGIN_MS,
                                            error);

    if (!mask) {
        g_prefix_error(error, "cpu %u %s the guest's %s mask: ", cpu,
                       enabled ? "did not appear in" : "did not leave", lab->mask);
        return FALSE;
    }
    return TRUE;
}

static gboolean
lab_set_online(VhGuestCpus *self, guint cpu, gboolean online, guint timeout_ms,
               GError **error)
{
    LabGuestCpus *lab = (LabGuestCpus *)self;
    g_autofree char *cmd = g_strdup_printf("echo %d > /sys/devices/system/cpu/cpu%u/online",
                                           online ? 1 : 0, cpu);
    g_autofree char *out = vh_guest_run_ok(lab->guest, cmd, timeout_ms, error);

    if (!out) {
        g_prefix_error(error, "the guest did not bring cpu %u %s: ", cpu,
                       online ? "online" : "offline");
        return FALSE;
    }
    return TRUE;
}

static void
lab_free(VhGuestCpus *self)
{
    LabGuestCpus *lab = (LabGuestCpus *)self;

    g_free(lab->mask);
    g_free(lab);
}

static const VhGuestCpusOps lab_ops = {
    .list = lab_list,
    .wait_enabled = lab_wait_enabled,
    .set_online = lab_set_online,
    .free = lab_free,
};

VhGuestCpus *
vh_lab_guest_cpus_new(VhGuest *guest, const char *mask)
{
    LabGuestCpus *lab = g_new0(LabGuestCpus, 1);

    lab->parent.ops = &lab_ops;
    lab->guest = guest;
    lab->mask = g_strdup(mask);
    return &lab->parent;
}
