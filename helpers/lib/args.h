/* args.h - nsenter-chroot's command line into a spec (args.c). */
#ifndef CTR_ARGS_H
#define CTR_ARGS_H

#include "error.h"
#include "spec.h"

#include <stdio.h>

/* --config FILE and --process FILE (oci-nsenter.c), NULL when not given. */
struct args_files {
	const char *config, *process;
};

int args_parse(struct ctr_spec *s, struct args_files *f, int argc, char **argv, struct ctr_err *e);
void args_usage(FILE *f);

/* args-value.c: --volume H:C[:opts] as a bind step; --sysctl K=V (net.* only) */
int args_volume(struct ctr_spec *s, const char *arg, struct ctr_err *e);
int args_sysctl(struct ctr_spec *s, const char *arg, struct ctr_err *e);

#endif
