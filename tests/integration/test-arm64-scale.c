/*
 * vCPU hotplug of the aarch64 virt machine at scale, under TCG with the QEMU built
 * from vmm/: the most possible vCPUs the machine takes with GICv3 (512), live
 * migration there, and a plug whose cost to the guest does not grow with the number
 * of possible vCPUs.
 */
#include <glib/gstdio.h>

#include "lab-test.h"

/* The virt machine's maxcpus with GICv3. */
#define MAX_SLOTS 512
/* What the guest does for a plug and unplug: the _STA of the vCPU, its _OST. */
#define FLAG_READS_PER_CYCLE_MAX 16

/* Elements of a JSON array that have (or have not) the member @name. */
static guint
count_with_member(JsonArray *array, const char *name, gboolean with)
{
    guint n = 0;

    for (guint i = 0; i < json_array_get_length(array); i++) {
        JsonObject *o = json_array_get_object_element(array, i);

        if (o && json_object_has_member(o, name) == with)
            n++;
    }
    return n;
}

/*
 * -smp 1,maxcpus=512: every slot is in query-hotpluggable-cpus and in the guest's
 * possible and present masks, and the 512th plugs, comes online, runs work and
 * unplugs.
 */
static void
test_512_slots(void)
{
    g_autofree char *smp = g_strdup_printf("cpus=1,maxcpus=%u", MAX_SLOTS);
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, smp);
    g_autoptr(VhLabVm) vm = NULL;
    g_autoptr(JsonNode) slots = NULL;
    g_autofree char *expected_mask = g_strdup_printf("0-%u", MAX_SLOTS - 1);
    g_auto(VhCpuMasks) masks = { 0 };
    g_autoptr(GError) err = NULL;
    JsonArray *array;

    /*
     * Linux reserves per-CPU memory for every possible vCPU (about 0.5 MiB each
     * with Debian's 6.12): in 512 MiB, 512 of them leave too little to boot.
     */
    config.memory_mib = 1024;
    vm = lab_boot(&config);
    slots = lab_qmp_ok(vm, "query-hotpluggable-cpus", NULL);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(slots));
    array = json_node_get_array(slots);
    g_assert_cmpuint(json_array_get_length(array), ==, MAX_SLOTS);
    /* Only the boot vCPU has a CPU object. */
    g_assert_cmpuint(count_with_member(array, "qom-path", TRUE), ==, 1);

    g_assert_true(vh_cpu_masks_read(vm->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(masks.possible, ==, expected_mask);
    g_assert_cmpstr(masks.present, ==, expected_mask);
    g_assert_cmpstr(masks.enabled, ==, "0");
    g_assert_cmpstr(masks.online, ==, "0");

    /* The last slot: plug, enabled, online with work pinned to it, unplug, gone. */
    lab_cpu_cycle(vm, "core-id", MAX_SLOTS - 1, "enabled");
    g_free(masks.enabled);
    masks.enabled = lab_run_ok(vm, "cat /sys/devices/system/cpu/enabled");
    g_assert_cmpstr(masks.enabled, ==, "0");
}

/*
 * Live migration at 512 slots, with the 512th vCPU hot-added: the ACPI tables are
 * over 64 KiB there (QEMU warns "migration may not work"), but they travel in a
 * resizable RAM block of up to 2 MiB, so the destination, started as libvirt starts
 * one (same command line, -S -incoming defer, device_add of the plugged vCPU),
 * takes the stream; the guest keeps its CPU sets and the vCPU then unplugs there.
 */
static void
test_512_slots_migrate(void)
{
    static const char *const incoming[] = { "-S", "-incoming", "defer", NULL };
    g_autofree char *smp = g_strdup_printf("cpus=1,maxcpus=%u", MAX_SLOTS);
    g_autofree char *last = g_strdup_printf("0,%u", MAX_SLOTS - 1);
    g_autofree char *all = g_strdup_printf("0-%u", MAX_SLOTS - 1);
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, smp);
    g_autoptr(VhLabVm) src = NULL, dst = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-mig-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "mig.sock", NULL);
    g_autofree char *uri = g_strdup_printf("{\"uri\": \"unix:%s\"}", sock);
    g_autofree char *enabled = NULL, *log = NULL;
    g_autoptr(JsonNode) listening = NULL, resumed = NULL;
    g_auto(VhCpuMasks) masks = { 0 };

    config.memory_mib = 1024;   /* see test_512_slots */
    src = lab_boot(&config);
    lab_cpu_plug(src, "core-id", MAX_SLOTS - 1, "vcpu-last");
    enabled = lab_wait_cpu_in_mask(src, "enabled", MAX_SLOTS - 1, TRUE, 60);
    g_assert_cmpstr(enabled, ==, last);

    config.extra_args = incoming;
    dst = vh_lab_vm_launch(&config, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    lab_cpu_plug(dst, "core-id", MAX_SLOTS - 1, "vcpu-last");
    listening = lab_qmp_ok(dst, "migrate-incoming", uri);
    lab_migrate(src, uri);
    resumed = lab_qmp_ok(dst, "cont", NULL);

    g_assert_true(vh_cpu_masks_read(dst->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(masks.possible, ==, all);
    g_assert_cmpstr(masks.present, ==, all);
    g_assert_cmpstr(masks.enabled, ==, last);
    g_assert_true(vh_cpu_unplug(vh_lab_vm_qmp(dst), "vcpu-last", 30000, &err));
    g_assert_no_error(err);
    g_free(enabled);
    enabled = lab_wait_cpu_in_mask(dst, "enabled", MAX_SLOTS - 1, FALSE, 60);
    g_assert_cmpstr(enabled, ==, "0");
    log = vh_qemu_read_log(src->qemu);
    g_test_message("512 slots: migrated live with a hot-added vCPU%s",
                   strstr(log, "exceeds 65536 bytes") ? " (QEMU warned that the ACPI "
                   "tables exceed 64 KiB)" : "");
    g_unlink(sock);
    g_rmdir(dir);
}

/* Lines of QEMU's log so far that name the trace event @event. */
static guint
log_count(VhLabVm *vm, const char *event)
{
    g_autofree char *log = vh_qemu_read_log(vm->qemu);
    guint n = 0;

    for (const char *p = log; (p = strstr(p, event)); p += strlen(event))
        n++;
    return n;
}

/*
 * Reads of the CPU hotplug flags register (what the guest's _STA of a processor
 * device costs) during one plug/online/unplug cycle of a guest with @slots possible
 * vCPUs. Until the CPU scan notified an inserted vCPU with Bus Check, Linux answered
 * its Device Check by evaluating _STA of every processor device: slots + 3 reads
 * per plug.
 */
static guint
flag_reads_per_cycle(guint slots)
{
    g_autofree char *smp = g_strdup_printf("cpus=2,maxcpus=%u", slots);
    const char *const trace[] = { "-trace", "cpuhp_acpi_read_flags", NULL };
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, smp);
    g_autoptr(VhLabVm) vm = NULL;
    guint before, reads;

    config.extra_args = trace;
    vm = lab_boot(&config);
    /* Boot evaluated _STA of every slot: the trace is on. */
    g_assert_cmpuint(log_count(vm, "cpuhp_acpi_read_flags"), >=, slots);
    before = log_count(vm, "cpuhp_acpi_read_flags");
    lab_cpu_cycle(vm, "core-id", 2, "enabled");
    reads = log_count(vm, "cpuhp_acpi_read_flags") - before;
    g_test_message("%u possible vCPUs: %u reads of the CPU hotplug flags for one "
                   "plug/online/unplug cycle", slots, reads);
    return reads;
}

static void
test_plug_cost_flat(void)
{
    guint reads_8 = flag_reads_per_cycle(8);
    guint reads_64 = flag_reads_per_cycle(64);

    /* The guest reads the plugged vCPU's registers, never all the slots'. */
    g_assert_cmpuint(reads_8, >, 0);
    g_assert_cmpuint(reads_64, <=, FLAG_READS_PER_CYCLE_MAX);
    g_assert_cmpuint(reads_64, <=, reads_8 + 2);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-scale/512-slots", test_512_slots);
    g_test_add_func("/arm64-scale/512-slots-migrate", test_512_slots_migrate);
    g_test_add_func("/arm64-scale/plug-cost-flat", test_plug_cost_flat);
    return g_test_run();
}
