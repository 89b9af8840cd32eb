/* oci-config.c - an OCI bundle's config.json (runtime-spec 1.0.2 to 1.1,
 * Linux) into a struct oci_config: a ctr_spec for the executor plus what the
 * runtime does itself (hooks, cgroup, resources, sysctl, annotations).
 * Entry points: oci_config_load (BUNDLE/config.json), oci_config_parse (a
 * text), oci_config_free. Order: top level, process (oci-process.c), linux
 * (oci-linux.c: namespaces first, the mounts need them), mounts
 * (oci-mounts.c), then the masked and read-only paths after the mounts,
 * then ctr's own extension object "ctr" (parse_ctr; docs/oci.md: what
 * ctr.sh writes that the runtime-spec has no word for). A field ctr does
 * not know or support is an error naming it.
 */
#include "oci.h"
#include "fdio.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const oci_hook_names[OCI_NHOOKS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* calloc that is freed with the config; dies when out of memory, as the
 * spec's own lists do. */
void *oci_alloc(struct oci_config *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die_errno("calloc");
	oci_own(c, p);
	return p;
}

/* Hand a malloc'ed block to the config. */
void oci_own(struct oci_config *c, void *p)
{
	void **list = realloc(c->allocs, (c->nallocs + 1) * sizeof(*list));
	if (!list)
		die_errno("realloc");
	c->allocs = list;
	c->allocs[c->nallocs++] = p;
}

char *oci_strdup(struct oci_config *c, const char *s)
{
	char *p = oci_alloc(c, strlen(s) + 1, 1);
	memcpy(p, s, strlen(s) + 1);
	return p;
}

void oci_config_free(struct oci_config *c)
{
	free(c->spec.env);  /* oj_strv's; ctr_spec_free frees it */
	c->spec.env = NULL;
	ctr_spec_free(&c->spec);
	for (size_t i = 0; i < c->nallocs; i++)
		free(c->allocs[i]);
	free(c->allocs);
	if (c->json)
		json_object_put(c->json);
	memset(c, 0, sizeof(*c));
}

/* root.path: absolute, or relative to the bundle; it must be a directory. */
static int parse_root(struct oci_config *c, const struct oj *top, struct ctr_err *e)
{
	static const char *const known[] = { "path", "readonly", NULL };
	struct oj r;
	const char *path = "";
	struct stat st;
	int rc = oj_child(top, "root", json_type_object, &r, e);
	if (rc <= 0)
		return rc < 0 ? -1 : oj_bad(top, "root", e, "required");
	if (oj_keys(&r, known, e) < 0 || oj_bool(&r, "readonly", &c->spec.rootfs_ro, e) < 0 ||
	    oj_str(&r, "path", &path, e) < 0)
		return -1;
	if (!*path)
		return oj_bad(&r, "path", e, "required");
	int n = path[0] == '/' ? snprintf(c->rootfs, sizeof(c->rootfs), "%s", path)
			       : snprintf(c->rootfs, sizeof(c->rootfs), "%s/%s", c->bundle, path);
	if (n >= (int)sizeof(c->rootfs))
		return oj_bad(&r, "path", e, "too long");
	if (stat(c->rootfs, &st) < 0)
		return ctr_fail_errno(e, "config.json: root.path: %s", c->rootfs);
	if (!S_ISDIR(st.st_mode))
		return oj_bad(&r, "path", e, "%s is not a directory", c->rootfs);
	c->spec.rootfs = c->rootfs;
	return 0;
}

/* ctr.shmInDev: the mounts' tmpfs on /dev/shm made a directory of the tmpfs
 * on /dev: the last mount on /dev before it must be that tmpfs. */
static int shm_in_dev(struct oci_config *c, const struct oj *x, struct ctr_err *e)
{
	for (size_t i = 0; i < c->spec.nmounts; i++) {
		struct ctr_mount *m = &c->spec.mounts[i];
		if (m->kind != CTR_MOUNT_FS || strcmp(m->dst, "/dev/shm") || strcmp(m->type, "tmpfs") || m->copyup)
			continue;
		size_t d = i;
		while (d > 0 && strcmp(c->spec.mounts[d - 1].dst, "/dev"))
			d--;
		if (d == 0 || c->spec.mounts[d - 1].kind != CTR_MOUNT_FS ||
		    strcmp(c->spec.mounts[d - 1].type, "tmpfs"))
			break;
		m->kind = CTR_MOUNT_SUBDIR;
		return 0;
	}
	return oj_bad(x, "shmInDev", e, "needs a tmpfs on /dev/shm after a tmpfs on /dev");
}

