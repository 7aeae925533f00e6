#include "vh-nested.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vh-error.h"
#include "vh-unix.h"

#define N_PORTS (2 * VH_NESTED_N_PAIRS)

/* Port 2p is pair p's monitor, 2p + 1 its console. */
static const char *const port_names[N_PORTS] = { "a-qmp", "a-serial", "b-qmp", "b-serial" };
static const char *const pair_names[VH_NESTED_N_PAIRS] = { "a", "b" };

static char *
l1_run(VhNested *nested, const char *command, GError **error)
{
    return vh_guest_run_ok(nested->l1->guest, command, VH_NESTED_CMD_TIMEOUT_MS, error);
}

static char *
socket_path(VhNested *nested, const char *name)
{
    return g_strdup_printf("%s/%s.sock", nested->dir, name);
}

/*
 * L1's QEMU arguments: EL2, so that its kernel initialises KVM (VHE); a device
 * tree, no firmware: L1 needs no ACPI, and UEFI would only add seconds under TCG.
 * -S: every port is connected before L1 runs, so nothing written to one is lost.
 */
static GStrv
l1_args(VhNested *nested, const VhNestedConfig *config)
{
    g_autoptr(GStrvBuilder) args = g_strv_builder_new();
    g_autofree char *kernel = g_build_filename(config->lab_dir, "arm64", "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(config->nested_dir, "l1-initrd.img", NULL);
    g_autofree char *console_sock = socket_path(nested, "l1-console");
    g_autofree char *console_chardev = g_strdup_printf(
        "socket,id=l1-console,path=%s,server=on,wait=off", console_sock);

    g_strv_builder_add_many(args, "-nodefaults", "-no-user-config", "-display", "none",
                            "-M", "virt,virtualization=on,gic-version=3", "-cpu", "max",
                            "-accel", "tcg,thread=multi", "-smp", "2", "-m", "3072",
                            "-kernel", kernel, "-initrd", initrd, "-append",
                            "console=ttyAMA0 loglevel=1 vcpuhp.tty=hvc0",
                            "-device", "virtio-serial-pci,id=ports", "-S", NULL);
    /*
     * L1's command channel is a virtio console (hvc0), not its PL011: under this
     * load the emulated UART once lost the start of a long command line, and
     * virtio ports are flow-controlled end to end.
     */
    g_strv_builder_add_many(args, "-chardev", console_chardev, "-device",
                            "virtconsole,bus=ports.0,chardev=l1-console", NULL);
    for (int i = 0; i < N_PORTS; i++) {
        g_autofree char *sock = socket_path(nested, port_names[i]);
        g_autofree char *chardev = g_strdup_printf("socket,id=%s,path=%s,server=on,wait=off",
                                                   port_names[i], sock);
        g_autofree char *port = g_strdup_printf("virtserialport,bus=ports.0,chardev=%s,"
                                                "name=vcpuhp.%s", port_names[i], port_names[i]);

        g_strv_builder_add_many(args, "-chardev", chardev, "-device", port, NULL);
    }
    return g_strv_builder_end(args);
}

static gboolean
connect_ports(VhNested *nested, GError **error)
{
    g_autofree char *console_sock = socket_path(nested, "l1-console");

    nested->console_fd = vh_unix_connect(console_sock, error);
    if (nested->console_fd < 0)
        return FALSE;
    for (int i = 0; i < N_PORTS; i++) {
        g_autofree char *sock = socket_path(nested, port_names[i]);

        nested->port_fd[i] = vh_unix_connect(sock, error);
        if (nested->port_fd[i] < 0)
            return FALSE;
    }
    return TRUE;
}

/* Finds each port's device in L1 by the name L1's QEMU gave it. */
static gboolean
find_port_devices(VhNested *nested, GError **error)
{
    for (int i = 0; i < N_PORTS; i++) {
        g_autofree char *cmd = g_strdup_printf(
            "for p in /sys/class/virtio-ports/*; do if [ \"$(cat $p/name 2>/dev/null)\" = vcpuhp.%s ]; then"
            " echo /dev/${p##*/}; fi; done", port_names[i]);

        nested->port_dev[i] = l1_run(nested, cmd, error);
        if (!nested->port_dev[i])
            return FALSE;
        if (!g_str_has_prefix(nested->port_dev[i], "/dev/vport")) {
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "no virtio port vcpuhp.%s in L1: \"%s\"", port_names[i],
                        nested->port_dev[i]);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
check_kvm(VhNested *nested, GError **error)
{
    g_autofree char *kvm = l1_run(nested, "ls /dev/kvm && dmesg | grep -o 'VHE mode initialized"
                                  " successfully'", error);

    if (!kvm)
        return FALSE;
    if (g_strcmp0(kvm, "/dev/kvm\nVHE mode initialized successfully") != 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "L1 does not run KVM in VHE mode: \"%s\"",
                    kvm);
        return FALSE;
    }
    return TRUE;
}

VhNested *
vh_nested_boot(const VhNestedConfig *config, GError **error)
{
    g_autoptr(VhNested) nested = g_new0(VhNested, 1);
    g_auto(GStrv) args = NULL;
    g_autoptr(JsonNode) cont = NULL;

    nested->console_fd = -1;
    for (int i = 0; i < N_PORTS; i++)
        nested->port_fd[i] = -1;
    nested->dir = g_dir_make_tmp("vcpuhp-nested-XXXXXX", error);
    if (!nested->dir)
        return NULL;
    args = l1_args(nested, config);
    nested->l1 = g_new0(VhLabVm, 1);
    nested->l1->qemu = vh_qemu_launch(config->qemu_binary, (const char *const *)args,
                                      VH_NESTED_L1_BOOT_TIMEOUT_MS, error);
    if (!nested->l1->qemu || !connect_ports(nested, error))
        return NULL;
    cont = vh_qmp_execute_json(vh_qemu_qmp(nested->l1->qemu), "cont", NULL, 10000, error);
    if (!cont)
        return NULL;
    nested->l1->guest = vh_guest_new(nested->console_fd);
    if (!vh_guest_wait_ready(nested->l1->guest, VH_NESTED_L1_BOOT_TIMEOUT_MS, error)) {
        g_prefix_error(error, "L1 did not boot (console: %s): ",
                       vh_guest_console_tail(nested->l1->guest));
        return NULL;
    }
    nested->l1->boot_seconds = (g_get_monotonic_time() -
                                vh_qemu_spawn_time(nested->l1->qemu)) / 1e6;
    if (!find_port_devices(nested, error) || !check_kvm(nested, error))
        return NULL;
    return g_steal_pointer(&nested);
}

void
vh_nested_free(VhNested *nested)
{
    if (!nested)
        return;
    vh_lab_vm_free(nested->l1);
    if (nested->console_fd >= 0)
        close(nested->console_fd);
    for (int i = 0; i < N_PORTS; i++) {
        if (nested->port_fd[i] >= 0)
            close(nested->port_fd[i]);
        g_free(nested->port_dev[i]);
    }
    if (nested->dir) {
        g_autofree char *console_sock = socket_path(nested, "l1-console");

        /* L1's QEMU was the server: it may have left its sockets behind. */
        g_unlink(console_sock);
        for (int i = 0; i < N_PORTS; i++) {
            g_autofree char *sock = socket_path(nested, port_names[i]);

            g_unlink(sock);
        }
        g_rmdir(nested->dir);
        g_free(nested->dir);
    }
    g_free(nested);
}

char *
vh_nested_l2_log(VhNested *nested, VhNestedL2 *l2, GError **error)
{
    g_autofree char *cmd = g_strdup_printf("cat /tmp/%s.log", l2->name);

    return l1_run(nested, cmd, error);
}

VhNestedL2 *
vh_nested_l2_start(VhNested *nested, VhNestedPair pair, const char *binary, const char *args,
                   GError **error)
{
    const char *name = pair_names[pair];
    g_autofree char *cmd = g_strdup_printf(
        "%s %s -cpu host -m 256 -nodefaults -display none"
        " -chardev serial,id=qmp,path=%s -mon chardev=qmp,mode=control"
        " -chardev serial,id=con,path=%s -serial chardev:con %s -pidfile /tmp/%s.pid"
        " </dev/null >/tmp/%s.log 2>&1 &", binary,
        strstr(args, "-accel ") ? "" : "-accel kvm", nested->port_dev[2 * pair],
        nested->port_dev[2 * pair + 1], args, name, name);
    g_autofree char *started = l1_run(nested, cmd, error);
    VhNestedL2 *l2;

    if (!started)
        return NULL;
    l2 = g_new0(VhNestedL2, 1);
    l2->name = name;
    l2->serial_fd = nested->port_fd[2 * pair + 1];
    l2->qmp = vh_qmp_new(nested->port_fd[2 * pair]);
    if (!vh_qmp_handshake(l2->qmp, VH_NESTED_QMP_TIMEOUT_MS, error)) {
        g_autofree char *log = vh_nested_l2_log(nested, l2, NULL);

        g_prefix_error(error, "L2 QEMU %s did not answer on its monitor (its log in L1: %s): ",
                       name, log ? log : "unreadable");
        vh_nested_l2_free(l2);
        return NULL;
    }
    return l2;
}

VhNestedL2 *
vh_nested_l2_boot(VhNested *nested, VhNestedPair pair, const char *binary, const char *machine,
                  const char *smp, const char *more_args, GError **error)
{
    gint64 start = g_get_monotonic_time();
    g_autofree char *args = g_strdup_printf(
        "-M %s -smp %s -bios /l2/QEMU_EFI.fd -kernel /l2/vmlinuz"
        " -initrd /l2/initrd.img -append 'console=ttyAMA0 loglevel=1 acpi=force"
        " vcpuhp.tty=ttyAMA0' %s", machine ? machine : "virt,gic-version=3", smp,
        more_args ? more_args : "");
    VhNestedL2 *l2 = vh_nested_l2_start(nested, pair, binary, args, error);

    if (!l2)
        return NULL;
    l2->guest = vh_guest_new(l2->serial_fd);
    if (more_args && strstr(more_args, "-incoming"))
        return l2;
    if (!vh_guest_wait_ready(l2->guest, VH_NESTED_L2_BOOT_TIMEOUT_MS, error)) {
        g_prefix_error(error, "L2 guest %s did not boot (console: %s): ", l2->name,
                       vh_guest_console_tail(l2->guest));
        vh_nested_l2_free(l2);
        return NULL;
    }
    l2->boot_seconds = (g_get_monotonic_time() - start) / 1e6;
    return l2;
}

/*
 * The pid is read first: QEMU removes its pidfile as it exits. An exited QEMU can
 * stay a zombie for a while: its parent is L1's init shell, which reaps only when
 * it next waits for a command of its own (and this loop runs inside such a command).
 */
gboolean
vh_nested_l2_stop(VhNested *nested, VhNestedL2 *l2, GError **error)
{
    g_autofree char *pid_cmd = g_strdup_printf("cat /tmp/%s.pid", l2->name);
    g_autofree char *pid = l1_run(nested, pid_cmd, error);
    g_autoptr(JsonNode) ret = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;

    if (pid)
        ret = vh_qmp_execute_json(l2->qmp, "quit", NULL, VH_NESTED_QMP_TIMEOUT_MS, error);
    if (ret) {
        cmd = g_strdup_printf(
            "i=0; while read -r _ _ st _ < /proc/%s/stat && [ \"$st\" != Z ]; do"
            " [ $i -lt 3000 ] || exit 1; usleep 10000; i=$((i + 1)); done 2>/dev/null", pid);
        out = l1_run(nested, cmd, error);
        if (!out)
            g_prefix_error(error, "L2 QEMU %s did not exit within 30 s: ", l2->name);
    }
    vh_nested_l2_free(l2);
    return out != NULL;
}

void
vh_nested_l2_free(VhNestedL2 *l2)
{
    if (!l2)
        return;
    vh_qmp_free(l2->qmp);
    vh_guest_free(l2->guest);
    vh_line_reader_free(l2->console);
    g_free(l2);
}
