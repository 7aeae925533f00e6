/*
 * vcpuhp-bench-scale: what vCPU hotplug costs as the number of possible vCPUs
 * (slots) grows, on the aarch64 virt machine (the QEMU of vmm/) under TCG.
 *
 * Per-plug cost: for each slot count M, one fresh guest (-smp cpus=2,maxcpus=M)
 * plugs slots 2, 3, ... one after the other (up to --plugs of them), onlines each
 * (unless --no-online), then unplugs them in reverse order; --rounds times in the
 * same guest. The time of the k-th plug (device_add sent -> the guest's _OST for
 * the insertion, which its kernel writes once it has enabled the vCPU, by QEMU's
 * event timestamp), of the same plug as a shell in the guest sees it (-> the vCPU
 * in the guest's `enabled`) and of the k-th unplug (device_del sent ->
 * DEVICE_DELETED) is the median over the rounds. The goals are on the first: the
 * shell's view adds the time the guest takes to run a command and notice (a
 * channel round trip, a 10 ms poll), which has nothing to do with the slots.
 *
 * The cost of being ready: for each slot count M, --boots fresh guests with
 * -smp cpus=2,maxcpus=M, hotplug on, and as many with the machine's cpu-hotplug=off
 * (the guest then sees what the released virt-10.0 shows), one after the other:
 * boot time to the guest's shell, QEMU's RSS once booted, and the ACPI tables'
 * bytes as the guest reads them.
 *
 * Guests run one after the other, never together: the machine's cores are shared.
 * The goals of issue 15 are checked at the end; exit status 3 when one is missed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-args.h"
#include "bench-goals.h"
#include "bench-stats.h"
#include "vh-cpu-cycle.h"
#include "vh-error.h"
#include "vh-lab-guest-cpus.h"
#include "vh-lab.h"
#include "vh-proc-memory.h"

#define PROGRAM "vcpuhp-bench-scale"
/* 512 possible vCPUs make the guest's boot slower under TCG. */
#define BOOT_TIMEOUT_MS 600000
#define STEP_TIMEOUT_MS 60000
#define GUEST_CMD_TIMEOUT_MS 60000

/* Goals (issue 15). */
#define GOAL_SLOTS_RATIO 1.5    /* a plug with 256 slots against one with 8 */
#define GOAL_LAST_RATIO 1.5     /* the last plug against the second */
#define GOAL_BOOT_RATIO 1.10    /* boot with 64 slots against hotplug off */
/* Plugs compared across slot counts: the ones every slot count has (8 slots: 6). */
#define COMPARED_PLUGS 6
/* The last plugs against the second: that many at each end, all their rounds'
 * samples pooled. A plug takes 10-15 ms to the guest's _OST, and one sample in a
 * few is 3-6 times that (the guest's scheduling under TCG on two host cores): the
 * median of one plug over three rounds is decided by whether one such sample
 * falls on it, a window of three plugs over three rounds is not. */
#define END_PLUGS 3

/* Per-plug cost with one slot count. */
typedef struct {
    guint slots;
    guint plugs;            /* plugs per round: min(--plugs, slots - 2) */
    GArray **plug_ms;       /* [plugs] of double, one sample per round: -> _OST */
    GArray **seen_ms;       /* [plugs] of double: -> a guest shell sees it enabled */
    GArray **unplug_ms;     /* [plugs] of double; index k is the k-th plug's vCPU */
    Stats *plug, *seen, *unplug;    /* [plugs] */
    Stats first_plugs, first_seen;  /* all samples of the first COMPARED_PLUGS plugs */
} PlugRun;

/* The cost of being ready with one slot count, hotplug on or off. */
typedef struct {
    guint slots;
    gboolean hotplug;
    GArray *boot_s, *rss_mib;   /* double, one per boot */
    GArray *own_rss_mib;        /* of it, what is not the guest's RAM */
    GArray *kernel_s;           /* the guest kernel's own boot: its clock at /init */
    Stats boot, rss, own_rss, kernel;
    guint acpi_bytes, dsdt_bytes;
    guint guest_mem_kib;        /* the guest's MemTotal: what its kernel left to it */
} ReadyRun;

