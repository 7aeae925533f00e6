#include "vh-proc-memory.h"

#include <string.h>

#include "vh-error.h"

gboolean
vh_proc_status_rss_kib(const char *status, guint64 *rss_kib, GError **error)
{
    const char *line = strstr(status, "VmRSS:");

    if (!line) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "no VmRSS in the process's status");
        return FALSE;
    }
    *rss_kib = g_ascii_strtoull(line + strlen("VmRSS:"), NULL, 10);
    return TRUE;
}

gboolean
vh_proc_smaps_rss_of_size_kib(const char *smaps, guint64 size_kib, guint64 *rss_kib,
                              GError **error)
{
    g_auto(GStrv) lines = g_strsplit(smaps, "\n", -1);
    guint64 size = 0, rss = 0;
    guint found = 0;

    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "Size:")) {
            size = g_ascii_strtoull(*l + strlen("Size:"), NULL, 10);
        } else if (g_str_has_prefix(*l, "Rss:") && size == size_kib) {
            rss += g_ascii_strtoull(*l + strlen("Rss:"), NULL, 10);
            found++;
        }
    }
    if (!found) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "no mapping of %" G_GUINT64_FORMAT " KiB (the guest's RAM) in the "
                    "process's smaps", size_kib);
        return FALSE;
    }
    *rss_kib = rss;
    return TRUE;
}

gboolean
vh_proc_qemu_rss_kib(GPid pid, guint64 guest_ram_kib, guint64 *rss_kib,
                     guint64 *guest_ram_rss_kib, GError **error)
{
    g_autofree char *status_path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *smaps_path = g_strdup_printf("/proc/%d/smaps", (int)pid);
    g_autofree char *status = NULL, *smaps = NULL;

    return g_file_get_contents(status_path, &status, NULL, error) &&
           g_file_get_contents(smaps_path, &smaps, NULL, error) &&
           vh_proc_status_rss_kib(status, rss_kib, error) &&
           vh_proc_smaps_rss_of_size_kib(smaps, guest_ram_kib, guest_ram_rss_kib, error);
}
