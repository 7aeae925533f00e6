/*
 * Client of the lab guests' command channel (tools/lab/guest-init.sh): runs shell
 * commands in the guest over its serial port and returns their output and status.
 * Console lines that are not replies (kernel messages) are kept for diagnostics.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct VhGuest VhGuest;

/* The client does not own @fd. */
VhGuest *vh_guest_new(int fd);
void vh_guest_free(VhGuest *guest);

/* Waits for "@@VCPUHP READY <kernel release>". */
gboolean vh_guest_wait_ready(VhGuest *guest, guint timeout_ms, GError **error);
const char *vh_guest_kernel_release(VhGuest *guest);

/*
 * Runs the one-line shell command @command; returns its output (lines joined with
 * "\n", no trailing newline) and stores its exit status in *@exit_status.
 * Each request carries a tag unique to this client; replies with other tags (late
 * answers to requests that timed out, in this client or an earlier one on the same
 * channel) are skipped.
 */
char *vh_guest_run(VhGuest *guest, const char *command, guint timeout_ms,
                   int *exit_status, GError **error);

/* As vh_guest_run(), but a non-zero exit status is a VH_ERROR_COMMAND error. */
char *vh_guest_run_ok(VhGuest *guest, const char *command, guint timeout_ms,
                      GError **error);

/* The last console lines that were not replies (kernel messages, panics). */
const char *vh_guest_console_tail(VhGuest *guest);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhGuest, vh_guest_free)

G_END_DECLS
