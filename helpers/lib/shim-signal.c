/* shim-signal.c - ctr-shim's signals. signals_block: before PROG runs, the
 * handled signals (those forwarded, SIGCHLD, SIGWINCH) are blocked, set back
 * to SIG_DFL and read from a signalfd (shim.sig_fd), so that they become
 * events of the poll loop (shim-loop.c) and never interrupt a write half-way;
 * SIGPIPE is ignored. signals_read: SIGCHLD reaps (child_reap), SIGWINCH
 * copies the terminal's size to the pty, SIGHUP is forwarded and then hangs
 * up the pty, the others are forwarded to PROG, or to the PID 1 it handed
 * over (--container-pid-file), held while PROG still starts it.
 */
#include "shim.h"
#include "error.h"

#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* A signal that arrives while its disposition is SIG_IGN is discarded, even
 * when blocked, so the signalfd would never see it: ctr.sh starts the shim as
 * a background job of dash, which ignores INT and QUIT there (and an ignored
 * SIGCHLD would reap PROG behind our back). Called once the signals are
 * blocked: from then on a default action can no longer kill the shim. */
static void signal_default(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (sigaction(sig, &sa, NULL) < 0)
		die_errno("sigaction %d", sig);
}

/* Block the handled signals and read them from a signalfd: they become
 * events of the poll loop and never interrupt a write half-way. */
void signals_block(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, &shim.old_mask) < 0)
		die_errno("sigprocmask");
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal_default(forwarded[i]);
	signal_default(SIGCHLD);
	signal_default(SIGWINCH);
	shim.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (shim.sig_fd < 0)
		die_errno("signalfd");
	/* a reader that goes away must cost an EPIPE, not the shim */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die_errno("signal SIGPIPE");
}

/* Pass a signal meant for the container on to PROG (nsenter-chroot passes it
 * to PID 1). One the terminal sent to the whole foreground process group
 * reached PROG already: forwarding it would deliver it twice; but an
 * adopted PID 1 is in a session of its own and gets it only from us.
 * While PROG starts the container it hands over (--container-pid-file),
 * the signal waits for PID 1 (PROG passes on those it got itself). */
static void signal_forward(const struct signalfd_siginfo *si)
{
	if ((si->ssi_code == SI_KERNEL && !shim.adopted) || shim.reaped)
		return;
	if (shim.adopting) {
		sigaddset(&shim.deferred, (int)si->ssi_signo);
		return;
	}
	if (kill(shim.child, (int)si->ssi_signo) < 0)
		warn_errno("kill %d", (int)shim.child);
}

/* SIGHUP with -t in the foreground: the user's terminal went away (the
 * kernel's hangup, or ctr.sh passing on its own): forward it as any other
 * signal, then hang up the pty. In that order: the hangup may end PROG's
 * foreground job and PROG with it before a signal sent after it arrives. */
static void signal_hup(const struct signalfd_siginfo *si)
{
	signal_forward(si);
	term_hangup();
}

/* The signalfd is readable: each signal read is handled. */
void signals_read(void)
{
	struct signalfd_siginfo si;
	while (read(shim.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			child_reap();
		else if (si.ssi_signo == SIGWINCH)
			winsize_from_tty();
		else if (si.ssi_signo == SIGHUP)
			signal_hup(&si);
		else
			signal_forward(&si);
	}
}
