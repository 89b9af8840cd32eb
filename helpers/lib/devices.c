/* devices.c - a cgroup's device rules: which device nodes its processes may
 * create (mknod), read or write, whatever node they find or make.
 *
 * The rules are cgroup v1's model (struct dev_rules): a default, allow or
 * deny every device, and exceptions to it. dev_rules_add applies one rule as
 * the kernel applies a line written to v1's devices.allow or devices.deny
 * ("a" resets the default and drops the exceptions; a rule that agrees with
 * the default takes its access bits off the exception of the same key; one
 * that disagrees adds them), so a list of OCI rules means on v2 what it
 * means on v1 (as runc's emulator does). dev_rules_allow answers as the
 * kernel would (a unit test checks the list; the program below encodes it).
 *
 * dev_rules_install puts the rules on the group at DIR, told v1 or v2 by
 * statfs(DIR):
 *   cgroup v1: the devices controller: the default ("a" to devices.allow or
 *              devices.deny), then each exception to the other file;
 *   cgroup v2: there is no devices controller; an eBPF program of type
 *              BPF_PROG_TYPE_CGROUP_DEVICE is attached to DIR (as runc and
 *              crun do), hand-assembled here (no compiler, no libbpf). It
 *              is attached with BPF_F_ALLOW_MULTI (a program a parent group
 *              holds, systemd's, keeps running: ours can only narrow), then
 *              the programs DIR held before are detached: the new rules
 *              replace the old ones (`update`). The program lives as long
 *              as the group: closing our fd does not detach it.
 *
 * devices_restrict (nsenter-chroot --device-cgroup DIR): every device denied
 * but ctr's harmless list (dev_rules_defaults): not the host's disks,
 * /dev/mem, /dev/kmsg, the host's consoles and ttys. This is the second
 * layer: ROOTFS, /dev and volumes are nodev mounts, so a node made there is
 * inert anyway; the cgroup also refuses the mknod itself and covers a node
 * reached any other way. Parent side, before clone (errors returned).
 */
#include "devices.h"
#include "fdio.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void dev_rules_init(struct dev_rules *d, bool allow_all)
{
	d->allow_all = allow_all;
	d->n = 0;
}

static struct dev_rule *dev_find(struct dev_rules *d, const struct dev_rule *r)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->ex[i].type == r->type && d->ex[i].major == r->major && d->ex[i].minor == r->minor)
			return &d->ex[i];
	return NULL;
}

/* One rule, as v1 applies a line: type 'a' is every device (its numbers
 * and access do not matter, as in the kernel). -1 when the list is full. */
int dev_rules_add(struct dev_rules *d, bool allow, const struct dev_rule *r)
{
	if (r->type == 'a') {
		dev_rules_init(d, allow);
		return 0;
	}
	struct dev_rule *x = dev_find(d, r);
	if (allow == d->allow_all) {  /* agrees with the default: fewer exceptions */
		if (x && !(x->access &= ~r->access))
			*x = d->ex[--d->n];
		return 0;
	}
	if (x) {
		x->access |= r->access;
		return 0;
	}
	if (d->n == DEV_MAX_EXCEPTIONS)
		return -1;
	d->ex[d->n++] = *r;
	return 0;
}

/* The nodes every container may use (runc's default list without
 * /dev/console and /dev/net/tun, which ctr does not provide). */
int dev_rules_defaults(struct dev_rules *d)
{
	static const struct dev_rule harmless[] = {
		{ 'c', 1, 3, DEV_RWM },         /* null */
		{ 'c', 1, 5, DEV_RWM },         /* zero */
		{ 'c', 1, 7, DEV_RWM },         /* full */
		{ 'c', 1, 8, DEV_RWM },         /* random */
		{ 'c', 1, 9, DEV_RWM },         /* urandom */
		{ 'c', 5, 0, DEV_RWM },         /* tty: the process's own controlling terminal */
		{ 'c', 5, 2, DEV_RWM },         /* ptmx of the container's devpts */
		{ 'c', 136, DEV_ANY, DEV_RWM }, /* pts/N, the container's ptys */
	};
	for (size_t i = 0; i < NELEM(harmless); i++)
		if (dev_rules_add(d, true, &harmless[i]) < 0)
			return -1;
	return 0;
}

static bool dev_match(const struct dev_rule *x, char type, int64_t major, int64_t minor)
{
	return x->type == type && (x->major == DEV_ANY || x->major == major) &&
	       (x->minor == DEV_ANY || x->minor == minor);
}

