/* devices.h - the container's device allowlist in its cgroup (devices.c). */
#ifndef CTR_DEVICES_H
#define CTR_DEVICES_H

#include "error.h"

int devices_restrict(const char *dir, struct ctr_err *e);

#endif
