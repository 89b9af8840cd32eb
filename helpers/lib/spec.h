/* spec.h - what a container is, as data (spec.c). Filled from nsenter-chroot's
 * argv (args.c) or, later, from an OCI config.json; executed by container.c.
 * Strings point into argv (or the parsed config): the spec owns only its arrays.
 */
#ifndef CTR_SPEC_H
#define CTR_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* One step of the mount list, executed in order under ROOTFS after it is
 * mounted and before pivot_root; every dst is resolved INSIDE ROOTFS. */
enum ctr_mount_kind {
	CTR_MOUNT_FS,        /* a new filesystem: type, src, flags, data on dst */
	CTR_MOUNT_PROC,      /* procfs of the new pid namespace */
	CTR_MOUNT_SYSFS,     /* sysfs (the parent's detached one with --userns + netns) */
	CTR_MOUNT_DEV,       /* a tmpfs /dev with the harmless nodes, pts, shm, mqueue */
	CTR_MOUNT_BIND,      /* host path src (opened once by the parent) on dst */
	CTR_MOUNT_MASK,      /* /dev/null over a file, empty ro tmpfs over a dir */
	CTR_MOUNT_READONLY,  /* dst remounted read-only on itself */
	CTR_MOUNT_DEVNODES,  /* OCI: the default and the spec's device nodes, links, in dst (/dev) */
	CTR_MOUNT_SUBDIR,    /* a directory of the filesystem under dst (mode= of data), bound on
	                      * itself with flags: no superblock of its own (ctr.shmInDev) */
};

struct ctr_mount {
	enum ctr_mount_kind kind;
	const char *src;          /* BIND: host path, resolved (no symlink in it); FS: source */
	const char *dst;          /* path in the container */
	const char *type;         /* FS: filesystem type */
	unsigned long flags;      /* FS, PROC, SYSFS: MS_* */
	uint64_t attrs;           /* BIND: MOUNT_ATTR_* set */
	uint64_t attrs_clr;       /* BIND: MOUNT_ATTR_* cleared (all of _ATIME with an atime mode) */
	unsigned long propagation;/* MS_PRIVATE, MS_SLAVE, ... on dst; 0: none */
	const char *data;         /* FS: mount data */
	bool optional;            /* a missing dst is skipped (masked, ro paths) */
	char *owned;              /* storage src/dst point into, freed with the spec */
	bool src_check;           /* BIND: src must still be the file src_dev/src_ino */
	dev_t src_dev;            /* (what the caller checked) */
	ino_t src_ino;
	int tree;                 /* BIND: detached copy made by the parent, -1 */
	bool norec;               /* BIND: the source alone, not its submounts (OCI "bind") */
	bool copyup;              /* FS tmpfs: starts with a copy of what dst held (OCI tmpcopyup) */
};

/* OCI linux.devices: a node made in the container's /dev (CTR_MOUNT_DEVNODES). */
struct ctr_device {
	const char *path;         /* in the container, under /dev */
	char type;                /* 'c', 'b', 'p' (fifo) */
	unsigned long major, minor;
	mode_t mode;              /* permission bits */
	uid_t uid;
	gid_t gid;
};

/* A line of uid_map or gid_map: container ids inside.. are host ids outside.. */
struct ctr_idmap {
	unsigned long inside, outside, count;
};

struct ctr_rlimit {
	int resource;             /* RLIMIT_* */
	const char *name;         /* "RLIMIT_NOFILE"..., for errors */
	rlim_t soft, hard;
};

/* The capability sets of PROG (bit N: capability N). */
struct ctr_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
	bool root_only;           /* docker: a non-root user gets none in eff/perm */
};

enum ctr_seccomp { CTR_SECCOMP_NONE, CTR_SECCOMP_DEFAULT, CTR_SECCOMP_PROFILE };

struct oci_seccomp;           /* an OCI seccomp profile (oci-seccomp.c) */

#define CTR_NO_PERSONALITY 0xffffffffUL