/* Guest RAM of every guest: Linux reserves about 0.5 MiB per possible vCPU, and
 * 512 MiB is too little to boot with 512 of them. */
static guint memory_mib = 1024;

/* QEMU's resident set in MiB, and of it what is not the guest's RAM. */
static gboolean
qemu_rss_mib(VhLabVm *vm, double *rss, double *own_rss, GError **error)
{
    guint64 rss_kib, guest_ram_kib;

    if (!vh_proc_qemu_rss_kib(vh_qemu_pid(vm->qemu), (guint64)memory_mib * 1024, &rss_kib,
                              &guest_ram_kib, error))
        return FALSE;
    *rss = rss_kib / 1024.0;
    *own_rss = (rss_kib - guest_ram_kib) / 1024.0;
    return TRUE;
}

/* The guest kernel's clock when it started /init (its dmesg timestamp), seconds:
 * the part of the boot that is the kernel's, firmware and QEMU's start excluded. */
static gboolean
guest_kernel_seconds(VhLabVm *vm, double *seconds, GError **error)
{
    static const char command[] =
        "dmesg | sed -n 's/^\\[ *\\([0-9.]*\\)\\] Run \\/init as init process$/\\1/p'";
    g_autofree char *out = vh_guest_run_ok(vm->guest, command, GUEST_CMD_TIMEOUT_MS, error);
    char *end = NULL;

    if (!out)
        return FALSE;
    g_strstrip(out);
    *seconds = g_ascii_strtod(out, &end);
    if (!*out || *end || *seconds <= 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "the guest's dmesg has no time for \"Run /init\" (got '%s')", out);
        return FALSE;
    }
    return TRUE;
}

/* A number that a guest command printed. */
static gboolean
guest_number(VhLabVm *vm, const char *command, guint *value, GError **error)
{
    g_autofree char *out = vh_guest_run_ok(vm->guest, command, GUEST_CMD_TIMEOUT_MS, error);
    guint64 v;

    if (!out)
        return FALSE;
    if (!g_ascii_string_to_unsigned(g_strstrip(out), 10, 0, G_MAXUINT, &v, error)) {
        g_prefix_error(error, "'%s' in the guest: ", command);
        return FALSE;
    }
    *value = (guint)v;
    return TRUE;
}

static char *
smp_of(guint slots)
{
    return g_strdup_printf("cpus=2,maxcpus=%u", slots);
}

static VhLabVm *
boot(const char *qemu, const char *lab, guint slots, gboolean hotplug, GError **error)
{
    g_autofree char *smp = smp_of(slots);
    VhLabGuestConfig config = {
        .arch = VH_GUEST_ARM64, .qemu_binary = qemu, .lab_dir = lab, .smp = smp,
        .machine = hotplug ? NULL : "virt,gic-version=3,cpu-hotplug=off",
        .memory_mib = memory_mib,
    };
    VhLabVm *vm = vh_lab_vm_boot(&config, BOOT_TIMEOUT_MS, error);

    if (!vm)
        g_prefix_error(error, "booting with -smp %s%s: ", smp, hotplug ? "" : ", cpu-hotplug=off");
    return vm;
}

