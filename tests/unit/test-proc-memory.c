/*
 * vh-proc-memory: QEMU's RSS and, of it, the guest's RAM, from the texts the kernel
 * writes in /proc/<pid>/status and /proc/<pid>/smaps.
 */
#include <string.h>
#include <unistd.h>

#include "vh-error.h"
#include "vh-proc-memory.h"

/* As Linux writes them: a tab after the colon, then padding. */
static const char status_text[] =
    "Name:\tqemu-system-aar\n"
    "VmPeak:\t 2395528 kB\n"
    "VmRSS:\t  371904 kB\n"
    "RssAnon:\t  360000 kB\n"
    "Threads:\t5\n";

/* Two mappings of the guest's 1 GiB (QEMU may split it) and one other. */
static const char smaps_text[] =
    "7f0000000000-7f0040000000 rw-p 00000000 00:00 0\n"
    "Size:            1048576 kB\n"
    "Rss:              204800 kB\n"
    "Pss:              204800 kB\n"
    "7f0040000000-7f0040100000 rw-p 00000000 00:00 0\n"
    "Size:               1024 kB\n"
    "Rss:                1024 kB\n"
    "7f1000000000-7f1040000000 rw-p 00000000 00:00 0\n"
    "Size:            1048576 kB\n"
    "Rss:                2048 kB\n";

static void
test_status_rss(void)
{
    g_autoptr(GError) err = NULL;
    guint64 rss = 0;

    g_assert_true(vh_proc_status_rss_kib(status_text, &rss, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(rss, ==, 371904);

    g_assert_false(vh_proc_status_rss_kib("Name:\tqemu\nThreads:\t5\n", &rss, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
}

static void
test_smaps_guest_ram(void)
{
    g_autoptr(GError) err = NULL;
    guint64 rss = 0;

    /* Every mapping of exactly the guest's size counts; the others do not. */
    g_assert_true(vh_proc_smaps_rss_of_size_kib(smaps_text, 1048576, &rss, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(rss, ==, 204800 + 2048);

    g_assert_false(vh_proc_smaps_rss_of_size_kib(smaps_text, 524288, &rss, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_assert_nonnull(strstr(err->message, "524288 KiB"));
}

static void
test_this_process(void)
{
    g_autoptr(GError) err = NULL;
    guint64 rss = 0, ram = 0;

    /* This process has no mapping of 1 TiB: the guest's RAM is not found. */
    g_assert_false(vh_proc_qemu_rss_kib(getpid(), G_GUINT64_CONSTANT(1) << 30, &rss, &ram,
                                        &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_assert_cmpuint(rss, >, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/proc-memory/status-rss", test_status_rss);
    g_test_add_func("/proc-memory/smaps-guest-ram", test_smaps_guest_ram);
    g_test_add_func("/proc-memory/this-process", test_this_process);
    return g_test_run();
}
