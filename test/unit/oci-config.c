/* Unit tests of lib/oci-config.c and its parts (oci-process, oci-mounts,
 * oci-linux, oci-seccomp, oci-hooks): config.json into a spec, and every
 * unsupported or wrong field an error naming it, ctr's extensions too; a
 * property the runtime-spec does not have ignored (no container is run). */
#include "tap.h"
#include "oci.h"
#include "oci-seccomp.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char bundle[] = "/tmp/ctr-unit-oci.XXXXXX";

/* A minimal valid config with EXTRA spliced into the top level (or "" ). */
static int parse(struct oci_config *c, struct ctr_err *e, const char *extra)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		 "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}]}%s}", extra);
	oci_config_free(c);
	return oci_config_parse(c, bundle, text, e);
}

static size_t count(const struct ctr_spec *s, enum ctr_mount_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nmounts; i++)
		n += s->mounts[i].kind == k;
	return n;
}

/* parse, expect failure with msg containing what */
static void refused(struct oci_config *c, const char *extra, const char *what)
{
	struct ctr_err e = { 0 };
	int r = parse(c, &e, extra);
	ok(r < 0 && strstr(e.msg, what), "refused, naming %s: %s", what, e.msg);
}

static void test_runc_spec(void)
{
	static struct oci_config c;
	struct ctr_err e = { 0 };
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/runc", bundle);
	ok(oci_config_load(&c, dir, &e) == 0, "runc spec's default config parses: %s", e.msg);
	ok(c.terminal && c.spec.rootfs_ro && str_eq(c.spec.hostname, "runc"), "terminal, readonly root, hostname");
	ok(c.spec.ns_new == (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS),
	   "five new namespaces");
	ok(c.spec.nrlimits == 1 && c.spec.rlimits[0].soft == 1024, "rlimit NOFILE");
	ok(c.spec.no_new_privs && c.spec.caps.bounding == ((1ULL << 29) | (1ULL << 5) | (1ULL << 10)),
	   "noNewPrivileges, bounding AUDIT_WRITE KILL NET_BIND_SERVICE");
	ok(c.spec.nenv == 2 && str_eq(c.spec.argv[0], "sh"), "env and args");
	ok(c.spec.mounts[0].kind == CTR_MOUNT_PROC && str_eq(c.spec.mounts[1].dst, "/dev") &&
	   str_eq(c.spec.mounts[1].type, "tmpfs") && str_eq(c.spec.mounts[1].data, "mode=755,size=65536k") &&
	   c.spec.mounts[1].flags == (MS_NOSUID | MS_STRICTATIME), "mounts in order, flags and data split");
	ok(count(&c.spec, CTR_MOUNT_DEVNODES) == 1 && count(&c.spec, CTR_MOUNT_MASK) == 10 &&
	   count(&c.spec, CTR_MOUNT_READONLY) >= 5, "device nodes, 10 masked, 5+ read-only");
	ok(c.spec.seccomp == CTR_SECCOMP_NONE && c.spec.outlive_parent, "no seccomp unless asked; init outlives create");
	oci_config_free(&c);
}

