/*
 * vcpuhp-bench-hotplug: how long live vCPU hotplug takes on the aarch64 virt
 * machine (the QEMU of vmm/) beside an x86_64 q35 guest (stock QEMU), both under
 * TCG, on the same machine in the same run. Per cycle it measures:
 *   enabled  device_add sent -> the guest reports the vCPU in its enabled mask
 *   online   "echo 1 > /sys/devices/system/cpu/cpuN/online" in the guest
 *   deleted  device_del sent -> DEVICE_DELETED for the vCPU (the guest offlines
 *            and ejects it in between)
 * plus, for the reader to judge the above, the command channel's round trip alone
 * and the device_add/device_del replies. The two guests run one after the other,
 * never together: the machine's cores are shared, and a second TCG guest would
 * slow the first. Exits 3 when enabled, online or deleted is over 1.5 times x86's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-stats.h"
#include "vh-cpu-cycle.h"
#include "vh-error.h"
#include "vh-json.h"
#include "vh-lab-guest-cpus.h"
#include "vh-lab.h"

#define PROGRAM "vcpuhp-bench-hotplug"
#define BOOT_TIMEOUT_MS 180000
#define QMP_TIMEOUT_MS 30000
/* Each step's bound (the guest's wait for its masks; the host adds a margin). */
#define GUEST_WAIT_TIMEOUT_MS 30000
#define GUEST_CMD_TIMEOUT_MS 30000
#define MIN_CYCLES 10
/* x86 takes a fresh slot per cycle and q35 without x2apic has 255 APIC IDs. */
#define MAX_CYCLES 250
#define TARGET_RATIO 1.5
/* The exit status when a metric held to the target misses it (results are written). */
#define EXIT_GOAL_MISSED 3

typedef enum {
    METRIC_CHANNEL,     /* the guest command channel running "true" */
    METRIC_ADD_REPLY,   /* device_add sent -> its QMP reply */
    METRIC_ENABLED,     /* device_add sent -> vCPU in the guest's enabled mask */
    METRIC_ONLINE,      /* echo 1 > cpuN/online, as the host sees it */
    METRIC_DEL_REPLY,   /* device_del sent -> its QMP reply */
    METRIC_DELETED,     /* device_del sent -> DEVICE_DELETED */
    N_METRICS
} Metric;

typedef struct {
    const char *name;
    const char *description;
    gboolean has_target;    /* FALSE: shown for context, not held to the 1.5x target */
} MetricInfo;

static const MetricInfo metric_info[N_METRICS] = {
    [METRIC_CHANNEL] = { "channel", "guest command round trip (`true`)", FALSE },
    [METRIC_ADD_REPLY] = { "add-reply", "device_add -> QMP reply", FALSE },
    [METRIC_ENABLED] = { "enabled", "device_add -> vCPU in guest's `enabled`", TRUE },
    [METRIC_ONLINE] = { "online", "`echo 1 > cpuN/online` in the guest", TRUE },
    [METRIC_DEL_REPLY] = { "del-reply", "device_del -> QMP reply", FALSE },
    [METRIC_DELETED] = { "deleted", "device_del -> DEVICE_DELETED", TRUE },
};

typedef struct {
    const char *name;           /* "aarch64" or "x86_64" */
    VhGuestArch arch;
    const char *qemu_binary;
    char *smp;
    char *qemu_version;         /* query-version: "10.0.13 (package)" */
    char *kernel_release;
    double boot_seconds;
    char *deleted_event;        /* which DEVICE_DELETED ends the "deleted" interval */
    GArray *samples[N_METRICS]; /* double, milliseconds, one per cycle */
    Stats stats[N_METRICS];
} ArchRun;

static void
arch_run_init(ArchRun *run, const char *name, VhGuestArch arch, const char *qemu_binary,
              char *smp)
{
    memset(run, 0, sizeof(*run));
    run->name = name;
    run->arch = arch;
    run->qemu_binary = qemu_binary;
    run->smp = smp;
    /* Stock x86 QEMU 10.0 sends DEVICE_DELETED only for the CPU's lapic child. */
    run->deleted_event = g_strdup(arch == VH_GUEST_ARM64
                                  ? "data.device == <id>"
                                  : "data.path == /machine/peripheral/<id>/lapic "
                                    "(stock QEMU 10.0 sends none with device == <id>)");
    for (int m = 0; m < N_METRICS; m++)
        run->samples[m] = g_array_new(FALSE, FALSE, sizeof(double));
}

