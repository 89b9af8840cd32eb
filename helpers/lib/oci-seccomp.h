/* oci-seccomp.h - an OCI seccomp profile (oci-seccomp.c). */
#ifndef CTR_OCI_SECCOMP_H
#define CTR_OCI_SECCOMP_H

#include <stdint.h>

struct oci_config;
struct oj;
struct ctr_err;

struct oci_sc_arg { unsigned int index; int op; uint64_t value, value2; };
struct oci_sc_rule {
	int nr;                   /* resolved syscall number */
	uint32_t action;
	unsigned int nargs;
	struct oci_sc_arg args[6];
};
struct oci_seccomp {
	uint32_t default_action;
	uint32_t arches[16];
	unsigned int narches;
	unsigned int flags;       /* SECCOMP_FILTER_FLAG_* */
	struct oci_sc_rule *rules;
	unsigned int nrules;
};

int oci_seccomp_parse(struct oci_config *c, const struct oj *s, struct ctr_err *e);
void oci_seccomp_load(const struct oci_seccomp *p);

#endif
