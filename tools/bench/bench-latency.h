/*
 * What the latency benchmarks (bench-hotplug, bench-nested) measure of one guest:
 * per cycle of a hot-plugged vCPU
 *   enabled  device_add sent -> the guest reports the vCPU in its mask
 *   online   "echo 1 > /sys/devices/system/cpu/cpuN/online" in the guest
 *   deleted  device_del sent -> DEVICE_DELETED for the vCPU (the guest offlines
 *            and ejects it in between)
 * plus, for the reader to judge the above, the command channel's round trip alone
 * and the device_add/device_del replies; and the guest's description for the
 * tables (QEMU version, kernel, boot time).
 */
#pragma once

#include <glib.h>

#include "bench-stats.h"
#include "vh-guest.h"
#include "vh-lab.h"
#include "vh-qmp.h"

typedef enum {
    METRIC_CHANNEL,     /* the guest command channel running "true" */
    METRIC_ADD_REPLY,   /* device_add sent -> its QMP reply */
    METRIC_ENABLED,     /* device_add sent -> vCPU in the guest's mask */
    METRIC_ONLINE,      /* echo 1 > cpuN/online, as the host sees it */
    METRIC_DEL_REPLY,   /* device_del sent -> its QMP reply */
    METRIC_DELETED,     /* device_del sent -> DEVICE_DELETED */
    N_METRICS
} Metric;

typedef struct {
    const char *name;
    const char *description;
} MetricInfo;

extern const MetricInfo metric_info[N_METRICS];

/* The cycles of one guest and what the tables say about it. */
typedef struct {
    const char *name;           /* in progress lines and errors, e.g. "aarch64" */
    char *qemu_version;         /* query-version: "10.0.13 (package)" */
    char *kernel_release;
    double boot_seconds;
    GArray *samples[N_METRICS]; /* double, milliseconds, one per cycle */
    Stats stats[N_METRICS];     /* of the samples, once all cycles ran */
} LatencyRun;

void latency_run_init(LatencyRun *run, const char *name);
void latency_run_clear(LatencyRun *run);

/*
 * Fills in @run's QEMU version and kernel release from a booted guest (its monitor
 * @qmp, its channel @guest).
 */
gboolean latency_run_describe(LatencyRun *run, VhQmp *qmp, VhGuest *guest, guint timeout_ms,
                              GError **error);

/* Where the cycles of one guest plug, and how long each step may take. */
typedef struct {
    const char *mask;           /* the sysfs mask that shows a taken vCPU: "enabled" on
                                 * arm64, "present" on x86 (which has no "enabled") */
    guint slots;                /* cycle n plugs cpu 2 + n % slots (the boot vCPUs are 0-1) */
    /* What ends "deleted": DEVICE_DELETED with data.device == the id when NULL, else
     * an event this returns TRUE for, given the device id as its data. */
    VhQmpEventMatch deleted_match;
    guint step_timeout_ms;      /* each step's bound in the guest */
    guint cmd_timeout_ms;       /* the channel's round trip */
} LatencyPlan;

/*
 * Runs @cycles plug/online/unplug cycles of @plan through @qmp and @guest, each
 * timed into @run and reported on stderr as "@program: <name> cycle ...", then
 * the stats. The error names the cycle and the vCPU.
 */
gboolean latency_run_cycles(LatencyRun *run, const LatencyPlan *plan, VhQmp *qmp,
                            VhGuest *guest, guint cycles, const char *program, GError **error);

/*
 * Boots the lab guest of @config (bounded by @boot_timeout_ms; its boot time and
 * description go to @run) and runs latency_run_cycles() on it. The error of a
 * failed cycle ends with QEMU's log.
 */
gboolean latency_run_lab_guest(LatencyRun *run, const VhLabGuestConfig *config,
                               const LatencyPlan *plan, guint boot_timeout_ms, guint cycles,
                               const char *program, GError **error);

/*
 * Adds the end of @log (what a QEMU wrote) to *@error: a QEMU that aborted (an
 * assertion, TCG running out of contexts) says why only there.
 */
void latency_add_qemu_log(const char *log, GError **error);
