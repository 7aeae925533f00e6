#include "fake-vm.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vh-json.h"

#define N_SLOTS 6
#define N_BOOT 2

struct FakeVm {
    GMutex lock;
    char *qmp_path, *agent_path;
    int qmp_listen, agent_listen;
    GThread *qmp_thread, *agent_thread;
    gboolean stopping;
    char *dev_ids[N_SLOTS];     /* NULL: empty, "" a boot vCPU */
    gboolean online[N_SLOTS];
    char *refuse_eject;
    gint refuse_online;
    gboolean silent_agent;
    guint listings_to_fail;     /* after each unplug */
    guint failing_listings;     /* left to fail now */
};

static int
listen_on(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, path);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(fd, 4), ==, 0);
    return fd;
}

static void
send_line(int fd, const char *text)
{
    g_autofree char *line = g_strconcat(text, "\n", NULL);

    if (write(fd, line, strlen(line)) < 0)
        g_debug("fake VM: the client went away");
}

static void
send_node(int fd, JsonNode *node)
{
    g_autofree char *text = json_to_string(node, FALSE);

    send_line(fd, text);
}

/* {"return": @ret, "id": @id} or {"error": ..., "id": @id}; takes @ret. */
static void
reply(int fd, JsonObject *request, JsonNode *ret, const char *error_desc)
{
    g_autoptr(JsonObject) msg = json_object_new();
    g_autoptr(JsonNode) node = NULL;

    if (error_desc) {
        JsonObject *err = json_object_new();

        json_object_set_string_member(err, "class", "GenericError");
        json_object_set_string_member(err, "desc", error_desc);
        json_object_set_object_member(msg, "error", err);
        if (ret)
            json_node_unref(ret);
    } else {
        json_object_set_member(msg, "return", ret ? ret : json_node_init_object(
                               json_node_alloc(), json_object_new()));
    }
    if (json_object_has_member(request, "id"))
        json_object_set_member(msg, "id", json_object_dup_member(request, "id"));
    node = json_node_init_object(json_node_alloc(), msg);
    send_node(fd, node);
}

static void
send_event(int fd, const char *name, const char *dev_id)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", dev_id);
    g_autofree char *text = g_strdup_printf(
        "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"%s\", "
        "\"data\": {\"device\": \"%s\", \"path\": \"%s\"}}", name, dev_id, path);

    send_line(fd, text);
}

static JsonNode *
hotpluggable_cpus(FakeVm *vm)
{
    JsonArray *arr = json_array_new();

    /* QEMU lists the slots from the last to the first. */
    for (int i = N_SLOTS - 1; i >= 0; i--) {
        JsonObject *slot = json_object_new(), *props = json_object_new();

        json_object_set_int_member(props, "socket-id", 0);
        json_object_set_int_member(props, "cluster-id", 0);
        json_object_set_int_member(props, "core-id", i);
        json_object_set_int_member(props, "thread-id", 0);
        json_object_set_object_member(slot, "props", props);
        json_object_set_int_member(slot, "vcpus-count", 1);
        if (vm->dev_ids[i] && *vm->dev_ids[i]) {
            g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", vm->dev_ids[i]);

            json_object_set_string_member(slot, "qom-path", path);
        } else if (vm->dev_ids[i]) {
            g_autofree char *path = g_strdup_printf("/machine/unattached/device[%d]", i);

            json_object_set_string_member(slot, "qom-path", path);
        }
        json_object_set_string_member(slot, "type", "max-arm-cpu");
        json_array_add_object_element(arr, slot);
    }
    return json_node_init_array(json_node_alloc(), arr);
}

static int
slot_of_device(FakeVm *vm, const char *dev_id)
{
    for (int i = 0; i < N_SLOTS; i++)
        if (vm->dev_ids[i] && !g_strcmp0(vm->dev_ids[i], dev_id))
            return i;
    return -1;
}