/* "ctr": what ctr.sh's containers need that the runtime-spec cannot say.
 * Part of the config (not an annotation: an engine passes its users'
 * annotations on, never their keys), so as trusted as the rest of it; other
 * runtimes ignore it (runtime-spec: unknown properties are ignored).
 *   rootfsNodev  nodev on root.path and its submounts (mknod'ed nodes inert)
 *   rootfsIdmap  with a new user namespace: root.path idmapped with its maps
 *                (host root's files are the container root's), not as is
 *   seccomp      "default": ctr's allowlist and btrfs filter (seccomp.c),
 *                "unconfined": none; not with linux.seccomp
 *   init         a tiny init as PID 1 (init.c) that forks process.args
 *   rootless     an unprivileged caller: newuidmap/newgidmap write the
 *                user namespace's maps (its caller's id and subordinate
 *                ids, as uidMappings says), the child binds the volumes,
 *                an exec enters the user namespace first (userns.c)
 *   shmInDev     the tmpfs mount on /dev/shm is a directory of the tmpfs
 *                mounted on /dev just before, bound on itself with its
 *                flags (its size is /dev's): one superblock less
 *                (docs/design.md "Superblocks") */
static int parse_ctr(struct oci_config *c, const struct oj *top, struct ctr_err *e)
{
	static const char *const known[] = {
		"rootfsNodev", "rootfsIdmap", "seccomp", "init", "rootless", "shmInDev", NULL,
	};
	struct oj x, l;
	bool idmap = false, rootless = false, shm = false;
	const char *sc = NULL;
	int r = oj_child(top, "ctr", json_type_object, &x, e);
	if (r <= 0)
		return r;
	if (oj_keys_strict(&x, known, e) < 0 || oj_bool(&x, "rootfsNodev", &c->spec.rootfs_nodev, e) < 0 ||
	    oj_bool(&x, "rootfsIdmap", &idmap, e) < 0 || oj_str(&x, "seccomp", &sc, e) < 0 ||
	    oj_bool(&x, "init", &c->spec.init, e) < 0 || oj_bool(&x, "rootless", &rootless, e) < 0 ||
	    oj_bool(&x, "shmInDev", &shm, e) < 0 || (shm && shm_in_dev(c, &x, e) < 0))
		return -1;
	if ((idmap || rootless) && !(c->spec.ns_new & CLONE_NEWUSER))
		return oj_bad(&x, idmap ? "rootfsIdmap" : "rootless", e, "needs a new user namespace");
	if (idmap && rootless)
		return oj_bad(&x, "rootfsIdmap", e, "not with rootless (an idmapped mount needs host privilege)");
	if (rootless && (c->spec.netns || c->cgroups_path))
		return oj_bad(&x, "rootless", e, "only with a new network namespace and no linux.cgroupsPath");
	if (idmap)
		c->spec.userns_plain_rootfs = false;
	c->spec.rootless = rootless;
	/* the caller's id alone (no subordinate ids): the parent writes the map, setgroups denied */
	c->spec.setgroups_deny = rootless && c->spec.nuid_map == 1;
	if (!sc)
		return 0;
	if (oj_child(top, "linux", json_type_object, &l, e) > 0 &&
	    oj_child(&l, "seccomp", json_type_object, &x, e) > 0)
		return oj_bad(top, "ctr", e, "seccomp: not with linux.seccomp (one filter or the other)");
	if (strcmp(sc, "default") && strcmp(sc, "unconfined"))
		return oj_bad(top, "ctr", e, "seccomp: default or unconfined, not %s", sc);
	c->spec.seccomp = strcmp(sc, "default") ? CTR_SECCOMP_NONE : CTR_SECCOMP_DEFAULT;
	return 0;
}

/* The top level. Keys are checked first, so an unknown one is named even
 * when a later field is wrong too. */
