/*
 * vcpuhp-bench-nested: vCPU hotplug latency under nested KVM beside TCG, in one
 * run: the cycles of bench-latency.h on the lab's aarch64 guest under TCG on this
 * host, then on the same guest as L2 under KVM in the nested ARM KVM lab
 * (vh-nested.h), which the host drives through L1's ports like any lab guest.
 *
 * The claim is the ratio nested/TCG, never an absolute KVM figure: L2's vCPUs are
 * KVM vCPUs of an L1 that itself runs under TCG, so every figure of L2 also
 * carries L1's emulation. The channel's ratio shows what the L0 -> L1 -> L2 path
 * alone costs a round trip. The guests run one after the other, never together:
 * the machine's cores are shared, and a second TCG guest would slow the first.
 *
 * Then what a possible vCPU costs while its KVM vCPU is parked (created at
 * startup, vmm 0035): the latency cycles' L2 (4 parked vCPUs) read just after its
 * boot and the same L2 booted with maxcpus=PARKED_MAX, read in L1 - the L2 QEMU's
 * resident memory, of it its guest
 * RAM (the L2 kernel's per-CPU areas are there) and the rest, and L1's kernel
 * memory (Slab + KernelStack + PageTables: KVM's vCPU structures) - and the
 * difference per parked vCPU. Memory, unlike time, is not inflated by nesting.
 */
#include <stdio.h>

#include "bench-args.h"
#include "bench-latency.h"
#include "vh-error.h"
#include "vh-json.h"
#include "vh-nested.h"

#define PROGRAM "vcpuhp-bench-nested"
#define NESTED_LABEL "nested KVM (L2 in a TCG L1)"
/* The same VM both ways: two boot vCPUs, four slots the cycles take in turn. */
#define SMP "cpus=2,maxcpus=6"
#define SLOTS 4
#define TCG_BOOT_TIMEOUT_MS 180000
/* Each step's bound under TCG (the nested lab's are vh-nested.h's) */
#define TCG_TIMEOUT_MS 30000
#define DEFAULT_CYCLES 10
#define MAX_CYCLES 1000
/* The possible vCPUs of the parked-memory figure (the nested KVM scale) */
#define PARKED_MAX 64
/* vh_nested_l2_start()'s -m, in KiB: the L2 QEMU's guest RAM mapping */
#define L2_RAM_KIB (256 * 1024)

/* Memory of one L2 booted with -smp cpus=2,maxcpus=max, KiB, read in L1. */
typedef struct {
    guint max;
    guint64 qemu_rss, guest_ram_rss, l1_kernel;
} ParkedMemory;

typedef struct {
    LatencyRun tcg;
    LatencyRun nested;          /* L2's cycles and description */
    const char *qemu_binary;    /* of the TCG guest and of L1 */
    double l1_boot_seconds;
    ParkedMemory parked[2];     /* the cycles' L2 (maxcpus=6), maxcpus=PARKED_MAX */
} NestedBench;

static gboolean
bench_tcg(NestedBench *bench, const char *lab_dir, guint cycles, GError **error)
{
    VhLabGuestConfig config = {
        .arch = VH_GUEST_ARM64, .qemu_binary = bench->qemu_binary, .lab_dir = lab_dir,
        .smp = SMP,
    };
    LatencyPlan plan = {
        .mask = "enabled", .slots = SLOTS,
        .step_timeout_ms = TCG_TIMEOUT_MS, .cmd_timeout_ms = TCG_TIMEOUT_MS,
    };

    return latency_run_lab_guest(&bench->tcg, &config, &plan, TCG_BOOT_TIMEOUT_MS, cycles,
                                 PROGRAM, error);
}

/* A label must not claim KVM for a guest that does not run under it. */
static gboolean
check_kvm_enabled(VhQmp *qmp, GError **error)
{
    g_autoptr(JsonNode) kvm = vh_qmp_execute_json(qmp, "query-kvm", NULL,
                                                  VH_NESTED_QMP_TIMEOUT_MS, error);

    if (!kvm)
        return FALSE;
    if (!JSON_NODE_HOLDS_OBJECT(kvm) ||
        !vh_json_bool(json_node_get_object(kvm), "enabled", FALSE)) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "L2 does not run under KVM (query-kvm)");
        return FALSE;
    }
    return TRUE;
}

