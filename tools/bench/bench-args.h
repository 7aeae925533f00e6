/* The benchmarks' command lines: options they share, and the files they write. */
#pragma once

#include <glib.h>

/*
 * "8,64,256" -> [8, 64, 256] (GArray of guint), ascending, each within [@min, @max];
 * an error naming --@option otherwise.
 */
GArray *bench_parse_counts(const char *list, guint min, guint max, const char *option,
                           GError **error);

/*
 * Parses the command line into @entries (@summary: what the program does, for
 * --help); on a bad option prints "@program: the error" and returns FALSE.
 */
gboolean bench_parse_options(const char *program, const char *summary,
                             const GOptionEntry *entries, int *argc, char ***argv);

/*
 * Writes @md (transfer full) to @path, the --output-markdown option; nothing when
 * @path is NULL.
 */
gboolean bench_write_markdown(const char *path, char *md, GError **error);
