/*
 * The series fixes the three defects of x86 vCPU hot-unplug under TCG that
 * test-x86-baseline shows in stock QEMU 10.0, where they live, so x86_64 gains the
 * fixes too. Run on the qemu-system-x86_64 built from vmm/:
 *   - MTTCG: a hot-removed vCPU's TCG context is reused, so plugs may exceed maxcpus;
 *   - thread=single: unplug no longer joins the shared round-robin thread;
 *   - the unplugged CPU is finalised, so DEVICE_DELETED names it (not only its lapic).
 */
#include "lab-test.h"

/* -smp 1,maxcpus=N on q35 (10.0) gives one socket of N cores: slots are named by core-id. */
#define SLOT "core-id"

static VhLabGuestConfig
x86_config(const char *smp, const char *accel)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_X86_64, smp);

    config.qemu_binary = lab_env("VCPUHP_QEMU_X86");
    config.accel = accel;
    return config;
}

static void
plug_cycles(const char *accel)
{
    /* maxcpus=2: two TCG contexts; stock aborts at the second plug of slot 1. */
    VhLabGuestConfig config = x86_config("1,maxcpus=2", accel);
    g_autoptr(VhLabVm) vm = lab_boot(&config);
    g_autoptr(JsonNode) status = NULL;

    for (guint n = 0; n < 4; n++) {
        g_autofree char *id = g_strdup_printf("cpu1-%u", n);

        /* DEVICE_DELETED names the CPU itself: stock 10.0 sends it only for its lapic. */
        lab_cpu_cycle_as(vm, SLOT, 1, "present", id);
    }
    status = lab_qmp_ok(vm, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
}

static void
test_tcg_context_reused(void)
{
    plug_cycles("tcg,thread=multi");
}

static void
test_single_thread_unplug(void)
{
    plug_cycles("tcg,thread=single");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/x86-fixed/tcg-context-reused", test_tcg_context_reused);
    g_test_add_func("/x86-fixed/single-thread-unplug", test_single_thread_unplug);
    return g_test_run();
}
