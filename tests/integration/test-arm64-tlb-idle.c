/*
 * A vCPU idle in WFI must not keep a stale translation after another vCPU changed
 * a mapping and broadcast the TLB invalidation: vmm patch 0060 defers the flush of
 * a halted vCPU until it leaves the halt, and losing it would corrupt guest memory
 * silently. guest/tlb-idle.c checks it from inside the arm64 lab guest, under
 * MTTCG, many times in a row; this test copies it in, runs it and asserts on what
 * it prints. With tlb_flush_deferred_run() made to drop the flush, it failed at
 * iteration 1 or 2 in each of 10 runs (2026-12-01).
 */
#include "lab-test.h"

#define GUEST_PATH "/tmp/tlb-idle"
/* Base64 characters per command: the channel takes one shell line per request. */
#define CHUNK 1024

/*
 * Copies the host file @path into the guest as GUEST_PATH: the lab's initramfs has
 * no network or shared disk, only the command channel, so it goes as base64 text
 * (busybox base64 -d); the guest's sha256sum must match the host's.
 */
static void
copy_into_guest(VhLabVm *vm, const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    g_autofree char *text = NULL;
    g_autofree char *sum = NULL;
    g_autofree char *guest_sum = NULL;
    gsize len = 0, text_len;

    g_file_get_contents(path, &data, &len, &err);
    g_assert_no_error(err);
    text = g_base64_encode((const guchar *)data, len);
    text_len = strlen(text);
    g_free(lab_run_ok(vm, "rm -f " GUEST_PATH ".b64"));
    for (gsize off = 0; off < text_len; off += CHUNK) {
        /* Base64 has no quote: the chunk is safe between single quotes. */
        g_autofree char *cmd = g_strdup_printf("printf %%s '%.*s' >> " GUEST_PATH ".b64",
                                               (int)MIN(CHUNK, text_len - off), text + off);
        g_free(lab_run_ok(vm, cmd));
    }
    guest_sum = lab_run_ok(vm, "base64 -d " GUEST_PATH ".b64 > " GUEST_PATH " && chmod +x "
                           GUEST_PATH " && sha256sum " GUEST_PATH " | cut -d' ' -f1");
    sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
    g_assert_cmpstr(guest_sum, ==, sum);
}

static void
test_remap_while_idle(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, "cpus=2,maxcpus=2");
    g_autoptr(VhLabVm) vm = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GTimer) timer = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;
    guint iterations = lab_cycles("VCPUHP_TLB_IDLE_ITERATIONS", 2000);
    g_autofree char *want = g_strdup_printf("ok %u", iterations);
    int status = -1;

    /* The flush a halted vCPU defers is one that another vCPU thread broadcast. */
    config.accel = "tcg,thread=multi";
    vm = lab_boot(&config);
    copy_into_guest(vm, lab_env("VCPUHP_TLB_IDLE"));
    /* Each iteration takes about a millisecond of the guest's time; 2 min is plenty. */
    cmd = g_strdup_printf(GUEST_PATH " %u", iterations);
    timer = g_timer_new();
    out = vh_guest_run(vm->guest, cmd, 120000, &status, &err);
    g_assert_no_error(err);
    g_test_message("%s: \"%s\", exit status %d, in %.1f s", cmd, out, status,
                   g_timer_elapsed(timer, NULL));
    if (status != 0 || g_strcmp0(out, want) != 0)
        g_error("vCPU 1 read a stale translation after waking from WFI (or the check"
                " failed): \"%s\" (exit status %d), want \"%s\"", out, status, want);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-tlb-idle/remap-while-idle", test_remap_while_idle);
    return g_test_run();
}
