#include "vh-cpu-masks.h"

#include "vh-cpulist.h"
#include "vh-error.h"

void
vh_cpu_masks_clear(VhCpuMasks *masks)
{
    g_clear_pointer(&masks->possible, g_free);
    g_clear_pointer(&masks->present, g_free);
    g_clear_pointer(&masks->enabled, g_free);
    g_clear_pointer(&masks->online, g_free);
}

gboolean
vh_cpu_masks_read(VhGuest *guest, VhCpuMasks *masks, guint timeout_ms, GError **error)
{
    /* One command, so the four masks are a consistent snapshot. */
    static const char cmd[] =
        "cd /sys/devices/system/cpu && cat possible present enabled online";
    g_autofree char *out = vh_guest_run_ok(guest, cmd, timeout_ms, error);
    g_auto(GStrv) lines = NULL;

    if (!out)
        return FALSE;
    lines = g_strsplit(out, "\n", -1);
    if (g_strv_length(lines) != 4) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "expected 4 cpu masks from the guest, got: %s", out);
        return FALSE;
    }
    for (int i = 0; i < 4; i++) {
        g_autoptr(GArray) cpus = vh_cpulist_parse(lines[i], error);

        if (!cpus)
            return FALSE;
    }
    vh_cpu_masks_clear(masks);
    masks->possible = g_strdup(lines[0]);
    masks->present = g_strdup(lines[1]);
    masks->enabled = g_strdup(lines[2]);
    masks->online = g_strdup(lines[3]);
    return TRUE;
}

char *
vh_cpu_masks_format(const VhCpuMasks *masks)
{
    return g_strdup_printf("possible=%s present=%s enabled=%s online=%s",
                           masks->possible, masks->present, masks->enabled, masks->online);
}