static gboolean
l2_cycles(NestedBench *bench, VhNested *nested, VhNestedL2 *l2, guint cycles, GError **error)
{
    LatencyPlan plan = {
        .mask = "enabled", .slots = SLOTS,
        .step_timeout_ms = VH_NESTED_CMD_TIMEOUT_MS, .cmd_timeout_ms = VH_NESTED_CMD_TIMEOUT_MS,
    };
    g_autofree char *log = NULL;

    bench->nested.boot_seconds = l2->boot_seconds;
    if (!check_kvm_enabled(l2->qmp, error) ||
        !latency_run_describe(&bench->nested, l2->qmp, l2->guest, VH_NESTED_QMP_TIMEOUT_MS,
                              error))
        return FALSE;
    if (latency_run_cycles(&bench->nested, &plan, l2->qmp, l2->guest, cycles, PROGRAM, error))
        return TRUE;
    log = vh_nested_l2_log(nested, l2, NULL);
    latency_add_qemu_log(log, error);
    return FALSE;
}

/* "name value" lines of L1's answer into @mem. */
static gboolean
parse_memory(const char *out, ParkedMemory *mem, GError **error)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    guint found = 0;

    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(*l), " ", 2);
        guint64 *field = NULL;
        guint64 v;

        if (g_strv_length(f) != 2)
            continue;
        if (!g_strcmp0(f[0], "rss"))
            field = &mem->qemu_rss;
        else if (!g_strcmp0(f[0], "ram"))
            field = &mem->guest_ram_rss;
        else if (!g_strcmp0(f[0], "kernel"))
            field = &mem->l1_kernel;
        if (!field || !g_ascii_string_to_unsigned(f[1], 10, 0, G_MAXUINT64, &v, NULL))
            continue;
        *field = v;
        found++;
    }
    if (found != 3) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "L1 did not report the L2 QEMU's memory (got '%s')", out);
        return FALSE;
    }
    return TRUE;
}

/* Reads the memory of the running L2 (pair A) in L1 into @mem. */
static gboolean
read_memory(VhNested *nested, ParkedMemory *mem, GError **error)
{
    /* In L1 (busybox): the L2 QEMU's VmRSS, the resident part of its guest RAM (the
     * mapping of -m's size) and L1's kernel memory, KiB. */
    static const char *const command_fmt =
        "p=$(cat /tmp/a.pid) && "
        "awk '/^VmRSS:/ { print \"rss\", $2 }' /proc/$p/status && "
        "awk '/^Size:/ { s = $2 } /^Rss:/ { if (s == %u) print \"ram\", $2 }' /proc/$p/smaps && "
        "awk '/^(Slab|KernelStack|PageTables):/ { k += $2 } END { print \"kernel\", k }' "
        "/proc/meminfo";
    g_autofree char *command = g_strdup_printf(command_fmt, L2_RAM_KIB);
    g_autofree char *out = vh_guest_run_ok(nested->l1->guest, command,
                                           VH_NESTED_CMD_TIMEOUT_MS, error);

    if (!out || !parse_memory(out, mem, error))
        return FALSE;
    fprintf(stderr, "%s: L2 with %u possible vCPUs: QEMU RSS %" G_GUINT64_FORMAT " KiB "
            "(guest RAM %" G_GUINT64_FORMAT "), L1 kernel %" G_GUINT64_FORMAT " KiB\n",
            PROGRAM, mem->max, mem->qemu_rss, mem->guest_ram_rss, mem->l1_kernel);
    return TRUE;
}

/* Boots L2 with @mem->max possible vCPUs under KVM and reads its memory in L1. */
static gboolean
boot_and_read_memory(VhNested *nested, ParkedMemory *mem, GError **error)
{
    g_autofree char *smp = g_strdup_printf("cpus=2,maxcpus=%u", mem->max);
    VhNestedL2 *l2;
    gboolean ok;

    fprintf(stderr, "%s: booting L2 under KVM (-smp %s) for its memory...\n", PROGRAM, smp);
    l2 = vh_nested_l2_boot(nested, VH_NESTED_PAIR_A, VH_NESTED_L1_QEMU, NULL, smp, NULL, error);
    if (!l2)
        return FALSE;
    ok = check_kvm_enabled(l2->qmp, error) && read_memory(nested, mem, error);
    return vh_nested_l2_stop(nested, l2, ok ? error : NULL) && ok;
}

