#include "vh-cpulist.h"

#include <errno.h>

#include "vh-error.h"

/* The kernel's limit (CONFIG_NR_CPUS of Debian's kernels is 512; allow headroom). */
#define CPU_MAX 8192

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

char *
vh_cpulist_format(GArray *cpus)
{
    GString *text = g_string_new(NULL);

    for (guint i = 0; i < cpus->len;) {
        guint lo = g_array_index(cpus, guint, i), hi = lo;

        while (++i < cpus->len && g_array_index(cpus, guint, i) == hi + 1)
            hi++;
        g_string_append_printf(text, text->len ? ",%u" : "%u", lo);
        if (hi > lo)
            g_string_append_printf(text, "-%u", hi);
    }
    return g_string_free(text, FALSE);
}
