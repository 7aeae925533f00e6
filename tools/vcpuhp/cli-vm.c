/* Opening the VM a command acts on: see cli-vm.h. */
#include "cli-vm.h"

#include <libvirt/virterror.h>
#include <unistd.h>

#include "vh-agent.h"
#include "vh-cpu-slots.h"
#include "vh-error.h"
#include "vh-libvirt.h"
#include "vh-unix.h"

#define DEFAULT_TIMEOUT_S 60
/* An agent socket with no agent behind it (qemu-ga not running) never answers:
 * say so sooner than a step's timeout. */
#define AGENT_SYNC_TIMEOUT_MS 10000

GOptionEntry *
vcpuhp_vm_option_entries(VcpuhpVmOptions *options)
{
    GOptionEntry entries[] = {
        { "qmp", 0, 0, G_OPTION_ARG_FILENAME, &options->qmp_path,
          N_("QEMU's QMP monitor socket (instead of a libvirt DOMAIN)"), N_("SOCKET") },
        { "agent", 0, 0, G_OPTION_ARG_FILENAME, &options->agent_path,
          N_("with --qmp: the QEMU guest agent's socket, to see into the guest"), N_("SOCKET") },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &options->uri,
          N_("libvirt URI of the DOMAIN (default: libvirt's)"), N_("URI") },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &options->timeout_s,
          N_("seconds each request or step may take (default 60)"), N_("S") },
        { NULL },
    };

    options->timeout_s = DEFAULT_TIMEOUT_S;
    return g_memdup2(entries, sizeof(entries));
}

void
vcpuhp_vm_options_clear(VcpuhpVmOptions *options)
{
    g_clear_pointer(&options->qmp_path, g_free);
    g_clear_pointer(&options->agent_path, g_free);
    g_clear_pointer(&options->uri, g_free);
}

guint
vcpuhp_vm_timeout_ms(const VcpuhpVmOptions *options)
{
    return (guint)MAX(1, options->timeout_s) * 1000;
}

static gboolean
open_qmp(VcpuhpVm *vm, const VcpuhpVmOptions *options, GError **error)
{
    guint timeout_ms = vcpuhp_vm_timeout_ms(options);

    vm->qmp_path = g_strdup(options->qmp_path);
    vm->qmp_fd = vh_unix_connect(options->qmp_path, error);
    if (vm->qmp_fd < 0)
        return FALSE;
    vm->qmp = vh_qmp_new(vm->qmp_fd);
    if (!vh_qmp_handshake(vm->qmp, timeout_ms, error)) {
        g_prefix_error(error, "%s: ", options->qmp_path);
        return FALSE;
    }
    vm->host = vh_qmp_cpu_host_new(vm->qmp);
    if (options->agent_path) {
        vm->guest = vh_agent_connect(options->agent_path, MIN(timeout_ms, AGENT_SYNC_TIMEOUT_MS),
                                     error);
        if (!vm->guest)
            return FALSE;
        vm->guest_source = "agent";
    }
    return TRUE;
}

static void
ignore_libvirt_error(void *data, virErrorPtr error)
{
    (void)data;
    (void)error;
}

void
vcpuhp_libvirt_quiet(void)
{
    virSetErrorFunc(NULL, ignore_libvirt_error);
}

static gboolean
open_domain(VcpuhpVm *vm, const VcpuhpVmOptions *options, const char *name, GError **error)
{
    g_autoptr(VhGuestCpus) guest = NULL;
    g_autoptr(GArray) probe = NULL;

    vcpuhp_libvirt_quiet();
    vm->domain_name = g_strdup(name);
    vm->conn = virConnectOpen(options->uri);
    vm->dom = vm->conn ? virDomainLookupByName(vm->conn, name) : NULL;
    if (!vm->dom) {
        vh_libvirt_set_error(error, name);
        (*error)->code = VH_ERROR_IO;
        return FALSE;
    }
    if (virDomainIsActive(vm->dom) != 1) {
        g_set_error(error, VH_ERROR, VH_ERROR_IO, _("domain %s is not running"), name);
        return FALSE;
    }
    vm->host = vh_libvirt_cpu_host_new(vm->dom);
    /* A domain without an agent channel, or whose agent does not answer, is seen
     * from the host only. */
    guest = vh_libvirt_guest_cpus_new(vm->dom);
    probe = vh_guest_cpus_list(guest, vcpuhp_vm_timeout_ms(options), NULL);
    if (probe) {
        vm->guest = g_steal_pointer(&guest);
        vm->guest_source = "libvirt-agent";
    }
    return TRUE;
}

VcpuhpVm *
vcpuhp_vm_open(const VcpuhpVmOptions *options, const char *domain, GError **error)
{
    g_autoptr(VcpuhpVm) vm = g_new0(VcpuhpVm, 1);

    vm->qmp_fd = -1;
    if (options->qmp_path ? !open_qmp(vm, options, error)
                          : !open_domain(vm, options, domain, error))
        return NULL;
    return g_steal_pointer(&vm);
}

void
vcpuhp_vm_free(VcpuhpVm *vm)
{
    if (!vm)
        return;
    vh_guest_cpus_free(vm->guest);
    vh_cpu_host_free(vm->host);
    vh_qmp_free(vm->qmp);
    if (vm->qmp_fd >= 0)
        close(vm->qmp_fd);
    if (vm->dom)
        virDomainFree(vm->dom);
    if (vm->conn)
        virConnectClose(vm->conn);
    g_free(vm->qmp_path);
    g_free(vm->domain_name);
    g_free(vm);
}

GArray *
vcpuhp_vm_slots(VcpuhpVm *vm, guint timeout_ms, GError **error)
{
    return vm->qmp ? vh_cpu_slots_query(vm->qmp, timeout_ms, error)
                   : vh_libvirt_slots(vm->dom, error);
}

void
vcpuhp_vm_add_json(VcpuhpVm *vm, JsonBuilder *b)
{
    json_builder_set_member_name(b, "vm");
    json_builder_begin_object(b);
    if (vm->qmp) {
        json_builder_set_member_name(b, "qmp");
        json_builder_add_string_value(b, vm->qmp_path);
        json_builder_set_member_name(b, "qemu-version");
        json_builder_add_string_value(b, vh_qmp_qemu_version(vm->qmp));
    } else {
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, vm->domain_name);
    }
    json_builder_end_object(b);
}

char *
vcpuhp_vm_describe(VcpuhpVm *vm)
{
    if (vm->qmp)
        return g_strdup_printf(_("QEMU %s at %s"), vh_qmp_qemu_version(vm->qmp), vm->qmp_path);
    return g_strdup_printf(_("domain %s"), vm->domain_name);
}
