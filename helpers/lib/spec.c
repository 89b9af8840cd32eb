/* spec.c - the container's spec as data: defaults (docker's capability set,
 * the mount list every container gets, moby's masked and read-only paths)
 * and the mount list builder. Order: ctr_spec_init, then the front-end
 * (args.c) adds mounts in the order they must happen.
 */
#include "spec.h"
#include "error.h"

#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* docker's default capability set. */
static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
	CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
	CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

/* Hidden from a container (moby's list): host kernel memory, keys, timers, ACPI
 * and firmware tables. Files get /dev/null bound over them, directories an
 * empty read-only tmpfs. */
static const char *const masked_paths[] = {
	"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
	"/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/proc/interrupts",
	"/sys/firmware", "/sys/devices/virtual/powercap",
};

/* Read-only in a container: writing there tunes or crashes the host's kernel. */
static const char *const readonly_paths[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs",
};

uint64_t ctr_default_caps(void)
{
	uint64_t caps = 0;
	for (size_t i = 0; i < NELEM(default_caps); i++)
		caps |= 1ULL << default_caps[i];
	return caps;
}

void ctr_spec_init(struct ctr_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->console_fd = -1;
	s->notify_fd = -1;
	s->netns_fd = -1;
	s->rootfs_nodev = true;
	s->no_new_privs = true;
	s->seccomp = CTR_SECCOMP_DEFAULT;
	s->cwd = "/";
	s->umask = 022;
	s->personality = CTR_NO_PERSONALITY;
	s->start_fifo = -1;
}

/* Append a mount step (the list grows by doubling); dies only when out of
 * memory. */
struct ctr_mount *ctr_spec_mount(struct ctr_spec *s, enum ctr_mount_kind kind, const char *dst)
{
	size_t n = s->nmounts;
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {  /* 0, 16, 32, ...: full */
		struct ctr_mount *m = realloc(s->mounts, (n ? 2 * n : 16) * sizeof(*m));
		if (!m)
			die_errno("realloc");
		s->mounts = m;
	}
	struct ctr_mount *m = &s->mounts[s->nmounts++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->dst = dst;
	m->tree = -1;
	return m;
}

/* What every ctr container gets, in this order: /proc, /sys (read-only but
 * privileged), /dev; the caller adds its volumes after. */
void ctr_spec_default_mounts(struct ctr_spec *s, bool privileged)
{
	ctr_spec_mount(s, CTR_MOUNT_PROC, "/proc")->flags = MS_NOSUID | MS_NOEXEC | MS_NODEV;
	ctr_spec_mount(s, CTR_MOUNT_SYSFS, "/sys")->flags =
		(privileged ? 0 : MS_RDONLY) | MS_NOSUID | MS_NOEXEC | MS_NODEV;
	ctr_spec_mount(s, CTR_MOUNT_DEV, "/dev");
}

/* The masked and read-only paths (after the volumes: a volume cannot unmask). */
void ctr_spec_protect(struct ctr_spec *s)
{
	for (size_t i = 0; i < NELEM(masked_paths); i++)
		ctr_spec_mount(s, CTR_MOUNT_MASK, masked_paths[i])->optional = true;
	for (size_t i = 0; i < NELEM(readonly_paths); i++)
		ctr_spec_mount(s, CTR_MOUNT_READONLY, readonly_paths[i])->optional = true;
}

/* Free what the spec owns (its arrays, the mounts' storage; fds are the
 * executor's); s is zeroed. Not needed before exec: for tests and for a
 * runtime that builds more than one spec. */
void ctr_spec_free(struct ctr_spec *s)
{
	for (size_t i = 0; i < s->nmounts; i++)
		free(s->mounts[i].owned);
	free(s->mounts);
	free(s->env);
	free(s->cgroups);
	free(s->sysctl);
	free(s->ipc_sysctl);
	free(s->net_hook);
	memset(s, 0, sizeof(*s));
}
