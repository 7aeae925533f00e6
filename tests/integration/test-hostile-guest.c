/*
 * A hostile guest (issue 11): root in the guest writes to the ACPI CPU hotplug
 * registers and the GED through /dev/mem (busybox devmem; Debian's kernel allows
 * it, the registers are claimed by no driver) while the host plugs and unplugs
 * vCPUs.
 *
 * /hostile-guest/refused-ejects: ejects that QEMU refuses (a boot vCPU, an online
 * vCPU), asked again and again, leave the vCPUs in place and do not fill the
 * host's log.
 *
 * /hostile-guest/scribbles-while-host-plugs: the guest runs a background loop of
 * random writes (register block, offset, width and value) to the GED's event
 * selector and the CPU hotplug registers, and of the CPU AML's sequences aimed at
 * random vCPUs (select, then clear an event, eject, firmware-remove), racing the
 * kernel's own AML, while the host does device_add / device_del of vCPUs in slots
 * 2-5. Such a guest may clear the remove event of a device_del (which then never
 * completes) or eject a vCPU it never powered on (which leaves without any
 * device_del): nothing waits on its cooperation in that phase. What must hold is
 * QEMU's side:
 * - QEMU keeps running and the boot vCPUs stay plugged (and online in the guest);
 * - the slot table stays consistent: query-hotpluggable-cpus and query-cpus-fast
 *   agree, a slot holds only a vCPU that device_add put there, every vCPU that
 *   left was announced by DEVICE_DELETED, and QEMU has one thread per plugged vCPU
 *   more than at boot;
 * - QEMU's stderr does not grow with the guest's writes;
 * - after system_reset the guest boots again, hotplug works cleanly (plug,
 *   online, pinned work, unplug), and once the vCPUs that were left plugged are
 *   unplugged, only the boot vCPUs are there, with QEMU's threads and fds as at boot.
 * The invariants are checked every few host operations with the VM stopped, so
 * that the guest cannot change the slots between two looks.
 *
 * The console is read at every host operation (a guest command paces them), so
 * that the serial socket never fills: a vCPU thread blocked writing to it would
 * hold the BQL, and with it the monitor. The guest's loop writes nothing to it.
 */
#include <stdio.h>

#include "lab-test.h"

#define SMP "cpus=2,maxcpus=6"
#define BOOT_VCPUS 2
#define MAX_VCPUS 6
/* Host operations (device_add or device_del), and how often the invariants are
 * checked; the guest writes at least WRITES_PER_OP times between two operations. */
#define HOST_OPS 60
#define CHECK_EVERY 15
#define WRITES_PER_OP 20
/*
 * What QEMU may write to stderr while the guest writes: a few lines, not a line per
 * write. Each burst of refused ejects has enough writes that a message for each
 * (about 80 bytes) would be more than twice as much.
 */
#define LOG_GROWTH_MAX (16 * 1024)
#define EJECT_BURST 500

/* The aarch64 virt machine's GED event selector (4 bytes, 32-bit accesses only)
 * and ACPI CPU hotplug registers (12 bytes: +0 selector, +4 flags, +5 command,
 * +8 command data). */
#define GED_EVT "0x09080000"
#define CPUHP "0x090c0000"

/*
 * The guest's hostile loop, until /tmp/hostile.stop appears; then it writes
 * /tmp/hostile.done. Each round: a random write, to the GED (whose 8- and 16-bit
 * accesses QEMU answers with a decode error: the guest's devmem gets SIGBUS, which
 * counts as a fault) or to the CPU hotplug registers, width 8, 16 or 32 bits at an
 * offset aligned to it (an unaligned access to device memory faults in the vCPU,
 * never reaching QEMU), the value either random or one the registers act on
 * (a selector or command 0-7, a flag bit, 0-31); and one round in four, the CPU
 * AML's sequence on a random vCPU: select it, then clear its insert or remove
 * event, eject it or mark it firmware-removed. Counters "writes GED-writes
 * sequences faults" in /tmp/hostile.count, nothing on the console.
 */
