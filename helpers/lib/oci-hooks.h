/* oci-hooks.h - running OCI hooks (oci-hooks.c). */
#ifndef CTR_OCI_HOOKS_H
#define CTR_OCI_HOOKS_H

#include "oci.h"

int oci_hooks_run(const struct oci_config *c, enum oci_hook_kind k, const char *state,
		  pid_t ns_pid, struct ctr_err *e);

#endif
