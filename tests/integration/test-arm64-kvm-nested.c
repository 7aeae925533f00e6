/*
 * vCPU hotplug under KVM, on the nested ARM KVM lab (vh-nested.h): L2 guests run
 * with -accel kvm in an arm64 L1 guest that runs under TCG with EL2, and the test
 * drives each L2 QEMU exactly like the TCG tests drive their guests (QMP +
 * guest-init.sh).
 *
 * One L1 boot serves every case; each case starts its own L2 QEMUs and stops them.
 */
#include "lab-test.h"
#include "psci-probe.h"
#include "vh-nested.h"

/* Cycles of one slot in plug-unplug-replug: each one reuses the parked KVM vCPU */
#define REPLUG_CYCLES 10
/* Cycles of test_eject_under_load(), about 1.2 s each; VCPUHP_NESTED_LOAD_CYCLES sets
 * them (the soak of tools/reliability/soak.sh) */
#define LOAD_CYCLES 30

/* The lab: one L1 boot serves every case. */
static VhNested *nested;

typedef VhNestedL2 L2;

static char *
l1_run_ok(const char *command)
{
    g_autoptr(GError) err = NULL;
    char *out = vh_guest_run_ok(nested->l1->guest, command, VH_NESTED_CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    return out;
}

static void
l1_boot(void)
{
    g_autoptr(GError) err = NULL;
    VhNestedConfig config = {
        .qemu_binary = lab_env("VCPUHP_QEMU"), .lab_dir = lab_env("VCPUHP_LAB"),
        .nested_dir = lab_env("VCPUHP_NESTED"),
    };

    nested = vh_nested_boot(&config, &err);
    g_assert_no_error(err);
    g_test_message("L1 (arm64 under TCG with EL2) booted in %.1f s", nested->l1->boot_seconds);
}

/* Our QEMU (the arm64 build of the series) in L1 */
#define OURS VH_NESTED_L1_QEMU
/* Debian's unpatched arm64 build of the same version (tools/setup/stock-qemu.sh) */
#define STOCK "/stock/qemu-system-aarch64"

/* vh_nested_l2_start() with our QEMU; fails the test on error. */
static L2 *
l2_start(VhNestedPair pair, const char *args)
{
    g_autoptr(GError) err = NULL;
    L2 *l2 = vh_nested_l2_start(nested, pair, OURS, args, &err);

    g_assert_no_error(err);
    return l2;
}

/* vh_nested_l2_boot(); fails the test on error. */
static L2 *
l2_boot_binary(const char *binary, VhNestedPair pair, const char *machine, const char *smp,
               const char *more_args)
{
    g_autoptr(GError) err = NULL;
    L2 *l2 = vh_nested_l2_boot(nested, pair, binary, machine, smp, more_args, &err);

    g_assert_no_error(err);
    if (l2->boot_seconds > 0)
        g_test_message("L2 guest %s (%s -accel kvm -smp %s) booted in %.1f s", l2->name,
                       binary, smp, l2->boot_seconds);
    return l2;
}

static L2 *
l2_boot(VhNestedPair pair, const char *smp, const char *more_args)
{
    return l2_boot_binary(OURS, pair, NULL, smp, more_args);
}

static void
l2_stop(L2 *l2)
{
    g_autoptr(GError) err = NULL;

    vh_nested_l2_stop(nested, l2, &err);
    g_assert_no_error(err);
}

static JsonNode *
l2_qmp_ok(L2 *l2, const char *command, const char *args_json)
{
    g_autoptr(GError) err = NULL;
    JsonNode *ret = vh_qmp_execute_json(l2->qmp, command, args_json, VH_NESTED_QMP_TIMEOUT_MS,
                                        &err);

    g_assert_no_error(err);
    return ret;
}

static char *
l2_run_ok(L2 *l2, const char *command)
{
    g_autoptr(GError) err = NULL;
    char *out = vh_guest_run_ok(l2->guest, command, VH_NESTED_CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    return out;
}

static void
l2_assert_mask(L2 *l2, const char *mask, const char *expected)
{
    g_autofree char *cmd = g_strdup_printf("cat /sys/devices/system/cpu/%s", mask);
    g_autofree char *out = l2_run_ok(l2, cmd);

    g_assert_cmpstr(out, ==, expected);
}

/* Runs pinned work on @cpu in L2 and checks that it ran there. */
static void
l2_assert_work_on(L2 *l2, guint cpu)
{
    g_autofree char *cmd = g_strdup_printf("pinned_work %u", cpu);
    g_autofree char *ran_on = l2_run_ok(l2, cmd);
    g_autofree char *expected = g_strdup_printf("%u", cpu);

    g_assert_cmpstr(ran_on, ==, expected);
}

/* Plugs core @core as vcpu<core>: the guest enables it, onlines it, and work pinned to
 * it runs there. */
static void
l2_plug_and_online(L2 *l2, guint core)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VhGuestCpus) guest_cpus = vh_lab_guest_cpus_new(l2->guest, "enabled");
    g_autofree char *id = g_strdup_printf("vcpu%u", core);
    gpointer guest_and_cpu[2];
    VhCpuCycle cycle = lab_pinned_cycle(l2->guest, "core-id", core, id, VH_NESTED_CMD_TIMEOUT_MS,
                                        guest_and_cpu);

    if (!vh_cpu_bring_up(l2->qmp, guest_cpus, &cycle, NULL, &err))
        g_error("%s", err->message);
}

