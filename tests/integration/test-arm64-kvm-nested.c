/*
 * vCPU hotplug under KVM, on a nested ARM KVM host: this x86_64 machine has no ARM
 * hardware, so an arm64 L1 guest runs under TCG with EL2 (virt,virtualization=on)
 * and has /dev/kvm; inside it, the arm64 build of our QEMU (KVM only, cross-compiled
 * by tools/upstream/build-qemu-arm64.sh) boots the lab's L2 guest with -accel kvm.
 *
 * The host reaches each L2 QEMU's monitor and serial console through virtio-serial
 * ports of L1: L1's QEMU exposes each port as a unix socket here, and the L2 QEMU
 * opens the port's device (/dev/vportNpM) in L1 as a serial chardev. So the test
 * drives L2 exactly like the TCG tests drive their guests (QMP + guest-init.sh).
 *
 * One L1 boot serves every case; each case starts its own L2 QEMUs and stops them.
 */
#include "lab-test.h"
#include "psci-probe.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Everything is slower two levels down: L2's vCPUs are KVM vCPUs of a TCG guest. */
#define L1_BOOT_TIMEOUT_MS 180000
#define L2_BOOT_TIMEOUT_MS 240000
#define L2_QMP_TIMEOUT_MS 60000
#define L2_CMD_TIMEOUT_MS 60000

/* Cycles of one slot in plug-unplug-replug: each one reuses the parked KVM vCPU */
#define REPLUG_CYCLES 10
/* Cycles of test_eject_under_load(), about 1.2 s each; VCPUHP_NESTED_LOAD_CYCLES sets
 * them (the soak of tools/reliability/soak.sh) */
#define LOAD_CYCLES 30

/* The virtio-serial ports of L1: a monitor and a console for each of two L2 QEMUs. */
enum { PORT_A_QMP, PORT_A_SERIAL, PORT_B_QMP, PORT_B_SERIAL, N_PORTS };
static const char *const port_names[N_PORTS] = { "a-qmp", "a-serial", "b-qmp", "b-serial" };

typedef struct {
    VhLabVm *l1;
    char *dir;                  /* the ports' unix sockets */
    int console_fd;             /* L1's command channel (hvc0) */
    int port_fd[N_PORTS];       /* connected to L1's QEMU */
    char *port_dev[N_PORTS];    /* the port's device in L1 */
} Nested;

static Nested nested;

/* An L2 QEMU inside L1, on the ports of pair @first_port. */
typedef struct {
    const char *name;           /* "a" or "b": its pid and log files in L1's /tmp */
    VhQmp *qmp;
    VhGuest *guest;             /* NULL for the PSCI probe */
    VhLineReader *console;      /* the raw console, for the PSCI probe */
    int serial_fd;
} L2;

static char *
l1_run_ok(const char *command)
{
    g_autoptr(GError) err = NULL;
    char *out = vh_guest_run_ok(nested.l1->guest, command, L2_CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    return out;
}

static int
connect_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        g_error("cannot connect to L1's port socket %s: %s", path, g_strerror(errno));
    return fd;
}