static void
qmp_command(FakeVm *vm, int fd, JsonObject *req)
{
    const char *cmd = vh_json_string(req, "execute");
    JsonObject *args = vh_json_object(req, "arguments");
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);

    if (!g_strcmp0(cmd, "qmp_capabilities")) {
        reply(fd, req, NULL, NULL);
    } else if (!g_strcmp0(cmd, "query-hotpluggable-cpus")) {
        reply(fd, req, hotpluggable_cpus(vm), NULL);
    } else if (!g_strcmp0(cmd, "device_add")) {
        gint64 core = vh_json_int(args, "core-id", -1);

        if (core < 0 || core >= N_SLOTS || vm->dev_ids[core])
            reply(fd, req, NULL, "CPU slot is taken or does not exist");
        else {
            vm->dev_ids[core] = g_strdup(vh_json_string(args, "id"));
            reply(fd, req, NULL, NULL);
        }
    } else if (!g_strcmp0(cmd, "device_del")) {
        const char *id = vh_json_string(args, "id");
        int slot = slot_of_device(vm, id);

        if (slot < 0) {
            reply(fd, req, NULL, "Device not found");
        } else if (!g_strcmp0(id, vm->refuse_eject)) {
            reply(fd, req, NULL, NULL);
            send_event(fd, "DEVICE_UNPLUG_GUEST_ERROR", id);
        } else {
            g_clear_pointer(&vm->dev_ids[slot], g_free);
            vm->online[slot] = FALSE;
            vm->failing_listings = vm->listings_to_fail;
            reply(fd, req, NULL, NULL);
            send_event(fd, "DEVICE_DELETED", id);
        }
    } else {
        reply(fd, req, NULL, "The command has not been found");
    }
}

static JsonNode *
guest_vcpus(FakeVm *vm)
{
    JsonArray *arr = json_array_new();

    for (int i = 0; i < N_SLOTS; i++) {
        JsonObject *cpu;

        if (!vm->dev_ids[i])
            continue;
        cpu = json_object_new();
        json_object_set_int_member(cpu, "logical-id", i);
        json_object_set_boolean_member(cpu, "online", vm->online[i]);
        json_object_set_boolean_member(cpu, "can-offline", i != 0);
        json_array_add_object_element(arr, cpu);
    }
    return json_node_init_array(json_node_alloc(), arr);
}

static void
agent_command(FakeVm *vm, int fd, JsonObject *req)
{
    const char *cmd = vh_json_string(req, "execute");
    JsonObject *args = vh_json_object(req, "arguments");
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);

    if (vm->silent_agent)
        return;
    if (!g_strcmp0(cmd, "guest-sync")) {
        reply(fd, req, json_object_dup_member(args, "id"), NULL);
    } else if (!g_strcmp0(cmd, "guest-get-vcpus") && vm->failing_listings) {
        vm->failing_listings--;
        reply(fd, req, NULL,
              "open(\"/sys/devices/system/cpu/cpu4//online\"): No such device");
    } else if (!g_strcmp0(cmd, "guest-get-vcpus")) {
        reply(fd, req, guest_vcpus(vm), NULL);
    } else if (!g_strcmp0(cmd, "guest-set-vcpus")) {
        JsonObject *vcpu = vh_json_array_object(vh_json_array(args, "vcpus"), 0);
        gint64 cpu = vh_json_int(vcpu, "logical-id", -1);

        if (cpu < 0 || cpu >= N_SLOTS || !vm->dev_ids[cpu])
            reply(fd, req, NULL, "Invalid parameter 'logical-id'");
        else if (cpu == vm->refuse_online)
            reply(fd, req, NULL, "Permission denied");
        else {
            vm->online[cpu] = vh_json_bool(vcpu, "online", FALSE);
            reply(fd, req, json_node_init_int(json_node_alloc(), 1), NULL);
        }
    } else {
        reply(fd, req, NULL, "The command has not been found");
    }
}

