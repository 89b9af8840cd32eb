/* copyup.h - a tmpfs filled with what it covers, OCI tmpcopyup (copyup.c). */
#ifndef CTR_COPYUP_H
#define CTR_COPYUP_H

void mount_copyup(int root, int t, const char *src, unsigned long flags,
		  const char *data, const char *dst);

#endif
