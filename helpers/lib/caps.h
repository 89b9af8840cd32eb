/* caps.h - capabilities (caps.c). */
#ifndef CTR_CAPS_H
#define CTR_CAPS_H

#include "error.h"
#include "spec.h"

int cap_number(const char *name, struct ctr_err *e);
int caps_held(uint64_t *held, struct ctr_err *e);
int caps_bounding(uint64_t *held, struct ctr_err *e);
int caps_compute(uint64_t *caps, bool privileged, bool own_userns, const char *const *drop,
		 size_t ndrop, const char *const *add, size_t nadd, struct ctr_err *e);
void privileges_drop(const struct ctr_spec *s, uid_t uid, gid_t gid);

#endif
