#include "vh-cpu-masks.h"

#include <errno.h>
#include <stdlib.h>

#include "vh-error.h"

/* The kernel's limit (CONFIG_NR_CPUS of Debian's kernels is 512; allow headroom). */
#define CPU_MAX 8192

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

static gboolean
parse_cpu(const char *text, char **end, guint *cpu)
{
    guint64 v;

    if (!g_ascii_isdigit(*text))
        return FALSE;
    errno = 0;
    v = g_ascii_strtoull(text, end, 10);
    if (errno || v >= CPU_MAX)
        return FALSE;
    *cpu = (guint)v;
    return TRUE;
}

GArray *
vh_cpulist_parse(const char *cpulist, GError **error)
{
    g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));
    const char *p = cpulist;
    gint64 last = -1;

    while (*p) {
        char *end;
        guint lo, hi;

        if (!parse_cpu(p, &end, &lo))
            goto bad;
        hi = lo;
        if (*end == '-' && !parse_cpu(end + 1, &end, &hi))
            goto bad;
        /* Ranges are ascending and disjoint in the kernel's output. */
        if (hi < lo || (gint64)lo <= last)
            goto bad;
        for (guint c = lo; c <= hi; c++)
            g_array_append_val(cpus, c);
        last = hi;
        p = end;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            goto bad;
    }
    return g_steal_pointer(&cpus);

bad:
    g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "malformed cpu list \"%s\"", cpulist);
    return NULL;
}

gboolean
vh_cpulist_contains(const char *cpulist, guint cpu)
{
    g_autoptr(GArray) cpus = vh_cpulist_parse(cpulist, NULL);

    if (!cpus)
        return FALSE;
    for (guint i = 0; i < cpus->len; i++)
        if (g_array_index(cpus, guint, i) == cpu)
            return TRUE;
    return FALSE;
}
