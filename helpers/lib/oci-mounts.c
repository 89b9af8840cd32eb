/* oci-mounts.c - config.json's mounts[] into the spec's mount list, in order,
 * every mount(8) option a flag, a propagation or the filesystem's data:
 * bind/rbind (the source resolved on the host, relative to the bundle; the
 * destination inside the root), proc, sysfs, cgroup (expanded for this
 * host's layout: cgroup2 on v2, a tmpfs with one mount per v1 hierarchy on
 * v1 and hybrid), anything else as its type. oci_mounts_finish adds the
 * device nodes (after a /dev mount) and the masked and read-only paths.
 * Options "x-..." are userspace's (mount(8)), never the kernel's; one is
 * ctr's: x-ctr.inode=DEV:INO on a bind (inode_opt).
 */
#include "oci.h"
#include "oci-cgroup.h"
#include "opt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* A mount(8) option: flags it sets or clears, a propagation, the bind
 * attributes it sets and clears (an atime mode clears all of _ATIME: the
 * modes are an enum; relatime is 0). */
#define ATIME(mode) mode, MOUNT_ATTR__ATIME
static const struct mopt {
	const char *name;
	unsigned long set, clear, prop;
	uint64_t attr, attr_clr;
} mopts[] = {
	{ "defaults", 0, 0, 0, 0, 0 },
	{ "ro", MS_RDONLY, 0, 0, MOUNT_ATTR_RDONLY, 0 }, { "rw", 0, MS_RDONLY, 0, 0, MOUNT_ATTR_RDONLY },
	{ "nosuid", MS_NOSUID, 0, 0, MOUNT_ATTR_NOSUID, 0 }, { "suid", 0, MS_NOSUID, 0, 0, MOUNT_ATTR_NOSUID },
	{ "nodev", MS_NODEV, 0, 0, MOUNT_ATTR_NODEV, 0 }, { "dev", 0, MS_NODEV, 0, 0, MOUNT_ATTR_NODEV },
	{ "noexec", MS_NOEXEC, 0, 0, MOUNT_ATTR_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC, 0, 0, MOUNT_ATTR_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0, 0, 0, 0 }, { "async", 0, MS_SYNCHRONOUS, 0, 0, 0 },
	{ "dirsync", MS_DIRSYNC, 0, 0, 0, 0 }, { "mand", MS_MANDLOCK, 0, 0, 0, 0 },
	{ "nomand", 0, MS_MANDLOCK, 0, 0, 0 },
	/* atime and nostrictatime: the kernel's default, relatime */
	{ "atime", 0, MS_NOATIME, 0, ATIME(MOUNT_ATTR_RELATIME) },
	{ "noatime", MS_NOATIME, 0, 0, ATIME(MOUNT_ATTR_NOATIME) },
	{ "diratime", 0, MS_NODIRATIME, 0, 0, MOUNT_ATTR_NODIRATIME },
	{ "nodiratime", MS_NODIRATIME, 0, 0, MOUNT_ATTR_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0, 0, ATIME(MOUNT_ATTR_RELATIME) },
	{ "norelatime", 0, MS_RELATIME, 0, 0, 0 },
	{ "strictatime", MS_STRICTATIME, 0, 0, ATIME(MOUNT_ATTR_STRICTATIME) },
	{ "nostrictatime", 0, MS_STRICTATIME, 0, ATIME(MOUNT_ATTR_RELATIME) },
	{ "lazytime", MS_LAZYTIME, 0, 0, 0, 0 }, { "nolazytime", 0, MS_LAZYTIME, 0, 0, 0 },
	{ "silent", MS_SILENT, 0, 0, 0, 0 }, { "loud", 0, MS_SILENT, 0, 0, 0 },
	{ "iversion", MS_I_VERSION, 0, 0, 0, 0 }, { "noiversion", 0, MS_I_VERSION, 0, 0, 0 },
	{ "nosymfollow", MS_NOSYMFOLLOW, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "symfollow", 0, MS_NOSYMFOLLOW, 0, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "private", 0, 0, MS_PRIVATE, 0, 0 }, { "rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0 },
	{ "shared", 0, 0, MS_SHARED, 0, 0 }, { "rshared", 0, 0, MS_SHARED | MS_REC, 0, 0 },
	{ "slave", 0, 0, MS_SLAVE, 0, 0 }, { "rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0 },
	{ "unbindable", 0, 0, MS_UNBINDABLE, 0, 0 },
	{ "runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0 },
	{ "bind", MS_BIND, 0, 0, 0, 0 }, { "rbind", MS_BIND | MS_REC, 0, 0, 0, 0 },
};

/* Options that ask for what ctr does not do: an error, not a guess. */
static const char *const mopt_refused[] = {
	"remount", "idmap", "ridmap", "copy-symlink", "move", "rmove", NULL,
};

struct parsed {
	unsigned long flags, prop;
	uint64_t attrs, attrs_clr;
	bool bind, rec, copyup;
	bool inode;               /* x-ctr.inode given */
	unsigned long dev, ino;
	char data[1024];
};

/* x-ctr.inode=DEV:INO (ctr.sh's volumes): the bind's source is used as
 * given, resolved by the writer (never resolved again here), opened
 * following no symlink at all, and must still be the file DEV:INO that the
 * writer checked (container.c, open_bind_src): a directory a container can
 * write that was turned into a symlink or replaced meanwhile is refused.
 * Other x- options are comments (mount(8)): dropped. 1: it was one. */
static int inode_opt(const struct oj *m, struct parsed *p, const char *o, struct ctr_err *e)
{
	const char *v = o + strlen("x-ctr.inode=");
	if (strncmp(o, "x-", 2) != 0)
		return 0;
	if (strncmp(o, "x-ctr.inode=", strlen("x-ctr.inode=")) != 0)
		return 1;
	if (p->inode || !parse_ulong(v, ULONG_MAX, &p->dev, &v) || *v++ != ':' ||
	    !parse_ulong(v, ULONG_MAX, &p->ino, NULL))
		return oj_bad(m, "options", e, "%s: x-ctr.inode=DEV:INO, once", o);
	p->inode = true;
	return 1;
}

static int parse_options(const struct oj *m, struct parsed *p, struct ctr_err *e)
{
	const char **opts = NULL;
	memset(p, 0, sizeof(*p));
	if (oj_strv(m, "options", &opts, NULL, e) < 0)
		return -1;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i];
		size_t k = 0;
		if (strcmp(o, "tmpcopyup") == 0) {  /* runc's and crun's extension */
			p->copyup = true;
			continue;
		}
		int x = inode_opt(m, p, o, e);
		if (x != 0) {
			if (x < 0) {
				free(opts);
				return -1;
			}
			continue;
		}
		while (k < NELEM(mopts) && strcmp(mopts[k].name, o) != 0)
			k++;
		for (const char *const *r = mopt_refused; *r; r++)
			if (strcmp(*r, o) == 0) {
				free(opts);
				return oj_bad(m, "options", e, "%s: not supported", o);
			}
		if (k == NELEM(mopts)) {  /* the filesystem's own: mode=755, size=... */
			size_t len = strlen(p->data);
			if (len + strlen(o) + 2 > sizeof(p->data)) {
				free(opts);
				return oj_bad(m, "options", e, "too long");
			}
			snprintf(p->data + len, sizeof(p->data) - len, "%s%s", len ? "," : "", o);
			continue;
		}
		p->flags = (p->flags | mopts[k].set) & ~mopts[k].clear;
		/* the last option wins; an atime mode stays inside _ATIME in clr */
		p->attrs = (p->attrs & ~mopts[k].attr_clr) | mopts[k].attr;
		p->attrs_clr = (p->attrs_clr & ~(mopts[k].attr & ~(uint64_t)MOUNT_ATTR__ATIME)) |
			       mopts[k].attr_clr;
		if (mopts[k].prop)
			p->prop = mopts[k].prop;
		if (mopts[k].set & MS_BIND) {
			p->bind = true;
			p->rec = p->rec || (mopts[k].set & MS_REC);
		}
	}
	free(opts);
	return 0;
}

/* type cgroup: what this host has, read-only unless the options say rw. */
static int cgroup_mount(struct oci_config *c, const char *dst, const struct parsed *p,
			struct ctr_err *e)
{
	struct cg_layout l;
	unsigned long fl = p->flags & ~(unsigned long)(MS_BIND | MS_REC);
	if (cg_layout(&l, e) < 0)
		return -1;
	if (l.mode == CG_V2) {
		struct ctr_mount *m = ctr_spec_mount(&c->spec, CTR_MOUNT_FS, dst);
		m->type = m->src = "cgroup2";
		m->flags = fl;
		return 0;
	}
	struct ctr_mount *t = ctr_spec_mount(&c->spec, CTR_MOUNT_FS, dst);
	t->type = t->src = "tmpfs";
	t->flags = (fl & ~(unsigned long)MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	t->data = "mode=755";
	for (size_t i = 0; i <= l.n; i++) {
		if (i == l.n && !*l.unified)
			break;
		const char *opts = i < l.n ? l.v1[i].opts : "unified";
		const char *name = strncmp(opts, "name=", 5) == 0 ? opts + 5 : opts;
		char *path = oci_alloc(c, strlen(dst) + strlen(name) + 2, 1);
		sprintf(path, "%s/%s", strcmp(dst, "/") ? dst : "", name);
		struct ctr_mount *m = ctr_spec_mount(&c->spec, CTR_MOUNT_FS, path);
		m->type = m->src = i < l.n ? "cgroup" : "cgroup2";
		m->flags = fl;
		m->data = NULL;  /* opts is in l, on this stack: copied */
		if (i < l.n) {
			char *d = oci_alloc(c, strlen(opts) + 6, 1);
			sprintf(d, "%s%s", strncmp(opts, "name=", 5) ? "" : "none,", opts);
			m->data = d;
		}
	}
	if (fl & MS_RDONLY)
		ctr_spec_mount(&c->spec, CTR_MOUNT_READONLY, dst);
	return 0;
}

static int parse_mount(struct oci_config *c, const struct oj *m, struct ctr_err *e)
{
	static const char *const known[] = { "destination", "type", "source", "options", NULL };
	const char *dst = "", *type = "", *src = "";
	struct parsed p;
	if (oj_keys(m, known, e) < 0 || oj_str(m, "destination", &dst, e) < 0 ||
	    oj_str(m, "type", &type, e) < 0 || oj_str(m, "source", &src, e) < 0 ||
	    parse_options(m, &p, e) < 0)
		return -1;
	if (dst[0] != '/')
		return oj_bad(m, "destination", e, "required, an absolute path");
	if (p.inode && !p.bind && strcmp(type, "bind") != 0)
		return oj_bad(m, "options", e, "x-ctr.inode: only on a bind mount");
	if (p.copyup && (p.bind || strcmp(type, "tmpfs") != 0))
		return oj_bad(m, "options", e, "tmpcopyup: only for a tmpfs");
	if (p.bind || strcmp(type, "bind") == 0) {
		if (!*src)
			return oj_bad(m, "source", e, "required for a bind mount");
		if (p.inode && src[0] != '/')
			return oj_bad(m, "source", e, "must be absolute (and resolved) with x-ctr.inode");
		struct ctr_mount *b = ctr_spec_mount(&c->spec, CTR_MOUNT_BIND, dst);
		b->attrs = p.attrs;
		b->attrs_clr = p.attrs_clr;
		b->norec = !p.rec;
		b->propagation = p.prop;
		if (p.inode) {
			b->src = src;
			b->src_check = true;
			b->src_dev = (dev_t)p.dev;
			b->src_ino = (ino_t)p.ino;
			return 0;
		}
		/* resolved here, by the caller: the executor opens it following
		 * no symlink (container.c, open_bind_src) */
		char abs[PATH_MAX], real[PATH_MAX];
		if (snprintf(abs, sizeof(abs), "%s%s%s", src[0] == '/' ? "" : c->bundle,
			     src[0] == '/' ? "" : "/", src) >= (int)sizeof(abs))
			return oj_bad(m, "source", e, "too long");
		if (!realpath(abs, real))
			return ctr_fail_errno(e, "config.json: %s.source: %s", m->path, abs);
		b->src = oci_strdup(c, real);
		return 0;
	}
	if (!*type)
		return oj_bad(m, "type", e, "required unless the options hold bind or rbind");
	if (strcmp(type, "cgroup") == 0)
		return cgroup_mount(c, dst, &p, e);
	enum ctr_mount_kind kind = strcmp(type, "proc") == 0 ? CTR_MOUNT_PROC :
				   strcmp(type, "sysfs") == 0 ? CTR_MOUNT_SYSFS : CTR_MOUNT_FS;
	struct ctr_mount *f = ctr_spec_mount(&c->spec, kind, dst);
	f->type = type;
	f->src = *src ? src : type;
	f->flags = p.flags;
	f->data = *p.data ? oci_strdup(c, p.data) : NULL;
	f->propagation = p.prop;
	f->copyup = p.copyup;
	return 0;
}

int oci_mounts_parse(struct oci_config *c, const struct oj *top, struct ctr_err *e)
{
	struct oj a, m;
	int r = oj_child(top, "mounts", json_type_array, &a, e);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(a.o); i++)
		if (oj_index(&a, i, json_type_object, &m, e) < 0 || parse_mount(c, &m, e) < 0)
			return -1;
	return 0;
}

/* After the spec's mounts: the device nodes in /dev (unless /dev is a bind
 * of the host's: those are its nodes), then the masked and read-only paths. */
int oci_mounts_finish(struct oci_config *c, struct ctr_err *e)
{
	struct oj top = { .o = c->json, .path = "" }, l;
	const char **masked = NULL, **ro = NULL;
	bool dev_bind = false;
	(void)e;
	for (size_t i = 0; i < c->spec.nmounts; i++)
		if (strcmp(c->spec.mounts[i].dst, "/dev") == 0)
			dev_bind = c->spec.mounts[i].kind == CTR_MOUNT_BIND;
	if (!dev_bind)
		ctr_spec_mount(&c->spec, CTR_MOUNT_DEVNODES, "/dev");
	if (oj_child(&top, "linux", json_type_object, &l, e) <= 0)
		return 0;
	if (oj_strv(&l, "maskedPaths", &masked, NULL, e) < 0 ||
	    oj_strv(&l, "readonlyPaths", &ro, NULL, e) < 0)
		return -1;
	oci_own(c, masked);
	oci_own(c, ro);
	for (size_t i = 0; masked && masked[i]; i++)
		ctr_spec_mount(&c->spec, CTR_MOUNT_MASK, masked[i])->optional = true;
	for (size_t i = 0; ro && ro[i]; i++)
		ctr_spec_mount(&c->spec, CTR_MOUNT_READONLY, ro[i])->optional = true;
	return 0;
}
