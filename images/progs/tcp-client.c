/* tcp-client - send lines to a TCP server and print its replies, one reply per line sent.
 *
 * Usage: tcp-client [-w SECONDS] HOST PORT [MSG...]
 *   HOST        numeric IPv4 or IPv6 address (a static binary has no resolver in a busybox rootfs)
 *   PORT        TCP port
 *   MSG...      lines to send; without any, the lines of stdin are sent
 *   -w SECONDS  give up connecting or waiting for a reply after SECONDS (default 5)
 * Output (stdout): "connected <local> -> <peer>", then each reply line as received.
 * Exit: 0 every line got a reply; 1 cannot connect, or the server closed or timed out
 *       before replying (the message says which); 125 usage or setup error.
 * Works the same from the host and inside a container.
 */
#define PROG "tcp-client"
#define USAGE "usage: tcp-client [-w SECONDS] HOST PORT [MSG...]"
#include "prog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#define EXIT_NET 1

/* fail: a network failure, exit 1 so a test can tell it from a usage error (125). */
__attribute__((noreturn, format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(0, fmt, ap);
	va_end(ap);
	exit(EXIT_NET);
}

/* parse_addr: HOST PORT into a sockaddr, IPv4 first, then IPv6. */
static socklen_t parse_addr(const char *host, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	uint16_t p = htons((uint16_t)parse_num(port, 1, 65535, "port"));
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = p;
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = p;
		return sizeof(*a6);
	}
	die("%s: not a numeric IPv4 or IPv6 address\n%s", host, USAGE);
}

/* addr_str: "ip:port" ("[ip]:port" for IPv6). */
static void addr_str(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, (unsigned)ntohs(a6->sin6_port));
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, (unsigned)ntohs(a4->sin_port));
	}
}

/* connect_to: connect with a timeout (SO_SNDTIMEO bounds connect() on Linux, SO_RCVTIMEO
 * bounds each reply), so a filtered address fails in SECONDS instead of minutes. */
static int connect_to(const struct sockaddr_storage *peer, socklen_t plen, long secs, const char *name)
{
	struct timeval tv = { .tv_sec = secs };
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char lname[80];
	int fd = socket(peer->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		die_errno("setsockopt SO_SNDTIMEO");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die_errno("setsockopt SO_RCVTIMEO");
	if (connect(fd, (const struct sockaddr *)peer, plen) < 0)
		fail("connect to %s: %s", name, errno == EINPROGRESS ? "timed out" : strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0)
		die_errno("getsockname");
	addr_str(&local, lname, sizeof(lname));
	printf("connected %s -> %s\n", lname, name);
	fflush(stdout);
	return fd;
}

/* exchange: send one line, print the one reply line. */
static void exchange(int fd, FILE *in, const char *msg, const char *name)
{
	static char *reply;
	static size_t cap;
	if (dprintf(fd, "%s\n", msg) < 0)
		fail("send to %s: %s", name, strerror(errno));
	errno = 0;
	if (getline(&reply, &cap, in) < 0) {
		if (errno == EAGAIN)
			fail("%s: no reply (timed out)", name);
		if (errno)
			fail("%s: read: %s", name, strerror(errno));
		fail("%s: connection closed before the reply", name);
	}
	fputs(reply, stdout);
	fflush(stdout);
}

/* send_stdin: every line of stdin, without its newline, as one exchange. */
static void send_stdin(int fd, FILE *in, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\n")] = '\0';
		exchange(fd, in, line, name);
	}
	free(line);
}

int main(int argc, char **argv)
{
	long secs = 5;
	int opt;
	struct sockaddr_storage peer;
	char name[80];
	while ((opt = getopt(argc, argv, "+w:")) != -1) {
		if (opt == 'w')
			secs = parse_num(optarg, 1, 3600, "timeout");
		else
			die("%s", USAGE);
	}
	if (argc - optind < 2)
		die("%s", USAGE);
	socklen_t plen = parse_addr(argv[optind], argv[optind + 1], &peer);
	addr_str(&peer, name, sizeof(name));
	/* a server that goes away must give us EPIPE and a message, not a silent SIGPIPE death */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die_errno("signal SIGPIPE");
	int fd = connect_to(&peer, plen, secs, name);
	FILE *in = fdopen(fd, "r");
	if (in == NULL)
		die_errno("fdopen");
	if (argc - optind == 2)
		send_stdin(fd, in, name);
	for (int i = optind + 2; i < argc; i++)
		exchange(fd, in, argv[i], name);
	fclose(in);
	return 0;
}
