/*
 * The vcpuhp tool's commands as a user runs them, against a fake VM (fake-vm.c):
 * arguments, exit codes, text and JSON output (checked against schemas/), the
 * guest's refusals.
 */
#include <glib/gstdio.h>

#include "cli-run.h"
#include "fake-vm.h"
#include "vh-json.h"

typedef struct {
    char *dir;
    FakeVm *vm;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("vcpuhp-cli-XXXXXX", NULL);
    f->vm = fake_vm_new(f->dir);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    fake_vm_free(f->vm);
    g_rmdir(f->dir);
    g_free(f->dir);
}

static void
test_no_arguments(void)
{
    g_auto(CliRun) run = { 0 };

    cli_run(&run, NULL);
    g_assert_cmpint(run.status, ==, 2);
    g_assert_nonnull(strstr(run.err, "usage: vcpuhp COMMAND"));
}

static void
test_help(void)
{
    const char *forms[] = { "--help", "-h", "help" };

    for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_auto(CliRun) run = { 0 };

        cli_run(&run, forms[i], NULL);
        g_assert_cmpint(run.status, ==, 0);
        g_assert_nonnull(strstr(run.out, "status"));
        g_assert_nonnull(strstr(run.out, "set"));
        g_assert_nonnull(strstr(run.out, "check"));
        /* The lab's commands are not the user's. */
        g_assert_null(strstr(run.out, "masks"));
    }
}

static void
test_command_help(void)
{
    const char *commands[] = { "status", "set", "check" };

    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_auto(CliRun) run = { 0 };

        cli_run(&run, commands[i], "--help", NULL);
        g_assert_cmpint(run.status, ==, 0);
        g_assert_nonnull(strstr(run.out, "--output"));
    }
}

static void
test_version(void)
{
    g_auto(CliRun) run = { 0 };

    cli_run(&run, "--version", NULL);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_true(g_str_has_prefix(run.out, "vcpuhp "));
    g_assert_true(g_ascii_isdigit(run.out[strlen("vcpuhp ")]));
}

static void
test_unknown_command(void)
{
    g_auto(CliRun) run = { 0 };

    cli_run(&run, "frobnicate", NULL);
    g_assert_cmpint(run.status, ==, 2);
    g_assert_nonnull(strstr(run.err, "unknown command 'frobnicate'"));
}

static void
test_usage_errors(void)
{
    const char *const cases[][5] = {
        { "status", NULL },                                     /* no VM */
        { "status", "--qmp", "/x", "--output", "yaml" },       /* bad format */
        { "status", "--bogus", NULL },
        { "set", "--qmp", "/x", NULL },                        /* no N */
        { "set", "--qmp", "/x", "0", NULL },
        { "set", "--qmp", "/x", "four", NULL },
        { "set", "--qmp", "/x", "-1", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(CliRun) run = { 0 };

        cli_run(&run, cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4], NULL);
        g_assert_cmpint(run.status, ==, 2);
        g_assert_true(g_str_has_prefix(run.err, "vcpuhp "));
    }
}

static void
test_unreachable(void)
{
    g_auto(CliRun) status = { 0 };
    g_auto(CliRun) set = { 0 };

    cli_run(&status, "status", "--qmp", "/nonexistent/qmp.sock", NULL);
    g_assert_cmpint(status.status, ==, 3);
    g_assert_nonnull(strstr(status.err, "/nonexistent/qmp.sock"));
    cli_run(&set, "set", "--qmp", "/nonexistent/qmp.sock", "3", NULL);
    g_assert_cmpint(set.status, ==, 3);
}

