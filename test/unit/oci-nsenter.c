/* Unit tests of lib/oci-nsenter.c: nsenter-chroot --config, a config.json
 * file with this start's options on top, an exec's --process, and what
 * only ctr-oci does refused (no container is run, no cgroup made). */
#include "tap.h"
#include "oci-nsenter.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ctr-unit-nsenter.XXXXXX";

/* dir/NAME with text; returns its path (static: one per name, at most 4). */
static const char *put(const char *name, const char *text)
{
	static char paths[4][256];
	static int n;
	char *path = paths[n++ % 4];
	snprintf(path, 256, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		perror(path), exit(1);
	return path;
}

/* A config with LINUX spliced into its linux object (after namespaces
 * mount, pid, uts and NS) and EXTRA into its top level, written to
 * dir/c.json and loaded with opts (and process); 0 or -1 with e. */
static int loadx(struct oci_config *c, const char *ns, const char *linux, const char *extra,
		 const struct ctr_spec *opts, const char *process, struct ctr_err *e)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},\"hostname\":\"h1\","
		 "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s},"
		 "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"
		 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"uts\"}%s]%s%s}%s}",
		 strstr(extra, "\"terminal\"") ? ",\"terminal\":true" : "", ns, linux,
		 strstr(extra, "cgroupsPath") ? ",\"cgroupsPath\":\"/ctr-unit-no-such-group/x\","
					       "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}" : "",
		 strstr(extra, "\"terminal\"") || strstr(extra, "cgroupsPath") ? "" : extra);
	oci_config_free(c);
	return oci_nsenter_load(c, put("c.json", text), process, opts, e);
}

static int load(struct oci_config *c, const char *extra, const struct ctr_spec *opts,
		const char *process, struct ctr_err *e)
{
	return loadx(c, "", "", extra, opts, process, e);
}

