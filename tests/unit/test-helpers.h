/* Shared by the unit tests: a socket pair whose far end plays the peer. */
#pragma once

#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int ours;   /* handed to the code under test */
    int peer;   /* the test writes the peer's bytes here */
} TestPipe;

static inline void
test_pipe_open(TestPipe *p)
{
    int fds[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
    p->ours = fds[0];
    p->peer = fds[1];
}

static inline void
test_pipe_send(TestPipe *p, const char *text)
{
    g_assert_cmpint(write(p->peer, text, strlen(text)), ==, (ssize_t)strlen(text));
}

static inline void
test_pipe_hangup(TestPipe *p)
{
    if (p->peer >= 0)
        close(p->peer);
    p->peer = -1;
}

/* The peer stops sending but still reads: what a QEMU that exits mid-reply looks like
 * to a reader whose last request was already sent. */
static inline void
test_pipe_end_of_input(TestPipe *p)
{
    g_assert_cmpint(shutdown(p->peer, SHUT_WR), ==, 0);
}

static inline void
test_pipe_close(TestPipe *p)
{
    test_pipe_hangup(p);
    close(p->ours);
}

/* Reads what the code under test sent to the peer (non-blocking, up to 64 KiB). */
static inline char *
test_pipe_received(TestPipe *p)
{
    char buf[65536];
    ssize_t n = recv(p->peer, buf, sizeof(buf) - 1, MSG_DONTWAIT);

    buf[n > 0 ? n : 0] = '\0';
    return g_strdup(buf);
}

/* The contents of a fixture captured from a real QEMU, with a newline. */
static inline char *
test_fixture(const char *name)
{
    const char *dir = g_getenv("VCPUHP_FIXTURES");
    g_autofree char *path = g_build_filename(dir ? dir : ".", name, NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return g_strconcat(g_strchomp(text), "\n", NULL);
}