/* Offlines core @core in the guest, as a careful user does before an unplug, then
 * unplugs it until the guest no longer shows it. */
static void
l2_offline_and_unplug(L2 *l2, guint core)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VhGuestCpus) guest_cpus = vh_lab_guest_cpus_new(l2->guest, "enabled");
    g_autofree char *id = g_strdup_printf("vcpu%u", core);
    gpointer guest_and_cpu[2];
    VhCpuCycle cycle = lab_pinned_cycle(l2->guest, "core-id", core, id, VH_NESTED_CMD_TIMEOUT_MS,
                                        guest_and_cpu);

    if (!vh_guest_cpus_set_online(guest_cpus, core, FALSE, VH_NESTED_CMD_TIMEOUT_MS, &err) ||
        !vh_cpu_take_down(l2->qmp, guest_cpus, &cycle, NULL, &err))
        g_error("%s", err->message);
}

static void
test_l2_boots_with_kvm(void)
{
    L2 *l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=6", NULL);
    g_autoptr(JsonNode) kvm = l2_qmp_ok(l2, "query-kvm", NULL);
    g_autoptr(JsonNode) slots = l2_qmp_ok(l2, "query-hotpluggable-cpus", NULL);
    g_autoptr(JsonNode) fast = l2_qmp_ok(l2, "query-cpus-fast", NULL);

    g_assert_true(vh_json_bool(json_node_get_object(kvm), "enabled", FALSE));
    g_assert_cmpuint(json_array_get_length(json_node_get_array(slots)), ==, 6);
    g_assert_cmpstr(vh_json_string(json_array_get_object_element(json_node_get_array(slots), 0),
                                   "type"), ==, "host-arm-cpu");
    /* The parked KVM vCPUs are not CPUs QEMU reports: libvirt would see threads of
     * inactive vCPUs otherwise. */
    g_assert_cmpuint(json_array_get_length(json_node_get_array(fast)), ==, 2);
    l2_assert_mask(l2, "possible", "0-5");
    l2_assert_mask(l2, "present", "0-5");
    l2_assert_mask(l2, "enabled", "0-1");
    l2_assert_mask(l2, "online", "0-1");
    l2_stop(l2);
}

/*
 * The L2 QEMU's open file descriptors, from L1's /proc: "<all> <KVM vCPU fds>".
 * Every possible vCPU has exactly one KVM vCPU, plugged or parked.
 */
static char *
l2_fd_counts(L2 *l2)
{
    g_autofree char *cmd = g_strdup_printf(
        "p=$(cat /tmp/%s.pid); echo $(ls /proc/$p/fd | wc -l)"
        " $(ls -l /proc/$p/fd | grep -c 'anon_inode:kvm-vcpu:')", l2->name);

    return l1_run_ok(cmd);
}

/*
 * The L2 QEMU's resident memory in KiB, from L1's /proc, without the guest's RAM
 * (its 256 MiB mapping): what QEMU itself holds, whatever the guest touched.
 */
static guint64
l2_own_rss_kib(L2 *l2)
{
    g_autofree char *cmd = g_strdup_printf(
        "p=$(cat /tmp/%s.pid); awk '/^VmRSS:/ { print $2 }' /proc/$p/status;"
        " awk '/^Size:/ { s = $2 } /^Rss:/ { if (s == 262144) r += $2 } END { print r + 0 }'"
        " /proc/$p/smaps", l2->name);
    g_autofree char *out = l1_run_ok(cmd);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    guint64 rss, guest_ram;

    g_assert_cmpuint(g_strv_length(lines), ==, 2);
    rss = g_ascii_strtoull(lines[0], NULL, 10);
    guest_ram = g_ascii_strtoull(lines[1], NULL, 10);
    g_assert_cmpuint(guest_ram, >, 0);
    g_assert_cmpuint(rss, >, guest_ram);
    return rss - guest_ram;
}

