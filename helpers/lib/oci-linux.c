/* oci-linux.c - config.json's linux object: namespaces (new ones, or
 * joined by path), devices, cgroupsPath, resources
 * (checked here, applied by oci-resources.c), sysctl, seccomp
 * (oci-seccomp.c), rootfsPropagation, personality. maskedPaths and
 * readonlyPaths go after the mounts (oci-mounts.c). Labels, intelRdt and
 * what ctr does not do yet (the time namespace) are errors naming the
 * field.
 */
#include "oci.h"
#include "oci-cgroup.h"
#include "oci-seccomp.h"

#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct { const char *name; int flag; } ns_types[] = {
	{ "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", 0 },
};

static int parse_namespace(struct oci_config *c, const struct oj *n, int *seen, struct ctr_err *e)
{
	static const char *const known[] = { "type", "path", NULL };
	const char *type = "", *path = NULL;
	size_t k = 0;
	if (oj_keys(n, known, e) < 0 || oj_str(n, "type", &type, e) < 0 || oj_str(n, "path", &path, e) < 0)
		return -1;
	while (k < NELEM(ns_types) && strcmp(ns_types[k].name, type) != 0)
		k++;
	if (k == NELEM(ns_types))
		return oj_bad(n, "type", e, "unknown namespace %s", type);
	if (*seen & (1 << k))
		return oj_bad(n, "type", e, "%s given twice", type);
	*seen |= 1 << k;
	if (ns_types[k].flag == 0)
		return oj_unsupported(n, "type", "time namespaces are not supported yet", e);
	if (path && ns_types[k].flag == CLONE_NEWNET) {
		c->spec.netns = path;
		return 0;
	}
	int t = ns_types[k].flag;
	if (path && (t == CLONE_NEWIPC || t == CLONE_NEWUTS || t == CLONE_NEWPID || t == CLONE_NEWCGROUP)) {
		c->spec.ns_paths[c->spec.nns_paths].type = t;
		c->spec.ns_paths[c->spec.nns_paths++].path = path;
		return 0;
	}
	if (path && t == CLONE_NEWNS) {
		c->spec.mntns = path;
		return 0;
	}
	if (path && t == CLONE_NEWUSER) {  /* the rootfs as it is, as with a new one */
		c->spec.userns = path;
		c->spec.userns_plain_rootfs = true;
		return 0;
	}
	if (ns_types[k].flag == CLONE_NEWUSER)
		c->spec.userns_plain_rootfs = true;
	c->spec.ns_new |= ns_types[k].flag;
	return 0;
}

static int parse_namespaces(struct oci_config *c, const struct oj *l, struct ctr_err *e)
{
	struct oj a, n;
	int seen = 0;
	int r = oj_child(l, "namespaces", json_type_array, &a, e);
	if (r < 0)
		return -1;
	for (size_t i = 0; r > 0 && i < json_object_array_length(a.o); i++)
		if (oj_index(&a, i, json_type_object, &n, e) < 0 || parse_namespace(c, &n, &seen, e) < 0)
			return -1;
	/* Without one, the root and the mounts would be set up in the
	 * runtime's (the host's) mount namespace, the process kept in by chroot
	 * alone (runc does so, and leaves the mounts on the host): docs/oci.md */
	if (!(c->spec.ns_new & CLONE_NEWNS) && !c->spec.mntns)
		return oj_bad(l, "namespaces", e, "a mount namespace is required, new or by path"
			      " (the container's root and mounts are never set up in the runtime's)");
	/* A new user namespace does not own the joined mount namespace: its
	 * root could mount nothing there */
	if (c->spec.mntns && (c->spec.ns_new & CLONE_NEWUSER))
		return oj_bad(l, "namespaces", e, "a mount namespace joined by path cannot be"
			      " set up from a new user namespace, which does not own it");
	return 0;
}

static int parse_device(struct oci_config *c, const struct oj *d, struct ctr_device *dev,
			struct ctr_err *e)
{
	static const char *const known[] = {
		"type", "path", "major", "minor", "fileMode", "uid", "gid", NULL,
	};
	const char *type = "", *path = "";
	int64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
	(void)c;
	if (oj_keys(d, known, e) < 0 || oj_str(d, "type", &type, e) < 0 ||
	    oj_str(d, "path", &path, e) < 0 || oj_i64(d, "major", 0, 0xfff, &major, e) < 0 ||
	    oj_i64(d, "minor", 0, 0xfffff, &minor, e) < 0 ||
	    oj_i64(d, "fileMode", 0, S_IFMT | 07777, &mode, e) < 0 ||
	    oj_i64(d, "uid", 0, UINT32_MAX - 1, &uid, e) < 0 ||
	    oj_i64(d, "gid", 0, UINT32_MAX - 1, &gid, e) < 0)
		return -1;
	if (strncmp(path, "/dev/", 5) != 0 || !path[5] || strstr(path, ".."))
		return oj_bad(d, "path", e, "must be a path under /dev/");
	if (strcmp(type, "c") && strcmp(type, "u") && strcmp(type, "b") && strcmp(type, "p"))
		return oj_bad(d, "type", e, "c, u, b or p, not %s", type);
	dev->path = path;
	dev->type = *type == 'u' ? 'c' : *type;
	/* podman passes the host's st_mode, file type bits included (runc drops
	 * them): they must name the same type; the node gets the permissions */
	mode_t fmt = dev->type == 'b' ? S_IFBLK : dev->type == 'p' ? S_IFIFO : S_IFCHR;
	if ((mode & S_IFMT) && (mode & S_IFMT) != fmt)
		return oj_bad(d, "fileMode", e, "its file type bits (0%llo) are not type %s's",
			      (unsigned long long)(mode & S_IFMT), type);
	dev->major = (unsigned long)major;
	dev->minor = (unsigned long)minor;
	dev->mode = (mode_t)mode & 07777;
	dev->uid = (uid_t)uid;
	dev->gid = (gid_t)gid;
	return 0;
}