static gboolean
ready_run(ReadyRun *run, const char *qemu, const char *lab, guint boots, GError **error)
{
    run->boot_s = g_array_new(FALSE, FALSE, sizeof(double));
    run->rss_mib = g_array_new(FALSE, FALSE, sizeof(double));
    run->own_rss_mib = g_array_new(FALSE, FALSE, sizeof(double));
    run->kernel_s = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint b = 0; b < boots; b++) {
        g_autoptr(VhLabVm) vm = boot(qemu, lab, run->slots, run->hotplug, error);
        double rss, own_rss, kernel;

        if (!vm || !qemu_rss_mib(vm, &rss, &own_rss, error) ||
            !guest_kernel_seconds(vm, &kernel, error))
            return FALSE;
        g_array_append_val(run->boot_s, vm->boot_seconds);
        g_array_append_val(run->kernel_s, kernel);
        g_array_append_val(run->rss_mib, rss);
        g_array_append_val(run->own_rss_mib, own_rss);
        if (b == 0 &&
            (!guest_number(vm, "cat /sys/firmware/acpi/tables/DSDT | wc -c",
                           &run->dsdt_bytes, error) ||
             !guest_number(vm, "for t in /sys/firmware/acpi/tables/*; do "
                           "[ -f $t ] && cat $t; done | wc -c", &run->acpi_bytes, error) ||
             !guest_number(vm, "sed -n 's/^MemTotal: *\\([0-9]*\\) kB$/\\1/p' /proc/meminfo",
                           &run->guest_mem_kib, error)))
            return FALSE;
        fprintf(stderr, "%s: ready: %3u slots, hotplug %-3s boot %6.2f s  RSS %6.1f MiB "
                "(%.1f without the guest's RAM)  ACPI %u bytes (DSDT %u)  guest MemTotal "
                "%.1f MiB\n", PROGRAM, run->slots, run->hotplug ? "on" : "off",
                vm->boot_seconds, rss, own_rss, run->acpi_bytes, run->dsdt_bytes,
                run->guest_mem_kib / 1024.0);
    }
    run->boot = stats_of(run->boot_s);
    run->rss = stats_of(run->rss_mib);
    run->own_rss = stats_of(run->own_rss_mib);
    run->kernel = stats_of(run->kernel_s);
    return TRUE;
}

/* FALSE: the plugged vCPUs stay offline in the guest (--no-online). */
static gboolean online_plugged = TRUE;

static void
cycle_of(VhCpuCycle *cycle, guint cpu, const char *dev_id)
{
    *cycle = (VhCpuCycle){
        .slot_prop = "core-id", .slot_value = cpu, .guest_cpu = cpu, .dev_id = dev_id,
        .step_timeout_ms = STEP_TIMEOUT_MS, .leave_offline = !online_plugged,
        .time_acknowledged = TRUE,
    };
}

static gboolean
plug_run(PlugRun *run, const char *qemu, const char *lab, guint max_plugs, guint rounds,
         GError **error)
{
    g_autoptr(VhLabVm) vm = boot(qemu, lab, run->slots, TRUE, error);
    g_autoptr(VhGuestCpus) guest_cpus = NULL;
    g_autoptr(GArray) first = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) first_seen = g_array_new(FALSE, FALSE, sizeof(double));

    if (!vm)
        return FALSE;
    guest_cpus = vh_lab_guest_cpus_new(vm->guest, "enabled");
    run->plugs = MIN(max_plugs, run->slots - 2);
    run->plug_ms = g_new0(GArray *, run->plugs);
    run->seen_ms = g_new0(GArray *, run->plugs);
    run->unplug_ms = g_new0(GArray *, run->plugs);
    for (guint k = 0; k < run->plugs; k++) {
        run->plug_ms[k] = g_array_new(FALSE, FALSE, sizeof(double));
        run->seen_ms[k] = g_array_new(FALSE, FALSE, sizeof(double));
        run->unplug_ms[k] = g_array_new(FALSE, FALSE, sizeof(double));
    }
    for (guint r = 0; r < rounds; r++) {
        gint64 start = g_get_monotonic_time();

        for (guint k = 0; k < run->plugs; k++) {
            g_autofree char *dev_id = g_strdup_printf("vcpu%u", k + 2);
            VhCpuCycle cycle;
            VhCpuCycleTimes times;

            cycle_of(&cycle, k + 2, dev_id);
            if (!vh_cpu_bring_up(vh_lab_vm_qmp(vm), guest_cpus, &cycle, &times, error)) {
                g_prefix_error(error, "%u slots, round %u, plug %u: ", run->slots, r + 1, k + 1);
                return FALSE;
            }
            g_array_append_val(run->plug_ms[k], times.acknowledged);
            g_array_append_val(run->seen_ms[k], times.enabled);
        }
        /* Last in, first out: the guest's CPU numbers stay contiguous. */
        for (guint k = run->plugs; k-- > 0;) {
            g_autofree char *dev_id = g_strdup_printf("vcpu%u", k + 2);
            VhCpuCycle cycle;
            VhCpuCycleTimes times;

            cycle_of(&cycle, k + 2, dev_id);
            if (!vh_cpu_take_down(vh_lab_vm_qmp(vm), guest_cpus, &cycle, &times, error)) {
                g_prefix_error(error, "%u slots, round %u, unplug of %s: ", run->slots, r + 1,
                               dev_id);
                return FALSE;
            }
            g_array_append_val(run->unplug_ms[k], times.deleted);
        }
        fprintf(stderr, "%s: per plug: %3u slots, round %u/%u: %u plugs and unplugs in "
                "%.1f s; plug 1 %.1f ms (seen %.1f), plug %u %.1f ms (seen %.1f)\n", PROGRAM,
                run->slots, r + 1, rounds, run->plugs, (g_get_monotonic_time() - start) / 1e6,
                g_array_index(run->plug_ms[0], double, r),
                g_array_index(run->seen_ms[0], double, r), run->plugs,
                g_array_index(run->plug_ms[run->plugs - 1], double, r),
                g_array_index(run->seen_ms[run->plugs - 1], double, r));
    }
    run->plug = g_new0(Stats, run->plugs);
    run->seen = g_new0(Stats, run->plugs);
    run->unplug = g_new0(Stats, run->plugs);
    for (guint k = 0; k < run->plugs; k++) {
        run->plug[k] = stats_of(run->plug_ms[k]);
        run->seen[k] = stats_of(run->seen_ms[k]);
        run->unplug[k] = stats_of(run->unplug_ms[k]);
        if (k < COMPARED_PLUGS) {
            g_array_append_vals(first, run->plug_ms[k]->data, run->plug_ms[k]->len);
            g_array_append_vals(first_seen, run->seen_ms[k]->data, run->seen_ms[k]->len);
        }
    }
    run->first_plugs = stats_of(first);
    run->first_seen = stats_of(first_seen);
    return TRUE;
}

