/*
 * Unit tests of the QMP client against replies captured from real QEMU 10.0.13
 * (fixtures/) and against malformed, truncated and hostile input.
 */
#include "test-helpers.h"
#include "vh-error.h"
#include "vh-json.h"
#include "vh-qmp.h"

static const char ok_reply_1[] = "{\"return\": {}, \"id\": \"vh-1\"}\n";

/* A client past the handshake (command ids continue at vh-2). */
static VhQmp *
connected_client(TestPipe *p)
{
    g_autofree char *greeting = test_fixture("qmp-greeting-qemu-10.0.13.json");
    g_autoptr(GError) err = NULL;
    VhQmp *qmp;

    test_pipe_open(p);
    qmp = vh_qmp_new(p->ours);
    test_pipe_send(p, greeting);
    test_pipe_send(p, ok_reply_1);
    g_assert_true(vh_qmp_handshake(qmp, 1000, &err));
    g_assert_no_error(err);
    g_free(test_pipe_received(p));
    return qmp;
}

static void
test_handshake(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);

    g_assert_cmpstr(vh_qmp_qemu_version(qmp), ==, "10.0.13");
    test_pipe_close(&p);
}

static void
test_handshake_sends_capabilities(void)
{
    TestPipe p;
    g_autofree char *greeting = test_fixture("qmp-greeting-qemu-10.0.13.json");
    g_autoptr(VhQmp) qmp = NULL;
    g_autofree char *sent = NULL;

    test_pipe_open(&p);
    qmp = vh_qmp_new(p.ours);
    test_pipe_send(&p, greeting);
    test_pipe_send(&p, ok_reply_1);
    g_assert_true(vh_qmp_handshake(qmp, 1000, NULL));
    sent = test_pipe_received(&p);
    g_assert_nonnull(strstr(sent, "\"execute\":\"qmp_capabilities\""));
    g_assert_true(g_str_has_suffix(sent, "}\n"));
    test_pipe_close(&p);
}

