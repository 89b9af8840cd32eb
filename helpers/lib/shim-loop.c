/* shim-loop.c - ctr-shim's supervisor, in order (shim_run): the caller's
 * fds > 2 closed, fds 0-2 open,
 * the log and the exit file's directory, -d (fork: the caller waits for the
 * "started" byte; setsid), the pid file, the signals (blocked, SIG_DFL, read
 * from a signalfd), the attach socket, PROG (the shim in the container's
 * groups: shim-cgroup.c), the poll loop until PROG is reaped (the shim out of
 * them), then the exit file, the client's 'x', the terminal restored; with
 * --restart, PROG again while the policy says so (shim-restart.c).
 * Dies before PROG runs; afterwards warns and carries on.
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"
#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shim_opts shim_opt = { .ready_fd = -1, .pass_fd = -1, .exited_fd = -1, .exited_lock = -1 };
struct shim_state shim = {
	.log_fd = -1, .log_dir = -1, .exit_dir = -1, .sock_dir = -1, .ready_fd = -1, .prog_ready = -1,
	.sig_fd = -1, .console = -1, .master = -1, .raw = { .fd = -1 },
	.term_fd = -1, .in_src = -1, .in_dst = -1, .listen_fd = -1,
	.client = -1,
};
struct stream shim_out = { .fd = -1, .name = "stdout", .frame = 'o', .echo = -1 };
struct stream shim_err = { .fd = -1, .name = "stderr", .frame = 'e', .echo = -1 };
struct stream shim_pty = { .fd = -1, .name = "stdout", .frame = 'o', .echo = -1 };

/* ---------------------------------------------------------------- small tools */

void pipe_open(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		die_errno("pipe");
}

void nonblock(int fd)
{
	if (set_nonblock(fd) < 0)
		die_errno("fcntl O_NONBLOCK");
}

/* The directory of path, opened (O_PATH), and *base its last name: the files
 * are replaced with renameat() there, which works after the daemon's
 * chdir("/") even for relative paths. */
int parent_dir(const char *path, const char **base)
{
	char dir[PATH_MAX];
	int fd = open_parent(path, base, dir, sizeof(dir));
	if (fd < 0 && errno == ENAMETOOLONG)
		die("%s: path too long", path);
	if (fd < 0 && errno == EINVAL)
		die("%s: not a file name", path);
	if (fd < 0)
		die_errno("open %s", dir);
	return fd;
}

/* Fds 0-2 on /dev/null and the cwd /: a daemon holds no terminal, no pipe of
 * its caller's, no directory that could not be unmounted. Warns only. */
void stdio_detach(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		warn_errno("open /dev/null");
	for (int i = 0; fd >= 0 && i < 3; i++)
		if (dup2(fd, i) < 0)
			warn_errno("dup2 /dev/null");
	if (fd > 2)
		close(fd);
	if (chdir("/") < 0)
		warn_errno("chdir /");
}

/* Fds 0-2 must be open: otherwise the pipes made below could land on them and
 * PROG's dup2()s would clobber each other. */
static void std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n < 0)
			die_errno("open /dev/null");
		if (n != fd)
			die("fd %d: cannot reopen", fd);
	}
}

/* Once the terminal is raw, leave through here so it is never left raw. */
#define FATAL_ERRNO(...) do { int e_ = errno; term_restore(); errno = e_; die_errno(__VA_ARGS__); } while (0)

/* ---------------------------------------------------------------- -d */

__attribute__((noreturn))
static void wait_ready(int p[2])
{
	unsigned char code;
	ssize_t n;
	close(p[1]);
	do
		n = read(p[0], &code, 1);
	while (n < 0 && errno == EINTR);
	_exit(n == 1 ? code : EXIT_SELF);
}

/* Fork; the caller waits on a pipe until PROG runs, so ctr.sh's `run -d`
 * returns only once the container is really there. The daemon leaves the
 * caller's session: a closing terminal must not hang it up. */
static void daemonize(void)
{
	int p[2];
	pid_t pid;
	pipe_open(p);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid > 0)
		wait_ready(p);
	close(p[0]);
	shim.ready_fd = p[1];
	if (setsid() < 0)
		die_errno("setsid");
}

/* --ready-fd: block until PROG writes its byte or every holder closes the
 * pipe (it died, or exec'd something that closed it). Signals wait in the
 * signalfd; PROG's output waits in its pipes. */
