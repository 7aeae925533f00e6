/*
 * The kernel's cpulist format ("0-1,4"), as the guest's sysfs masks and
 * libvirt's cpumap strings write it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Parses a cpulist into a sorted array of guint CPU numbers (transfer full).
 * An empty string is the empty set. VH_ERROR_PROTOCOL on malformed text.
 */
GArray *vh_cpulist_parse(const char *cpulist, GError **error);

/* TRUE if @cpulist is well formed and contains @cpu. */
gboolean vh_cpulist_contains(const char *cpulist, guint cpu);

/* The cpulist of the sorted guint array @cpus, ranges joined (transfer full). */
char *vh_cpulist_format(GArray *cpus);

G_END_DECLS