/* Serves one client after another until the VM is freed. */
static void
serve(FakeVm *vm, int listen_fd, gboolean is_qmp)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        g_autoptr(GIOChannel) channel = NULL;
        char *line;
        gsize len;

        if (fd < 0 || g_atomic_int_get(&vm->stopping)) {
            if (fd >= 0)
                close(fd);
            return;
        }
        if (is_qmp)
            send_line(fd, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 13, \"minor\": 0, "
                          "\"major\": 10}, \"package\": \"fake\"}, \"capabilities\": []}}");
        channel = g_io_channel_unix_new(fd);
        while (g_io_channel_read_line(channel, &line, &len, NULL, NULL) == G_IO_STATUS_NORMAL) {
            g_autoptr(JsonParser) parser = json_parser_new();

            if (json_parser_load_from_data(parser, line, -1, NULL) &&
                JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
                JsonObject *req = json_node_get_object(json_parser_get_root(parser));

                if (is_qmp)
                    qmp_command(vm, fd, req);
                else
                    agent_command(vm, fd, req);
            }
            g_free(line);
        }
        close(fd);
    }
}

static gpointer
qmp_thread(gpointer vm)
{
    serve(vm, ((FakeVm *)vm)->qmp_listen, TRUE);
    return NULL;
}

static gpointer
agent_thread(gpointer vm)
{
    serve(vm, ((FakeVm *)vm)->agent_listen, FALSE);
    return NULL;
}

FakeVm *
fake_vm_new(const char *dir)
{
    FakeVm *vm = g_new0(FakeVm, 1);

    g_mutex_init(&vm->lock);
    vm->refuse_online = -1;
    for (int i = 0; i < N_BOOT; i++) {
        vm->dev_ids[i] = g_strdup("");
        vm->online[i] = TRUE;
    }
    vm->qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    vm->agent_path = g_build_filename(dir, "qga.sock", NULL);
    vm->qmp_listen = listen_on(vm->qmp_path);
    vm->agent_listen = listen_on(vm->agent_path);
    vm->qmp_thread = g_thread_new("fake-qmp", qmp_thread, vm);
    vm->agent_thread = g_thread_new("fake-qga", agent_thread, vm);
    return vm;
}

static void
stop_thread(const char *path, int listen_fd, GThread *thread)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    /* A last connection wakes the accept() up to see that the VM is stopping. */
    strcpy(addr.sun_path, path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        g_debug("fake VM: cannot wake %s", path);
    close(fd);
    g_thread_join(thread);
    close(listen_fd);
    unlink(path);
}

void
fake_vm_free(FakeVm *vm)
{
    g_atomic_int_set(&vm->stopping, TRUE);
    stop_thread(vm->qmp_path, vm->qmp_listen, vm->qmp_thread);
    stop_thread(vm->agent_path, vm->agent_listen, vm->agent_thread);
    for (int i = 0; i < N_SLOTS; i++)
        g_free(vm->dev_ids[i]);
    g_free(vm->qmp_path);
    g_free(vm->agent_path);
    g_free(vm->refuse_eject);
    g_mutex_clear(&vm->lock);
    g_free(vm);
}

const char *
fake_vm_qmp_path(FakeVm *vm)
{
    return vm->qmp_path;
}

const char *
fake_vm_agent_path(FakeVm *vm)
{
    return vm->agent_path;
}

void
fake_vm_refuse_eject(FakeVm *vm, const char *dev_id)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);

    g_free(vm->refuse_eject);
    vm->refuse_eject = g_strdup(dev_id);
}

void
fake_vm_refuse_online(FakeVm *vm, guint cpu)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);

    vm->refuse_online = (gint)cpu;
}

void
fake_vm_silent_agent(FakeVm *vm)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);

    vm->silent_agent = TRUE;
}

void
fake_vm_failing_listings(FakeVm *vm, guint n)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);

    vm->listings_to_fail = n;
}

static char *
cpus_where(FakeVm *vm, gboolean want_online)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&vm->lock);
    GString *text = g_string_new(NULL);

    for (int i = 0; i < N_SLOTS; i++)
        if (vm->dev_ids[i] && (!want_online || vm->online[i]))
            g_string_append_printf(text, text->len ? ",%d" : "%d", i);
    return g_string_free(text, FALSE);
}

char *
fake_vm_plugged(FakeVm *vm)
{
    return cpus_where(vm, FALSE);
}

char *
fake_vm_online(FakeVm *vm)
{
    return cpus_where(vm, TRUE);
}
