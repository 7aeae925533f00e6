/*
 * A running libvirt domain, through libvirt's public API, for the same vCPU work
 * as over QMP: its slots (from the live XML's <vcpus> and <topology>), the host
 * side of the cycle (virDomainSetVcpu, which does device_add/device_del as
 * "vcpuN") and the guest's side through libvirt's calls into the guest agent
 * (virDomainGetGuestVcpus, virDomainSetGuestVcpus).
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vh-cpu-host.h"
#include "vh-guest-cpus.h"

G_BEGIN_DECLS

/* Turns libvirt's last error into @error (VH_ERROR_COMMAND, or VH_ERROR_REFUSED
 * when the guest rejected an unplug or its agent refused to online a CPU),
 * prefixed with @what. */
void vh_libvirt_set_error(GError **error, const char *what);

/* The slots of the running @dom, sorted as vh_cpu_slots_query() sorts QEMU's. */
GArray *vh_libvirt_slots(virDomainPtr dom, GError **error);

/* Backends over @dom (each takes a reference). */
VhCpuHost *vh_libvirt_cpu_host_new(virDomainPtr dom);
VhGuestCpus *vh_libvirt_guest_cpus_new(virDomainPtr dom);

G_END_DECLS
