/*
 * vcpuhp-bench-bulk: growing a running VM by many vCPUs at once and shrinking it
 * back, as a user or an autoscaler does: `virsh setvcpus DOM N --live`
 * (virDomainSetVcpusFlags with VIR_DOMAIN_AFFECT_LIVE) from 2 vCPUs to N, then back
 * to 2, for each N of --sizes, on five systems, all under TCG:
 *   aarch64, libvirt  the virt machine of the QEMU of vmm/ (--arm-xml), run by the
 *                     libvirt of --uri (the bench runs ours, src/hotplug_driver/);
 *   aarch64, Debian's libvirt
 *                     the same domain (--stock-arm-xml) run by the daemon of
 *                     --stock-uri (Debian's): what the libvirt series changes;
 *   x86_64, libvirt   a q35 guest of the --uri libvirt (--x86-xml), the baseline;
 *   aarch64, QMP      the same aarch64 guest started by the lab, and the same plan
 *                     sent to QEMU's monitor by this project's library (vh-resize.h):
 *                     per vCPU query-hotpluggable-cpus and device_add, or device_del
 *                     and its DEVICE_DELETED, one after the other as libvirt does;
 *   x86_64, QMP       the same for the x86_64 guest (--qemu-x86): libvirt's own cost
 *                     on both machines.
 * Each (size, round, system) gets a fresh guest with 2 vCPUs of --max possible ones,
 * so that no run inherits another's state; the systems take turns within a round.
 *
 * Figures, in milliseconds from the start of the call:
 *   grow         the call returns (libvirt returns once QEMU has every new vCPU);
 *   grow, guest  the guest shows the last new vCPU (its "enabled" mask on aarch64,
 *                "present" on x86_64, which has no "enabled"), and then all of them;
 *   shrink       the call back to 2 returns (libvirt waits for each vCPU's
 *                DEVICE_DELETED, so the guest has ejected them all).
 * Guests run one after the other, never together. Exit status 3 when a goal of
 * issue 15 is missed, 1 when a run fails, 2 on bad options.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "bench-args.h"
#include "bench-goals.h"
#include "bench-stats.h"
#include "vh-cpu-slots.h"
#include "vh-error.h"
#include "vh-lab.h"
#include "vh-libvirt.h"
#include "vh-resize.h"
#include "vh-unix.h"

#define PROGRAM "vcpuhp-bench-bulk"
#define BOOT_TIMEOUT_MS 300000
#define STEP_TIMEOUT_MS 60000
/* wait_cpu_mask's limit, in tenths of a second. */
#define GUEST_WAIT_TENTHS 1200
#define GUEST_CMD_TIMEOUT_MS 150000

/* Goals (issue 15). */
#define GOAL_X86_RATIO 1.5      /* aarch64 against x86_64, through libvirt */
#define GOAL_QMP_RATIO 1.3      /* libvirt against raw QMP, aarch64 */
#define GOAL_LINEAR_RATIO 1.5   /* per vCPU, the largest size against the smallest */

typedef enum {
    SYSTEM_ARM,
    SYSTEM_ARM_STOCK,
    SYSTEM_X86,
    SYSTEM_QMP,
    SYSTEM_X86_QMP,
    N_SYSTEMS,
} System;

static const char *const system_names[N_SYSTEMS] = {
    [SYSTEM_ARM] = "aarch64, libvirt",
    [SYSTEM_ARM_STOCK] = "aarch64, Debian's libvirt",
    [SYSTEM_X86] = "x86_64, libvirt",
    [SYSTEM_QMP] = "aarch64, QMP",
    [SYSTEM_X86_QMP] = "x86_64, QMP",
};

static gboolean
system_is_x86(System system)
{
    return system == SYSTEM_X86 || system == SYSTEM_X86_QMP;
}

typedef enum {
    FIGURE_GROW,
    FIGURE_GROW_GUEST,
    FIGURE_SHRINK,
    N_FIGURES,
} Figure;