static void
test_not_a_greeting(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = NULL;
    g_autoptr(GError) err = NULL;

    test_pipe_open(&p);
    qmp = vh_qmp_new(p.ours);
    test_pipe_send(&p, "{\"hello\": 1}\n");
    g_assert_false(vh_qmp_handshake(qmp, 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    test_pipe_close(&p);
}

static void
test_command_return(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autofree char *fixture = test_fixture("qmp-hotpluggable-cpus-x86-q35-1of3.json");
    g_autoptr(GString) reply = g_string_new(fixture);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;
    JsonArray *cpus;
    guint plugged = 0;

    /* The fixture was captured as the reply to id vh-2, the first command here. */
    test_pipe_send(&p, reply->str);
    ret = vh_qmp_execute(qmp, "query-hotpluggable-cpus", NULL, 1000, &err);
    g_assert_no_error(err);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    cpus = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(cpus), ==, 3);
    for (guint i = 0; i < 3; i++) {
        JsonObject *cpu = vh_json_array_object(cpus, i);

        g_assert_cmpint(vh_json_int(cpu, "vcpus-count", 0), ==, 1);
        plugged += vh_json_string(cpu, "qom-path") != NULL;
    }
    g_assert_cmpuint(plugged, ==, 1);
    test_pipe_close(&p);
}

static void
test_command_error(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autofree char *fixture = test_fixture("qmp-error-no-cpu-hotplug.json");
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;

    test_pipe_send(&p, fixture);
    ret = vh_qmp_execute(qmp, "query-hotpluggable-cpus", NULL, 1000, &err);
    g_assert_null(ret);
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_cmpstr(err->message, ==,
                    "query-hotpluggable-cpus: GenericError: machine does not support hot-plugging CPUs");
    test_pipe_close(&p);
}

static void
test_events_queued_during_command(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(JsonObject) ev = NULL;

    test_pipe_send(&p,
        "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"ACPI_DEVICE_OST\","
        " \"data\": {\"info\": {\"device\": \"vcpu4\", \"source\": 3, \"status\": 0}}}\n"
        "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"DEVICE_DELETED\","
        " \"data\": {\"path\": \"/machine/peripheral/vcpu3/lapic\"}}\n"
        "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 4}, \"event\": \"DEVICE_DELETED\","
        " \"data\": {\"device\": \"vcpu4\", \"path\": \"/machine/peripheral/vcpu4\"}}\n"
        "{\"return\": {}, \"id\": \"vh-2\"}\n");
    ret = vh_qmp_execute_json(qmp, "device_del", "{\"id\": \"vcpu4\"}", 1000, &err);
    g_assert_no_error(err);
    g_assert_nonnull(ret);
    g_assert_cmpuint(vh_qmp_count_events(qmp, NULL), ==, 3);
    g_assert_cmpuint(vh_qmp_count_events(qmp, "DEVICE_DELETED"), ==, 2);

    /* The event for the CPU itself, not the first DEVICE_DELETED in the queue. */
    ev = vh_qmp_wait_event(qmp, "DEVICE_DELETED",
                           vh_qmp_match_device, "vcpu4", 100, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(vh_json_object(ev, "data"), "path"), ==,
                    "/machine/peripheral/vcpu4");
    g_assert_cmpuint(vh_qmp_count_events(qmp, NULL), ==, 2);
    g_assert_cmpuint(vh_qmp_clear_events(qmp), ==, 2);
    test_pipe_close(&p);
}

/* QEMU's event timestamps on g_get_real_time()'s clock, and what is not one. */
static void
test_event_time(void)
{
    static const struct {
        const char *json;
        gint64 us;
    } cases[] = {
        { "{\"timestamp\": {\"seconds\": 1796144526, \"microseconds\": 671870}}",
          G_GINT64_CONSTANT(1796144526671870) },
        { "{\"timestamp\": {\"seconds\": 0, \"microseconds\": 0}}", 0 },
        { "{\"event\": \"ACPI_DEVICE_OST\"}", -1 },
        { "{\"timestamp\": {\"seconds\": 1}}", -1 },
        { "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 1000000}}", -1 },
        { "{\"timestamp\": {\"seconds\": -1, \"microseconds\": 0}}", -1 },
        { "{\"timestamp\": {\"seconds\": \"1\", \"microseconds\": 0}}", -1 },
        { "{\"timestamp\": [1, 2]}", -1 },
        /* Would overflow a gint64 of microseconds. */
        { "{\"timestamp\": {\"seconds\": 9223372036854775807, \"microseconds\": 0}}", -1 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) node = json_from_string(cases[i].json, NULL);

        g_assert_nonnull(node);
        g_assert_cmpint(vh_qmp_event_time_us(json_node_get_object(node)), ==, cases[i].us);
    }
}

static void
test_event_arrives_later(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) ev = NULL;

    test_pipe_send(&p, "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\n"
                       "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"},"
                       " \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\n");
    ev = vh_qmp_wait_event(qmp, "SHUTDOWN", NULL, NULL, 1000, &err);
    g_assert_no_error(err);
    g_assert_true(vh_json_bool(vh_json_object(ev, "data"), "guest", FALSE));
    g_assert_cmpuint(vh_qmp_count_events(qmp, "RESUME"), ==, 1);
    test_pipe_close(&p);
}

