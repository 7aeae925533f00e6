/*
 * Shared by the integration tests: where the QEMU binaries and the lab guests are
 * (passed by meson from the build's options), and guest-side waits.
 */
#pragma once

#include <glib.h>
#include <string.h>

#include "vh-cpu-cycle.h"
#include "vh-cpu-hotplug.h"
#include "vh-cpu-masks.h"
#include "vh-error.h"
#include "vh-json.h"
#include "vh-lab-guest-cpus.h"
#include "vh-lab.h"
#include "vh-proc-memory.h"

/* Generous for TCG on a 2-core machine shared with a build: a boot takes 3-7 s. */
#define LAB_BOOT_TIMEOUT_MS 120000
#define LAB_CMD_TIMEOUT_MS 30000

static inline const char *
lab_env(const char *name)
{
    const char *v = g_getenv(name);

    if (!v || !*v)
        g_error("%s is not set: run the integration tests through meson test", name);
    return v;
}

static inline VhLabGuestConfig
lab_config(VhGuestArch arch, const char *smp)
{
    VhLabGuestConfig c = {
        .arch = arch,
        .qemu_binary = lab_env(arch == VH_GUEST_ARM64 ? "VCPUHP_QEMU" : "VCPUHP_STOCK_QEMU_X86"),
        .lab_dir = lab_env("VCPUHP_LAB"),
        .smp = smp,
    };
    return c;
}

static inline VhLabVm *
lab_boot(const VhLabGuestConfig *config)
{
    g_autoptr(GError) err = NULL;
    VhLabVm *vm = vh_lab_vm_boot(config, LAB_BOOT_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    g_test_message("%s guest booted to its command channel in %.1f s (-smp %s)",
                   config->arch == VH_GUEST_ARM64 ? "arm64" : "x86_64", vm->boot_seconds,
                   config->smp);
    return vm;
}

static inline char *
lab_run_ok(VhLabVm *vm, const char *command)
{
    g_autoptr(GError) err = NULL;
    char *out = vh_guest_run_ok(vm->guest, command, LAB_CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    return out;
}

static inline JsonNode *
lab_qmp_ok(VhLabVm *vm, const char *command, const char *args_json)
{
    g_autoptr(GError) err = NULL;
    JsonNode *ret = vh_qmp_execute_json(vh_lab_vm_qmp(vm), command, args_json, 10000, &err);

    g_assert_no_error(err);
    return ret;
}

/*
 * Waits, inside the guest and bounded by @timeout_s, until /sys/devices/system/cpu/<mask>
 * does (or does not) contain @cpu; asserts it and returns the final mask. The guest
 * handles a hotplug notification asynchronously: there is no event the host could
 * wait on, so guest-init.sh's wait_cpu_mask checks the condition where it happens.
 */
static inline char *
lab_guest_wait_cpu_in_mask(VhGuest *guest, const char *mask, guint cpu, gboolean in,
                           guint timeout_s)
{
    g_autofree char *cmd = g_strdup_printf("wait_cpu_mask %s %u %s %u", mask, cpu,
                                           in ? "yes" : "no", timeout_s * 10);
    g_autoptr(GError) err = NULL;
    int status = -1;
    char *out = vh_guest_run(guest, cmd, LAB_CMD_TIMEOUT_MS + timeout_s * 1000,
                             &status, &err);
    g_assert_no_error(err);
    if (status != 0 || vh_cpulist_contains(out, cpu) != in)
        g_error("cpu %u %s the guest's %s mask \"%s\" after %u s", cpu,
                in ? "did not appear in" : "did not leave", mask, out, timeout_s);
    return out;
}

static inline char *
lab_wait_cpu_in_mask(VhLabVm *vm, const char *mask, guint cpu, gboolean in, guint timeout_s)
{
    return lab_guest_wait_cpu_in_mask(vm->guest, mask, cpu, in, timeout_s);
}

/* Plugs the CPU of slot <id_prop>=<id_value> as @dev_id; fails the test on error. */
static inline void
lab_cpu_plug(VhLabVm *vm, const char *id_prop, gint64 id_value, const char *dev_id)
{
    g_autoptr(GError) err = NULL;

    vh_cpu_plug(vh_lab_vm_qmp(vm), id_prop, id_value, dev_id, 10000, &err);
    g_assert_no_error(err);
}

static inline gboolean
lab_migration_finished(JsonObject *event, gpointer data)
{
    const char *status = vh_json_string(vh_json_object(event, "data"), "status");

    (void)data;
    return !g_strcmp0(status, "completed") || !g_strcmp0(status, "failed");
}

/*
 * Migrates the VM of monitor @src to @uri_json ({"uri": ...}; a destination, if any,
 * is already listening) and waits, at most @timeout_ms, for the MIGRATION event that
 * ends it; asserts "completed".
 */
static inline void
lab_qmp_migrate(VhQmp *src, const char *uri_json, guint timeout_ms)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) caps = vh_qmp_execute_json(src, "migrate-set-capabilities",
                                                   "{\"capabilities\": [{\"capability\":"
                                                   " \"events\", \"state\": true}]}",
                                                   10000, &err);
    g_autoptr(JsonNode) started = NULL;
    g_autoptr(JsonObject) done = NULL;

    g_assert_no_error(err);
    started = vh_qmp_execute_json(src, "migrate", uri_json, 10000, &err);
    g_assert_no_error(err);
    done = vh_qmp_wait_event(src, "MIGRATION", lab_migration_finished, NULL, timeout_ms, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(vh_json_object(done, "data"), "status"), ==, "completed");
}

