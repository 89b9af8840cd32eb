/* nsenter-chroot - run PROG as PID 1 of a new container rooted at ROOTFS
 * (clone(2) with new namespaces, pivot_root(2), fresh /proc /sys /dev,
 * capabilities, seccomp, execve(2)).
 *
 * Usage:
 *   nsenter-chroot --config FILE [--pid-file F [--detach]] [--notify-fd N] [--console-fd N]
 *   nsenter-chroot --config FILE --join PID --process FILE [--pid-file F] [--console-fd N]
 *   nsenter-chroot [options] ROOTFS prog...
 *   nsenter-chroot --join PID [options] prog...
 *
 * --config FILE (how ctr.sh runs its containers): the container is the OCI
 * runtime-spec config.json FILE, read by ctr-oci's parser (lib/oci-config.c,
 * ctr's extensions included: docs/oci.md) into the same spec the options
 * below fill; its directory is the bundle. Only this start's options go
 * with it: --pid-file, --notify-fd, --detach, --console-fd (process.terminal must
 * match), and for an exec --join PID with --process FILE (an OCI process
 * object). linux.cgroupsPath names groups the caller made: joined where
 * they exist, linux.resources applied to them (lib/oci-nsenter.c);
 * linux.sysctl's net.* keys are --sysctl's, ctr.rootless is --rootless;
 * hooks, other sysctls, domainname and oomScoreAdj are ctr-oci's (an error
 * here).
 *
 * Options (parsing stops at ROOTFS, or at PROG with --join, or after `--`:
 * callers pass `--` so that no word of the command is ever read as an option):
 *   -n, --netns PATH     setns(2) into the network namespace at PATH (opened
 *                        before the caller's fds are closed: /proc/self/fd/N
 *                        names the caller's fd N; so is a --config's path)
 *       --net-host       stay in the caller's network namespace
 *                        (default: a new namespace with only `lo`, brought up)
 *       --sysctl K=V     write V to /proc/sys/K (dots as slashes) in the
 *                        container's network namespace, once entered or made
 *                        (repeatable); K must be net.* (refused with
 *                        --net-host and --join: the namespace is not its own)
 *   -h, --hostname NAME  hostname of the new UTS namespace (default "ctr");
 *                        with --join only $HOSTNAME (default: the container's)
 *   -w, --workdir DIR    working directory inside the container (default /;
 *                        created when missing)
 *   -e, --env K=V        add K=V to the clean environment (repeatable; later
 *                        values win); K must not be empty. Nothing is copied from
 *                        the caller's environment (`K` alone is a usage error)
 *       --pid-file FILE  write the host PID of PID 1 there once PROG is exec'd
 *       --cgroup DIR     move the container into DIR (DIR/cgroup.procs) before
 *                        it runs a single step of its own (repeatable)
 *       --device-cgroup DIR  restrict the devices of the group DIR to the
 *                        harmless nodes of devices.h (v1: devices.deny and
 *                        .allow; v2: an eBPF device program), then join it as
 *                        --cgroup; with --join only joined
 *       --init           PID 1 is a tiny init that forks PROG, forwards signals
 *                        to it, reaps every zombie and exits with PROG's status;
 *                        it shows as "init" (comm and cmdline: no host path)
 *       --console-fd N   N is a unix socket: PROG gets a new pty as controlling
 *                        terminal on fds 0,1,2 and the master is sent over N
 *                        (SCM_RIGHTS); N is closed
 *       --notify-fd N    once PROG is exec'd (after --pid-file), write one byte
 *                        'R' to fd N and close it; the container never holds N
 *                        (a failed start closes it unwritten: the reader's EOF)
 *       --detach         (requires --pid-file; not with --join) once PROG is
 *                        exec'd, the pid file written and --notify-fd told,
 *                        pass on the signals that came meanwhile and exit 0,
 *                        leaving PID 1 running: the kernel re-parents it to
 *                        the caller if that is a child subreaper (ctr-shim
 *                        --container-pid-file), else to init. PID 1 then has
 *                        no parent-death signal (it has one during setup).
 *                        A failed start is as without it (same exit code)
 *       --net-hook PROG  run PROG [ARG...] PID (PID: the child's host pid) once
 *                        the child's new network namespace and id maps exist,
 *                        before it goes on; PROG must exit 0 (within 30 s).
 *                        User-mode networking: pasta joins PID's namespaces,
 *                        sets up the network and stays as a daemon (the caller
 *                        ends it). stdin/stdout /dev/null, our stderr and env
 *       --net-hook-arg ARG  (repeatable, in order) an argument of PROG
 *       --join PID       enter the namespaces, cgroups and root of the running
 *                        container whose PID 1 has host pid PID (ctr.sh exec);
 *                        --userns, --volume and --readonly-rootfs are accepted
 *                        and ignored: the container has them already
 *   Security (defaults are docker's):
 *       --cap-add CAP    keep CAP (NET_ADMIN or CAP_NET_ADMIN; ALL) (repeatable)
 *       --cap-drop CAP   drop CAP (ALL: all); an add wins over a drop
 *       --privileged     all capabilities, no seccomp, no masked or read-only
 *                        paths, /sys writable, no no_new_privs
 *   -u, --user U[:G]     run PROG as user U, group G (names or numbers, looked up
 *                        in the container's /etc/passwd and /etc/group)
 *       --seccomp MODE   default (the allowlist of seccomp.h) or unconfined
 *       --userns U:G:N   new user namespace: container ids 0..N-1 are host ids
 *                        U.. and G..; ROOTFS is idmapped, no chown needed
 *       --rootless SUBUID:SUBGID:N  an unprivileged caller's user namespace:
 *                        id 0 is the caller's, 1..N are SUBUID.. and SUBGID..
 *                        (written by newuidmap/newgidmap); ROOTFS as it is;
 *                        a new netns only; volumes copied by the child; with
 *                        --join the user namespace is entered first. N 0: no
 *                        subordinate ids: id 0 alone, the maps written by the
 *                        parent, setgroups denied (the caller's groups stay)
 *   -v, --volume H:C[:ro][:noexec][:dev=N:ino=N]  bind host path H on container
 *                        path C (nosuid,nodev), C resolved inside ROOTFS
 *                        (repeatable). H must be resolved: it is opened once
 *                        following no symlink (one in it is refused) and
 *                        mounted from that fd; with dev= and ino= it must
 *                        still be that inode (what the caller checked)
 *       --readonly-rootfs  mount ROOTFS read-only
 *       --help           print this help
 *
 * Environment given to PROG (nothing of the caller's leaks in):
 *   PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
 *   HOME=/root (--user: the user's home, or /), HOSTNAME=<hostname>,
 *   TERM=<caller's TERM or xterm> only when stdin or the console is a terminal,
 *   then every --env (overriding). umask 022, all signals default, none blocked.
 * Fds: PROG inherits 0,1,2 (or the pty with --console-fd); no other fd of the
 *   caller ever reaches a process in the container (CVE-2024-21626 class):
 *   the helper closes every fd > 2 but --console-fd and --notify-fd first
 *   thing; the child, first thing after clone, every fd but those its setup
 *   uses (lib/child.c: with --join, the parent's fd on the host's pid
 *   namespace goes); the --init PID 1 all fds > 2 once PROG is forked; every
 *   fd > 2 but the ready pipe (close-on-exec) is closed before PROG's exec.
 *   0,1,2 are passed as they come: ctr.sh gives pipes of ctr-shim (or the
 *   pty), never its caller's files. close_range(2), or close() of each fd
 *   of /proc/self/fd where it is refused (lib/fds.c).
 * Exit codes: PROG's status, 128+N if PROG was killed by signal N (--detach:
 *   0 once PROG runs); 125 usage or setup failure, 126 PROG cannot be
 *   executed, 127 not found.
 *
 * Process tree: this process (the "parent") stays in every host namespace
 * (with --userns and --netns it joins that network namespace: a user namespace
 * may not), clones the child with new pid/mnt/uts/ipc(/net)(/user) namespaces,
 * forwards SIGTERM INT HUP QUIT USR1 USR2 WINCH CONT to it, reaps it, and exits
 * with its status (--detach: exits once PROG runs, see there). The child is PID 1 of the new pid namespace and does, in
 * order (the parent has set the --device-cgroup rules and opened and copied
 * the volume sources before the clone):
 *   0. close every fd that is not its own (see Fds)
 *   1. wait until the parent has written its uid/gid maps and idmapped ROOTFS
 *      (--userns), put it into its cgroups (--cgroup, --device-cgroup) and
 *      run --net-hook
 *   2. enter the --netns one (prepared by the caller: lo is its business), or
 *      bring lo up in the new one; --sysctl there; new cgroup namespace
 *   3. make / recursively private, mount ROOTFS on itself from one fd
 *      (idmapped: --userns)
 *   4. under ROOTFS, every target resolved INSIDE it (openat2 RESOLVE_IN_ROOT):
 *      /proc, /sys (ro), a tmpfs /dev with bound host nodes, /dev/pts,
 *      /dev/shm, /dev/mqueue and the /dev links, the volumes, the masked and
 *      read-only paths
 *   5. pivot_root into ROOTFS and detach the old root
 *   6. hostname, console, workdir, read-only root
 *   7. user, groups, capabilities, no_new_privs, seccomp (last)
 *   8. a new session (setsid: no controlling terminal but the --console-fd
 *      pty), close fds > 2, tell the parent "ready", execve PROG
 *      (searched in the container's PATH)
 * With --join the child instead setns(2)s into PID's namespaces (its user
 * namespace last), chroots to /proc/PID/root and goes on at step 6 (workdir).
 * Before anything, the helper re-executes itself from a read-only overlayfs
 * (or a sealed memfd copy: lib/exec.c), so
 * no helper process in the container (--init, --join, the #!/proc/self/exe
 * trick) can write the host's binary through /proc/PID/exe (CVE-2019-5736).
 *
 * This file is the main only: the options are lib/args.c's table, which
 * fills a struct ctr_spec (lib/spec.h); lib/container.c runs it (parent side)
 * and lib/child.c (after clone) in the order above.
 */
