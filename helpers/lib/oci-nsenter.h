/* oci-nsenter.h - nsenter-chroot --config: a config.json whose caller made
 * the cgroups and supervises the container (oci-nsenter.c). */
#ifndef CTR_OCI_NSENTER_H
#define CTR_OCI_NSENTER_H

#include "oci.h"

int oci_nsenter_load(struct oci_config *c, const char *path, const char *process,
		     const struct ctr_spec *opts, struct ctr_err *e);

#endif