#define HOSTILE_LOOP \
    "n=0; g=0; t=0; f=0; " \
    "while [ ! -e /tmp/hostile.stop ]; do " \
    "case $((RANDOM % 4)) in " \
    "0) v=$((RANDOM << 17 ^ RANDOM << 2 ^ RANDOM));; " \
    "1) v=$((RANDOM % 8));; " \
    "2) v=$((1 << RANDOM % 5));; " \
    "*) v=$((RANDOM % 32));; esac; " \
    "w=$((8 << RANDOM % 3)); " \
    "if [ $((RANDOM % 2)) = 0 ]; then b=$((" GED_EVT ")); s=4; g=$((g + 1)); " \
    "else b=$((" CPUHP ")); s=12; fi; " \
    "devmem $((b + RANDOM % (s * 8 / w) * w / 8)) $w $((v & ((1 << w) - 1))) " \
    "|| f=$((f + 1)); " \
    "n=$((n + 1)); " \
    "if [ $((RANDOM % 4)) = 0 ]; then " \
    "devmem " CPUHP " 32 $((RANDOM % 6)); devmem $((" CPUHP " + 4)) 8 $((2 << RANDOM % 4)); " \
    "n=$((n + 2)); t=$((t + 1)); fi; " \
    "echo \"$n $g $t $f\" > /tmp/hostile.count; " \
    "done; echo done > /tmp/hostile.done"

typedef struct {
    VhLabVm *vm;
    /* The host's view of each slot: plugged by device_add, left on DEVICE_DELETED */
    gboolean plugged[MAX_VCPUS];
    gboolean unplug_asked[MAX_VCPUS];  /* a device_del of that vCPU was accepted */
    char *boot_paths[BOOT_VCPUS];
    guint threads_at_boot, fds_at_boot;
    gsize log_at_boot;
    /* Figures */
    guint adds, dels_accepted, dels_pending, dels_gone;
    guint deleted_asked, deleted_unasked, ost_events, guest_errors;
} Hostile;

static gsize
qemu_log_size(VhLabVm *vm)
{
    g_autofree char *log = vh_qemu_read_log(vm->qemu);

    return strlen(log);
}

static void
assert_running(VhLabVm *vm)
{
    g_autoptr(JsonNode) status = lab_qmp_ok(vm, "query-status", NULL);

    g_assert_cmpstr(vh_json_string(json_node_get_object(status), "status"), ==, "running");
}

/* The vCPU of a DEVICE_DELETED event left its slot: only a hot-plugged one may. */
static void
note_deleted(Hostile *h, JsonObject *event)
{
    JsonObject *data = vh_json_object(event, "data");
    const char *id = vh_json_string(data, "device");
    const char *path = vh_json_string(data, "path");
    guint64 slot = 0;

    for (guint i = 0; i < BOOT_VCPUS; i++)
        if (!g_strcmp0(path, h->boot_paths[i]))
            g_error("boot vCPU %u (%s) was deleted", i, path);
    if (!id || !g_str_has_prefix(id, "vcpu") ||
        !g_ascii_string_to_unsigned(id + 4, 10, BOOT_VCPUS, MAX_VCPUS - 1, &slot, NULL))
        g_error("DEVICE_DELETED of a device this test did not plug: %s (%s)", id, path);
    if (!h->plugged[slot])
        g_error("DEVICE_DELETED of %s, which was not plugged", id);
    h->plugged[slot] = FALSE;
    if (h->unplug_asked[slot])
        h->deleted_asked++;
    else
        h->deleted_unasked++;
    h->unplug_asked[slot] = FALSE;
}

/*
 * Takes in the queued events: DEVICE_DELETED updates the host's view; the guest's
 * _OST writes (ACPI_DEVICE_OST, DEVICE_UNPLUG_GUEST_ERROR) are only counted, and
 * dropped so that the queue does not grow with the guest's writes. No QMP traffic
 * happens in between, so no event is lost.
 */
static void
absorb_events(Hostile *h)
{
    VhQmp *qmp = vh_lab_vm_qmp(h->vm);
    guint deleted = vh_qmp_count_events(qmp, "DEVICE_DELETED");

    for (guint i = 0; i < deleted; i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonObject) event = vh_qmp_wait_event(qmp, "DEVICE_DELETED", NULL, NULL, 0,
                                                        &err);

        g_assert_no_error(err);
        note_deleted(h, event);
    }
    h->ost_events += vh_qmp_count_events(qmp, "ACPI_DEVICE_OST");
    h->guest_errors += vh_qmp_count_events(qmp, "DEVICE_UNPLUG_GUEST_ERROR");
    vh_qmp_clear_events(qmp);
}

