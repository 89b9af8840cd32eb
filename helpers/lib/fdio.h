/* fdio.h - fd I/O, files written atomically, fd passing (fdio.c). */
#ifndef CTR_FDIO_H
#define CTR_FDIO_H

#include <stdbool.h>
#include <sys/types.h>

int write_all(int fd, const void *buf, size_t len);
ssize_t read_full(int fd, void *buf, size_t len);
void xclose(int fd);
void close_fd(int *fd);
int set_nonblock(int fd);
int write_file(const char *path, const char *text);
int write_file_at(int dir, const char *path, const char *text);
int write_pid_file(const char *file, pid_t pid, bool newline);
int open_parent(const char *path, const char **base, char *dir, size_t dirlen);
int write_atomic(int dir, const char *base, const char *text);
int write_replace(int dir, const char *base, const char *text, bool durable);
int replace_file(int dir, const char *base, const char *text);
int same_file(int a, int b);
int send_fd(int sock, int fd);
int recv_fd(int sock, int flags);
int send_fd_byte(int sock, int fd, char byte);
int recv_fd_byte(int sock, int flags, char *byte);
int connect_unix(const char *path);
int mkdir_p(const char *path);

#endif