/*
 * 64 possible vCPUs under KVM: a KVM vCPU for each, 62 of them parked; every slot
 * listed; the last one plugs, runs work and unplugs. Reports the memory a parked
 * vCPU costs QEMU against the same VM with no slot to plug.
 */
static void
test_64_slots(void)
{
    L2 *l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=2", NULL);
    guint64 rss_none = l2_own_rss_kib(l2), rss_64;
    g_autoptr(JsonNode) slots = NULL;
    g_autofree char *fds = NULL;

    l2_stop(l2);
    l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=64", NULL);
    rss_64 = l2_own_rss_kib(l2);
    g_test_message("L2 QEMU's RSS without the guest's RAM: %.1f MiB with -smp"
                   " cpus=2,maxcpus=2, %.1f MiB with maxcpus=64: %.1f KiB per parked vCPU",
                   rss_none / 1024.0, rss_64 / 1024.0,
                   ((double)rss_64 - (double)rss_none) / 62);
    slots = l2_qmp_ok(l2, "query-hotpluggable-cpus", NULL);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(slots)), ==, 64);
    fds = l2_fd_counts(l2);
    g_assert_true(g_str_has_suffix(fds, " 64"));
    l2_assert_mask(l2, "present", "0-63");
    l2_assert_mask(l2, "enabled", "0-1");
    l2_plug_and_online(l2, 63);
    l2_offline_and_unplug(l2, 63);
    l2_assert_mask(l2, "enabled", "0-1");
    l2_stop(l2);
}

static void
test_plug_unplug_replug(void)
{
    L2 *l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=6", NULL);
    g_autoptr(JsonNode) fast = NULL;
    g_autofree char *fds_before = NULL, *fds_after = NULL;
    gint64 start;

    l2_plug_and_online(l2, 2);
    l2_plug_and_online(l2, 5);
    fast = l2_qmp_ok(l2, "query-cpus-fast", NULL);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(fast)), ==, 4);
    l2_offline_and_unplug(l2, 2);
    l2_assert_mask(l2, "enabled", "0-1,5");
    fds_before = l2_fd_counts(l2);
    g_assert_true(g_str_has_suffix(fds_before, " 6"));
    /* The same KVM vCPU comes back from the parked list, cycle after cycle, and
     * nothing leaks. */
    start = g_get_monotonic_time();
    for (int round = 0; round < REPLUG_CYCLES; round++) {
        l2_plug_and_online(l2, 2);
        l2_offline_and_unplug(l2, 2);
    }
    g_test_message("%d plug/online/work/offline/unplug cycles of one slot under KVM: "
                   "%.2f s each", REPLUG_CYCLES,
                   (g_get_monotonic_time() - start) / 1e6 / REPLUG_CYCLES);
    fds_after = l2_fd_counts(l2);
    g_assert_cmpstr(fds_after, ==, fds_before);
    l2_plug_and_online(l2, 2);
    l2_assert_mask(l2, "online", "0-2,5");
    l2_stop(l2);
}

/*
 * The L2 QEMU's threads, fds and RSS (LabQemuFigures), read from L1's /proc: L1's
 * shell prints the two counts on a line, then the process's status and the sizes
 * and resident sizes of its mappings.
 */
static LabQemuFigures
l2_qemu_figures(L2 *l2)
{
    g_autofree char *cmd = g_strdup_printf(
        "p=$(cat /tmp/%s.pid); echo $(ls /proc/$p/task | wc -l) $(ls /proc/$p/fd | wc -l);"
        " cat /proc/$p/status; grep -E '^(Size|Rss):' /proc/$p/smaps", l2->name);
    g_autofree char *out = l1_run_ok(cmd);
    LabQemuFigures f = { 0 };
    char *end;

    f.threads = (guint)g_ascii_strtoull(out, &end, 10);
    f.fds = (guint)g_ascii_strtoull(end, &end, 10);
    if (f.threads == 0 || f.fds == 0 || *end != '\n')
        g_error("no thread and fd counts of L2's QEMU from L1: \"%s\"", out);
    f.rss_kib = lab_status_rss_kib(end);
    f.guest_ram_rss_kib = lab_smaps_rss_of_size_kib(end, lab_qmp_ram_kib(l2->qmp,
                                                                         VH_NESTED_QMP_TIMEOUT_MS));
    return f;
}

/*
 * test-eject-under-load's scenario under KVM: plug / online / pinned work /
 * offline / unplug cycles of slots 2 and 3 while the guest's boot vCPUs start and
 * end processes without pause. The guest's work goes on throughout; the L2 QEMU's
 * threads and fds come back to their count before the cycles, and its RSS without
 * the guest's RAM grows within lab-test.h's bound.
 */
