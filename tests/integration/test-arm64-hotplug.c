/*
 * vCPU hot(un)plug of the aarch64 virt machine under TCG with the QEMU built from
 * vmm/, driven the way libvirt drives it (device_add/device_del of per-core CPU
 * devices named vcpuN), checked from the guest's sysfs masks.
 */
#include "lab-test.h"

#define SMP "cpus=2,maxcpus=6"

static VhLabVm *
boot_hotplug_guest(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, SMP);

    return lab_boot(&config);
}

static void
plug(VhLabVm *vm, guint cpu)
{
    g_autofree char *id = g_strdup_printf("vcpu%u", cpu);

    lab_cpu_plug(vm, "core-id", cpu, id);
}

/* device_del; the guest ejects the vCPU and QEMU reports DEVICE_DELETED for it. */
static void
unplug(VhLabVm *vm, guint cpu)
{
    g_autofree char *id = g_strdup_printf("vcpu%u", cpu);
    g_autoptr(GError) err = NULL;

    g_assert_true(vh_cpu_unplug(vh_lab_vm_qmp(vm), id, 30000, &err));
    g_assert_no_error(err);
}

static void
test_masks(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_auto(VhCpuMasks) masks = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(vh_cpu_masks_read(vm->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(masks.possible, ==, "0-5");
    g_assert_cmpstr(masks.present, ==, "0-5");
    g_assert_cmpstr(masks.enabled, ==, "0-1");
    g_assert_cmpstr(masks.online, ==, "0-1");
}

static void
test_qmp_contract(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(JsonNode) slots = lab_qmp_ok(vm, "query-hotpluggable-cpus", NULL);
    g_autoptr(JsonNode) machines = lab_qmp_ok(vm, "query-machines", NULL);
    g_autoptr(JsonNode) cpus = NULL;
    JsonArray *arr = json_node_get_array(slots);
    JsonArray *marr = json_node_get_array(machines);
    guint plugged = 0, latest_hotpluggable = 0, older_hotpluggable = 0;

    g_assert_cmpuint(json_array_get_length(arr), ==, 6);
    for (guint i = 0; i < 6; i++) {
        JsonObject *slot = vh_json_array_object(arr, i);
        JsonObject *props = vh_json_object(slot, "props");

        g_assert_cmpint(vh_json_int(slot, "vcpus-count", 0), ==, 1);
        g_assert_cmpstr(vh_json_string(slot, "type"), ==, "max-arm-cpu");
        g_assert_cmpint(vh_json_int(props, "socket-id", -1), >=, 0);
        g_assert_cmpint(vh_json_int(props, "cluster-id", -1), >=, 0);
        g_assert_cmpint(vh_json_int(props, "core-id", -1), >=, 0);
        g_assert_cmpint(vh_json_int(props, "thread-id", -1), ==, 0);
        plugged += vh_json_string(slot, "qom-path") != NULL;
    }
    g_assert_cmpuint(plugged, ==, 2);
    for (guint i = 0; i < json_array_get_length(marr); i++) {
        JsonObject *m = vh_json_array_object(marr, i);
        const char *name = vh_json_string(m, "name");

        if (!g_str_has_prefix(name, "virt-"))
            continue;
        if (!g_strcmp0(name, "virt-10.0"))
            latest_hotpluggable += vh_json_bool(m, "hotpluggable-cpus", FALSE);
        else
            older_hotpluggable += vh_json_bool(m, "hotpluggable-cpus", FALSE);
    }
    g_assert_cmpuint(latest_hotpluggable, ==, 1);
    g_assert_cmpuint(older_hotpluggable, ==, 0);

    plug(vm, 3);
    cpus = lab_qmp_ok(vm, "query-cpus-fast", NULL);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(cpus)), ==, 3);
}

