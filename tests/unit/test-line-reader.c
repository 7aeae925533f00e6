/* Unit tests of the deadline-bound line reader shared by QMP and the guest channel. */
#include <fcntl.h>

#include "test-helpers.h"
#include "vh-error.h"
#include "vh-line-reader.h"

static void
test_lines_and_crlf(void)
{
    TestPipe p;
    g_autoptr(VhLineReader) r = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *a = NULL, *b = NULL, *c = NULL;

    test_pipe_open(&p);
    r = vh_line_reader_new(p.ours);
    test_pipe_send(&p, "first\r\nsec");
    a = vh_line_reader_read_line(r, vh_deadline_after_ms(1000), &err);
    g_assert_no_error(err);
    g_assert_cmpstr(a, ==, "first");
    test_pipe_send(&p, "ond\n\n");
    b = vh_line_reader_read_line(r, vh_deadline_after_ms(1000), &err);
    g_assert_cmpstr(b, ==, "second");
    c = vh_line_reader_read_line(r, vh_deadline_after_ms(1000), &err);
    g_assert_cmpstr(c, ==, "");
    test_pipe_close(&p);
}

static void
test_timeout(void)
{
    TestPipe p;
    g_autoptr(VhLineReader) r = NULL;
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    char *line;

    test_pipe_open(&p);
    r = vh_line_reader_new(p.ours);
    test_pipe_send(&p, "no newline yet");
    line = vh_line_reader_read_line(r, vh_deadline_after_ms(100), &err);
    g_assert_null(line);
    g_assert_error(err, VH_ERROR, VH_ERROR_TIMEOUT);
    /* Bounded: the deadline is honoured, not exceeded by seconds. */
    g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
    test_pipe_close(&p);
}

static void
test_eof_and_truncation(void)
{
    TestPipe p;
    g_autoptr(VhLineReader) r = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *line = NULL;

    test_pipe_open(&p);
    r = vh_line_reader_new(p.ours);
    test_pipe_send(&p, "whole\npart");
    test_pipe_hangup(&p);
    line = vh_line_reader_read_line(r, vh_deadline_after_ms(1000), &err);
    g_assert_cmpstr(line, ==, "whole");
    g_assert_null(vh_line_reader_read_line(r, vh_deadline_after_ms(1000), &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_EOF);
    g_assert_nonnull(strstr(err->message, "truncated"));
    g_clear_error(&err);
    /* Once closed, it stays closed. */
    g_assert_null(vh_line_reader_read_line(r, vh_deadline_after_ms(1000), &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_EOF);
    test_pipe_close(&p);
}

static void
test_write_to_closed_peer(void)
{
    TestPipe p;
    g_autoptr(GError) err = NULL;

    test_pipe_open(&p);
    test_pipe_hangup(&p);
    /* A peer that went away is an error, never a SIGPIPE that kills the caller. */
    g_assert_false(vh_write_all(p.ours, "x\n", 2, vh_deadline_after_ms(1000), &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_EOF);
    close(p.ours);
}

/* More than a socket's or a pipe's buffer holds, to a peer that never reads. */
static void
write_to_stalled_peer(int fd)
{
    const gsize len = 16 * 1024 * 1024;
    g_autofree char *data = g_malloc0(len);
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();

    g_assert_false(vh_write_all(fd, data, len, vh_deadline_after_ms(200), &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_TIMEOUT);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
    /* The caller's fd keeps its blocking mode. */
    g_assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

static void
test_write_deadline(void)
{
    TestPipe p;
    int fds[2];

    if (!g_test_subprocess()) {
        /* A write that ignores its deadline blocks forever: the subprocess is killed. */
        g_test_trap_subprocess(NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        return;
    }
    test_pipe_open(&p);
    write_to_stalled_peer(p.ours);
    test_pipe_close(&p);
    g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
    write_to_stalled_peer(fds[1]);
    close(fds[0]);
    close(fds[1]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/line-reader/lines-and-crlf", test_lines_and_crlf);
    g_test_add_func("/line-reader/timeout", test_timeout);
    g_test_add_func("/line-reader/eof-and-truncation", test_eof_and_truncation);
    g_test_add_func("/line-reader/write-to-closed-peer", test_write_to_closed_peer);
    g_test_add_func("/line-reader/write-deadline", test_write_deadline);
    return g_test_run();
}
