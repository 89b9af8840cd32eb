/* Unit tests of lib/devices.c: device rules read as cgroup v1 reads a list
 * of devices.allow/devices.deny lines, and the cgroup v2 eBPF program made
 * from them, run here by a small interpreter of the instructions it uses
 * (no root, no kernel): for every device and access on a grid, the program
 * answers as the model does. */
#include "tap.h"
#include "devices.h"

#include <stdint.h>

static struct dev_rule rule(char type, int64_t major, int64_t minor, unsigned access)
{
	return (struct dev_rule){ type, major, minor, access };
}

/* The subset of eBPF that dev_rules_program emits; -1 on anything else. */
static int run(const struct bpf_insn *p, size_t n, uint32_t access_type, uint32_t major, uint32_t minor)
{
	uint64_t r[11] = { 0 };
	const uint32_t ctx[3] = { access_type, major, minor };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t imm = (uint64_t)(int64_t)i->imm;
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			if (i->src_reg != BPF_REG_1 || i->off < 0 || i->off > 8 || i->off % 4)
				return -1;
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = imm; break;
		case BPF_ALU64 | BPF_MOV | BPF_X: r[i->dst_reg] = r[i->src_reg]; break;
		case BPF_ALU | BPF_AND | BPF_K: r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & imm); break;
		case BPF_ALU | BPF_RSH | BPF_K: r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm; break;
		case BPF_JMP | BPF_JNE | BPF_K: if (r[i->dst_reg] != imm) pc += (size_t)i->off; break;
		case BPF_JMP | BPF_JEQ | BPF_K: if (r[i->dst_reg] == imm) pc += (size_t)i->off; break;
		case BPF_JMP | BPF_EXIT: return (int)r[0];
		default: return -1;
		}
	}
	return -1;
}

/* For each type, major, minor and access of the grid: the program's answer
 * is the model's. */
static int agrees(const struct dev_rules *d)
{
	static struct bpf_insn p[DEV_MAX_INSNS];
	size_t n = dev_rules_program(d, p);
	static const char types[] = { 'c', 'b' };
	static const int64_t nums[] = { 0, 1, 3, 5, 8, 136, 4095 };
	for (size_t t = 0; t < 2; t++)
		for (size_t a = 0; a < NELEM(nums); a++)
			for (size_t b = 0; b < NELEM(nums); b++)
				for (unsigned acc = 1; acc <= DEV_RWM; acc++) {
					uint32_t at = (acc << 16) | (types[t] == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
					bool want = dev_rules_allow(d, types[t], nums[a], nums[b], acc);
					if (run(p, n, at, (uint32_t)nums[a], (uint32_t)nums[b]) != (int)want)
						return 0;
				}
	return 1;
}

int main(void)
{
	static struct dev_rules d;
	struct dev_rule x;

	dev_rules_init(&d, false);
	ok(dev_rules_defaults(&d) == 0 && d.n == 8, "ctr's harmless list: 8 exceptions to deny-all");
	ok(dev_rules_allow(&d, 'c', 1, 3, DEV_RWM) && dev_rules_allow(&d, 'c', 136, 7, DEV_R | DEV_W),
	   "/dev/null and any pts allowed");
	ok(!dev_rules_allow(&d, 'b', 8, 0, DEV_R) && !dev_rules_allow(&d, 'c', 1, 1, DEV_R),
	   "a disk and /dev/mem denied");
	ok(agrees(&d), "the program agrees with the list (deny-all and 8 allows)");

	/* runc's default config: deny all, then its own allows */
	dev_rules_init(&d, true);
	x = rule('a', DEV_ANY, DEV_ANY, DEV_RWM);
	dev_rules_add(&d, false, &x);
	ok(!d.allow_all && d.n == 0, "'a' denied: deny-all, no exception");
	x = rule('c', 10, 200, DEV_R | DEV_W);
	dev_rules_add(&d, true, &x);
	ok(dev_rules_allow(&d, 'c', 10, 200, DEV_R) && !dev_rules_allow(&d, 'c', 10, 200, DEV_M) &&
	   !dev_rules_allow(&d, 'c', 10, 200, DEV_R | DEV_M), "an allow rule: only its access bits");
	x = rule('c', 10, 200, DEV_M);
	dev_rules_add(&d, true, &x);
	ok(d.n == 1 && d.ex[0].access == DEV_RWM, "the same key again: its bits merge");
	x = rule('c', 10, 200, DEV_W);
	dev_rules_add(&d, false, &x);
	ok(d.n == 1 && d.ex[0].access == (DEV_R | DEV_M), "a deny of the same key takes its bits off");
	x = rule('c', 10, 200, DEV_R | DEV_M);
	dev_rules_add(&d, false, &x);
	ok(d.n == 0, "an exception left with no bits is gone");
	x = rule('c', DEV_ANY, DEV_ANY, DEV_M);
	dev_rules_add(&d, true, &x);
	x = rule('b', 7, DEV_ANY, DEV_RWM);
	dev_rules_add(&d, true, &x);
	ok(dev_rules_allow(&d, 'c', 4095, 3, DEV_M) && !dev_rules_allow(&d, 'c', 4095, 3, DEV_R) &&
	   dev_rules_allow(&d, 'b', 7, 5, DEV_R) && !dev_rules_allow(&d, 'b', 8, 0, DEV_R),
	   "wildcards: c *:* m, b 7:* rwm");
	ok(agrees(&d), "the program agrees (wildcards, partial access)");

	/* podman --privileged: allow all, then a deny punches a hole */
	x = rule('a', 5, 5, DEV_R);
	dev_rules_add(&d, true, &x);
	ok(d.allow_all && d.n == 0, "'a' allowed (whatever its numbers): allow-all, no exception");
	x = rule('b', 8, DEV_ANY, DEV_W);
	dev_rules_add(&d, false, &x);
	ok(!dev_rules_allow(&d, 'b', 8, 1, DEV_W) && !dev_rules_allow(&d, 'b', 8, 1, DEV_R | DEV_W) &&
	   dev_rules_allow(&d, 'b', 8, 1, DEV_R) && dev_rules_allow(&d, 'c', 8, 1, DEV_W),
	   "allow-all with a deny: any bit of it denies");
	x = rule('b', DEV_ANY, DEV_ANY, DEV_RWM);
	dev_rules_add(&d, true, &x);
	ok(d.n == 1, "an allow of another key does not remove the deny (v1: exact keys only)");
	ok(agrees(&d), "the program agrees (allow-all with a deny)");

	dev_rules_init(&d, false);
	x = rule('c', 1, 1, DEV_R);
	for (int i = 0; i < DEV_MAX_EXCEPTIONS; i++) {
		x.minor = i;
		dev_rules_add(&d, true, &x);
	}
	x.minor = DEV_MAX_EXCEPTIONS;
	ok(dev_rules_add(&d, true, &x) < 0, "more than %d exceptions refused", DEV_MAX_EXCEPTIONS);
	ok(agrees(&d), "the program agrees at the largest list");
	return tap_done();
}
