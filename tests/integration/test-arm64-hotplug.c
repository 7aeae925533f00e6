/*
 * vCPU hot(un)plug of the aarch64 virt machine under TCG with the QEMU built from
 * vmm/, driven the way libvirt drives it (device_add/device_del of per-core CPU
 * devices named vcpuN), checked from the guest's sysfs masks.
 */
#include <glib/gstdio.h>

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
    guint plugged = 0, vcpuhp_hotpluggable = 0, released_hotpluggable = 0;

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
        /* Hotplug is on the series' own type, which the "virt" alias names; every
         * released type (virt-10.0 included) keeps stock's ABI. */
        if (!g_strcmp0(name, "virt-10.0-vcpuhp")) {
            vcpuhp_hotpluggable += vh_json_bool(m, "hotpluggable-cpus", FALSE);
            g_assert_cmpstr(vh_json_string(m, "alias"), ==, "virt");
        } else {
            released_hotpluggable += vh_json_bool(m, "hotpluggable-cpus", FALSE);
            g_assert_null(vh_json_string(m, "alias"));
        }
    }
    g_assert_cmpuint(vcpuhp_hotpluggable, ==, 1);
    g_assert_cmpuint(released_hotpluggable, ==, 0);

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

/*
 * The benchmark's plug time ends at the guest's acknowledgement: the _OST its
 * kernel writes for the inserted vCPU (ACPI_DEVICE_OST, source Bus Check, status
 * success), after it has enabled it. First a plug that does not wait for it, whose
 * event stays queued, then two that do, with the same id: each must end at its own
 * event, not at an earlier plug's or at an eject's.
 */
static void
test_plug_acknowledged(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(VhGuestCpus) guest_cpus = vh_lab_guest_cpus_new(vm->guest, "enabled");
    VhCpuCycle cycle = {
        .slot_prop = "core-id", .slot_value = 3, .guest_cpu = 3, .dev_id = "vcpu3",
        .step_timeout_ms = 30000, .leave_offline = TRUE, .time_acknowledged = FALSE,
    };

    /* Not asked for: not waited for, said to be unknown, and its event left queued. */
    {
        VhCpuCycleTimes times = { 0 };
        g_autoptr(GError) err = NULL;

        g_assert_true(vh_cpu_bring_up(vh_lab_vm_qmp(vm), guest_cpus, &cycle, &times, &err));
        g_assert_no_error(err);
        g_assert_cmpfloat(times.acknowledged, ==, -1);
        unplug(vm, 3);
        g_free(lab_wait_cpu_in_mask(vm, "enabled", 3, FALSE, 30));
        g_assert_cmpuint(vh_qmp_count_events(vh_lab_vm_qmp(vm), "ACPI_DEVICE_OST"), >, 0);
    }
    cycle.time_acknowledged = TRUE;
    for (guint round = 0; round < 2; round++) {
        VhCpuCycleTimes times = { 0 };
        g_autoptr(GError) err = NULL;
        g_autofree char *enabled = NULL;

        g_assert_true(vh_cpu_bring_up(vh_lab_vm_qmp(vm), guest_cpus, &cycle, &times, &err));
        g_assert_no_error(err);
        g_test_message("round %u: acknowledged %.1f ms, seen enabled %.1f ms", round,
                       times.acknowledged, times.enabled);
        /* QEMU stamps the event after the device_add left and before the step's bound. */
        g_assert_cmpfloat(times.acknowledged, >, 0);
        g_assert_cmpfloat(times.acknowledged, <, cycle.step_timeout_ms);
        enabled = lab_run_ok(vm, "cat /sys/devices/system/cpu/enabled");
        g_assert_cmpstr(enabled, ==, "0-1,3");
        g_assert_true(vh_cpu_take_down(vh_lab_vm_qmp(vm), guest_cpus, &cycle, NULL, &err));
        g_assert_no_error(err);
    }
}