static void prog_ready_wait(void)
{
	char b;
	ssize_t n;
	do
		n = read(shim.prog_ready, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		warn_errno("read --ready-fd");
}

/* Tell the caller PROG started (code 0) or could not (126/127). Stdio goes to
 * /dev/null first: a caller reading our stdout through a pipe must see EOF;
 * cwd goes to / so the daemon pins no mount. */
static void ready_report(int code)
{
	unsigned char c = (unsigned char)code;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_errno("open /dev/null");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			die_errno("dup2 /dev/null");
	close(fd);
	if (chdir("/") < 0)
		die_errno("chdir /");
	if (write(shim.ready_fd, &c, 1) != 1)
		die_errno("report start");
	close_fd(&shim.ready_fd);
}

static void pid_file_write(void)
{
	char text[32];
	const char *base;
	int dir = parent_dir(shim_opt.pid_file, &base);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	if (replace_file(dir, base, text) < 0)
		die_errno("write %s", shim_opt.pid_file);
	close(dir);
}
/* ---------------------------------------------------------------- main loop */

enum { P_SIG, P_OUT, P_ERR, P_PTY, P_CONSOLE, P_STDIN, P_TERM, P_INDST, P_LISTEN, P_CLIENT, P_N };

static void loop_fds(struct pollfd *p)
{
	int can_take = shim.pend_len == 0 && shim.in_dst >= 0;
	p[P_SIG] = (struct pollfd){ shim.sig_fd, POLLIN, 0 };
	p[P_OUT] = (struct pollfd){ shim_out.fd, POLLIN, 0 };
	p[P_ERR] = (struct pollfd){ shim_err.fd, POLLIN, 0 };
	p[P_PTY] = (struct pollfd){ shim_pty.fd, POLLIN, 0 };
	p[P_CONSOLE] = (struct pollfd){ shim.console, POLLIN, 0 };
	p[P_STDIN] = (struct pollfd){ can_take ? shim.in_src : -1, POLLIN, 0 };
	p[P_TERM] = (struct pollfd){ shim.term_fd, 0, 0 }; /* POLLHUP: hung up */
	p[P_INDST] = (struct pollfd){ shim.pend_len > 0 ? shim.in_dst : -1, POLLOUT, 0 };
	p[P_LISTEN] = (struct pollfd){ shim.listen_fd, POLLIN, 0 };
	p[P_CLIENT] = (struct pollfd){ shim.client >= 0 && shim.clen < sizeof(shim.cbuf) ? shim.client : -1, POLLIN, 0 };
}

/* An event is handled only if its fd is still the one polled. */
static int ready(const struct pollfd *p, int i, int fd)
{
	return p[i].fd >= 0 && p[i].fd == fd && p[i].revents != 0;
}

static void loop_once(void)
{
	struct pollfd p[P_N];
	loop_fds(p);
	if (poll(p, P_N, -1) < 0) {
		if (errno == EINTR)
			return;
		FATAL_ERRNO("poll");
	}
	if (ready(p, P_SIG, shim.sig_fd))
		signals_read();
	if (ready(p, P_OUT, shim_out.fd))
		stream_read(&shim_out);
	if (ready(p, P_ERR, shim_err.fd))
		stream_read(&shim_err);
	if (ready(p, P_PTY, shim_pty.fd))
		stream_read(&shim_pty);
	if (ready(p, P_CONSOLE, shim.console))
		console_receive();
	if (ready(p, P_INDST, shim.in_dst))
		input_flush();
	if (ready(p, P_STDIN, shim.in_src))
		stdin_read();
	if (ready(p, P_TERM, shim.term_fd))
		term_hangup();
	if (ready(p, P_LISTEN, shim.listen_fd))
		client_accept();
	if (ready(p, P_CLIENT, shim.client))
		client_read();
	if (shim.client >= 0 && shim.clen > 0 && shim.pend_len == 0)
		client_frames();
}

/* PROG is reaped: finish the log, then record the exit for ctr.sh, then tell
 * the client, then hand the terminal back. */
static int finish(void)
{
	char text[64];
	struct timespec now = { 0, 0 };
	unsigned char code = (unsigned char)shim.code;
	if (shim.console >= 0)
		console_receive();
	stream_drain(&shim_out);
	stream_drain(&shim_err);
	stream_drain(&shim_pty);
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		warn_errno("clock_gettime");
	snprintf(text, sizeof(text), "%d %lld %09ld\n", shim.code, (long long)now.tv_sec, now.tv_nsec);
	if (shim.exit_dir >= 0 && replace_file(shim.exit_dir, shim.exit_base, text) < 0)
		warn_errno("write %s", shim_opt.exit_file);
	client_send('x', &code, 1);
	client_drop();
	term_restore();
	return shim.code;
}

/* --restart, PROG to run again: a foreground shim leaves its caller, which
 * exits with PROG's first CODE (a `run` without -d returns it, as docker's);
 * the shim goes on as a daemon in a session of its own, as -d's, its output
 * only in the log (and to an attach client). */
void foreground_leave(int code)
{
	pid_t pid;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		warn_errno("fork (restart in the background)");
		return;
	}
	if (pid > 0)
		_exit(code);
	if (setsid() < 0)
		warn_errno("setsid");
	shim_opt.detach = 1;
	shim_out.echo = shim_err.echo = shim_pty.echo = -1;
	shim.term_fd = shim.in_src = -1;
	shim.raw.fd = -1;
	stdio_detach();
	if (shim_opt.pid_file)
		pid_file_write();
}