static void
test_status_text(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) run = { 0 };
    g_auto(GStrv) lines = NULL;

    (void)data;
    cli_run(&run, "status", "--qmp", fake_vm_qmp_path(f->vm), NULL);
    g_assert_cmpint(run.status, ==, 0);
    lines = g_strsplit(run.out, "\n", -1);
    g_assert_true(g_str_has_prefix(lines[0], "QEMU 10.0.13 at "));
    g_assert_true(g_str_has_suffix(lines[0], "qmp.sock: 2 of 6 vCPUs plugged"));
    g_assert_true(g_str_has_prefix(lines[1], "guest: not seen"));
    g_assert_true(g_str_has_prefix(lines[2], "CPU  SOCKET CLUSTER CORE THREAD PLUGGED DEVICE"));
    g_assert_true(g_str_has_prefix(lines[3], "0    0      0       0    0      yes     (boot vCPU)"));
    g_assert_true(g_str_has_prefix(lines[5], "2    0      0       2    0      no      -"));
    g_assert_cmpstr(lines[9], ==, "");
}

/* Field @member of the slot for guest cpu @cpu. */
static JsonNode *
slot_member(JsonNode *root, guint cpu, const char *member)
{
    JsonArray *slots = vh_json_array(json_node_get_object(root), "slots");
    JsonObject *slot = vh_json_array_object(slots, cpu);

    g_assert_nonnull(slot);
    g_assert_cmpint(vh_json_int(slot, "guest-cpu", -1), ==, cpu);
    return json_object_get_member(slot, member);
}

static void
test_status_json(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonObject *obj;

    (void)data;
    cli_run(&run, "status", "--qmp", fake_vm_qmp_path(f->vm), "--output=json", NULL);
    g_assert_cmpint(run.status, ==, 0);
    root = cli_json_valid(run.out, "vcpuhp-status.schema.json");
    obj = json_node_get_object(root);
    g_assert_cmpint(vh_json_int(obj, "plugged", -1), ==, 2);
    g_assert_cmpint(vh_json_int(obj, "max", -1), ==, 6);
    /* Sorted by topology, though QEMU lists the last slot first. */
    g_assert_cmpint(json_node_get_int(slot_member(root, 0, "core-id")), ==, 0);
    g_assert_true(json_node_get_boolean(slot_member(root, 1, "plugged")));
    g_assert_false(json_node_get_boolean(slot_member(root, 1, "unpluggable")));
    g_assert_false(json_node_get_boolean(slot_member(root, 2, "plugged")));
    /* Nothing sees into the guest. */
    g_assert_true(JSON_NODE_HOLDS_NULL(slot_member(root, 0, "online")));
}