struct ctr_spec {
	/* root */
	const char *rootfs;       /* NULL with join */
	bool rootfs_ro;
	unsigned long root_propagation; /* OCI rootfsPropagation: MS_SHARED... on / after pivot; 0: stays private */
	bool rootfs_nodev;        /* nodev on ROOTFS and its submounts */
	/* process */
	char **argv;              /* PROG ARG... */
	const char **env;         /* K=V added to the clean environment */
	size_t nenv;
	const char *cwd;
	const char *user;         /* U[:G], names or numbers; NULL: root */
	struct ctr_caps caps;
	bool no_new_privs;
	struct ctr_rlimit *rlimits;
	size_t nrlimits;
	bool has_oom_score_adj;   /* write oom_score_adj (the parent, on the host's /proc) */
	int oom_score_adj;
	bool init;                /* a tiny init as PID 1 */
	int console_fd;           /* socket to send a pty master to, -1 */
	/* the container */
	const char *hostname;     /* NULL with join: keep the container's */
	struct ctr_mount *mounts;
	size_t nmounts;
	int ns_new;               /* CLONE_NEW* to create */
	const char *netns;        /* join the network namespace at this path */
	int netns_fd;             /* netns opened already (nsenter-chroot: before it closes the
	                           * caller's fds, so PATH may be /proc/self/fd/N), -1: open PATH */
	const char **sysctl;      /* K=V: net.* sysctls of the container's own network namespace */
	size_t nsysctl;
	const char **ipc_sysctl;  /* K=V: sysctls of its own ipc namespace (kernel.msg*, sem, shm*,
	                           * fs.mqueue.*), written by the child through its /proc */
	size_t nipc_sysctl;
	struct { int type; const char *path; } ns_paths[4];  /* OCI: ipc, uts, pid, cgroup to join */
	size_t nns_paths;         /* (the parent enters them before clone: the child is born there) */
	const char *mntns;        /* OCI: the mount namespace to set up in, joined by path (not CLONE_NEWNS) */
	const char *userns;       /* OCI: the user namespace joined by path: it owns the new ones */
	struct ctr_idmap *uid_map, *gid_map;  /* with CLONE_NEWUSER */
	size_t nuid_map, ngid_map;
	bool userns_plain_rootfs;  /* OCI: ROOTFS as it is (its owners as the maps show them), not idmapped */
	bool rootless;            /* an unprivileged caller (--rootless): newuidmap/newgidmap write the
	                           * maps, the child copies the volumes, --join enters the userns first */
	const char *device_cgroup;/* restrict the devices of this group */
	const char **cgroups;     /* join these groups (cgroup.procs) */
	size_t ncgroups;
	enum ctr_seccomp seccomp;
	const struct oci_seccomp *seccomp_profile;  /* CTR_SECCOMP_PROFILE */
	/* OCI runtime additions (defaults keep nsenter-chroot's behaviour) */
	const gid_t *groups;      /* supplementary groups of PROG (none by default) */
	size_t ngroups;
	bool ambient_set;         /* raise caps.ambient (else cleared) */
	mode_t umask;             /* PROG's umask (022) */
	unsigned long personality;/* CTR_NO_PERSONALITY: leave it */
	unsigned short console_rows, console_cols;  /* 0: leave the pty's size */
	struct ctr_device *devices;
	size_t ndevices;
	bool outlive_parent;      /* no parent-death signal: the OCI init outlives create */
	int start_fifo;           /* O_PATH fd of exec.fifo: wait there after seccomp, -1 */
	pid_t join;               /* enter the container of this PID 1 instead */
	const char *join_cgroup;  /* --join: that PID must be in this group (the container's
	                           * cgroupsPath; NULL: rootless, no group names it) */
	/* reporting */
	const char *pid_file;
	bool pid_file_bare;       /* no newline after the number (the OCI verbs, as runc) */
	int notify_fd;            /* 'R' once PROG runs, -1 */
	bool detach;              /* --detach: exit 0 once PROG runs, PID 1 left to the caller
	                           * (a child subreaper: ctr-shim --container-pid-file) */
	const char **net_hook;    /* --net-hook PROG [--net-hook-arg ARG]...: run with the child's pid
	                           * appended, before the child goes on (user-mode networking) */
	size_t nnet_hook;
	bool setgroups_deny;      /* --rootless with COUNT 0: one id, setgroups denied (the kernel's
	                           * rule for a map written without privilege) */
};

void ctr_spec_init(struct ctr_spec *s);
struct ctr_mount *ctr_spec_mount(struct ctr_spec *s, enum ctr_mount_kind kind, const char *dst);
void ctr_spec_default_mounts(struct ctr_spec *s, bool privileged);
void ctr_spec_protect(struct ctr_spec *s);
void ctr_spec_free(struct ctr_spec *s);
uint64_t ctr_default_caps(void);

#endif
