/* user.c - who PROG runs as: --user U[:G] (names or numbers) looked up in the
 * CONTAINER's passwd and group files, never through the host's NSS (which
 * would load the image's libraries into a root process). Entry point:
 * user_resolve, called in the child after pivot_root (so the files' symlinks
 * stay inside) and before privileges are dropped; it returns errors.
 */
#include "user.h"
#include "fdio.h"
#include "opt.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read a small regular file; O_NONBLOCK so a FIFO planted as /etc/passwd
 * cannot hang us. 1 read, 0 when it does not exist, -1 with e. */
static int read_db(const char *path, char *buf, size_t size, struct ctr_err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		ctr_fail_errno(e, "open %s", path);
		close_fd(&fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close_fd(&fd);
		return ctr_fail(e, 0, "%s: not a regular file", path);
	}
	ssize_t n = read_full(fd, buf, size - 1);
	if (n < 0) {
		ctr_fail_errno(e, "read %s", path);
		close_fd(&fd);
		return -1;
	}
	buf[n] = '\0';
	if (close(fd) < 0)
		return ctr_fail_errno(e, "close %s", path);
	return 1;
}

/* Find the line of a passwd/group file whose name (field 0) or, for a number,
 * id (field 2) is key; split it into f[0..nf-1]. buf is modified. */
static bool db_find(char *buf, const char *key, char **f, int nf)
{
	unsigned long id;
	bool numeric = parse_ulong(key, UINT32_MAX, &id, NULL);
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n = 0;
		while (n < nf && line)
			f[n++] = strsep(&line, ":");
		for (int i = n; i < nf; i++)
			f[i] = NULL;
		if (n >= 3 && strcmp(f[numeric ? 2 : 0], key) == 0)
			return true;
	}
	return false;
}

/* spec U[:G] into *u. A number needs no entry: docker runs an unknown uid
 * with gid 0 and HOME=/. NULL spec: root, HOME=/root. u->home points into a
 * static buffer. */
int user_resolve(const char *spec, const char *passwd, const char *group,
		 struct user *u, struct ctr_err *e)
{
	static char pw[1 << 16], gr[1 << 16];
	char ubuf[256];
	char *f[7] = { NULL };
	unsigned long id;
	*u = (struct user){ 0, 0, "/root" };
	if (!spec)
		return 0;
	snprintf(ubuf, sizeof(ubuf), "%s", spec);
	char *gname = strchr(ubuf, ':');
	if (gname)
		*gname++ = '\0';
	int r = read_db(passwd, pw, sizeof(pw), e);
	if (r < 0)
		return -1;
	bool found = r > 0 && db_find(pw, ubuf, f, 7);
	if (!found && !parse_ulong(ubuf, UINT32_MAX, &id, NULL))
		return ctr_fail(e, 0, "user %s: not found in %s", ubuf, passwd);
	u->uid = (uid_t)(found ? strtoul(f[2], NULL, 10) : id);
	u->gid = (gid_t)(found && f[3] ? strtoul(f[3], NULL, 10) : 0);
	u->home = found && f[5] && *f[5] ? f[5] : "/";
	if (!gname)
		return 0;
	if (parse_ulong(gname, UINT32_MAX, &id, NULL)) {
		u->gid = (gid_t)id;
		return 0;
	}
	r = read_db(group, gr, sizeof(gr), e);
	if (r < 0)
		return -1;
	if (r == 0 || !db_find(gr, gname, f, 4))
		return ctr_fail(e, 0, "group %s: not found in %s", gname, group);
	u->gid = (gid_t)strtoul(f[2], NULL, 10);
	return 0;
}
