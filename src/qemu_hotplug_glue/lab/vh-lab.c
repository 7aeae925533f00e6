#include "vh-lab.h"

#include "vh-error.h"

/* Guest kernel options: a quiet console so that replies are not interleaved with
 * kernel messages, and the channel's serial port for guest-init.sh. */
#define ARM64_APPEND "console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0"
#define X86_64_APPEND "console=ttyS0 loglevel=1 vcpuhp.tty=ttyS0"

static gboolean
need_file(const char *path, GError **error)
{
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    g_set_error(error, VH_ERROR, VH_ERROR_SPAWN,
                "lab file %s is missing: build the lab with tools/lab/build-guest.sh", path);
    return FALSE;
}

GStrv
vh_lab_guest_args(const VhLabGuestConfig *config, GError **error)
{
    g_autoptr(GStrvBuilder) args = g_strv_builder_new();
    const char *sub = config->arch == VH_GUEST_ARM64 ? "arm64" : "x86_64";
    g_autofree char *kernel = g_build_filename(config->lab_dir, sub, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(config->lab_dir, sub, "initrd.img", NULL);
    g_autofree char *firmware = g_build_filename(config->lab_dir, sub, "QEMU_EFI.fd", NULL);
    g_autofree char *memory = g_strdup_printf("%u", config->memory_mib ? config->memory_mib : 512);
    g_autofree char *append = g_strjoin(" ", config->arch == VH_GUEST_ARM64 ? ARM64_APPEND
                                                                           : X86_64_APPEND,
                                        config->kernel_args, NULL);

    if (!need_file(kernel, error) || !need_file(initrd, error))
        return NULL;
    g_strv_builder_add_many(args, "-nodefaults", "-no-user-config", "-display", "none",
                            "-m", memory, "-accel", config->accel ? config->accel : "tcg",
                            "-smp", config->smp ? config->smp : "1",
                            "-kernel", kernel, "-initrd", initrd, NULL);
    if (config->arch == VH_GUEST_ARM64) {
        if (!need_file(firmware, error))
            return NULL;
        /* UEFI is what makes QEMU build ACPI tables and the GED on virt. */
        g_strv_builder_add_many(args, "-M", config->machine ? config->machine : "virt,gic-version=3",
                                "-cpu", "max", "-bios", firmware,
                                "-append", append, NULL);
    } else {
        /* Under TCG, Linux treats QEMU's disabled LAPIC entries as hotpluggable only
         * when it sees a hypervisor it trusts; this is the recipe that works. */
        g_strv_builder_add_many(args, "-M", config->machine ? config->machine : "q35,vmport=on",
                                "-cpu", "qemu64,-hypervisor",
                                "-smbios", "type=1,manufacturer=VMware,serial=VMware-56-4d-00",
                                "-append", append, NULL);
    }
    for (const char *const *a = config->extra_args; a && *a; a++)
        g_strv_builder_add(args, *a);
    return g_strv_builder_end(args);
}

VhLabVm *
vh_lab_vm_launch(const VhLabGuestConfig *config, guint timeout_ms, GError **error)
{
    g_auto(GStrv) args = vh_lab_guest_args(config, error);
    g_autoptr(VhLabVm) vm = NULL;

    if (!args)
        return NULL;
    vm = g_new0(VhLabVm, 1);
    vm->qemu = vh_qemu_launch(config->qemu_binary, (const char *const *)args, timeout_ms, error);
    if (!vm->qemu)
        return NULL;
    vm->guest = vh_guest_new(vh_qemu_serial_fd(vm->qemu));
    return g_steal_pointer(&vm);
}

VhLabVm *
vh_lab_vm_boot(const VhLabGuestConfig *config, guint timeout_ms, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);
    g_autoptr(VhLabVm) vm = vh_lab_vm_launch(config, timeout_ms, error);
    gint64 left_ms;

    if (!vm)
        return NULL;
    left_ms = MAX(1, (deadline - g_get_monotonic_time()) / 1000);
    if (!vh_guest_wait_ready(vm->guest, (guint)left_ms, error))
        return NULL;
    vm->boot_seconds = (g_get_monotonic_time() - vh_qemu_spawn_time(vm->qemu)) / 1e6;
    return g_steal_pointer(&vm);
}

void
vh_lab_vm_free(VhLabVm *vm)
{
    if (!vm)
        return;
    vh_guest_free(vm->guest);
    vh_qemu_free(vm->qemu);
    g_free(vm);
}
