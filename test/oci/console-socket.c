/* console-socket - test stand-in for the --console-socket end of an engine
 * (conmon, containerd-shim): test/oci/console.bats.
 *
 * Usage: console-socket SOCKET
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the pty
 * master that the runtime sends (SCM_RIGHTS), prints "master received" on
 * stderr, then copies everything the container writes to its terminal onto
 * stdout until the last slave closes (EIO). Exit status: 0, 1 on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "console-socket: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char c, buf[4096];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	int master = -1;
	ssize_t n;

	if (argc != 2 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: console-socket SOCKET\n");
		return 1;
	}
	strcpy(a.sun_path, argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return fail("socket");
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0)
		return fail(argv[1]);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		return fail("accept");
	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1 || !CMSG_FIRSTHDR(&m))
		return fail("recvmsg");
	memcpy(&master, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(master));
	fprintf(stderr, "master received\n");
	while ((n = read(master, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return fail("write");
	return n < 0 && errno != EIO ? fail("read") : 0;
}