static void
test_eject_under_load(void)
{
    L2 *l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=4", NULL);
    g_autofree char *started = l2_run_ok(l2, "churn 0 1 && echo started");
    const guint cycles = lab_cycles("VCPUHP_NESTED_LOAD_CYCLES", LOAD_CYCLES);
    LabQemuFigures qemu_before, qemu_after;
    guint64 before[2], after[2];
    double seconds;
    gint64 start;

    g_assert_cmpstr(started, ==, "started");
    before[0] = lab_guest_churn_count(l2->guest, 0);
    before[1] = lab_guest_churn_count(l2->guest, 1);
    qemu_before = l2_qemu_figures(l2);
    g_test_message("L2's QEMU before the cycles: %u threads, %u fds, RSS %.1f MiB (the guest's"
                   " RAM %.1f MiB of it)", qemu_before.threads, qemu_before.fds,
                   qemu_before.rss_kib / 1024.0, qemu_before.guest_ram_rss_kib / 1024.0);
    start = g_get_monotonic_time();
    for (guint n = 0; n < cycles; n++) {
        l2_plug_and_online(l2, 2 + n % 2);
        l2_offline_and_unplug(l2, 2 + n % 2);
        if ((n + 1) % 50 == 0)
            g_test_message("%u cycles done in %.0f s; L2's QEMU's RSS %.1f MiB", n + 1,
                           (g_get_monotonic_time() - start) / 1e6,
                           l2_qemu_figures(l2).rss_kib / 1024.0);
    }
    seconds = (g_get_monotonic_time() - start) / 1e6;
    after[0] = lab_guest_churn_count(l2->guest, 0);
    after[1] = lab_guest_churn_count(l2->guest, 1);
    qemu_after = l2_qemu_figures(l2);
    g_test_message("%u cycles under KVM under load: %.2f s each; the boot vCPUs started and"
                   " ended %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " processes meanwhile",
                   cycles, seconds / cycles, after[0] - before[0], after[1] - before[1]);
    g_assert_cmpuint(after[0], >, before[0]);
    g_assert_cmpuint(after[1], >, before[1]);
    l2_assert_mask(l2, "online", "0-1");
    lab_assert_qemu_figures_back(&qemu_before, &qemu_after, cycles);
    l2_stop(l2);
}

/*
 * system_reset keeps a hot-added vCPU plugged (its KVM vCPU and GIC state are
 * written again with the whole VM's); stop and cont after an unplug exercise the
 * per-vCPU VM state handlers, which must be gone with the unplugged vCPU.
 */