static inline void
lab_migrate(VhLabVm *src, const char *uri_json)
{
    lab_qmp_migrate(vh_lab_vm_qmp(src), uri_json, 120000);
}

/* The cycle's step at which the tests run work pinned to the new vCPU: @guest_and_cpu
 * is { VhGuest *, GUINT_TO_POINTER(cpu) }. */
static inline gboolean
lab_pinned_work_when_online(VhCpuStep step, gpointer guest_and_cpu, GError **error)
{
    VhGuest *guest = ((gpointer *)guest_and_cpu)[0];
    guint cpu = GPOINTER_TO_UINT(((gpointer *)guest_and_cpu)[1]);
    g_autofree char *cmd = g_strdup_printf("pinned_work %u", cpu);
    g_autofree char *ran_on = NULL;

    if (step != VH_CPU_STEP_ONLINE)
        return TRUE;
    ran_on = vh_guest_run_ok(guest, cmd, LAB_CMD_TIMEOUT_MS, error);
    if (ran_on && g_ascii_strtoull(ran_on, NULL, 10) != cpu)
        g_error("the work pinned to cpu %u ran on cpu %s", cpu, ran_on);
    return ran_on != NULL;
}

/*
 * The tests' cycle (vh-cpu-cycle.h) of guest CPU @cpu, the slot whose @slot_prop is
 * @cpu, as @dev_id, each step bounded by @timeout_ms, with work pinned to the vCPU
 * once it is online; @guest_and_cpu, which the cycle points to, must outlive it.
 */
static inline VhCpuCycle
lab_pinned_cycle(VhGuest *guest, const char *slot_prop, guint cpu, const char *dev_id,
                 guint timeout_ms, gpointer guest_and_cpu[2])
{
    guest_and_cpu[0] = guest;
    guest_and_cpu[1] = GUINT_TO_POINTER(cpu);
    return (VhCpuCycle){
        .slot_prop = slot_prop, .slot_value = cpu, .guest_cpu = cpu, .dev_id = dev_id,
        .step_timeout_ms = timeout_ms, .on_step = lab_pinned_work_when_online,
        .on_step_data = guest_and_cpu,
    };
}

/*
 * One life of a hotplugged vCPU, as a user drives it (vh_cpu_cycle_run()): device_add
 * of the slot whose @slot_prop (e.g. "core-id") is @cpu, as @dev_id; the guest shows
 * it in @mask ("enabled" on arm64, "present" on x86, where "enabled" does not exist);
 * the guest onlines it and runs work pinned to it; device_del, awaited until
 * DEVICE_DELETED names it, and the guest no longer shows it. Every step is bounded.
 */
static inline void
lab_cpu_cycle_as(VhLabVm *vm, const char *slot_prop, guint cpu, const char *mask,
                 const char *dev_id)
{
    g_autoptr(VhGuestCpus) guest_cpus = vh_lab_guest_cpus_new(vm->guest, mask);
    gpointer guest_and_cpu[2];
    VhCpuCycle cycle = lab_pinned_cycle(vm->guest, slot_prop, cpu, dev_id, 30000,
                                        guest_and_cpu);
    g_autoptr(GError) err = NULL;

    if (!vh_cpu_cycle_run(vh_lab_vm_qmp(vm), guest_cpus, &cycle, NULL, &err))
        g_error("%s", err->message);
}

