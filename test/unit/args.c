/* Unit tests of lib/opt.c and lib/args.c: the option table and
 * nsenter-chroot's command line into a spec (no container is run). */
#include "tap.h"
#include "args.h"
#include "opt.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>

static struct args_files files;  /* the last parse's --config and --process */

/* Parse a NULL-terminated argv into a fresh spec; returns args_parse's result. */
static int parse(struct ctr_spec *s, struct ctr_err *e, const char **words)
{
	static char *argv[64];
	int argc = 0;
	argv[argc++] = "nsenter-chroot";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	optind = 0;  /* glibc: start over */
	ctr_spec_free(s);
	ctr_spec_init(s);
	return args_parse(s, &files, argc, argv, e);
}

#define P(...) parse(&s, &e, (const char *[]){ __VA_ARGS__, NULL })

static void test_table(void)
{
	static const struct ctr_opt t[] = {
		{ "netns", 'n', "PATH", "join it" },
		{ "init", 300, NULL, "an init" },
		{ "quiet", 'q', NULL, NULL },
		{ NULL, 0, NULL, NULL },
	};
	struct ctr_getopt g;
	ok(ctr_opt_build(t, &g) == 0, "a table builds");
	is_str(g.shortopts, "+n:q", "short options: '+' first, ':' after an argument");
	ok(strcmp(g.longopts[0].name, "netns") == 0 && g.longopts[0].has_arg == required_argument &&
	   g.longopts[0].val == 'n', "long option with an argument");
	ok(g.longopts[1].has_arg == no_argument && g.longopts[1].val == 300, "long flag");
	ok(g.longopts[3].name == NULL, "the long options end with a zero entry");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ctr_opt_usage(f, t);
	fclose(f);
	is_str(text, "  -n, --netns PATH     join it\n      --init           an init\n",
	       "usage lines, aligned; an option without help is not listed");
	free(text);

	unsigned long v;
	const char *end;
	ok(parse_ulong("42", 100, &v, NULL) && v == 42, "parse_ulong 42");
	ok(!parse_ulong("101", 100, &v, NULL), "above max");
	ok(!parse_ulong("-1", 100, &v, NULL) && !parse_ulong(" 1", 100, &v, NULL) &&
	   !parse_ulong("1x", 100, &v, NULL) && !parse_ulong("", 100, &v, NULL),
	   "no sign, no space, no junk, not empty");
	ok(parse_ulong("7:8", 100, &v, &end) && v == 7 && *end == ':', "with end: the rest");
}

