/*
 * vcpuhp-lab guest: runs one command in a lab guest over its serial command channel
 * (tools/lab/guest-init.sh), given the path of the serial port's unix socket, for
 * guests started by something else (libvirt). Prints the output; exits with the
 * command's status, or 3 when the guest does not answer in time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vcpuhp-lab.h"
#include "vh-guest.h"

int
lab_cmd_guest(int argc, char **argv)
{
    g_autofree char *socket_path = NULL;
    int timeout_s = 30;
    GOptionEntry entries[] = {
        { "socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path, "the guest serial port's unix socket", "PATH" },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "seconds to wait for the reply (default 30)", "S" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND - run a command in a lab guest");
    g_autoptr(GError) err = NULL;
    g_autoptr(VhGuest) guest = NULL;
    g_autofree char *out = NULL;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd, status = -1;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2 || !socket_path ||
        strlen(socket_path) >= sizeof(addr.sun_path) || timeout_s <= 0) {
        fprintf(stderr, "vcpuhp-lab guest: usage: vcpuhp-lab guest --socket PATH COMMAND\n");
        return 2;
    }
    strcpy(addr.sun_path, socket_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        fprintf(stderr, "vcpuhp-lab guest: cannot connect to %s: %s\n", socket_path,
                g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return 3;
    }
    guest = vh_guest_new(fd);
    out = vh_guest_run(guest, argv[1], (guint)timeout_s * 1000, &status, &err);
    close(fd);
    if (!out) {
        fprintf(stderr, "vcpuhp-lab guest: %s\n", err->message);
        return 3;
    }
    if (*out)
        printf("%s\n", out);
    return status;
}