static void
test_boot_vcpu_not_removable(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(JsonNode) slots = lab_qmp_ok(vm, "query-hotpluggable-cpus", NULL);
    JsonArray *arr = json_node_get_array(slots);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) status = NULL;
    guint refused = 0;

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
        refused++;
    }
    /* Both boot vCPUs were tried, not none */
    g_assert_cmpuint(refused, ==, 2);
    status = lab_qmp_ok(vm, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
}

/*
 * Plug, online, use, offline and unplug the same and different slots many times:
 * nothing may leak. More cycles than slots show that TCG contexts are reused (QEMU
 * aborted once they ran out); QEMU's threads and fds are back to their count after
 * boot; each slot plugs again (GIC state). @accel picks MTTCG (one thread and TCG
 * context per vCPU) or the single round-robin thread.
 */
static void
plug_unplug_cycles(const char *accel)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, SMP);
    g_autoptr(VhLabVm) vm = NULL;
    const guint cycles = 50;
    gint64 start;

    guint threads, fds;

    config.accel = accel;
    vm = lab_boot(&config);
    threads = lab_qemu_proc_entries(vm, "task");
    fds = lab_qemu_proc_entries(vm, "fd");
    start = g_get_monotonic_time();
    for (guint n = 0; n < cycles; n++) {
        lab_cpu_cycle(vm, "core-id", 2 + n % 4, "enabled");    /* slots 2-5, many times */
    }
    g_test_message("%u plug/online/work/unplug cycles with -accel %s: %.2f s per cycle",
                   cycles, accel, (g_get_monotonic_time() - start) / 1e6 / cycles);
    /* Still healthy: every boot vCPU online and QEMU running. */
    g_autofree char *online = lab_run_ok(vm, "cat /sys/devices/system/cpu/online");
    g_assert_cmpstr(online, ==, "0-1");
    g_assert_cmpuint(cycles, >, 6);
    g_assert_cmpuint(lab_qemu_proc_entries(vm, "task"), ==, threads);
    g_assert_cmpuint(lab_qemu_proc_entries(vm, "fd"), ==, fds);
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

/* Launches QEMU paused (-S) before the guest ever ran, as libvirt starts a domain. */
static VhLabVm *
launch_paused(const char *machine, const char *smp)
{
    static const char *const paused[] = { "-S", NULL };
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, smp);
    g_autoptr(GError) err = NULL;
    VhLabVm *vm;

    config.machine = machine;
    config.extra_args = paused;
    vm = vh_lab_vm_launch(&config, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    return vm;
}

static void
assert_device_add_fails(VhLabVm *vm, const char *args_json, const char *expect)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = vh_qmp_execute_json(vh_lab_vm_qmp(vm), "device_add", args_json,
                                                  10000, &err);
    g_autoptr(JsonNode) status = NULL;

    g_assert_null(ret);
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    if (!strstr(err->message, expect))
        g_error("device_add %s: expected an error with \"%s\", got \"%s\"", args_json,
                expect, err->message);
    /* The VM is still there and answers. */
    status = lab_qmp_ok(vm, "query-status", NULL);
    g_assert_nonnull(vh_json_string(json_node_get_object(status), "status"));
}

static void
test_bad_input(void)
{
    g_autoptr(VhLabVm) vm = launch_paused(NULL, SMP);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;

    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu9\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 6, \"thread-id\": 0}", "core-id 6");
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu9\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"thread-id\": 0}", "missing core-id");
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu9\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 1, \"thread-id\": 0}", "already present");
    assert_device_add_fails(vm, "{\"driver\": \"cortex-a57-arm-cpu\", \"id\": \"vcpu9\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0}", "Invalid CPU type");
    /* A hot-plugged vCPU has the boot vCPUs' features */
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0, \"pmu\": false}",
                            "must have the same 'pmu' as the boot vCPUs: on");
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0, \"sve\": false}",
                            "must have the same 'sve' as the boot vCPUs: on");
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0, \"sve256\": false}",
                            "vector lengths of the boot vCPUs: sve256 is on there");
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0, \"pauth\": false}",
                            "must have the same 'pauth' as the boot vCPUs: on");
    assert_device_add_fails(vm, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0, \"aarch64\": false}",
                            "'aarch64'");
    ret = vh_qmp_execute_json(vh_lab_vm_qmp(vm), "device_del", "{\"id\": \"vcpu-none\"}",
                              10000, &err);
    g_assert_null(ret);
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "not found"));
}

