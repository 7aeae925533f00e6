/*
 * vcpuhp-lab masks: boots a lab guest under the given QEMU and prints the CPU masks the
 * guest sees, with the boot time to its command channel being ready.
 */
#include <stdio.h>

#include "vcpuhp-lab.h"
#include "vh-cpu-masks.h"
#include "vh-lab.h"

int
lab_cmd_masks(int argc, char **argv)
{
    g_autofree char *qemu = NULL, *lab = NULL, *arch = NULL;
    g_autofree char *smp = g_strdup("cpus=2,maxcpus=6");
    int timeout_s = 120;
    GOptionEntry entries[] = {
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu, "QEMU binary", "PATH" },
        { "lab", 0, 0, G_OPTION_ARG_FILENAME, &lab, "lab directory (tools/lab/build-guest.sh)", "DIR" },
        { "smp", 0, 0, G_OPTION_ARG_STRING, &smp, "-smp argument (default cpus=2,maxcpus=6)", "SMP" },
        { "arch", 0, 0, G_OPTION_ARG_STRING, &arch, "arm64 (default) or x86_64", "ARCH" },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "boot timeout in seconds (default 120)", "S" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- print a lab guest's CPU masks");
    g_autoptr(GError) err = NULL;
    g_autoptr(VhLabVm) vm = NULL;
    g_auto(VhCpuMasks) masks = { 0 };
    VhLabGuestConfig config = { 0 };

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "vcpuhp-lab masks: %s\n", err->message);
        return 2;
    }
    if (!qemu || !lab || timeout_s <= 0 || (arch && g_strcmp0(arch, "arm64") && g_strcmp0(arch, "x86_64"))) {
        fprintf(stderr, "vcpuhp-lab masks: --qemu and --lab are required; --arch is arm64 or x86_64\n");
        return 2;
    }
    config.arch = g_strcmp0(arch, "x86_64") ? VH_GUEST_ARM64 : VH_GUEST_X86_64;
    config.qemu_binary = qemu;
    config.lab_dir = lab;
    config.smp = smp;

    vm = vh_lab_vm_boot(&config, (guint)timeout_s * 1000, &err);
    if (!vm) {
        fprintf(stderr, "vcpuhp-lab masks: %s\n", err->message);
        return 1;
    }
    if (!vh_cpu_masks_read(vm->guest, &masks, 10000, &err)) {
        fprintf(stderr, "vcpuhp-lab masks: %s\n", err->message);
        return 1;
    }
    printf("guest: %s kernel %s, -smp %s, QEMU %s\n", config.arch == VH_GUEST_ARM64 ? "arm64" : "x86_64",
           vh_guest_kernel_release(vm->guest), smp, vh_qmp_qemu_version(vh_lab_vm_qmp(vm)));
    printf("boot to command channel: %.1f s\n", vm->boot_seconds);
    printf("possible: %s\npresent:  %s\nenabled:  %s\nonline:   %s\n",
           masks.possible, masks.present, masks.enabled, masks.online);
    return 0;
}
