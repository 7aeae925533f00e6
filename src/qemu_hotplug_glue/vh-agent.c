#include "vh-agent.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "vh-error.h"
#include "vh-json.h"
#include "vh-qmp.h"
#include "vh-unix.h"

typedef struct {
    VhGuestCpus parent;
    int fd;
    VhQmp *qmp;
} Agent;

static GArray *
agent_list(VhGuestCpus *self, guint timeout_ms, GError **error)
{
    Agent *agent = (Agent *)self;
    g_autoptr(JsonNode) ret = vh_qmp_execute(agent->qmp, "guest-get-vcpus", NULL, timeout_ms,
                                             error);
    JsonArray *arr;
    GArray *cpus;

    if (!ret)
        return NULL;
    arr = JSON_NODE_HOLDS_ARRAY(ret) ? json_node_get_array(ret) : NULL;
    if (!arr) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL, "guest-get-vcpus: not an array");
        return NULL;
    }
    cpus = g_array_new(FALSE, TRUE, sizeof(VhGuestCpu));
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *obj = vh_json_array_object(arr, i);
        gint64 id = vh_json_int(obj, "logical-id", -1);
        VhGuestCpu cpu;

        if (id < 0 || id > G_MAXUINT) {
            g_array_unref(cpus);
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "guest-get-vcpus: entry %u has no logical-id", i);
            return NULL;
        }
        cpu.cpu = (guint)id;
        cpu.online = vh_json_bool(obj, "online", FALSE);
        cpu.can_offline = vh_json_bool(obj, "can-offline", FALSE);
        g_array_append_val(cpus, cpu);
    }
    return cpus;
}

static gboolean
agent_wait_enabled(VhGuestCpus *self, guint cpu, gboolean enabled, guint timeout_ms,
                   GError **error)
{
    return vh_guest_cpus_poll_enabled(self, cpu, enabled, timeout_ms, error);
}

static gboolean
agent_set_online(VhGuestCpus *self, guint cpu, gboolean online, guint timeout_ms,
                 GError **error)
{
    Agent *agent = (Agent *)self;
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonArray) vcpus = json_array_new();
    JsonObject *vcpu = json_object_new();
    g_autoptr(GError) local = NULL;
    g_autoptr(JsonNode) ret = NULL;

    json_object_set_int_member(vcpu, "logical-id", cpu);
    json_object_set_boolean_member(vcpu, "online", online);
    json_array_add_object_element(vcpus, vcpu);
    json_object_set_array_member(args, "vcpus", json_array_ref(vcpus));
    ret = vh_qmp_execute(agent->qmp, "guest-set-vcpus", args, timeout_ms, &local);
    /* The agent answers how many of the list it processed: 0 is an error. */
    if (ret && JSON_NODE_HOLDS_VALUE(ret) && json_node_get_int(ret) == 1)
        return TRUE;
    g_set_error(error, VH_ERROR, local && local->code != VH_ERROR_COMMAND ? local->code
                                                                         : VH_ERROR_REFUSED,
                online ? _("the guest refused to bring cpu %u online: %s")
                       : _("the guest refused to take cpu %u offline: %s"),
                cpu, local ? local->message : _("it processed none"));
    return FALSE;
}

static void
agent_free(VhGuestCpus *self)
{
    Agent *agent = (Agent *)self;

    vh_qmp_free(agent->qmp);
    close(agent->fd);
    g_free(agent);
}

static const VhGuestCpusOps agent_ops = {
    .list = agent_list,
    .wait_enabled = agent_wait_enabled,
    .set_online = agent_set_online,
    .free = agent_free,
};

VhGuestCpus *
vh_agent_new(int fd, guint timeout_ms, GError **error)
{
    g_autoptr(VhGuestCpus) self = NULL;
    Agent *agent = g_new0(Agent, 1);
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) ret = NULL;
    /* guest-sync echoes a value of ours: an answer proves an agent is there and
     * that what we read next is ours. */
    gint64 token = g_random_int_range(1, G_MAXINT32);

    agent->parent.ops = &agent_ops;
    agent->fd = fd;
    agent->qmp = vh_qmp_new(fd);
    self = &agent->parent;
    json_object_set_int_member(args, "id", token);
    ret = vh_qmp_execute(agent->qmp, "guest-sync", args, timeout_ms, error);
    if (!ret) {
        g_prefix_error(error, _("no QEMU guest agent answered: "));
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(ret) || json_node_get_int(ret) != token) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "guest-sync: the agent did not echo our token");
        return NULL;
    }
    return g_steal_pointer(&self);
}

VhGuestCpus *
vh_agent_connect(const char *path, guint timeout_ms, GError **error)
{
    int fd = vh_unix_connect(path, error);
    VhGuestCpus *agent;

    if (fd < 0)
        return NULL;
    agent = vh_agent_new(fd, timeout_ms, error);
    if (!agent)
        g_prefix_error(error, "%s: ", path);
    return agent;
}