static const char *const figure_names[N_FIGURES] = {
    [FIGURE_GROW] = "grow", [FIGURE_GROW_GUEST] = "grow, guest", [FIGURE_SHRINK] = "shrink",
};

/* One system at one size: the samples of each figure, one per round. */
typedef struct {
    GArray *samples[N_FIGURES];
    Stats stats[N_FIGURES];
} Cell;

typedef struct {
    const char *qemu, *qemu_x86, *lab;
    char *xml[N_SYSTEMS];       /* the libvirt systems': the domains' XML */
    const char *socket[N_SYSTEMS];  /* their serial ports' unix sockets */
    guint max;
    virConnectPtr conn;         /* --uri */
    virConnectPtr stock_conn;   /* --stock-uri, SYSTEM_ARM_STOCK's */
} Bench;

/* A fresh guest of one system, and how to resize it. */
typedef struct {
    System system;
    virDomainPtr dom;           /* libvirt systems */
    int fd;
    VhGuest *guest;
    VhLabVm *vm;                /* SYSTEM_QMP, SYSTEM_X86_QMP */
} Guest;

static void
ignore_libvirt_error(void *data, virErrorPtr error)
{
    (void)data;
    (void)error;
}

static void
guest_free(Guest *g)
{
    if (g->guest)
        vh_guest_free(g->guest);
    if (g->fd >= 0)
        close(g->fd);
    if (g->dom) {
        virDomainDestroy(g->dom);
        virDomainFree(g->dom);
    }
    if (g->vm)
        vh_lab_vm_free(g->vm);
    g_free(g);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Guest, guest_free)

static Guest *
guest_start(Bench *b, System system, GError **error)
{
    g_autoptr(Guest) g = g_new0(Guest, 1);

    g->system = system;
    g->fd = -1;
    if (system == SYSTEM_QMP || system == SYSTEM_X86_QMP) {
        g_autofree char *smp = g_strdup_printf("cpus=2,maxcpus=%u", b->max);
        VhLabGuestConfig config = {
            .arch = system_is_x86(system) ? VH_GUEST_X86_64 : VH_GUEST_ARM64,
            .qemu_binary = system_is_x86(system) ? b->qemu_x86 : b->qemu,
            .lab_dir = b->lab, .smp = smp,
        };

        g->vm = vh_lab_vm_boot(&config, BOOT_TIMEOUT_MS, error);
        return g->vm ? g_steal_pointer(&g) : NULL;
    }
    g->dom = virDomainCreateXML(system == SYSTEM_ARM_STOCK ? b->stock_conn : b->conn,
                                b->xml[system], 0);
    if (!g->dom) {
        vh_libvirt_set_error(error, "virDomainCreateXML");
        return NULL;
    }
    /* QEMU listens on the serial socket before libvirt starts its vCPUs. */
    g->fd = vh_unix_connect(b->socket[system], error);
    if (g->fd < 0)
        return NULL;
    g->guest = vh_guest_new(g->fd);
    if (!vh_guest_wait_ready(g->guest, BOOT_TIMEOUT_MS, error))
        return NULL;
    return g_steal_pointer(&g);
}

static VhGuest *
guest_channel(Guest *g)
{
    return g->vm ? g->vm->guest : g->guest;
}

/* Resizes @g to @n vCPUs as its system does. */
static gboolean
guest_resize(Guest *g, guint n, GError **error)
{
    g_autoptr(GArray) slots = NULL, plan = NULL;
    g_autoptr(VhCpuHost) host = NULL;

    if (g->dom) {
        if (virDomainSetVcpusFlags(g->dom, n, VIR_DOMAIN_AFFECT_LIVE) < 0) {
            vh_libvirt_set_error(error, "virDomainSetVcpusFlags");
            return FALSE;
        }
        return TRUE;
    }
    slots = vh_cpu_slots_query(vh_lab_vm_qmp(g->vm), STEP_TIMEOUT_MS, error);
    plan = slots ? vh_resize_plan(slots, n, error) : NULL;
    if (!plan)
        return FALSE;
    host = vh_qmp_cpu_host_new(vh_lab_vm_qmp(g->vm));
    return vh_resize_run(host, NULL, plan, STEP_TIMEOUT_MS, NULL, NULL, NULL, error);
}