/* What the last run of PROG left, before the next: its console socket (a
 * pty never sent), its input pipe, its pending input. */
static void run_reset(void)
{
	shim.reaped = 0;
	shim.code = 0;
	shim.adopted = 0;
	sigemptyset(&shim.deferred);
	shim.hung_up = 0;
	close_fd(&shim.console);
	if (shim.in_dst >= 0 && shim.in_dst != shim.master)
		close(shim.in_dst);
	shim.in_dst = -1;
	shim.in_eof = 0;
	shim.pend_off = shim.pend_len = 0;
}

/* Start PROG (again): its fds, fork and exec, then (--ready-fd) wait until
 * it runs. Returns 0, or 126/127 when it could not be exec'd. */
static int prog_run(void)
{
	struct child_fds c;
	int code;
	child_fds_make(&c);
	code = prog_start(&c);
	shim_cgroup_join();
	if (code == 0 && shim.prog_ready >= 0)
		prog_ready_wait();
	close_fd(&shim.prog_ready);
	return code;
}

/* Run PROG under supervision (shim_opt filled); returns PROG's exit code. */
int shim_run(void)
{
	int code;
	/* the caller's fds are not ours to hold, nor PROG's to inherit, but
	 * --pass-fd's (held for good, close-on-exec: child_exec gives it to PROG),
	 * --exited-fd's and --exited-lock's (kept from PROG) */
	int keep[] = { shim_opt.pass_fd, shim_opt.exited_fd, shim_opt.exited_lock };
	if (fds_close_except(keep, 3) < 0)
		die_errno("close the caller's fds");
	if (shim_opt.pass_fd >= 0 && fcntl(shim_opt.pass_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--pass-fd %d", shim_opt.pass_fd);
	if (shim_opt.exited_fd >= 0 && fcntl(shim_opt.exited_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--exited-fd %d", shim_opt.exited_fd);
	if (shim_opt.exited_lock >= 0 && fcntl(shim_opt.exited_lock, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--exited-lock %d", shim_opt.exited_lock);
	std_fds_open();
	shim_cgroup_open();
	log_open();
	if (shim_opt.exit_file)
		shim.exit_dir = parent_dir(shim_opt.exit_file, &shim.exit_base);
	if (shim_opt.detach)
		daemonize();
	if (shim_opt.pid_file)
		pid_file_write();
	signals_block();
	if (shim_opt.sock)
		attach_listen();
	restart_init();
	if (!shim_opt.detach) {
		shim_out.echo = 1;
		shim_err.echo = 2;
	}
	code = prog_run();
	/* PROG hands PID 1 over (--container-pid-file): the caller hears once it is
	 * adopted (or PROG is gone), not when PID 1 runs: a verb run next finds PID 1
	 * the shim's child, its pid file read (a write to it meanwhile changes nothing) */
	while (shim_opt.detach && code == 0 && shim.adopting && !shim.reaped)
		loop_once();
	if (shim_opt.detach)
		ready_report(code);
	else if (shim_opt.tty)
		shim.term_fd = isatty(0) ? 0 : isatty(1) ? 1 : -1;
	for (;;) {
		while (!shim.reaped)
			loop_once();
		shim_cgroup_leave();
		code = finish();
		if (!restart_next(code))
			break;
		run_reset();
		prog_run();
		restart_running();
	}
	if (shim.sock_dir >= 0 && unlinkat(shim.sock_dir, shim.sock_base, 0) < 0)
		warn_errno("unlink %s", shim_opt.sock);
	if (!exited_handoff(code))
		exit_command_run();
	return code;
}
