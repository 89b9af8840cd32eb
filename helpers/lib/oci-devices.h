/* oci-devices.h - device nodes in an OCI container's /dev (oci-devices.c). */
#ifndef CTR_OCI_DEVICES_H
#define CTR_OCI_DEVICES_H

#include "spec.h"

void oci_devnodes(int dev, const struct ctr_device *d, size_t n);

#endif
