/*
 * vcpuhp-lab hotplug: boots an arm64 lab guest and hot-plugs one vCPU live, the way
 * libvirt does (device_add of the slot's CPU device as "vcpuN"), onlines it in the
 * guest, runs work pinned to it, then hot-unplugs it (device_del until
 * DEVICE_DELETED), printing the guest's CPU masks at each step.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vcpuhp-lab.h"
#include "vh-cpu-cycle.h"
#include "vh-cpu-masks.h"
#include "vh-error.h"
#include "vh-lab-guest-cpus.h"
#include "vh-lab.h"

#define STEP_TIMEOUT_MS 30000

static gboolean G_GNUC_PRINTF(3, 4)
print_masks(VhLabVm *vm, GError **error, const char *when_fmt, ...)
{
    g_auto(VhCpuMasks) masks = { 0 };
    g_autofree char *when = NULL;
    va_list ap;

    va_start(ap, when_fmt);
    when = g_strdup_vprintf(when_fmt, ap);
    va_end(ap);
    if (!vh_cpu_masks_read(vm->guest, &masks, STEP_TIMEOUT_MS, error))
        return FALSE;
    printf("%-28s possible=%s present=%s enabled=%s online=%s\n", when, masks.possible,
           masks.present, masks.enabled, masks.online);
    return TRUE;
}

typedef struct {
    VhLabVm *vm;
    int cpu;
    const char *dev_id;
} Demo;

/* The cycle's steps, shown as the guest's masks; work runs on the vCPU once online. */
static gboolean
show_step(VhCpuStep step, gpointer data, GError **error)
{
    Demo *demo = data;
    g_autofree char *pinned = NULL, *ran_on = NULL;

    switch (step) {
    case VH_CPU_STEP_ENABLED:
        return print_masks(demo->vm, error, "after device_add %s:", demo->dev_id);
    case VH_CPU_STEP_ONLINE:
        if (!print_masks(demo->vm, error, "after onlining cpu%d:", demo->cpu))
            return FALSE;
        pinned = g_strdup_printf("pinned_work %d", demo->cpu);
        ran_on = vh_guest_run_ok(demo->vm->guest, pinned, STEP_TIMEOUT_MS, error);
        if (!ran_on)
            return FALSE;
        printf("%-28s ran on cpu %s\n", "work pinned to the new vCPU:", ran_on);
        if (atoi(ran_on) != demo->cpu) {
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "the work pinned to cpu %d ran on cpu %s", demo->cpu, ran_on);
            return FALSE;
        }
        return TRUE;
    case VH_CPU_STEP_GONE:
        return print_masks(demo->vm, error, "after device_del %s:", demo->dev_id);
    }
    return TRUE;
}

static int
run(const char *qemu, const char *lab, const char *smp, int cpu)
{
    VhLabGuestConfig config = {
        .arch = VH_GUEST_ARM64, .qemu_binary = qemu, .lab_dir = lab, .smp = smp,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(VhLabVm) vm = vh_lab_vm_boot(&config, 120000, &err);
    g_autoptr(VhGuestCpus) guest_cpus = NULL;
    g_autofree char *id = g_strdup_printf("vcpu%d", cpu);
    Demo demo = { .vm = vm, .cpu = cpu, .dev_id = id };
    VhCpuCycle cycle = {
        .slot_prop = "core-id", .slot_value = cpu, .guest_cpu = (guint)cpu, .dev_id = id,
        .step_timeout_ms = STEP_TIMEOUT_MS, .on_step = show_step, .on_step_data = &demo,
    };

    if (!vm)
        goto fail;
    printf("guest: arm64 kernel %s, -smp %s, QEMU %s, booted in %.1f s\n",
           vh_guest_kernel_release(vm->guest), smp, vh_qmp_qemu_version(vh_lab_vm_qmp(vm)),
           vm->boot_seconds);
    if (!print_masks(vm, &err, "at boot:"))
        goto fail;
    guest_cpus = vh_lab_guest_cpus_new(vm->guest, "enabled");
    if (!vh_cpu_cycle_run(vh_lab_vm_qmp(vm), guest_cpus, &cycle, NULL, &err))
        goto fail;
    return 0;

fail:
    fprintf(stderr, "vcpuhp-lab hotplug: %s\n", err->message);
    return 1;
}

int
lab_cmd_hotplug(int argc, char **argv)
{
    g_autofree char *qemu = NULL, *lab = NULL;
    g_autofree char *smp = g_strdup("cpus=2,maxcpus=6");
    int cpu = 2;
    GOptionEntry entries[] = {
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu, "QEMU binary (built from vmm/)", "PATH" },
        { "lab", 0, 0, G_OPTION_ARG_FILENAME, &lab, "lab directory (tools/lab/build-guest.sh)", "DIR" },
        { "smp", 0, 0, G_OPTION_ARG_STRING, &smp, "-smp argument (default cpus=2,maxcpus=6)", "SMP" },
        { "cpu", 0, 0, G_OPTION_ARG_INT, &cpu, "the vCPU (core-id) to plug (default 2)", "N" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- plug and unplug a vCPU live");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "vcpuhp-lab hotplug: %s\n", err->message);
        return 2;
    }
    if (!qemu || !lab || cpu < 0) {
        fprintf(stderr, "vcpuhp-lab hotplug: --qemu and --lab are required\n");
        return 2;
    }
    return run(qemu, lab, smp, cpu);
}
