/*
 * vcpuhp check: is a domain hotplug-ready, and what to change if not. Reads the
 * domain's XML from a file, or a defined domain's from libvirt (its inactive
 * definition, which the next start uses).
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli-vm.h"
#include "vh-domain-check.h"

/* The inactive XML of the defined domain @name (transfer full), or NULL. */
static char *
libvirt_domain_xml(const char *uri, const char *name, GError **error)
{
    virConnectPtr conn = NULL;
    virDomainPtr dom = NULL;
    char *xml = NULL, *copy = NULL;

    vcpuhp_libvirt_quiet();
    conn = virConnectOpenReadOnly(uri);
    dom = conn ? virDomainLookupByName(conn, name) : NULL;
    xml = dom ? virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE) : NULL;

    if (xml) {
        copy = g_strdup(xml);
        free(xml);
    } else {
        virErrorPtr last = virGetLastError();

        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    _("%s is neither a file nor a domain libvirt knows: %s"), name,
                    last && last->message ? last->message : _("no libvirt connection"));
    }
    if (dom)
        virDomainFree(dom);
    if (conn)
        virConnectClose(conn);
    return copy;
}

static JsonNode *
check_json(const char *source, const VhDomainReport *report)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "source");
    json_builder_add_string_value(b, source);
    json_builder_set_member_name(b, "domain");
    if (report->name)
        json_builder_add_string_value(b, report->name);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "ready");
    json_builder_add_boolean_value(b, vh_domain_report_ready(report));
    json_builder_set_member_name(b, "checks");
    json_builder_begin_array(b);
    for (guint i = 0; i < report->checks->len; i++) {
        const VhDomainCheck *check = &g_array_index(report->checks, VhDomainCheck, i);
        const char *strings[][2] = {
            { "found", check->found }, { "problem", check->problem }, { "fix", check->fix },
        };

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "check");
        json_builder_add_string_value(b, check->id);
        json_builder_set_member_name(b, "ok");
        json_builder_add_boolean_value(b, check->ok);
        for (guint s = 0; s < G_N_ELEMENTS(strings); s++) {
            json_builder_set_member_name(b, strings[s][0]);
            if (strings[s][1])
                json_builder_add_string_value(b, strings[s][1]);
            else
                json_builder_add_null_value(b);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void
print_report(const char *source, const VhDomainReport *report)
{
    guint problems = 0;

    for (guint i = 0; i < report->checks->len; i++)
        problems += !g_array_index(report->checks, VhDomainCheck, i).ok;
    if (problems)
        printf(ngettext("%s (%s): not hotplug-ready, %u problem\n",
                        "%s (%s): not hotplug-ready, %u problems\n", problems),
               report->name ? report->name : _("unnamed domain"), source, problems);
    else
        printf(_("%s (%s): hotplug-ready\n"), report->name ? report->name : _("unnamed domain"),
               source);
    for (guint i = 0; i < report->checks->len; i++) {
        const VhDomainCheck *check = &g_array_index(report->checks, VhDomainCheck, i);

        /* TRANSLATORS: the verdict column of vcpuhp check: 4 characters at most. */
        printf("  %-4s %-9s %s\n", check->ok ? _("ok") : _("FIX"), check->id,
               check->ok ? (check->found ? check->found : _("(default)")) : check->problem);
        if (!check->ok)
            printf("  %-4s %-9s %s %s\n", "", "", _("write:"), check->fix);
    }
}

int
vcpuhp_cmd_check(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("libvirt URI to look the domain up in (default: libvirt's)"), N_("URI") },
        { NULL },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(VhDomainReport) report = NULL;
    g_autofree char *xml = NULL;
    gsize len = 0;
    VcpuhpOutput output;
    int status = vcpuhp_parse_args("check", N_("DOMAIN.xml|DOMAIN - is a domain hotplug-ready?"),
                                   entries, NULL, &output, &argc, &argv);

    if (status >= 0)
        return status;
    if (argc != 2)
        return vcpuhp_fail("check", VCPUHP_EXIT_USAGE,
                           _("usage: vcpuhp check [--connect URI] DOMAIN.xml|DOMAIN"));
    if (g_file_test(argv[1], G_FILE_TEST_EXISTS)) {
        if (!g_file_get_contents(argv[1], &xml, &len, &err))
            return vcpuhp_fail("check", VCPUHP_EXIT_UNREACHABLE, "%s", err->message);
    } else {
        xml = libvirt_domain_xml(uri, argv[1], &err);
        if (!xml)
            return vcpuhp_fail("check", VCPUHP_EXIT_UNREACHABLE, "%s", err->message);
        len = strlen(xml);
    }
    report = vh_domain_check_xml(xml, len, &err);
    if (!report)
        return vcpuhp_fail("check", VCPUHP_EXIT_FAILED, "%s: %s", argv[1], err->message);
    if (output == VCPUHP_OUTPUT_JSON)
        vcpuhp_print_json(check_json(argv[1], report));
    else
        print_report(argv[1], report);
    return vh_domain_report_ready(report) ? VCPUHP_EXIT_OK : VCPUHP_EXIT_NOT_READY;
}