static void
plug_run_clear(PlugRun *run)
{
    for (guint k = 0; run->plug_ms && k < run->plugs; k++) {
        g_array_unref(run->plug_ms[k]);
        g_array_unref(run->seen_ms[k]);
        g_array_unref(run->unplug_ms[k]);
    }
    g_free(run->plug_ms);
    g_free(run->seen_ms);
    g_free(run->unplug_ms);
    g_free(run->plug);
    g_free(run->seen);
    g_free(run->unplug);
}

static void
ready_run_clear(ReadyRun *run)
{
    if (run->boot_s)
        g_array_unref(run->boot_s);
    if (run->rss_mib)
        g_array_unref(run->rss_mib);
    if (run->own_rss_mib)
        g_array_unref(run->own_rss_mib);
    if (run->kernel_s)
        g_array_unref(run->kernel_s);
}

static const PlugRun *
plug_run_with(const PlugRun *runs, guint n, guint slots)
{
    for (guint i = 0; i < n; i++)
        if (runs[i].slots == slots)
            return &runs[i];
    return NULL;
}

static const ReadyRun *
ready_run_with(const ReadyRun *runs, guint n, guint slots, gboolean hotplug)
{
    for (guint i = 0; i < n; i++)
        if (runs[i].slots == slots && runs[i].hotplug == hotplug)
            return &runs[i];
    return NULL;
}

/* How many plugs each end window has: END_PLUGS, fewer in a short row so that the
 * windows (from the second plug, and up to the last) do not overlap. */
static guint
end_window(const PlugRun *run)
{
    return MIN(END_PLUGS, (run->plugs - 1) / 2);
}

/* The samples of @n plugs from the @first-th (0-based), all rounds pooled. */
static Stats
window_stats(GArray *const *samples, guint first, guint n)
{
    g_autoptr(GArray) pooled = g_array_new(FALSE, FALSE, sizeof(double));

    for (guint k = first; k < first + n; k++)
        g_array_append_vals(pooled, samples[k]->data, samples[k]->len);
    return stats_of(pooled);
}

/* The last plugs' median against the second's (and its neighbours'). */
static double
last_to_second(const PlugRun *run, GArray *const *samples)
{
    guint n = end_window(run);

    return window_stats(samples, run->plugs - n, n).median / window_stats(samples, 1, n).median;
}