static void test_args(void)
{
	struct ctr_spec s = { 0 };
	struct ctr_err e;

	ok(P("/r", "sh", "-c", "x") == 0, "ROOTFS PROG ARG...");
	is_str(s.rootfs, "/r", "ROOTFS");
	ok(s.argv[0] && strcmp(s.argv[1], "-c") == 0 && !s.argv[3], "PROG's words are its own");
	ok(s.ns_new == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET),
	   "default namespaces: pid mnt uts ipc net");
	is_str(s.hostname, "ctr", "hostname ctr");
	is_str(s.cwd, "/", "workdir /");
	ok(s.seccomp == CTR_SECCOMP_DEFAULT && s.no_new_privs && s.rootfs_nodev, "confined by default");
	ok(s.nmounts == 3 + 10 + 5 && s.mounts[0].kind == CTR_MOUNT_PROC &&
	   s.mounts[1].kind == CTR_MOUNT_SYSFS && (s.mounts[1].flags & MS_RDONLY) &&
	   s.mounts[2].kind == CTR_MOUNT_DEV, "mounts: /proc, /sys read-only, /dev, ...");
	ok(s.mounts[3].kind == CTR_MOUNT_MASK && s.mounts[3].optional &&
	   s.mounts[17].kind == CTR_MOUNT_READONLY, "... then masked, then read-only paths");

	ok(P("-v", "/h:/c:ro", "--volume", "/x:/y:rw,noexec", "/r", "p") == 0, "two volumes");
	ok(s.mounts[3].kind == CTR_MOUNT_BIND && strcmp(s.mounts[3].src, "/h") == 0 &&
	   strcmp(s.mounts[3].dst, "/c") == 0 &&
	   s.mounts[3].attrs == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY),
	   "a volume is a bind step after /dev, nosuid,nodev,ro");
	ok(s.mounts[4].attrs == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC),
	   "in command-line order, noexec");
	ok(s.mounts[5].kind == CTR_MOUNT_MASK, "masked paths after the volumes");
	ok(!s.mounts[3].src_check && !s.mounts[4].src_check, "without dev= and ino=: no inode check");

	ok(P("--privileged", "/r", "p") == 0 && s.nmounts == 3 && !(s.mounts[1].flags & MS_RDONLY) &&
	   s.seccomp == CTR_SECCOMP_NONE && !s.no_new_privs && !s.rootfs_nodev,
	   "--privileged: /sys writable, no masks, no seccomp, no no_new_privs");
	ok(P("--net-host", "/r", "p") == 0 && !(s.ns_new & CLONE_NEWNET), "--net-host: no new netns");
	ok(P("-n", "/run/netns/x", "/r", "p") == 0 && !(s.ns_new & CLONE_NEWNET) &&
	   strcmp(s.netns, "/run/netns/x") == 0, "--netns PATH: joined, not new");
	ok(P("--userns", "1000:2000:65536", "/r", "p") == 0 && (s.ns_new & CLONE_NEWUSER) &&
	   s.nuid_map == 1 && s.uid_map[0].inside == 0 && s.uid_map[0].outside == 1000 &&
	   s.gid_map[0].outside == 2000 && s.gid_map[0].count == 65536, "--userns U:G:N");
	ok(P("--join", "42", "-v", "/h:/c", "--readonly-rootfs", "--userns", "1:1:1", "p") == 0 &&
	   s.join == 42 && !s.rootfs && s.nmounts == 0 && !s.rootfs_ro && !(s.ns_new & CLONE_NEWUSER) &&
	   !s.hostname, "--join: no ROOTFS; volumes, userns, read-only root ignored");
	ok(P("--cap-drop", "ALL", "--cap-add", "net_admin", "/r", "p") == 0, "caps");
	ok(s.caps.bounding == 0 || s.caps.bounding == 1ULL << 12, "drop ALL, add NET_ADMIN");
	ok(P("-e", "A=1", "-e", "B=", "/r", "p") == 0 && s.nenv == 2, "--env values kept in order");
	ok(P("-e", "B", "/r", "p") < 0, "--env K alone: misuse (nothing copied from the caller)");
	is_str(e.msg, "--env: expected K=V, not B", "... named");
	ok(P("-e", "=x", "/r", "p") < 0, "--env with an empty K: misuse");
	ok(P("--", "/r", "--cap-add", "ALL") == 0 && strcmp(s.argv[0], "--cap-add") == 0,
	   "after --, the command's words are not options");

	ok(P(NULL) < 0 && e.hint, "no arguments: misuse");
	is_str(e.msg, "ROOTFS and PROG required", "... ROOTFS and PROG required");
	ok(P("--join", "5") < 0, "--join without PROG");
	is_str(e.msg, "PROG required", "... PROG required");
	ok(P("--bogus", "/r", "p") < 0, "unknown option");
	is_str(e.msg, "bad option: --bogus", "... named");
	ok(P("--netns", "/x", "--net-host", "/r", "p") < 0, "--netns with --net-host");
	ok(P("--join", "1", "p") < 0, "--join 1 refused");
	ok(P("--console-fd", "x", "/r", "p") < 0, "a bad number");
	is_str(e.msg, "--console-fd: not a number: x", "... named");
	ok(P("--userns", "1:2", "/r", "p") < 0, "--userns needs three numbers");
	ok(P("--userns", "1:2:0", "/r", "p") < 0, "--userns count 0");
	ok(P("-v", "rel:/c", "/r", "p") < 0, "a relative volume source");
	ok(P("-v", "/h:/c:rx", "/r", "p") < 0, "an unknown volume option");
	is_str(e.msg, "--volume: unknown or bad option rx", "... named");
	ok(P("--seccomp", "weird", "/r", "p") < 0, "--seccomp: default or unconfined");
	ok(P("--cap-add", "NOPE", "/r", "p") < 0, "an unknown capability");
	is_str(e.msg, "unknown capability: NOPE", "... named");
	ok(P("-h", "", "/r", "p") < 0, "an empty hostname");
	ok(P("", "p") < 0, "an empty ROOTFS");
	ctr_spec_free(&s);
}