/*
 * QEMU says slot @slot is empty while the host's view has its vCPU: the guest
 * ejected it. Its DEVICE_DELETED comes once the vCPU object is freed, after an RCU
 * grace period (acpi_cpu_eject_work()), so it may still be on its way.
 */
static void
wait_deleted(Hostile *h, guint slot)
{
    g_autofree char *id = g_strdup_printf("vcpu%u", slot);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) event = vh_qmp_wait_event(vh_lab_vm_qmp(h->vm), "DEVICE_DELETED",
                                                    vh_qmp_match_device, id, 30000, &err);

    if (!event)
        g_error("slot %u is empty but no DEVICE_DELETED named %s: %s", slot, id, err->message);
    note_deleted(h, event);
}

/* Which slots (core-id) QEMU has plugged, and their vCPUs' QOM paths. */
static void
query_slots(VhLabVm *vm, gboolean plugged[MAX_VCPUS], char *paths[MAX_VCPUS])
{
    g_autoptr(JsonNode) slots = lab_qmp_ok(vm, "query-hotpluggable-cpus", NULL);
    JsonArray *arr = json_node_get_array(slots);

    g_assert_cmpuint(json_array_get_length(arr), ==, MAX_VCPUS);
    memset(plugged, 0, MAX_VCPUS * sizeof(plugged[0]));
    for (guint i = 0; i < MAX_VCPUS; i++) {
        JsonObject *slot = vh_json_array_object(arr, i);
        gint64 core = vh_json_int(vh_json_object(slot, "props"), "core-id", -1);
        const char *path = vh_json_string(slot, "qom-path");

        g_assert_cmpint(core, >=, 0);
        g_assert_cmpint(core, <, MAX_VCPUS);
        plugged[core] = path != NULL;
        if (paths)
            paths[core] = g_strdup(path);
    }
}

/* Brings the host's view of @slot up to date with QEMU's @qemu_plugged. */
static void
reconcile_slot(Hostile *h, guint slot, gboolean qemu_plugged)
{
    if (h->plugged[slot] && !qemu_plugged)
        wait_deleted(h, slot);
    if (!h->plugged[slot] && qemu_plugged)
        g_error("slot %u holds a vCPU that no device_add of this test plugged", slot);
}

/*
 * With the VM stopped (the guest cannot change anything between the looks): QEMU
 * runs, the boot vCPUs are plugged, the host's view (device_add, DEVICE_DELETED)
 * is QEMU's, query-cpus-fast lists exactly the vCPUs of the plugged slots, QEMU
 * has a thread per plugged vCPU more than at boot; then, running again, the guest
 * still has its boot vCPUs online.
 */
static void
check_invariants(Hostile *h, const char *when)
{
    gboolean plugged[MAX_VCPUS];
    char *paths[MAX_VCPUS] = { 0 };
    g_autoptr(JsonNode) cpus = NULL;
    g_autofree char *online = NULL;
    JsonArray *arr;
    guint n_plugged = 0;

    assert_running(h->vm);
    json_node_unref(lab_qmp_ok(h->vm, "stop", NULL));
    absorb_events(h);
    query_slots(h->vm, plugged, paths);
    for (guint i = 0; i < BOOT_VCPUS; i++) {
        g_assert_true(plugged[i]);
        g_assert_cmpstr(paths[i], ==, h->boot_paths[i]);
    }
    for (guint i = BOOT_VCPUS; i < MAX_VCPUS; i++) {
        g_autofree char *own = g_strdup_printf("/machine/peripheral/vcpu%u", i);

        reconcile_slot(h, i, plugged[i]);
        g_assert_cmpint(h->plugged[i], ==, plugged[i]);
        if (plugged[i])
            g_assert_cmpstr(paths[i], ==, own);
    }
    cpus = lab_qmp_ok(h->vm, "query-cpus-fast", NULL);
    arr = json_node_get_array(cpus);
    for (guint i = 0; i < MAX_VCPUS; i++)
        n_plugged += plugged[i];
    g_assert_cmpuint(json_array_get_length(arr), ==, n_plugged);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *cpu = vh_json_array_object(arr, i);
        gint64 core = vh_json_int(vh_json_object(cpu, "props"), "core-id", -1);

        g_assert_cmpint(core, >=, 0);
        g_assert_cmpint(core, <, MAX_VCPUS);
        g_assert_true(plugged[core]);
        g_assert_cmpstr(vh_json_string(cpu, "qom-path"), ==, paths[core]);
    }
    g_assert_cmpuint(lab_qemu_proc_entries(h->vm, "task"), ==,
                     h->threads_at_boot + n_plugged - BOOT_VCPUS);
    json_node_unref(lab_qmp_ok(h->vm, "cont", NULL));
    online = lab_run_ok(h->vm, "cat /sys/devices/system/cpu/online");
    g_assert_cmpstr(online, ==, "0-1");
    g_test_message("%s: %u vCPUs plugged, consistent", when, n_plugged);
    for (guint i = 0; i < MAX_VCPUS; i++)
        g_free(paths[i]);
}