static void
arch_run_clear(ArchRun *run)
{
    g_free(run->smp);
    g_free(run->qemu_version);
    g_free(run->kernel_release);
    g_free(run->deleted_event);
    for (int m = 0; m < N_METRICS; m++)
        g_array_unref(run->samples[m]);
}

static gboolean
match_event_path(JsonObject *event, gpointer path)
{
    return g_strcmp0(vh_json_string(vh_json_object(event, "data"), "path"), path) == 0;
}

/* "10.0.13 (package)" from query-version (transfer full). */
static char *
query_version(VhLabVm *vm, GError **error)
{
    g_autoptr(JsonNode) ret = vh_qmp_execute(vh_lab_vm_qmp(vm), "query-version", NULL,
                                             QMP_TIMEOUT_MS, error);
    JsonObject *obj, *qemu;
    const char *package;

    if (!ret)
        return NULL;
    obj = JSON_NODE_HOLDS_OBJECT(ret) ? json_node_get_object(ret) : NULL;
    qemu = vh_json_object(obj, "qemu");
    package = vh_json_string(obj, "package");
    if (!qemu) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "query-version: no \"qemu\" member");
        return NULL;
    }
    return g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "%s%s%s",
                           vh_json_int(qemu, "major", -1), vh_json_int(qemu, "minor", -1),
                           vh_json_int(qemu, "micro", -1),
                           package && *package ? " (" : "", package && *package ? package : "",
                           package && *package ? ")" : "");
}

/* One plug/online/unplug cycle of vCPU @cpu (the slot with core-id @cpu) as @dev_id. */
static gboolean
bench_cycle(ArchRun *run, VhLabVm *vm, guint cpu, const char *dev_id, GError **error)
{
    g_autoptr(VhGuestCpus) guest_cpus =
        vh_lab_guest_cpus_new(vm->guest, run->arch == VH_GUEST_ARM64 ? "enabled" : "present");
    g_autofree char *lapic_path = g_strdup_printf("/machine/peripheral/%s/lapic", dev_id);
    VhCpuCycle cycle = {
        .slot_prop = "core-id", .slot_value = cpu, .guest_cpu = cpu, .dev_id = dev_id,
        .step_timeout_ms = GUEST_WAIT_TIMEOUT_MS,
        .deleted_match = run->arch == VH_GUEST_ARM64 ? NULL : match_event_path,
        .deleted_data = lapic_path,
    };
    VhCpuCycleTimes times;
    g_autofree char *out = NULL;
    double sample[N_METRICS];
    gint64 start;

    /* "enabled" and "online" each contain one channel round trip: measured alone,
     * in the same cycle, it shows how much of them is the channel. */
    start = g_get_monotonic_time();
    out = vh_guest_run_ok(vm->guest, "true", GUEST_CMD_TIMEOUT_MS, error);
    if (!out) {
        g_prefix_error(error, "command channel: ");
        return FALSE;
    }
    sample[METRIC_CHANNEL] = ms_since(start);

    if (!vh_cpu_cycle_run(vh_lab_vm_qmp(vm), guest_cpus, &cycle, &times, error))
        return FALSE;
    sample[METRIC_ADD_REPLY] = times.add_reply;
    sample[METRIC_ENABLED] = times.enabled;
    sample[METRIC_ONLINE] = times.online;
    sample[METRIC_DEL_REPLY] = times.del_reply;
    sample[METRIC_DELETED] = times.deleted;
    for (int m = 0; m < N_METRICS; m++)
        g_array_append_val(run->samples[m], sample[m]);
    return TRUE;
}

/*
 * Adds the end of QEMU's log to *@error: a QEMU that aborted (an assertion, TCG
 * running out of contexts) says why only there.
 */
static void
add_qemu_log(VhLabVm *vm, GError **error)
{
    g_autofree char *log = g_strstrip(vh_qemu_read_log(vm->qemu));
    const char *tail = log;
    GError *original;

    if (!*log || !error || !*error)
        return;
    /* The last 400 characters hold an abort message and its context. */
    if (strlen(log) > 400)
        tail = log + strlen(log) - 400;
    original = *error;
    *error = g_error_new(original->domain, original->code, "%s\nQEMU's log ends with:\n%s",
                         original->message, tail);
    g_error_free(original);
}

