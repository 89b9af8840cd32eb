/* fdio.c - fd I/O: full reads and writes that survive EINTR and short counts,
 * small files written whole or atomically (tmp + rename), fd passing over
 * unix sockets (SCM_RIGHTS), mkdir -p. No state, no order constraints.
 * Every function returns -1 with errno set on failure, except xclose (for
 * the child after clone, where a failed close is fatal).
 */
#include "fdio.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Write all of buf to a blocking fd. */
int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to len bytes until EOF; returns the count or -1. */
ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* close that dies on failure (-1 is skipped). */
void xclose(int fd)
{
	if (fd >= 0 && close(fd) < 0)
		die_errno("close %d", fd);
}

/* close that forgets: *fd becomes -1; errors are ignored. */
void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Write text to an existing file (uid_map, cgroup.procs). */
int write_file(const char *path, const char *text)
{
	return write_file_at(AT_FDCWD, path, text);
}

/* The same, path relative to the directory dir (AT_FDCWD: as open(2)). */
int write_file_at(int dir, const char *path, const char *text)
{
	int fd = openat(dir, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0) {
		int err = errno;
		(void)close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

/* Atomic pid file: write FILE.tmp.<pid> then rename over FILE, so a reader
 * never sees a partial number. newline: end it with one (ctr's files); the
 * OCI verbs write the bare number as runc does (containerd-shim parses the
 * file with strconv.Atoi, which refuses "123\n"). */
int write_pid_file(const char *file, pid_t pid, bool newline)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()) >= (int)sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (dprintf(fd, newline ? "%d\n" : "%d", (int)pid) < 0 || close(fd) < 0) {
		(void)unlink(tmp);
		return -1;
	}
	if (rename(tmp, file) < 0) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* Open the directory holding path (O_PATH) and point *base at its last name;
 * dir (dirlen bytes) gets the directory's name for messages. Files are later
 * replaced with renameat() there, which works after a chdir("/") even for
 * relative paths. errno ENAMETOOLONG or EINVAL (no file name) when path is
 * not usable. */
int open_parent(const char *path, const char **base, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, dirlen, ".");
	else if (slash == path)
		snprintf(dir, dirlen, "/");
	else if ((size_t)(slash - path) < dirlen)
		snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
	else
		return errno = ENAMETOOLONG, -1;
	*base = slash ? slash + 1 : path;
	if (**base == '\0')
		return errno = EINVAL, -1;
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Replace dir/base with text, whole for every reader (base.tmp, rename);
 * durable: fsync before the rename too. */
int write_replace(int dir, const char *base, const char *text, bool durable)
{
	char tmp[NAME_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", base);
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0 || (durable && fsync(fd) < 0)) {
		int err = errno;
		(void)close(fd);
		errno = err;
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	return renameat(dir, tmp, dir, base);
}

/* Replace dir/base with text atomically and durably (state that must survive
 * a crash: the restart file of a policy). */
int write_atomic(int dir, const char *base, const char *text)
{
	return write_replace(dir, base, text, true);
}

/* Replace dir/base with text atomically, not durably: for what a crash makes
 * moot anyway (the shim's pid and exit files: after a reboot no container
 * runs; ctr-oci's state in /run, as runc). No fsync, which costs a btrfs log
 * commit (~1.5 ms, more under I/O load) on the path of every run. */
int replace_file(int dir, const char *base, const char *text)
{
	return write_replace(dir, base, text, false);
}

/* 1 if the fds name the same inode, 0 if not, -1 on error. */
int same_file(int a, int b)
{
	struct stat sa, sb;
	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		return -1;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Send fd over the unix socket sock with SCM_RIGHTS (one byte of payload). */
int send_fd(int sock, int fd)
{
	return send_fd_byte(sock, fd, 0);
}

/* send_fd, the message's byte: byte (a word of one byte with the fd). */
int send_fd_byte(int sock, int fd, char byte)
{
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	memset(&u, 0, sizeof(u));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Receive one message of >= 1 byte carrying an fd (recvmsg flags: flags,
 * plus MSG_CMSG_CLOEXEC). Returns the fd, or -1 with errno: recvmsg's,
 * ECONNRESET at EOF, EBADMSG for a message without an fd. */
int recv_fd(int sock, int flags)
{
	char byte;
	return recv_fd_byte(sock, flags, &byte);
}

/* recv_fd, and the message's first byte in *byte (send_fd_byte's). */
int recv_fd_byte(int sock, int flags, char *byte)
{
	int fd = -1;
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { .iov_base = byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	if (n < 0)
		return -1;
	if (n == 0)
		return errno = ECONNRESET, -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	if (fd < 0)
		return errno = EBADMSG, -1;
	return fd;
}

/* mkdir -p (0755), for a workdir the image does not have (docker creates it
 * too). An existing directory is fine. */
int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char save = *p;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = save;
		if (!save)
			return 0;
	}
}

/* A stream socket connected to the unix socket at path (an OCI
 * --console-socket, where the pty master is sent), close-on-exec; -1 with
 * errno set. */
int connect_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno;
		close_fd(&s);
		errno = err;
		return -1;
	}
	return s;
}
