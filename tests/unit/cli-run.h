/*
 * Runs the vcpuhp tool as a user does (a child process; the path comes from
 * meson in VCPUHP_CLI) and checks JSON output against its schema (schemas/, with
 * tools/lib/validate-json.py).
 */
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/wait.h>

typedef struct {
    int status;     /* the exit status */
    char *out, *err;
} CliRun;

static inline void
cli_run_clear(CliRun *run)
{
    g_clear_pointer(&run->out, g_free);
    g_clear_pointer(&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliRun, cli_run_clear)

/* Runs vcpuhp with the NULL-terminated arguments after the program name. */
static inline void
cli_run(CliRun *run, const char *first, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    const char *cli = g_getenv("VCPUHP_CLI");
    int wait_status = 0;
    va_list ap;

    g_assert_nonnull(cli);
    g_ptr_array_add(argv, (gpointer)cli);
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &run->out, &run->err, &wait_status, &err));
    g_assert_no_error(err);
    g_assert_true(WIFEXITED(wait_status));
    run->status = WEXITSTATUS(wait_status);
    g_test_message("vcpuhp %s: exit %d\nstdout: %s\nstderr: %s", first, run->status, run->out,
                   run->err);
}

/* Asserts that @json is valid against schemas/@schema; returns it parsed. */
static inline JsonNode *
cli_json_valid(const char *json, const char *schema)
{
    g_autofree char *path = g_build_filename(g_getenv("VCPUHP_SCHEMAS"), schema, NULL);
    const char *argv[] = { g_getenv("VCPUHP_VALIDATOR"), path, NULL };
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *errors = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();

    proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                             G_SUBPROCESS_FLAGS_STDERR_PIPE, &err);
    g_assert_no_error(err);
    g_assert_true(g_subprocess_communicate_utf8(proc, json, NULL, NULL, &errors, &err));
    g_assert_no_error(err);
    if (!g_subprocess_get_successful(proc))
        g_error("output not valid against %s: %s\n%s", schema, errors, json);
    g_assert_true(json_parser_load_from_data(parser, json, -1, &err));
    return json_node_ref(json_parser_get_root(parser));
}