int main(void)
{
	static struct oci_config c;
	struct ctr_spec opts;
	struct ctr_err e = { 0 };
	char path[128];
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	mkdir(path, 0755);
	ctr_spec_init(&opts);
	opts.pid_file = "/run/x.pid";
	opts.notify_fd = 4;

	ok(load(&c, "", &opts, NULL, &e) == 0, "a config file loads: %s", e.msg);
	ok(!c.spec.outlive_parent && str_eq(c.spec.pid_file, "/run/x.pid") && c.spec.notify_fd == 4 &&
	   c.spec.console_fd == -1 && c.spec.ncgroups == 0, "this start's options; dies with its parent");
	ok(strstr(c.spec.rootfs, dir) && str_eq(c.spec.rootfs + strlen(c.spec.rootfs) - 7, "/rootfs"),
	   "the config's directory is the bundle (a relative root.path)");
	ok(load(&c, "\"terminal\"", &opts, NULL, &e) < 0 &&
	   strstr(e.msg, "process.terminal is true: --console-fd required"), "a terminal needs --console-fd: %s", e.msg);
	opts.console_fd = 3;
	ok(load(&c, "\"terminal\"", &opts, NULL, &e) == 0 && c.spec.console_fd == 3, "... with it: %s", e.msg);
	ok(load(&c, "", &opts, NULL, &e) < 0 && strstr(e.msg, "process.terminal is false: --console-fd not wanted"),
	   "--console-fd without a terminal: %s", e.msg);
	opts.console_fd = -1;
	ok(load(&c, ",\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}", &opts, NULL, &e) < 0 &&
	   strstr(e.msg, "hooks.prestart: not run by nsenter-chroot"), "hooks refused: %s", e.msg);
	ok(load(&c, ",\"domainname\":\"d\"", &opts, NULL, &e) < 0 && strstr(e.msg, "domainname"), "domainname refused");
	ok(load(&c, "cgroupsPath", &opts, NULL, &e) < 0 &&
	   strstr(e.msg, "linux.cgroupsPath /ctr-unit-no-such-group/x: no such group (the caller makes it)"),
	   "resources for a group the caller did not make: %s", e.msg);

	/* linux.sysctl: net.* of the container's own netns become --sysctl's */
	ok(loadx(&c, ",{\"type\":\"network\"}", ",\"sysctl\":{\"net.ipv4.ping_group_range\":\"0 65535\"}", "",
		 &opts, NULL, &e) == 0 && c.spec.nsysctl == 1 &&
	   str_eq(c.spec.sysctl[0], "net.ipv4.ping_group_range=0 65535") && (c.spec.ns_new & CLONE_NEWNET),
	   "a net.* sysctl of a new netns is written as --sysctl's: %s", e.msg);
	ok(loadx(&c, ",{\"type\":\"network\"},{\"type\":\"ipc\"}",
		 ",\"sysctl\":{\"kernel.shmmax\":\"1\",\"net.ipv4.ip_forward\":\"1\",\"fs.mqueue.msg_max\":\"20\"}", "",
		 &opts, NULL, &e) == 0 && c.spec.nsysctl == 1 && str_eq(c.spec.sysctl[0], "net.ipv4.ip_forward=1") &&
	   c.spec.nipc_sysctl == 2 && str_eq(c.spec.ipc_sysctl[0], "kernel.shmmax=1") &&
	   str_eq(c.spec.ipc_sysctl[1], "fs.mqueue.msg_max=20"),
	   "the ipc namespace's sysctls are the child's, apart from the net.* ones: %s", e.msg);
	ok(loadx(&c, ",{\"type\":\"network\"}", ",\"sysctl\":{\"kernel.shmmax\":\"1\"}", "", &opts, NULL, &e) < 0 &&
	   strstr(e.msg, "not a sysctl of the container's own namespaces"), "an ipc sysctl of the host's ipc namespace: %s", e.msg);
	ok(loadx(&c, "", ",\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}", "", &opts, NULL, &e) < 0 &&
	   strstr(e.msg, "not a sysctl of the container's own namespaces"), "net.* of the host's netns: %s", e.msg);
	/* ctr.rootless: the maps are newuidmap's */
	ok(loadx(&c, ",{\"type\":\"network\"},{\"type\":\"user\"}",
		 ",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1},{\"containerID\":1,\"hostID\":100000,\"size\":65536}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1},{\"containerID\":1,\"hostID\":100000,\"size\":65536}]",
		 ",\"ctr\":{\"rootless\":true}", &opts, NULL, &e) == 0 && c.spec.rootless &&
	   c.spec.userns_plain_rootfs && c.spec.nuid_map == 2 && c.spec.uid_map[1].outside == 100000,
	   "ctr.rootless: newuidmap writes the config's maps, the root as it is: %s", e.msg);
	ok(load(&c, ",\"ctr\":{\"rootless\":true}", &opts, NULL, &e) < 0 &&
	   strstr(e.msg, "rootless: needs a new user namespace"), "ctr.rootless without a user namespace: %s", e.msg);

	/* an exec: --join PID with --process FILE */
	opts.join = 42;
	const char *p = put("p.json", "{\"args\":[\"id\",\"-u\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
			    "\"user\":{\"uid\":0,\"gid\":0,\"username\":\"nobody\"}}");
	ok(load(&c, ",\"ctr\":{\"init\":true}", &opts, p, &e) == 0, "--join with --process: %s", e.msg);
	ok(c.spec.join == 42 && c.spec.nmounts == 0 && !c.spec.rootfs && c.spec.ns_new == 0 && !c.spec.init,
	   "joined: no namespace, mount, root or init of its own");
	ok(str_eq(c.spec.argv[1], "-u") && str_eq(c.spec.cwd, "/tmp") && c.spec.nenv == 1 &&
	   str_eq(c.spec.user, "nobody") && c.spec.caps.root_only && str_eq(c.spec.hostname, "h1"),
	   "the process of the file; the hostname kept for $HOSTNAME");
	ok(load(&c, "", &opts, put("bad.json", "[1]"), &e) < 0 && strstr(e.msg, "not a JSON object"),
	   "--process: not an object: %s", e.msg);
	ok(load(&c, "", &opts, put("bad.json", "{\"args\":[\"x\"],\"cwd\":\"/\",\"scheduler\":{}}"), &e) < 0 &&
	   strstr(e.msg, "process.scheduler: not supported"), "--process: a field of the spec ctr does not implement: %s", e.msg);
	/* runtime-spec, Extensibility: a property the spec does not have is ignored (a warning) */
	ok(load(&c, "", &opts, put("ok.json", "{\"args\":[\"x\"],\"cwd\":\"/\",\"nope\":1}"), &e) == 0 &&
	   str_eq(c.spec.argv[0], "x"), "--process: a property the spec lacks ignored: %s", e.msg);
	oci_config_free(&c);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	return tap_done();
}
