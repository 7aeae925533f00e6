/*
 * The test lab's guests (built by tools/lab/build-guest.sh): the QEMU command
 * lines that boot them and a one-call boot to a ready command channel.
 */
#pragma once

#include <glib.h>

#include "vh-guest.h"
#include "vh-qemu.h"

G_BEGIN_DECLS

typedef enum {
    VH_GUEST_ARM64,     /* -M virt,gic-version=3, UEFI + ACPI */
    VH_GUEST_X86_64,    /* -M q35, SeaBIOS + ACPI */
} VhGuestArch;

typedef struct {
    VhGuestArch arch;
    const char *qemu_binary;
    const char *lab_dir;
    const char *smp;        /* -smp argument, e.g. "cpus=2,maxcpus=6" */
    const char *accel;      /* -accel argument; "tcg" when NULL */
    const char *machine;    /* -M argument; the lab's default when NULL */
    guint memory_mib;       /* -m; 512 when 0 (a guest with hundreds of possible vCPUs
                             * needs more: Linux reserves per-CPU memory for each) */
    const char *const *extra_args;  /* appended, NULL-terminated, may be NULL */
    const char *kernel_args;        /* appended to the guest kernel's command line,
                                     * e.g. "maxcpus=2"; may be NULL */
} VhLabGuestConfig;

/* The QEMU arguments (without the binary) for @config (transfer full). */
GStrv vh_lab_guest_args(const VhLabGuestConfig *config, GError **error);

typedef struct {
    VhQemu *qemu;
    VhGuest *guest;
    double boot_seconds;    /* from spawning QEMU to the command channel being ready */
} VhLabVm;

/* Boots the guest and waits for its command channel (transfer full). */
VhLabVm *vh_lab_vm_boot(const VhLabGuestConfig *config, guint timeout_ms, GError **error);
/* Launches QEMU without waiting for the guest (for tests that expect failures). */
VhLabVm *vh_lab_vm_launch(const VhLabGuestConfig *config, guint timeout_ms, GError **error);
void vh_lab_vm_free(VhLabVm *vm);

static inline VhQmp *
vh_lab_vm_qmp(VhLabVm *vm)
{
    return vh_qemu_qmp(vm->qemu);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhLabVm, vh_lab_vm_free)

G_END_DECLS
