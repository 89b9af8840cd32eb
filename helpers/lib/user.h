/* user.h - users and groups of the container (user.c). */
#ifndef CTR_USER_H
#define CTR_USER_H

#include "error.h"
#include <sys/types.h>

struct user {
	uid_t uid;
	gid_t gid;
	const char *home;
};

int user_resolve(const char *spec, const char *passwd, const char *group,
		 struct user *u, struct ctr_err *e);

#endif