/* lab_cpu_cycle_as() with the device id libvirt would give it, vcpu<cpu>. */
static inline void
lab_cpu_cycle(VhLabVm *vm, const char *slot_prop, guint cpu, const char *mask)
{
    g_autofree char *dev_id = g_strdup_printf("vcpu%u", cpu);

    lab_cpu_cycle_as(vm, slot_prop, cpu, mask, dev_id);
}

/*
 * Entries of /proc/<QEMU's pid>/@what: "task" counts its threads, "fd" its open file
 * descriptors. What a leak of vCPU threads or of QEMU's fds shows in.
 */
static inline guint
lab_qemu_proc_entries(VhLabVm *vm, const char *what)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int)vh_qemu_pid(vm->qemu), what);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &err);
    guint n = 0;

    g_assert_no_error(err);
    while (g_dir_read_name(dir))
        n++;
    return n;
}

/* vh_proc_status_rss_kib(); fails the test if there is no VmRSS. */
static inline guint64
lab_status_rss_kib(const char *status)
{
    g_autoptr(GError) err = NULL;
    guint64 rss = 0;

    vh_proc_status_rss_kib(status, &rss, &err);
    g_assert_no_error(err);
    return rss;
}

/* vh_proc_smaps_rss_of_size_kib(); fails the test if no mapping has that size. */
static inline guint64
lab_smaps_rss_of_size_kib(const char *smaps, guint64 size_kib)
{
    g_autoptr(GError) err = NULL;
    guint64 rss = 0;

    vh_proc_smaps_rss_of_size_kib(smaps, size_kib, &rss, &err);
    g_assert_no_error(err);
    return rss;
}

/* The guest's RAM in KiB, as QEMU reports it (query-memory-size-summary). */
static inline guint64
lab_qmp_ram_kib(VhQmp *qmp, guint timeout_ms)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) summary = vh_qmp_execute_json(qmp, "query-memory-size-summary", NULL,
                                                      timeout_ms, &err);
    gint64 bytes;

    g_assert_no_error(err);
    bytes = vh_json_int(json_node_get_object(summary), "base-memory", 0);
    g_assert_cmpint(bytes, >, 0);
    return (guint64)bytes / 1024;
}

/*
 * What a leak in QEMU shows in: its threads, its open fds and its resident memory.
 * The guest's RAM is resident in QEMU as far as the guest has touched it, which
 * depends on what the guest does, not on QEMU: it is counted apart.
 */
typedef struct {
    guint threads;
    guint fds;
    guint64 rss_kib;            /* VmRSS of /proc/<pid>/status */
    guint64 guest_ram_rss_kib;  /* of it, the guest's RAM */
} LabQemuFigures;

static inline LabQemuFigures
lab_qemu_figures(VhLabVm *vm)
{
    g_autoptr(GError) err = NULL;
    LabQemuFigures f = {
        .threads = lab_qemu_proc_entries(vm, "task"),
        .fds = lab_qemu_proc_entries(vm, "fd"),
    };

    vh_proc_qemu_rss_kib(vh_qemu_pid(vm->qemu), lab_qmp_ram_kib(vh_lab_vm_qmp(vm), 10000),
                         &f.rss_kib, &f.guest_ram_rss_kib, &err);
    g_assert_no_error(err);
    return f;
}