/*
 * Waits until the guest's mask has (@present) or lacks every vCPU from @first to
 * @last, then checks that it is exactly @expected. Each vCPU is waited for: the
 * guest may take a burst of vCPUs out of order (Linux runs ACPI notifications on
 * an unordered workqueue), so the last one being there does not mean all are.
 */
static gboolean
guest_wait_mask(Guest *g, guint first, guint last, gboolean present, const char *expected,
                GError **error)
{
    const char *mask = system_is_x86(g->system) ? "present" : "enabled";
    g_autofree char *command = g_strdup_printf(
        "for c in $(seq %u %u); do wait_cpu_mask %s $c %s %u >/dev/null || break; done; "
        "cat /sys/devices/system/cpu/%s", first, last, mask, present ? "yes" : "no",
        GUEST_WAIT_TENTHS, mask);
    g_autofree char *out = vh_guest_run_ok(guest_channel(g), command, GUEST_CMD_TIMEOUT_MS,
                                           error);

    if (!out)
        return FALSE;
    if (strcmp(g_strstrip(out), expected) != 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_COMMAND,
                    "the guest's %s mask is %s, not %s", mask, out, expected);
        return FALSE;
    }
    return TRUE;
}

/* One fresh guest of @system: 2 -> @size -> 2 vCPUs, a sample of each figure. */
static gboolean
run_once(Bench *b, System system, guint size, Cell *cell, GError **error)
{
    g_autoptr(Guest) g = guest_start(b, system, error);
    g_autofree char *grown = g_strdup_printf("0-%u", size - 1);
    double ms[N_FIGURES];
    gint64 start;

    if (!g)
        return FALSE;
    start = g_get_monotonic_time();
    if (!guest_resize(g, size, error))
        return FALSE;
    ms[FIGURE_GROW] = ms_since(start);
    if (!guest_wait_mask(g, 2, size - 1, TRUE, grown, error))
        return FALSE;
    ms[FIGURE_GROW_GUEST] = ms_since(start);
    start = g_get_monotonic_time();
    if (!guest_resize(g, 2, error))
        return FALSE;
    ms[FIGURE_SHRINK] = ms_since(start);
    if (!guest_wait_mask(g, 2, size - 1, FALSE, "0-1", error))
        return FALSE;
    for (guint f = 0; f < N_FIGURES; f++)
        g_array_append_val(cell->samples[f], ms[f]);
    fprintf(stderr, "%s: %-17s 2 -> %2u: grow %7.1f ms, guest %7.1f ms; -> 2: %7.1f ms\n",
            PROGRAM, system_names[system], size, ms[FIGURE_GROW], ms[FIGURE_GROW_GUEST],
            ms[FIGURE_SHRINK]);
    return TRUE;
}

/* Per added vCPU: @ms over the @size - 2 vCPUs of the step. */
static double
per_vcpu(double ms, guint size)
{
    return ms / (size - 2);
}

/* The median of @figure of @system against @other's, both at the size of index @i. */
static double
ratio(const Cell *cells, guint i, System system, System other, Figure figure)
{
    return cells[i * N_SYSTEMS + system].stats[figure].median /
           cells[i * N_SYSTEMS + other].stats[figure].median;
}

