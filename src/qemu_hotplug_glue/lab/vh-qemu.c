#include "vh-qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vh-error.h"

struct VhQemu {
    GPid pid;
    gboolean reaped;
    int wait_status;
    gint64 spawn_time;
    char *dir;          /* private directory with the sockets and the log */
    char *log_path;
    char *binary_name;  /* QEMU prefixes its error messages with it */
    int qmp_fd, serial_fd;
    VhQmp *qmp;
};

static int
listen_unix(const char *path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, VH_ERROR, VH_ERROR_SPAWN, "socket path too long: %s", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_SPAWN, "cannot listen on %s: %s", path,
                    g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void
child_setup(gpointer data)
{
    (void)data;
    /* Never leave a QEMU behind when the test or tool that started it dies. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

gboolean
vh_qemu_exited(VhQemu *qemu)
{
    if (!qemu->reaped && waitpid(qemu->pid, &qemu->wait_status, WNOHANG) == qemu->pid)
        qemu->reaped = TRUE;
    return qemu->reaped;
}

static char *
describe_status(int status)
{
    if (WIFEXITED(status))
        return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return g_strdup_printf("was killed by signal %d (%s)", WTERMSIG(status),
                               g_strsignal(WTERMSIG(status)));
    return g_strdup_printf("ended with wait status %d", status);
}

/*
 * QEMU's own explanation of a failure: its last "qemu-system-xxx: ..." line (hint
 * lines may follow it), else the last line it printed.
 */
static char *
last_log_line(VhQemu *qemu)
{
    g_autofree char *log = vh_qemu_read_log(qemu);
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
    g_autofree char *prefix = g_strconcat(qemu->binary_name, ": ", NULL);
    const char *last = NULL;

    for (int i = (int)g_strv_length(lines) - 1; i >= 0; i--) {
        if (!g_strstrip(lines[i])[0])
            continue;
        if (g_str_has_prefix(lines[i], prefix))
            return g_strdup(lines[i]);
        if (!last)
            last = lines[i];
    }
    return g_strdup(last ? last : "(QEMU printed nothing)");
}

static void
set_exited_error(VhQemu *qemu, const char *when, GError **error)
{
    g_autofree char *how = describe_status(qemu->wait_status);
    g_autofree char *why = last_log_line(qemu);

    g_set_error(error, VH_ERROR, VH_ERROR_EXITED, "QEMU %s %s: %s", how, when, why);
}

/* Accepts QEMU's connection on @listen_fd while watching that QEMU is alive. */
static int
accept_from_qemu(VhQemu *qemu, int listen_fd, const char *what, gint64 deadline,
                 GError **error)
{
    for (;;) {
        struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
        int rc = poll(&pfd, 1, 50);

        if (rc > 0) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

            if (fd >= 0)
                return fd;
            if (errno != EINTR && errno != EAGAIN) {
                g_set_error(error, VH_ERROR, VH_ERROR_IO, "accept: %s", g_strerror(errno));
                return -1;
            }
        }
        if (vh_qemu_exited(qemu)) {
            g_autofree char *when = g_strdup_printf("before connecting its %s", what);

            set_exited_error(qemu, when, error);
            return -1;
        }
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT,
                        "QEMU did not connect its %s in time", what);
            return -1;
        }
    }
}