/*
 * A second device_del while the guest has not ejected the vCPU yet is refused with
 * a clear error; the first request still completes. The VM is paused between the
 * two requests so that the guest cannot answer the first one in between.
 */
static void
test_device_del_pending(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(JsonObject) deleted = NULL;
    g_autofree char *enabled = NULL, *gone = NULL;

    plug(vm, 2);
    enabled = lab_wait_cpu_in_mask(vm, "enabled", 2, TRUE, 30);
    json_node_unref(lab_qmp_ok(vm, "stop", NULL));
    json_node_unref(lab_qmp_ok(vm, "device_del", "{\"id\": \"vcpu2\"}"));
    ret = vh_qmp_execute_json(vh_lab_vm_qmp(vm), "device_del", "{\"id\": \"vcpu2\"}",
                              10000, &err);
    g_assert_null(ret);
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    if (!strstr(err->message, "already in the process of unplug"))
        g_error("second device_del: unexpected error \"%s\"", err->message);
    g_clear_error(&err);
    json_node_unref(lab_qmp_ok(vm, "cont", NULL));
    deleted = vh_qmp_wait_event(vh_lab_vm_qmp(vm), "DEVICE_DELETED", vh_qmp_match_device,
                                (gpointer)"vcpu2", 30000, &err);
    g_assert_no_error(err);
    g_assert_nonnull(deleted);
    gone = lab_wait_cpu_in_mask(vm, "enabled", 2, FALSE, 30);
    g_assert_cmpstr(gone, ==, "0-1");
}

/* ACPI_DEVICE_OST of the guest refusing to eject the vCPU @dev_id (source 3: eject
 * request; status other than 0, success, and 0x84, in progress). */
static gboolean
is_refused_eject_of(JsonObject *event, gpointer dev_id)
{
    JsonObject *info = vh_json_object(vh_json_object(event, "data"), "info");
    gint64 source = json_object_get_int_member_with_default(info, "source", -1);
    gint64 status = json_object_get_int_member_with_default(info, "status", 0);

    return vh_qmp_match_ost_device(event, dev_id) && source == 3 && status != 0 &&
           status != 0x84;
}

/*
 * A guest that will not eject a vCPU (Linux with processor hot-removal disabled
 * answers _OST "ejection not supported") keeps it: QEMU reports the refusal with
 * DEVICE_UNPLUG_GUEST_ERROR and ACPI_DEVICE_OST, the vCPU stays plugged and enabled, and a new device_del may ask
 * again at once (the refusal ended the pending request), which a willing guest then
 * completes.
 */