/*
 * One host operation on a random slot: device_add if it is empty, else
 * device_del. device_add of an empty slot must succeed. device_del may be
 * refused as pending (an earlier request the guest has not answered, its remove
 * event perhaps cleared by the guest) or find no device (the guest ejected it
 * since QEMU was asked): the guest's doing, not QEMU's.
 */
static void
host_operation(Hostile *h)
{
    guint slot = (guint)g_test_rand_int_range(BOOT_VCPUS, MAX_VCPUS);
    g_autofree char *id = g_strdup_printf("vcpu%u", slot);
    gboolean plugged[MAX_VCPUS];
    g_autoptr(GError) err = NULL;

    absorb_events(h);
    query_slots(h->vm, plugged, NULL);
    reconcile_slot(h, slot, plugged[slot]);
    if (!plugged[slot]) {
        if (!vh_cpu_plug(vh_lab_vm_qmp(h->vm), "core-id", slot, id, 10000, &err))
            g_error("device_add of empty slot %u: %s", slot, err->message);
        h->plugged[slot] = TRUE;
        h->adds++;
    } else if (vh_cpu_request_unplug(vh_lab_vm_qmp(h->vm), id, 10000, &err)) {
        h->unplug_asked[slot] = TRUE;
        h->dels_accepted++;
    } else if (strstr(err->message, "already in the process of unplug")) {
        h->dels_pending++;
    } else if (strstr(err->message, "not found")) {
        h->dels_gone++;
    } else {
        g_error("device_del of %s: %s", id, err->message);
    }
}

/* The guest loop's counters: writes, of them to the GED, sequences, faults. */
typedef struct {
    guint64 writes, ged, sequences, faults;
} GuestCounts;

static void
parse_counts(const char *text, GuestCounts *c)
{
    if (sscanf(text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
               " %" G_GUINT64_FORMAT, &c->writes, &c->ged, &c->sequences, &c->faults) != 4)
        g_error("bad counters from the guest's loop: \"%s\"", text);
}

/*
 * Waits in the guest (bounded: 30 s) until its loop has done @writes writes in
 * all; returns how many it has done. This paces the host's operations by the
 * guest's, and reads the console on the way.
 */
static guint64
guest_wait_writes(Hostile *h, guint64 writes)
{
    g_autofree char *cmd = g_strdup_printf(
        "i=0; while :; do read -r n r < /tmp/hostile.count; [ \"${n:-0}\" -ge %" G_GUINT64_FORMAT
        " ] && break; [ $i -ge 3000 ] && exit 1; usleep 10000; i=$((i + 1)); done; echo $n",
        writes);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = vh_guest_run_ok(h->vm->guest, cmd, LAB_CMD_TIMEOUT_MS + 30000, &err);

    if (!out)
        g_error("the guest's loop did not reach %" G_GUINT64_FORMAT " writes: %s", writes,
                err->message);
    return g_ascii_strtoull(out, NULL, 10);
}