/* The same ratios by the shell's view, for the text under the goals. */
static void
seen_ratios(GString *md, const PlugRun *plugs, guint n_plugs)
{
    const PlugRun *p8 = plug_run_with(plugs, n_plugs, 8), *p256 = plug_run_with(plugs, n_plugs, 256);

    if (!n_plugs)
        return;
    g_string_append(md, "\nThe same ratios by what a shell in the guest sees (context, not "
                        "the goal):");
    if (p8 && p256)
        g_string_append_printf(md, " 256 slots / 8, %.2f;",
                               p256->first_seen.median / p8->first_seen.median);
    for (guint i = 0; i < n_plugs; i++)
        if (plugs[i].plugs >= 3)
            g_string_append_printf(md, " last / second at %u slots, %.2f;", plugs[i].slots,
                                   last_to_second(&plugs[i], plugs[i].seen_ms));
    g_string_truncate(md, md->len - 1);
    g_string_append(md, ".\n");
}

static void
check_goals(Goals *goals, const PlugRun *plugs, guint n_plugs, const ReadyRun *ready,
            guint n_ready)
{
    const PlugRun *p8 = plug_run_with(plugs, n_plugs, 8), *p256 = plug_run_with(plugs, n_plugs, 256);
    const ReadyRun *on64 = ready_run_with(ready, n_ready, 64, TRUE);
    const ReadyRun *off64 = ready_run_with(ready, n_ready, 64, FALSE);

    g_string_append(goals->md, "| goal | measured | bound | met |\n|---|--:|--:|---|\n");
    if (p8 && p256)
        goal(goals, "plug with 256 slots / with 8 (median of the first 6 plugs)",
             p256->first_plugs.median / p8->first_plugs.median, GOAL_SLOTS_RATIO);
    for (guint i = 0; i < n_plugs; i++) {
        g_autofree char *what = NULL;

        guint n = end_window(&plugs[i]);

        if (plugs[i].plugs < 3)
            continue;
        what = n == 1 ? g_strdup_printf("last plug (%u) / second, %u slots", plugs[i].plugs,
                                        plugs[i].slots)
                      : g_strdup_printf("last plugs (%u-%u) / second (2-%u), %u slots",
                                        plugs[i].plugs - n + 1, plugs[i].plugs, n + 1,
                                        plugs[i].slots);
        goal(goals, what, last_to_second(&plugs[i], plugs[i].plug_ms), GOAL_LAST_RATIO);
    }
    if (on64 && off64)
        goal(goals, "boot with 64 slots / hotplug off (medians)",
             on64->boot.median / off64->boot.median, GOAL_BOOT_RATIO);
}