static void
test_guest_refuses_eject(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) refused = NULL, guest_error = NULL;
    g_autofree char *enabled = NULL, *still = NULL, *off = NULL, *on = NULL;
    g_autoptr(JsonNode) slots = NULL;

    plug(vm, 3);
    enabled = lab_wait_cpu_in_mask(vm, "enabled", 3, TRUE, 30);
    off = lab_run_ok(vm, "echo 0 > /sys/firmware/acpi/hotplug/processor/enabled"
                         " && cat /sys/firmware/acpi/hotplug/processor/enabled");
    g_assert_cmpstr(off, ==, "0");
    json_node_unref(lab_qmp_ok(vm, "device_del", "{\"id\": \"vcpu3\"}"));
    /* What libvirt waits on: the end of the request, with the device's id */
    guest_error = vh_qmp_wait_event(vh_lab_vm_qmp(vm), "DEVICE_UNPLUG_GUEST_ERROR",
                                    vh_qmp_match_device, (gpointer)"vcpu3", 30000, &err);
    g_assert_no_error(err);
    refused = vh_qmp_wait_event(vh_lab_vm_qmp(vm), "ACPI_DEVICE_OST", is_refused_eject_of,
                                (gpointer)"vcpu3", 30000, &err);
    g_assert_no_error(err);
    g_test_message("the guest refused: status 0x%" G_GINT64_MODIFIER "x",
                   json_object_get_int_member(vh_json_object(vh_json_object(refused, "data"),
                                                             "info"), "status"));
    still = lab_run_ok(vm, "cat /sys/devices/system/cpu/enabled");
    g_assert_cmpstr(still, ==, "0-1,3");
    slots = lab_qmp_ok(vm, "query-cpus-fast", NULL);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(slots)), ==, 3);

    on = lab_run_ok(vm, "echo 1 > /sys/firmware/acpi/hotplug/processor/enabled && echo ok");
    g_assert_cmpstr(on, ==, "ok");
    unplug(vm, 3);
    g_free(lab_wait_cpu_in_mask(vm, "enabled", 3, FALSE, 30));
}

/* Configurations without what vCPU hotplug needs refuse device_add and say why. */
static void
test_unsupported_configurations(void)
{
    static const char slot4[] = "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                                " \"cluster-id\": 0, \"core-id\": 4, \"thread-id\": 0}";
    g_autoptr(VhLabVm) gicv2 = launch_paused("virt,gic-version=2", SMP);
    g_autoptr(VhLabVm) no_acpi = launch_paused("virt,gic-version=3,acpi=off", SMP);
    g_autoptr(VhLabVm) smt = launch_paused(NULL, "cpus=2,maxcpus=6,cores=3,threads=2");
    g_autoptr(VhLabVm) same = launch_paused(NULL, "cpus=2,maxcpus=2");
    g_autoptr(VhLabVm) off = launch_paused("virt,gic-version=3,cpu-hotplug=off", SMP);
    g_autoptr(VhLabVm) released = launch_paused("virt-10.0,gic-version=3", SMP);

    assert_device_add_fails(gicv2, slot4, "gic-version=3");
    assert_device_add_fails(no_acpi, slot4, "ACPI and UEFI");
    assert_device_add_fails(smt, "{\"driver\": \"max-arm-cpu\", \"id\": \"vcpu4\", \"socket-id\": 0,"
                            " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0}", "threads > 1");
    assert_device_add_fails(same, slot4, "maxcpus equals cpus");
    assert_device_add_fails(off, slot4, "cpu-hotplug=off");
    assert_device_add_fails(released, slot4, "can not be hotplugged on this machine");
}

/*
 * libvirt's start: vCPUs added while paused before the guest ever ran are
 * Online Capable, come up with the guest, and can be unplugged later.
 */
