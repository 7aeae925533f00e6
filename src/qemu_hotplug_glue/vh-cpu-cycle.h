/*
 * The life of a hot-plugged vCPU, written once for the tool, the benchmark and the
 * tests: plug (device_add of its slot) -> enabled (the guest's kernel has taken it)
 * -> online (the guest runs on it) -> unplug (device_del until DEVICE_DELETED) ->
 * gone (the guest no longer shows it). The guest's side goes through a
 * VhGuestCpus backend: the agent, libvirt or the lab's command channel.
 */
#pragma once

#include <glib.h>

#include "vh-cpu-host.h"
#include "vh-guest-cpus.h"
#include "vh-qmp.h"

G_BEGIN_DECLS

/* The points of the cycle at which VhCpuCycle.on_step is called. */
typedef enum {
    VH_CPU_STEP_ENABLED,    /* plugged, and the guest shows it enabled */
    VH_CPU_STEP_ONLINE,     /* the guest runs on it */
    VH_CPU_STEP_GONE,       /* unplugged, and the guest no longer shows it */
} VhCpuStep;

struct VhCpuCycle {
    const char *slot_prop;      /* the slot's id property, e.g. "core-id" */
    gint64 slot_value;
    const gint64 *slot_ids;     /* or, when set, all its topology ids (vh-cpu-slots.h) */
    guint guest_cpu;            /* the guest's number (cpuN) of that slot's vCPU, which is
                                 * also libvirt's vCPU id */
    const char *dev_id;         /* the device id, "vcpuN" as libvirt names them */
    guint step_timeout_ms;      /* each step's bound */
    gboolean leave_offline;     /* bring-up ends at enabled: the guest does not online
                                 * it (nor is VH_CPU_STEP_ONLINE reached) */
    gboolean time_acknowledged; /* bring-up also waits for the guest's acknowledgement
                                 * of the plug (VhCpuCycleTimes.acknowledged); a host
                                 * that cannot see it fails the bring-up */
    /* What ends an unplug: DEVICE_DELETED with data.device == dev_id when NULL
     * (stock x86 QEMU 10.0 sends it only for the CPU's lapic child). */
    VhQmpEventMatch deleted_match;
    gpointer deleted_data;
    /* Called after each step (progress, the tests' pinned work while online); may be
     * NULL. Returning FALSE stops the cycle there with its error. */
    gboolean (*on_step)(VhCpuStep step, gpointer data, GError **error);
    gpointer on_step_data;
};

/* How long each step took, in milliseconds, for the benchmark. */
typedef struct {
    double add_reply;   /* device_add sent -> its reply */
    double enabled;     /* device_add sent -> the guest shows the vCPU enabled */
    double acknowledged;    /* device_add sent -> the guest's _OST for the insertion, which
                             * its kernel writes once it has enabled the vCPU, by QEMU's
                             * clock: no guest command in it (with time_acknowledged;
                             * otherwise -1) */
    double online;      /* asking the guest to online it -> done */
    double del_reply;   /* device_del sent -> its reply */
    double deleted;     /* device_del sent -> DEVICE_DELETED */
} VhCpuCycleTimes;

/*
 * Plug -> enabled -> online (-> enabled with leave_offline). @times may be NULL. Errors name the step and the vCPU.
 * With no @guest (nothing sees into it), only the plug: the guest's steps are skipped.
 */
gboolean vh_cpu_bring_up(VhQmp *qmp, VhGuestCpus *guest, const VhCpuCycle *cycle,
                         VhCpuCycleTimes *times, GError **error);

/*
 * Unplug -> gone (with no @guest, -> DEVICE_DELETED). Events queued before the
 * device_del are dropped first, so that only this request's DEVICE_DELETED ends it
 * (ids are reused cycle after cycle).
 * The guest's refusal to eject is a VH_ERROR_REFUSED error naming the vCPU.
 */
gboolean vh_cpu_take_down(VhQmp *qmp, VhGuestCpus *guest, const VhCpuCycle *cycle,
                          VhCpuCycleTimes *times, GError **error);

/* vh_cpu_bring_up() and vh_cpu_take_down(). */
gboolean vh_cpu_cycle_run(VhQmp *qmp, VhGuestCpus *guest, const VhCpuCycle *cycle,
                          VhCpuCycleTimes *times, GError **error);

/* The same through any host (vh-cpu-host.h): the functions above use QMP's. */
gboolean vh_cpu_bring_up_on(VhCpuHost *host, VhGuestCpus *guest, const VhCpuCycle *cycle,
                            VhCpuCycleTimes *times, GError **error);
gboolean vh_cpu_take_down_on(VhCpuHost *host, VhGuestCpus *guest, const VhCpuCycle *cycle,
                             VhCpuCycleTimes *times, GError **error);

G_END_DECLS