static int parse_devices(struct oci_config *c, const struct oj *l, struct ctr_err *e)
{
	struct oj a, d;
	int r = oj_child(l, "devices", json_type_array, &a, e);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a.o);
	c->spec.devices = oci_alloc(c, n, sizeof(*c->spec.devices));
	c->spec.ndevices = n;
	for (size_t i = 0; i < n; i++)
		if (oj_index(&a, i, json_type_object, &d, e) < 0 ||
		    parse_device(c, &d, &c->spec.devices[i], e) < 0)
			return -1;
	return 0;
}

/* The runtime's own network and ipc namespaces, taken at the first parse:
 * `run` parses the config again (start's hooks) after create entered the
 * namespaces joined by path, when /proc/self/ns shows those. */
static const struct stat *runtime_ns(int type)
{
	static struct stat net, ipc;
	static bool taken;
	if (!taken) {
		taken = true;
		if (stat("/proc/self/ns/net", &net) < 0)
			memset(&net, 0, sizeof(net));
		if (stat("/proc/self/ns/ipc", &ipc) < 0)
			memset(&ipc, 0, sizeof(ipc));
	}
	return type == CLONE_NEWNET ? &net : &ipc;
}

/* Whether the container's namespace of this type (CLONE_NEWNET, _NEWIPC) is
 * its own: a new one, or one joined by path that is not the runtime's (the
 * host's): podman makes the network namespace and passes its path. */
static bool own_ns(const struct oci_config *c, int type)
{
	const char *path = type == CLONE_NEWNET ? c->spec.netns : NULL;
	const struct stat *rt = runtime_ns(type);
	struct stat a;
	if (c->spec.ns_new & type)
		return true;
	for (size_t i = 0; i < c->spec.nns_paths; i++)
		if (c->spec.ns_paths[i].type == type)
			path = c->spec.ns_paths[i].path;
	return path && rt->st_ino && stat(path, &a) == 0 &&
	       (a.st_dev != rt->st_dev || a.st_ino != rt->st_ino);
}

/* Namespaced sysctls only (runc's rule): ipc's and fs.mqueue with an ipc
 * namespace, net.* with a network namespace, of the container's own. */
static int parse_sysctl(struct oci_config *c, const struct oj *l, struct ctr_err *e)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
		"kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
	};
	struct oj o;
	size_t n = 0;
	int r = oj_child(l, "sysctl", json_type_object, &o, e);
	if (r <= 0)
		return r;
	c->sysctl = oci_alloc(c, (size_t)json_object_object_length(o.o), sizeof(*c->sysctl));
	json_object_object_foreach(o.o, key, val) {
		const char *const *k = ipc;
		while (*k && strcmp(*k, key) != 0)
			k++;
		bool ok = ((*k || strncmp(key, "fs.mqueue.", 10) == 0) && own_ns(c, CLONE_NEWIPC)) ||
			  (strncmp(key, "net.", 4) == 0 && own_ns(c, CLONE_NEWNET));
		if (!ok || strstr(key, "..") || strchr(key, '/'))
			return oj_bad(&o, key, e, "not a sysctl of the container's own namespaces");
		if (!json_object_is_type(val, json_type_string))
			return oj_bad(&o, key, e, "must be a string");
		c->sysctl[n].key = key;
		c->sysctl[n++].value = json_object_get_string(val);
	}
	c->nsysctl = n;
	return 0;
}