VhQemu *
vh_qemu_launch(const char *binary, const char *const *args, guint timeout_ms,
               GError **error)
{
    g_autoptr(VhQemu) qemu = g_new0(VhQemu, 1);
    gint64 deadline = vh_deadline_after_ms(timeout_ms);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *qmp_path = NULL, *serial_path = NULL;
    int qmp_listen = -1, serial_listen = -1, log_fd = -1;
    gboolean ok = FALSE;

    qemu->qmp_fd = qemu->serial_fd = -1;
    qemu->reaped = TRUE;    /* nothing to reap until spawned */
    qemu->dir = g_dir_make_tmp("vcpuhp-XXXXXX", error);
    if (!qemu->dir)
        return NULL;
    qmp_path = g_build_filename(qemu->dir, "qmp.sock", NULL);
    serial_path = g_build_filename(qemu->dir, "serial.sock", NULL);
    qemu->log_path = g_build_filename(qemu->dir, "qemu.log", NULL);
    qemu->binary_name = g_path_get_basename(binary);

    qmp_listen = listen_unix(qmp_path, error);
    if (qmp_listen < 0)
        goto out;
    serial_listen = listen_unix(serial_path, error);
    if (serial_listen < 0)
        goto out;
    log_fd = open(qemu->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_SPAWN, "cannot create %s: %s",
                    qemu->log_path, g_strerror(errno));
        goto out;
    }

    g_ptr_array_add(argv, g_strdup(binary));
    for (const char *const *a = args; a && *a; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    g_ptr_array_add(argv, g_strdup("-chardev"));
    g_ptr_array_add(argv, g_strdup_printf("socket,id=vh-qmp,path=%s", qmp_path));
    g_ptr_array_add(argv, g_strdup("-mon"));
    g_ptr_array_add(argv, g_strdup("chardev=vh-qmp,mode=control"));
    g_ptr_array_add(argv, g_strdup("-chardev"));
    g_ptr_array_add(argv, g_strdup_printf("socket,id=vh-serial,path=%s", serial_path));
    g_ptr_array_add(argv, g_strdup("-serial"));
    g_ptr_array_add(argv, g_strdup("chardev:vh-serial"));
    g_ptr_array_add(argv, NULL);

    qemu->spawn_time = g_get_monotonic_time();
    {
        g_autoptr(GError) spawn_error = NULL;

        if (!g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                    child_setup, NULL, &qemu->pid, -1, log_fd, log_fd,
                                    &spawn_error)) {
            g_set_error(error, VH_ERROR, VH_ERROR_SPAWN, "cannot start %s: %s", binary,
                        spawn_error->message);
            goto out;
        }
    }
    qemu->reaped = FALSE;

    qemu->qmp_fd = accept_from_qemu(qemu, qmp_listen, "monitor", deadline, error);
    if (qemu->qmp_fd < 0)
        goto out;
    qemu->serial_fd = accept_from_qemu(qemu, serial_listen, "serial port", deadline, error);
    if (qemu->serial_fd < 0)
        goto out;
    qemu->qmp = vh_qmp_new(qemu->qmp_fd);
    {
        gint64 left_ms = MAX(1, (deadline - g_get_monotonic_time()) / 1000);
        g_autoptr(GError) local = NULL;

        if (!vh_qmp_handshake(qemu->qmp, (guint)left_ms, &local)) {
            /* Most often QEMU rejected its command line after opening the sockets. */
            if (vh_qemu_wait_exit(qemu, 2000, NULL, NULL))
                set_exited_error(qemu, "at start", error);
            else
                g_propagate_error(error, g_steal_pointer(&local));
            goto out;
        }
    }
    ok = TRUE;

out:
    if (qmp_listen >= 0)
        close(qmp_listen);
    if (serial_listen >= 0)
        close(serial_listen);
    if (log_fd >= 0)
        close(log_fd);
    return ok ? g_steal_pointer(&qemu) : NULL;
}

VhQmp *
vh_qemu_qmp(VhQemu *qemu)
{
    return qemu->qmp;
}

int
vh_qemu_serial_fd(VhQemu *qemu)
{
    return qemu->serial_fd;
}

GPid
vh_qemu_pid(VhQemu *qemu)
{
    return qemu->pid;
}

gint64
vh_qemu_spawn_time(VhQemu *qemu)
{
    return qemu->spawn_time;
}

gboolean
vh_qemu_wait_exit(VhQemu *qemu, guint timeout_ms, int *wait_status, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);

    while (!vh_qemu_exited(qemu)) {
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VH_ERROR, VH_ERROR_TIMEOUT,
                        "QEMU (pid %d) still running after %u ms", qemu->pid, timeout_ms);
            return FALSE;
        }
        g_usleep(10 * 1000);    /* polling waitpid(): there is no event loop here */
    }
    if (wait_status)
        *wait_status = qemu->wait_status;
    return TRUE;
}

char *
vh_qemu_read_log(VhQemu *qemu)
{
    char *text = NULL;

    if (!qemu->log_path || !g_file_get_contents(qemu->log_path, &text, NULL, NULL))
        return g_strdup("");
    return text;
}

void
vh_qemu_free(VhQemu *qemu)
{
    if (!qemu)
        return;
    if (!vh_qemu_exited(qemu)) {
        if (qemu->qmp) {
            g_autoptr(JsonNode) reply = vh_qmp_execute(qemu->qmp, "quit", NULL, 2000, NULL);
        }
        if (!vh_qemu_wait_exit(qemu, 5000, NULL, NULL)) {
            kill(qemu->pid, SIGKILL);
            waitpid(qemu->pid, &qemu->wait_status, 0);
            qemu->reaped = TRUE;
        }
    }
    if (qemu->pid)
        g_spawn_close_pid(qemu->pid);
    vh_qmp_free(qemu->qmp);
    if (qemu->qmp_fd >= 0)
        close(qemu->qmp_fd);
    if (qemu->serial_fd >= 0)
        close(qemu->serial_fd);
    if (qemu->dir) {
        g_autoptr(GDir) dir = g_dir_open(qemu->dir, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(qemu->dir, name, NULL);
            g_unlink(path);
        }
        g_rmdir(qemu->dir);
    }
    g_free(qemu->dir);
    g_free(qemu->log_path);
    g_free(qemu->binary_name);
    g_free(qemu);
}
