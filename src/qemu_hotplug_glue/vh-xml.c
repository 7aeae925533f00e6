#include "vh-xml.h"

#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "vh-error.h"

struct VhXml {
    xmlDoc *doc;
    xmlXPathContext *xpath;
};

VhXml *
vh_xml_parse(const char *text, gsize len, const char *root, GError **error)
{
    g_autoptr(VhXml) xml = g_new0(VhXml, 1);
    xmlNode *top;

    /* No network, no entities: the XML is input, perhaps not the user's own. */
    xml->doc = xmlReadMemory(text, (int)MIN(len, G_MAXINT), "input.xml", NULL,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!xml->doc) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, _("not well-formed XML"));
        return NULL;
    }
    top = xmlDocGetRootElement(xml->doc);
    if (!top || xmlStrcmp(top->name, (const xmlChar *)root)) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    _("not a libvirt %s's XML: the root element is not <%s>"), root, root);
        return NULL;
    }
    xml->xpath = xmlXPathNewContext(xml->doc);
    return g_steal_pointer(&xml);
}

void
vh_xml_free(VhXml *xml)
{
    if (!xml)
        return;
    xmlXPathFreeContext(xml->xpath);
    xmlFreeDoc(xml->doc);
    g_free(xml);
}

static xmlXPathObject *
eval(VhXml *xml, const char *format, const char *expr)
{
    g_autofree char *wrapped = g_strdup_printf(format, expr);

    return xmlXPathEvalExpression((const xmlChar *)wrapped, xml->xpath);
}

char *
vh_xml_string(VhXml *xml, const char *expr)
{
    xmlXPathObject *obj = eval(xml, "string(%s)", expr);
    char *value = NULL;

    if (obj && obj->type == XPATH_STRING && obj->stringval && *obj->stringval)
        value = g_strdup((const char *)obj->stringval);
    xmlXPathFreeObject(obj);
    return value;
}

gboolean
vh_xml_exists(VhXml *xml, const char *expr)
{
    xmlXPathObject *obj = eval(xml, "boolean(%s)", expr);
    gboolean exists = obj && obj->type == XPATH_BOOLEAN && obj->boolval;

    xmlXPathFreeObject(obj);
    return exists;
}

GPtrArray *
vh_xml_nodes(VhXml *xml, const char *expr)
{
    xmlXPathObject *obj = eval(xml, "%s", expr);
    GPtrArray *nodes = g_ptr_array_new();

    for (int i = 0; obj && obj->type == XPATH_NODESET && obj->nodesetval &&
                    i < obj->nodesetval->nodeNr; i++)
        if (obj->nodesetval->nodeTab[i]->type == XML_ELEMENT_NODE)
            g_ptr_array_add(nodes, obj->nodesetval->nodeTab[i]);
    xmlXPathFreeObject(obj);
    return nodes;
}

char *
vh_xml_node_attr(xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    char *copy = value ? g_strdup((const char *)value) : NULL;

    xmlFree(value);
    return copy;
}
