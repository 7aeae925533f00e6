/*
 * The QEMU guest agent (qemu-ga in the guest, on a virtio-serial port that QEMU
 * exposes as a unix socket) as the guest's side of the vCPU cycle: guest-get-vcpus
 * says which CPUs the guest has enabled and which are online, guest-set-vcpus
 * brings them online. Its protocol is QMP's without greeting or events, so the
 * QMP client speaks it.
 */
#pragma once

#include "vh-guest-cpus.h"

G_BEGIN_DECLS

/*
 * Connects to the agent's socket @path and checks with guest-sync that an agent
 * answers (VH_ERROR_TIMEOUT naming the socket when none does within @timeout_ms).
 */
VhGuestCpus *vh_agent_connect(const char *path, guint timeout_ms, GError **error);

/* The same over a connected @fd, which the backend then owns. */
VhGuestCpus *vh_agent_new(int fd, guint timeout_ms, GError **error);

G_END_DECLS
