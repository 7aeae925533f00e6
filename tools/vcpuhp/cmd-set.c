/*
 * vcpuhp set: grows or shrinks a running VM to N vCPUs, one vCPU at a time, and
 * with the guest agent brings each new vCPU online in the guest; shows progress
 * on stderr, and names the vCPU at which it stopped.
 */
#include <stdlib.h>

#include "cli-vm.h"
#include "vh-error.h"
#include "vh-resize.h"

typedef struct {
    VcpuhpOutput output;
    gboolean quiet;
    gboolean guest_seen;
} Progress;

static void
show_progress(const VhResizeStep *step, guint done, guint total, gpointer data)
{
    Progress *progress = data;

    if (progress->quiet)
        return;
    if (step->action == VH_RESIZE_PLUG && progress->guest_seen)
        fprintf(stderr, _("[%u/%u] %s (guest cpu %u): plugged, enabled and online\n"), done,
                total, step->dev_id, step->guest_cpu);
    else if (step->action == VH_RESIZE_PLUG)
        fprintf(stderr, _("[%u/%u] %s (guest cpu %u): plugged\n"), done, total, step->dev_id,
                step->guest_cpu);
    else
        fprintf(stderr, _("[%u/%u] %s (guest cpu %u): unplugged\n"), done, total,
                step->dev_id, step->guest_cpu);
}

static JsonNode *
set_json(VcpuhpVm *vm, guint from, guint target, GArray *plan, guint done, const GError *error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    vcpuhp_vm_add_json(vm, b);
    json_builder_set_member_name(b, "from");
    json_builder_add_int_value(b, from);
    json_builder_set_member_name(b, "target");
    json_builder_add_int_value(b, target);
    json_builder_set_member_name(b, "guest-view");
    if (vm->guest_source)
        json_builder_add_string_value(b, vm->guest_source);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "steps");
    json_builder_begin_array(b);
    for (guint i = 0; plan && i < plan->len; i++) {
        const VhResizeStep *step = &g_array_index(plan, VhResizeStep, i);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "action");
        json_builder_add_string_value(b, step->action == VH_RESIZE_PLUG ? "plug" : "unplug");
        json_builder_set_member_name(b, "device-id");
        json_builder_add_string_value(b, step->dev_id);
        json_builder_set_member_name(b, "guest-cpu");
        json_builder_add_int_value(b, step->guest_cpu);
        json_builder_set_member_name(b, "status");
        json_builder_add_string_value(b, i < done ? "done" : i == done && error ? "failed"
                                                                                : "not-run");
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "error");
    if (error)
        json_builder_add_string_value(b, error->message);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* Parses the positional N: a whole number of vCPUs. */
static gboolean
parse_count(const char *text, guint *count)
{
    guint64 value;

    if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, &value, NULL))
        return FALSE;
    *count = (guint)value;
    return TRUE;
}

int
vcpuhp_cmd_set(int argc, char **argv)
{
    g_auto(VcpuhpVmOptions) vm_options = { 0 };
    g_autofree GOptionEntry *vm_entries = vcpuhp_vm_option_entries(&vm_options);
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("no progress on stderr"), NULL },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(VcpuhpVm) vm = NULL;
    g_autoptr(GArray) slots = NULL, plan = NULL;
    Progress progress = { 0 };
    guint target, from, done = 0;
    gboolean ok;
    int status = vcpuhp_parse_args("set", N_("[DOMAIN] N - grow or shrink a running VM to N vCPUs"),
                                   entries, vm_entries, &progress.output, &argc, &argv);

    if (status >= 0)
        return status;
    if (argc != (vm_options.qmp_path ? 2 : 3))
        return vcpuhp_fail("set", VCPUHP_EXIT_USAGE,
                           _("usage: vcpuhp set [--connect URI] DOMAIN N | "
                             "vcpuhp set --qmp SOCKET [--agent SOCKET] N"));
    if (!parse_count(argv[argc - 1], &target))
        return vcpuhp_fail("set", VCPUHP_EXIT_USAGE,
                           _("N is a number of vCPUs, 1 or more, not \"%s\""), argv[argc - 1]);

    vm = vcpuhp_vm_open(&vm_options, argv[1], &err);
    if (!vm)
        return vcpuhp_fail("set", VCPUHP_EXIT_UNREACHABLE, "%s", err->message);
    progress.quiet = quiet;
    progress.guest_seen = vm->guest != NULL;
    slots = vcpuhp_vm_slots(vm, vcpuhp_vm_timeout_ms(&vm_options), &err);
    if (!slots)
        return vcpuhp_fail("set", vcpuhp_exit_for(err), "%s", err->message);
    from = vh_cpu_slots_plugged(slots);
    plan = vh_resize_plan(slots, target, &err);
    if (!plan)
        return vcpuhp_fail("set", VCPUHP_EXIT_FAILED, "%s", err->message);
    if (!quiet && !vm->guest && plan->len > 0 &&
        g_array_index(plan, VhResizeStep, 0).action == VH_RESIZE_PLUG)
        fprintf(stderr, _("vcpuhp set: nothing sees into the guest (no --agent, or no agent "
                          "in the domain): it is not asked to bring new vCPUs online\n"));
    ok = vh_resize_run(vm->host, vm->guest, plan, vcpuhp_vm_timeout_ms(&vm_options),
                       show_progress, &progress, &done, &err);
    if (progress.output == VCPUHP_OUTPUT_JSON)
        vcpuhp_print_json(set_json(vm, from, target, plan, done, ok ? NULL : err));
    else if (ok)
        printf(_("%u vCPUs (were %u)\n"), target, from);
    if (!ok)
        return vcpuhp_fail("set", vcpuhp_exit_for(err), _("stopped after %u of %u steps: %s"),
                           done, plan->len, err->message);
    return VCPUHP_EXIT_OK;
}