static char *
markdown(const PlugRun *plugs, guint n_plugs, const ReadyRun *ready, guint n_ready,
         const char *goals_md)
{
    GString *md = g_string_new(NULL);

    if (n_plugs) {
        guint max_plugs = 0;

        g_string_append_printf(md, "Per-plug cost: milliseconds, median over the rounds "
                               "(min–max); plug = device_add → the guest's _OST for the "
                               "inserted vCPU (its kernel has enabled it), by QEMU's "
                               "ACPI_DEVICE_OST timestamp; seen = device_add → a shell in "
                               "the guest sees the vCPU in `enabled` (median); unplug = "
                               "device_del → DEVICE_DELETED of the k-th plugged vCPU. Each "
                               "plugged vCPU is %s before the next plug.\n\n",
                               online_plugged ? "onlined in the guest"
                                              : "left offline (--no-online)");
        g_string_append(md, "| plug k |");
        for (guint i = 0; i < n_plugs; i++) {
            g_string_append_printf(md, " plug, %u slots | seen | unplug, %u slots |",
                                   plugs[i].slots, plugs[i].slots);
            max_plugs = MAX(max_plugs, plugs[i].plugs);
        }
        g_string_append(md, "\n|--:|");
        for (guint i = 0; i < n_plugs; i++)
            g_string_append(md, "--:|--:|--:|");
        g_string_append(md, "\n");
        for (guint k = 0; k < max_plugs; k++) {
            /* All of the first plugs, then every 8th and the last: the plot has them all. */
            if (k >= COMPARED_PLUGS && (k + 1) % 8 && k + 1 != max_plugs)
                continue;
            g_string_append_printf(md, "| %u |", k + 1);
            for (guint i = 0; i < n_plugs; i++) {
                if (k < plugs[i].plugs)
                    g_string_append_printf(md, " %.1f (%.1f–%.1f) | %.1f | %.1f (%.1f–%.1f) |",
                                           plugs[i].plug[k].median, plugs[i].plug[k].min,
                                           plugs[i].plug[k].max, plugs[i].seen[k].median,
                                           plugs[i].unplug[k].median,
                                           plugs[i].unplug[k].min, plugs[i].unplug[k].max);
                else
                    g_string_append(md, " | | |");
            }
            g_string_append(md, "\n");
        }
        g_string_append(md, "\n");
    }
    if (n_ready) {
        g_string_append(md, "The cost of being ready: boot = QEMU started → the guest's shell "
                            "answers, seconds; kernel = of it, the guest kernel's own "
                            "start to /init by its clock (dmesg), seconds; RSS = QEMU's resident memory once booted, "
                            "the guest RAM it touched included, and QEMU's own = without "
                            "the guest's RAM, MiB "
                            "(median, min–max); ACPI = all tables' bytes as the guest reads "
                            "them (DSDT's); guest = the guest's MemTotal, MiB, what its kernel "
                            "left of the RAM.\n\n");
        g_string_append(md, "| slots | hotplug | boot (s) | kernel (s) | RSS (MiB) "
                            "| QEMU's own (MiB) | ACPI bytes (DSDT) | guest (MiB) "
                            "| boot / hotplug off | kernel / hotplug off |\n"
                            "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (guint i = 0; i < n_ready; i++) {
            const ReadyRun *off = ready_run_with(ready, n_ready, ready[i].slots, FALSE);

            g_string_append_printf(md, "| %u | %s | %.2f (%.2f–%.2f) | %.2f | %.1f (%.1f–%.1f) "
                                   "| %.1f (%.1f–%.1f) | %u (%u) | %.1f | ",
                                   ready[i].slots, ready[i].hotplug ? "on" : "off",
                                   ready[i].boot.median, ready[i].boot.min, ready[i].boot.max,
                                   ready[i].kernel.median,
                                   ready[i].rss.median, ready[i].rss.min, ready[i].rss.max,
                                   ready[i].own_rss.median, ready[i].own_rss.min,
                                   ready[i].own_rss.max,
                                   ready[i].acpi_bytes, ready[i].dsdt_bytes,
                                   ready[i].guest_mem_kib / 1024.0);
            if (off && ready[i].hotplug)
                g_string_append_printf(md, "%.2f | %.2f |\n",
                                       ready[i].boot.median / off->boot.median,
                                       ready[i].kernel.median / off->kernel.median);
            else
                g_string_append(md, "| |\n");
        }
        g_string_append(md, "\n");
    }
    g_string_append(md, goals_md);
    seen_ratios(md, plugs, n_plugs);
    return g_string_free(md, FALSE);
}

/* Gnuplot's data: one block per slot count, "k plug_median unplug_median". */
static gboolean
write_plot_data(const char *path, const PlugRun *plugs, guint n_plugs, GError **error)
{
    g_autoptr(GString) data = g_string_new(NULL);

    for (guint i = 0; i < n_plugs; i++) {
        /* The block's first line is its title (gnuplot's columnheader). */
        g_string_append_printf(data, "\"%u slots\" plug unplug\n", plugs[i].slots);
        for (guint k = 0; k < plugs[i].plugs; k++)
            g_string_append_printf(data, "%u %.2f %.2f\n", k + 1, plugs[i].plug[k].median,
                                   plugs[i].unplug[k].median);
        g_string_append(data, "\n\n");
    }
    return g_file_set_contents(path, data->str, data->len, error);
}

