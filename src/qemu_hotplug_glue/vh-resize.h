/*
 * Growing or shrinking a running VM to N vCPUs: which slots to plug or unplug (the
 * plan), then each step through the vCPU cycle (vh-cpu-cycle.h), so that every
 * plugged vCPU ends online in the guest when something sees into it.
 */
#pragma once

#include <glib.h>

#include "vh-cpu-host.h"
#include "vh-cpu-slots.h"
#include "vh-guest-cpus.h"
#include "vh-qmp.h"

G_BEGIN_DECLS

typedef enum {
    VH_RESIZE_PLUG,
    VH_RESIZE_UNPLUG,
} VhResizeAction;

typedef struct {
    VhResizeAction action;
    gint64 ids[VH_SLOT_N_IDS];  /* the slot's topology ids */
    guint guest_cpu;
    char *dev_id;               /* "vcpuN" as libvirt names them */
} VhResizeStep;

/*
 * The steps from @slots (vh_cpu_slots_query()) to @target plugged vCPUs (GArray of
 * VhResizeStep, cleared on free; empty when nothing is to do). Grows into the
 * lowest empty slots, shrinks from the highest vCPUs plugged with device_add (those
 * of the command line cannot be unplugged). VH_ERROR_COMMAND with what is possible
 * when @target is not.
 */
GArray *vh_resize_plan(GArray *slots, guint target, GError **error);

/* Called after each step that succeeded: @done of @total. */
typedef void (*VhResizeProgress)(const VhResizeStep *step, guint done, guint total,
                                 gpointer data);

/*
 * Runs @plan in order through @host, each step bounded by @step_timeout_ms; @guest
 * may be NULL (then only the host's side: plugged, or unplugged). Stops at the first step
 * that fails, with an error naming its vCPU; *@done (may be NULL) gets the number
 * of steps that succeeded.
 */
gboolean vh_resize_run(VhCpuHost *host, VhGuestCpus *guest, GArray *plan, guint step_timeout_ms,
                       VhResizeProgress progress, gpointer data, guint *done, GError **error);

G_END_DECLS