/* Stops the guest's loop and waits (in the guest, bounded) until it has ended. */
static void
guest_stop_loop(Hostile *h, GuestCounts *counts)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = vh_guest_run_ok(
        h->vm->guest, "touch /tmp/hostile.stop; i=0; until [ -e /tmp/hostile.done ]; do"
        " [ $i -ge 3000 ] && exit 1; usleep 10000; i=$((i + 1)); done; cat /tmp/hostile.count",
        LAB_CMD_TIMEOUT_MS + 30000, &err);

    g_assert_no_error(err);
    parse_counts(out, counts);
}

/*
 * Unplugs a vCPU that was left plugged across the reset, as a user would. QEMU may
 * still hold a device_del of it from before the reset ("already in the process of
 * unplug", for 5 s of guest time after it, see virt_cpu_unplug_request()): the
 * rebooted guest may complete that one (at its next CPU hotplug event), else a new
 * device_del is accepted once it expired. Wait for its DEVICE_DELETED in slices,
 * asking again after each, within a deadline.
 */
static void
take_down_leftover(Hostile *h, guint slot)
{
    g_autofree char *id = g_strdup_printf("vcpu%u", slot);
    g_autoptr(VhGuestCpus) guest_cpus = vh_lab_guest_cpus_new(h->vm->guest, "enabled");
    VhCpuCycle cycle = {
        .slot_prop = "core-id", .slot_value = slot, .guest_cpu = slot, .dev_id = id,
        .step_timeout_ms = 30000,
    };
    gint64 deadline = vh_deadline_after_ms(60000);

    for (;;) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonObject) deleted = NULL;

        if (vh_cpu_take_down(vh_lab_vm_qmp(h->vm), guest_cpus, &cycle, NULL, &err))
            break;
        if (strstr(err->message, "not found")) {
            /* The rebooted guest completed a request from before the reset (its
             * remove event survived the reset) since QEMU was asked. */
            gboolean plugged[MAX_VCPUS];

            query_slots(h->vm, plugged, NULL);
            if (plugged[slot])
                g_error("unplugging %s after the reset: %s, yet its slot is plugged", id,
                        err->message);
            g_free(lab_wait_cpu_in_mask(h->vm, "enabled", slot, FALSE, 30));
            break;
        }
        if (!strstr(err->message, "already in the process of unplug") ||
            g_get_monotonic_time() > deadline)
            g_error("unplugging %s after the reset: %s", id, err->message);
        g_clear_error(&err);
        deleted = vh_qmp_wait_event(vh_lab_vm_qmp(h->vm), "DEVICE_DELETED", vh_qmp_match_device,
                                    id, 1000, &err);
        if (deleted) {
            g_free(lab_wait_cpu_in_mask(h->vm, "enabled", slot, FALSE, 30));
            break;
        }
    }
    h->plugged[slot] = FALSE;
}

/*
 * The flags register of each vCPU's slot, as the guest reads it ("cpu0=0x01 ...").
 * Only for the test's messages: it moves the selector, which the CPU AML always
 * sets before it looks, and nothing else runs the AML meanwhile.
 */
static char *
guest_cpuhp_flags(VhLabVm *vm)
{
    g_autoptr(GString) cmd = g_string_new("for c in");
    g_autofree char *out = NULL;

    for (guint i = 0; i < MAX_VCPUS; i++)
        g_string_append_printf(cmd, " %u", i);
    g_string_append(cmd, "; do devmem " CPUHP " 32 $c; echo cpu$c=$(devmem $((" CPUHP " + 4)) 8);"
                         " done");
    out = lab_run_ok(vm, cmd->str);

    return g_strdelimit(g_steal_pointer(&out), "\n", ' ');
}

/*
 * What QEMU wrote to stderr after boot, as "N x <line>" for each distinct line, at
 * most @max of them (transfer full); *@lines gets the number of lines.
 */
static char *
summarise_log(const char *log, guint max, guint *lines)
{
    g_auto(GStrv) split = g_strsplit(log, "\n", -1);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    g_autoptr(GString) out = g_string_new(NULL);

    *lines = 0;
    for (guint i = 0; split[i]; i++) {
        guint n;

        if (!split[i][0])
            continue;
        (*lines)++;
        n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, split[i]));
        if (!n)
            g_ptr_array_add(order, split[i]);
        g_hash_table_insert(counts, split[i], GUINT_TO_POINTER(n + 1));
    }
    for (guint i = 0; i < order->len && i < max; i++)
        g_string_append_printf(out, "%s%u x \"%s\"", i ? "; " : "",
                               GPOINTER_TO_UINT(g_hash_table_lookup(counts, order->pdata[i])),
                               (char *)order->pdata[i]);
    if (order->len > max)
        g_string_append_printf(out, "; and %u other lines", order->len - max);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