static gboolean
bench_nested(NestedBench *bench, const char *lab_dir, const char *nested_dir, guint cycles,
             GError **error)
{
    VhNestedConfig config = {
        .qemu_binary = bench->qemu_binary, .lab_dir = lab_dir, .nested_dir = nested_dir,
    };
    g_autoptr(VhNested) nested = NULL;
    VhNestedL2 *l2;
    gboolean ok;

    fprintf(stderr, "%s: booting L1 (arm64 under TCG with EL2)...\n", PROGRAM);
    nested = vh_nested_boot(&config, error);
    if (!nested)
        return FALSE;
    bench->l1_boot_seconds = nested->l1->boot_seconds;
    fprintf(stderr, "%s: L1 booted in %.1f s; booting L2 under KVM (-smp %s)...\n", PROGRAM,
            bench->l1_boot_seconds, SMP);
    l2 = vh_nested_l2_boot(nested, VH_NESTED_PAIR_A, VH_NESTED_L1_QEMU, NULL, SMP, NULL, error);
    if (!l2)
        return FALSE;
    /* Its memory before the cycles: as fresh from boot as the PARKED_MAX one's. */
    bench->parked[0].max = 2 + SLOTS;
    ok = read_memory(nested, &bench->parked[0], error) &&
         l2_cycles(bench, nested, l2, cycles, error);
    /* A failed run's error is the one to report, not its L2's stop. */
    if (!vh_nested_l2_stop(nested, l2, ok ? error : NULL) || !ok)
        return FALSE;
    bench->parked[1].max = PARKED_MAX;
    return boot_and_read_memory(nested, &bench->parked[1], error);
}

/* Per parked vCPU, KiB: the difference between the two L2s over the slots added. */
static double
per_parked(const NestedBench *bench, guint64 (*of)(const ParkedMemory *))
{
    const ParkedMemory *a = &bench->parked[0], *b = &bench->parked[1];

    return ((double)of(b) - (double)of(a)) / (b->max - a->max);
}

static guint64 mem_rss(const ParkedMemory *m) { return m->qemu_rss; }
static guint64 mem_ram(const ParkedMemory *m) { return m->guest_ram_rss; }
static guint64 mem_own(const ParkedMemory *m) { return m->qemu_rss - MIN(m->qemu_rss, m->guest_ram_rss); }
static guint64 mem_kernel(const ParkedMemory *m) { return m->l1_kernel; }

static void
parked_markdown(GString *md, const NestedBench *bench)
{
    g_string_append_printf(md,
        "\nWhat a possible vCPU costs while its KVM vCPU is parked: the L2 above "
        "(`-smp %s`) just after its boot, and the same L2 booted with `maxcpus=%u`, read "
        "in L1 (KiB; one boot each). QEMU's own = its resident memory without the guest RAM's resident "
        "part; the guest RAM's grows because the L2 kernel keeps per-CPU memory for "
        "every possible vCPU; L1's kernel = Slab + KernelStack + PageTables, where KVM "
        "keeps its vCPUs.\n\n", SMP, PARKED_MAX);
    g_string_append(md, "| L2 | QEMU RSS | of it guest RAM | QEMU's own | L1's kernel |\n"
                        "|---|--:|--:|--:|--:|\n");
    for (guint i = 0; i < G_N_ELEMENTS(bench->parked); i++) {
        const ParkedMemory *m = &bench->parked[i];

        g_string_append_printf(md, "| maxcpus=%u | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT
                               " | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT " |\n", m->max,
                               mem_rss(m), mem_ram(m), mem_own(m), mem_kernel(m));
    }
    g_string_append_printf(md, "| per parked vCPU | %.0f | %.0f | %.0f | %.0f |\n",
                           per_parked(bench, mem_rss), per_parked(bench, mem_ram),
                           per_parked(bench, mem_own), per_parked(bench, mem_kernel));
}

static void
append_stats(GString *md, const Stats *s)
{
    g_string_append_printf(md, "%.1f (%.1f–%.1f)", s->median, s->min, s->max);
}

static double
ratio(const NestedBench *bench, Metric m)
{
    return bench->nested.stats[m].median / bench->tcg.stats[m].median;
}

