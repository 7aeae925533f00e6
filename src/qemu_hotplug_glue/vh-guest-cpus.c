#include "vh-guest-cpus.h"

#include <glib/gi18n.h>
#include "vh-error.h"

/* How often a guest without a way to wait (the agent) is asked again. */
#define POLL_INTERVAL_MS 100
/*
 * Failed listings in a row that a wait rides out: a guest changes its CPUs in
 * milliseconds, and an error that stays (no agent in the guest) must still end
 * the wait soon.
 */
#define FAILED_LISTINGS_MAX 10

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
    guint failed_listings = 0;

    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        g_autoptr(GArray) cpus = NULL;
        g_autoptr(GError) local = NULL;

        if (left_ms <= 0) {
            g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT,
                        enabled ? _("the guest did not enable cpu %u within %u ms")
                                : _("the guest did not let go of cpu %u within %u ms"),
                        cpu, timeout_ms);
            return FALSE;
        }
        cpus = vh_guest_cpus_list(guest, (guint)left_ms, &local);
        if (cpus && (vh_guest_cpu_find(cpus, cpu) != NULL) == enabled)
            return TRUE;
        /*
         * A listing that the guest answers with an error can be the guest in the
         * middle of the change waited for: qemu-ga lists the CPUs from sysfs, and
         * fails on the one being removed ("open(.../cpuN/online): No such
         * device"). Ask again, a few times; any other error ends the wait.
         */
        if (!cpus) {
            if (!g_error_matches(local, VH_ERROR, VH_ERROR_COMMAND) ||
                ++failed_listings >= FAILED_LISTINGS_MAX) {
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
            }
        } else {
            failed_listings = 0;
        }
        g_usleep(MIN(left_ms, POLL_INTERVAL_MS) * G_TIME_SPAN_MILLISECOND);
    }
}
