/*
 * vcpuhp status: one row per vCPU slot of a running VM: its topology ids, whether
 * a vCPU is plugged and as which device, and, when the agent can tell, whether
 * the guest has enabled it and has it online.
 */
#include "cli-vm.h"
#include "vh-cpu-slots.h"

/* The guest's view of @slot's CPU: NULL when nothing sees into the guest. */
typedef struct {
    gboolean known;
    gboolean enabled;
    gboolean online;
} GuestView;

static GuestView
guest_view(GArray *guest_cpus, const VhCpuSlot *slot)
{
    const VhGuestCpu *cpu = vh_guest_cpu_find(guest_cpus, slot->guest_cpu);
    GuestView view = { .known = guest_cpus != NULL };

    view.enabled = cpu != NULL;
    view.online = cpu && cpu->online;
    return view;
}

static void
add_optional_bool(JsonBuilder *b, const char *member, gboolean known, gboolean value)
{
    json_builder_set_member_name(b, member);
    if (known)
        json_builder_add_boolean_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void
add_optional_string(JsonBuilder *b, const char *member, const char *value)
{
    json_builder_set_member_name(b, member);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static JsonNode *
status_json(VcpuhpVm *vm, GArray *slots, GArray *guest_cpus)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vcpuhp_vm_add_json(vm, b);
    json_builder_set_member_name(b, "plugged");
    json_builder_add_int_value(b, vh_cpu_slots_plugged(slots));
    json_builder_set_member_name(b, "max");
    json_builder_add_int_value(b, slots->len);
    add_optional_string(b, "guest-view", vm->guest_source);
    json_builder_set_member_name(b, "slots");
    json_builder_begin_array(b);
    for (guint i = 0; i < slots->len; i++) {
        const VhCpuSlot *slot = &g_array_index(slots, VhCpuSlot, i);
        GuestView view = guest_view(guest_cpus, slot);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "guest-cpu");
        json_builder_add_int_value(b, slot->guest_cpu);
        for (int id = 0; id < VH_SLOT_N_IDS; id++) {
            json_builder_set_member_name(b, vh_slot_id_name(id));
            if (slot->ids[id] >= 0)
                json_builder_add_int_value(b, slot->ids[id]);
            else
                json_builder_add_null_value(b);
        }
        add_optional_string(b, "type", slot->type);
        json_builder_set_member_name(b, "plugged");
        json_builder_add_boolean_value(b, slot->plugged);
        add_optional_string(b, "qom-path", slot->qom_path);
        add_optional_string(b, "device-id", slot->dev_id);
        json_builder_set_member_name(b, "unpluggable");
        json_builder_add_boolean_value(b, slot->dev_id != NULL);
        add_optional_bool(b, "enabled", view.known, view.enabled);
        add_optional_bool(b, "online", view.known, view.online);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static const char *
yes_no(gboolean known, gboolean value)
{
    return !known ? "-" : value ? _("yes") : _("no");
}

static char *
id_text(gint64 id)
{
    return id >= 0 ? g_strdup_printf("%" G_GINT64_FORMAT, id) : g_strdup("-");
}

static void
print_status(VcpuhpVm *vm, GArray *slots, GArray *guest_cpus)
{
    g_autofree char *what = vcpuhp_vm_describe(vm);

    /* TRANSLATORS: the header of vcpuhp status: the VM ("QEMU 10.0.13 at SOCKET",
     * "domain NAME"), plugged and possible vCPUs. */
    printf(_("%s: %u of %u vCPUs plugged\n"), what, vh_cpu_slots_plugged(slots), slots->len);
    if (!guest_cpus && vm->qmp)
        printf(_("guest: not seen (give --agent to see which CPUs the guest enabled and "
                 "onlined)\n"));
    else if (!guest_cpus)
        printf(_("guest: not seen (the domain has no guest agent channel, or its agent does "
                 "not answer)\n"));
    /* TRANSLATORS: column headers of vcpuhp status; keep each within its width. */
    printf("%-4s %-6s %-7s %-4s %-6s %-7s %-24s %-7s %-6s\n", _("CPU"), _("SOCKET"),
           _("CLUSTER"), _("CORE"), _("THREAD"), _("PLUGGED"), _("DEVICE"), _("ENABLED"),
           _("ONLINE"));
    for (guint i = 0; i < slots->len; i++) {
        const VhCpuSlot *slot = &g_array_index(slots, VhCpuSlot, i);
        GuestView view = guest_view(guest_cpus, slot);
        g_autofree char *socket = id_text(slot->ids[VH_SLOT_SOCKET]);
        g_autofree char *cluster = id_text(slot->ids[VH_SLOT_CLUSTER]);
        g_autofree char *core = id_text(slot->ids[VH_SLOT_CORE]);
        g_autofree char *thread = id_text(slot->ids[VH_SLOT_THREAD]);
        const char *device = slot->dev_id ? slot->dev_id
                             : slot->plugged ? _("(boot vCPU)") : "-";

        printf("%-4u %-6s %-7s %-4s %-6s %-7s %-24s %-7s %-6s\n", slot->guest_cpu, socket,
               cluster, core, thread, yes_no(TRUE, slot->plugged), device,
               yes_no(view.known, view.enabled), yes_no(view.known, view.online));
    }
}

int
vcpuhp_cmd_status(int argc, char **argv)
{
    g_auto(VcpuhpVmOptions) vm_options = { 0 };
    g_autofree GOptionEntry *vm_entries = vcpuhp_vm_option_entries(&vm_options);
    g_autoptr(GError) err = NULL;
    g_autoptr(VcpuhpVm) vm = NULL;
    g_autoptr(GArray) slots = NULL, guest_cpus = NULL;
    VcpuhpOutput output;
    int status = vcpuhp_parse_args("status", N_("[DOMAIN] - show a running VM's vCPU slots"), NULL,
                                   vm_entries, &output, &argc, &argv);

    if (status >= 0)
        return status;
    if (argc != (vm_options.qmp_path ? 1 : 2))
        return vcpuhp_fail("status", VCPUHP_EXIT_USAGE,
                           _("usage: vcpuhp status [--connect URI] DOMAIN | "
                             "vcpuhp status --qmp SOCKET [--agent SOCKET]"));

    vm = vcpuhp_vm_open(&vm_options, argv[1], &err);
    if (!vm)
        return vcpuhp_fail("status", VCPUHP_EXIT_UNREACHABLE, "%s", err->message);
    slots = vcpuhp_vm_slots(vm, vcpuhp_vm_timeout_ms(&vm_options), &err);
    if (!slots)
        return vcpuhp_fail("status", vcpuhp_exit_for(err), "%s", err->message);
    if (vm->guest) {
        guest_cpus = vh_guest_cpus_list(vm->guest, vcpuhp_vm_timeout_ms(&vm_options), &err);
        if (!guest_cpus)
            return vcpuhp_fail("status", vcpuhp_exit_for(err), "%s", err->message);
    }
    if (output == VCPUHP_OUTPUT_JSON)
        vcpuhp_print_json(status_json(vm, slots, guest_cpus));
    else
        print_status(vm, slots, guest_cpus);
    return VCPUHP_EXIT_OK;
}