static void
test_reset_and_stop_after_unplug(void)
{
    g_autoptr(GError) err = NULL;
    L2 *l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=6", NULL);
    g_autoptr(JsonNode) reset = NULL;
    g_autoptr(JsonNode) stop = NULL;
    g_autoptr(JsonNode) cont = NULL;
    g_autoptr(JsonNode) status = NULL;

    l2_plug_and_online(l2, 4);
    l2_plug_and_online(l2, 3);
    l2_offline_and_unplug(l2, 4);
    stop = l2_qmp_ok(l2, "stop", NULL);
    cont = l2_qmp_ok(l2, "cont", NULL);
    status = l2_qmp_ok(l2, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");

    reset = l2_qmp_ok(l2, "system_reset", NULL);
    if (!vh_guest_wait_ready(l2->guest, VH_NESTED_L2_BOOT_TIMEOUT_MS, &err))
        g_error("L2 guest did not come back after system_reset: %s; console: %s",
                err->message, vh_guest_console_tail(l2->guest));
    l2_assert_mask(l2, "enabled", "0-1,3");
    l2_assert_mask(l2, "online", "0-1,3");
    l2_assert_work_on(l2, 3);
    l2_offline_and_unplug(l2, 3);
    l2_stop(l2);
}

/*
 * What KVM could not take is refused with a clear error, and the VM keeps running;
 * a guest that refuses an eject keeps the vCPU, and QEMU says so at once.
 */
static void
test_bad_input(void)
{
    L2 *l2 = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=6", NULL);
    static const struct { const char *args; const char *error; } cases[] = {
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"pmu\": false}",
          "a hot-plugged vCPU must have the same 'pmu' as the boot vCPUs: on" },
        /* Each of these reached KVM_ARM_VCPU_INIT or the KVM vCPU's set-up in the new
         * vCPU's thread, and ended the VM. */
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"sve\": false}",
          "a hot-plugged vCPU must have the same 'sve' as the boot vCPUs: on" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"sve256\": false}",
          "vector lengths of the boot vCPUs: sve256 is on there" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"pauth\": false}",
          "a hot-plugged vCPU must have the same 'pauth' as the boot vCPUs: on" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"aarch64\": false}",
          "'aarch64'" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"kvm-steal-time\": false}",
          "a hot-plugged vCPU must have the same 'kvm-steal-time' as the boot vCPUs: on" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu2\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 2, \"thread-id\": 0, \"kvm-no-adjvtime\": true}",
          "a hot-plugged vCPU must have the same 'kvm-no-adjvtime' as the boot vCPUs: off" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu1\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 1, \"thread-id\": 0}",
          "is already present" },
        { "{\"driver\": \"host-arm-cpu\", \"id\": \"vcpu9\", \"socket-id\": 0,"
          " \"cluster-id\": 0, \"core-id\": 9, \"thread-id\": 0}",
          "Invalid or missing core-id 9" },
    };
    g_autoptr(JsonNode) slots = NULL;
    g_autoptr(JsonNode) status = NULL;
    g_autoptr(JsonNode) fast = NULL;
    g_autoptr(JsonNode) del = NULL;
    g_autoptr(JsonObject) refused = NULL;
    g_autoptr(GError) eject_err = NULL;
    g_autofree char *off = NULL, *on = NULL;
    guint boot_vcpus = 0;

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonNode) ret = vh_qmp_execute_json(l2->qmp, "device_add", cases[i].args,
                                                      VH_NESTED_QMP_TIMEOUT_MS, &err);

        g_assert_null(ret);
        g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
        if (!strstr(err->message, cases[i].error))
            g_error("device_add %s: expected \"%s\", got \"%s\"", cases[i].args,
                    cases[i].error, err->message);
    }
    /* The boot vCPUs cannot be unplugged */
    slots = l2_qmp_ok(l2, "query-hotpluggable-cpus", NULL);
    for (guint i = 0; i < json_array_get_length(json_node_get_array(slots)); i++) {
        const char *path = vh_json_string(vh_json_array_object(json_node_get_array(slots), i),
                                          "qom-path");
        g_autoptr(GError) err = NULL;
        g_autofree char *args = NULL;
        g_autoptr(JsonNode) ret = NULL;

        if (!path)
            continue;
        args = g_strdup_printf("{\"id\": \"%s\"}", path);
        ret = vh_qmp_execute_json(l2->qmp, "device_del", args, VH_NESTED_QMP_TIMEOUT_MS, &err);
        g_assert_null(ret);
        g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
        g_assert_nonnull(strstr(err->message, "cannot be unplugged"));
        boot_vcpus++;
    }
    g_assert_cmpuint(boot_vcpus, ==, 2);
    status = l2_qmp_ok(l2, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
    fast = l2_qmp_ok(l2, "query-cpus-fast", NULL);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(fast)), ==, 2);
    /* and the slot that was refused still plugs */
    l2_plug_and_online(l2, 2);

    /* A guest that will not eject: the vCPU stays, QEMU reports the refusal at once */
    off = l2_run_ok(l2, "echo 0 > /sys/firmware/acpi/hotplug/processor/enabled"
                        " && cat /sys/firmware/acpi/hotplug/processor/enabled");
    g_assert_cmpstr(off, ==, "0");
    del = l2_qmp_ok(l2, "device_del", "{\"id\": \"vcpu2\"}");
    refused = vh_qmp_wait_event(l2->qmp, "DEVICE_UNPLUG_GUEST_ERROR", vh_qmp_match_device,
                                (gpointer)"vcpu2", VH_NESTED_QMP_TIMEOUT_MS, &eject_err);
    g_assert_no_error(eject_err);
    l2_assert_mask(l2, "enabled", "0-2");
    l2_assert_work_on(l2, 2);
    on = l2_run_ok(l2, "echo 1 > /sys/firmware/acpi/hotplug/processor/enabled && echo ok");
    g_assert_cmpstr(on, ==, "ok");
    l2_offline_and_unplug(l2, 2);
    l2_stop(l2);
}

