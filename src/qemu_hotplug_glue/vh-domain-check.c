#include "vh-domain-check.h"

#include <glib/gi18n.h>

#include "vh-xml.h"

/* The machine type of the series (vmm/), which the "virt" alias names. */
#define HOTPLUG_MACHINE "virt-10.0-vcpuhp"

static void
check_clear(gpointer data)
{
    VhDomainCheck *check = data;

    g_free(check->found);
    g_free(check->problem);
    g_free(check->fix);
}

/* Adds a check; @problem and @fix are NULL when it passed (takes all three). */
static void
add_check(GArray *checks, const char *id, char *found, char *problem, char *fix)
{
    VhDomainCheck check = {
        .id = id, .ok = problem == NULL, .found = found, .problem = problem, .fix = fix,
    };

    g_array_append_val(checks, check);
}

static void
check_arch(VhXml *dom, GArray *checks)
{
    char *arch = vh_xml_string(dom, "/domain/os/type/@arch");

    if (!g_strcmp0(arch, "aarch64"))
        add_check(checks, "arch", arch, NULL, NULL);
    else
        add_check(checks, "arch", arch,
                  g_strdup(_("vcpuhp's hotplug is for aarch64 guests")),
                  g_strdup("<os><type arch='aarch64' machine='virt'>hvm</type></os>"));
}

static void
check_machine(VhXml *dom, GArray *checks)
{
    char *machine = vh_xml_string(dom, "/domain/os/type/@machine");

    /* libvirt writes the alias's target when it defines the domain; an XML
     * without a machine gets the default, the alias. */
    if (!machine || !g_strcmp0(machine, "virt") || !g_strcmp0(machine, HOTPLUG_MACHINE))
        add_check(checks, "machine", machine, NULL, NULL);
    else if (g_str_has_prefix(machine, "virt-"))
        add_check(checks, "machine", machine,
                  g_strdup_printf(_("the released machine type %s keeps the ABI of "
                                    "unpatched QEMU and cannot hotplug vCPUs"), machine),
                  g_strdup("<type arch='aarch64' machine='" HOTPLUG_MACHINE "'>hvm</type>"));
    else
        add_check(checks, "machine", machine,
                  g_strdup_printf(_("the machine type %s has no vCPU hotplug"), machine),
                  g_strdup("<type arch='aarch64' machine='virt'>hvm</type>"));
}

static void
check_gic(VhXml *dom, GArray *checks)
{
    char *version = vh_xml_string(dom, "/domain/features/gic/@version");

    /* GICv4 is a GICv3 with direct virtual interrupt injection: it hotplugs too */
    if (!g_strcmp0(version, "3") || !g_strcmp0(version, "4"))
        add_check(checks, "gic", version, NULL, NULL);
    else
        add_check(checks, "gic", version,
                  version ? g_strdup_printf(_("GIC version %s: vCPU hotplug needs GICv3 or later"),
                                            version)
                          : g_strdup(_("no GIC version: libvirt may pick GICv2, and vCPU "
                                       "hotplug needs GICv3")),
                  /* virt-install writes no <gic> and stock libvirt then picks GICv2
                   * under TCG: virt-xml is the tool that user already has. */
                  g_strdup_printf(_("%s, or with virt-xml: %s; then power the domain off "
                                    "and start it"),
                                  "<features><gic version='3'/></features>",
                                  "virt-xml DOMAIN --edit --features gic.version=3"));
}

static void
check_acpi(VhXml *dom, GArray *checks)
{
    if (vh_xml_exists(dom, "/domain/features/acpi"))
        add_check(checks, "acpi", g_strdup("<acpi/>"), NULL, NULL);
    else
        add_check(checks, "acpi", NULL,
                  g_strdup(_("no ACPI: the guest learns of new vCPUs through ACPI")),
                  g_strdup("<features><acpi/></features>"));
}

