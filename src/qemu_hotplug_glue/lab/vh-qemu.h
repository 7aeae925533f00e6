/*
 * Starts a QEMU process with a QMP monitor and one serial port, each on a unix
 * socket that this library listens on *before* QEMU starts (QEMU connects as the
 * client), so no output is lost and a QEMU that dies at start is seen at once.
 * The process is always reaped: vh_qemu_free() quits it, kills it if it does not
 * go, and waits for it. QEMU also gets SIGKILL if the launching thread dies.
 */
#pragma once

#include <glib.h>

#include "vh-qmp.h"

G_BEGIN_DECLS

typedef struct VhQemu VhQemu;

/*
 * Launches @binary with @args (NULL-terminated; machine, CPU, memory, kernel...;
 * the monitor and serial port are added here) and negotiates QMP.
 * Fails with VH_ERROR_SPAWN, VH_ERROR_EXITED (with QEMU's last error line) or
 * VH_ERROR_TIMEOUT.
 */
VhQemu *vh_qemu_launch(const char *binary, const char *const *args,
                       guint timeout_ms, GError **error);

VhQmp *vh_qemu_qmp(VhQemu *qemu);
/* The host side of the guest's first serial port. */
int vh_qemu_serial_fd(VhQemu *qemu);
GPid vh_qemu_pid(VhQemu *qemu);
/* Monotonic time (microseconds) at which the process was spawned. */
gint64 vh_qemu_spawn_time(VhQemu *qemu);

/*
 * Waits for the process to exit by itself; *@wait_status gets the waitpid() status.
 * VH_ERROR_TIMEOUT if it is still running after @timeout_ms.
 */
gboolean vh_qemu_wait_exit(VhQemu *qemu, guint timeout_ms, int *wait_status, GError **error);
/* TRUE once the process has exited (it is then reaped). */
gboolean vh_qemu_exited(VhQemu *qemu);

/* What QEMU wrote to stdout/stderr so far. */
char *vh_qemu_read_log(VhQemu *qemu);

/* Quits (QMP "quit", then SIGKILL after a grace period), reaps and cleans up. */
void vh_qemu_free(VhQemu *qemu);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhQemu, vh_qemu_free)

G_END_DECLS
