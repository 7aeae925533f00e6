/*
 * The nested ARM KVM lab (tools/lab/build-nested.sh): this x86_64 machine has no ARM
 * hardware, so an arm64 L1 guest runs under TCG with EL2 (virt,virtualization=on)
 * and has /dev/kvm; inside it, the arm64 build of our QEMU starts L2 guests with
 * -accel kvm.
 *
 * The host reaches each L2 QEMU's monitor and serial console through virtio-serial
 * ports of L1: L1's QEMU exposes each port as a unix socket here, and the L2 QEMU
 * opens the port's device (/dev/vportNpM) in L1 as a serial chardev. So the host
 * drives L2 like any lab guest (QMP + guest-init.sh's command channel).
 */
#pragma once

#include <glib.h>

#include "vh-lab.h"
#include "vh-line-reader.h"

G_BEGIN_DECLS

/* Everything is slower two levels down: L2's vCPUs are KVM vCPUs of a TCG guest. */
#define VH_NESTED_L1_BOOT_TIMEOUT_MS 180000
#define VH_NESTED_L2_BOOT_TIMEOUT_MS 240000
#define VH_NESTED_QMP_TIMEOUT_MS 60000
/* A command in L1 or in L2, over its channel */
#define VH_NESTED_CMD_TIMEOUT_MS 60000

/* Our QEMU in L1: the arm64 build of the series (tools/upstream/build-qemu-arm64.sh) */
#define VH_NESTED_L1_QEMU "/usr/bin/qemu-system-aarch64"

/* L2 QEMUs that can run at once: one monitor and one console port each. */
typedef enum {
    VH_NESTED_PAIR_A,
    VH_NESTED_PAIR_B,
    VH_NESTED_N_PAIRS
} VhNestedPair;

typedef struct {
    const char *qemu_binary;    /* L1's QEMU here: qemu-system-aarch64 built from vmm/ */
    const char *lab_dir;        /* tools/lab/build-guest.sh's: L1 boots its arm64 kernel */
    const char *nested_dir;     /* tools/lab/build-nested.sh's: L1's initramfs */
} VhNestedConfig;

typedef struct {
    VhLabVm *l1;                /* its guest is L1's command channel (hvc0) */
    char *dir;                  /* the ports' unix sockets */
    int console_fd;
    int port_fd[2 * VH_NESTED_N_PAIRS];     /* monitor, console of each pair */
    char *port_dev[2 * VH_NESTED_N_PAIRS];  /* the port's device in L1 */
} VhNested;

/*
 * Boots L1 to its command channel with every port connected, and checks that its
 * kernel runs KVM (VHE). Each step is bounded; errors say which one failed (with
 * L1's console when it did not boot).
 */
VhNested *vh_nested_boot(const VhNestedConfig *config, GError **error);
/* Stops L1 (and with it any L2 left running) and removes the sockets. */
void vh_nested_free(VhNested *nested);

/* An L2 QEMU inside L1, on the ports of one pair. */
typedef struct {
    const char *name;           /* "a" or "b" by pair: /tmp/<name>.pid and .log in L1 */
    VhQmp *qmp;
    VhGuest *guest;             /* NULL unless booted by vh_nested_l2_boot() */
    VhLineReader *console;      /* the caller's raw reader of the console, or NULL;
                                 * freed with the L2 */
    int serial_fd;              /* the host side of its console (owned by VhNested) */
    double boot_seconds;        /* to the command channel; 0 if not awaited */
} VhNestedL2;

/*
 * Starts @binary (in L1) on @pair's ports with -accel kvm (unless @args has an
 * -accel of its own), -cpu host, -m 256 and @args (machine, -smp, firmware,
 * kernel...), and negotiates QMP with it. If it does not answer, the error holds
 * its log in L1.
 */
VhNestedL2 *vh_nested_l2_start(VhNested *nested, VhNestedPair pair, const char *binary,
                               const char *args, GError **error);

/*
 * Starts the lab's L2 guest (UEFI + ACPI, the lab's arm64 kernel and initramfs in
 * L1's /l2) with -M @machine (virt,gic-version=3 when NULL), -smp @smp and
 * @more_args (may be NULL), and waits for its command channel, unless @more_args
 * has -incoming (that guest runs only once migrated).
 */
VhNestedL2 *vh_nested_l2_boot(VhNested *nested, VhNestedPair pair, const char *binary,
                              const char *machine, const char *smp, const char *more_args,
                              GError **error);

/* What the L2 QEMU wrote to its log in L1 (transfer full). */
char *vh_nested_l2_log(VhNested *nested, VhNestedL2 *l2, GError **error);

/*
 * Quits the L2 QEMU and waits until its process has exited; frees @l2 whatever
 * the outcome.
 */
gboolean vh_nested_l2_stop(VhNested *nested, VhNestedL2 *l2, GError **error);

/* Frees the host's side of an L2 whose QEMU is gone or left to L1. */
void vh_nested_l2_free(VhNestedL2 *l2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhNested, vh_nested_free)

G_END_DECLS