static void
test_status_with_agent(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) grow = { 0 };
    g_auto(CliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;

    (void)data;
    cli_run(&grow, "set", "--qmp", fake_vm_qmp_path(f->vm), "3", "--quiet", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    cli_run(&run, "status", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "-o", "json", NULL);
    g_assert_cmpint(run.status, ==, 0);
    root = cli_json_valid(run.out, "vcpuhp-status.schema.json");
    g_assert_cmpstr(vh_json_string(json_node_get_object(root), "guest-view"), ==, "agent");
    g_assert_cmpstr(json_node_get_string(slot_member(root, 2, "device-id")), ==, "vcpu2");
    g_assert_true(json_node_get_boolean(slot_member(root, 2, "enabled")));
    /* Plugged without the agent: enabled, not online. */
    g_assert_false(json_node_get_boolean(slot_member(root, 2, "online")));
    g_assert_true(json_node_get_boolean(slot_member(root, 1, "online")));
    g_assert_false(json_node_get_boolean(slot_member(root, 3, "enabled")));
}

static void
test_set_grow_and_shrink(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) grow = { 0 };
    g_auto(CliRun) shrink = { 0 };
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *online = NULL, *plugged = NULL;

    (void)data;
    cli_run(&grow, "set", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "5", "--output=json", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    root = cli_json_valid(grow.out, "vcpuhp-set.schema.json");
    g_assert_cmpint(vh_json_int(json_node_get_object(root), "from", -1), ==, 2);
    g_assert_cmpuint(json_array_get_length(vh_json_array(json_node_get_object(root), "steps")),
                     ==, 3);
    /* Progress, one line a step. */
    g_assert_nonnull(strstr(grow.err, "[1/3] vcpu2 (guest cpu 2): plugged, enabled and online"));
    g_assert_nonnull(strstr(grow.err, "[3/3] vcpu4"));
    online = fake_vm_online(f->vm);
    g_assert_cmpstr(online, ==, "0,1,2,3,4");

    cli_run(&shrink, "set", "--qmp", fake_vm_qmp_path(f->vm), "3", NULL);
    g_assert_cmpint(shrink.status, ==, 0);
    g_assert_nonnull(strstr(shrink.err, "[1/2] vcpu4 (guest cpu 4): unplugged"));
    g_assert_nonnull(strstr(shrink.out, "3 vCPUs (were 5)"));
    plugged = fake_vm_plugged(f->vm);
    g_assert_cmpstr(plugged, ==, "0,1,2");
}

/*
 * While the guest removes a CPU, qemu-ga's listing of the CPUs can fail: set waits
 * on through it for the guest to let go of each unplugged vCPU.
 */
static void
test_set_shrink_through_failing_listings(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) grow = { 0 };
    g_auto(CliRun) shrink = { 0 };
    g_autofree char *plugged = NULL;

    (void)data;
    cli_run(&grow, "set", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "4", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    fake_vm_failing_listings(f->vm, 2);
    cli_run(&shrink, "set", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "2", NULL);
    g_assert_cmpint(shrink.status, ==, 0);
    g_assert_nonnull(strstr(shrink.out, "2 vCPUs (were 4)"));
    plugged = fake_vm_plugged(f->vm);
    g_assert_cmpstr(plugged, ==, "0,1");
}

/* A listing that keeps failing ends the wait soon, with the guest's words. */
static void
test_set_shrink_listing_keeps_failing(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) grow = { 0 };
    g_auto(CliRun) shrink = { 0 };

    (void)data;
    cli_run(&grow, "set", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "3", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    fake_vm_failing_listings(f->vm, 1000);
    cli_run(&shrink, "set", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "2", NULL);
    g_assert_cmpint(shrink.status, !=, 0);
    g_assert_nonnull(strstr(shrink.err, "vcpu2 was unplugged but the guest still shows cpu 2"));
    g_assert_nonnull(strstr(shrink.err, "No such device"));
}

static void
test_set_nothing_to_do(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;

    (void)data;
    cli_run(&run, "set", "--qmp", fake_vm_qmp_path(f->vm), "2", "-o", "json", NULL);
    g_assert_cmpint(run.status, ==, 0);
    root = cli_json_valid(run.out, "vcpuhp-set.schema.json");
    g_assert_cmpuint(json_array_get_length(vh_json_array(json_node_get_object(root), "steps")),
                     ==, 0);
}

static void
test_set_impossible(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) too_many = { 0 };
    g_auto(CliRun) too_few = { 0 };

    (void)data;
    cli_run(&too_many, "set", "--qmp", fake_vm_qmp_path(f->vm), "7", NULL);
    g_assert_cmpint(too_many.status, ==, 1);
    g_assert_nonnull(strstr(too_many.err, "1 to 6 vCPUs"));
    cli_run(&too_few, "set", "--qmp", fake_vm_qmp_path(f->vm), "1", NULL);
    g_assert_cmpint(too_few.status, ==, 1);
    g_assert_nonnull(strstr(too_few.err, "cannot shrink below 2"));
}

static void
test_set_guest_refuses_online(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonArray *steps;

    (void)data;
    fake_vm_refuse_online(f->vm, 3);
    cli_run(&run, "set", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "5", "--output=json", NULL);
    g_assert_cmpint(run.status, ==, 5);
    g_assert_nonnull(strstr(run.err, "stopped after 1 of 3 steps"));
    g_assert_nonnull(strstr(run.err, "vcpu3"));
    g_assert_nonnull(strstr(run.err, "the guest refused to bring cpu 3 online"));
    root = cli_json_valid(run.out, "vcpuhp-set.schema.json");
    steps = vh_json_array(json_node_get_object(root), "steps");
    g_assert_cmpstr(vh_json_string(vh_json_array_object(steps, 0), "status"), ==, "done");
    g_assert_cmpstr(vh_json_string(vh_json_array_object(steps, 1), "status"), ==, "failed");
    g_assert_cmpstr(vh_json_string(vh_json_array_object(steps, 2), "status"), ==, "not-run");
}