static void
check_goals(Goals *goals, const Cell *cells, GArray *sizes)
{
    guint last = sizes->len - 1, small = g_array_index(sizes, guint, 0);
    guint large = g_array_index(sizes, guint, last);
    /* Against x86, the user's view: until the guest has them; against QMP, the
     * call alone, where libvirt's own work shows. */
    const struct {
        Figure figure;
        System other;
        const char *what;
        double bound;
    } comparisons[] = {
        { FIGURE_GROW_GUEST, SYSTEM_X86, "aarch64 / x86_64 (libvirt)", GOAL_X86_RATIO },
        { FIGURE_SHRINK, SYSTEM_X86, "aarch64 / x86_64 (libvirt)", GOAL_X86_RATIO },
        { FIGURE_GROW, SYSTEM_QMP, "libvirt / QMP (aarch64)", GOAL_QMP_RATIO },
        { FIGURE_SHRINK, SYSTEM_QMP, "libvirt / QMP (aarch64)", GOAL_QMP_RATIO },
    };
    const Figure linear[] = { FIGURE_GROW_GUEST, FIGURE_SHRINK };

    g_string_append(goals->md, "| goal | measured | bound | met |\n|---|--:|--:|---|\n");
    for (guint c = 0; c < G_N_ELEMENTS(comparisons); c++) {
        g_autofree char *what = g_strdup_printf("%s, 2 -> %u: %s",
                                                figure_names[comparisons[c].figure], large,
                                                comparisons[c].what);

        goal(goals, what, ratio(cells, last, SYSTEM_ARM, comparisons[c].other,
                                comparisons[c].figure), comparisons[c].bound);
    }
    for (guint i = 0; large != small && i < G_N_ELEMENTS(linear); i++) {
        Figure f = linear[i];
        g_autofree char *what =
            g_strdup_printf("%s per vCPU: %u vCPUs / %u (aarch64, libvirt)", figure_names[f],
                            large - 2, small - 2);
        double largest = per_vcpu(cells[last * N_SYSTEMS + SYSTEM_ARM].stats[f].median, large);
        double smallest = per_vcpu(cells[SYSTEM_ARM].stats[f].median, small);

        goal(goals, what, largest / smallest, GOAL_LINEAR_RATIO);
    }
}

static char *
markdown(const Cell *cells, GArray *sizes, guint rounds, const char *goals_md)
{
    GString *md = g_string_new(NULL);

    g_string_append_printf(md, "Milliseconds, median over %u rounds (min–max), each on a fresh "
                           "guest; per vCPU = the median divided by the vCPUs added or removed.\n\n",
                           rounds);
    g_string_append(md, "| vCPUs | system | grow | grow, guest | per vCPU | shrink | per vCPU |\n"
                        "|--:|---|--:|--:|--:|--:|--:|\n");
    for (guint i = 0; i < sizes->len; i++) {
        guint size = g_array_index(sizes, guint, i);

        for (guint s = 0; s < N_SYSTEMS; s++) {
            const Stats *st = cells[i * N_SYSTEMS + s].stats;

            g_string_append_printf(md, "| 2 → %u | %s |", size, system_names[s]);
            for (guint f = 0; f < N_FIGURES; f++) {
                g_string_append_printf(md, " %.0f (%.0f–%.0f) |", st[f].median, st[f].min,
                                       st[f].max);
                if (f != FIGURE_GROW)
                    g_string_append_printf(md, " %.1f |", per_vcpu(st[f].median, size));
            }
            g_string_append_c(md, '\n');
        }
    }
    g_string_append_printf(md, "\nlibvirt / QMP, 2 → %u (medians): aarch64 grow %.2f, "
                           "shrink %.2f (Debian's libvirt: grow %.2f, shrink %.2f); "
                           "x86_64 grow %.2f, shrink %.2f.\n",
                           g_array_index(sizes, guint, sizes->len - 1),
                           ratio(cells, sizes->len - 1, SYSTEM_ARM, SYSTEM_QMP, FIGURE_GROW),
                           ratio(cells, sizes->len - 1, SYSTEM_ARM, SYSTEM_QMP, FIGURE_SHRINK),
                           ratio(cells, sizes->len - 1, SYSTEM_ARM_STOCK, SYSTEM_QMP,
                                 FIGURE_GROW),
                           ratio(cells, sizes->len - 1, SYSTEM_ARM_STOCK, SYSTEM_QMP,
                                 FIGURE_SHRINK),
                           ratio(cells, sizes->len - 1, SYSTEM_X86, SYSTEM_X86_QMP, FIGURE_GROW),
                           ratio(cells, sizes->len - 1, SYSTEM_X86, SYSTEM_X86_QMP,
                                 FIGURE_SHRINK));
    g_string_append_printf(md, "\n%s", goals_md);
    return g_string_free(md, FALSE);
}