/* The kernel's answer: by default deny, allowed when an exception holds
 * every bit asked for; by default allow, denied when an exception holds
 * any of them. */
bool dev_rules_allow(const struct dev_rules *d, char type, int64_t major, int64_t minor, unsigned access)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct dev_rule *x = &d->ex[i];
		if (!dev_match(x, type, major, minor))
			continue;
		if (!d->allow_all && !(access & ~x->access))
			return true;
		if (d->allow_all && (access & x->access))
			return false;
	}
	return d->allow_all;
}

/* ---------------------------------------------------------------- v1 */

static int dev_write(const char *dir, const char *file, const char *line, struct ctr_err *e)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (write_file(path, line) < 0)
		return ctr_fail_errno(e, "write '%s' to %s", line, path);
	return 0;
}

static void dev_num(char *buf, size_t len, int64_t n)
{
	if (n == DEV_ANY)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%" PRId64, n);
}

static int dev_v1(const char *dir, const struct dev_rules *d, struct ctr_err *e)
{
	const char *def = d->allow_all ? "devices.allow" : "devices.deny";
	const char *exc = d->allow_all ? "devices.deny" : "devices.allow";
	if (dev_write(dir, def, "a", e) < 0)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct dev_rule *x = &d->ex[i];
		char line[96], M[24], m[24];
		dev_num(M, sizeof(M), x->major);
		dev_num(m, sizeof(m), x->minor);
		snprintf(line, sizeof(line), "%c %s:%s %s%s%s", x->type, M, m, x->access & DEV_R ? "r" : "",
			 x->access & DEV_W ? "w" : "", x->access & DEV_M ? "m" : "");
		if (dev_write(dir, exc, line, e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- v2 */

#define DEV_INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define DEV_LDX_W(d, s, o)   DEV_INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define DEV_MOV_IMM(d, i)    DEV_INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define DEV_MOV_REG(d, s)    DEV_INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define DEV_AND_IMM(d, i)    DEV_INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define DEV_RSH_IMM(d, i)    DEV_INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define DEV_JNE_IMM(d, i)    DEV_INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, i)
#define DEV_JEQ_IMM(d, i)    DEV_INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, i)
#define DEV_EXIT()           DEV_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* One exception: every jump of it goes to the next one when it does not
 * match; when it does, return the exception's verdict.
 *       if r3 != type goto next; [if r4 != major goto next;]
 *       [if r5 != minor goto next;]
 *       [r1 = r2 & bits; if r1 (==|!=) 0 goto next;]   access, unless rwm
 *       return !allow_all */
static size_t dev_exception(struct bpf_insn *p, size_t n, const struct dev_rule *x, bool allow_all)
{
	size_t start = n;
	p[n++] = DEV_JNE_IMM(BPF_REG_3, x->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	if (x->major != DEV_ANY)
		p[n++] = DEV_JNE_IMM(BPF_REG_4, (int32_t)x->major);
	if (x->minor != DEV_ANY)
		p[n++] = DEV_JNE_IMM(BPF_REG_5, (int32_t)x->minor);
	if ((x->access & DEV_RWM) != DEV_RWM) {
		p[n++] = DEV_MOV_REG(BPF_REG_1, BPF_REG_2);
		if (allow_all) {  /* denied when any bit asked for is an exception's */
			p[n++] = DEV_AND_IMM(BPF_REG_1, (int32_t)x->access);
			p[n++] = DEV_JEQ_IMM(BPF_REG_1, 0);
		} else {          /* allowed when every bit asked for is */
			p[n++] = DEV_AND_IMM(BPF_REG_1, (int32_t)(~x->access & DEV_RWM));
			p[n++] = DEV_JNE_IMM(BPF_REG_1, 0);
		}
	}
	p[n++] = DEV_MOV_IMM(BPF_REG_0, allow_all ? 0 : 1);
	p[n++] = DEV_EXIT();
	for (size_t i = start; i < n - 2; i++)
		if (BPF_CLASS(p[i].code) == BPF_JMP)
			p[i].off = (int16_t)(n - (i + 1));
	return n;
}

/* The program, into p (DEV_MAX_INSNS): r2 = the access asked for
 * (BPF_DEVCG_ACC_*), r3 = the device type (BPF_DEVCG_DEV_*), r4 = major,
 * r5 = minor; the exceptions; then the default. Returns the number of
 * instructions. */
size_t dev_rules_program(const struct dev_rules *d, struct bpf_insn *p)
{
	size_t n = 0;
	p[n++] = DEV_LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[n++] = DEV_MOV_REG(BPF_REG_3, BPF_REG_2);
	p[n++] = DEV_AND_IMM(BPF_REG_3, 0xffff);
	p[n++] = DEV_RSH_IMM(BPF_REG_2, 16);
	p[n++] = DEV_LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[n++] = DEV_LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < d->n; i++)
		n = dev_exception(p, n, &d->ex[i], d->allow_all);
	p[n++] = DEV_MOV_IMM(BPF_REG_0, d->allow_all ? 1 : 0);
	p[n++] = DEV_EXIT();
	return n;
}

static int dev_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Load the program, printing the verifier's log if it refuses it. */
static int dev_load(const struct dev_rules *d, struct ctr_err *e)
{
	static char log[65536];
	static struct bpf_insn prog[DEV_MAX_INSNS];
	union bpf_attr load;
	memset(&load, 0, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.expected_attach_type = BPF_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)prog;
	load.insn_cnt = (uint32_t)dev_rules_program(d, prog);
	load.license = (uint64_t)(uintptr_t)"GPL";
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = sizeof(log);
	load.log_level = 1;
	int pfd = dev_bpf(BPF_PROG_LOAD, &load);
	if (pfd < 0 && *log)
		fprintf(stderr, "%s: the BPF verifier says:\n%s", ctr_prog, log);
	if (pfd < 0)
		return ctr_fail_errno(e, "load the device program (BPF_PROG_TYPE_CGROUP_DEVICE)");
	return pfd;
}

/* Detach the device programs the group held before ours (ids). */
static int dev_detach_old(int cg, const uint32_t *ids, uint32_t n, const char *dir, struct ctr_err *e)
{
	for (uint32_t i = 0; i < n; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.prog_id = ids[i];
		int fd = dev_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0 && errno == ENOENT)  /* gone meanwhile */
			continue;
		if (fd < 0)
			return ctr_fail_errno(e, "device program %u of %s", ids[i], dir);
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cg;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = BPF_CGROUP_DEVICE;
		int r = dev_bpf(BPF_PROG_DETACH, &a);
		close_fd(&fd);
		if (r < 0 && errno != ENOENT)
			return ctr_fail_errno(e, "detach the old device program from %s", dir);
	}
	return 0;
}

/* Attach the new program to the group, then detach what it held before. */
static int dev_v2(const char *dir, const struct dev_rules *d, struct ctr_err *e)
{
	static uint32_t ids[64];
	union bpf_attr q, att;
	int r = -1, pfd = -1, cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return ctr_fail_errno(e, "open %s", dir);
	memset(&q, 0, sizeof(q));
	q.query.target_fd = (uint32_t)cg;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = NELEM(ids);
	if (dev_bpf(BPF_PROG_QUERY, &q) < 0) {
		ctr_fail_errno(e, "query the device programs of %s", dir);
		goto out;
	}
	if ((pfd = dev_load(d, e)) < 0)
		goto out;
	memset(&att, 0, sizeof(att));
	att.target_fd = (uint32_t)cg;
	att.attach_bpf_fd = (uint32_t)pfd;
	att.attach_type = BPF_CGROUP_DEVICE;
	att.attach_flags = BPF_F_ALLOW_MULTI;
	if (dev_bpf(BPF_PROG_ATTACH, &att) < 0)
		ctr_fail_errno(e, "attach the device program to %s", dir);
	else
		r = dev_detach_old(cg, ids, q.query.prog_cnt, dir, e);
out:
	close_fd(&pfd);
	close_fd(&cg);
	return r;
}

/* Put the rules on the group at dir, whichever cgroup version holds it. */
int dev_rules_install(const char *dir, const struct dev_rules *d, struct ctr_err *e)
{
	struct statfs fs;
	if (statfs(dir, &fs) < 0)
		return ctr_fail_errno(e, "%s", dir);
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return dev_v2(dir, d, e);
	if (fs.f_type == CGROUP_SUPER_MAGIC)
		return dev_v1(dir, d, e);
	return ctr_fail(e, 0, "%s: not a cgroup directory", dir);
}

/* Deny every device but ctr's harmless list. */
int devices_restrict(const char *dir, struct ctr_err *e)
{
	static struct dev_rules d;
	dev_rules_init(&d, false);
	if (dev_rules_defaults(&d) < 0)
		return ctr_fail(e, E2BIG, "device rules");
	return dev_rules_install(dir, &d, e);
}
