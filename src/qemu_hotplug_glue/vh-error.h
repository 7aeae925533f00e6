/* Error domain shared by every part of the qemu_hotplug_glue library. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VH_ERROR (vh_error_quark())
GQuark vh_error_quark(void);

typedef enum {
    VH_ERROR_TIMEOUT,   /* the peer did not answer within the deadline */
    VH_ERROR_EOF,       /* the peer closed the connection */
    VH_ERROR_IO,        /* a system call failed */
    VH_ERROR_PROTOCOL,  /* the peer sent something that is not the protocol */
    VH_ERROR_COMMAND,   /* QEMU answered a command with an error */
    VH_ERROR_SPAWN,     /* the QEMU process could not be started */
    VH_ERROR_EXITED,    /* the QEMU process exited */
    VH_ERROR_REFUSED,   /* the guest refused a request (an eject, onlining a CPU) */
    VH_ERROR_UNSUPPORTED,   /* the host cannot do what was asked of it */
} VhErrorCode;

/* Milliseconds from now to an absolute g_get_monotonic_time() deadline. */
gint64 vh_deadline_after_ms(guint timeout_ms);

G_END_DECLS
