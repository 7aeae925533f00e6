#include "vh-resize.h"

#include <glib/gi18n.h>
#include <string.h>

#include "vh-cpu-cycle.h"
#include "vh-error.h"

static void
step_clear(gpointer data)
{
    g_free(((VhResizeStep *)data)->dev_id);
}

static void
add_step(GArray *plan, VhResizeAction action, const VhCpuSlot *slot, const char *dev_id)
{
    VhResizeStep step = { .action = action, .guest_cpu = slot->guest_cpu };

    memcpy(step.ids, slot->ids, sizeof(step.ids));
    step.dev_id = g_strdup(dev_id);
    g_array_append_val(plan, step);
}

GArray *
vh_resize_plan(GArray *slots, guint target, GError **error)
{
    g_autoptr(GArray) plan = g_array_new(FALSE, TRUE, sizeof(VhResizeStep));
    guint plugged = vh_cpu_slots_plugged(slots), removable = 0;

    g_array_set_clear_func(plan, step_clear);
    for (guint i = 0; i < slots->len; i++)
        removable += g_array_index(slots, VhCpuSlot, i).dev_id != NULL;
    if (target == 0 || target > slots->len) {
        g_set_error(error, VH_ERROR, VH_ERROR_COMMAND,
                    _("the VM can have 1 to %u vCPUs (its maxcpus), not %u"), slots->len, target);
        return NULL;
    }
    if (target < plugged - removable) {
        g_set_error(error, VH_ERROR, VH_ERROR_COMMAND,
                    _("the VM cannot shrink below %u vCPUs: those of its command line "
                      "(-smp cpus=) cannot be unplugged"), plugged - removable);
        return NULL;
    }
    for (guint i = 0; i < slots->len && plugged + plan->len < target; i++) {
        const VhCpuSlot *slot = &g_array_index(slots, VhCpuSlot, i);
        g_autofree char *dev_id = g_strdup_printf("vcpu%u", slot->guest_cpu);

        if (!slot->plugged)
            add_step(plan, VH_RESIZE_PLUG, slot, dev_id);
    }
    for (guint i = slots->len; i > 0 && plugged - plan->len > target; i--) {
        const VhCpuSlot *slot = &g_array_index(slots, VhCpuSlot, i - 1);

        if (slot->dev_id)
            add_step(plan, VH_RESIZE_UNPLUG, slot, slot->dev_id);
    }
    return g_steal_pointer(&plan);
}

gboolean
vh_resize_run(VhCpuHost *host, VhGuestCpus *guest, GArray *plan, guint step_timeout_ms,
              VhResizeProgress progress, gpointer data, guint *done, GError **error)
{
    if (done)
        *done = 0;
    for (guint i = 0; i < plan->len; i++) {
        const VhResizeStep *step = &g_array_index(plan, VhResizeStep, i);
        VhCpuCycle cycle = {
            .slot_ids = step->ids, .guest_cpu = step->guest_cpu, .dev_id = step->dev_id,
            .step_timeout_ms = step_timeout_ms,
        };
        gboolean ok = step->action == VH_RESIZE_PLUG
                      ? vh_cpu_bring_up_on(host, guest, &cycle, NULL, error)
                      : vh_cpu_take_down_on(host, guest, &cycle, NULL, error);

        if (!ok)
            return FALSE;
        if (done)
            *done = i + 1;
        if (progress)
            progress(step, i + 1, plan->len, data);
    }
    return TRUE;
}