static void
test_event_timeout(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;

    g_assert_null(vh_qmp_wait_event(qmp, "DEVICE_DELETED", NULL, NULL, 100, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_TIMEOUT);
    g_assert_nonnull(strstr(err->message, "DEVICE_DELETED"));
    test_pipe_close(&p);
}

static void
test_eof_before_reply(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;

    test_pipe_hangup(&p);
    g_assert_null(vh_qmp_execute(qmp, "query-status", NULL, 1000, &err));
    g_assert_true(g_error_matches(err, VH_ERROR, VH_ERROR_EOF)
                  || g_error_matches(err, VH_ERROR, VH_ERROR_IO));
    close(p.ours);
}

static void
test_truncated_reply(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;

    test_pipe_send(&p, "{\"return\": {\"status\": \"runn");
    test_pipe_end_of_input(&p);
    g_assert_null(vh_qmp_execute(qmp, "query-status", NULL, 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_EOF);
    g_assert_nonnull(strstr(err->message, "truncated"));
    test_pipe_close(&p);
}

static void
test_malformed(void)
{
    static const char *const bad[] = {
        "{\"return\": {}, \"id\": \"vh-2\"\n",      /* unbalanced */
        "[1, 2, 3]\n",                              /* not an object */
        "\"just a string\"\n",
        "{\"id\": \"vh-2\"}\n",                     /* neither return nor error */
        "{\"return\": {}, \"id\": \"other\"}\n",    /* not our id */
        "\xff\xfe{}\n",                             /* not UTF-8 */
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        TestPipe p;
        g_autoptr(VhQmp) qmp = connected_client(&p);
        g_autoptr(GError) err = NULL;

        test_pipe_send(&p, bad[i]);
        g_assert_null(vh_qmp_execute(qmp, "query-status", NULL, 1000, &err));
        g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
        test_pipe_close(&p);
    }
}

static void
test_hostile_types(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;

    /* Wrong member types must give a clean error, never a GLib critical. */
    test_pipe_send(&p, "{\"event\": 7}\n{\"event\": {}}\n"
                       "{\"error\": {\"class\": {}, \"desc\": 5}, \"id\": \"vh-2\"}\n");
    g_assert_null(vh_qmp_execute(qmp, "query-status", NULL, 1000, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_COMMAND);
    g_assert_cmpstr(err->message, ==, "query-status: (no class): (no description)");
    test_pipe_close(&p);
}

static void
test_command_timeout_then_late_reply(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;

    g_assert_null(vh_qmp_execute(qmp, "query-status", NULL, 50, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_TIMEOUT);
    g_clear_error(&err);
    /* The late reply to vh-2 is skipped; vh-3 gets its own. */
    test_pipe_send(&p, "{\"return\": {\"status\": \"paused\"}, \"id\": \"vh-2\"}\n"
                       "{\"return\": {\"status\": \"running\"}, \"id\": \"vh-3\"}\n");
    ret = vh_qmp_execute(qmp, "query-status", NULL, 1000, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vh_json_string(json_node_get_object(ret), "status"), ==, "running");
    test_pipe_close(&p);
}

static void
test_bad_arguments_json(void)
{
    TestPipe p;
    g_autoptr(VhQmp) qmp = connected_client(&p);
    g_autoptr(GError) err = NULL;

    g_assert_null(vh_qmp_execute_json(qmp, "device_add", "[1]", 100, &err));
    g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
    g_clear_error(&err);
    g_assert_null(vh_qmp_execute_json(qmp, "device_add", "{oops", 100, &err));
    g_assert_nonnull(err);
    test_pipe_close(&p);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/handshake", test_handshake);
    g_test_add_func("/qmp/handshake-sends-capabilities", test_handshake_sends_capabilities);
    g_test_add_func("/qmp/not-a-greeting", test_not_a_greeting);
    g_test_add_func("/qmp/command-return", test_command_return);
    g_test_add_func("/qmp/command-error", test_command_error);
    g_test_add_func("/qmp/events-queued-during-command", test_events_queued_during_command);
    g_test_add_func("/qmp/event-arrives-later", test_event_arrives_later);
    g_test_add_func("/qmp/event-timeout", test_event_timeout);
    g_test_add_func("/qmp/eof-before-reply", test_eof_before_reply);
    g_test_add_func("/qmp/truncated-reply", test_truncated_reply);
    g_test_add_func("/qmp/malformed", test_malformed);
    g_test_add_func("/qmp/hostile-types", test_hostile_types);
    g_test_add_func("/qmp/event-time", test_event_time);
    g_test_add_func("/qmp/command-timeout-then-late-reply", test_command_timeout_then_late_reply);
    g_test_add_func("/qmp/bad-arguments-json", test_bad_arguments_json);
    return g_test_run();
}
