/*
 * The launcher against real QEMU binaries: a QEMU that dies at start gives a clear
 * one-line error with QEMU's own reason, never a hang; processes are always reaped.
 */
#include <errno.h>
#include <signal.h>

#include "lab-test.h"

static void
test_dies_at_start(void)
{
    static const char *const args[] = { "-M", "virt", "-no-such-option", NULL };
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    g_autoptr(VhQemu) qemu = vh_qemu_launch(lab_env("VCPUHP_QEMU"), args, 30000, &err);

    g_assert_null(qemu);
    g_assert_error(err, VH_ERROR, VH_ERROR_EXITED);
    g_assert_nonnull(strstr(err->message, "exited with status 1"));
    g_assert_nonnull(strstr(err->message, "-no-such-option: invalid option"));
    g_assert_null(strchr(err->message, '\n'));
    g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_rejects_machine_after_sockets(void)
{
    /* QEMU opens the monitor, then rejects the machine options. */
    static const char *const args[] = { "-M", "virt,gic-version=7", "-display", "none", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(VhQemu) qemu = vh_qemu_launch(lab_env("VCPUHP_QEMU"), args, 30000, &err);

    g_assert_null(qemu);
    g_assert_error(err, VH_ERROR, VH_ERROR_EXITED);
    g_assert_nonnull(strstr(err->message, "gic-version"));
}

static void
test_missing_binary(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VhQemu) qemu = vh_qemu_launch("/nonexistent/qemu-system-aarch64", NULL, 1000, &err);

    g_assert_null(qemu);
    g_assert_error(err, VH_ERROR, VH_ERROR_SPAWN);
    g_assert_nonnull(strstr(err->message, "/nonexistent/qemu-system-aarch64"));
}

static void
test_always_reaped(void)
{
    static const char *const args[] = { "-M", "virt", "-accel", "tcg", "-display", "none",
                                        "-nodefaults", "-S", NULL };
    g_autoptr(GError) err = NULL;
    VhQemu *qemu = vh_qemu_launch(lab_env("VCPUHP_QEMU"), args, 30000, &err);
    g_autoptr(JsonNode) status = NULL;
    GPid pid;

    g_assert_no_error(err);
    pid = vh_qemu_pid(qemu);
    status = vh_qmp_execute(vh_qemu_qmp(qemu), "query-status", NULL, 5000, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "prelaunch");
    vh_qemu_free(qemu);
    /* Reaped, not a zombie: the pid is gone. */
    g_assert_cmpint(kill(pid, 0), ==, -1);
    g_assert_cmpint(errno, ==, ESRCH);
}

static void
test_older_virt_has_no_cpu_hotplug(void)
{
    /* Versioned machine types before the series behave as before it. */
    static const char *const args[] = { "-M", "virt-9.2", "-accel", "tcg", "-display", "none",
                                        "-nodefaults", "-S", "-smp", "2,maxcpus=4", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(VhQemu) qemu = vh_qemu_launch(lab_env("VCPUHP_QEMU"), args, 30000, &err);
    g_autoptr(JsonNode) ret = NULL;

    g_assert_no_error(err);
    ret = vh_qmp_execute(vh_qemu_qmp(qemu), "query-hotpluggable-cpus", NULL, 5000, &err);
    g_assert_null(ret);
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "does not support hot-plugging CPUs"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/launcher/dies-at-start", test_dies_at_start);
    g_test_add_func("/launcher/rejects-machine-after-sockets", test_rejects_machine_after_sockets);
    g_test_add_func("/launcher/missing-binary", test_missing_binary);
    g_test_add_func("/launcher/always-reaped", test_always_reaped);
    g_test_add_func("/launcher/older-virt-has-no-cpu-hotplug", test_older_virt_has_no_cpu_hotplug);
    return g_test_run();
}
