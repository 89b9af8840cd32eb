/* devices.c - the container's device control (--device-cgroup DIR): a
 * process of the container may create (mknod), read or write only the
 * harmless device nodes below, whatever node it finds or makes; the host's
 * disks, /dev/mem, /dev/kmsg, the host's consoles and ttys are refused.
 *
 * The kernel checks this on every open and mknod of a device node, in the
 * cgroup of the calling process:
 *   cgroup v1: the devices controller of DIR: "a" (all) written to
 *              devices.deny, then one line per node to devices.allow;
 *   cgroup v2: there is no devices controller; an eBPF program of type
 *              BPF_PROG_TYPE_CGROUP_DEVICE is attached to DIR (as runc and
 *              crun do). It returns 1 (allow) for the list, 0 otherwise.
 *              BPF_F_ALLOW_MULTI: a program a parent group may hold (systemd
 *              attaches some) keeps running as well; ours can only narrow.
 * The version is told by statfs(DIR). The program lives as long as the
 * group: closing our fd does not detach it.
 *
 * This is the second layer: ROOTFS, /dev and volumes are nodev mounts, so a
 * node made there is inert anyway; the cgroup also refuses the mknod itself
 * and covers a node reached any other way.
 * Entry point: devices_restrict, parent side before clone (errors returned).
 */
#include "devices.h"
#include "fdio.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The nodes a container may use (runc's default list without /dev/console
 * and /dev/net/tun, which ctr does not provide). -1: any minor. */
static const struct dev_rule { char type; int major, minor; } dev_allowed[] = {
	{ 'c', 1, 3 },    /* null */
	{ 'c', 1, 5 },    /* zero */
	{ 'c', 1, 7 },    /* full */
	{ 'c', 1, 8 },    /* random */
	{ 'c', 1, 9 },    /* urandom */
	{ 'c', 5, 0 },    /* tty: the process's own controlling terminal */
	{ 'c', 5, 2 },    /* ptmx of the container's devpts */
	{ 'c', 136, -1 }, /* pts/N, the container's ptys */
};
#define DEV_NRULES (sizeof(dev_allowed) / sizeof(dev_allowed[0]))

/* ---------------------------------------------------------------- v1 */

static int dev_write(const char *dir, const char *file, const char *line, struct ctr_err *e)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open %s", path);
	if (write(fd, line, strlen(line)) < 0) {
		ctr_fail_errno(e, "write '%s' to %s", line, path);
		close_fd(&fd);
		return -1;
	}
	if (close(fd) < 0)
		return ctr_fail_errno(e, "close %s", path);
	return 0;
}

/* Deny everything, then allow the list (the group holds no process yet). */
static int dev_v1(const char *dir, struct ctr_err *e)
{
	char line[64];
	if (dev_write(dir, "devices.deny", "a", e) < 0)
		return -1;
	for (size_t i = 0; i < DEV_NRULES; i++) {
		const struct dev_rule *r = &dev_allowed[i];
		if (r->minor < 0)
			snprintf(line, sizeof(line), "%c %d:* rwm", r->type, r->major);
		else
			snprintf(line, sizeof(line), "%c %d:%d rwm", r->type, r->major, r->minor);
		if (dev_write(dir, "devices.allow", line, e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- v2 */

#define DEV_INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define DEV_LDX_W(d, s, o)   DEV_INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define DEV_MOV_IMM(d, i)    DEV_INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define DEV_AND_IMM(d, i)    DEV_INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define DEV_JNE_IMM(d, i, o) DEV_INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define DEV_EXIT()           DEV_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define DEV_MAX_INSNS        (4 + DEV_NRULES * 5 + 2)

/* The program, hand-assembled (no compiler, no libbpf), into p:
 *       r3 = ctx->access_type & 0xffff     the device type, BPF_DEVCG_DEV_*
 *       r4 = ctx->major; r5 = ctx->minor
 *   per rule (a listed node may be made, read and written):
 *       if r3 != type goto next; if r4 != major goto next;
 *       [if r5 != minor goto next;] return 1
 *   after the last rule: return 0
 * Returns the number of instructions. */
static size_t dev_program(struct bpf_insn *p)
{
	size_t n = 0;
	p[n++] = DEV_LDX_W(BPF_REG_3, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[n++] = DEV_AND_IMM(BPF_REG_3, 0xffff);
	p[n++] = DEV_LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[n++] = DEV_LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < DEV_NRULES; i++) {
		const struct dev_rule *r = &dev_allowed[i];
		short skip = r->minor < 0 ? 3 : 4;  /* instructions left in this rule */
		int type = r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
		p[n++] = DEV_JNE_IMM(BPF_REG_3, type, skip);
		p[n++] = DEV_JNE_IMM(BPF_REG_4, r->major, skip - 1);
		if (r->minor >= 0)
			p[n++] = DEV_JNE_IMM(BPF_REG_5, r->minor, skip - 2);
		p[n++] = DEV_MOV_IMM(BPF_REG_0, 1);
		p[n++] = DEV_EXIT();
	}
	p[n++] = DEV_MOV_IMM(BPF_REG_0, 0);
	p[n++] = DEV_EXIT();
	return n;
}

static int dev_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Load the program (printing the verifier's log if it refuses it) and
 * attach it to the group. */
static int dev_v2(const char *dir, struct ctr_err *e)
{
	static char log[65536];
	struct bpf_insn prog[DEV_MAX_INSNS];
	union bpf_attr load, att;
	memset(&load, 0, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.expected_attach_type = BPF_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)prog;
	load.insn_cnt = (uint32_t)dev_program(prog);
	load.license = (uint64_t)(uintptr_t)"GPL";
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = sizeof(log);
	load.log_level = 1;
	int pfd = dev_bpf(BPF_PROG_LOAD, &load);
	if (pfd < 0 && *log)
		fprintf(stderr, "%s: the BPF verifier says:\n%s", ctr_prog, log);
	if (pfd < 0)
		return ctr_fail_errno(e, "load the device program (BPF_PROG_TYPE_CGROUP_DEVICE)");
	int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		ctr_fail_errno(e, "open %s", dir);
		close_fd(&pfd);
		return -1;
	}
	memset(&att, 0, sizeof(att));
	att.target_fd = (uint32_t)cg;
	att.attach_bpf_fd = (uint32_t)pfd;
	att.attach_type = BPF_CGROUP_DEVICE;
	att.attach_flags = BPF_F_ALLOW_MULTI;
	int r = dev_bpf(BPF_PROG_ATTACH, &att);
	if (r < 0)
		ctr_fail_errno(e, "attach the device program to %s", dir);
	close_fd(&cg);
	close_fd(&pfd);
	return r < 0 ? -1 : 0;
}

/* Restrict the devices of the group at dir, whichever cgroup version holds it. */
int devices_restrict(const char *dir, struct ctr_err *e)
{
	struct statfs fs;
	if (statfs(dir, &fs) < 0)
		return ctr_fail_errno(e, "--device-cgroup %s", dir);
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return dev_v2(dir, e);
	if (fs.f_type == CGROUP_SUPER_MAGIC)
		return dev_v1(dir, e);
	return ctr_fail(e, 0, "--device-cgroup %s: not a cgroup directory", dir);
}