static void
test_psci_cpu_on_denied(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *probe = NULL;
    g_autofree char *b64 = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;
    gsize len = 0;
    L2 *l2;
    /* 'c' CPU_ON, 'i' AFFINITY_INFO; as under TCG (test-arm64-psci) */
    struct { char call; guint aff0; gint64 expected; } steps[] = {
        { 'c', 2, PSCI_DENIED }, { 'i', 2, PSCI_AFFINITY_OFF },
        { 'c', 9, PSCI_INVALID_PARAMETERS }, { 'i', 9, PSCI_INVALID_PARAMETERS },
        { 'c', 1, PSCI_SUCCESS }, { 'i', 1, PSCI_AFFINITY_ON },
        /* after the plug below */
        { 'i', 2, PSCI_AFFINITY_OFF }, { 'c', 2, PSCI_SUCCESS }, { 'i', 2, PSCI_AFFINITY_ON },
    };

    /* The probe firmware is small: it travels over L1's command channel. */
    g_file_get_contents(lab_env("VCPUHP_PSCI_PROBE"), &probe, &len, &err);
    g_assert_no_error(err);
    b64 = g_base64_encode((const guchar *)probe, len);
    cmd = g_strdup_printf("echo %s | base64 -d > /tmp/psci-probe.bin", b64);
    out = l1_run_ok(cmd);
    l2 = l2_start(VH_NESTED_PAIR_A, "-M virt,gic-version=3 -smp cpus=2,maxcpus=4"
                  " -bios /tmp/psci-probe.bin");
    l2->console = vh_line_reader_new(l2->serial_fd);
    /* skipping what an earlier L2 on this port left unread */
    psci_probe_wait_ready(l2->console, VH_NESTED_L2_BOOT_TIMEOUT_MS);
    /* KVM answers PSCI_VERSION itself: the same version as QEMU's under TCG */
    g_assert_cmpint(psci_probe_version(l2->console, l2->serial_fd, VH_NESTED_CMD_TIMEOUT_MS), ==,
                    PSCI_VERSION_1_1);
    for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
        if (i == 6) {
            g_assert_true(vh_cpu_plug(l2->qmp, "core-id", 2, "vcpu2", VH_NESTED_QMP_TIMEOUT_MS,
                                      &err));
            g_assert_no_error(err);
        }
        g_assert_cmpint(steps[i].call == 'c' ?
                        psci_probe_cpu_on(l2->console, l2->serial_fd, steps[i].aff0,
                                          VH_NESTED_CMD_TIMEOUT_MS) :
                        psci_probe_affinity_info(l2->console, l2->serial_fd, steps[i].aff0,
                                                 VH_NESTED_CMD_TIMEOUT_MS), ==, steps[i].expected);
    }
    l2_stop(l2);
}

/* Live-migrates @src to @dst (started with -incoming defer) over a unix socket in L1. */
static void
l2_migrate(L2 *src, L2 *dst)
{
    static const char uri[] = "{\"uri\": \"unix:/tmp/l2-migration.sock\"}";
    g_autoptr(JsonNode) incoming = l2_qmp_ok(dst, "migrate-incoming", uri);

    lab_qmp_migrate(src->qmp, uri, 300000);
}

/* The SHA-256 of every ACPI table, as the L2 guest reads them. */
static char *
l2_acpi_digests(L2 *l2)
{
    return l2_run_ok(l2, "cd /sys/firmware/acpi/tables && for t in *; do"
                     " if [ -f \"$t\" ]; then sha256sum \"$t\"; fi; done");
}

/* The released machine type of the version, which must keep stock's guest ABI */
#define RELEASED "virt-10.0,gic-version=3"

/*
 * On released machine types (maxcpus > cpus included), and where vCPU hotplug is
 * not enabled (maxcpus == cpus, no ACPI), our QEMU under KVM gives the guest what
 * Debian's unpatched build of the same version gives it: the same device tree and ACPI tables, and a running guest
 * migrates live from stock to ours and back. (The stream of a VM that never ran is
 * compared under TCG only, in test-arm64-compat: under KVM it carries the host's
 * counter, which differs from run to run whatever the QEMU.)
 */
