/*
 * Compatibility of the QEMU built from vmm/ with Debian's stock qemu-system-aarch64
 * of the very version the series applies to (trixie 10.0.13, see
 * tools/setup/stock-qemu.sh): a released machine type keeps stock's guest ABI for
 * every command line. vCPU hotplug lives on the series' own machine type
 * (virt-10.0-vcpuhp, which the "virt" alias names), so virt-10.0 itself, the type a
 * VM that stock started carries, must not change, with maxcpus > cpus too: what
 * libvirt starts from <vcpu current='2'>4</vcpu> (GICv3, UEFI, ACPI). Checked for
 * virt-10.0 with maxcpus == cpus and maxcpus > cpus, for virt-9.2 and for GICv2:
 *   - the device tree is byte-identical (-machine dumpdtb, fixed -seed);
 *   - the ACPI tables the guest reads are byte-identical;
 *   - the device state in the migration stream of a VM that never ran is identical,
 *     field by field (decoded by QEMU's scripts/analyze-migration.py);
 *   - a running guest migrates live from stock to ours and from ours to stock.
 */
#include <glib/gstdio.h>

#include "lab-test.h"

typedef struct {
    const char *machine;
    const char *smp;
} Config;

/* Released machine types: nothing may differ from the stock binary. */
static const Config unchanged_configs[] = {
    { "virt-10.0,gic-version=3", "cpus=2,maxcpus=4" },
    { "virt-10.0,gic-version=3", "2" },
    { "virt-9.2,gic-version=3", "cpus=2,maxcpus=4" },
    { "virt-10.0,gic-version=2", "cpus=2,maxcpus=4" },
};

static VhLabGuestConfig
config_for(const char *qemu_binary, const Config *c)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, c->smp);

    config.qemu_binary = qemu_binary;
    config.machine = c->machine;
    return config;
}

static const char *
ours(void)
{
    return lab_env("VCPUHP_QEMU");
}

static const char *
stock(void)
{
    return lab_env("VCPUHP_STOCK_QEMU_ARM64");
}

static void
assert_files_identical(const char *what, const char *a, const char *b)
{
    g_autofree char *da = NULL, *db = NULL;
    gsize la = 0, lb = 0;
    g_autoptr(GError) err = NULL;

    g_assert_true(g_file_get_contents(a, &da, &la, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(b, &db, &lb, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(la, >, 0);
    if (la != lb || memcmp(da, db, la) != 0) {
        gsize i = 0;

        while (i < MIN(la, lb) && da[i] == db[i])
            i++;
        g_error("%s differs: %s has %zu bytes, %s has %zu; first difference at byte %zu",
                what, a, la, b, lb, i);
    }
}

/* Runs @binary with the lab's arguments for @c plus @extra and waits for its exit. */
static void
run_to_exit(const char *binary, const Config *c, const char *const *extra)
{
    VhLabGuestConfig config = config_for(binary, c);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) args = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL, *errout = NULL;
    int status = -1;

    config.extra_args = extra;
    args = vh_lab_guest_args(&config, &err);
    g_assert_no_error(err);
    g_ptr_array_add(argv, (gpointer)binary);
    for (char **a = args; *a; a++)
        g_ptr_array_add(argv, *a);
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &errout, &status, &err));
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("%s failed: %s", binary, errout);
}

/* Writes what @binary produces for @c to @path (a device tree, a migration stream). */
typedef void (*ProduceFn)(const char *binary, const Config *c, const char *path);

/* For every unchanged configuration, what ours and stock produce is byte-identical. */
static void
assert_identical_per_config(const char *kind, ProduceFn produce)
{
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-compat-XXXXXX", NULL);
    g_autofree char *a = g_build_filename(dir, "ours", NULL);
    g_autofree char *b = g_build_filename(dir, "stock", NULL);

    for (guint i = 0; i < G_N_ELEMENTS(unchanged_configs); i++) {
        const Config *c = &unchanged_configs[i];
        g_autofree char *what = g_strdup_printf("%s of -M %s -smp %s", kind, c->machine,
                                                c->smp);

        produce(ours(), c, a);
        produce(stock(), c, b);
        assert_files_identical(what, a, b);
        g_test_message("%s: identical", what);
        g_unlink(a);
        g_unlink(b);
    }
    g_rmdir(dir);
}

static void
dump_dtb(const char *binary, const Config *c, const char *path)
{
    g_autofree char *dump = g_strdup_printf("dumpdtb=%s", path);
    /* The DT carries random seeds (/chosen/rng-seed, kaslr-seed): fix them. */
    const char *const extra[] = { "-machine", dump, "-seed", "1", NULL };

    run_to_exit(binary, c, extra);
}

static void
test_dtb_identical(void)
{
    assert_identical_per_config("the device tree", dump_dtb);
}

/* The SHA-256 of every ACPI table as the booted guest reads it. */
static char *
guest_acpi_digests(const char *binary, const Config *c)
{
    VhLabGuestConfig config = config_for(binary, c);
    g_autoptr(VhLabVm) vm = lab_boot(&config);
    char *digests = lab_run_ok(vm, "cd /sys/firmware/acpi/tables &&"
                               " for t in *; do if [ -f \"$t\" ]; then sha256sum \"$t\"; fi; done");

    g_assert_nonnull(strstr(digests, " DSDT"));
    g_assert_nonnull(strstr(digests, " APIC"));
    return digests;
}

