/*
 * vCPU unplug while the guest's boot vCPUs keep starting and ending processes.
 *
 * Each process's exit makes the kernel broadcast TLB maintenance, which MTTCG runs
 * as exclusive "safe work": a vCPU that queues it waits until every other vCPU has
 * left guest code. The guest's eject of a vCPU is a store from guest code; when that
 * store waited for the ejected vCPU's thread to end, and that thread in turn waited
 * for the exclusive section, the guest froze and DEVICE_DELETED never came (within a
 * few hundred cycles). Here every QMP reply, event and guest reply has a deadline, so
 * such a hang fails the test instead of stalling it.
 *
 * Cycles per case: 100 for MTTCG on arm64 (the series without the fix hung within
 * about 20 and about 55 cycles in two runs), 20 for the others; VCPUHP_LOAD_CYCLES
 * sets them all (for the long runs recorded in vmm/README.md and the soak of
 * tools/reliability/soak.sh).
 */
#include "lab-test.h"

/*
 * Boots @config (two boot vCPUs and two hotpluggable slots, 2 and 3), starts a
 * process-churning loop on each boot vCPU, then runs the plug / online / pinned work
 * / unplug cycle on slots 2 and 3 in turn. Afterwards both loops must have gone on
 * (the guest lost no work), only the boot vCPUs are online, QEMU still runs, its
 * threads and fds are back to what they were before the first cycle, and its RSS
 * without the guest's RAM grew within lab-test.h's bound (the soak of
 * tools/reliability/soak.sh reports these figures).
 */
static void
cycles_under_load(const VhLabGuestConfig *config, const char *mask, guint default_cycles)
{
    g_autoptr(VhLabVm) vm = lab_boot(config);
    g_autofree char *started = NULL, *online = NULL;
    g_autoptr(JsonNode) status = NULL;
    guint64 before[2], after[2];
    const guint cycles = lab_cycles("VCPUHP_LOAD_CYCLES", default_cycles);
    LabQemuFigures qemu_before, qemu_after;
    double seconds;
    gint64 start;

    started = lab_run_ok(vm, "churn 0 1 && echo started");
    g_assert_cmpstr(started, ==, "started");
    before[0] = lab_guest_churn_count(vm->guest, 0);
    before[1] = lab_guest_churn_count(vm->guest, 1);
    /* After the boot and with the load running: the guest's RAM in use is resident */
    qemu_before = lab_qemu_figures(vm);
    g_test_message("QEMU before the cycles: %u threads, %u fds, RSS %.1f MiB (the guest's"
                   " RAM %.1f MiB of it)", qemu_before.threads, qemu_before.fds,
                   qemu_before.rss_kib / 1024.0, qemu_before.guest_ram_rss_kib / 1024.0);
    start = g_get_monotonic_time();
    for (guint n = 0; n < cycles; n++) {
        lab_cpu_cycle(vm, "core-id", 2 + n % 2, mask);
        if ((n + 1) % 50 == 0)
            g_test_message("%u cycles done in %.0f s; QEMU's RSS %.1f MiB", n + 1,
                           (g_get_monotonic_time() - start) / 1e6,
                           lab_qemu_figures(vm).rss_kib / 1024.0);
    }
    seconds = (g_get_monotonic_time() - start) / 1e6;
    after[0] = lab_guest_churn_count(vm->guest, 0);
    after[1] = lab_guest_churn_count(vm->guest, 1);
    qemu_after = lab_qemu_figures(vm);
    g_test_message("%u cycles with -accel %s under load: %.3f s per cycle; the boot vCPUs"
                   " started and ended %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
                   " processes meanwhile", cycles, config->accel, seconds / cycles,
                   after[0] - before[0], after[1] - before[1]);
    g_assert_cmpuint(after[0], >, before[0]);
    g_assert_cmpuint(after[1], >, before[1]);
    online = lab_run_ok(vm, "cat /sys/devices/system/cpu/online");
    g_assert_cmpstr(online, ==, "0-1");
    status = lab_qmp_ok(vm, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
    lab_assert_qemu_figures_back(&qemu_before, &qemu_after, cycles);
}

static void
arm64_cycles(const char *accel, guint default_cycles)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=4");

    config.accel = accel;
    cycles_under_load(&config, "enabled", default_cycles);
}

static void
test_arm64_mttcg(void)
{
    arm64_cycles("tcg,thread=multi", 100);
}

static void
test_arm64_single_thread(void)
{
    arm64_cycles("tcg,thread=single", 20);
}

/* x86_64 ejects through the same hw/acpi/cpu.c code. */
static void
test_x86_64_mttcg(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_X86_64, "2,maxcpus=4");

    config.qemu_binary = lab_env("VCPUHP_QEMU_X86");
    config.accel = "tcg,thread=multi";
    cycles_under_load(&config, "present", 20);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/eject-under-load/arm64-mttcg", test_arm64_mttcg);
    g_test_add_func("/eject-under-load/arm64-single-thread", test_arm64_single_thread);
    g_test_add_func("/eject-under-load/x86_64-mttcg", test_x86_64_mttcg);
    return g_test_run();
}
