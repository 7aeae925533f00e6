/*
 * The vcpuhp tool against a real QEMU (built from vmm/) and a real arm64 guest:
 * status and set over a second QMP monitor, as a user's QEMU would offer one, and
 * with the arm64 lab's QEMU guest agent (trixie's qemu-ga) on a virtio-serial port;
 * the guest's own masks (the lab's channel) say whether the vCPUs really came, went
 * and came online.
 */
#include <glib/gstdio.h>

#include "cli-run.h"
#include "lab-test.h"

static void
test_status_and_set(void)
{
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-cli-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *monitor = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    const char *extra[] = { "-qmp", monitor, NULL };
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=6");
    g_autoptr(VhLabVm) vm = NULL;
    g_auto(CliRun) before = { 0 }, grow = { 0 }, after = { 0 }, shrink = { 0 };
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *enabled = NULL, *gone = NULL;
    JsonArray *slots;

    config.extra_args = extra;
    vm = lab_boot(&config);

    cli_run(&before, "status", "--qmp", sock, NULL);
    g_assert_cmpint(before.status, ==, 0);
    g_assert_nonnull(strstr(before.out, ": 2 of 6 vCPUs plugged"));

    cli_run(&grow, "set", "--qmp", sock, "4", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    g_assert_nonnull(strstr(grow.err, "[2/2] vcpu3 (guest cpu 3): plugged"));
    g_free(lab_wait_cpu_in_mask(vm, "enabled", 2, TRUE, 30));
    enabled = lab_wait_cpu_in_mask(vm, "enabled", 3, TRUE, 30);
    g_assert_cmpstr(enabled, ==, "0-3");

    cli_run(&after, "status", "--qmp", sock, "--output=json", NULL);
    g_assert_cmpint(after.status, ==, 0);
    root = cli_json_valid(after.out, "vcpuhp-status.schema.json");
    g_assert_cmpint(vh_json_int(json_node_get_object(root), "plugged", -1), ==, 4);
    slots = vh_json_array(json_node_get_object(root), "slots");
    g_assert_cmpstr(vh_json_string(vh_json_array_object(slots, 3), "device-id"), ==, "vcpu3");
    g_assert_cmpstr(vh_json_string(vh_json_array_object(slots, 3), "type"), ==, "max-arm-cpu");

    cli_run(&shrink, "set", "--qmp", sock, "2", "--output=json", NULL);
    g_assert_cmpint(shrink.status, ==, 0);
    json_node_unref(cli_json_valid(shrink.out, "vcpuhp-set.schema.json"));
    gone = lab_wait_cpu_in_mask(vm, "enabled", 2, FALSE, 30);
    g_assert_cmpstr(gone, ==, "0-1");

    g_clear_pointer(&vm, vh_lab_vm_free);
    g_unlink(sock);
    g_rmdir(dir);
}

/* With the guest agent: set brings the new vCPUs online in the guest. */
static void
test_set_with_agent(void)
{
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-cli-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *agent = g_build_filename(dir, "qga.sock", NULL);
    g_autofree char *monitor = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    g_autofree char *chardev = g_strdup_printf("socket,id=qga,path=%s,server=on,wait=off", agent);
    const char *extra[] = {
        "-qmp", monitor, "-device", "virtio-serial-pci,id=vs", "-chardev", chardev,
        "-device", "virtserialport,bus=vs.0,chardev=qga,name=org.qemu.guest_agent.0", NULL,
    };
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=6");
    g_autoptr(VhLabVm) vm = NULL;
    g_auto(CliRun) grow = { 0 }, status = { 0 }, shrink = { 0 };
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *online = NULL, *gone = NULL;
    JsonArray *slots;

    config.extra_args = extra;
    vm = lab_boot(&config);

    cli_run(&grow, "set", "--qmp", sock, "--agent", agent, "4", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    g_assert_nonnull(strstr(grow.err, "[2/2] vcpu3 (guest cpu 3): plugged, enabled and online"));
    /* set returned once the agent had onlined them: no wait here. */
    online = lab_run_ok(vm, "cat /sys/devices/system/cpu/online");
    g_assert_cmpstr(online, ==, "0-3");

    cli_run(&status, "status", "--qmp", sock, "--agent", agent, "-o", "json", NULL);
    g_assert_cmpint(status.status, ==, 0);
    root = cli_json_valid(status.out, "vcpuhp-status.schema.json");
    g_assert_cmpstr(vh_json_string(json_node_get_object(root), "guest-view"), ==, "agent");
    slots = vh_json_array(json_node_get_object(root), "slots");
    g_assert_true(vh_json_bool(vh_json_array_object(slots, 3), "online", FALSE));
    g_assert_false(vh_json_bool(vh_json_array_object(slots, 4), "enabled", TRUE));

    cli_run(&shrink, "set", "--qmp", sock, "--agent", agent, "2", NULL);
    if (shrink.status != 0)
        g_test_message("vcpuhp set 2 failed: %s", shrink.err);
    g_assert_cmpint(shrink.status, ==, 0);
    /* set waited, through the agent, for the guest to let go of them. */
    gone = lab_run_ok(vm, "cat /sys/devices/system/cpu/enabled");
    g_assert_cmpstr(gone, ==, "0-1");

    g_clear_pointer(&vm, vh_lab_vm_free);
    g_unlink(sock);
    g_unlink(agent);
    g_rmdir(dir);
}

/* A QEMU whose machine cannot hotplug (a released type): set fails and says why. */
static void
test_set_refused_by_qemu(void)
{
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-cli-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *monitor = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    const char *extra[] = { "-S", "-qmp", monitor, NULL };
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=6");
    g_autoptr(VhLabVm) vm = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(CliRun) run = { 0 };

    config.machine = "virt-10.0,gic-version=3";
    config.extra_args = extra;
    vm = vh_lab_vm_launch(&config, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    cli_run(&run, "set", "--qmp", sock, "3", NULL);
    g_assert_cmpint(run.status, ==, 1);
    /* QEMU says so at query-hotpluggable-cpus, before any device_add. */
    g_assert_nonnull(strstr(run.err, "does not support hot-plugging CPUs"));
    g_clear_pointer(&vm, vh_lab_vm_free);
    g_unlink(sock);
    g_rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cli-qmp/status-and-set", test_status_and_set);
    g_test_add_func("/cli-qmp/set-with-agent", test_set_with_agent);
    g_test_add_func("/cli-qmp/set-refused-by-qemu", test_set_refused_by_qemu);
    return g_test_run();
}