#include "lib/args.h"
#include "lib/container.h"
#include "lib/exec.h"
#include "lib/fds.h"
#include "lib/init.h"
#include "lib/namespace.h"
#include "lib/oci-nsenter.h"

#include <string.h>
#include <sys/prctl.h>

/* The caller's fds other than 0, 1, 2 are not ours to pass on: only
 * --console-fd and --notify-fd are kept. A directory the caller left open
 * would otherwise reach every process of the container, and --init's PID 1,
 * which never execs, would hold it for good (CVE-2024-21626). The netns to
 * join is opened first (close-on-exec; the child closes its copy once in
 * it): its path may name a caller's fd, /proc/self/fd/N (ctr.sh's bridge
 * containers: the netns has no name, its supervisor holds it, ctr-shim
 * --pass-fd). */
static void close_caller_fds(struct ctr_spec *s)
{
	struct ctr_err e;
	if (s->netns && (s->netns_fd = netns_open(s->netns, &e)) < 0)
		ctr_err_die(&e);
	int keep[] = { s->console_fd, s->notify_fd, s->netns_fd };
	if (fds_close_except(keep, NELEM(keep)) < 0)
		die_errno("close the caller's fds");
}

int main(int argc, char **argv)
{
	static struct ctr_spec s;
	static struct oci_config c;
	struct args_files f;
	struct ctr_err e;
	ctr_prog = "nsenter-chroot";
	reexec_sealed(argv);
	init_set_cmdline(argv[0], (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]));
	ctr_spec_init(&s);
	if (args_parse(&s, &f, argc, argv, &e) < 0)
		ctr_err_die(&e);
	struct ctr_spec *run = &s;
	if (f.config) {
		if (oci_nsenter_load(&c, f.config, f.process, &s, &e) < 0)
			ctr_err_die(&e);
		run = &c.spec;
	}
	close_caller_fds(run);
	if (prctl(PR_SET_NAME, ctr_prog) < 0)  /* fexecve named us after the fd */
		die_errno("set name");
	int code = container_run(run, &e);
	if (code < 0)
		ctr_err_die(&e);
	return code;
}
