/*
 * Type-checked accessors for JSON that comes from a peer (QEMU's monitor): they
 * return NULL/default on a missing member or a member of the wrong type instead of
 * raising GLib criticals, because a peer's reply is input, not a program invariant.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

const char *vh_json_string(JsonObject *obj, const char *member);
JsonObject *vh_json_object(JsonObject *obj, const char *member);
JsonArray *vh_json_array(JsonObject *obj, const char *member);
/* @fallback unless the member is an integer. */
gint64 vh_json_int(JsonObject *obj, const char *member, gint64 fallback);
/* @fallback unless the member is a boolean. */
gboolean vh_json_bool(JsonObject *obj, const char *member, gboolean fallback);

/* The object at @index of @array, or NULL. */
JsonObject *vh_json_array_object(JsonArray *array, guint index);

G_END_DECLS
