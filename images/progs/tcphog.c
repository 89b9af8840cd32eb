/* tcphog - fill the kernel's TCP buffers, to test that they count in a container's limits.
 *
 * Usage: tcphog CONNS
 *   CONNS  loopback TCP connections to open (1 to 4096); the receiving end never reads, the
 *          sending end writes (non-blocking) until the kernel takes no more on any of them
 * Output (stdout): "queued N MiB in CONNS connections", then it waits (killed by the test).
 * Every byte queued is in socket buffers: kernel memory of the host's tcp_mem, charged to
 * the process's memory group only where the group accounts TCP (cgroup v2; v1 with
 * memory.kmem.tcp.limit_in_bytes set).
 * Exit: 125 usage error or a failed step ("tcphog: connect: ...").
 */
#define PROG "tcphog"
#define USAGE "usage: tcphog CONNS"
#include "prog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CHUNK 65536

/* listen_any: a listening socket on 127.0.0.1, a port the kernel picks; its address in *a. */
static int listen_any(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		die_errno("socket");
	a->sin_family = AF_INET;
	a->sin_port = 0;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)a, sizeof(*a)) < 0)
		die_errno("bind");
	if (listen(l, 4096) < 0)
		die_errno("listen");
	if (getsockname(l, (struct sockaddr *)a, &len) < 0)
		die_errno("getsockname");
	return l;
}

/* fill: write to fd until it would block; the bytes written. */
static long long fill(int fd, const char *buf)
{
	long long n = 0;
	ssize_t w;
	while ((w = write(fd, buf, CHUNK)) > 0)
		n += w;
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && errno != ENOMEM)
		die_errno("write");
	return n;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct sockaddr_in a;
	long long total = 0;
	if (argc != 2)
		die("%s", USAGE);
	long conns = parse_num(argv[1], 1, 4096, "number of connections");
	int l = listen_any(&a);
	int *c = calloc((size_t)conns, sizeof(*c));
	if (!c)
		die_errno("calloc");
	for (long i = 0; i < conns; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c[i] < 0)
			die_errno("socket");
		if (connect(c[i], (struct sockaddr *)&a, sizeof(a)) < 0)
			die_errno("connect");
		if (accept(l, NULL, NULL) < 0) /* kept open, never read */
			die_errno("accept");
		if (fcntl(c[i], F_SETFL, O_NONBLOCK) < 0)
			die_errno("fcntl");
	}
	memset(buf, 'x', sizeof(buf));
	/* the windows and buffers grow as data flows: fill again until a round queues nothing */
	for (int round = 0; round < 100; round++) {
		long long r = 0;
		for (long i = 0; i < conns; i++)
			r += fill(c[i], buf);
		total += r;
		if (r == 0)
			break;
		usleep(20000);
	}
	printf("queued %lld MiB in %ld connections\n", total >> 20, conns);
	fflush(stdout);
	for (;;)
		pause();
}
