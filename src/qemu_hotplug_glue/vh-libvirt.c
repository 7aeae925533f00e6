#include "vh-libvirt.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "vh-cpu-cycle.h"
#include "vh-cpu-slots.h"
#include "vh-cpulist.h"
#include "vh-error.h"
#include "vh-xml.h"

void
vh_libvirt_set_error(GError **error, const char *what)
{
    virErrorPtr last = virGetLastError();
    const char *message = last && last->message ? last->message : "unknown libvirt error";
    /* libvirt's words for QEMU's DEVICE_UNPLUG_GUEST_ERROR, and for the agent's
     * own error answer to guest-set-vcpus. */
    gboolean refused = strstr(message, "rejected by the guest") ||
                       strstr(message, "'guest-set-vcpus'");

    g_set_error(error, VH_ERROR, refused ? VH_ERROR_REFUSED : VH_ERROR_COMMAND, "%s: %s",
                what, message);
}

static guint
topology_value(VhXml *xml, const char *attr)
{
    g_autofree char *expr = g_strdup_printf("/domain/cpu/topology/@%s", attr);
    g_autofree char *text = vh_xml_string(xml, expr);
    guint64 value = 0;

    if (!text || !g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, &value, NULL))
        return 0;
    return (guint)value;
}

/*
 * libvirt numbers vCPUs in topology order, as QEMU's slots sort: thread fastest,
 * then core, cluster, socket. Without <topology>, QEMU's virt machine puts every
 * vCPU in one socket and cluster, a core each.
 */
static void
ids_of(guint id, guint clusters, guint cores, guint threads, gint64 ids[VH_SLOT_N_IDS])
{
    ids[VH_SLOT_THREAD] = id % threads;
    ids[VH_SLOT_CORE] = id / threads % cores;
    ids[VH_SLOT_CLUSTER] = id / threads / cores % clusters;
    ids[VH_SLOT_SOCKET] = id / threads / cores / clusters;
}

GArray *
vh_libvirt_slots(virDomainPtr dom, GError **error)
{
    char *text = virDomainGetXMLDesc(dom, 0);
    g_autoptr(VhXml) xml = NULL;
    g_autoptr(GArray) slots = vh_cpu_slots_new();
    g_autoptr(GPtrArray) vcpus = NULL;
    g_autofree char *max_text = NULL;
    guint64 max = 0;
    guint cores, clusters, threads;

    if (!text) {
        vh_libvirt_set_error(error, "virDomainGetXMLDesc");
        return NULL;
    }
    xml = vh_xml_parse(text, strlen(text), "domain", error);
    free(text);
    if (!xml)
        return NULL;
    max_text = vh_xml_string(xml, "normalize-space(/domain/vcpu)");
    if (!max_text || !g_ascii_string_to_unsigned(max_text, 10, 1, G_MAXUINT, &max, NULL)) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "the domain's XML has no <vcpu> count");
        return NULL;
    }
    threads = MAX(1, topology_value(xml, "threads"));
    clusters = MAX(1, topology_value(xml, "clusters"));
    cores = topology_value(xml, "cores") ? topology_value(xml, "cores") : (guint)max;
    vcpus = vh_xml_nodes(xml, "/domain/vcpus/vcpu");
    for (guint i = 0; i < max; i++) {
        VhCpuSlot slot = { .guest_cpu = i };

        ids_of(i, clusters, cores, threads, slot.ids);
        g_array_append_val(slots, slot);
    }
    /* Without <vcpus> (a driver that does not hotplug), the first <vcpu current>
     * are plugged for good. */
    if (!vcpus->len) {
        g_autofree char *current_text = vh_xml_string(xml, "/domain/vcpu/@current");
        guint64 current = max;

        if (current_text)
            g_ascii_string_to_unsigned(current_text, 10, 1, max, &current, NULL);
        for (guint i = 0; i < current; i++)
            g_array_index(slots, VhCpuSlot, i).plugged = TRUE;
    }
    /* A running domain's live XML has a <vcpu> in <vcpus> for each. */
    for (guint i = 0; i < vcpus->len; i++) {
        g_autofree char *id = vh_xml_node_attr(vcpus->pdata[i], "id");
        g_autofree char *enabled = vh_xml_node_attr(vcpus->pdata[i], "enabled");
        g_autofree char *hotpluggable = vh_xml_node_attr(vcpus->pdata[i], "hotpluggable");
        guint64 n = 0;
        VhCpuSlot *slot;

        if (!id || !g_ascii_string_to_unsigned(id, 10, 0, max - 1, &n, NULL))
            continue;
        slot = &g_array_index(slots, VhCpuSlot, n);
        if (g_strcmp0(enabled, "yes"))
            continue;
        slot->plugged = TRUE;
        if (!g_strcmp0(hotpluggable, "yes"))
            slot->dev_id = g_strdup_printf("vcpu%" G_GUINT64_FORMAT, n);
    }
    return g_steal_pointer(&slots);
}

typedef struct {
    VhCpuHost parent;
    virDomainPtr dom;
} LibvirtHost;

