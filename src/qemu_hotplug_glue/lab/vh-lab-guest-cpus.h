/*
 * The lab guests' side of the vCPU cycle (vh-cpu-cycle.h) through their command
 * channel (tools/lab/guest-init.sh), which can wait inside the guest for a mask to
 * change instead of asking again and again.
 */
#pragma once

#include "vh-guest-cpus.h"
#include "vh-guest.h"

G_BEGIN_DECLS

/*
 * A backend over @guest (not owned). @mask is the sysfs mask that shows a vCPU the
 * guest has taken: "enabled" on arm64, "present" on x86 (which has no "enabled").
 */
VhGuestCpus *vh_lab_guest_cpus_new(VhGuest *guest, const char *mask);

G_END_DECLS