int
main(int argc, char **argv)
{
    g_autofree char *uri = NULL, *stock_uri = NULL, *qemu = NULL, *qemu_x86 = NULL;
    g_autofree char *lab = NULL, *stock_arm_xml = NULL, *stock_arm_socket = NULL;
    g_autofree char *output_markdown = NULL;
    g_autofree char *arm_xml = NULL, *x86_xml = NULL, *arm_socket = NULL, *x86_socket = NULL;
    g_autofree char *sizes_list = g_strdup("8,16,32,64");
    int rounds = 3, max = 64;
    GOptionEntry entries[] = {
        { "uri", 0, 0, G_OPTION_ARG_STRING, &uri, "libvirt URI of the daemon that runs the domains", "URI" },
        { "stock-uri", 0, 0, G_OPTION_ARG_STRING, &stock_uri,
          "libvirt URI of Debian's daemon, for the same aarch64 domain", "URI" },
        { "stock-arm-xml", 0, 0, G_OPTION_ARG_FILENAME, &stock_arm_xml,
          "the aarch64 domain's XML for that daemon", "FILE" },
        { "stock-arm-socket", 0, 0, G_OPTION_ARG_FILENAME, &stock_arm_socket,
          "its serial port's socket", "PATH" },
        { "arm-xml", 0, 0, G_OPTION_ARG_FILENAME, &arm_xml,
          "the aarch64 domain's XML, with <vcpu current='2'>MAX</vcpu>", "FILE" },
        { "arm-socket", 0, 0, G_OPTION_ARG_FILENAME, &arm_socket,
          "the unix socket of its serial port (the lab's command channel)", "PATH" },
        { "x86-xml", 0, 0, G_OPTION_ARG_FILENAME, &x86_xml, "the x86_64 domain's XML, likewise", "FILE" },
        { "x86-socket", 0, 0, G_OPTION_ARG_FILENAME, &x86_socket, "its serial port's socket", "PATH" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu,
          "qemu-system-aarch64 built from vmm/, for the QMP runs", "PATH" },
        { "qemu-x86", 0, 0, G_OPTION_ARG_FILENAME, &qemu_x86,
          "the x86_64 domain's qemu-system-x86_64, for the x86_64 QMP runs", "PATH" },
        { "lab", 0, 0, G_OPTION_ARG_FILENAME, &lab, "lab directory (tools/lab/build-guest.sh)", "DIR" },
        { "max", 0, 0, G_OPTION_ARG_INT, &max, "possible vCPUs of the domains' XML (default 64)", "N" },
        { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_list,
          "vCPU counts to grow to from 2 (default 8,16,32,64)", "N,..." },
        { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "rounds (default 3)", "N" },
        { "output-markdown", 0, 0, G_OPTION_ARG_FILENAME, &output_markdown,
          "also write the results as Markdown to FILE", "FILE" },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) sizes = NULL;
    Bench b = { 0 };
    Cell *cells = NULL;
    guint n_cells = 0;
    Goals goals;
    int status;

    if (!bench_parse_options(PROGRAM, "- time growing and shrinking VMs by many vCPUs at once",
                             entries, &argc, &argv))
        return 2;
    if (!uri || !arm_xml || !arm_socket || !x86_xml || !x86_socket || !qemu || !qemu_x86 ||
        !lab || !stock_uri || !stock_arm_xml || !stock_arm_socket) {
        fprintf(stderr, "%s: --uri, --arm-xml, --arm-socket, --x86-xml, --x86-socket, "
                "--stock-uri, --stock-arm-xml, --stock-arm-socket, --qemu, --qemu-x86 and "
                "--lab are required\n", PROGRAM);
        return 2;
    }
    if (rounds < 1 || max < 3 || max > 255) {
        fprintf(stderr, "%s: --rounds must be at least 1, --max within 3-255 (q35 without "
                "x2apic)\n", PROGRAM);
        return 2;
    }
    if (!(sizes = bench_parse_counts(sizes_list, 3, (guint)max, "sizes", &err)) ||
        !g_file_get_contents(arm_xml, &b.xml[SYSTEM_ARM], NULL, &err) ||
        !g_file_get_contents(stock_arm_xml, &b.xml[SYSTEM_ARM_STOCK], NULL, &err) ||
        !g_file_get_contents(x86_xml, &b.xml[SYSTEM_X86], NULL, &err)) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
        for (guint s = 0; s < N_SYSTEMS; s++)
            g_free(b.xml[s]);
        return 2;
    }
    b.qemu = qemu;
    b.qemu_x86 = qemu_x86;
    b.lab = lab;
    b.max = (guint)max;
    b.socket[SYSTEM_ARM] = arm_socket;
    b.socket[SYSTEM_ARM_STOCK] = stock_arm_socket;
    b.socket[SYSTEM_X86] = x86_socket;

    goals_init(&goals);
    n_cells = sizes->len * N_SYSTEMS;
    cells = g_new0(Cell, n_cells);
    for (guint c = 0; c < n_cells; c++)
        for (guint f = 0; f < N_FIGURES; f++)
            cells[c].samples[f] = g_array_new(FALSE, FALSE, sizeof(double));
    virSetErrorFunc(NULL, ignore_libvirt_error);
    b.conn = virConnectOpen(uri);
    b.stock_conn = b.conn ? virConnectOpen(stock_uri) : NULL;
    if (!b.conn || !b.stock_conn) {
        vh_libvirt_set_error(&err, "virConnectOpen");
        goto failed;
    }
    for (guint r = 0; r < (guint)rounds; r++)
        for (guint i = 0; i < sizes->len; i++)
            for (guint s = 0; s < N_SYSTEMS; s++)
                if (!run_once(&b, s, g_array_index(sizes, guint, i), &cells[i * N_SYSTEMS + s],
                              &err)) {
                    g_prefix_error(&err, "%s, 2 -> %u, round %u: ", system_names[s],
                                   g_array_index(sizes, guint, i), r + 1);
                    goto failed;
                }
    for (guint c = 0; c < n_cells; c++)
        for (guint f = 0; f < N_FIGURES; f++)
            cells[c].stats[f] = stats_of(cells[c].samples[f]);

    check_goals(&goals, cells, sizes);
    if (!bench_write_markdown(output_markdown,
                              markdown(cells, sizes, (guint)rounds, goals.md->str), &err))
        goto failed;
    status = goals_exit_status(&goals);
    goto out;
failed:
    fprintf(stderr, "%s: %s\n", PROGRAM, err->message);
    status = 1;
out:
    for (guint c = 0; c < n_cells; c++)
        for (guint f = 0; f < N_FIGURES; f++)
            g_array_unref(cells[c].samples[f]);
    g_free(cells);
    goals_clear(&goals);
    if (b.stock_conn)
        virConnectClose(b.stock_conn);
    if (b.conn)
        virConnectClose(b.conn);
    for (guint s = 0; s < N_SYSTEMS; s++)
        g_free(b.xml[s]);
    return status;
}
