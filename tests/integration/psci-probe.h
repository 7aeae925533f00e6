/*
 * The host side of firmware/psci-probe.S, a bare-metal -bios image for the aarch64
 * virt machine: it announces itself on its UART, then for every hex digit it
 * receives calls PSCI CPU_ON for that Aff0 and prints the result; a vCPU it started
 * prints "UP <aff0>". Shared by the TCG and the nested KVM PSCI tests.
 */
#pragma once
#include <glib.h>
#include <string.h>
#include "vh-line-reader.h"

/* PSCI return values (Arm DEN0022) */
#define PSCI_SUCCESS 0
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
/* AFFINITY_INFO answers */
#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
/* PSCI_VERSION: major << 16 | minor */
#define PSCI_VERSION_1_1 0x10001

static inline char *
psci_probe_line(VhLineReader *console, guint timeout_ms)
{
    g_autoptr(GError) err = NULL;
    char *line = vh_line_reader_read_line(console, g_get_monotonic_time() +
                                          timeout_ms * (gint64)1000, &err);

    g_assert_no_error(err);
    return line;
}

/* Waits for the probe's banner, skipping what came before it on the console. */
static inline void
psci_probe_wait_ready(VhLineReader *console, guint timeout_ms)
{
    for (;;) {
        g_autofree char *line = psci_probe_line(console, timeout_ms);

        if (!strcmp(line, "PSCI-PROBE READY"))
            return;
    }
}

/* Reads the probe's answer line "@prefix<16 hex digits>" and returns the value. */
static inline gint64
psci_probe_result(VhLineReader *console, const char *prefix, guint timeout_ms)
{
    g_autofree char *line = psci_probe_line(console, timeout_ms);

    if (!g_str_has_prefix(line, prefix) || strlen(line) != strlen(prefix) + 16)
        g_error("unexpected answer from the probe: \"%s\" (expected \"%s...\")", line,
                prefix);
    return (gint64)g_ascii_strtoull(line + strlen(prefix), NULL, 16);
}

/* Sends @request to the probe on @fd, within @timeout_ms. */
static inline void
psci_probe_send(int fd, const char *request, guint timeout_ms)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(vh_write_all(fd, request, strlen(request),
                               g_get_monotonic_time() + timeout_ms * (gint64)1000, &err));
    g_assert_no_error(err);
}

/* AFFINITY_INFO (level 0) of the vCPU whose MPIDR is @aff0, from the probe. */
static inline gint64
psci_probe_affinity_info(VhLineReader *console, int fd, guint aff0, guint timeout_ms)
{
    g_autofree char *request = g_strdup_printf("i%x", aff0);
    g_autofree char *prefix = g_strdup_printf("AFFINITY_INFO %x = ", aff0);

    psci_probe_send(fd, request, timeout_ms);
    return psci_probe_result(console, prefix, timeout_ms);
}

/* PSCI_VERSION, from the probe. */
static inline gint64
psci_probe_version(VhLineReader *console, int fd, guint timeout_ms)
{
    psci_probe_send(fd, "v", timeout_ms);
    return psci_probe_result(console, "PSCI_VERSION = ", timeout_ms);
}

/*
 * Has the probe (console @console, input @fd) call CPU_ON for the vCPU whose MPIDR is
 * @aff0; returns the PSCI result and, on success, asserts that the vCPU ran the entry
 * point.
 */
static inline gint64
psci_probe_cpu_on(VhLineReader *console, int fd, guint aff0, guint timeout_ms)
{
    g_autofree char *digit = g_strdup_printf("%x", aff0);
    g_autofree char *prefix = g_strdup_printf("CPU_ON %x = ", aff0);
    gint64 ret;

    psci_probe_send(fd, digit, timeout_ms);
    ret = psci_probe_result(console, prefix, timeout_ms);
    if (ret == PSCI_SUCCESS) {
        g_autofree char *up = psci_probe_line(console, timeout_ms);
        g_autofree char *expect = g_strdup_printf("UP %x", aff0);

        g_assert_cmpstr(up, ==, expect);
    }
    return ret;
}