static void
test_compat_with_stock(void)
{
    static const struct { const char *machine; const char *smp; } dt_configs[] = {
        { "virt-10.0,gic-version=3", "cpus=2,maxcpus=4" },
        { "virt,gic-version=3", "2" },
        { "virt-9.2,gic-version=3", "cpus=2,maxcpus=4" },
        { "virt,gic-version=3,acpi=off", "cpus=2,maxcpus=4" },
    };
    g_autofree char *stock_version = l1_run_ok(
        "[ -x " STOCK " ] || { echo 'no stock QEMU in L1: build-nested.sh was not given one';"
        " exit 1; }; " STOCK " -version | head -n1");
    L2 *stock, *ours, *dst;
    g_autofree char *stock_acpi = NULL, *ours_acpi = NULL;

    g_assert_true(g_str_has_suffix(stock_version, "(Debian 1:10.0.13+ds-0+deb13u1)"));
    for (guint i = 0; i < G_N_ELEMENTS(dt_configs); i++) {
        g_autofree char *cmd = g_strdup_printf(
            "for q in " OURS " " STOCK "; do $q -accel kvm -cpu host -m 256 -nodefaults"
            " -display none -seed 1 -M %s,dumpdtb=/tmp/dtb.${q%%%%/qemu-system-aarch64}"
            " -smp %s 2>&1 | grep -v 'exceeds the recommended cpus' || :; done;"
            " cmp /tmp/dtb./usr/bin /tmp/dtb./stock", dt_configs[i].machine, dt_configs[i].smp);
        g_autofree char *out = NULL;

        l1_run_ok("mkdir -p /tmp/dtb./usr && rm -f /tmp/dtb./usr/bin /tmp/dtb./stock");
        out = l1_run_ok(cmd);
        g_test_message("device tree of -M %s -smp %s under KVM: identical", dt_configs[i].machine,
                       dt_configs[i].smp);
    }

    /* ACPI as the guest reads it, and stock -> ours, on the released type that
     * libvirt starts <vcpu current='2'>4</vcpu> with. */
    stock = l2_boot_binary(STOCK, VH_NESTED_PAIR_A, RELEASED, "cpus=2,maxcpus=4", NULL);
    stock_acpi = l2_acpi_digests(stock);
    dst = l2_boot_binary(OURS, VH_NESTED_PAIR_B, RELEASED, "cpus=2,maxcpus=4",
                         "-incoming defer");
    l2_migrate(stock, dst);
    l2_stop(stock);
    l2_assert_mask(dst, "online", "0-1");
    l2_assert_work_on(dst, 1);
    l2_stop(dst);

    /* ours -> stock */
    ours = l2_boot_binary(OURS, VH_NESTED_PAIR_A, RELEASED, "cpus=2,maxcpus=4", NULL);
    ours_acpi = l2_acpi_digests(ours);
    g_assert_cmpstr(ours_acpi, ==, stock_acpi);
    g_test_message("ACPI tables under KVM with -M " RELEASED " -smp cpus=2,maxcpus=4:"
                   " identical");
    dst = l2_boot_binary(STOCK, VH_NESTED_PAIR_B, RELEASED, "cpus=2,maxcpus=4",
                         "-incoming defer");
    l2_migrate(ours, dst);
    l2_stop(ours);
    l2_assert_mask(dst, "online", "0-1");
    l2_assert_work_on(dst, 1);
    l2_stop(dst);
}

/* -accel kvm,x-smccc-filter=off: our QEMU behaves as on a host kernel without
 * KVM_ARM_VM_SMCCC_FILTER (L1's 6.12 has it). */
#define NO_FILTER "-accel kvm,x-smccc-filter=off"

/*
 * The command line alone decides the guest ABI: on a host that cannot hotplug
 * (no SMCCC filter) the guest sees the same vCPUs and ACPI tables as on one that
 * can; device_add says why it cannot; a VM with a hot-added vCPU cannot move there
 * (its vCPU is refused, the stream without it is refused) and keeps running.
 */
