/*
 * Reading libvirt's XML (domain definitions, live domain XML) with libxml2 and
 * XPath, as input: no network, no entity expansion.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

typedef struct VhXml VhXml;

/* Parses @text; VH_ERROR_PROTOCOL unless it is well formed with root @root. */
VhXml *vh_xml_parse(const char *text, gsize len, const char *root, GError **error);
void vh_xml_free(VhXml *xml);

/* The string value of the XPath @expr, or NULL when empty (transfer full). */
char *vh_xml_string(VhXml *xml, const char *expr);
/* TRUE when @expr selects anything. */
gboolean vh_xml_exists(VhXml *xml, const char *expr);
/* The elements @expr selects, in document order (GPtrArray of xmlNode, owned by @xml). */
GPtrArray *vh_xml_nodes(VhXml *xml, const char *expr);
/* The attribute @name of @node (transfer full), or NULL. */
char *vh_xml_node_attr(xmlNode *node, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhXml, vh_xml_free)

G_END_DECLS