static char *
markdown(const NestedBench *bench, guint cycles)
{
    GString *md = g_string_new(NULL);

    g_string_append_printf(md,
        "vCPU hotplug latency under " NESTED_LABEL " beside TCG, on this host in one run: "
        "medians of %u cycles each, with min–max, in milliseconds. Only the ratios are "
        "the claim: the nested guest's KVM vCPUs are vCPUs of an L1 that runs under TCG, "
        "so its absolute figures say nothing about KVM on ARM hardware.\n\n", cycles);
    g_string_append(md, "| metric | what is timed | TCG median (min–max) | " NESTED_LABEL
                        " median (min–max) | ratio nested/TCG |\n");
    g_string_append(md, "|---|---|--:|--:|--:|\n");
    for (int m = 0; m < N_METRICS; m++) {
        g_string_append_printf(md, "| %s | %s | ", metric_info[m].name,
                               metric_info[m].description);
        append_stats(md, &bench->tcg.stats[m]);
        g_string_append(md, " | ");
        append_stats(md, &bench->nested.stats[m]);
        g_string_append_printf(md, " | %.2f |\n", ratio(bench, m));
    }
    g_string_append_printf(md,
        "\nThe channel's ratio, %.2f, is what the L0 → L1 → L2 path itself costs a round "
        "trip (the host reaches L2's console through a virtio-serial port of L1); "
        "`enabled` and `online` each contain one such round trip. L2's monitor is such a "
        "port too, so `add-reply` and `del-reply` are mostly that path.\n\n",
        ratio(bench, METRIC_CHANNEL));
    g_string_append_printf(md, "- TCG: `%s`, QEMU %s, `-M virt,gic-version=3 -smp %s -accel "
                           "tcg`, guest kernel %s, booted in %.1f s\n",
                           bench->qemu_binary, bench->tcg.qemu_version, SMP,
                           bench->tcg.kernel_release, bench->tcg.boot_seconds);
    g_string_append_printf(md, "- " NESTED_LABEL ": L1 `%s -M virt,virtualization=on "
                           "-accel tcg -smp 2` booted in %.1f s; L2 `" VH_NESTED_L1_QEMU
                           "` in L1, QEMU %s, `-M virt,gic-version=3 -smp %s -accel kvm "
                           "-cpu host`, guest kernel %s, booted in %.1f s\n",
                           bench->qemu_binary, bench->l1_boot_seconds,
                           bench->nested.qemu_version, SMP, bench->nested.kernel_release,
                           bench->nested.boot_seconds);
    parked_markdown(md, bench);
    return g_string_free(md, FALSE);
}

int
main(int argc, char **argv)
{
    g_autofree char *qemu = NULL, *lab = NULL, *nested_dir = NULL, *output_markdown = NULL;
    int cycles = DEFAULT_CYCLES;
    GOptionEntry entries[] = {
        { "qemu-arm64", 0, 0, G_OPTION_ARG_FILENAME, &qemu,
          "qemu-system-aarch64 built from vmm/ (the TCG guest's and L1's)", "PATH" },
        { "lab", 0, 0, G_OPTION_ARG_FILENAME, &lab,
          "lab directory (tools/lab/build-guest.sh)", "DIR" },
        { "nested", 0, 0, G_OPTION_ARG_FILENAME, &nested_dir,
          "nested ARM KVM lab directory (tools/lab/build-nested.sh)", "DIR" },
        { "cycles", 0, 0, G_OPTION_ARG_INT, &cycles,
          "plug/online/unplug cycles per guest (default 10)", "N" },
        { "output-markdown", 0, 0, G_OPTION_ARG_FILENAME, &output_markdown,
          "also write the results as Markdown to FILE", "FILE" },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autofree char *md = NULL;
    NestedBench bench = { .qemu_binary = NULL };
    int status = 1;

    if (!bench_parse_options(PROGRAM, "- time vCPU hotplug under nested KVM against TCG",
                             entries, &argc, &argv))
        return 2;
    if (!qemu || !lab || !nested_dir) {
        fprintf(stderr, "%s: --qemu-arm64, --lab and --nested are required\n", PROGRAM);
        return 2;
    }
    if (cycles < 1 || cycles > MAX_CYCLES) {
        fprintf(stderr, "%s: --cycles must be between 1 and %d\n", PROGRAM, MAX_CYCLES);
        return 2;
    }

    bench.qemu_binary = qemu;
    latency_run_init(&bench.tcg, "TCG");
    latency_run_init(&bench.nested, "nested");
    if (!bench_tcg(&bench, lab, (guint)cycles, &err) ||
        !bench_nested(&bench, lab, nested_dir, (guint)cycles, &err))
        goto out;
    md = markdown(&bench, (guint)cycles);
    fputs(md, stdout);
    if (!bench_write_markdown(output_markdown, g_steal_pointer(&md), &err))
        goto out;
    status = 0;
out:
    if (err)
        fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
    latency_run_clear(&bench.tcg);
    latency_run_clear(&bench.nested);
    return status;
}