static int parse_misc(struct oci_config *c, const struct oj *l, struct ctr_err *e)
{
	const char *prop = NULL, *label = NULL;
	struct oj p, x;
	if (oj_str(l, "rootfsPropagation", &prop, e) < 0 || oj_str(l, "mountLabel", &label, e) < 0)
		return -1;
	static const struct { const char *name; unsigned long flags; } props[] = {
		{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
		{ "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
		{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
	};
	size_t k = 0;
	while (prop && k < NELEM(props) && strcmp(props[k].name, prop) != 0)
		k++;
	if (prop && k == NELEM(props))
		return oj_bad(l, "rootfsPropagation", e, "%s: not a propagation", prop);
	if (prop)
		c->spec.root_propagation = props[k].flags;
	if (label && *label)
		return oj_unsupported(l, "mountLabel", "this host has no SELinux", e);
	int r = oj_child(l, "intelRdt", json_type_object, &x, e);
	if (r != 0)
		return r < 0 ? -1 : oj_unsupported(l, "intelRdt", "this host has no resctrl", e);
	r = oj_child(l, "personality", json_type_object, &p, e);
	if (r <= 0)
		return r;
	static const char *const known[] = { "domain", "flags", NULL };
	const char *domain = "";
	if (oj_keys(&p, known, e) < 0 || oj_str(&p, "domain", &domain, e) < 0)
		return -1;
	if (strcmp(domain, "LINUX") == 0)
		c->spec.personality = 0;
	else if (strcmp(domain, "LINUX32") == 0)
		c->spec.personality = 8;  /* PER_LINUX32 */
	else
		return oj_bad(&p, "domain", e, "LINUX or LINUX32, not %s", domain);
	struct oj f;
	if ((r = oj_child(&p, "flags", json_type_array, &f, e)) < 0)
		return -1;
	if (r > 0 && json_object_array_length(f.o) > 0)
		return oj_unsupported(&p, "flags", NULL, e);
	return 0;
}

/* uidMappings / gidMappings: required with a new user namespace, refused
 * without one (the maps of a joined namespace are its own). At most 340
 * lines (the kernel's limit). */
static int parse_idmap(struct oci_config *c, const struct oj *l, const char *key,
		       struct ctr_idmap **map, size_t *n, struct ctr_err *e)
{
	static const char *const known[] = { "containerID", "hostID", "size", NULL };
	struct oj a, m;
	bool userns = c->spec.ns_new & CLONE_NEWUSER;
	int r = oj_child(l, key, json_type_array, &a, e);
	if (r < 0)
		return -1;
	size_t len = r > 0 ? json_object_array_length(a.o) : 0;
	if (len && !userns)
		return oj_bad(l, key, e, "needs a new user namespace");
	if (!len && userns)
		return oj_bad(l, key, e, "required with a new user namespace");
	if (len > 340)
		return oj_bad(l, key, e, "at most 340 lines");
	*map = len ? oci_alloc(c, len, sizeof(**map)) : NULL;
	*n = len;
	for (size_t i = 0; i < len; i++) {
		int64_t in = 0, out = 0, size = 0;
		if (oj_index(&a, i, json_type_object, &m, e) < 0 || oj_keys(&m, known, e) < 0 ||
		    oj_i64(&m, "containerID", 0, UINT32_MAX - 1, &in, e) < 0 ||
		    oj_i64(&m, "hostID", 0, UINT32_MAX - 1, &out, e) < 0 ||
		    oj_i64(&m, "size", 1, UINT32_MAX, &size, e) < 0)
			return -1;
		if (size == 0)
			return oj_bad(&m, "size", e, "required, at least 1");
		(*map)[i] = (struct ctr_idmap){ (unsigned long)in, (unsigned long)out, (unsigned long)size };
	}
	return 0;
}

int oci_linux_parse(struct oci_config *c, const struct oj *l, struct ctr_err *e)
{
	static const char *const known[] = {
		"namespaces", "uidMappings", "gidMappings", "devices", "cgroupsPath", "resources",
		"sysctl", "seccomp", "maskedPaths", "readonlyPaths", "rootfsPropagation",
		"mountLabel", "personality", "intelRdt", NULL,
	};
	struct oj x, s;
	int r;
	if (oj_keys(l, known, e) < 0 || parse_namespaces(c, l, e) < 0)
		return -1;
	if (parse_idmap(c, l, "uidMappings", &c->spec.uid_map, &c->spec.nuid_map, e) < 0 ||
	    parse_idmap(c, l, "gidMappings", &c->spec.gid_map, &c->spec.ngid_map, e) < 0)
		return -1;
	if (parse_devices(c, l, e) < 0 || oj_str(l, "cgroupsPath", &c->cgroups_path, e) < 0 ||
	    parse_sysctl(c, l, e) < 0 || parse_misc(c, l, e) < 0)
		return -1;
	if (c->cgroups_path && (c->cgroups_path[0] == '\0' || strstr(c->cgroups_path, "..")))
		return oj_bad(l, "cgroupsPath", e, "not a usable cgroup path");
	if ((r = oj_child(l, "resources", json_type_object, &x, e)) < 0 ||
	    (r > 0 && cg_resources(NULL, x.o, true, e) < 0))
		return -1;
	c->resources = r > 0 ? x.o : NULL;
	if ((r = oj_child(l, "seccomp", json_type_object, &s, e)) < 0 ||
	    (r > 0 && oci_seccomp_parse(c, &s, e) < 0))
		return -1;
	return 0;
}