static void
test_set_guest_refuses_eject(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) grow = { 0 };
    g_auto(CliRun) run = { 0 };

    (void)data;
    cli_run(&grow, "set", "--qmp", fake_vm_qmp_path(f->vm), "4", "-q", NULL);
    g_assert_cmpint(grow.status, ==, 0);
    fake_vm_refuse_eject(f->vm, "vcpu3");
    cli_run(&run, "set", "--qmp", fake_vm_qmp_path(f->vm), "2", NULL);
    g_assert_cmpint(run.status, ==, 5);
    g_assert_nonnull(strstr(run.err, "the guest refused to eject vCPU vcpu3"));
}

static void
test_silent_agent(Fixture *f, gconstpointer data)
{
    g_auto(CliRun) run = { 0 };

    (void)data;
    fake_vm_silent_agent(f->vm);
    cli_run(&run, "status", "--qmp", fake_vm_qmp_path(f->vm), "--agent",
            fake_vm_agent_path(f->vm), "--timeout", "1", NULL);
    g_assert_cmpint(run.status, ==, 3);
    g_assert_nonnull(strstr(run.err, "no QEMU guest agent answered"));
}

/* A domain XML of fixtures/domains. */
static char *
domain_fixture(const char *name)
{
    return g_build_filename(g_getenv("VCPUHP_FIXTURES"), "domains", name, NULL);
}

static void
test_check_ready(void)
{
    g_autofree char *xml = domain_fixture("ready.xml");
    g_auto(CliRun) text = { 0 };
    g_auto(CliRun) json = { 0 };
    g_autoptr(JsonNode) root = NULL;

    cli_run(&text, "check", xml, NULL);
    g_assert_cmpint(text.status, ==, 0);
    g_assert_nonnull(strstr(text.out, "hp ("));
    g_assert_nonnull(strstr(text.out, "): hotplug-ready\n"));
    cli_run(&json, "check", "--output=json", xml, NULL);
    g_assert_cmpint(json.status, ==, 0);
    root = cli_json_valid(json.out, "vcpuhp-check.schema.json");
    g_assert_true(vh_json_bool(json_node_get_object(root), "ready", FALSE));
    g_assert_cmpuint(json_array_get_length(vh_json_array(json_node_get_object(root), "checks")),
                     ==, 7);
}

/* GICv4 is a GICv3 as far as vCPU hotplug goes: such a domain is ready too. */
static void
test_check_gicv4_ready(void)
{
    g_autofree char *xml = domain_fixture("ready-gicv4.xml");
    g_auto(CliRun) run = { 0 };

    cli_run(&run, "check", xml, NULL);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_nonnull(strstr(run.out, "): hotplug-ready\n"));
}

/* The check @id of a vcpuhp check JSON report. */
static JsonObject *
find_check(JsonNode *root, const char *id)
{
    JsonArray *checks = vh_json_array(json_node_get_object(root), "checks");

    for (guint i = 0; i < json_array_get_length(checks); i++)
        if (!g_strcmp0(vh_json_string(vh_json_array_object(checks, i), "check"), id))
            return vh_json_array_object(checks, i);
    g_error("no check %s", id);
}