static gboolean
bench_arch(ArchRun *run, const char *lab_dir, guint cycles, GError **error)
{
    VhLabGuestConfig config = {
        .arch = run->arch, .qemu_binary = run->qemu_binary, .lab_dir = lab_dir,
        .smp = run->smp,
    };
    g_autoptr(VhLabVm) vm = NULL;

    fprintf(stderr, "%s: booting the %s guest (-smp %s)...\n", PROGRAM, run->name, run->smp);
    vm = vh_lab_vm_boot(&config, BOOT_TIMEOUT_MS, error);
    if (!vm) {
        g_prefix_error(error, "%s guest boot: ", run->name);
        return FALSE;
    }
    run->boot_seconds = vm->boot_seconds;
    run->kernel_release = g_strdup(vh_guest_kernel_release(vm->guest));
    run->qemu_version = query_version(vm, error);
    if (!run->qemu_version)
        return FALSE;

    for (guint n = 0; n < cycles; n++) {
        /* arm64 recycles its four hotpluggable slots; x86 leaks a TCG context per
         * plug (stock QEMU 10.0) and must take a fresh slot every time. */
        guint cpu = run->arch == VH_GUEST_ARM64 ? 2 + n % 4 : 2 + n;
        g_autofree char *dev_id = g_strdup_printf("vcpu%u", cpu);

        if (!bench_cycle(run, vm, cpu, dev_id, error)) {
            g_prefix_error(error, "%s cycle %u/%u (cpu %u): ", run->name, n + 1, cycles, cpu);
            add_qemu_log(vm, error);
            return FALSE;
        }
        fprintf(stderr, "%s: %s cycle %2u/%u cpu %-2u enabled %7.1f ms  online %7.1f ms  "
                "deleted %7.1f ms  (channel %5.1f ms)\n", PROGRAM, run->name, n + 1, cycles,
                cpu, g_array_index(run->samples[METRIC_ENABLED], double, n),
                g_array_index(run->samples[METRIC_ONLINE], double, n),
                g_array_index(run->samples[METRIC_DELETED], double, n),
                g_array_index(run->samples[METRIC_CHANNEL], double, n));
    }
    for (int m = 0; m < N_METRICS; m++)
        run->stats[m] = stats_of(run->samples[m]);
    return TRUE;
}

static const char *
verdict(int m, double ratio)
{
    if (!metric_info[m].has_target)
        return "(context)";
    return ratio <= TARGET_RATIO ? "yes" : "NO";
}

static void
print_tables(FILE *out, const ArchRun *arm, const ArchRun *x86, guint cycles)
{
    const ArchRun *runs[] = { arm, x86 };

    fprintf(out, "\nvCPU hotplug latency, %u cycles per arch (ms)\n", cycles);
    fprintf(out, "%-8s %-10s %9s %9s %9s\n", "arch", "metric", "median", "min", "max");
    for (guint r = 0; r < G_N_ELEMENTS(runs); r++)
        for (int m = 0; m < N_METRICS; m++)
            fprintf(out, "%-8s %-10s %9.1f %9.1f %9.1f\n", runs[r]->name, metric_info[m].name,
                    runs[r]->stats[m].median, runs[r]->stats[m].min, runs[r]->stats[m].max);

    fprintf(out, "\n%-10s %12s %12s %8s %s\n", "metric", "aarch64", "x86_64", "ratio",
            "within 1.5x");
    for (int m = 0; m < N_METRICS; m++) {
        double ratio = arm->stats[m].median / x86->stats[m].median;

        fprintf(out, "%-10s %12.1f %12.1f %8.2f %s\n", metric_info[m].name,
                arm->stats[m].median, x86->stats[m].median, ratio, verdict(m, ratio));
    }
    fprintf(out, "\nenabled and online include one guest command round trip (channel);\n"
            "x86_64 'deleted' ends at DEVICE_DELETED of %s.\n", x86->deleted_event);
}

