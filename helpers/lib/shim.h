/* shim.h - ctr-shim's supervisor: its state and its parts (shim-*.c). One
 * supervisor per process: the state is the global `shim`, its options
 * `shim_opt` (filled by ctr-shim.c's main). */
#ifndef CTR_SHIM_H
#define CTR_SHIM_H

#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include "frame.h"
#include "tty.h"

#define LINE_CAP  16384 /* longest log record text; longer lines are cut (P) */
#define DRAIN_MAX 64    /* reads per stream once PROG is gone */

/* One output stream of PROG (stdout pipe, stderr pipe or pty master). */
struct stream {
	int fd;            /* non-blocking read end, -1 once closed */
	const char *name;  /* "stdout" or "stderr" in the log */
	char frame;        /* attach frame type: 'o' or 'e' */
	int echo;          /* shim fd that gets a live copy, -1 none */
	size_t len;        /* bytes of an unfinished line in buf */
	char buf[LINE_CAP];
};

/* PROG's ends of its stdio pipes, console socket and ready pipe (-1: none). */
struct child_fds {
	int in, out, err, console, ready;
};

/* What PROG's child process reports when it could not exec. */
struct exec_error {
	int step; /* 0 exec, 1 fd setup before exec */
	int err;
};

struct shim_opts {
	int detach, interactive, tty;
	int ready_fd;               /* --ready-fd N, -1 none */
	int pass_fd;                /* --pass-fd N, -1 none */
	int exited_fd;              /* --exited-fd N: the caller's answer, -1 none */
	int exited_lock;            /* --exited-lock L: the caller's lock file, -1 none */
	const char *log, *exit_file, *pid_file, *sock;
	unsigned long log_max;      /* --log-max-size: bytes, 0 no cap */
	char **exit_argv;           /* --exit-command PATH, then each --exit-command-arg; NULL none */
	const char *exit_cancel;    /* --exit-command-cancel FILE, NULL none */
	int restart;                /* --restart: enum restart_policy */
	unsigned long restart_max;  /* on-failure:N, 0 no maximum */
	const char *restart_file, *restart_cancel;
	char **exit_envp;           /* its environment: PATH=..., then each --exit-command-env */
	const char *container_pid_file;  /* PROG hands its PID 1 over (nsenter-chroot --detach) */
	char **argv;
};

/* --restart POLICY, docker's policies */
enum restart_policy { RESTART_NO, RESTART_ALWAYS, RESTART_UNLESS_STOPPED, RESTART_ON_FAILURE };

struct shim_state {
	int log_fd, log_failed;
	int log_dir;                /* --log-max-size: the log's directory, -1 none */
	const char *log_base;
	unsigned long log_size;     /* bytes in the log (for --log-max-size) */
	int log_rotate_failed;
	int exit_dir;               /* the exit file's directory (dirfd), -1 none */
	const char *exit_base;
	int sock_dir;
	const char *sock_base;
	int ready_fd;               /* -d: pipe to the waiting caller */
	int prog_ready;             /* --ready-fd: our read end of PROG's */
	sigset_t old_mask;          /* the caller's mask, for PROG */
	int sig_fd;
	pid_t child;                /* PROG, or once adopted the container's first process */
	int adopting;               /* --container-pid-file: PROG runs, PID 1 not yet ours */
	int adopted;                /* shim.child is the container's PID 1 (own session) */
	sigset_t deferred;          /* signals for PID 1 that came while adopting */
	int reaped, code;
	int console;                /* our end of the console socketpair */
	int master;                 /* pty master, -1 until received */
	struct ctr_tty raw;         /* user terminal in raw mode (fd -1: none) */
	int term_fd;                /* foreground -t: the user's terminal (fd 0
	                               or 1), whose size the pty follows and
	                               whose hangup hangs the pty up */
	int hung_up;                /* the pty is (to be) hung up */
	struct winsize ws;
	int have_ws;
	int in_src, in_dst, in_eof; /* input relay: fd 0 -> master or stdin pipe */
	char pend[FRAME_MAX];
	size_t pend_off, pend_len;
	int listen_fd, client;
	unsigned char cbuf[FRAME_HDR + FRAME_MAX];
	size_t clen;
};

extern struct shim_opts shim_opt;
extern struct shim_state shim;
extern struct stream shim_out, shim_err, shim_pty;

/* shim-loop.c: the supervisor, in order (ctr-shim.c's main calls it) */
int shim_run(void);
void foreground_leave(int code);
void pipe_open(int p[2]);
void nonblock(int fd);
int parent_dir(const char *path, const char **base);
void stdio_detach(void);

/* shim-signal.c: the handled signals, through a signalfd */
void signals_block(void);
void signals_read(void);

/* shim-log.c: the CRI log */
void log_open(void);
void log_record(const char *stream, char tag, const char *text, size_t len);
void log_lines(struct stream *s);
size_t log_timestamp(char *buf, size_t cap);

/* shim-relay.c: PROG's output, input, pty and the user's terminal */
__attribute__((format(printf, 1, 2)))
void warn_errno(const char *fmt, ...);
void term_restore(void);
void term_hangup(void);
void winsize_apply(void);
void winsize_from_tty(void);
void input_take(const void *data, size_t len);
void input_flush(void);
void stdin_read(void);
ssize_t stream_read(struct stream *s);
void stream_drain(struct stream *s);
void console_receive(void);

/* shim-attach.c: the attach socket's one client */
void attach_listen(void);
void client_accept(void);
void client_send(char type, const void *data, size_t len);
void client_drop(void);
void client_read(void);
void client_frames(void);

/* shim-exit.c: --exit-command, once PROG is reaped and its exit recorded */
void exit_command_run(void);

/* shim-exited.c: --exited-fd, the exit action handed to the caller */
int exited_handoff(int code);

/* shim-restart.c: --restart, once PROG is reaped and its exit recorded */
int restart_parse(const char *arg);
void restart_init(void);
int restart_next(int code);
void restart_running(void);

/* shim-cgroup.c: --cgroup, the shim's CPU in the container's v1 groups */
int shim_cgroup_add(const char *dir);
void shim_cgroup_open(void);
void shim_cgroup_join(void);
void shim_cgroup_leave(void);

/* shim-prog.c: PROG's process */
void child_fds_make(struct child_fds *c);
int prog_start(struct child_fds *c);
void child_reap(void);

#endif
