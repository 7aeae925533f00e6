#include "vh-guest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vh-error.h"
#include "vh-line-reader.h"

#define CONSOLE_TAIL_MAX 4096

/* guest-init.sh's answer to a line whose tag is not of [A-Za-z0-9_-]+: it has no
 * tag to echo. */
#define BAD_REQUEST_REPLY "@@? bad request"

struct VhGuest {
    int fd;
    VhLineReader *reader;
    char *tag_prefix;   /* unique to this client: see vh_guest_new() */
    guint64 next_tag;
    char *kernel_release;
    GString *console_tail;
};

VhGuest *
vh_guest_new(int fd)
{
    static gint clients;
    VhGuest *guest = g_new0(VhGuest, 1);

    guest->fd = fd;
    guest->reader = vh_line_reader_new(fd);
    /*
     * A request that timed out may still be answered later, after its client has
     * gone and another one (a later process, or a later VhGuest in this one) talks
     * on the same channel: tags unique to each client keep such a reply from being
     * taken for the answer to the new client's request. The pid and a count of
     * clients set apart the clients of one host at one time, the random part those
     * of other times or pid namespaces. guest-init.sh takes tags of [A-Za-z0-9_-].
     */
    guest->tag_prefix = g_strdup_printf("h%x-%x-%08" G_GINT32_MODIFIER "x", (guint)getpid(),
                                        (guint)g_atomic_int_add(&clients, 1), g_random_int());
    guest->next_tag = 1;
    guest->console_tail = g_string_new(NULL);
    return guest;
}

void
vh_guest_free(VhGuest *guest)
{
    if (!guest)
        return;
    vh_line_reader_free(guest->reader);
    g_free(guest->tag_prefix);
    g_free(guest->kernel_release);
    g_string_free(guest->console_tail, TRUE);
    g_free(guest);
}

const char *
vh_guest_console_tail(VhGuest *guest)
{
    return guest->console_tail->str;
}

static void
remember_console(VhGuest *guest, const char *line)
{
    g_string_append(guest->console_tail, line);
    g_string_append_c(guest->console_tail, '\n');
    if (guest->console_tail->len > CONSOLE_TAIL_MAX)
        g_string_erase(guest->console_tail, 0, guest->console_tail->len - CONSOLE_TAIL_MAX);
}

/*
 * The last non-blank line of the console tail, as a copy: the tail itself is left
 * alone, since a NUL written into the GString's buffer would hide every line
 * appended after it (its len would no longer match its str).
 */
static char *
last_console_line(VhGuest *guest)
{
    const char *start = guest->console_tail->str;
    const char *end = start + guest->console_tail->len;
    const char *line;

    while (end > start && g_ascii_isspace(end[-1]))
        end--;
    line = end;
    while (line > start && line[-1] != '\n')
        line--;
    return g_strndup(line, end - line);
}

/* Reads a line; on failure, says what the console showed last. */
static char *
read_line(VhGuest *guest, gint64 deadline, const char *waiting_for, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *line = vh_line_reader_read_line(guest->reader, deadline, &local);
    g_autofree char *last = NULL;

    if (line)
        return line;
    last = last_console_line(guest);
    g_propagate_prefixed_error(error, g_steal_pointer(&local),
                               "guest channel, waiting for %s (last console line: \"%s\"): ",
                               waiting_for, last);
    return NULL;
}

gboolean
vh_guest_wait_ready(VhGuest *guest, guint timeout_ms, GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);

    for (;;) {
        g_autofree char *line = read_line(guest, deadline, "the guest to boot", error);

        if (!line)
            return FALSE;
        /* The console may prefix the banner with escape sequences of the firmware. */
        if (strstr(line, "@@VCPUHP READY")) {
            g_free(guest->kernel_release);
            guest->kernel_release = g_strdup(g_strstrip(strstr(line, "READY") + 5));
            return TRUE;
        }
        remember_console(guest, line);
        /* A panicking kernel never becomes ready: say so now, not at the timeout. */
        if (strstr(line, "Kernel panic - not syncing")) {
            g_set_error(error, VH_ERROR, VH_ERROR_EXITED, "guest kernel panicked: %s",
                        strstr(line, "Kernel panic"));
            return FALSE;
        }
    }
}

