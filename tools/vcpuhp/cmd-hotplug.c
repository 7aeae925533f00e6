/*
 * vcpuhp hotplug: boots an arm64 lab guest and hot-plugs one vCPU live, the way
 * libvirt does (device_add of the slot's CPU device as "vcpuN"), onlines it in the
 * guest, runs work pinned to it, then hot-unplugs it (device_del until
 * DEVICE_DELETED), printing the guest's CPU masks at each step.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vcpuhp.h"
#include "vh-cpu-hotplug.h"
#include "vh-cpu-masks.h"
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

/* Runs @fmt in the guest (bounded helpers of guest-init.sh); TRUE on status 0. */
static gboolean G_GNUC_PRINTF(3, 4)
guest(VhLabVm *vm, GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    out = vh_guest_run_ok(vm->guest, cmd, STEP_TIMEOUT_MS, error);
    return out != NULL;
}

static int
run(const char *qemu, const char *lab, const char *smp, int cpu)
{
    VhLabGuestConfig config = {
        .arch = VH_GUEST_ARM64, .qemu_binary = qemu, .lab_dir = lab, .smp = smp,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(VhLabVm) vm = vh_lab_vm_boot(&config, 120000, &err);
    g_autofree char *id = g_strdup_printf("vcpu%d", cpu);
    g_autofree char *ran_on = NULL;
    g_autofree char *pinned = g_strdup_printf("pinned_work %d", cpu);

    if (!vm)
        goto fail;
    printf("guest: arm64 kernel %s, -smp %s, QEMU %s, booted in %.1f s\n",
           vh_guest_kernel_release(vm->guest), smp, vh_qmp_qemu_version(vh_lab_vm_qmp(vm)),
           vm->boot_seconds);
    if (!print_masks(vm, &err, "at boot:"))
        goto fail;

    if (!vh_cpu_plug(vh_lab_vm_qmp(vm), "core-id", cpu, id, STEP_TIMEOUT_MS, &err) ||
        !guest(vm, &err, "wait_cpu_mask enabled %d yes 300 >/dev/null", cpu) ||
        !print_masks(vm, &err, "after device_add %s:", id))
        goto fail;
    if (!guest(vm, &err, "echo 1 > /sys/devices/system/cpu/cpu%d/online", cpu) ||
        !print_masks(vm, &err, "after onlining cpu%d:", cpu))
        goto fail;
    ran_on = vh_guest_run_ok(vm->guest, pinned, STEP_TIMEOUT_MS, &err);
    if (!ran_on)
        goto fail;
    printf("%-28s ran on cpu %s\n", "work pinned to the new vCPU:", ran_on);
    if (atoi(ran_on) != cpu) {
        fprintf(stderr, "vcpuhp hotplug: the work pinned to cpu %d ran on cpu %s\n",
                cpu, ran_on);
        return 1;
    }

    if (!vh_cpu_unplug(vh_lab_vm_qmp(vm), id, STEP_TIMEOUT_MS, &err) ||
        !guest(vm, &err, "wait_cpu_mask enabled %d no 300 >/dev/null", cpu) ||
        !print_masks(vm, &err, "after device_del %s:", id))
        goto fail;
    return 0;

fail:
    fprintf(stderr, "vcpuhp hotplug: %s\n", err->message);
    return 1;
}

int
vcpuhp_cmd_hotplug(int argc, char **argv)
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
        fprintf(stderr, "vcpuhp hotplug: %s\n", err->message);
        return 2;
    }
    if (!qemu || !lab || cpu < 0) {
        fprintf(stderr, "vcpuhp hotplug: --qemu and --lab are required\n");
        return 2;
    }
    return run(qemu, lab, smp, cpu);
}