static void test_fields(void)
{
	static struct oci_config c;
	struct ctr_err e = { 0 };
	ok(parse(&c, &e, "") == 0 && str_eq(c.rootfs + strlen(c.rootfs) - 7, "/rootfs"), "minimal config, root relative to the bundle");
	/* runtime-spec, Extensibility: a property the spec does not have is ignored (a warning);
	 * a field of the spec that ctr-oci does not implement is an error naming it */
	ok(parse(&c, &e, ",\"bogus\":1,\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"nope\":1}]}") == 0 &&
	   c.hooks[OCI_PRESTART] && str_eq(c.hooks[OCI_PRESTART][0].path, "/bin/true"),
	   "unknown properties ignored, the rest read: %s", e.msg);
	refused(&c, ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_OTHER\"}}", "process.scheduler: not supported");
	refused(&c, ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"uidMappings\":[]}]", "mounts[0].uidMappings: not supported");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"rdma\":{}}}", "linux.resources.rdma: not supported");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"timeOffsets\":{}}", "linux.timeOffsets: not supported");
	refused(&c, ",\"ctr\":{\"bogus\":true}", "ctr.bogus: not supported");
	refused(&c, ",\"hostname\":\"h\"", "hostname: needs a uts namespace of its own");
	refused(&c, ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"remount\"]}]", "mounts");
	refused(&c, ",\"mounts\":[{\"destination\":\"rel\",\"type\":\"tmpfs\"}]", "destination");
	ok(parse(&c, &e, ",\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"data\",\"options\":[\"ro\",\"rprivate\"]}]") == 0 &&
	   c.spec.mounts[0].kind == CTR_MOUNT_BIND && c.spec.mounts[0].norec &&
	   c.spec.mounts[0].attrs == MOUNT_ATTR_RDONLY && c.spec.mounts[0].propagation == (MS_PRIVATE | MS_REC) &&
	   strstr(c.spec.mounts[0].src, "/data"), "bind: source in the bundle, ro attr, not recursive, rprivate");
	ok(parse(&c, &e, ",\"mounts\":[{\"destination\":\"/d\",\"source\":\"/tmp\",\"options\":[\"rbind\"]}]") == 0 &&
	   !c.spec.mounts[0].norec, "rbind is recursive");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}]}", "uidMappings: required with a new user namespace");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}", "uidMappings: needs a new user namespace");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000}],\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}", "uidMappings[0].size: required");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"mount\",\"path\":\"/proc/1/ns/mnt\"}]}", "mount given twice");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}]}") == 0 &&
	   str_eq(c.spec.userns, "/proc/1/ns/user") && !(c.spec.ns_new & CLONE_NEWUSER) && c.spec.userns_plain_rootfs,
	   "a user namespace by path: joined, the rootfs as it is: %s", e.msg);
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}", "uidMappings: needs a new user namespace");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"rootfsPropagation\":\"sideways\"}", "rootfsPropagation: sideways: not a propagation");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}", "a mount namespace is required, new or by path");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"/proc/1/ns/mnt\"},{\"type\":\"user\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
		"cannot be set up from a new user namespace");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"/run/x/mnt\"},{\"type\":\"pid\"}]}") == 0 &&
	   str_eq(c.spec.mntns, "/run/x/mnt") && c.spec.ns_new == CLONE_NEWPID, "a mount namespace by path: joined, not new: %s", e.msg);
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"intelRdt\":{}}", "intelRdt");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"sysctl\":{\"kernel.panic\":\"1\"}}", "sysctl.kernel.panic");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"memory\":{\"limit\":\"x\"}}}", "resources.memory.limit");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"blockIO\":{\"weight\":5}}}", "resources.blockIO.weight: 10 to 1000");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1,\"x\":1}]}}}") == 0,
	   "an unknown property in an array's object ignored: %s", e.msg);
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2XB\",\"limit\":1}]}}", "hugepageLimits[0].pageSize");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"unified\":{\"cgroup.subtree_control\":\"+cpu\"}}}", "unified.cgroup.subtree_control");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}}", "devices[0].type: a, c or b");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"resources\":{\"blockIO\":{\"weight\":500,"
		 "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300}]},\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0}],"
		 "\"unified\":{\"io.max\":\"8:0 rbps=1\"},\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rw\"}]}}") == 0,
	   "blockIO, hugepageLimits, unified, device rules parse: %s", e.msg);
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"devices\":[{\"type\":\"c\",\"path\":\"/etc/x\"}]}", "devices[0].path");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\"}],"
		 "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"resources\":{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":10}},"
		 "\"devices\":[{\"type\":\"c\",\"path\":\"/dev/fuse\",\"major\":10,\"minor\":229}]}") == 0 &&
	   c.nsysctl == 1 && c.resources && c.spec.ndevices == 1 && c.spec.devices[0].major == 10, "sysctl, resources, devices: %s", e.msg);
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
		 "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"getcwd\",\"no_such_call\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":3,\"args\":[{\"index\":1,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}}") == 0 &&
	   c.spec.seccomp == CTR_SECCOMP_PROFILE && c.spec.seccomp_profile->nrules == 2 &&
	   c.spec.seccomp_profile->rules[1].nargs == 1, "seccomp: an unknown name skipped, conditions kept: %s", e.msg);
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}", "seccomp.defaultAction");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\"}}", "listenerPath");
	ok(parse(&c, &e, ",\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"args\":[\"true\",\"x\"],\"timeout\":5}]}") == 0 &&
	   c.nhooks[OCI_POSTSTOP] == 1 && c.hooks[OCI_POSTSTOP][0].timeout == 5, "hooks");
	refused(&c, ",\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]}", "prestart[0].path");
	oci_config_free(&c);
}

