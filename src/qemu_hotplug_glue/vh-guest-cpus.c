#include "vh-guest-cpus.h"

#include <glib/gi18n.h>
#include "vh-error.h"

/* How often a guest without a way to wait (the agent) is asked again. */
#define POLL_INTERVAL_MS 100

const VhGuestCpu *
vh_guest_cpu_find(GArray *cpus, guint cpu)
{
    for (guint i = 0; cpus && i < cpus->len; i++)
        if (g_array_index(cpus, VhGuestCpu, i).cpu == cpu)
            return &g_array_index(cpus, VhGuestCpu, i);
    return NULL;
}

gboolean
vh_guest_cpus_poll_enabled(VhGuestCpus *guest, guint cpu, gboolean enabled,
                           guint timeout_ms, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);

    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        g_autoptr(GArray) cpus = NULL;

        if (left_ms <= 0) {
            g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT,
                        enabled ? _("the guest did not enable cpu %u within %u ms")
                                : _("the guest did not let go of cpu %u within %u ms"),
                        cpu, timeout_ms);
            return FALSE;
        }
        cpus = vh_guest_cpus_list(guest, (guint)left_ms, error);
        if (!cpus)
            return FALSE;
        if ((vh_guest_cpu_find(cpus, cpu) != NULL) == enabled)
            return TRUE;
        g_usleep(MIN(left_ms, POLL_INTERVAL_MS) * G_TIME_SPAN_MILLISECOND);
    }
}