test_hostile_guest(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, SMP);
    g_autoptr(VhLabVm) vm = lab_boot(&config);
    Hostile h = { .vm = vm, .plugged = { TRUE, TRUE } };
    gboolean plugged[MAX_VCPUS];
    char *paths[MAX_VCPUS] = { 0 };
    GuestCounts counts = { 0 };
    g_autofree char *started = NULL, *log = NULL, *reset_flags = NULL;
    g_autofree char *log_summary = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(VhCpuMasks) masks = { 0 };
    g_auto(VhCpuMasks) end_masks = { 0 };
    guint64 done = 0;
    gsize log_growth;
    guint clean_slot = 0, log_lines = 0;
    gint64 start = g_get_monotonic_time(), phase;

    query_slots(vm, plugged, paths);
    for (guint i = 0; i < MAX_VCPUS; i++) {
        g_assert_cmpint(plugged[i], ==, i < BOOT_VCPUS);
        if (i < BOOT_VCPUS)
            h.boot_paths[i] = g_steal_pointer(&paths[i]);
    }
    h.threads_at_boot = lab_qemu_proc_entries(vm, "task");
    h.fds_at_boot = lab_qemu_proc_entries(vm, "fd");
    h.log_at_boot = qemu_log_size(vm);

    /* The hostile phase: the guest's loop against the host's operations. */
    started = lab_run_ok(vm, "rm -f /tmp/hostile.stop /tmp/hostile.done;"
                             " echo '0 0 0 0' > /tmp/hostile.count;"
                             " sh -c '" HOSTILE_LOOP "' </dev/null >/dev/null 2>&1 &"
                             " echo started");
    g_assert_cmpstr(started, ==, "started");
    phase = g_get_monotonic_time();
    for (guint op = 1; op <= HOST_OPS; op++) {
        host_operation(&h);
        done = guest_wait_writes(&h, done + WRITES_PER_OP);
        if (op % CHECK_EVERY == 0) {
            g_autofree char *when = g_strdup_printf("after %u host operations and %"
                                                    G_GUINT64_FORMAT " guest writes", op, done);

            check_invariants(&h, when);
        }
    }
    guest_stop_loop(&h, &counts);
    g_test_message("hostile phase: %.0f s; the guest wrote %" G_GUINT64_FORMAT " times (%"
                   G_GUINT64_FORMAT " to the GED, %" G_GUINT64_FORMAT " AML-like sequences, %"
                   G_GUINT64_FORMAT " writes faulted)", (g_get_monotonic_time() - phase) / 1e6,
                   counts.writes, counts.ged, counts.sequences, counts.faults);
    g_test_message("host: %u device_add, %u device_del accepted, %u refused as pending, %u"
                   " found no device (the guest had ejected it)", h.adds, h.dels_accepted,
                   h.dels_pending, h.dels_gone);
    g_assert_cmpuint(counts.writes, >=, HOST_OPS * WRITES_PER_OP);
    g_assert_cmpuint(counts.ged, >, 0);
    g_assert_cmpuint(counts.sequences, >, 0);
    /* The GED's 8- and 16-bit writes fault, and only they: the guest got its SIGBUS */
    g_assert_cmpuint(counts.faults, >, 0);
    g_assert_cmpuint(counts.faults, <=, counts.ged);
    g_assert_cmpuint(h.adds, >, 0);
    g_assert_cmpuint(h.adds + h.dels_accepted + h.dels_pending + h.dels_gone, ==, HOST_OPS);

    check_invariants(&h, "after the hostile phase");
    log = vh_qemu_read_log(vm->qemu);
    log_growth = strlen(log) - h.log_at_boot;
    log_summary = summarise_log(log + h.log_at_boot, 5, &log_lines);
    g_test_message("QEMU's stderr grew by %" G_GSIZE_FORMAT " bytes, %u lines, over %"
                   G_GUINT64_FORMAT " guest writes: %s", log_growth, log_lines,
                   counts.writes, log_growth ? log_summary : "nothing");
    g_test_message("events: %u DEVICE_DELETED after an accepted device_del, %u without one"
                   " (the guest ejected a vCPU nobody asked to unplug), %u ACPI_DEVICE_OST, %u"
                   " DEVICE_UNPLUG_GUEST_ERROR", h.deleted_asked, h.deleted_unasked,
                   h.ost_events, h.guest_errors);

    /* system_reset, and hotplug works cleanly on the rebooted guest. */
    json_node_unref(lab_qmp_ok(vm, "system_reset", NULL));
    g_assert_true(vh_guest_wait_ready(vm->guest, LAB_BOOT_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    absorb_events(&h);
    /* What the rebooted guest's scan of CPU hotplug events starts from */
    reset_flags = guest_cpuhp_flags(vm);
    g_test_message("the CPU hotplug registers after system_reset, flags of each vCPU (1 enabled,"
                   " 2 insert event, 4 remove event, 0x10 firmware remove): %s", reset_flags);
    query_slots(vm, plugged, NULL);
    {
        g_autoptr(GArray) expect = g_array_new(FALSE, FALSE, sizeof(guint));
        g_autofree char *expect_list = NULL, *seen = NULL;

        for (guint i = 0; i < MAX_VCPUS; i++) {
            if (i >= BOOT_VCPUS)
                reconcile_slot(&h, i, plugged[i]);
            if (plugged[i])
                g_array_append_val(expect, i);
            else if (!clean_slot)
                clean_slot = i;
        }
        expect_list = vh_cpulist_format(expect);
        /* The rebooted guest takes every plugged vCPU, and only those */
        g_assert_true(vh_cpu_masks_read(vm->guest, &masks, LAB_CMD_TIMEOUT_MS, &err));
        g_assert_no_error(err);
        g_assert_cmpstr(masks.enabled, ==, expect_list);
        g_assert_cmpstr(masks.online, ==, expect_list);
        seen = vh_cpu_masks_format(&masks);
        g_test_message("after system_reset: %s (the vCPUs left plugged are back)", seen);
    }
    if (!clean_slot) {
        /* Every slot was left plugged: free one for the clean cycle. */
        take_down_leftover(&h, MAX_VCPUS - 1);
        clean_slot = MAX_VCPUS - 1;
    }
    lab_cpu_cycle(vm, "core-id", clean_slot, "enabled");
    g_test_message("after system_reset: plug, online, pinned work and unplug of vCPU %u done",
                   clean_slot);
    query_slots(vm, plugged, NULL);
    for (guint i = BOOT_VCPUS; i < MAX_VCPUS; i++)
        if (plugged[i])
            take_down_leftover(&h, i);
    query_slots(vm, plugged, NULL);
    for (guint i = 0; i < MAX_VCPUS; i++)
        g_assert_cmpint(plugged[i], ==, i < BOOT_VCPUS);
    g_assert_true(vh_cpu_masks_read(vm->guest, &end_masks, LAB_CMD_TIMEOUT_MS, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(end_masks.enabled, ==, "0-1");
    g_assert_cmpstr(end_masks.online, ==, "0-1");
    assert_running(vm);
    g_assert_cmpuint(lab_qemu_proc_entries(vm, "task"), ==, h.threads_at_boot);
    g_assert_cmpuint(lab_qemu_proc_entries(vm, "fd"), ==, h.fds_at_boot);
    g_test_message("the whole test: %.0f s", (g_get_monotonic_time() - start) / 1e6);

    /* Last, so that a failure here does not hide the checks above. */
    if (log_growth >= LOG_GROWTH_MAX)
        g_error("QEMU's stderr grew by %" G_GSIZE_FORMAT " bytes (%u lines) with the guest's"
                " writes, a guest can fill the host's log: %s", log_growth, log_lines,
                log_summary);
    for (guint i = 0; i < BOOT_VCPUS; i++)
        g_free(h.boot_paths[i]);
}

/*
 * From guest cpu @from, selects vCPU @target and writes its eject bit @count
 * times, as a guest would that insists on an eject QEMU refuses. No write faults:
 * each reaches QEMU.
 */
static void
guest_eject_burst(VhLabVm *vm, guint from, guint target, guint count)
{
    g_autofree char *cmd = g_strdup_printf(
        "taskset -c %u sh -c 'f=0; i=0; devmem " CPUHP " 32 %u; while [ $i -lt %u ]; do"
        " devmem $((" CPUHP " + 4)) 8 8 || f=$((f + 1)); i=$((i + 1)); done; echo $i $f'",
        from, target, count);
    gint64 start = g_get_monotonic_time();
    g_autoptr(GError) err = NULL;
    g_autofree char *out = vh_guest_run_ok(vm->guest, cmd, 300000, &err);
    guint64 writes = 0, faults = 0;

    g_assert_no_error(err);
    g_assert_cmpint(sscanf(out, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &writes, &faults),
                    ==, 2);
    g_assert_cmpuint(writes, ==, count);
    g_assert_cmpuint(faults, ==, 0);
    g_test_message("the guest ejected vCPU %u %u times from vCPU %u in %.0f s", target, count,
                   from, (g_get_monotonic_time() - start) / 1e6);
}

/*
 * Ejects that QEMU refuses, asked again and again, must not fill the host's log.
 * From vCPU 0 the guest ejects boot vCPU 1 (present at boot: it stays) and then
 * hot-plugged vCPU 2 while it is online (not powered off: it stays), EJECT_BURST
 * times each. Both stay plugged and online, QEMU's stderr grows by less than
 * LOG_GROWTH_MAX, and the refusals leave nothing behind: the host then unplugs
 * vCPU 2 as usual.
 */
static void
test_refused_ejects(void)
{
    VhLabGuestConfig config = lab_config(VH_GUEST_ARM64, SMP);
    g_autoptr(VhLabVm) vm = lab_boot(&config);
    gsize log_at_boot = qemu_log_size(vm), growth;
    g_autofree char *online = NULL, *still = NULL, *log = NULL, *summary = NULL;
    g_autofree char *gone = NULL;
    gboolean plugged[MAX_VCPUS];
    g_autoptr(GError) err = NULL;
    guint lines = 0;

    lab_cpu_plug(vm, "core-id", 2, "vcpu2");
    g_free(lab_wait_cpu_in_mask(vm, "enabled", 2, TRUE, 30));
    g_free(lab_run_ok(vm, "echo 1 > /sys/devices/system/cpu/cpu2/online"));
    online = lab_wait_cpu_in_mask(vm, "online", 2, TRUE, 10);
    g_assert_cmpstr(online, ==, "0-2");

    guest_eject_burst(vm, 0, 1, EJECT_BURST);
    guest_eject_burst(vm, 0, 2, EJECT_BURST);
    query_slots(vm, plugged, NULL);
    for (guint i = 0; i < MAX_VCPUS; i++)
        g_assert_cmpint(plugged[i], ==, i <= 2);
    still = lab_run_ok(vm, "cat /sys/devices/system/cpu/online");
    g_assert_cmpstr(still, ==, "0-2");
    assert_running(vm);
    log = vh_qemu_read_log(vm->qemu);
    growth = strlen(log) - log_at_boot;
    summary = summarise_log(log + log_at_boot, 5, &lines);
    g_test_message("QEMU's stderr grew by %" G_GSIZE_FORMAT " bytes, %u lines, over %u refused"
                   " ejects: %s", growth, lines, 2 * EJECT_BURST, growth ? summary : "nothing");

    g_assert_true(vh_cpu_unplug(vh_lab_vm_qmp(vm), "vcpu2", 30000, &err));
    g_assert_no_error(err);
    gone = lab_wait_cpu_in_mask(vm, "enabled", 2, FALSE, 30);
    g_assert_cmpstr(gone, ==, "0-1");
    if (growth >= LOG_GROWTH_MAX)
        g_error("QEMU's stderr grew by %" G_GSIZE_FORMAT " bytes (%u lines) with %u refused"
                " ejects, a guest can fill the host's log: %s", growth, lines,
                2 * EJECT_BURST, summary);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hostile-guest/refused-ejects", test_refused_ejects);
    g_test_add_func("/hostile-guest/scribbles-while-host-plugs", test_hostile_guest);
    return g_test_run();
}