static void
l1_boot(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GStrvBuilder) extra = g_strv_builder_new();
    g_auto(GStrv) args = NULL;
    g_autoptr(JsonNode) cont = NULL;
    g_autofree char *console_sock = NULL, *console_chardev = NULL;
    g_autofree char *kvm = NULL;
    g_autofree char *kernel = g_build_filename(lab_env("VCPUHP_LAB"), "arm64", "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(lab_env("VCPUHP_NESTED"), "l1-initrd.img", NULL);
    /* EL2 for L1, so that its kernel initialises KVM (VHE); device tree, no firmware:
     * L1 needs no ACPI, and UEFI would only add seconds under TCG. */
    g_strv_builder_add_many(extra, "-nodefaults", "-no-user-config", "-display", "none",
                            "-M", "virt,virtualization=on,gic-version=3", "-cpu", "max",
                            "-accel", "tcg,thread=multi", "-smp", "2", "-m", "3072",
                            "-kernel", kernel, "-initrd", initrd, "-append",
                            "console=ttyAMA0 loglevel=1 vcpuhp.tty=hvc0",
                            "-device", "virtio-serial-pci,id=ports", "-S", NULL);
    nested.dir = g_dir_make_tmp("vcpuhp-nested-XXXXXX", &err);
    g_assert_no_error(err);
    /*
     * L1's command channel is a virtio console (hvc0), not its PL011: under this
     * load the emulated UART once lost the start of a long command line, and
     * virtio ports are flow-controlled end to end.
     */
    console_sock = g_strdup_printf("%s/l1-console.sock", nested.dir);
    console_chardev = g_strdup_printf("socket,id=l1-console,path=%s,server=on,wait=off",
                                      console_sock);
    g_strv_builder_add_many(extra, "-chardev", console_chardev, "-device",
                            "virtconsole,bus=ports.0,chardev=l1-console", NULL);
    for (int i = 0; i < N_PORTS; i++) {
        g_autofree char *sock = g_strdup_printf("%s/%s.sock", nested.dir, port_names[i]);

        g_autofree char *chardev = g_strdup_printf("socket,id=%s,path=%s,server=on,wait=off",
                                                   port_names[i], sock);
        g_autofree char *port = g_strdup_printf("virtserialport,bus=ports.0,chardev=%s,"
                                                "name=vcpuhp.%s", port_names[i], port_names[i]);

        g_strv_builder_add_many(extra, "-chardev", chardev, "-device", port, NULL);
    }
    args = g_strv_builder_end(extra);
    nested.l1 = g_new0(VhLabVm, 1);
    nested.l1->qemu = vh_qemu_launch(lab_env("VCPUHP_QEMU"), (const char *const *)args,
                                     L1_BOOT_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    /* Every port is connected before L1 runs (-S), so nothing written to one is lost. */
    nested.console_fd = connect_unix(console_sock);
    for (int i = 0; i < N_PORTS; i++) {
        g_autofree char *sock = g_strdup_printf("%s/%s.sock", nested.dir, port_names[i]);

        nested.port_fd[i] = connect_unix(sock);
    }
    cont = vh_qmp_execute_json(vh_qemu_qmp(nested.l1->qemu), "cont", NULL, 10000, &err);
    g_assert_no_error(err);
    nested.l1->guest = vh_guest_new(nested.console_fd);
    if (!vh_guest_wait_ready(nested.l1->guest, L1_BOOT_TIMEOUT_MS, &err))
        g_error("L1 did not boot: %s; console: %s", err->message,
                vh_guest_console_tail(nested.l1->guest));
    nested.l1->boot_seconds = (g_get_monotonic_time() -
                               vh_qemu_spawn_time(nested.l1->qemu)) / 1e6;
    g_test_message("L1 (arm64 under TCG with EL2) booted in %.1f s", nested.l1->boot_seconds);

    for (int i = 0; i < N_PORTS; i++) {
        g_autofree char *cmd = g_strdup_printf(
            "for p in /sys/class/virtio-ports/*; do if [ \"$(cat $p/name 2>/dev/null)\" = vcpuhp.%s ]; then"
            " echo /dev/${p##*/}; fi; done", port_names[i]);

        nested.port_dev[i] = l1_run_ok(cmd);
        if (!g_str_has_prefix(nested.port_dev[i], "/dev/vport"))
            g_error("no virtio port vcpuhp.%s in L1: \"%s\"", port_names[i], nested.port_dev[i]);
    }
    kvm = l1_run_ok("ls /dev/kvm && dmesg | grep -o 'VHE mode initialized successfully'");
    g_assert_cmpstr(kvm, ==, "/dev/kvm\nVHE mode initialized successfully");
}

/*
 * Starts an L2 QEMU in L1 on the port pair @qmp_port/@qmp_port + 1 with -accel kvm
 * (unless @args has an -accel of its own), -cpu host and @args (machine options,
 * -smp, firmware, kernel...), and negotiates QMP with it.
 */
static L2 *
l2_start_binary(const char *binary, const char *name, int qmp_port, const char *args)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *cmd = g_strdup_printf(
        "%s %s -cpu host -m 256 -nodefaults -display none"
        " -chardev serial,id=qmp,path=%s -mon chardev=qmp,mode=control"
        " -chardev serial,id=con,path=%s -serial chardev:con %s -pidfile /tmp/%s.pid"
        " </dev/null >/tmp/%s.log 2>&1 &", binary,
        strstr(args, "-accel ") ? "" : "-accel kvm", nested.port_dev[qmp_port],
        nested.port_dev[qmp_port + 1], args, name, name);
    g_autofree char *started = l1_run_ok(cmd);
    L2 *l2 = g_new0(L2, 1);

    l2->name = name;
    l2->serial_fd = nested.port_fd[qmp_port + 1];
    l2->qmp = vh_qmp_new(nested.port_fd[qmp_port]);
    if (!vh_qmp_handshake(l2->qmp, L2_QMP_TIMEOUT_MS, &err)) {
        g_autofree char *log_cmd = g_strdup_printf("cat /tmp/%s.log", name);
        g_autofree char *log = l1_run_ok(log_cmd);

        g_error("L2 QEMU %s did not answer on its monitor (%s); its log in L1: %s", name,
                err->message, log);
    }
    return l2;
}

