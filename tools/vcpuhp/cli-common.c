/* What the commands share: output formats, errors and their exit codes. */
#include <stdarg.h>

#include "vcpuhp.h"
#include "vh-error.h"

gboolean
vcpuhp_parse_output(const char *value, VcpuhpOutput *output)
{
    if (!value || !g_strcmp0(value, "text"))
        *output = VCPUHP_OUTPUT_TEXT;
    else if (!g_strcmp0(value, "json"))
        *output = VCPUHP_OUTPUT_JSON;
    else
        return FALSE;
    return TRUE;
}

int
vcpuhp_parse_args(const char *command, const char *parameters, const GOptionEntry *entries,
                  const GOptionEntry *more_entries, VcpuhpOutput *output, int *argc,
                  char ***argv)
{
    g_autofree char *output_name = NULL;
    GOptionEntry output_entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_STRING, &output_name,
          N_("text (default) or json"), N_("FORMAT") },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(parameters);
    g_autoptr(GError) err = NULL;

    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    if (entries)
        g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (more_entries)
        g_option_context_add_main_entries(ctx, more_entries, GETTEXT_PACKAGE);
    g_option_context_add_main_entries(ctx, output_entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, argc, argv, &err))
        return vcpuhp_fail(command, VCPUHP_EXIT_USAGE, "%s", err->message);
    if (!vcpuhp_parse_output(output_name, output))
        return vcpuhp_fail(command, VCPUHP_EXIT_USAGE, _("--output is text or json, not %s"),
                           output_name);
    return -1;
}

void
vcpuhp_print_json(JsonNode *root)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    json_node_unref(root);
}

int
vcpuhp_fail(const char *command, int status, const char *format, ...)
{
    g_autofree char *message = NULL;
    va_list ap;

    va_start(ap, format);
    message = g_strdup_vprintf(format, ap);
    va_end(ap);
    fprintf(stderr, "vcpuhp %s: %s\n", command, message);
    return status;
}

int
vcpuhp_exit_for(const GError *error)
{
    if (error->domain != VH_ERROR)
        return VCPUHP_EXIT_FAILED;
    switch (error->code) {
    case VH_ERROR_REFUSED:
        return VCPUHP_EXIT_REFUSED;
    case VH_ERROR_EOF:
    case VH_ERROR_IO:
        return VCPUHP_EXIT_UNREACHABLE;
    default:
        return VCPUHP_EXIT_FAILED;
    }
}
