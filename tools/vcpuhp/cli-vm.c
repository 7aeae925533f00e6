/* Opening the VM a command acts on: see cli-vm.h. */
#include "cli-vm.h"

#include <unistd.h>

#include "vh-agent.h"
#include "vh-error.h"
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
          N_("QEMU's QMP monitor socket"), N_("SOCKET") },
        { "agent", 0, 0, G_OPTION_ARG_FILENAME, &options->agent_path,
          N_("the QEMU guest agent's socket, to see into the guest"), N_("SOCKET") },
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
}

guint
vcpuhp_vm_timeout_ms(const VcpuhpVmOptions *options)
{
    return (guint)MAX(1, options->timeout_s) * 1000;
}

VcpuhpVm *
vcpuhp_vm_open(const VcpuhpVmOptions *options, GError **error)
{
    g_autoptr(VcpuhpVm) vm = g_new0(VcpuhpVm, 1);
    guint timeout_ms = vcpuhp_vm_timeout_ms(options);

    vm->qmp_path = g_strdup(options->qmp_path);
    vm->qmp_fd = vh_unix_connect(options->qmp_path, error);
    if (vm->qmp_fd < 0)
        return NULL;
    vm->qmp = vh_qmp_new(vm->qmp_fd);
    if (!vh_qmp_handshake(vm->qmp, timeout_ms, error)) {
        g_prefix_error(error, "%s: ", options->qmp_path);
        return NULL;
    }
    if (options->agent_path) {
        vm->guest = vh_agent_connect(options->agent_path, MIN(timeout_ms, AGENT_SYNC_TIMEOUT_MS),
                                     error);
        if (!vm->guest)
            return NULL;
        vm->guest_source = "agent";
    }
    return g_steal_pointer(&vm);
}

void
vcpuhp_vm_free(VcpuhpVm *vm)
{
    if (!vm)
        return;
    vh_guest_cpus_free(vm->guest);
    vh_qmp_free(vm->qmp);
    if (vm->qmp_fd >= 0)
        close(vm->qmp_fd);
    g_free(vm->qmp_path);
    g_free(vm);
}