static void
check_uefi(VhXml *dom, GArray *checks)
{
    char *firmware = vh_xml_string(dom, "/domain/os/@firmware");
    char *loader = vh_xml_string(dom, "/domain/os/loader");

    if (!g_strcmp0(firmware, "efi") || loader) {
        add_check(checks, "uefi", loader ? loader : firmware, NULL, NULL);
        g_free(loader ? firmware : NULL);
        return;
    }
    add_check(checks, "uefi", firmware,
              g_strdup(_("no UEFI firmware: QEMU builds the ACPI tables of virt only for "
                         "UEFI guests")),
              g_strdup("<os firmware='efi'>"));
}

static void
check_topology(VhXml *dom, GArray *checks)
{
    char *threads = vh_xml_string(dom, "/domain/cpu/topology/@threads");

    if (!threads || !g_strcmp0(threads, "1"))
        add_check(checks, "topology", threads, NULL, NULL);
    else
        add_check(checks, "topology", threads,
                  g_strdup_printf(_("%s threads per core: vCPU hotplug needs one thread "
                                    "per core"), threads),
                  g_strdup(_("<topology threads='1' .../> with the threads counted as cores")));
}

static void
check_vcpus(VhXml *dom, GArray *checks)
{
    g_autofree char *max_text = vh_xml_string(dom, "normalize-space(/domain/vcpu)");
    g_autofree char *current_text = vh_xml_string(dom, "/domain/vcpu/@current");
    guint64 max = 0, current = 0;

    if (!max_text || !g_ascii_string_to_unsigned(max_text, 10, 1, G_MAXUINT, &max, NULL)) {
        add_check(checks, "vcpus", g_strdup(max_text),
                  g_strdup(_("no <vcpu> count")), g_strdup("<vcpu current='2'>8</vcpu>"));
        return;
    }
    if (!current_text ||
        !g_ascii_string_to_unsigned(current_text, 10, 1, G_MAXUINT, &current, NULL))
        current = max;
    if (current < max) {
        add_check(checks, "vcpus", g_strdup_printf("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                                   current, max), NULL, NULL);
        return;
    }
    add_check(checks, "vcpus", g_strdup_printf("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                               current, max),
              g_strdup_printf(_("all %" G_GUINT64_FORMAT " vCPUs are plugged at start: "
                                "there is no slot to plug into"), max),
              max > 1 ? g_strdup_printf("<vcpu current='%" G_GUINT64_FORMAT "'>%"
                                        G_GUINT64_FORMAT "</vcpu>", max / 2, max)
                      : g_strdup_printf("<vcpu current='1'>%" G_GUINT64_FORMAT "</vcpu>",
                                        max * 2));
}

VhDomainReport *
vh_domain_check_xml(const char *xml, gsize len, GError **error)
{
    g_autoptr(VhDomainReport) report = g_new0(VhDomainReport, 1);
    g_autoptr(VhXml) dom = vh_xml_parse(xml, len, "domain", error);

    if (!dom)
        return NULL;
    report->name = vh_xml_string(dom, "/domain/name");
    report->checks = g_array_new(FALSE, TRUE, sizeof(VhDomainCheck));
    g_array_set_clear_func(report->checks, check_clear);
    check_arch(dom, report->checks);
    check_machine(dom, report->checks);
    check_gic(dom, report->checks);
    check_acpi(dom, report->checks);
    check_uefi(dom, report->checks);
    check_topology(dom, report->checks);
    check_vcpus(dom, report->checks);
    return g_steal_pointer(&report);
}

void
vh_domain_report_free(VhDomainReport *report)
{
    if (!report)
        return;
    g_free(report->name);
    if (report->checks)
        g_array_unref(report->checks);
    g_free(report);
}

gboolean
vh_domain_report_ready(const VhDomainReport *report)
{
    for (guint i = 0; i < report->checks->len; i++)
        if (!g_array_index(report->checks, VhDomainCheck, i).ok)
            return FALSE;
    return TRUE;
}
