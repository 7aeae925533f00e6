#include "vh-qmp.h"

#include "vh-error.h"
#include "vh-json.h"
#include "vh-line-reader.h"

struct VhQmp {
    int fd;
    VhLineReader *reader;
    GQueue events;      /* JsonObject*: events read while waiting for something else */
    guint64 next_id;    /* commands carry "id": "vh-<n>" so replies can be matched */
    char *version;
};

VhQmp *
vh_qmp_new(int fd)
{
    VhQmp *qmp = g_new0(VhQmp, 1);

    qmp->fd = fd;
    qmp->reader = vh_line_reader_new(fd);
    g_queue_init(&qmp->events);
    qmp->next_id = 1;
    return qmp;
}

void
vh_qmp_free(VhQmp *qmp)
{
    if (!qmp)
        return;
    g_queue_clear_full(&qmp->events, (GDestroyNotify)json_object_unref);
    vh_line_reader_free(qmp->reader);
    g_free(qmp->version);
    g_free(qmp);
}

/* Reads one QMP message: a JSON object on a line of its own. */
static JsonObject *
read_message(VhQmp *qmp, gint64 deadline, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *line = NULL;
    g_autoptr(GError) parse_error = NULL;
    JsonNode *root;

    do {
        g_free(line);
        line = vh_line_reader_read_line(qmp->reader, deadline, error);
        if (!line) {
            if (error && *error && (*error)->code == VH_ERROR_EOF)
                g_prefix_error(error, "QMP: ");
            return NULL;
        }
    } while (g_strstrip(line)[0] == '\0');

    if (!json_parser_load_from_data(parser, line, -1, &parse_error)) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "QMP: malformed JSON (%s): %.200s",
                    parse_error->message, line);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "QMP: message is not a JSON object: %.200s", line);
        return NULL;
    }
    return json_object_ref(json_node_get_object(root));
}

static gboolean
send_object(VhQmp *qmp, JsonObject *obj, gint64 deadline, GError **error)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
    g_autofree char *text = json_to_string(node, FALSE);
    g_autofree char *line = g_strconcat(text, "\n", NULL);

    if (!vh_write_all(qmp->fd, line, strlen(line), deadline, error)) {
        g_prefix_error(error, "QMP: ");
        return FALSE;
    }
    return TRUE;
}

gboolean
vh_qmp_handshake(VhQmp *qmp, guint timeout_ms, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);
    g_autoptr(JsonObject) greeting = read_message(qmp, deadline, error);
    g_autoptr(JsonNode) reply = NULL;
    JsonObject *qmp_member, *version;

    if (!greeting)
        return FALSE;
    qmp_member = vh_json_object(greeting, "QMP");
    if (!qmp_member) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "QMP: the first message is not a greeting (no \"QMP\" member)");
        return FALSE;
    }
    version = vh_json_object(vh_json_object(qmp_member, "version"), "qemu");
    if (version)
        qmp->version = g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                       vh_json_int(version, "major", 0),
                                       vh_json_int(version, "minor", 0),
                                       vh_json_int(version, "micro", 0));
    reply = vh_qmp_execute(qmp, "qmp_capabilities", NULL,
                           MAX(1, (deadline - g_get_monotonic_time()) / 1000), error);
    return reply != NULL;
}

const char *
vh_qmp_qemu_version(VhQmp *qmp)
{
    return qmp->version;
}

static JsonNode *
error_reply(const char *command, JsonObject *reply, GError **error)
{
    JsonObject *err = vh_json_object(reply, "error");
    const char *klass = vh_json_string(err, "class");
    const char *desc = vh_json_string(err, "desc");

    g_set_error(error, VH_ERROR, VH_ERROR_COMMAND, "%s: %s: %s", command,
                klass ? klass : "(no class)", desc ? desc : "(no description)");
    return NULL;
}

