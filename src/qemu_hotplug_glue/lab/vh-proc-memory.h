/*
 * What a process holds in memory, from the texts of /proc/<pid>/status and
 * /proc/<pid>/smaps (read here or, for a QEMU inside the nested lab's L1, there).
 * QEMU maps the guest's RAM as one anonymous mapping of the RAM's size: its resident
 * part is what the guest touched, which says nothing about QEMU itself, so it is
 * counted apart.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The KiB of the "VmRSS:" line of a status text ("VmRSS:\t  123456 kB"). */
gboolean vh_proc_status_rss_kib(const char *status, guint64 *rss_kib, GError **error);

/*
 * The resident KiB of the mappings of exactly @size_kib in a smaps text (or its
 * "Size:" and "Rss:" lines alone); an error if no mapping has that size.
 */
gboolean vh_proc_smaps_rss_of_size_kib(const char *smaps, guint64 size_kib,
                                       guint64 *rss_kib, GError **error);

/*
 * The RSS of the process @pid, and of it the guest's RAM of @guest_ram_kib, from this
 * host's /proc.
 */
gboolean vh_proc_qemu_rss_kib(GPid pid, guint64 guest_ram_kib, guint64 *rss_kib,
                              guint64 *guest_ram_rss_kib, GError **error);

G_END_DECLS
