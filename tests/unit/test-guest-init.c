/*
 * Unit tests of the lab guests' side of the command channel: tools/lab/guest-init.sh
 * run with --serve on a socket pair, in busybox sh as in the guests (the host's
 * /bin/sh where busybox is missing), driven by the real client (vh-guest.c).
 */
#include <sys/wait.h>

#include "test-helpers.h"
#include "vh-error.h"
#include "vh-guest.h"

typedef struct {
    TestPipe pipe;
    GPid pid;
    VhGuest *guest;
} ScriptGuest;

static void
script_start(ScriptGuest *g)
{
    const char *script = g_getenv("VCPUHP_GUEST_INIT");
    g_autofree char *busybox = g_find_program_in_path("busybox");
    const char *with_busybox[] = { busybox, "sh", script, "--serve", NULL };
    const char *with_sh[] = { "/bin/sh", script, "--serve", NULL };
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(script);
    if (!busybox)
        g_test_message("no busybox: running guest-init.sh in /bin/sh");
    test_pipe_open(&g->pipe);
    g_spawn_async_with_fds(NULL, (char **)(busybox ? with_busybox : with_sh), NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &g->pid,
                           g->pipe.peer, g->pipe.peer, -1, &err);
    g_assert_no_error(err);
    test_pipe_hangup(&g->pipe);   /* the shell has its own copy as stdin and stdout */
    g->guest = vh_guest_new(g->pipe.ours);
}

/* Ends the channel: the shell must leave its loop and exit 0. */
static void
script_stop(ScriptGuest *g)
{
    int status = -1;

    vh_guest_free(g->guest);
    close(g->pipe.ours);
    g_assert_cmpint(waitpid(g->pid, &status, 0), ==, g->pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_spawn_close_pid(g->pid);
}

static void
test_output_and_status(void)
{
    ScriptGuest g;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    int status = -1;

    script_start(&g);
    /* The client takes only replies that carry its request's tag as it sent it: the
     * guest must accept the client's tags and echo them verbatim. */
    out = vh_guest_run(g.guest, "echo one; echo two >&2; exit 3", 5000, &status, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "one\ntwo");
    g_assert_cmpint(status, ==, 3);
    script_stop(&g);
}

static void
test_stdin_is_not_the_channel(void)
{
    ScriptGuest g;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL, *next = NULL;
    int status = -1;

    script_start(&g);
    /* Reading from the channel would block here, and later take our requests. */
    out = vh_guest_run(g.guest, "cat; echo \"cat: $?\"", 5000, &status, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "cat: 0");
    next = vh_guest_run(g.guest, "read -r x || echo nothing to read", 5000, &status, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(next, ==, "nothing to read");
    script_stop(&g);
}

static void
test_bad_request(void)
{
    ScriptGuest g;
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;

    script_start(&g);
    /* Half a line left on the channel by an earlier writer: the guest reads it as
     * part of the next request's tag, and refuses that request. */
    g_assert_cmpint(write(g.pipe.ours, "x!", 2), ==, 2);
    g_assert_null(vh_guest_run(g.guest, "echo not run", 5000, NULL, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_assert_nonnull(strstr(err->message, "refused the request"));
    g_assert_nonnull(strstr(err->message, " echo not run\""));
    g_clear_error(&err);
    /* The channel goes on. */
    out = vh_guest_run(g.guest, "echo run", 5000, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "run");
    script_stop(&g);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/guest-init/output-and-status", test_output_and_status);
    g_test_add_func("/guest-init/stdin-is-not-the-channel", test_stdin_is_not_the_channel);
    g_test_add_func("/guest-init/bad-request", test_bad_request);
    return g_test_run();
}