static void test_process(void)
{
	static struct oci_config c;
	struct ctr_err e = { 0 };
	char text[1024];
	const char *bad[][2] = {
		{ "\"args\":[],\"cwd\":\"/\"", "process.args" },
		{ "\"args\":[\"sh\"],\"cwd\":\"rel\"", "process.cwd" },
		{ "\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}", "process.user.uid" },
		{ "\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}]", "rlimits[0].type" },
		{ "\"args\":[\"sh\"],\"cwd\":\"/\",\"apparmorProfile\":\"x\"", "apparmorProfile" },
		{ "\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"]", "process.env" },
		{ "\"args\":[\"sh\"],\"cwd\":\"/\",\"scheduler\":{}", "process.scheduler" },
	};
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{%s},"
			 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}", bad[i][0]);
		oci_config_free(&c);
		int r = oci_config_parse(&c, bundle, text, &e);
		ok(r < 0 && strstr(e.msg, bad[i][1]), "process refused, naming %s: %s", bad[i][1], e.msg);
	}
	/* runtime-spec 1.1: a capability that cannot be mapped or granted is a warning, left out */
	snprintf(text, sizeof(text), "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],"
		 "\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NOPE\"],\"effective\":[\"CAP_TEST\"]}},"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");
	oci_config_free(&c);
	ok(oci_config_parse(&c, bundle, text, &e) == 0 && c.spec.caps.bounding == 1ULL << 5 && c.spec.caps.effective == 0,
	   "unknown capabilities ignored, the known kept: %s", e.msg);
	snprintf(text, sizeof(text), "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"id\"],"
		 "\"cwd\":\"/w\",\"user\":{\"uid\":1000,\"gid\":100,\"umask\":63,\"additionalGids\":[5,6]},"
		 "\"consoleSize\":{\"height\":30,\"width\":100},\"oomScoreAdj\":-5},"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");
	oci_config_free(&c);
	ok(oci_config_parse(&c, bundle, text, &e) == 0 && str_eq(c.spec.user, "1000:100") && c.spec.umask == 077 &&
	   c.spec.ngroups == 2 && c.spec.groups[1] == 6 && c.spec.console_rows == 30 && c.spec.has_oom_score_adj &&
	   c.spec.oom_score_adj == -5, "user, umask, additional gids, console size, oomScoreAdj: %s", e.msg);
	oci_config_free(&c);
}

/* ctr's extensions (docs/oci.md): the "ctr" object, user.username, the
 * x-ctr.inode bind option; what ctr.sh writes into oci-config.json. */
static void test_ctr_extensions(void)
{
	static struct oci_config c;
	struct ctr_err e = { 0 };
	char text[2048];
	ok(parse(&c, &e, ",\"ctr\":{\"rootfsNodev\":true,\"init\":true,\"seccomp\":\"default\"}") == 0 &&
	   c.spec.rootfs_nodev && c.spec.init && c.spec.seccomp == CTR_SECCOMP_DEFAULT,
	   "ctr: rootfsNodev, init, seccomp default: %s", e.msg);
	ok(parse(&c, &e, ",\"ctr\":{\"seccomp\":\"unconfined\"}") == 0 && c.spec.seccomp == CTR_SECCOMP_NONE &&
	   !c.spec.rootfs_nodev && !c.spec.init, "ctr: seccomp unconfined; the rest off by default");
	refused(&c, ",\"ctr\":{\"seccomp\":\"off\"}", "ctr: seccomp: default or unconfined, not off");
	refused(&c, ",\"ctr\":{\"nope\":1}", "ctr.nope");
	refused(&c, ",\"ctr\":{\"init\":\"yes\"}", "ctr.init");
	refused(&c, ",\"ctr\":{\"rootfsIdmap\":true}", "ctr.rootfsIdmap: needs a new user namespace");
	refused(&c, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}},"
		"\"ctr\":{\"seccomp\":\"default\"}", "not with linux.seccomp");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}") == 0 &&
	   c.spec.userns_plain_rootfs, "a user namespace: the root as it is");
	ok(parse(&c, &e, ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]},\"ctr\":{\"rootfsIdmap\":true}") == 0 &&
	   !c.spec.userns_plain_rootfs, "ctr.rootfsIdmap: the root idmapped: %s", e.msg);
	/* shmInDev: the tmpfs on /dev/shm becomes a directory of the tmpfs on /dev */
	const char *devm = ",\"mounts\":[{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"options\":[\"size=64k\"]},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\"},"
		"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"options\":[\"nosuid\",\"noexec\",\"mode=1777\"]}]";
	snprintf(text, sizeof(text), "%s,\"ctr\":{\"shmInDev\":true}", devm);
	ok(parse(&c, &e, text) == 0 && count(&c.spec, CTR_MOUNT_SUBDIR) == 1 &&
	   c.spec.mounts[2].kind == CTR_MOUNT_SUBDIR && c.spec.mounts[2].flags == (MS_NOSUID | MS_NOEXEC) &&
	   c.spec.mounts[0].kind == CTR_MOUNT_FS, "ctr.shmInDev: /dev/shm a directory of /dev's tmpfs: %s", e.msg);
	ok(parse(&c, &e, devm) == 0 && count(&c.spec, CTR_MOUNT_SUBDIR) == 0, "without shmInDev: a tmpfs of its own");
	refused(&c, ",\"ctr\":{\"shmInDev\":true}", "shmInDev: needs a tmpfs on /dev/shm after a tmpfs on /dev");
	refused(&c, ",\"mounts\":[{\"destination\":\"/dev\",\"type\":\"bind\",\"source\":\"/dev\"},"
		"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\"}],\"ctr\":{\"shmInDev\":true}", "shmInDev: needs");
	refused(&c, ",\"ctr\":{\"shmInDev\":1}", "ctr.shmInDev");
	/* x-ctr.inode: the source as given, checked; other x- options dropped */
	ok(parse(&c, &e, ",\"mounts\":[{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"/no/such/dir\","
		 "\"options\":[\"rbind\",\"nosuid\",\"x-ctr.inode=2049:1234\",\"x-comment\"]}]") == 0 &&
	   str_eq(c.spec.mounts[0].src, "/no/such/dir") && c.spec.mounts[0].src_check &&
	   c.spec.mounts[0].src_dev == 2049 && c.spec.mounts[0].src_ino == 1234 && !c.spec.mounts[0].norec &&
	   c.spec.mounts[0].attrs == MOUNT_ATTR_NOSUID, "x-ctr.inode: source not resolved again, dev and ino: %s", e.msg);
	ok(parse(&c, &e, ",\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"x-note\",\"size=1m\"]}]") == 0 &&
	   str_eq(c.spec.mounts[0].data, "size=1m"), "an x- option is not the filesystem's data");
	refused(&c, ",\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"x-ctr.inode=1:2\"]}]", "only on a bind");
	refused(&c, ",\"mounts\":[{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"data\",\"options\":[\"x-ctr.inode=1:2\"]}]",
		"source: must be absolute");
	refused(&c, ",\"mounts\":[{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"x-ctr.inode=1\"]}]",
		"x-ctr.inode=DEV:INO");
	refused(&c, ",\"mounts\":[{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"x-ctr.inode=1:2\",\"x-ctr.inode=1:2\"]}]",
		"once");
	/* user.username: docker's --user, looked up in the container */
	const char *users[][2] = {
		{ "{\"uid\":0,\"gid\":0,\"username\":\"nobody:nogroup\"}", NULL },
		{ "{\"username\":\"1000\"}", NULL },
		{ "{\"uid\":5,\"username\":\"nobody\"}", "username: not with a uid" },
		{ "{\"username\":\"nobody\",\"additionalGids\":[1]}", "username: not with" },
		{ "{\"username\":\"\"}", "username: USER[:GROUP]" },
		{ "{\"username\":\"a\\nb\"}", "username: USER[:GROUP]" },
	};
	for (size_t i = 0; i < NELEM(users); i++) {
		snprintf(text, sizeof(text), "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},\"process\":"
			 "{\"args\":[\"id\"],\"cwd\":\"/\",\"user\":%s},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
			 users[i][0]);
		oci_config_free(&c);
		int r = oci_config_parse(&c, bundle, text, &e);
		if (users[i][1])
			ok(r < 0 && strstr(e.msg, users[i][1]), "user %s refused: %s", users[i][0], e.msg);
		else
			ok(r == 0 && c.spec.caps.root_only && c.spec.user && !strchr(c.spec.user, '\n') &&
			   strstr(users[i][0], c.spec.user), "user %s: looked up by name, caps for root only: %s",
			   users[i][0], e.msg);
	}
	oci_config_free(&c);
}

int main(void)
{
	char path[128];
	if (!mkdtemp(bundle))
		return perror("mkdtemp"), 1;
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/data", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/runc", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/runc/rootfs", bundle);
	mkdir(path, 0755);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s/../fixtures/oci/runc-spec.json %s/runc/config.json", TEST_DIR, bundle);
	if (system(cmd) != 0)
		return 1;
	test_runc_spec();
	test_fields();
	test_process();
	test_ctr_extensions();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
	(void)system(cmd);
	return tap_done();
}
