/* devices.h - a cgroup's device rules (devices.c): ctr's allowlist, or any
 * list of allow/deny rules with cgroup v1's meaning, on v1 or v2. */
#ifndef CTR_DEVICES_H
#define CTR_DEVICES_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum { DEV_M = 1, DEV_R = 2, DEV_W = 4, DEV_RWM = 7 };  /* BPF_DEVCG_ACC_* */
#define DEV_ANY (-1)
#define DEV_MAX_EXCEPTIONS 256
#define DEV_MAX_INSNS (8 + DEV_MAX_EXCEPTIONS * 8)  /* the v2 program */

/* cgroup v1's model: a default (allow or deny every device) and the
 * exceptions to it, keyed by type ('c' or 'b'), major and minor (DEV_ANY:
 * every one), each with its access bits. */
struct dev_rule {
	char type;
	int64_t major, minor;
	unsigned access;
};

struct dev_rules {
	bool allow_all;
	size_t n;
	struct dev_rule ex[DEV_MAX_EXCEPTIONS];
};

void dev_rules_init(struct dev_rules *d, bool allow_all);
int dev_rules_add(struct dev_rules *d, bool allow, const struct dev_rule *r);
int dev_rules_defaults(struct dev_rules *d);
bool dev_rules_allow(const struct dev_rules *d, char type, int64_t major, int64_t minor, unsigned access);
size_t dev_rules_program(const struct dev_rules *d, struct bpf_insn *p);
int dev_rules_install(const char *dir, const struct dev_rules *d, struct ctr_err *e);
int devices_restrict(const char *dir, struct ctr_err *e);

#endif
