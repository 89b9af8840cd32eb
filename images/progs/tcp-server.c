/* tcp-server - line echo server that says who answered and from which address.
 *
 * Usage: tcp-server [-p PORT] [-n COUNT]
 *   -p PORT   TCP port to listen on, on 0.0.0.0 (default 8080; 0 lets the kernel pick one)
 *   -n COUNT  stop after COUNT connections have been served (default: serve forever)
 * Protocol: each line received is answered with "<hostname> <local-ip>: echo <line>".
 * Output (stdout, line-buffered):
 *   listening on <ip>:<port>               once the socket listens (the real port if -p 0)
 *   connection from <peer> to <local>      for each connection
 *   <peer> said: <line>                    for each line received
 * Each connection is served by a forked child, so a slow client does not block the others.
 * SIGTERM/SIGINT end the server with status 0 (it may be a container's PID 1, which the
 * kernel protects from signals it has no handler for).
 * Exit: 0 COUNT connections served, or stopped by SIGTERM/SIGINT; 125 usage or setup error.
 */
#define PROG "tcp-server"
#define USAGE "usage: tcp-server [-p PORT] [-n COUNT]"
#include "prog.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>

/* addr_str: "a.b.c.d" or "a.b.c.d:port" for an IPv4 socket address. */
static void addr_str(const struct sockaddr_in *a, int with_port, char *out, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	if (with_port)
		snprintf(out, len, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
	else
		snprintf(out, len, "%s", ip);
}

/* on_stop: a handler (not SIG_DFL) so that SIGTERM also stops us when we are PID 1. */
static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

/* setup_signals: SIGPIPE ignored so a vanished client is an EPIPE, not our death; SIGCHLD
 * ignored so finished children are reaped by the kernel and wait() waits for all of them. */
static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		die_errno("sigaction SIGTERM");
	if (sigaction(SIGINT, &sa, NULL) < 0)
		die_errno("sigaction SIGINT");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die_errno("signal SIGPIPE");
	if (signal(SIGCHLD, SIG_IGN) == SIG_ERR)
		die_errno("signal SIGCHLD");
}

static int listen_on(long port)
{
	int one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	socklen_t len = sizeof(a);
	char where[64];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno("socket");
	/* a restarted server must not wait for the old connections' TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die_errno("setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die_errno("bind 0.0.0.0:%ld", port);
	if (listen(fd, 64) < 0)
		die_errno("listen");
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die_errno("getsockname");
	addr_str(&a, 1, where, sizeof(where));
	printf("listening on %s\n", where);
	return fd;
}

/* serve: answer each line of one connection, until the client closes it. */
static void serve(int fd, const char *peer, const char *local_ip)
{
	struct utsname u;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (uname(&u) < 0)
		die_errno("uname");
	FILE *in = fdopen(fd, "r");
	if (in == NULL)
		die_errno("fdopen");
	while ((n = getline(&line, &cap, in)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		printf("%s said: %s\n", peer, line);
		if (dprintf(fd, "%s %s: echo %s\n", u.nodename, local_ip, line) < 0) {
			fprintf(stderr, "%s: write to %s: %s\n", PROG, peer, strerror(errno));
			break;
		}
	}
	free(line);
	fclose(in);
}

/* accept_one: accept a connection and serve it in a child; the parent goes on listening.
 * Returns 0 when the connection was gone before we could accept it (it does not count). */
static int accept_one(int lfd)
{
	struct sockaddr_in peer_a, local_a;
	socklen_t plen = sizeof(peer_a), llen = sizeof(local_a);
	char peer[64], local[64], local_ip[64];
	int fd = accept4(lfd, (struct sockaddr *)&peer_a, &plen, SOCK_CLOEXEC);
	if (fd < 0 && (errno == ECONNABORTED || errno == EINTR))
		return 0;
	if (fd < 0)
		die_errno("accept");
	if (getsockname(fd, (struct sockaddr *)&local_a, &llen) < 0)
		die_errno("getsockname");
	addr_str(&peer_a, 1, peer, sizeof(peer));
	addr_str(&local_a, 1, local, sizeof(local));
	addr_str(&local_a, 0, local_ip, sizeof(local_ip));
	printf("connection from %s to %s\n", peer, local);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		close(lfd);
		serve(fd, peer, local_ip);
		exit(0);
	}
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	long port = 8080, count = -1;
	int opt;
	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		if (opt == 'p')
			port = parse_num(optarg, 0, 65535, "port");
		else if (opt == 'n')
			count = parse_num(optarg, 1, LONG_MAX, "count");
		else
			die("%s", USAGE);
	}
	if (optind != argc)
		die("%s: unexpected argument\n%s", argv[optind], USAGE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_signals();
	int lfd = listen_on(port);
	for (long served = 0; count < 0 || served < count;)
		served += accept_one(lfd);
	close(lfd);
	/* SIGCHLD is ignored: wait() returns ECHILD once every connection's child has ended */
	pid_t r;
	do
		r = wait(NULL);
	while (r > 0 || errno == EINTR);
	return 0;
}