/* Our QEMU (the arm64 build of the series) in L1 */
#define OURS "/usr/bin/qemu-system-aarch64"
/* Debian's unpatched arm64 build of the same version (tools/setup/stock-qemu.sh) */
#define STOCK "/stock/qemu-system-aarch64"

static L2 *
l2_start(const char *name, int qmp_port, const char *args)
{
    return l2_start_binary(OURS, name, qmp_port, args);
}

/*
 * Boots the lab's L2 guest (UEFI + ACPI) to its command channel, with -M @machine
 * (virt,gic-version=3 when NULL).
 */
static L2 *
l2_boot_binary(const char *binary, const char *name, int qmp_port, const char *machine,
               const char *smp, const char *more_args)
{
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    g_autofree char *args = g_strdup_printf(
        "-M %s -smp %s -bios /l2/QEMU_EFI.fd -kernel /l2/vmlinuz"
        " -initrd /l2/initrd.img -append 'console=ttyAMA0 loglevel=1 acpi=force"
        " vcpuhp.tty=ttyAMA0' %s", machine ? machine : "virt,gic-version=3", smp,
        more_args ? more_args : "");
    L2 *l2 = l2_start_binary(binary, name, qmp_port, args);

    l2->guest = vh_guest_new(l2->serial_fd);
    if (!more_args || !strstr(more_args, "-incoming")) {
        if (!vh_guest_wait_ready(l2->guest, L2_BOOT_TIMEOUT_MS, &err))
            g_error("L2 guest %s did not boot: %s; console: %s", name, err->message,
                    vh_guest_console_tail(l2->guest));
        g_test_message("L2 guest %s (%s -accel kvm -smp %s) booted in %.1f s", name,
                       binary, smp, (g_get_monotonic_time() - start) / 1e6);
    }
    return l2;
}

static L2 *
l2_boot(const char *name, int qmp_port, const char *smp, const char *more_args)
{
    return l2_boot_binary(OURS, name, qmp_port, NULL, smp, more_args);
}

static void
l2_free(L2 *l2)
{
    vh_qmp_free(l2->qmp);
    vh_guest_free(l2->guest);
    vh_line_reader_free(l2->console);
    g_free(l2);
}

/*
 * Quits the L2 QEMU and waits until its process has exited. Its pid is read first:
 * QEMU removes its pidfile as it exits. An exited QEMU can stay a zombie for a
 * while: its parent is L1's init shell, which reaps only when it next waits for a
 * command of its own (and this loop runs inside such a command).
 */
