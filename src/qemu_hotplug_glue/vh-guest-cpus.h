/*
 * The guest's side of a vCPU's life, whoever can see into the guest: the QEMU
 * guest agent, libvirt's calls into it, or the lab's command channel. The host
 * plugs a vCPU with device_add; only the guest can say when its kernel has taken
 * the CPU ("enabled": /sys/devices/system/cpu/cpuN exists) and bring it online.
 * Guest CPU numbers are the kernel's logical ids (cpuN).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct VhGuestCpus VhGuestCpus;

/* One CPU the guest knows: it is enabled, and maybe online. */
typedef struct {
    guint cpu;
    gboolean online;
    gboolean can_offline;
} VhGuestCpu;

typedef struct {
    /* Every CPU the guest has enabled, sorted by number (GArray of VhGuestCpu). */
    GArray *(*list)(VhGuestCpus *self, guint timeout_ms, GError **error);
    /* Waits, at most @timeout_ms, until @cpu is (@enabled) or is no longer enabled. */
    gboolean (*wait_enabled)(VhGuestCpus *self, guint cpu, gboolean enabled,
                             guint timeout_ms, GError **error);
    /* Brings @cpu online or offline; fails naming the CPU when the guest refuses. */
    gboolean (*set_online)(VhGuestCpus *self, guint cpu, gboolean online,
                           guint timeout_ms, GError **error);
    void (*free)(VhGuestCpus *self);
} VhGuestCpusOps;

/* Backends embed this as their first member. */
struct VhGuestCpus {
    const VhGuestCpusOps *ops;
};

static inline GArray *
vh_guest_cpus_list(VhGuestCpus *guest, guint timeout_ms, GError **error)
{
    return guest->ops->list(guest, timeout_ms, error);
}

static inline gboolean
vh_guest_cpus_wait_enabled(VhGuestCpus *guest, guint cpu, gboolean enabled,
                           guint timeout_ms, GError **error)
{
    return guest->ops->wait_enabled(guest, cpu, enabled, timeout_ms, error);
}

static inline gboolean
vh_guest_cpus_set_online(VhGuestCpus *guest, guint cpu, gboolean online,
                         guint timeout_ms, GError **error)
{
    return guest->ops->set_online(guest, cpu, online, timeout_ms, error);
}

static inline void
vh_guest_cpus_free(VhGuestCpus *guest)
{
    if (guest)
        guest->ops->free(guest);
}

/* The entry of @cpu in a list() result, or NULL. */
const VhGuestCpu *vh_guest_cpu_find(GArray *cpus, guint cpu);

/*
 * wait_enabled() for backends that can only ask (the agent): asks every 100 ms
 * until @cpu is (or is no longer) in list().
 */
gboolean vh_guest_cpus_poll_enabled(VhGuestCpus *guest, guint cpu, gboolean enabled,
                                    guint timeout_ms, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhGuestCpus, vh_guest_cpus_free)

G_END_DECLS