static gboolean
set_vcpu(virDomainPtr dom, const VhCpuCycle *cycle, gboolean plug, gint64 *sent_at,
         GError **error)
{
    g_autofree char *id = g_strdup_printf("%u", cycle->guest_cpu);

    *sent_at = g_get_monotonic_time();
    if (virDomainSetVcpu(dom, id, plug ? 1 : 0, VIR_DOMAIN_AFFECT_LIVE) == 0)
        return TRUE;
    vh_libvirt_set_error(error, plug ? "virDomainSetVcpu (enable)" : "virDomainSetVcpu (disable)");
    if (error && *error && (*error)->code == VH_ERROR_REFUSED)
        g_prefix_error(error, _("the guest refused to eject vCPU %s: "), cycle->dev_id);
    return FALSE;
}

static gboolean
libvirt_plug(VhCpuHost *self, const VhCpuCycle *cycle, gint64 *sent_at, GError **error)
{
    return set_vcpu(((LibvirtHost *)self)->dom, cycle, TRUE, sent_at, error);
}

/* libvirt's unplug waits itself for DEVICE_DELETED, or the guest's refusal. */
static gboolean
libvirt_request_unplug(VhCpuHost *self, const VhCpuCycle *cycle, gint64 *sent_at,
                       GError **error)
{
    return set_vcpu(((LibvirtHost *)self)->dom, cycle, FALSE, sent_at, error);
}

static gboolean
libvirt_wait_unplugged(VhCpuHost *self, const VhCpuCycle *cycle, GError **error)
{
    (void)self;
    (void)cycle;
    (void)error;
    return TRUE;
}

static void
libvirt_host_free(VhCpuHost *self)
{
    virDomainFree(((LibvirtHost *)self)->dom);
    g_free(self);
}

static const VhCpuHostOps libvirt_host_ops = {
    .plug = libvirt_plug,
    .request_unplug = libvirt_request_unplug,
    .wait_unplugged = libvirt_wait_unplugged,
    .free = libvirt_host_free,
};

VhCpuHost *
vh_libvirt_cpu_host_new(virDomainPtr dom)
{
    LibvirtHost *host = g_new0(LibvirtHost, 1);

    host->parent.ops = &libvirt_host_ops;
    virDomainRef(dom);
    host->dom = dom;
    return &host->parent;
}

typedef struct {
    VhGuestCpus parent;
    virDomainPtr dom;
} LibvirtGuest;

static GArray *
libvirt_list(VhGuestCpus *self, guint timeout_ms, GError **error)
{
    virDomainPtr dom = ((LibvirtGuest *)self)->dom;
    virTypedParameterPtr params = NULL;
    unsigned int nparams = 0;
    const char *enabled = NULL, *online = NULL, *offlinable = NULL;
    g_autoptr(GArray) cpus = NULL;
    GArray *list = NULL;

    /* libvirt bounds its agent calls itself (virDomainAgentSetResponseTimeout). */
    (void)timeout_ms;
    if (virDomainGetGuestVcpus(dom, &params, &nparams, 0) < 0) {
        vh_libvirt_set_error(error, "virDomainGetGuestVcpus");
        return NULL;
    }
    virTypedParamsGetString(params, (int)nparams, "vcpus", &enabled);
    virTypedParamsGetString(params, (int)nparams, "online", &online);
    virTypedParamsGetString(params, (int)nparams, "offlinable", &offlinable);
    cpus = vh_cpulist_parse(enabled ? enabled : "", error);
    if (cpus) {
        list = g_array_new(FALSE, TRUE, sizeof(VhGuestCpu));
        for (guint i = 0; i < cpus->len; i++) {
            VhGuestCpu cpu = { .cpu = g_array_index(cpus, guint, i) };

            cpu.online = online && vh_cpulist_contains(online, cpu.cpu);
            cpu.can_offline = offlinable && vh_cpulist_contains(offlinable, cpu.cpu);
            g_array_append_val(list, cpu);
        }
    }
    virTypedParamsFree(params, (int)nparams);
    return list;
}

static gboolean
libvirt_wait_enabled(VhGuestCpus *self, guint cpu, gboolean enabled, guint timeout_ms,
                     GError **error)
{
    return vh_guest_cpus_poll_enabled(self, cpu, enabled, timeout_ms, error);
}

static gboolean
libvirt_set_online(VhGuestCpus *self, guint cpu, gboolean online, guint timeout_ms,
                   GError **error)
{
    g_autofree char *map = g_strdup_printf("%u", cpu);

    (void)timeout_ms;
    if (virDomainSetGuestVcpus(((LibvirtGuest *)self)->dom, map, online ? 1 : 0, 0) == 0)
        return TRUE;
    vh_libvirt_set_error(error, "virDomainSetGuestVcpus");
    g_prefix_error(error, online ? _("the guest did not bring cpu %u online: ")
                                 : _("the guest did not take cpu %u offline: "), cpu);
    return FALSE;
}

static void
libvirt_guest_free(VhGuestCpus *self)
{
    virDomainFree(((LibvirtGuest *)self)->dom);
    g_free(self);
}

static const VhGuestCpusOps libvirt_guest_ops = {
    .list = libvirt_list,
    .wait_enabled = libvirt_wait_enabled,
    .set_online = libvirt_set_online,
    .free = libvirt_guest_free,
};

VhGuestCpus *
vh_libvirt_guest_cpus_new(virDomainPtr dom)
{
    LibvirtGuest *guest = g_new0(LibvirtGuest, 1);

    guest->parent.ops = &libvirt_guest_ops;
    virDomainRef(dom);
    guest->dom = dom;
    return &guest->parent;
}