const char *
vh_guest_kernel_release(VhGuest *guest)
{
    return guest->kernel_release;
}

/* Does @line hold a reply line of guest-init.sh ("@@<tag>| ..." or "@@<tag> END ...")? */
static gboolean
is_reply(const char *line)
{
    for (const char *p = strstr(line, "@@"); p; p = strstr(p + 2, "@@")) {
        gsize tag_len = strspn(p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789_-");
        const char *after = p + 2 + tag_len;

        if (tag_len > 0 && (g_str_has_prefix(after, "| ") || g_str_has_prefix(after, " END ")))
            return TRUE;
    }
    return FALSE;
}

char *
vh_guest_run(VhGuest *guest, const char *command, guint timeout_ms, int *exit_status,
             GError **error)
{
    gint64 deadline = vh_deadline_after_ms(timeout_ms);
    g_autofree char *tag = g_strdup_printf("%s-%" G_GUINT64_FORMAT, guest->tag_prefix,
                                           guest->next_tag++);
    g_autofree char *request = NULL;
    g_autofree char *data_prefix = g_strdup_printf("@@%s| ", tag);
    g_autofree char *end_prefix = g_strdup_printf("@@%s END ", tag);
    g_autoptr(GString) output = g_string_new(NULL);
    gboolean first = TRUE;

    if (strpbrk(command, "\r\n")) {
        g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                    "guest commands are one line: %s", command);
        return NULL;
    }
    request = g_strdup_printf("%s %s\n", tag, command);
    if (!vh_write_all(guest->fd, request, strlen(request), deadline, error)) {
        g_prefix_error(error, "guest channel: ");
        return NULL;
    }
    for (;;) {
        g_autofree char *line = read_line(guest, deadline, command, error);
        const char *p;

        if (!line)
            return NULL;
        if ((p = strstr(line, data_prefix))) {
            if (!first)
                g_string_append_c(output, '\n');
            g_string_append(output, p + strlen(data_prefix));
            first = FALSE;
        } else if ((p = strstr(line, end_prefix))) {
            char *end = NULL;
            long status = strtol(p + strlen(end_prefix), &end, 10);

            if (end == p + strlen(end_prefix) || *end != '\0') {
                g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                            "guest channel: bad end of reply: %s", line);
                return NULL;
            }
            if (exit_status)
                *exit_status = (int)status;
            return g_string_free(g_steal_pointer(&output), FALSE);
        } else if (strstr(line, BAD_REQUEST_REPLY)) {
            /* Our tags are valid, so the guest read something else in front of ours
             * (a partial line an earlier writer left on the channel, console input):
             * the command did not run, and no reply with our tag will come. */
            g_set_error(error, VH_ERROR, VH_ERROR_PROTOCOL,
                        "guest channel: the guest refused the request \"%s %s\" as a bad "
                        "request (it read a tag that is not [A-Za-z0-9_-]+)", tag, command);
            return NULL;
        } else if (is_reply(line)) {
            /* To a request that timed out, of this client or an earlier one: not ours,
             * and not console output either. */
            g_debug("guest channel: skipping a reply to another request: %s", line);
        } else {
            remember_console(guest, line);
        }
    }
}

char *
vh_guest_run_ok(VhGuest *guest, const char *command, guint timeout_ms, GError **error)
{
    int status = -1;
    g_autofree char *out = vh_guest_run(guest, command, timeout_ms, &status, error);

    if (!out)
        return NULL;
    if (status != 0) {
        g_set_error(error, VH_ERROR, VH_ERROR_COMMAND,
                    "guest command '%s' exited with status %d: %s", command, status, out);
        return NULL;
    }
    return g_steal_pointer(&out);
}
