/*
 * Unit tests of the guest command channel client against the protocol of
 * tools/lab/guest-init.sh, including kernel messages mixed into the replies.
 */
#include "test-helpers.h"
#include "vh-cpu-masks.h"
#include "vh-error.h"
#include "vh-guest.h"

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
    g_autofree char *out = NULL, *sent = NULL;
    int status = -1;

    test_pipe_send(&p, "@@c1| line one\n[   12.3] CPU4: Booted secondary processor\n"
                       "@@c1| line two\n@@c1 END 3\n");
    out = vh_guest_run(guest, "echo hi; exit 3", 1000, &status, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "line one\nline two");
    g_assert_cmpint(status, ==, 3);
    g_assert_nonnull(strstr(vh_guest_console_tail(guest), "Booted secondary"));
    sent = test_pipe_received(&p);
    g_assert_cmpstr(sent, ==, "c1 echo hi; exit 3\n");
    test_pipe_close(&p);
}

static void
test_run_ok_fails_on_status(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;

    test_pipe_send(&p, "@@c1| sh: can't create /sys/devices/system/cpu/cpu9/online: nonexistent\n"
                       "@@c1 END 1\n");
    g_assert_null(vh_guest_run_ok(guest, "echo 1 > /sys/devices/system/cpu/cpu9/online", 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "exited with status 1"));
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

    /* A reply to another tag (an earlier, timed-out command) is not ours. */
    test_pipe_send(&p, "@@c7| stale\n@@c7 END 0\n@@c1| fresh\n@@c1 END 0\n");
    out = vh_guest_run(guest, "true", 1000, &status, &err);
    g_assert_cmpstr(out, ==, "fresh");
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
test_eof_and_bad_end(void)
{
    TestPipe p;
    g_autoptr(VhGuest) guest = ready_guest(&p);
    g_autoptr(GError) err = NULL;

    test_pipe_send(&p, "@@c1 END x\n");
    g_assert_null(vh_guest_run(guest, "true", 1000, NULL, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_clear_error(&err);
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

    test_pipe_send(&p, "@@c1| 0-5\n@@c1| 0-5\n@@c1| 0-1,4\n@@c1| 0-1\n@@c1 END 0\n");
    g_assert_true(vh_cpu_masks_read(guest, &masks, 1000, &err));
    g_assert_no_error(err);
    text = vh_cpu_masks_format(&masks);
    g_assert_cmpstr(text, ==, "possible=0-5 present=0-5 enabled=0-1,4 online=0-1");

    /* A kernel without the "enabled" file (before 6.11) is reported, not misread. */
    test_pipe_send(&p, "@@c2| 0-5\n@@c2| 0-5\n@@c2| cat: can't open 'enabled': No such file\n"
                       "@@c2| 0-1\n@@c2 END 1\n");
    g_assert_false(vh_cpu_masks_read(guest, &masks, 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
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
    g_test_add_func("/guest/timeout-reports-console", test_timeout_reports_console);
    g_test_add_func("/guest/eof-and-bad-end", test_eof_and_bad_end);
    g_test_add_func("/guest/multiline-command-refused", test_multiline_command_refused);
    g_test_add_func("/guest/cpu-masks", test_cpu_masks);
    return g_test_run();
}