/* --volume's dev= and ino=: the inode the caller checked, both or neither. */
static void test_volume_id(void)
{
	struct ctr_spec s = { 0 };
	struct ctr_err e;
	struct ctr_mount *m;

	ok(P("-v", "/h:/c:ro:dev=2049:ino=131", "/r", "p") == 0, "-v H:C:ro:dev=N:ino=N");
	m = &s.mounts[3];
	ok(m->kind == CTR_MOUNT_BIND && str_eq(m->src, "/h") && str_eq(m->dst, "/c") &&
	   m->src_check && m->src_dev == 2049 && m->src_ino == 131,
	   "... a bind step that checks dev 2049 ino 131");
	ok(m->attrs == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY), "... still ro");
	ok(P("-v", "/h:/c:ino=7:noexec:dev=0", "/r", "p") == 0 && s.mounts[3].src_check &&
	   s.mounts[3].src_dev == 0 && s.mounts[3].src_ino == 7 &&
	   (s.mounts[3].attrs & MOUNT_ATTR_NOEXEC), "any order, dev 0 allowed, with noexec");
	ok(P("-v", "/h:/c:noexec,dev=5,ino=6", "/r", "p") == 0 && s.mounts[3].src_dev == 5 &&
	   s.mounts[3].src_ino == 6, "',' separates too");
	ok(P("-v", "/h:/c:dev=18446744073709551615:ino=18446744073709551615", "/r", "p") == 0 &&
	   s.mounts[3].src_dev == (dev_t)18446744073709551615UL &&
	   s.mounts[3].src_ino == (ino_t)18446744073709551615UL, "64-bit dev and ino");
	ok(P("-v", "/a:/x:dev=1:ino=2", "-v", "/b:/y", "/r", "p") == 0 && s.mounts[3].src_check &&
	   !s.mounts[4].src_check, "per volume: the second has no check");

	ok(P("-v", "/h:/c:dev=1", "/r", "p") < 0 && e.hint, "dev= without ino=: misuse");
	is_str(e.msg, "--volume: dev=N and ino=N go together: /h:/c:dev=1", "... named");
	ok(P("-v", "/h:/c:ro:ino=1", "/r", "p") < 0, "ino= without dev=");
	is_str(e.msg, "--volume: dev=N and ino=N go together: /h:/c:ro:ino=1", "... named");
	ok(P("-v", "/h:/c:dev=x:ino=1", "/r", "p") < 0, "dev=x");
	is_str(e.msg, "--volume: unknown or bad option dev=x", "... named");
	ok(P("-v", "/h:/c:dev=1:ino=", "/r", "p") < 0, "an empty ino=");
	is_str(e.msg, "--volume: unknown or bad option ino=", "... named");
	ok(P("-v", "/h:/c:dev=-1:ino=1", "/r", "p") < 0, "a sign");
	ok(P("-v", "/h:/c:dev=1:ino=2x", "/r", "p") < 0, "junk after the number");
	ok(P("-v", "/h:/c:dev=1:ino=18446744073709551616", "/r", "p") < 0, "an ino above 2^64-1");
	ok(P("-v", "/h:/c:dev=1:ino=2:dev=1", "/r", "p") < 0, "dev= twice");
	is_str(e.msg, "--volume: unknown or bad option dev=1", "... named");
	ok(P("-v", "/h:/c:dev=1:ino=2:ino=2", "/r", "p") < 0, "ino= twice");
	ok(P("-v", "/h:/c:DEV=1:INO=2", "/r", "p") < 0, "lower case only");
	ok(P("-v", "/h:dev=1:ino=2", "/r", "p") < 0, "dev= is not a container path");
	is_str(e.msg, "--volume: expected /HOST:/CONTAINER[:ro][:noexec][:dev=N:ino=N]", "... the form");
	ok(P("--join", "42", "-v", "/h:/c:dev=1:ino=2", "p") == 0 && s.nmounts == 0,
	   "--join: accepted and ignored");

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	args_usage(f);
	fclose(f);
	ok(text && strstr(text, "  -v, --volume H:C[:ro][:noexec][:dev=N:ino=N] bind resolved host path H on C\n"),
	   "--help lists -v with dev= and ino=");
	free(text);
	ctr_spec_free(&s);
}