static int parse_top(struct oci_config *c, const struct oj *top, struct ctr_err *e)
{
	static const char *const known[] = {
		"ociVersion", "root", "process", "hostname", "domainname", "mounts", "hooks",
		"annotations", "linux", "ctr", NULL,
	};
	struct oj p, l, h, a;
	int r;
	if (oj_keys(top, known, e) < 0)
		return -1;
	if ((r = oj_str(top, "ociVersion", &c->version, e)) <= 0)
		return r < 0 ? -1 : oj_bad(top, "ociVersion", e, "required");
	if (strncmp(c->version, "1.", 2) != 0)
		return oj_bad(top, "ociVersion", e, "%s: ctr supports 1.0 to 1.1", c->version);
	if (parse_root(c, top, e) < 0)
		return -1;
	if ((r = oj_child(top, "process", json_type_object, &p, e)) < 0 ||
	    (r > 0 && oci_process_parse(c, &p, e) < 0))
		return -1;
	if (r == 0)
		return oj_bad(top, "process", e, "required by create");
	if (oj_str(top, "hostname", &c->spec.hostname, e) < 0 ||
	    oj_str(top, "domainname", &c->domainname, e) < 0)
		return -1;
	if ((r = oj_child(top, "annotations", json_type_object, &a, e)) < 0)
		return -1;
	c->annotations = r > 0 ? a.o : NULL;
	if ((r = oj_child(top, "linux", json_type_object, &l, e)) < 0 ||
	    (r > 0 && oci_linux_parse(c, &l, e) < 0))
		return -1;
	if (r == 0)
		return oj_bad(top, "linux", e, "required on Linux");
	if ((r = oj_child(top, "hooks", json_type_object, &h, e)) < 0 ||
	    (r > 0 && oci_hooks_parse(c, &h, e) < 0))
		return -1;
	/* never the host's: a new uts namespace, or one joined by path (its
	 * names are set, as runc does) */
	bool uts = c->spec.ns_new & CLONE_NEWUTS;
	for (size_t i = 0; i < c->spec.nns_paths; i++)
		uts = uts || c->spec.ns_paths[i].type == CLONE_NEWUTS;
	if (c->spec.hostname && !uts)
		return oj_bad(top, "hostname", e, "needs a uts namespace of its own");
	if (c->domainname && !uts)
		return oj_bad(top, "domainname", e, "needs a uts namespace of its own");
	if (oci_mounts_parse(c, top, e) < 0 || oci_mounts_finish(c, e) < 0)
		return -1;
	return parse_ctr(c, top, e);
}

/* text (config.json's content) into c; bundle is the bundle's directory. */
int oci_config_parse(struct oci_config *c, const char *bundle, const char *text, struct ctr_err *e)
{
	enum json_tokener_error jerr;
	memset(c, 0, sizeof(*c));
	ctr_spec_init(&c->spec);
	c->spec.rootfs_nodev = false;  /* the spec's mounts say what is nodev */
	c->spec.no_new_privs = false;
	c->spec.seccomp = CTR_SECCOMP_NONE;
	c->spec.outlive_parent = true;
	c->spec.ambient_set = true;
	c->spec.hostname = NULL;
	if (!realpath(bundle, c->bundle))
		return ctr_fail_errno(e, "bundle %s", bundle);
	c->json = json_tokener_parse_verbose(text, &jerr);
	if (!c->json)
		return ctr_fail(e, 0, "config.json: %s", json_tokener_error_desc(jerr));
	struct oj top = { .o = c->json, .path = "" };
	if (!json_object_is_type(c->json, json_type_object))
		return ctr_fail(e, 0, "config.json: not an object");
	return parse_top(c, &top, e);
}

/* BUNDLE/config.json into c. */
int oci_config_load(struct oci_config *c, const char *bundle, struct ctr_err *e)
{
	char path[PATH_MAX];
	memset(c, 0, sizeof(*c));
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		return ctr_fail(e, ENAMETOOLONG, "bundle %s", bundle);
	return oci_config_file(c, path, bundle, e);
}

/* The config.json at path (the state dir's copy) for bundle. */
int oci_config_file(struct oci_config *c, const char *path, const char *bundle, struct ctr_err *e)
{
	struct stat st;
	memset(c, 0, sizeof(*c));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open %s", path);
	if (fstat(fd, &st) < 0 || st.st_size > 16 << 20) {
		close_fd(&fd);
		return ctr_fail(e, 0, "%s: not a file of at most 16 MiB", path);
	}
	char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		die_errno("malloc");
	ssize_t n = read_full(fd, text, (size_t)st.st_size);
	close_fd(&fd);
	if (n < 0) {
		free(text);
		return ctr_fail_errno(e, "read %s", path);
	}
	text[n] = '\0';
	int r = oci_config_parse(c, bundle, text, e);
	free(text);
	return r;
}