static void
l2_stop(L2 *l2)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pid_cmd = g_strdup_printf("cat /tmp/%s.pid", l2->name);
    g_autofree char *pid = l1_run_ok(pid_cmd);
    g_autoptr(JsonNode) ret = vh_qmp_execute_json(l2->qmp, "quit", NULL, L2_QMP_TIMEOUT_MS, &err);
    g_autofree char *cmd = g_strdup_printf(
        "i=0; while read -r _ _ st _ < /proc/%s/stat && [ \"$st\" != Z ]; do"
        " [ $i -lt 3000 ] || exit 1; usleep 10000; i=$((i + 1)); done 2>/dev/null", pid);
    g_autofree char *out = NULL;

    g_assert_no_error(err);
    out = l1_run_ok(cmd);
    l2_free(l2);
}

static JsonNode *
l2_qmp_ok(L2 *l2, const char *command, const char *args_json)
{
    g_autoptr(GError) err = NULL;
    JsonNode *ret = vh_qmp_execute_json(l2->qmp, command, args_json, L2_QMP_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    return ret;
}

static char *
l2_run_ok(L2 *l2, const char *command)
{
    g_autoptr(GError) err = NULL;
    char *out = vh_guest_run_ok(l2->guest, command, L2_CMD_TIMEOUT_MS, &err);

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
    VhCpuCycle cycle = lab_pinned_cycle(l2->guest, "core-id", core, id, L2_CMD_TIMEOUT_MS,
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
    VhCpuCycle cycle = lab_pinned_cycle(l2->guest, "core-id", core, id, L2_CMD_TIMEOUT_MS,
                                        guest_and_cpu);

    if (!vh_guest_cpus_set_online(guest_cpus, core, FALSE, L2_CMD_TIMEOUT_MS, &err) ||
        !vh_cpu_take_down(l2->qmp, guest_cpus, &cycle, NULL, &err))
        g_error("%s", err->message);
}

static void
test_l2_boots_with_kvm(void)
{
    L2 *l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=6", NULL);
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
    L2 *l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=2", NULL);
    guint64 rss_none = l2_own_rss_kib(l2), rss_64;
    g_autoptr(JsonNode) slots = NULL;
    g_autofree char *fds = NULL;

    l2_stop(l2);
    l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=64", NULL);
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
    L2 *l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=6", NULL);
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
                                                                         L2_QMP_TIMEOUT_MS));
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
    L2 *l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=4", NULL);
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
    L2 *l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=6", NULL);
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
    if (!vh_guest_wait_ready(l2->guest, L2_BOOT_TIMEOUT_MS, &err))
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
    L2 *l2 = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=6", NULL);
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
                                                      L2_QMP_TIMEOUT_MS, &err);

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
        ret = vh_qmp_execute_json(l2->qmp, "device_del", args, L2_QMP_TIMEOUT_MS, &err);
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
                                (gpointer)"vcpu2", L2_QMP_TIMEOUT_MS, &eject_err);
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
    l2 = l2_start("a", PORT_A_QMP, "-M virt,gic-version=3 -smp cpus=2,maxcpus=4"
                  " -bios /tmp/psci-probe.bin");
    l2->console = vh_line_reader_new(l2->serial_fd);
    /* skipping what an earlier L2 on this port left unread */
    psci_probe_wait_ready(l2->console, L2_BOOT_TIMEOUT_MS);
    /* KVM answers PSCI_VERSION itself: the same version as QEMU's under TCG */
    g_assert_cmpint(psci_probe_version(l2->console, l2->serial_fd, L2_CMD_TIMEOUT_MS), ==,
                    PSCI_VERSION_1_1);
    for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
        if (i == 6) {
            g_assert_true(vh_cpu_plug(l2->qmp, "core-id", 2, "vcpu2", L2_QMP_TIMEOUT_MS, &err));
            g_assert_no_error(err);
        }
        g_assert_cmpint(steps[i].call == 'c' ?
                        psci_probe_cpu_on(l2->console, l2->serial_fd, steps[i].aff0,
                                          L2_CMD_TIMEOUT_MS) :
                        psci_probe_affinity_info(l2->console, l2->serial_fd, steps[i].aff0,
                                                 L2_CMD_TIMEOUT_MS), ==, steps[i].expected);
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
    stock = l2_boot_binary(STOCK, "a", PORT_A_QMP, RELEASED, "cpus=2,maxcpus=4", NULL);
    stock_acpi = l2_acpi_digests(stock);
    dst = l2_boot_binary(OURS, "b", PORT_B_QMP, RELEASED, "cpus=2,maxcpus=4",
                         "-incoming defer");
    l2_migrate(stock, dst);
    l2_stop(stock);
    l2_assert_mask(dst, "online", "0-1");
    l2_assert_work_on(dst, 1);
    l2_stop(dst);

    /* ours -> stock */
    ours = l2_boot_binary(OURS, "a", PORT_A_QMP, RELEASED, "cpus=2,maxcpus=4", NULL);
    ours_acpi = l2_acpi_digests(ours);
    g_assert_cmpstr(ours_acpi, ==, stock_acpi);
    g_test_message("ACPI tables under KVM with -M " RELEASED " -smp cpus=2,maxcpus=4:"
                   " identical");
    dst = l2_boot_binary(STOCK, "b", PORT_B_QMP, RELEASED, "cpus=2,maxcpus=4",
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
    L2 *can = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=4", NULL);
    L2 *cannot = l2_boot("b", PORT_B_QMP, "cpus=2,maxcpus=4", NO_FILTER);
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
    g_assert_false(vh_cpu_plug(cannot->qmp, "core-id", 2, "vcpu2", L2_QMP_TIMEOUT_MS, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "not available on this host: the host kernel"
                            " cannot forward PSCI calls"));
    g_clear_error(&err);
    l2_assert_work_on(cannot, 1);
    l2_stop(cannot);

    /* A VM with a hot-added vCPU, to such a host: libvirt's device_add of the
     * plugged vCPU is refused; a stream sent anyway is refused too. */
    l2_plug_and_online(can, 2);
    cannot = l2_boot("b", PORT_B_QMP, "cpus=2,maxcpus=4", NO_FILTER " -incoming defer");
    g_assert_false(vh_cpu_plug(cannot->qmp, "core-id", 2, "vcpu2", L2_QMP_TIMEOUT_MS, &err));
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
                                  " \"state\": true}]}", L2_QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    json_node_unref(migrate);
    vh_qmp_clear_events(can->qmp);
    migrate = vh_qmp_execute_json(can->qmp, "migrate",
                                  "{\"uri\": \"unix:/tmp/l2-migration.sock\"}",
                                  L2_QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    failed = vh_qmp_wait_event(can->qmp, "MIGRATION", lab_migration_finished, NULL,
                               300000, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(vh_json_object(failed, "data"), "status"), ==, "failed");
    /* The source goes on (it restarts its vCPUs after the failure), with its hot-added
     * vCPU working. */
    resumed = vh_qmp_wait_event(can->qmp, "RESUME", NULL, NULL, L2_QMP_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    status = l2_qmp_ok(can, "query-status", NULL);
    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
    l2_assert_mask(can, "online", "0-2");
    l2_assert_work_on(can, 2);
    l2_stop(can);
    /* The destination ends itself when its incoming migration fails. */
    g_free(l1_run_ok("p=$(cat /tmp/b.pid 2>/dev/null) && kill -9 $p 2>/dev/null; :"));
    l2_free(cannot);
}

/*
 * Live migration between two L2 QEMUs in L1, the way libvirt does it: the
 * destination starts with -incoming defer and gets the plugged vCPUs by device_add
 * before the stream arrives.
 */
static void
test_migration_keeps_plugged_set(void)
{
    L2 *src = l2_boot("a", PORT_A_QMP, "cpus=2,maxcpus=6", NULL);
    L2 *dst;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) fast = NULL;

    l2_plug_and_online(src, 3);
    dst = l2_boot("b", PORT_B_QMP, "cpus=2,maxcpus=6", "-incoming defer");
    g_assert_true(vh_cpu_plug(dst->qmp, "core-id", 3, "vcpu3", L2_QMP_TIMEOUT_MS, &err));
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
    vh_lab_vm_free(nested.l1);
    close(nested.console_fd);
    for (int i = 0; i < N_PORTS; i++) {
        close(nested.port_fd[i]);
        g_free(nested.port_dev[i]);
    }
    g_free(nested.dir);
    return ret;
}
