/*
 * Reads newline-terminated lines from a stream socket with a deadline.
 * Both QMP and the guest command channel are line protocols, so they share it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct VhLineReader VhLineReader;

/* The reader does not own @fd. */
VhLineReader *vh_line_reader_new(int fd);
void vh_line_reader_free(VhLineReader *reader);

/*
 * Returns the next line without its terminator ("\r\n" or "\n"), or NULL with
 * VH_ERROR_TIMEOUT once @deadline (g_get_monotonic_time() units) passes,
 * VH_ERROR_EOF when the peer closed (a partial last line is reported as
 * truncated), VH_ERROR_PROTOCOL for a line longer than VH_LINE_MAX.
 */
#define VH_LINE_MAX (64 * 1024 * 1024)
char *vh_line_reader_read_line(VhLineReader *reader, gint64 deadline, GError **error);

/*
 * Writes all of @data, or fails with VH_ERROR_TIMEOUT once @deadline
 * (g_get_monotonic_time() units) passes while the peer does not read,
 * VH_ERROR_EOF when the peer closed, VH_ERROR_IO. Never blocks past @deadline,
 * whether @fd is blocking or not.
 */
gboolean vh_write_all(int fd, const char *data, gsize len, gint64 deadline, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhLineReader, vh_line_reader_free)

G_END_DECLS
