#include "vh-json.h"

static JsonNode *
member_value(JsonObject *obj, const char *member, GType type)
{
    JsonNode *node = obj ? json_object_get_member(obj, member) : NULL;

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != type)
        return NULL;
    return node;
}

const char *
vh_json_string(JsonObject *obj, const char *member)
{
    JsonNode *node = member_value(obj, member, G_TYPE_STRING);

    return node ? json_node_get_string(node) : NULL;
}

JsonObject *
vh_json_object(JsonObject *obj, const char *member)
{
    JsonNode *node = obj ? json_object_get_member(obj, member) : NULL;

    return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

JsonArray *
vh_json_array(JsonObject *obj, const char *member)
{
    JsonNode *node = obj ? json_object_get_member(obj, member) : NULL;

    return node && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
}

gint64
vh_json_int(JsonObject *obj, const char *member, gint64 fallback)
{
    JsonNode *node = member_value(obj, member, G_TYPE_INT64);

    return node ? json_node_get_int(node) : fallback;
}

gboolean
vh_json_bool(JsonObject *obj, const char *member, gboolean fallback)
{
    JsonNode *node = member_value(obj, member, G_TYPE_BOOLEAN);

    return node ? json_node_get_boolean(node) : fallback;
}

JsonObject *
vh_json_array_object(JsonArray *array, guint index)
{
    JsonNode *node;

    if (!array || index >= json_array_get_length(array))
        return NULL;
    node = json_array_get_element(array, index);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}