static void
test_acpi_identical(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(unchanged_configs); i++) {
        const Config *c = &unchanged_configs[i];
        g_autofree char *a = guest_acpi_digests(ours(), c);
        g_autofree char *b = guest_acpi_digests(stock(), c);

        if (g_strcmp0(a, b) != 0)
            g_error("ACPI tables of -M %s -smp %s differ:\nours:\n%s\nstock:\n%s", c->machine,
                    c->smp, a, b);
        g_test_message("ACPI tables of -M %s -smp %s: identical", c->machine, c->smp);
    }
}

/* Saves the state of a VM that never ran (-S) to @path with a file: migration. */
static void
save_paused_state(const char *binary, const Config *c, const char *path)
{
    /* What else the stream holds that varies from run to run: the DT's random seeds
     * (in the DT blob in RAM) and the RTC's offset from the host's clock. */
    static const char *const paused[] = { "-S", "-seed", "1", "-rtc",
                                          "base=2026-01-01T00:00:00,clock=vm", NULL };
    VhLabGuestConfig config = config_for(binary, c);
    g_autoptr(GError) err = NULL;
    g_autoptr(VhLabVm) vm = NULL;
    g_autofree char *uri = g_strdup_printf("{\"uri\": \"file:%s\"}", path);

    config.extra_args = paused;
    vm = vh_lab_vm_launch(&config, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    lab_migrate(vm, uri);
}

/*
 * The device state of the stream in @path, decoded by QEMU's own
 * scripts/analyze-migration.py (from the source tree beside our build) into JSON:
 * every device section, field by field. The raw stream also cuts RAM into rounds
 * by elapsed time, which differs from run to run on a busy host whatever the QEMU.
 */
static void
decode_device_state(const char *binary, const Config *c, const char *path)
{
    g_autofree char *raw = g_strconcat(path, ".stream", NULL);
    g_autofree char *build = g_path_get_dirname(ours());
    g_autofree char *top = g_path_get_dirname(build);
    g_autofree char *script = g_build_filename(top, "src", "scripts", "analyze-migration.py",
                                               NULL);
    const char *argv[] = { "/usr/bin/python3", script, "-f", raw, "-d", "state", NULL };
    g_autofree char *out = NULL, *errout = NULL;
    g_autoptr(GError) err = NULL;
    int status = -1;

    if (!g_file_test(script, G_FILE_TEST_EXISTS))
        g_error("%s is missing: the QEMU build is not in tools/upstream/build-qemu.sh's layout",
                script);
    save_paused_state(binary, c, raw);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &errout, &status, &err));
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("analyze-migration.py could not decode the stream of %s: %s", binary, errout);
    g_assert_nonnull(strstr(out, "\"cpu ("));
    g_assert_true(g_file_set_contents(path, out, -1, &err));
    g_assert_no_error(err);
    g_unlink(raw);
}

static void
test_migration_stream_identical(void)
{
    assert_identical_per_config("the device state in the migration stream",
                                decode_device_state);
}

/*
 * Live migration of the running guest of @src to a new @to QEMU, the destination
 * started with -S -incoming defer as libvirt does; the guest then answers on the
 * destination with the same CPU sets and runs work. Returns the destination.
 */
static VhLabVm *
migrate_live(VhLabVm *src, const char *to, const Config *c)
{
    static const char *const incoming[] = { "-S", "-incoming", "defer", NULL };
    VhLabGuestConfig dst_config = config_for(to, c);
    VhLabVm *dst = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vcpuhp-mig-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "mig.sock", NULL);
    g_autofree char *uri = g_strdup_printf("{\"uri\": \"unix:%s\"}", sock);
    g_autoptr(JsonNode) listening = NULL, resumed = NULL;
    g_autofree char *cpu = NULL;
    g_auto(VhCpuMasks) before = { 0 }, after = { 0 };

    g_assert_true(vh_cpu_masks_read(src->guest, &before, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    dst_config.extra_args = incoming;
    dst = vh_lab_vm_launch(&dst_config, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    listening = lab_qmp_ok(dst, "migrate-incoming", uri);
    lab_migrate(src, uri);
    resumed = lab_qmp_ok(dst, "cont", NULL);
    g_assert_true(vh_cpu_masks_read(dst->guest, &after, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(after.possible, ==, before.possible);
    g_assert_cmpstr(after.enabled, ==, before.enabled);
    g_assert_cmpstr(after.online, ==, before.online);
    cpu = lab_run_ok(dst, "pinned_work 1");
    g_assert_cmpstr(cpu, ==, "1");
    g_unlink(sock);
    g_rmdir(dir);
    return dst;
}

/*
 * A guest that stock started moves to ours and back to stock, live, as an operator
 * rolls the series out host by host (and back).
 */
static void
test_migrate_stock_ours_stock(void)
{
    for (guint i = 0; i < 3; i++) {
        const Config *c = &unchanged_configs[i];
        VhLabGuestConfig config = config_for(stock(), c);
        g_autoptr(VhLabVm) on_stock = lab_boot(&config);
        g_autoptr(VhLabVm) on_ours = migrate_live(on_stock, ours(), c);
        g_autoptr(VhLabVm) back = migrate_live(on_ours, stock(), c);

        g_test_message("-M %s -smp %s: stock -> ours -> stock, live", c->machine, c->smp);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-compat/dtb-identical", test_dtb_identical);
    g_test_add_func("/arm64-compat/acpi-identical", test_acpi_identical);
    g_test_add_func("/arm64-compat/migration-stream-identical", test_migration_stream_identical);
    g_test_add_func("/arm64-compat/migrate-stock-ours-stock", test_migrate_stock_ours_stock);
    return g_test_run();
}