static void
test_plug_online_work_unplug(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autofree char *enabled = NULL, *online = NULL, *cpu = NULL, *gone = NULL;
    g_autofree char *ignored = NULL;

    plug(vm, 4);
    enabled = lab_wait_cpu_in_mask(vm, "enabled", 4, TRUE, 30);
    g_assert_cmpstr(enabled, ==, "0-1,4");
    ignored = lab_run_ok(vm, "echo 1 > /sys/devices/system/cpu/cpu4/online");
    online = lab_wait_cpu_in_mask(vm, "online", 4, TRUE, 10);
    g_assert_cmpstr(online, ==, "0-1,4");
    cpu = lab_run_ok(vm, "pinned_work 4");
    g_assert_cmpstr(cpu, ==, "4");

    unplug(vm, 4);
    gone = lab_wait_cpu_in_mask(vm, "enabled", 4, FALSE, 30);
    g_assert_cmpstr(gone, ==, "0-1");
}

static void
test_boot_vcpu_not_removable(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(JsonNode) slots = lab_qmp_ok(vm, "query-hotpluggable-cpus", NULL);
    JsonArray *arr = json_node_get_array(slots);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) status = NULL;

    for (guint i = 0; i < json_array_get_length(arr); i++) {
        const char *path = vh_json_string(vh_json_array_object(arr, i), "qom-path");
        g_autofree char *args = NULL;
        g_autoptr(JsonNode) ret = NULL;

        if (!path)
            continue;
        args = g_strdup_printf("{\"id\": \"%s\"}", path);
        ret = vh_qmp_execute_json(vh_lab_vm_qmp(vm), "device_del", args, 10000, &err);
        g_assert_null(ret);
        g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
        g_assert_nonnull(strstr(err->message, "cannot be unplugged"));
        g_clear_error(&err);
    }
    status = lab_qmp_ok(vm, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
}

/*
 * Plug, online, use, offline and unplug the same and different slots many times:
 * nothing may leak (TCG contexts, threads, GIC state). @accel picks MTTCG (one
 * thread and TCG context per vCPU) or the single round-robin thread.
 */
static void
plug_unplug_cycles(const char *accel)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, SMP);
    g_autoptr(VhLabVm) vm = NULL;
    const guint cycles = 50;
    gint64 start;

    config.accel = accel;
    vm = lab_boot(&config);
    start = g_get_monotonic_time();
    for (guint n = 0; n < cycles; n++) {
        guint cpu = 2 + n % 4;          /* slots 2-5 in turn, each many times */
        g_autofree char *on = g_strdup_printf("echo 1 > /sys/devices/system/cpu/cpu%u/online"
                                              " && pinned_work %u", cpu, cpu);
        g_autofree char *enabled = NULL, *ran_on = NULL, *gone = NULL;
        g_autofree char *expect = g_strdup_printf("%u", cpu);

        plug(vm, cpu);
        enabled = lab_wait_cpu_in_mask(vm, "enabled", cpu, TRUE, 30);
        ran_on = lab_run_ok(vm, on);
        g_assert_cmpstr(ran_on, ==, expect);
        unplug(vm, cpu);
        gone = lab_wait_cpu_in_mask(vm, "enabled", cpu, FALSE, 30);
    }
    g_test_message("%u plug/online/work/unplug cycles with -accel %s: %.2f s per cycle",
                   cycles, accel, (g_get_monotonic_time() - start) / 1e6 / cycles);
    /* Still healthy: every boot vCPU online and QEMU running. */
    g_autofree char *online = lab_run_ok(vm, "cat /sys/devices/system/cpu/online");
    g_assert_cmpstr(online, ==, "0-1");
}

static void
test_cycles_mttcg(void)
{
    plug_unplug_cycles("tcg,thread=multi");
}

static void
test_cycles_single_thread(void)
{
    plug_unplug_cycles("tcg,thread=single");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-hotplug/masks", test_masks);
    g_test_add_func("/arm64-hotplug/qmp-contract", test_qmp_contract);
    g_test_add_func("/arm64-hotplug/plug-online-work-unplug", test_plug_online_work_unplug);
    g_test_add_func("/arm64-hotplug/boot-vcpu-not-removable", test_boot_vcpu_not_removable);
    g_test_add_func("/arm64-hotplug/cycles-mttcg", test_cycles_mttcg);
    g_test_add_func("/arm64-hotplug/cycles-single-thread", test_cycles_single_thread);
    return g_test_run();
}
