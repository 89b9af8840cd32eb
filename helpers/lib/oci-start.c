/* oci-start.c - `start` (the startContainer hooks in the container's mount
 * namespace, then exec.fifo opened for reading: the blocked init goes on to
 * exec; the fifo removed; the poststart hooks) and `run` (create + start,
 * then wait for the init, our child, forwarding signals; then delete;
 * exits with its code), shared helpers of the verbs.
 */
#include "oci-cmd.h"
#include "oci-tty.h"
#include "fdio.h"
#include "oci-hooks.h"
#include "oci-json.h"
#include "oci.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* getopt_long over a verb's table; 1 per option (c, arg), 0 at the end,
 * -1 with e on a bad option. permute: options may follow the ID. */
int oci_getopt(const struct ctr_opt *t, bool permute, int argc, char **argv, int *c,
	       const char **arg, struct ctr_err *e)
{
	static struct ctr_getopt go;
	static const struct ctr_opt *built;
	if (built != t) {
		if (ctr_opt_build(t, &go) < 0)
			return ctr_fail(e, 0, "option table too long");
		built = t;
	}
	opterr = 0;
	*c = getopt_long(argc, argv, go.shortopts + (permute ? 1 : 0), go.longopts, NULL);
	*arg = optarg;
	if (*c == -1)
		return 0;
	if (*c == '?' || *c == ':')
		return ctr_misuse(e, "%s: bad option: %s", argv[0], argv[optind - 1]);
	return 1;
}

/* Between min and max operands after the options, the first an ID. */
int oci_one_id(int argc, char **argv, int min, int max, struct ctr_err *e)
{
	int n = argc - optind;
	if (n < min || n > max)
		return ctr_misuse(e, "%s: expected %s", argv[0], max > 1 ? "ID and more" : "ID");
	return oci_id_check(argv[optind], e);
}

/* exec.fifo: the init's byte says it goes on; the end of the fifo (its
 * write end is close-on-exec in the init) that the process runs, or that
 * the init died: start returns once the program runs, as runc's (which
 * reads the fifo to its end), so that a signal sent right after start
 * finds the program, not ctr-oci's code in the container. */
static int wait_fifo(struct oci_state *st, struct ctr_err *e)
{
	char path[PATH_MAX + 16], buf[64];
	bool told = false;
	snprintf(path, sizeof(path), "%s/exec.fifo", st->dir);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open %s", path);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (n < 0 && errno != EINTR) {
			close_fd(&fd);
			return ctr_fail_errno(e, "poll exec fifo");
		}
		/* before the init's byte, no writer yet reads as an end too */
		ssize_t got = n > 0 ? read(fd, buf, told ? sizeof(buf) : 1) : -1;
		if (got > 0)
			told = true;
		else if (got == 0 && told)
			break;
		else if (got < 0 && n > 0 && errno != EAGAIN && errno != EINTR) {
			close_fd(&fd);
			return ctr_fail_errno(e, "read exec fifo");
		}
		if (!told && !oci_alive(st)) {
			close_fd(&fd);
			return ctr_fail(e, 0, "container %s: its init ended before start", st->id);
		}
	}
	close_fd(&fd);
	if (unlink(path) < 0)
		return ctr_fail_errno(e, "remove %s", path);
	return 0;
}

/* The saved config, for its hooks. */
int oci_load_saved(const struct oci_state *st, struct oci_config *c, struct ctr_err *e)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", st->dir);
	bool quiet = oj_quiet;
	oj_quiet = true;  /* create warned of its unknown keys */
	int r = oci_config_file(c, path, st->bundle, e);
	oj_quiet = quiet;
	return r;
}