static char *
markdown(const ArchRun *arm, const ArchRun *x86, guint cycles)
{
    const ArchRun *runs[] = { arm, x86 };
    GString *md = g_string_new(NULL);

    g_string_append_printf(md, "Medians of %u cycles per arch, with min–max, in milliseconds.\n\n",
                           cycles);
    g_string_append(md, "| metric | what is timed | aarch64 median (min–max) "
                        "| x86_64 median (min–max) | ratio aarch64/x86_64 | within 1.5x |\n");
    g_string_append(md, "|---|---|--:|--:|--:|---|\n");
    for (int m = 0; m < N_METRICS; m++) {
        double ratio = arm->stats[m].median / x86->stats[m].median;

        g_string_append_printf(md, "| %s%s%s | %s | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) "
                               "| %.2f | %s |\n",
                               metric_info[m].has_target ? "**" : "", metric_info[m].name,
                               metric_info[m].has_target ? "**" : "",
                               metric_info[m].description,
                               arm->stats[m].median, arm->stats[m].min, arm->stats[m].max,
                               x86->stats[m].median, x86->stats[m].min, x86->stats[m].max,
                               ratio, verdict(m, ratio));
    }
    g_string_append(md, "\n");
    for (guint r = 0; r < G_N_ELEMENTS(runs); r++)
        g_string_append_printf(md, "- %s: `%s`, QEMU %s, `-smp %s`, TCG, guest kernel %s, "
                               "booted in %.1f s; DEVICE_DELETED matched: %s\n",
                               runs[r]->name, runs[r]->qemu_binary, runs[r]->qemu_version,
                               runs[r]->smp, runs[r]->kernel_release, runs[r]->boot_seconds,
                               runs[r]->deleted_event);
    return g_string_free(md, FALSE);
}

int
main(int argc, char **argv)
{
    g_autofree char *qemu_arm64 = NULL, *lab = NULL, *output_markdown = NULL;
    g_autofree char *qemu_x86 = g_strdup("/usr/bin/qemu-system-x86_64");
    int cycles = MIN_CYCLES;
    GOptionEntry entries[] = {
        { "qemu-arm64", 0, 0, G_OPTION_ARG_FILENAME, &qemu_arm64,
          "qemu-system-aarch64 built from vmm/", "PATH" },
        { "qemu-x86", 0, 0, G_OPTION_ARG_FILENAME, &qemu_x86,
          "qemu-system-x86_64 of the baseline (default /usr/bin/qemu-system-x86_64)", "PATH" },
        { "lab", 0, 0, G_OPTION_ARG_FILENAME, &lab,
          "lab directory (tools/lab/build-guest.sh)", "DIR" },
        { "cycles", 0, 0, G_OPTION_ARG_INT, &cycles,
          "plug/online/unplug cycles per arch (default and minimum 10)", "N" },
        { "output-markdown", 0, 0, G_OPTION_ARG_FILENAME, &output_markdown,
          "also write the results as Markdown to FILE", "FILE" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- time vCPU hotplug on aarch64 against an x86_64 baseline");
    g_autoptr(GError) err = NULL;
    ArchRun arm, x86;
    int status = 0;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
        return 2;
    }
    if (!qemu_arm64 || !lab) {
        fprintf(stderr, "%s: --qemu-arm64 and --lab are required\n", PROGRAM);
        return 2;
    }
    if (cycles < MIN_CYCLES || cycles > MAX_CYCLES) {
        fprintf(stderr, "%s: --cycles must be between %d and %d\n", PROGRAM, MIN_CYCLES,
                MAX_CYCLES);
        return 2;
    }

    arch_run_init(&arm, "aarch64", VH_GUEST_ARM64, qemu_arm64, g_strdup("cpus=2,maxcpus=6"));
    /* Like for like: two boot vCPUs on both. x86 gets one slot per plug plus one
     * spare: every plug costs stock x86 a TCG context for good, and QEMU aborts when
     * a plug finds none left. */
    arch_run_init(&x86, "x86_64", VH_GUEST_X86_64, qemu_x86,
                  g_strdup_printf("cpus=2,maxcpus=%d", cycles + 3));
    if (!bench_arch(&arm, lab, (guint)cycles, &err) || !bench_arch(&x86, lab, (guint)cycles, &err)) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
        status = 1;
        goto out;
    }
    print_tables(stdout, &arm, &x86, (guint)cycles);
    for (int m = 0; m < N_METRICS; m++)
        if (metric_info[m].has_target &&
            arm.stats[m].median / x86.stats[m].median > TARGET_RATIO)
            status = EXIT_GOAL_MISSED;
    if (output_markdown) {
        g_autofree char *md = markdown(&arm, &x86, (guint)cycles);

        if (!g_file_set_contents(output_markdown, md, -1, &err)) {
            fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
            status = 1;
        }
    }
out:
    arch_run_clear(&arm);
    arch_run_clear(&x86);
    return status;
}