static void
test_host_without_smccc_filter(void)
{
    L2 *can = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=4", NULL);
    L2 *cannot = l2_boot(VH_NESTED_PAIR_B, "cpus=2,maxcpus=4", NO_FILTER);
    g_autofree char *can_acpi = l2_acpi_digests(can);
    g_autofree char *cannot_acpi = l2_acpi_digests(cannot);
    g_autofree char *log = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) incoming = NULL, status = NULL, migrate = NULL;
    g_autoptr(JsonObject) failed = NULL, resumed = NULL;

    g_assert_cmpstr(cannot_acpi, ==, can_acpi);
    l2_assert_mask(cannot, "possible", "0-3");
    l2_assert_mask(cannot, "present", "0-3");
    l2_assert_mask(cannot, "enabled", "0-1");
    log = l1_run_ok("cat /tmp/b.log");
    g_assert_nonnull(strstr(log, "vCPU hotplug is not available on this host"));
    g_assert_false(vh_cpu_plug(cannot->qmp, "core-id", 2, "vcpu2", VH_NESTED_QMP_TIMEOUT_MS, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "not available on this host: the host kernel"
                            " cannot forward PSCI calls"));
    g_clear_error(&err);
    l2_assert_work_on(cannot, 1);
    l2_stop(cannot);

    /* A VM with a hot-added vCPU, to such a host: libvirt's device_add of the
     * plugged vCPU is refused; a stream sent anyway is refused too. */
    l2_plug_and_online(can, 2);
    cannot = l2_boot(VH_NESTED_PAIR_B, "cpus=2,maxcpus=4", NO_FILTER " -incoming defer");
    g_assert_false(vh_cpu_plug(cannot->qmp, "core-id", 2, "vcpu2", VH_NESTED_QMP_TIMEOUT_MS, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_clear_error(&err);
    /* With a return path the source learns that the destination refused. */
    json_node_unref(l2_qmp_ok(cannot, "migrate-set-capabilities",
                              "{\"capabilities\": [{\"capability\": \"return-path\","
                              " \"state\": true}]}"));
    incoming = l2_qmp_ok(cannot, "migrate-incoming",
                         "{\"uri\": \"unix:/tmp/l2-migration.sock\"}");
    migrate = vh_qmp_execute_json(can->qmp, "migrate-set-capabilities",
                                  "{\"capabilities\": [{\"capability\": \"events\","
                                  " \"state\": true}, {\"capability\": \"return-path\","
                                  " \"state\": true}]}", VH_NESTED_QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    json_node_unref(migrate);
    vh_qmp_clear_events(can->qmp);
    migrate = vh_qmp_execute_json(can->qmp, "migrate",
                                  "{\"uri\": \"unix:/tmp/l2-migration.sock\"}",
                                  VH_NESTED_QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    failed = vh_qmp_wait_event(can->qmp, "MIGRATION", lab_migration_finished, NULL,
                               300000, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(vh_json_object(failed, "data"), "status"), ==, "failed");
    /* The source goes on (it restarts its vCPUs after the failure), with its hot-added
     * vCPU working. */
    resumed = vh_qmp_wait_event(can->qmp, "RESUME", NULL, NULL, VH_NESTED_QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    status = l2_qmp_ok(can, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
    l2_assert_mask(can, "online", "0-2");
    l2_assert_work_on(can, 2);
    l2_stop(can);
    /* The destination ends itself when its incoming migration fails. */
    g_free(l1_run_ok("p=$(cat /tmp/b.pid 2>/dev/null) && kill -9 $p 2>/dev/null; :"));
    vh_nested_l2_free(cannot);
}

/*
 * Live migration between two L2 QEMUs in L1, the way libvirt does it: the
 * destination starts with -incoming defer and gets the plugged vCPUs by device_add
 * before the stream arrives.
 */
static void
test_migration_keeps_plugged_set(void)
{
    L2 *src = l2_boot(VH_NESTED_PAIR_A, "cpus=2,maxcpus=6", NULL);
    L2 *dst;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) fast = NULL;

    l2_plug_and_online(src, 3);
    dst = l2_boot(VH_NESTED_PAIR_B, "cpus=2,maxcpus=6", "-incoming defer");
    g_assert_true(vh_cpu_plug(dst->qmp, "core-id", 3, "vcpu3", VH_NESTED_QMP_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    l2_migrate(src, dst);
    l2_stop(src);

    /* The guest carries on at the destination with the same vCPUs. */
    l2_assert_mask(dst, "enabled", "0-1,3");
    l2_assert_mask(dst, "online", "0-1,3");
    l2_assert_work_on(dst, 3);
    fast = l2_qmp_ok(dst, "query-cpus-fast", NULL);
    g_assert_cmpuint(json_array_get_length(json_node_get_array(fast)), ==, 3);
    /* ... and hotplug keeps working there. */
    l2_offline_and_unplug(dst, 3);
    l2_plug_and_online(dst, 4);
    l2_stop(dst);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-kvm-nested/l2-boots-with-kvm", test_l2_boots_with_kvm);
    g_test_add_func("/arm64-kvm-nested/plug-unplug-replug", test_plug_unplug_replug);
    g_test_add_func("/arm64-kvm-nested/64-slots", test_64_slots);
    g_test_add_func("/arm64-kvm-nested/reset-and-stop-after-unplug",
                    test_reset_and_stop_after_unplug);
    g_test_add_func("/arm64-kvm-nested/bad-input", test_bad_input);
    g_test_add_func("/arm64-kvm-nested/eject-under-load", test_eject_under_load);
    g_test_add_func("/arm64-kvm-nested/psci-cpu-on-denied", test_psci_cpu_on_denied);
    g_test_add_func("/arm64-kvm-nested/host-without-smccc-filter",
                    test_host_without_smccc_filter);
    g_test_add_func("/arm64-kvm-nested/migration-keeps-plugged-set",
                    test_migration_keeps_plugged_set);
    g_test_add_func("/arm64-kvm-nested/compat-with-stock", test_compat_with_stock);
    l1_boot();
    ret = g_test_run();
    vh_nested_free(nested);
    return ret;
}
