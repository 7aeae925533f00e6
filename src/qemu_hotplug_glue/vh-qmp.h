/*
 * A synchronous QMP client: greeting and capabilities negotiation, commands with
 * timeouts, and asynchronous events (DEVICE_DELETED, ACPI_DEVICE_OST, ...) that
 * are queued while a command waits for its reply and consumed with
 * vh_qmp_wait_event().
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct VhQmp VhQmp;

/* The client does not own @fd (the launcher or the test closes it). */
VhQmp *vh_qmp_new(int fd);
void vh_qmp_free(VhQmp *qmp);

/* Reads the greeting and negotiates capabilities. */
gboolean vh_qmp_handshake(VhQmp *qmp, guint timeout_ms, GError **error);

/* "major.minor.micro" from the greeting, once vh_qmp_handshake() succeeded. */
const char *vh_qmp_qemu_version(VhQmp *qmp);

/*
 * Runs @command with @arguments (a JSON object, or NULL) and returns the "return"
 * member (transfer full). An "error" reply fails with VH_ERROR_COMMAND and a message
 * that carries QEMU's class and description.
 */
JsonNode *vh_qmp_execute(VhQmp *qmp, const char *command, JsonObject *arguments,
                         guint timeout_ms, GError **error);

/* As vh_qmp_execute(), with the arguments given as JSON text (NULL for none). */
JsonNode *vh_qmp_execute_json(VhQmp *qmp, const char *command, const char *arguments_json,
                              guint timeout_ms, GError **error);

/* Returns TRUE when the event (a whole QMP event object) is the awaited one. */
typedef gboolean (*VhQmpEventMatch)(JsonObject *event, gpointer user_data);

/*
 * Returns the first queued or arriving event named @name (of any name when NULL:
 * then @match tells) that @match accepts (any, when @match is NULL), removing it
 * from the queue (transfer full).
 */
JsonObject *vh_qmp_wait_event(VhQmp *qmp, const char *name, VhQmpEventMatch match,
                              gpointer user_data, guint timeout_ms, GError **error);

/* VhQmpEventMatch for DEVICE_DELETED: data.device is the id @device_id. */
gboolean vh_qmp_match_device(JsonObject *event, gpointer device_id);
/* VhQmpEventMatch for ACPI_DEVICE_OST: data.info.device is the id @device_id. */
gboolean vh_qmp_match_ost_device(JsonObject *event, gpointer device_id);

/* When QEMU sent @event: microseconds since the epoch, on g_get_real_time()'s clock
 * (QEMU stamps events with the host's wall clock); -1 without a timestamp. */
gint64 vh_qmp_event_time_us(JsonObject *event);

/* Drops every queued event; returns how many. */
guint vh_qmp_clear_events(VhQmp *qmp);

/* Number of queued events named @name (all events when NULL). */
guint vh_qmp_count_events(VhQmp *qmp, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhQmp, vh_qmp_free)

G_END_DECLS
