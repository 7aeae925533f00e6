/*
 * The guest's view of its CPUs: the possible/present/enabled/online masks of
 * /sys/devices/system/cpu, in the kernel's cpulist format ("0-1,4").
 */
#pragma once

#include <glib.h>

#include "vh-cpulist.h"
#include "vh-guest.h"

G_BEGIN_DECLS

typedef struct {
    char *possible;
    char *present;
    char *enabled;
    char *online;
} VhCpuMasks;

gboolean vh_cpu_masks_read(VhGuest *guest, VhCpuMasks *masks, guint timeout_ms,
                           GError **error);
void vh_cpu_masks_clear(VhCpuMasks *masks);

/* "possible=0-5 present=0-5 enabled=0-1 online=0-1" (transfer full). */
char *vh_cpu_masks_format(const VhCpuMasks *masks);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VhCpuMasks, vh_cpu_masks_clear)

G_END_DECLS