JsonNode *
vh_qmp_execute(VhQmp *qmp, const char *command, JsonObject *arguments,
               guint timeout_ms, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);
    g_autoptr(JsonObject) request = json_object_new();
    g_autofree char *id = g_strdup_printf("vh-%" G_GUINT64_FORMAT, qmp->next_id++);

    json_object_set_string_member(request, "execute", command);
    if (arguments)
        json_object_set_object_member(request, "arguments", json_object_ref(arguments));
    json_object_set_string_member(request, "id", id);
    if (!send_object(qmp, request, deadline, error))
        return NULL;

    for (;;) {
        g_autoptr(JsonObject) msg = read_message(qmp, deadline, error);
        const char *reply_id;

        if (!msg) {
            g_prefix_error(error, "%s: ", command);
            return NULL;
        }
        if (json_object_has_member(msg, "event")) {
            g_queue_push_tail(&qmp->events, g_steal_pointer(&msg));
            continue;
        }
        reply_id = vh_json_string(msg, "id");
        if (g_strcmp0(reply_id, id) != 0) {
            /* A reply to an earlier command that timed out: skip it. */
            if (reply_id && g_str_has_prefix(reply_id, "vh-"))
                continue;
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "%s: QMP reply with unexpected id %s", command,
                        reply_id ? reply_id : "(none)");
            return NULL;
        }
        if (json_object_has_member(msg, "error"))
            return error_reply(command, msg, error);
        if (!json_object_has_member(msg, "return")) {
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "%s: QMP reply has neither \"return\" nor \"error\"", command);
            return NULL;
        }
        return json_object_dup_member(msg, "return");
    }
}

JsonNode *
vh_qmp_execute_json(VhQmp *qmp, const char *command, const char *arguments_json,
                    guint timeout_ms, GError **error)
{
    g_autoptr(JsonParser) parser = NULL;
    JsonNode *root;

    if (!arguments_json)
        return vh_qmp_execute(qmp, command, NULL, timeout_ms, error);
    parser = json_parser_new();
    if (!json_parser_load_from_data(parser, arguments_json, -1, error))
        return NULL;
    root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "%s: arguments must be a JSON object", command);
        return NULL;
    }
    return vh_qmp_execute(qmp, command, json_node_get_object(root), timeout_ms, error);
}

static gboolean
event_matches(JsonObject *event, const char *name, VhQmpEventMatch match, gpointer data)
{
    return (!name || g_strcmp0(vh_json_string(event, "event"), name) == 0)
           && (!match || match(event, data));
}

JsonObject *
vh_qmp_wait_event(VhQmp *qmp, const char *name, VhQmpEventMatch match,
                  gpointer user_data, guint timeout_ms, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);

    for (GList *l = qmp->events.head; l; l = l->next) {
        if (event_matches(l->data, name, match, user_data)) {
            JsonObject *event = l->data;

            g_queue_delete_link(&qmp->events, l);
            return event;
        }
    }
    for (;;) {
        g_autoptr(GError) local = NULL;
        JsonObject *msg = read_message(qmp, deadline, &local);

        if (!msg) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "waiting for event %s: ", name ? name : "(any)");
            return NULL;
        }
        if (!json_object_has_member(msg, "event")) {
            /* Only late replies to timed-out commands can arrive here. */
            json_object_unref(msg);
            continue;
        }
        if (event_matches(msg, name, match, user_data))
            return msg;
        g_queue_push_tail(&qmp->events, msg);
    }
}

gboolean
vh_qmp_match_device(JsonObject *event, gpointer device_id)
{
    return g_strcmp0(vh_json_string(vh_json_object(event, "data"), "device"), device_id) == 0;
}

gboolean
vh_qmp_match_ost_device(JsonObject *event, gpointer device_id)
{
    JsonObject *info = vh_json_object(vh_json_object(event, "data"), "info");

    return g_strcmp0(vh_json_string(info, "device"), device_id) == 0;
}

gint64
vh_qmp_event_time_us(JsonObject *event)
{
    JsonObject *ts = vh_json_object(event, "timestamp");
    gint64 seconds = vh_json_int(ts, "seconds", -1);
    gint64 microseconds = vh_json_int(ts, "microseconds", -1);

    if (seconds < 0 || seconds > G_MAXINT64 / G_USEC_PER_SEC - 1 || microseconds < 0 ||
        microseconds >= G_USEC_PER_SEC)
        return -1;
    return seconds * G_USEC_PER_SEC + microseconds;
}

guint
vh_qmp_clear_events(VhQmp *qmp)
{
    guint n = qmp->events.length;

    g_queue_clear_full(&qmp->events, (GDestroyNotify)json_object_unref);
    g_queue_init(&qmp->events);
    return n;
}

guint
vh_qmp_count_events(VhQmp *qmp, const char *name)
{
    guint n = 0;

    for (GList *l = qmp->events.head; l; l = l->next)
        if (!name || event_matches(l->data, name, NULL, NULL))
            n++;
    return n;
}