static void
test_check_problems_and_fixes(void)
{
    static const char *const expected[][2] = {
        { "machine", "machine='virt-10.0-vcpuhp'" },
        { "gic", "<gic version='3'/>" },
        { "gic", "virt-xml DOMAIN --edit --features gic.version=3" },
        { "acpi", "<acpi/>" },
        { "uefi", "<os firmware='efi'>" },
        { "topology", "threads='1'" },
        { "vcpus", "<vcpu current='2'>4</vcpu>" },
    };
    g_autofree char *xml = domain_fixture("nothing-right.xml");
    g_auto(CliRun) text = { 0 };
    g_auto(CliRun) json = { 0 };
    g_autoptr(JsonNode) root = NULL;

    cli_run(&text, "check", xml, NULL);
    g_assert_cmpint(text.status, ==, 4);
    g_assert_nonnull(strstr(text.out, "not hotplug-ready, 6 problems"));
    g_assert_nonnull(strstr(text.out, "released machine type virt-10.0"));
    cli_run(&json, "check", "-o", "json", xml, NULL);
    g_assert_cmpint(json.status, ==, 4);
    root = cli_json_valid(json.out, "vcpuhp-check.schema.json");
    g_assert_false(vh_json_bool(json_node_get_object(root), "ready", TRUE));
    g_assert_true(vh_json_bool(find_check(root, "arch"), "ok", FALSE));
    for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
        JsonObject *check = find_check(root, expected[i][0]);

        g_assert_false(vh_json_bool(check, "ok", TRUE));
        if (!strstr(vh_json_string(check, "fix"), expected[i][1]))
            g_error("check %s: fix \"%s\" lacks \"%s\"", expected[i][0],
                    vh_json_string(check, "fix"), expected[i][1]);
    }
}

static void
test_check_other_arch(void)
{
    g_autofree char *xml = domain_fixture("x86.xml");
    g_auto(CliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;

    cli_run(&run, "check", "-o", "json", xml, NULL);
    g_assert_cmpint(run.status, ==, 4);
    root = cli_json_valid(run.out, "vcpuhp-check.schema.json");
    g_assert_false(vh_json_bool(find_check(root, "arch"), "ok", TRUE));
    /* A pflash loader is UEFI too. */
    g_assert_true(vh_json_bool(find_check(root, "uefi"), "ok", FALSE));
}

static void
test_check_bad_input(void)
{
    g_autofree char *network = domain_fixture("not-a-domain.xml");
    g_autofree char *broken = domain_fixture("not-well-formed.xml");
    g_auto(CliRun) not_domain = { 0 };
    g_auto(CliRun) not_xml = { 0 };
    g_auto(CliRun) missing = { 0 };
    g_auto(CliRun) no_argument = { 0 };

    cli_run(&not_domain, "check", network, NULL);
    g_assert_cmpint(not_domain.status, ==, 1);
    g_assert_nonnull(strstr(not_domain.err, "root element is not <domain>"));
    cli_run(&not_xml, "check", broken, NULL);
    g_assert_cmpint(not_xml.status, ==, 1);
    g_assert_nonnull(strstr(not_xml.err, "not well-formed XML"));
    /* Not a file: a domain name, which no libvirt here knows. */
    cli_run(&missing, "check", "--connect", "test:///default", "no-such-domain", NULL);
    g_assert_cmpint(missing.status, ==, 3);
    g_assert_nonnull(strstr(missing.err, "no-such-domain is neither a file nor a domain"));
    cli_run(&no_argument, "check", NULL);
    g_assert_cmpint(no_argument.status, ==, 2);
}

/* libvirt's test driver defines a domain "test" (i686, no hotplug) in-process. */
static void
test_check_defined_domain(void)
{
    g_auto(CliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;

    cli_run(&run, "check", "--connect", "test:///default", "test", "-o", "json", NULL);
    g_assert_cmpint(run.status, ==, 4);
    root = cli_json_valid(run.out, "vcpuhp-check.schema.json");
    g_assert_cmpstr(vh_json_string(json_node_get_object(root), "domain"), ==, "test");
    g_assert_false(vh_json_bool(find_check(root, "arch"), "ok", TRUE));
}

/* libvirt's in-process test driver runs a domain "test" with two vCPUs, no hotplug
 * and no agent: status and set through libvirt's API, without a daemon. */
static void
test_libvirt_status(void)
{
    g_auto(CliRun) text = { 0 };
    g_auto(CliRun) json = { 0 };
    g_autoptr(JsonNode) root = NULL;

    cli_run(&text, "status", "--connect", "test:///default", "test", NULL);
    g_assert_cmpint(text.status, ==, 0);
    g_assert_true(g_str_has_prefix(text.out, "domain test: 2 of 2 vCPUs plugged\n"));
    cli_run(&json, "status", "-c", "test:///default", "test", "--output=json", NULL);
    g_assert_cmpint(json.status, ==, 0);
    root = cli_json_valid(json.out, "vcpuhp-status.schema.json");
    g_assert_cmpstr(vh_json_string(vh_json_object(json_node_get_object(root), "vm"), "domain"),
                    ==, "test");
    g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(json_node_get_object(root),
                                                              "guest-view")));
    g_assert_true(json_node_get_boolean(slot_member(root, 1, "plugged")));
    g_assert_false(json_node_get_boolean(slot_member(root, 1, "unpluggable")));
}

