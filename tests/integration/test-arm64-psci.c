/*
 * The PSCI policy of vCPU hotplug, seen from the guest: CPU_ON of a possible vCPU
 * that is not plugged returns DENIED and AFFINITY_INFO says it is OFF, until it is
 * plugged; an MPIDR that the tables do not describe is INVALID_PARAMETERS to both,
 * as on every VM without hotplug. Linux never calls CPU_ON for a vCPU it was not
 * told is enabled, so the guest here is firmware/psci-probe.S, which issues the
 * calls for any MPIDR the test names.
 */
#include "lab-test.h"
#include "psci-probe.h"

typedef struct {
    VhQemu *qemu;
    VhLineReader *serial;
} Probe;

static Probe *
probe_start(const char *qemu_binary, const char *machine, const char *smp)
{
    const char *const args[] = {
        "-M", machine, "-cpu", "max", "-accel", "tcg", "-smp", smp, "-m", "256",
        "-bios", lab_env("VCPUHP_PSCI_PROBE"), "-display", "none", "-nodefaults", NULL,
    };
    g_autoptr(GError) err = NULL;
    g_autofree char *banner = NULL;
    Probe *p = g_new0(Probe, 1);

    p->qemu = vh_qemu_launch(qemu_binary, args, LAB_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    p->serial = vh_line_reader_new(vh_qemu_serial_fd(p->qemu));
    banner = psci_probe_line(p->serial, 60000);
    g_assert_cmpstr(banner, ==, "PSCI-PROBE READY");
    return p;
}

static void
probe_free(Probe *p)
{
    vh_line_reader_free(p->serial);
    vh_qemu_free(p->qemu);
    g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Probe, probe_free)

static gint64
probe_cpu_on(Probe *p, guint aff0)
{
    return psci_probe_cpu_on(p->serial, vh_qemu_serial_fd(p->qemu), aff0, 60000);
}

static gint64
probe_affinity_info(Probe *p, guint aff0)
{
    return psci_probe_affinity_info(p->serial, vh_qemu_serial_fd(p->qemu), aff0, 60000);
}

static void
assert_running(Probe *p)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) status = vh_qmp_execute_json(vh_qemu_qmp(p->qemu), "query-status",
                                                     NULL, 10000, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
}

static void
test_denied_until_plugged(void)
{
    g_autoptr(Probe) p = probe_start(lab_env("VCPUHP_QEMU"), "virt,gic-version=3",
                                     "cpus=2,maxcpus=4");
    g_autoptr(GError) err = NULL;

    /* The PSCI the guest sees: 1.1, whose AFFINITY_INFO answers OFF below */
    g_assert_cmpint(psci_probe_version(p->serial, vh_qemu_serial_fd(p->qemu), 60000), ==,
                    PSCI_VERSION_1_1);
    g_assert_cmpint(probe_cpu_on(p, 2), ==, PSCI_DENIED);
    g_assert_cmpint(probe_cpu_on(p, 3), ==, PSCI_DENIED);
    g_assert_cmpint(probe_affinity_info(p, 2), ==, PSCI_AFFINITY_OFF);
    g_assert_cmpint(probe_affinity_info(p, 3), ==, PSCI_AFFINITY_OFF);
    /* Not a possible vCPU at all: as before */
    g_assert_cmpint(probe_cpu_on(p, 9), ==, PSCI_INVALID_PARAMETERS);
    g_assert_cmpint(probe_affinity_info(p, 9), ==, PSCI_INVALID_PARAMETERS);
    /* A boot vCPU still starts */
    g_assert_cmpint(probe_affinity_info(p, 1), ==, PSCI_AFFINITY_OFF);
    g_assert_cmpint(probe_cpu_on(p, 1), ==, PSCI_SUCCESS);
    g_assert_cmpint(probe_affinity_info(p, 1), ==, PSCI_AFFINITY_ON);
    assert_running(p);

    g_assert_true(vh_cpu_plug(vh_qemu_qmp(p->qemu), "core-id", 2, "vcpu2", 10000, &err));
    g_assert_no_error(err);
    /* Plugged, not yet powered on: OFF, as a boot vCPU before its CPU_ON */
    g_assert_cmpint(probe_affinity_info(p, 2), ==, PSCI_AFFINITY_OFF);
    g_assert_cmpint(probe_cpu_on(p, 2), ==, PSCI_SUCCESS);
    g_assert_cmpint(probe_affinity_info(p, 2), ==, PSCI_AFFINITY_ON);
    g_assert_cmpint(probe_cpu_on(p, 2), ==, PSCI_ALREADY_ON);
    g_assert_cmpint(probe_cpu_on(p, 3), ==, PSCI_DENIED);
    g_assert_cmpint(probe_affinity_info(p, 3), ==, PSCI_AFFINITY_OFF);
    assert_running(p);
}

/*
 * The hotplug machine type with cpu-hotplug=off describes only the boot vCPUs: the
 * other possible vCPUs are unknown to the guest, and PSCI answers for them as on a
 * released machine type.
 */
static void
test_hotplug_off_unchanged(void)
{
    g_autoptr(Probe) p = probe_start(lab_env("VCPUHP_QEMU"),
                                     "virt,gic-version=3,cpu-hotplug=off", "cpus=2,maxcpus=4");

    g_assert_cmpint(probe_cpu_on(p, 2), ==, PSCI_INVALID_PARAMETERS);
    g_assert_cmpint(probe_affinity_info(p, 2), ==, PSCI_INVALID_PARAMETERS);
    g_assert_cmpint(probe_cpu_on(p, 1), ==, PSCI_SUCCESS);
    assert_running(p);
}

/* Older machine types have no hotpluggable vCPUs: the answer is what it always was. */
static void
test_older_machine_unchanged(void)
{
    g_autoptr(Probe) p = probe_start(lab_env("VCPUHP_QEMU"), "virt-9.2,gic-version=3",
                                     "cpus=2,maxcpus=4");

    g_assert_cmpint(probe_cpu_on(p, 2), ==, PSCI_INVALID_PARAMETERS);
    g_assert_cmpint(probe_affinity_info(p, 2), ==, PSCI_INVALID_PARAMETERS);
    g_assert_cmpint(probe_cpu_on(p, 1), ==, PSCI_SUCCESS);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-psci/denied-until-plugged", test_denied_until_plugged);
    g_test_add_func("/arm64-psci/older-machine-unchanged", test_older_machine_unchanged);
    g_test_add_func("/arm64-psci/hotplug-off-unchanged", test_hotplug_off_unchanged);
    return g_test_run();
}