/* --config FILE: the container is the config's; argv has only this start's
 * options (oci-nsenter.c takes them from the spec). */
static void test_config(void)
{
	struct ctr_spec s = { 0 };
	struct ctr_err e;
	ok(P("--config", "/c/oci.json", "--pid-file", "/c/pid", "--console-fd", "3", "--notify-fd", "4") == 0 &&
	   str_eq(files.config, "/c/oci.json") && !files.process && str_eq(s.pid_file, "/c/pid") &&
	   s.console_fd == 3 && s.notify_fd == 4 && !s.join, "--config with the per-start options");
	ok(P("--config", "/c/oci.json", "--join", "42", "--process", "/c/p.json") == 0 && s.join == 42 &&
	   str_eq(files.process, "/c/p.json"), "--config --join --process: an exec");
	ok(P("--config", "/c/oci.json", "--hostname", "x") < 0 && e.hint, "a container option with --config");
	is_str(e.msg, "--config: --hostname is the config's (with --config only --process, --join,"
	       " --pid-file, --notify-fd, --detach, --console-fd, --net-hook, --cgroup)", "... named");
	ok(P("--config", "/c/oci.json", "--pid-file", "/c/pid", "--detach") == 0 && s.detach,
	   "--config --pid-file --detach");
	ok(P("--config", "/c/oci.json", "--detach") < 0 &&
	   str_eq(e.msg, "--detach: requires --pid-file, excludes --join"), "--detach without --pid-file");
	ok(P("--config", "/c/oci.json", "--pid-file", "/c/pid", "--detach", "--join", "42") < 0 &&
	   str_eq(e.msg, "--detach: requires --pid-file, excludes --join"), "--detach with --join");
	ok(P("--config", "/c/oci.json", "--net-hook", "/usr/bin/pasta", "--net-hook-arg", "-q",
	     "--cgroup", "/sys/fs/cgroup/u/c") == 0 && s.nnet_hook == 2 && s.ncgroups == 1,
	   "--config with --net-hook and --cgroup (rootless: pasta, a delegated group)");
	ok(P("--init", "--config", "/c/oci.json") < 0 && strstr(e.msg, "--init is the config's"),
	   "... before --config too");
	ok(P("--config", "/c/oci.json", "-v/h:/c") < 0 && strstr(e.msg, "-v/h:/c is the config's"),
	   "... a short option with its value");
	ok(P("--config", "/c/oci.json", "/r", "p") < 0, "ROOTFS and PROG with --config");
	is_str(e.msg, "--config: no ROOTFS or PROG (the config has them)", "... named");
	ok(P("--config", "/c/oci.json", "--process", "/c/p.json") < 0, "--process without --join");
	is_str(e.msg, "--process needs --join", "... named");
	ok(P("--process", "/c/p.json", "--join", "42", "p") < 0, "--process without --config");
	is_str(e.msg, "--process needs --config and --join", "... named");
	ok(P("/r", "p") == 0 && !files.config && !files.process, "without --config: no files");
	ctr_spec_free(&s);
}

int main(void)
{
	test_table();
	test_args();
	test_volume_id();
	test_config();
	return tap_done();
}
