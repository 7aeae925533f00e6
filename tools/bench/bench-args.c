#include "bench-args.h"

static int
compare_guint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;

    return (x > y) - (x < y);
}

GArray *
bench_parse_counts(const char *list, guint min, guint max, const char *option, GError **error)
{
    g_auto(GStrv) items = g_strsplit(list, ",", -1);
    g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(guint));

    for (guint i = 0; items[i]; i++) {
        guint64 value;

        if (!g_ascii_string_to_unsigned(g_strstrip(items[i]), 10, min, max, &value, error)) {
            g_prefix_error(error, "--%s: ", option);
            return NULL;
        }
        g_array_append_vals(counts, &(guint){ (guint)value }, 1);
    }
    if (counts->len == 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s: no count given",
                    option);
        return NULL;
    }
    g_array_sort(counts, compare_guint);
    return g_steal_pointer(&counts);
}

gboolean
bench_parse_options(const char *program, const char *summary, const GOptionEntry *entries,
                    int *argc, char ***argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(summary);
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (g_option_context_parse(ctx, argc, argv, &err))
        return TRUE;
    g_printerr("%s: %s\n", program, err->message);
    return FALSE;
}

gboolean
bench_write_markdown(const char *path, char *md, GError **error)
{
    g_autofree char *owned = md;

    return !path || g_file_set_contents(path, owned, -1, error);
}
