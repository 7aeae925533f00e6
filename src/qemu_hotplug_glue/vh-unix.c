#include "vh-unix.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vh-error.h"

int
vh_unix_connect(const char *path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd, saved;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, VH_ERROR, VH_ERROR_IO, "socket path too long: %s", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
        return fd;
    saved = errno;
    if (fd >= 0)
        close(fd);
    g_set_error(error, VH_ERROR, VH_ERROR_IO, "cannot connect to %s: %s", path,
                g_strerror(saved));
    return -1;
}
