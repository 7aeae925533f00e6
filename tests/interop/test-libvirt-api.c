/*
 * vCPU hotplug of a running aarch64 domain through libvirt's public C API, as
 * management software drives it: virDomainSetVcpusFlags with LIVE|CONFIG (the
 * KubeVirt way), virDomainSetVcpu, virDomainGetVcpusFlags, virDomainGetVcpus, and
 * the errors libvirt gives for what cannot be done live.
 *
 * Usage: test-libvirt-api [GTEST OPTIONS] URI DOMAIN — the domain runs with 2 of 6
 * vCPUs (test-libvirt-lifecycle.sh sets it up) and is left that way.
 */
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static virConnectPtr conn;
static virDomainPtr dom;

static int
vcpus(unsigned int flags)
{
    int n = virDomainGetVcpusFlags(dom, flags);

    if (n < 0)
        g_error("virDomainGetVcpusFlags(0x%x): %s", flags, virGetLastErrorMessage());
    return n;
}

static void
set_vcpus_ok(unsigned int count, unsigned int flags)
{
    if (virDomainSetVcpusFlags(dom, count, flags) < 0)
        g_error("virDomainSetVcpusFlags(%u, 0x%x): %s", count, flags, virGetLastErrorMessage());
}

/* The call failed with an error whose message contains @expect. */
static void
assert_refused(int ret, const char *expect)
{
    const char *msg = virGetLastErrorMessage();

    g_assert_cmpint(ret, <, 0);
    g_test_message("refused as expected: %s", msg);
    if (!strstr(msg, expect))
        g_error("expected an error containing \"%s\", got \"%s\"", expect, msg);
    virResetLastError();
}

static void
test_initial_state(void)
{
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE), ==, 2);
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM), ==, 6);
}

static void
test_live_and_config(void)
{
    virVcpuInfoPtr info = g_new0(virVcpuInfo, 6);
    int n;

    set_vcpus_ok(4, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE), ==, 4);
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_CONFIG), ==, 4);
    n = virDomainGetVcpus(dom, info, 6, NULL, 0);
    g_assert_cmpint(n, ==, 4);
    for (int i = 0; i < n; i++)
        g_assert_cmpuint(info[i].number, ==, (unsigned int)i);
    g_free(info);
}

static void
test_set_one_vcpu(void)
{
    if (virDomainSetVcpu(dom, "5", 1, VIR_DOMAIN_AFFECT_LIVE) < 0)
        g_error("virDomainSetVcpu(5, enable): %s", virGetLastErrorMessage());
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE), ==, 5);
    if (virDomainSetVcpu(dom, "5", 0, VIR_DOMAIN_AFFECT_LIVE) < 0)
        g_error("virDomainSetVcpu(5, disable): %s", virGetLastErrorMessage());
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE), ==, 4);
}

static void
test_refusals(void)
{
    assert_refused(virDomainSetVcpusFlags(dom, 7, VIR_DOMAIN_AFFECT_LIVE),
                   "greater than max allowable vcpus");
    assert_refused(virDomainSetVcpusFlags(dom, 5, VIR_DOMAIN_AFFECT_LIVE |
                                          VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM),
                   "maximum vcpu count of a live domain can't be modified");
    assert_refused(virDomainSetVcpu(dom, "0", 0, VIR_DOMAIN_AFFECT_LIVE), "vcpu '0'");
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE), ==, 4);
}

static void
test_back_to_two(void)
{
    int state = -1, reason = -1;

    set_vcpus_ok(2, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_LIVE), ==, 2);
    g_assert_cmpint(vcpus(VIR_DOMAIN_AFFECT_CONFIG), ==, 2);
    g_assert_cmpint(virDomainGetState(dom, &state, &reason, 0), ==, 0);
    g_assert_cmpint(state, ==, VIR_DOMAIN_RUNNING);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    if (argc != 3)
        g_error("usage: %s [GTEST OPTIONS] URI DOMAIN", argv[0]);
    conn = virConnectOpen(argv[1]);
    if (!conn)
        g_error("cannot connect to %s: %s", argv[1], virGetLastErrorMessage());
    dom = virDomainLookupByName(conn, argv[2]);
    if (!dom)
        g_error("no domain %s: %s", argv[2], virGetLastErrorMessage());

    /* In this order: each test starts from the state the previous one left. */
    g_test_add_func("/libvirt-api/initial-state", test_initial_state);
    g_test_add_func("/libvirt-api/live-and-config", test_live_and_config);
    g_test_add_func("/libvirt-api/set-one-vcpu", test_set_one_vcpu);
    g_test_add_func("/libvirt-api/refusals", test_refusals);
    g_test_add_func("/libvirt-api/back-to-two", test_back_to_two);
    ret = g_test_run();
    virDomainFree(dom);
    virConnectClose(conn);
    return ret;
}