int oci_start_container(const struct oci_ctx *g, struct oci_state *st, struct ctr_err *e)
{
	static struct oci_config c;
	enum oci_status s = oci_status(st);
	if (s != OCI_CREATED)
		return ctr_fail(e, 0, "container %s is %s, not created", st->id, oci_status_names[s]);
	if (oci_load_saved(st, &c, e) < 0)
		return -1;
	char *state = oci_state_json(st, OCI_CREATED);
	int r = oci_hooks_run(&c, OCI_START_CONTAINER, state, st->pid, e);
	free(state);
	if (r == 0)
		r = wait_fifo(st, e);
	if (r == 0) {
		struct ctr_err w;
		state = oci_state_json(st, OCI_RUNNING);
		if (oci_hooks_run(&c, OCI_POSTSTART, state, st->pid, &w) < 0)
			oci_log(g, "warning", "%s", w.msg);
		free(state);
	}
	oci_config_free(&c);
	return r;
}

int oci_start(const struct oci_ctx *g, int argc, char **argv)
{
	static const struct ctr_opt none[] = { { NULL, 0, NULL, NULL } };
	struct ctr_err e;
	struct oci_state st;
	int c, r;
	const char *arg;
	while ((r = oci_getopt(none, true, argc, argv, &c, &arg, &e)) > 0)
		;
	if (r < 0 || oci_one_id(argc, argv, 1, 1, &e) < 0 ||
	    oci_state_load(g, argv[optind], &st, &e) < 0 || oci_start_container(g, &st, &e) < 0)
		return oci_fail(g, &e);
	return 0;
}

static pid_t run_pid;

static void forward(int sig)
{
	if (run_pid > 0)
		(void)kill(run_pid, sig);
}

static const struct ctr_opt run_opts[] = {
	{ "bundle", 'b', "DIR", "the bundle (default: the current directory)" },
	{ "pid-file", 'p', "FILE", "write the init's pid there" },
	{ "detach", 'd', NULL, "return once started" },
	{ NULL, 0, NULL, NULL },
};

/* Start, then wait for the process, relaying its pty if it has one. */
static int run_wait(const struct oci_ctx *g, struct oci_state *st, int master, bool detach,
		    int *status, struct ctr_err *e)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward };
	for (size_t i = 0; i < NELEM(sigs); i++)
		(void)sigaction(sigs[i], &sa, NULL);
	if (oci_start_container(g, st, e) < 0)
		return -1;
	if (detach)
		return 0;
	if (master >= 0)
		return oci_tty_relay(master, run_pid, status, e);
	while (waitpid(run_pid, status, 0) < 0)
		if (errno != EINTR)
			return ctr_fail_errno(e, "waitpid");
	return 0;
}

/* run: for humans. A process.terminal without --console-socket gets our
 * pty relay (oci-tty.c), unless --detach. */
int oci_run(const struct oci_ctx *g, int argc, char **argv)
{
	const char *bundle = ".", *pid_file = NULL, *arg;
	bool detach = false;
	struct ctr_err e;
	struct oci_state st;
	int c, r, status = 0, sp[2] = { -1, -1 }, master = -1;
	while ((r = oci_getopt(run_opts, true, argc, argv, &c, &arg, &e)) > 0) {
		if (c == 'b')
			bundle = arg;
		else if (c == 'p')
			pid_file = arg;
		else if (c == 'd')
			detach = true;
	}
	if (r < 0 || oci_one_id(argc, argv, 1, 1, &e) < 0 || (!detach && oci_tty_pair(sp, &e) < 0))
		return oci_fail(g, &e);
	run_pid = oci_create_container(g, argv[optind], bundle, NULL, sp[1], pid_file, &st, &e);
	if (run_pid < 0) {  /* create undid it all */
		close_fd(&sp[0]);
		return oci_fail(g, &e);
	}
	r = sp[0] < 0 ? 0 : (master = oci_tty_master(sp[0], &e)) == -1 ? -1 : 0;
	close_fd(&sp[0]);
	if (r == 0)
		r = run_wait(g, &st, master < 0 ? -1 : master, detach, &status, &e);
	if (master >= 0)
		close_fd(&master);
	if (r < 0)
		oci_fail(g, &e);
	if ((r < 0 || !detach) && oci_destroy(g, &st, true, &e) < 0)
		oci_fail(g, &e);
	return r < 0 ? 1 : detach ? 0 : ctr_status_code(status);
}