int
main(int argc, char **argv)
{
    g_autofree char *qemu = NULL, *lab = NULL, *output_markdown = NULL, *output_plot = NULL;
    g_autofree char *slots_list = g_strdup("8,64,256,512");
    g_autofree char *ready_list = g_strdup("2,8,64,256,512");
    int plugs = 62, rounds = 3, boots = 3, memory = (int)memory_mib;
    GOptionEntry entries[] = {
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu, "qemu-system-aarch64 built from vmm/", "PATH" },
        { "lab", 0, 0, G_OPTION_ARG_FILENAME, &lab, "lab directory (tools/lab/build-guest.sh)", "DIR" },
        { "slots", 0, 0, G_OPTION_ARG_STRING, &slots_list,
          "slot counts of the per-plug cost (default 8,64,256,512; empty: none)", "M,..." },
        { "plugs", 0, 0, G_OPTION_ARG_INT, &plugs, "plugs per round (default 62)", "N" },
        { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds,
          "plug-all/unplug-all rounds per slot count (default 3)", "N" },
        { "ready-slots", 0, 0, G_OPTION_ARG_STRING, &ready_list,
          "slot counts of the cost of being ready (default 2,8,64,256,512; empty: none)", "M,..." },
        { "boots", 0, 0, G_OPTION_ARG_INT, &boots,
          "boots per slot count, hotplug on and off (default 3)", "N" },
        { "no-online", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &online_plugged,
          "leave the plugged vCPUs offline in the guest (default: online each)", NULL },
        { "memory", 0, 0, G_OPTION_ARG_INT, &memory,
          "guest RAM in MiB, every guest (default 1024)", "MIB" },
        { "output-markdown", 0, 0, G_OPTION_ARG_FILENAME, &output_markdown,
          "also write the results as Markdown to FILE", "FILE" },
        { "output-plot-data", 0, 0, G_OPTION_ARG_FILENAME, &output_plot,
          "write the per-plug medians for gnuplot to FILE", "FILE" },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) slot_counts = NULL, ready_counts = NULL;
    PlugRun *plug_runs = NULL;
    ReadyRun *ready_runs = NULL;
    guint n_plug = 0, n_ready = 0;
    Goals goals;
    int status = 0;

    if (!bench_parse_options(PROGRAM, "- time vCPU hotplug as the number of possible vCPUs grows",
                             entries, &argc, &argv))
        return 2;
    if (!qemu || !lab) {
        fprintf(stderr, "%s: --qemu and --lab are required\n", PROGRAM);
        return 2;
    }
    if (plugs < 1 || rounds < 1 || boots < 1 || memory < 128) {
        fprintf(stderr, "%s: --plugs, --rounds and --boots must be at least 1, --memory "
                "at least 128\n", PROGRAM);
        return 2;
    }
    memory_mib = (guint)memory;
    /* maxcpus of the virt machine with GICv3: 512. */
    if ((*slots_list && !(slot_counts = bench_parse_counts(slots_list, 3, 512, "slots", &err))) ||
        (*ready_list && !(ready_counts = bench_parse_counts(ready_list, 2, 512, "ready-slots", &err)))) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
        return 2;
    }

    goals_init(&goals);
    n_plug = slot_counts ? slot_counts->len : 0;
    plug_runs = g_new0(PlugRun, n_plug);
    for (guint i = 0; i < n_plug; i++) {
        plug_runs[i].slots = g_array_index(slot_counts, guint, i);
        if (!plug_run(&plug_runs[i], qemu, lab, (guint)plugs, (guint)rounds, &err))
            goto failed;
    }
    n_ready = ready_counts ? 2 * ready_counts->len : 0;
    ready_runs = g_new0(ReadyRun, n_ready);
    for (guint i = 0; i < n_ready; i++) {
        ready_runs[i].slots = g_array_index(ready_counts, guint, i / 2);
        ready_runs[i].hotplug = i % 2 == 0;
        if (!ready_run(&ready_runs[i], qemu, lab, (guint)boots, &err))
            goto failed;
    }

    check_goals(&goals, plug_runs, n_plug, ready_runs, n_ready);
    if (!bench_write_markdown(output_markdown,
                              markdown(plug_runs, n_plug, ready_runs, n_ready, goals.md->str), &err))
        goto failed;
    if (output_plot && !write_plot_data(output_plot, plug_runs, n_plug, &err))
        goto failed;
    status = goals_exit_status(&goals);
    goto out;
failed:
    fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
    status = 1;
out:
    for (guint i = 0; i < n_plug; i++)
        plug_run_clear(&plug_runs[i]);
    for (guint i = 0; i < n_ready; i++)
        ready_run_clear(&ready_runs[i]);
    g_free(plug_runs);
    g_free(ready_runs);
    goals_clear(&goals);
    return status;
}
