/*
 * Is a libvirt domain hotplug-ready on vcpuhp's QEMU? Read from its XML (libxml2,
 * XPath): an aarch64 guest on the hotplug machine type (the "virt" alias or
 * virt-10.0-vcpuhp: released types like virt-10.0 keep stock's ABI and cannot
 * hotplug), GICv3, ACPI and UEFI (they carry the hotplug interface to the guest),
 * one thread per core, and fewer vCPUs at start than the maximum.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    const char *id;     /* "arch", "machine", "gic", "acpi", "uefi", "topology", "vcpus" */
    gboolean ok;
    char *found;        /* what the XML says, for the user */
    char *problem;      /* NULL when ok */
    char *fix;          /* the XML to write instead; NULL when ok */
} VhDomainCheck;

typedef struct {
    char *name;         /* the domain's <name>, or NULL */
    GArray *checks;     /* VhDomainCheck, in the order above */
} VhDomainReport;

/* Checks the domain XML @xml. VH_ERROR_PROTOCOL when it is not a domain's XML. */
VhDomainReport *vh_domain_check_xml(const char *xml, gsize len, GError **error);
void vh_domain_report_free(VhDomainReport *report);

/* TRUE when every check passed. */
gboolean vh_domain_report_ready(const VhDomainReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhDomainReport, vh_domain_report_free)

G_END_DECLS
