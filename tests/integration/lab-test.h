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

/* The cycle's step at which the tests run work pinned to the new vCPU. */
static inline gboolean
lab_pinned_work_when_online(VhCpuStep step, gpointer vm_and_cpu, GError **error)
{
    VhLabVm *vm = ((gpointer *)vm_and_cpu)[0];
    guint cpu = GPOINTER_TO_UINT(((gpointer *)vm_and_cpu)[1]);
    g_autofree char *cmd = g_strdup_printf("pinned_work %u", cpu);
    g_autofree char *ran_on = NULL;

    if (step != VH_CPU_STEP_ONLINE)
        return TRUE;
    ran_on = vh_guest_run_ok(vm->guest, cmd, LAB_CMD_TIMEOUT_MS, error);
    if (ran_on && g_ascii_strtoull(ran_on, NULL, 10) != cpu)
        g_error("the work pinned to cpu %u ran on cpu %s", cpu, ran_on);
    return ran_on != NULL;
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
    gpointer vm_and_cpu[] = { vm, GUINT_TO_POINTER(cpu) };
    VhCpuCycle cycle = {
        .slot_prop = slot_prop, .slot_value = cpu, .guest_cpu = cpu, .dev_id = dev_id,
        .step_timeout_ms = 30000, .on_step = lab_pinned_work_when_online,
        .on_step_data = vm_and_cpu,
    };
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
