/* Connecting to the unix sockets QEMU listens on: its monitor, its guest agent. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A connected stream socket (close-on-exec), or -1 with VH_ERROR_IO naming @path. */
int vh_unix_connect(const char *path, GError **error);

G_END_DECLS