/*
 * How much QEMU's own RSS (without the guest's RAM) may grow over a run of plug /
 * online / work / unplug cycles: LAB_RSS_START_KIB once, plus LAB_RSS_PER_CYCLE_KIB
 * for each cycle, 63 MiB for 1,000 cycles. Measured with an arm64 guest under MTTCG
 * (test-eject-under-load, 40 to 100 cycles, 2026-11-30, on the loaded 2-core machine):
 *   - the first cycles of each slot add 3-5 MiB (the new vCPU's allocations and
 *     translations, which later cycles reuse); VmRSS, the guest's RAM included, grew
 *     by 4.4 to 12.6 MiB over whole runs of 100 cycles;
 *   - then QEMU's heap alone grew, by 16-26 KiB per cycle, with or without load in
 *     the guest (and not at all in 150 s of load without cycles): the cpreg lists
 *     and gdbstub features of each vCPU, freed since vmm patch 0046; with it, 1,000
 *     cycles grew it by 4.7 MiB, all within the first 50 (RELIABILITY.md);
 * so 32 MiB and 32 KiB leave room for both. A vCPU leaked by each cycle costs far
 * more: plugging vCPUs 2, 3, 4, 5 one after the other into an idle guest raised the
 * RSS by 5.1, 2.5, 0.4 and 2.5 MiB, so such a leak exceeds the bound within 15
 * cycles at the typical 2.5 MiB (20-cycle runs included), and within 100 at 0.4 MiB.
 */
#define LAB_RSS_START_KIB (32 * 1024)
#define LAB_RSS_PER_CYCLE_KIB 32

/*
 * Reports QEMU's figures @after @cycles cycles against @before them, and asserts
 * that its threads and fds are back where they were (each vCPU's thread ended
 * with it, nothing it opened stayed open) and that its own RSS grew within the bound.
 */
static inline void
lab_assert_qemu_figures_back(const LabQemuFigures *before, const LabQemuFigures *after,
                             guint cycles)
{
    gint64 growth_kib = (gint64)after->rss_kib - (gint64)before->rss_kib;
    gint64 own_growth_kib = growth_kib - ((gint64)after->guest_ram_rss_kib -
                                          (gint64)before->guest_ram_rss_kib);
    guint64 bound_kib = LAB_RSS_START_KIB + (guint64)LAB_RSS_PER_CYCLE_KIB * cycles;

    g_test_message("QEMU after %u cycles: %u threads (%u before), %u fds (%u before),"
                   " RSS %.1f MiB (%.1f MiB before: %+.1f MiB, %+.1f KiB per cycle)",
                   cycles, after->threads, before->threads, after->fds, before->fds,
                   after->rss_kib / 1024.0, before->rss_kib / 1024.0, growth_kib / 1024.0,
                   growth_kib / (double)cycles);
    g_test_message("QEMU's RSS without the guest's RAM (%.1f MiB of it resident, %.1f"
                   " before): %+.1f MiB, %+.1f KiB per cycle; bound %.1f MiB",
                   after->guest_ram_rss_kib / 1024.0, before->guest_ram_rss_kib / 1024.0,
                   own_growth_kib / 1024.0, own_growth_kib / (double)cycles,
                   bound_kib / 1024.0);
    g_assert_cmpuint(after->threads, ==, before->threads);
    g_assert_cmpuint(after->fds, ==, before->fds);
    /*
     * Under AddressSanitizer (tools/reliability/sanitizers.sh sets this) freed memory
     * waits in ASan's quarantine, up to 256 MiB, so the RSS measures the quarantine;
     * LeakSanitizer checks for leaks there instead.
     */
    if (g_getenv("VCPUHP_RSS_UNBOUNDED")) {
        g_test_message("RSS not bounded: %s", g_getenv("VCPUHP_RSS_UNBOUNDED"));
        return;
    }
    if (own_growth_kib > (gint64)bound_kib)
        g_error("QEMU's RSS without the guest's RAM grew by %.1f MiB over %u cycles, more"
                " than the %.1f MiB allowed: a leak", own_growth_kib / 1024.0, cycles,
                bound_kib / 1024.0);
}

/* A count of cycles: the environment variable @name if set (a long run), else @default_cycles. */
static inline guint
lab_cycles(const char *name, guint default_cycles)
{
    const char *env = g_getenv(name);
    guint64 n = env ? g_ascii_strtoull(env, NULL, 10) : default_cycles;

    if (n == 0 || n > G_MAXUINT)
        g_error("%s=%s: not a number of cycles", name, env);
    return (guint)n;
}

/* The iterations so far of the guest's churn loop pinned to @cpu (guest-init.sh). */
static inline guint64
lab_guest_churn_count(VhGuest *guest, guint cpu)
{
    g_autofree char *cmd = g_strdup_printf("churn_count %u", cpu);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = vh_guest_run_ok(guest, cmd, LAB_CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    return g_ascii_strtoull(out, NULL, 10);
}
