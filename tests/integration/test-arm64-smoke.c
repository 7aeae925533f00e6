/*
 * Smoke test of the arm64 lab guest under TCG with the QEMU built from vmm/:
 * -M virt,gic-version=3 -cpu max, UEFI + ACPI, cpus=2,maxcpus=2.
 */
#include "lab-test.h"

static void
test_masks_cpus2(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=2");
    g_autoptr(VhLabVm) vm = lab_boot(&config);
    g_autoptr(GError) err = NULL;
    g_auto(VhCpuMasks) masks = { 0 };
    g_autofree char *acpi = NULL;

    g_assert_true(g_str_has_suffix(vh_guest_kernel_release(vm->guest), "-arm64"));
    g_assert_true(vh_cpu_masks_read(vm->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(masks.possible, ==, "0-1");
    g_assert_cmpstr(masks.present, ==, "0-1");
    g_assert_cmpstr(masks.enabled, ==, "0-1");
    g_assert_cmpstr(masks.online, ==, "0-1");
    /* The guest booted through ACPI (the hotplug path), not the device tree. */
    acpi = lab_run_ok(vm, "ls /sys/firmware/acpi/tables");
    g_assert_nonnull(strstr(acpi, "APIC"));
    g_assert_nonnull(strstr(acpi, "DSDT"));
}

static void
test_pinned_work(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=2");
    g_autoptr(VhLabVm) vm = lab_boot(&config);
    g_autofree char *cpu = lab_run_ok(vm, "pinned_work 1");
    g_autoptr(JsonNode) cpus = lab_qmp_ok(vm, "query-cpus-fast", NULL);

    g_assert_cmpstr(cpu, ==, "1");
    g_assert_cmpuint(json_array_get_length(json_node_get_array(cpus)), ==, 2);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-smoke/masks-cpus2", test_masks_cpus2);
    g_test_add_func("/arm64-smoke/pinned-work", test_pinned_work);
    return g_test_run();
}
