#include "vh-line-reader.h"

#include <errno.h>
#include <fcntl.h>
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

/*
 * Waits until @fd is ready for @events (POLLIN, POLLOUT) or @deadline passes; FALSE
 * with @error set on timeout ("timed out waiting for @what") or failure.
 */
static gboolean
wait_ready(int fd, short events, gint64 deadline, const char *what, GError **error)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = events };
        gint64 left_ms = (deadline - g_get_monotonic_time()) / G_TIME_SPAN_MILLISECOND;
        int rc;

        if (left_ms < 0) {
            g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT, "timed out waiting for %s", what);
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
        if (!wait_ready(reader->fd, POLLIN, deadline, "data", error))
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

/*
 * Writes what fits of @data now, never blocking, so that only poll() waits and the
 * deadline holds: -1 with errno EAGAIN when nothing fits.
 */
static ssize_t
write_some(int fd, const char *data, gsize len)
{
    /* MSG_NOSIGNAL: a peer that went away is an error, not a SIGPIPE. */
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    int flags, saved_errno;

    if (n >= 0 || errno != ENOTSOCK)
        return n;
    /* A pipe or tty has no MSG_DONTWAIT: its O_NONBLOCK is set for this write only,
     * so the caller's fd keeps its mode. */
    flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -1;
    if (flags & O_NONBLOCK)
        return write(fd, data, len);
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    n = write(fd, data, len);
    saved_errno = errno;
    fcntl(fd, F_SETFL, flags);
    errno = saved_errno;
    return n;
}

gboolean
vh_write_all(int fd, const char *data, gsize len, gint64 deadline, GError **error)
{
    gsize total = len;

    while (len > 0) {
        ssize_t n = write_some(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (wait_ready(fd, POLLOUT, deadline, "the peer to read", error))
                    continue;
                g_prefix_error(error, "write (%zu of %zu bytes written): ", total - len, total);
                return FALSE;
            }
            g_set_error(error, VH_ERROR, errno == EPIPE ? VH_ERROR_EOF : VH_ERROR_IO,
                        "write: %s", g_strerror(errno));
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}