static void
test_libvirt_set_and_errors(void)
{
    g_auto(CliRun) shrink = { 0 };
    g_auto(CliRun) grow = { 0 };
    g_auto(CliRun) missing = { 0 };
    g_auto(CliRun) usage = { 0 };

    cli_run(&shrink, "set", "-c", "test:///default", "test", "1", NULL);
    g_assert_cmpint(shrink.status, ==, 1);
    g_assert_nonnull(strstr(shrink.err, "cannot shrink below 2"));
    cli_run(&grow, "set", "-c", "test:///default", "test", "3", NULL);
    g_assert_cmpint(grow.status, ==, 1);
    g_assert_nonnull(strstr(grow.err, "1 to 2 vCPUs"));
    cli_run(&missing, "status", "-c", "test:///default", "no-such-domain", NULL);
    g_assert_cmpint(missing.status, ==, 3);
    g_assert_nonnull(strstr(missing.err, "no-such-domain"));
    /* A domain and --qmp are one VM too many. */
    cli_run(&usage, "set", "--qmp", "/x", "test", "3", NULL);
    g_assert_cmpint(usage.status, ==, 2);
}

#define ADD_VM_TEST(path, func) \
    g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cli/no-arguments", test_no_arguments);
    g_test_add_func("/cli/help", test_help);
    g_test_add_func("/cli/command-help", test_command_help);
    g_test_add_func("/cli/version", test_version);
    g_test_add_func("/cli/unknown-command", test_unknown_command);
    g_test_add_func("/cli/usage-errors", test_usage_errors);
    g_test_add_func("/cli/unreachable", test_unreachable);
    ADD_VM_TEST("/cli/status/text", test_status_text);
    ADD_VM_TEST("/cli/status/json", test_status_json);
    ADD_VM_TEST("/cli/status/with-agent", test_status_with_agent);
    ADD_VM_TEST("/cli/set/grow-and-shrink", test_set_grow_and_shrink);
    ADD_VM_TEST("/cli/set/shrink-through-failing-listings",
                test_set_shrink_through_failing_listings);
    ADD_VM_TEST("/cli/set/shrink-listing-keeps-failing",
                test_set_shrink_listing_keeps_failing);
    ADD_VM_TEST("/cli/set/nothing-to-do", test_set_nothing_to_do);
    ADD_VM_TEST("/cli/set/impossible", test_set_impossible);
    ADD_VM_TEST("/cli/set/guest-refuses-online", test_set_guest_refuses_online);
    ADD_VM_TEST("/cli/set/guest-refuses-eject", test_set_guest_refuses_eject);
    ADD_VM_TEST("/cli/status/silent-agent", test_silent_agent);
    g_test_add_func("/cli/libvirt/status", test_libvirt_status);
    g_test_add_func("/cli/libvirt/set-and-errors", test_libvirt_set_and_errors);
    g_test_add_func("/cli/check/ready", test_check_ready);
    g_test_add_func("/cli/check/gicv4-ready", test_check_gicv4_ready);
    g_test_add_func("/cli/check/problems-and-fixes", test_check_problems_and_fixes);
    g_test_add_func("/cli/check/other-arch", test_check_other_arch);
    g_test_add_func("/cli/check/bad-input", test_check_bad_input);
    g_test_add_func("/cli/check/defined-domain", test_check_defined_domain);
    return g_test_run();
}
