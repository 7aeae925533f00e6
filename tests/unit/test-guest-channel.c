/*
 * Unit tests of the guest command channel client against the protocol of
 * tools/lab/guest-init.sh, including kernel messages mixed into the replies.
 */
#include "test-helpers.h"
#include "vh-cpu-masks.h"
#include "vh-error.h"
#include "vh-guest.h"
#include "vh-line-reader.h"

/*
 * The guest's side of the channel, in a thread: answers the n-th request with
 * replies[n], where "@@T" stands for "@@" and that request's tag, "@@P" for "@@"
 * and the tag of the request before it. Tags are unique to each client, so the
 * replies cannot be written before the requests are seen.
 */
typedef struct {
    int fd;
    const char *const *replies;
    GPtrArray *requests;    /* the request lines it read */
    GThread *thread;
} FakeGuest;

static gpointer
fake_guest_serve(gpointer data)
{
    FakeGuest *fake = data;
    g_autoptr(VhLineReader) reader = vh_line_reader_new(fake->fd);
    g_autofree char *previous = g_strdup("@@(none)");

    for (const char *const *reply = fake->replies; *reply; reply++) {
        g_autoptr(GError) err = NULL;
        char *request = vh_line_reader_read_line(reader, vh_deadline_after_ms(5000), &err);
        g_autoptr(GString) text = g_string_new(*reply);
        g_autofree char *tag = NULL;

        g_assert_no_error(err);
        g_ptr_array_add(fake->requests, request);
        tag = g_strconcat("@@", request, NULL);
        tag[strcspn(tag, " ")] = '\0';
        g_string_replace(text, "@@P", previous, 0);
        g_string_replace(text, "@@T", tag, 0);
        g_assert_cmpint(write(fake->fd, text->str, text->len), ==, (gssize)text->len);
        g_free(previous);
        previous = g_steal_pointer(&tag);
    }
    return NULL;
}

static void
fake_guest_start(FakeGuest *fake, TestPipe *p, const char *const *replies)
{
    fake->fd = p->peer;
    fake->replies = replies;
    fake->requests = g_ptr_array_new_with_free_func(g_free);
    fake->thread = g_thread_new("fake-guest", fake_guest_serve, fake);
}

/* Waits until it has answered every request; returns the requests it read. */
static GPtrArray *
fake_guest_join(FakeGuest *fake)
{
    g_thread_join(fake->thread);
    return fake->requests;
}

static VhGuest *
ready_guest(TestPipe *p)
{
    VhGuest *guest;
    g_autoptr(GError) err = NULL;

    test_pipe_open(p);
    guest = vh_guest_new(p->ours);
    /* Firmware noise and escape sequences precede the banner on a real console. */
    test_pipe_send(p, "UEFI firmware (version 2025.02)\r\n\x1b[2J\x1b[01;01HEFI stub: Booting Linux Kernel...\n"
                      "@@VCPUHP READY 6.12.117+deb13-arm64\n");
    g_assert_true(vh_guest_wait_ready(guest, 1000, &err));
    g_assert_no_error(err);
    return guest;
}

static void
test_ready(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);

    g_assert_cmpstr(vh_guest_kernel_release(guest), ==, "6.12.117+deb13-arm64");
    g_assert_nonnull(strstr(vh_guest_console_tail(guest), "EFI stub"));
    test_pipe_close(&p);
}

static void
test_run_with_kernel_noise(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GPtrArray) sent = NULL;
    int status = -1;
    FakeGuest fake;
    static const char *const replies[] = {
        "@@T| line one\n[   12.3] CPU4: Booted secondary processor\n@@T| line two\n@@T END 3\n",
        NULL,
    };

    fake_guest_start(&fake, &p, replies);
    out = vh_guest_run(guest, "echo hi; exit 3", 1000, &status, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "line one\nline two");
    g_assert_cmpint(status, ==, 3);
    g_assert_nonnull(strstr(vh_guest_console_tail(guest), "Booted secondary"));
    sent = fake_guest_join(&fake);
    /* A tag that guest-init.sh accepts, then the command. */
    g_assert_true(g_regex_match_simple("^[A-Za-z0-9_-]+ echo hi; exit 3$",
                                       g_ptr_array_index(sent, 0), 0, 0));
    test_pipe_close(&p);
}

static void
test_run_ok_fails_on_status(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;
    FakeGuest fake;
    static const char *const replies[] = {
        "@@T| sh: can't create /sys/devices/system/cpu/cpu9/online: nonexistent\n@@T END 1\n",
        NULL,
    };

    fake_guest_start(&fake, &p, replies);
    g_assert_null(vh_guest_run_ok(guest, "echo 1 > /sys/devices/system/cpu/cpu9/online", 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "exited with status 1"));
    fake_guest_join(&fake);
    test_pipe_close(&p);
}

static void
test_stale_reply_ignored(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    int status;
    FakeGuest fake;
    static const char *const replies[] = {
        "@@c7| stale\n@@c7 END 0\n@@T| fresh\n@@T END 0\n",
        NULL,
    };

    /* A reply to another tag (an earlier, timed-out command) is neither ours nor
     * console output. */
    fake_guest_start(&fake, &p, replies);
    out = vh_guest_run(guest, "true", 1000, &status, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "fresh");
    g_assert_null(strstr(vh_guest_console_tail(guest), "stale"));
    fake_guest_join(&fake);
    test_pipe_close(&p);
}