static void
test_plug_before_first_run(void)
{
    g_autoptr(VhLabVm) vm = launch_paused(NULL, SMP);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_auto(VhCpuMasks) masks = { 0 };
    g_autofree char *gone = NULL;

    plug(vm, 2);
    plug(vm, 3);
    ret = lab_qmp_ok(vm, "cont", NULL);
    g_assert_true(vh_guest_wait_ready(vm->guest, LAB_BOOT_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_true(vh_cpu_masks_read(vm->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_cmpstr(masks.enabled, ==, "0-3");
    g_assert_cmpstr(masks.online, ==, "0-3");
    unplug(vm, 3);
    gone = lab_wait_cpu_in_mask(vm, "enabled", 3, FALSE, 30);
    g_assert_cmpstr(gone, ==, "0-2");
}

/* system_reset keeps hot-added vCPUs plugged; the rebooted guest sees them again. */
static void
test_system_reset(void)
{
    g_autoptr(VhLabVm) vm = boot_hotplug_guest();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_auto(VhCpuMasks) masks = { 0 };
    g_autofree char *enabled = NULL, *cpu = NULL;

    plug(vm, 5);
    enabled = lab_wait_cpu_in_mask(vm, "enabled", 5, TRUE, 30);
    ret = lab_qmp_ok(vm, "system_reset", NULL);
    g_assert_true(vh_guest_wait_ready(vm->guest, LAB_BOOT_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_true(vh_cpu_masks_read(vm->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_cmpstr(masks.enabled, ==, "0-1,5");
    g_assert_cmpstr(masks.online, ==, "0-1,5");
    cpu = lab_run_ok(vm, "pinned_work 5");
    g_assert_cmpstr(cpu, ==, "5");
    unplug(vm, 5);
}

/* A migration destination, started as libvirt starts one: same -smp, -S, -incoming defer. */
static VhLabVm *
launch_incoming(void)
{
    static const char *const incoming[] = { "-S", "-incoming", "defer", NULL };
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, SMP);
    g_autoptr(GError) err = NULL;
    VhLabVm *vm;

    config.extra_args = incoming;
    vm = vh_lab_vm_launch(&config, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    return vm;
}

/*
 * Live migration with hot-added and never-plugged vCPUs, the destination started
 * as libvirt does (same -smp, -S -incoming defer, device_add of the plugged vCPUs,
 * migrate-incoming); afterwards the guest keeps its sets and hotplug still works.
 */
static void
test_migration(void)
{
    g_autoptr(VhLabVm) src = boot_hotplug_guest();
    g_autoptr(VhLabVm) dst = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("{\"uri\": \"unix:%s/mig.sock\"}", dir);
    g_autofree char *enabled = NULL, *online = NULL, *cpu = NULL, *path = NULL;
    g_autoptr(JsonNode) r1 = NULL, r4 = NULL, r5 = NULL;
    g_auto(VhCpuMasks) masks = { 0 };

    plug(src, 2);
    plug(src, 4);
    enabled = lab_wait_cpu_in_mask(src, "enabled", 4, TRUE, 30);
    g_free(lab_run_ok(src, "echo 1 > /sys/devices/system/cpu/cpu2/online"));

    dst = launch_incoming();
    plug(dst, 2);
    plug(dst, 4);
    r1 = lab_qmp_ok(dst, "migrate-incoming", uri);
    lab_migrate(src, uri);
    r4 = lab_qmp_ok(dst, "cont", NULL);

    g_assert_true(vh_cpu_masks_read(dst->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(masks.possible, ==, "0-5");
    g_assert_cmpstr(masks.enabled, ==, "0-2,4");
    g_assert_cmpstr(masks.online, ==, "0-2");
    cpu = lab_run_ok(dst, "pinned_work 2");
    g_assert_cmpstr(cpu, ==, "2");

    /* Hotplug keeps working on the destination. */
    plug(dst, 5);
    online = lab_wait_cpu_in_mask(dst, "enabled", 5, TRUE, 30);
    g_assert_cmpstr(online, ==, "0-2,4-5");
    unplug(dst, 4);
    g_free(lab_wait_cpu_in_mask(dst, "enabled", 4, FALSE, 30));
    r5 = lab_qmp_ok(src, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(r5), "status"), ==, "postmigrate");
    path = g_build_filename(dir, "mig.sock", NULL);
    g_unlink(path);
    g_rmdir(dir);
}

/*
 * A destination whose plugged vCPUs differ from the source's refuses the stream
 * and names the vCPUs; the source keeps running with its vCPUs. (One that lacks a
 * plugged vCPU fails on that vCPU's state; one with an extra vCPU would otherwise
 * load silently.)
 */
static void
test_migration_plugged_set_differs(void)
{
    g_autoptr(VhLabVm) src = boot_hotplug_guest();
    g_autoptr(VhLabVm) dst = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("{\"uri\": \"unix:%s/mig.sock\"}", dir);
    g_autofree char *path = g_build_filename(dir, "mig.sock", NULL);
    g_autofree char *log = NULL, *enabled = NULL, *cpu = NULL;
    g_autoptr(JsonNode) caps = NULL, started = NULL, listening = NULL, status = NULL;
    g_autoptr(JsonObject) done = NULL, resumed = NULL;
    int wait_status = 0;

    plug(src, 2);
    enabled = lab_wait_cpu_in_mask(src, "enabled", 2, TRUE, 30);
    dst = launch_incoming();
    plug(dst, 2);
    plug(dst, 5);
    /* With a return path the source learns that the destination refused. */
    json_node_unref(lab_qmp_ok(dst, "migrate-set-capabilities", "{\"capabilities\": [{\"capability\":"
                               " \"return-path\", \"state\": true}]}"));
    listening = lab_qmp_ok(dst, "migrate-incoming", uri);
    caps = lab_qmp_ok(src, "migrate-set-capabilities", "{\"capabilities\": [{\"capability\":"
                      " \"events\", \"state\": true}, {\"capability\": \"return-path\","
                      " \"state\": true}]}");
    vh_qmp_clear_events(vh_lab_vm_qmp(src));
    started = lab_qmp_ok(src, "migrate", uri);
    done = vh_qmp_wait_event(vh_lab_vm_qmp(src), "MIGRATION", lab_migration_finished, NULL,
                             120000, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(vh_json_object(done, "data"), "status"), ==, "failed");
    /* The source restarts its vCPUs after the failure. */
    resumed = vh_qmp_wait_event(vh_lab_vm_qmp(src), "RESUME", NULL, NULL, 30000, &err);
    g_assert_no_error(err);
    g_assert_true(vh_qemu_wait_exit(dst->qemu, 30000, &wait_status, &err));
    g_assert_no_error(err);
    log = vh_qemu_read_log(dst->qemu);
    if (!strstr(log, "the plugged vCPUs differ from the source's: vCPU 5 is plugged here"
                " but not on the source"))
        g_error("the destination did not name vCPU 5: %s", log);
    status = lab_qmp_ok(src, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
    g_free(lab_run_ok(src, "echo 1 > /sys/devices/system/cpu/cpu2/online"));
    cpu = lab_run_ok(src, "pinned_work 2");
    g_assert_cmpstr(cpu, ==, "2");
    g_unlink(path);
    g_rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-hotplug/masks", test_masks);
    g_test_add_func("/arm64-hotplug/qmp-contract", test_qmp_contract);
    g_test_add_func("/arm64-hotplug/plug-online-work-unplug", test_plug_online_work_unplug);
    g_test_add_func("/arm64-hotplug/plug-acknowledged", test_plug_acknowledged);
    g_test_add_func("/arm64-hotplug/boot-vcpu-not-removable", test_boot_vcpu_not_removable);
    g_test_add_func("/arm64-hotplug/bad-input", test_bad_input);
    g_test_add_func("/arm64-hotplug/device-del-pending", test_device_del_pending);
    g_test_add_func("/arm64-hotplug/guest-refuses-eject", test_guest_refuses_eject);
    g_test_add_func("/arm64-hotplug/unsupported-configurations", test_unsupported_configurations);
    g_test_add_func("/arm64-hotplug/plug-before-first-run", test_plug_before_first_run);
    g_test_add_func("/arm64-hotplug/system-reset", test_system_reset);
    g_test_add_func("/arm64-hotplug/migration", test_migration);
    g_test_add_func("/arm64-hotplug/migration-plugged-set-differs",
                    test_migration_plugged_set_differs);
    g_test_add_func("/arm64-hotplug/cycles-mttcg", test_cycles_mttcg);
    g_test_add_func("/arm64-hotplug/cycles-single-thread", test_cycles_single_thread);
    return g_test_run();
}
