#include "vh-line-reader.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vh-error.h"

struct VhLineReader {
    int fd;
    GString *buf;   /* bytes received and not yet returned as a line */
    gboolean eof;
};

VhLineReader *
vh_line_reader_new(int fd)
{
    VhLineReader *reader = g_new0(VhLineReader, 1);

    reader->fd = fd;
    reader->buf = g_string_new(NULL);
    return reader;
}

void
vh_line_reader_free(VhLineReader *reader)
{
    if (!reader)
        return;
    g_string_free(reader->buf, TRUE);
    g_free(reader);
}

static char *
take_line(VhLineReader *reader)
{
    char *nl = memchr(reader->buf->str, '\n', reader->buf->len);
    gsize len;
    char *line;

    if (!nl)
        return NULL;
    len = nl - reader->buf->str;
    line = g_strndup(reader->buf->str, len > 0 && nl[-1] == '\r' ? len - 1 : len);
    g_string_erase(reader->buf, 0, len + 1);
    return line;
}

/* Waits for input until @deadline; FALSE with @error set on timeout or failure. */
static gboolean
wait_readable(int fd, gint64 deadline, GError **error)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        gint64 left_ms = (deadline - g_get_monotonic_time()) / G_TIME_SPAN_MILLISECOND;
        int rc;

        if (left_ms < 0) {
            g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT, "timed out waiting for data");
            return FALSE;
        }
        rc = poll(&pfd, 1, (int)MIN(left_ms + 1, G_MAXINT));
        if (rc > 0)
            return TRUE;
        if (rc < 0 && errno != EINTR) {
            g_set_error(error, VH_ERROR, VH_ERROR_IO, "poll: %s", g_strerror(errno));
            return FALSE;
        }
    }
}

char *
vh_line_reader_read_line(VhLineReader *reader, gint64 deadline, GError **error)
{
    for (;;) {
        char chunk[65536];
        char *line = take_line(reader);
        ssize_t n;

        if (line)
            return line;
        if (reader->buf->len > VH_LINE_MAX) {
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "line longer than %d bytes", VH_LINE_MAX);
            return NULL;
        }
        if (reader->eof) {
            if (reader->buf->len > 0)
                g_set_error(error, VH_ERROR, VH_ERROR_EOF,
                            "connection closed in the middle of a line (%zu bytes: truncated)",
                            reader->buf->len);
            else
                g_set_error(error, VH_ERROR, VH_ERROR_EOF, "connection closed by peer");
            return NULL;
        }
        if (!wait_readable(reader->fd, deadline, error))
            return NULL;
        n = read(reader->fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == ECONNRESET) {
                reader->eof = TRUE;
                continue;
            }
            g_set_error(error, VH_ERROR, VH_ERROR_IO, "read: %s", g_strerror(errno));
            return NULL;
        }
        if (n == 0)
            reader->eof = TRUE;
        else
            g_string_append_len(reader->buf, chunk, n);
    }
}

gboolean
vh_write_all(int fd, const char *data, gsize len, GError **error)
{
    while (len > 0) {
        /* MSG_NOSIGNAL: a peer that went away is an error, not a SIGPIPE. */
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == ENOTSOCK)
            n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(error, VH_ERROR, errno == EPIPE ? VH_ERROR_EOF : VH_ERROR_IO,
                        "write: %s", g_strerror(errno));
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}