static void
test_late_reply_to_earlier_client(void)
{
    TestPipe p;
    g_autoptr(VhGuest) earlier = ready_guest(&p);
    g_autoptr(VhGuest) later = vh_guest_new(p.ours);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GPtrArray) sent = NULL;
    FakeGuest fake;
    static const char *const replies[] = {
        "",   /* too late for the earlier client: answered with the next request */
        "@@P| late\n@@P END 0\n@@T| fresh\n@@T END 0\n",
        NULL,
    };

    /* A second client on the channel, as a later `vcpuhp guest` process is. */
    fake_guest_start(&fake, &p, replies);
    g_assert_null(vh_guest_run(earlier, "sleep 60", 100, NULL, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_TIMEOUT);
    g_clear_error(&err);
    out = vh_guest_run(later, "true", 1000, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "fresh");
    sent = fake_guest_join(&fake);
    g_assert_cmpstr(strchr(g_ptr_array_index(sent, 0), ' '), ==, " sleep 60");
    test_pipe_close(&p);
}

static void
test_timeout_reports_console(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    static const char *const console[] = {
        "[    5.0] CPU4: Booted secondary processor",
        "Kernel panic - not syncing: Attempted to kill init!",
    };

    /* Each timeout names the newest console line, also after an earlier timeout. */
    for (guint i = 0; i < G_N_ELEMENTS(console); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *quoted = g_strdup_printf("\"%s\"", console[i]);
        g_autofree char *line = g_strconcat(console[i], "\n", NULL);

        test_pipe_send(&p, line);
        g_assert_null(vh_guest_run(guest, "true", 100, NULL, &err));
        g_assert_error(err, VH_ERROR, VH_ERROR_TIMEOUT);
        g_assert_nonnull(strstr(err->message, quoted));
    }
    g_assert_true(g_str_has_suffix(vh_guest_console_tail(guest),
                                   "processor\nKernel panic - not syncing: Attempted to kill init!\n"));
    test_pipe_close(&p);
}

static void
test_bad_replies_and_eof(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;
    FakeGuest fake;
    static const char *const replies[] = { "@@T END x\n", "@@? bad request\n", NULL };

    fake_guest_start(&fake, &p, replies);
    g_assert_null(vh_guest_run(guest, "true", 1000, NULL, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_clear_error(&err);
    /* A refused request is said at once, naming the request, not left to time out. */
    g_assert_null(vh_guest_run(guest, "echo 1 > /sys/devices/system/cpu/cpu3/online", 5000,
                               NULL, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_assert_nonnull(strstr(err->message, "refused the request"));
    g_assert_nonnull(strstr(err->message, " echo 1 > /sys/devices/system/cpu/cpu3/online\""));
    g_clear_error(&err);
    fake_guest_join(&fake);
    test_pipe_hangup(&p);
    g_assert_null(vh_guest_run(guest, "true", 1000, NULL, &err));
    g_assert_nonnull(err);
    close(p.ours);
}

static void
test_multiline_command_refused(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;

    g_assert_null(vh_guest_run(guest, "true\nreboot -f", 1000, NULL, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    test_pipe_close(&p);
}

static void
test_cpu_masks(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;
    g_auto(VhCpuMasks) masks = { 0 };
    g_autofree char *text = NULL;
    FakeGuest fake;
    static const char *const replies[] = {
        "@@T| 0-5\n@@T| 0-5\n@@T| 0-1,4\n@@T| 0-1\n@@T END 0\n",
        /* A kernel without the "enabled" file (before 6.11) is reported, not misread. */
        "@@T| 0-5\n@@T| 0-5\n@@T| cat: can't open 'enabled': No such file\n@@T| 0-1\n@@T END 1\n",
        NULL,
    };

    fake_guest_start(&fake, &p, replies);
    g_assert_true(vh_cpu_masks_read(guest, &masks, 1000, &err));
    g_assert_no_error(err);
    text = vh_cpu_masks_format(&masks);
    g_assert_cmpstr(text, ==, "possible=0-5 present=0-5 enabled=0-1,4 online=0-1");
    g_assert_false(vh_cpu_masks_read(guest, &masks, 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    fake_guest_join(&fake);
    test_pipe_close(&p);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/guest/ready", test_ready);
    g_test_add_func("/guest/run-with-kernel-noise", test_run_with_kernel_noise);
    g_test_add_func("/guest/run-ok-fails-on-status", test_run_ok_fails_on_status);
    g_test_add_func("/guest/stale-reply-ignored", test_stale_reply_ignored);
    g_test_add_func("/guest/late-reply-to-earlier-client", test_late_reply_to_earlier_client);
    g_test_add_func("/guest/timeout-reports-console", test_timeout_reports_console);
    g_test_add_func("/guest/bad-replies-and-eof", test_bad_replies_and_eof);
    g_test_add_func("/guest/multiline-command-refused", test_multiline_command_refused);
    g_test_add_func("/guest/cpu-masks", test_cpu_masks);
    return g_test_run();
}
