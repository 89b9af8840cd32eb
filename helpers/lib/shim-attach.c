/* shim-attach.c - ctr-shim's attach socket (-d --attach-socket PATH): a
 * unix socket only root can open (0600), one client at a time (a second gets
 * 'b' and is closed), frames of lib/frame.c. The client's socket is
 * non-blocking: one that stops reading is dropped, never waited for.
 * attach_listen runs before PROG starts (dies); the rest from the poll loop.
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* ---------------------------------------------------------------- attach client */

static int frame_send(int fd, char type, const void *data, size_t len)
{
	unsigned char h[FRAME_HDR];
	struct iovec iov[2] = { { h, FRAME_HDR }, { (void *)data, len } };
	frame_header(h, type, len);
	ssize_t n = writev(fd, iov, 2);
	return n == (ssize_t)(FRAME_HDR + len) ? 0 : -1;
}

void client_drop(void)
{
	close_fd(&shim.client);
	shim.clen = 0;
}

/* The client's socket is non-blocking: one that stops reading is dropped
 * rather than allowed to stop the container's output. */
void client_send(char type, const void *data, size_t len)
{
	if (shim.client >= 0 && frame_send(shim.client, type, data, len) < 0)
		client_drop();
}

void client_accept(void)
{
	unsigned char hello = (unsigned char)((shim_opt.tty ? 1 : 0) | (shim_opt.interactive ? 2 : 0));
	int fd = accept4(shim.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (shim.client >= 0) {
		if (frame_send(fd, 'b', NULL, 0) < 0)
			warn_errno("attach: busy reply");
		close(fd);
		return;
	}
	shim.client = fd;
	shim.clen = 0;
	client_send('h', &hello, 1);
}

static void client_frame(const struct frame *f)
{
	switch (f->type) {
	case 'i':
		if (shim_opt.interactive)
			input_take(f->data, f->len);
		break;
	case 'c':
		if (!shim_opt.tty) {
			shim.in_eof = 1;
			input_flush();
		}
		break;
	case 'w':
		if (frame_winsize_get(f, &shim.ws.ws_row, &shim.ws.ws_col) < 0)
			break;
		shim.have_ws = 1;
		winsize_apply();
		break;
	default:
		break;
	}
}

/* Handle the complete frames in the client buffer; an input frame waits
 * while earlier input is still pending. */
void client_frames(void)
{
	size_t off = 0;
	struct frame f;
	int r;
	while ((r = frame_next(shim.cbuf + off, shim.clen - off, FRAME_MAX, &f)) != 0) {
		if (r < 0) {
			client_drop();
			return;
		}
		if (f.type == 'i' && shim.pend_len > 0)
			break;
		client_frame(&f);
		off += FRAME_HDR + f.len;
	}
	memmove(shim.cbuf, shim.cbuf + off, shim.clen - off);
	shim.clen -= off;
}

void client_read(void)
{
	ssize_t n = read(shim.client, shim.cbuf + shim.clen, sizeof(shim.cbuf) - shim.clen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_drop();
		return;
	}
	shim.clen += (size_t)n;
	client_frames();
}


/* A unix socket only root can open (0600), so `ctr attach` can reach a
 * detached container's terminal or stdin later. */
void attach_listen(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = strlen(shim_opt.sock);
	struct stat st;
	mode_t old;
	int r;
	if (len >= sizeof(a.sun_path))
		die("%s: socket path too long", shim_opt.sock);
	memcpy(a.sun_path, shim_opt.sock, len + 1);
	shim.sock_dir = parent_dir(shim_opt.sock, &shim.sock_base);
	/* a socket left by a shim that was killed: only that is replaced */
	if (lstat(shim_opt.sock, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(shim_opt.sock) < 0)
		die_errno("unlink %s", shim_opt.sock);
	shim.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (shim.listen_fd < 0)
		die_errno("socket");
	old = umask(0177);
	r = bind(shim.listen_fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0)
		die_errno("bind %s", shim_opt.sock);
	if (listen(shim.listen_fd, 4) < 0)
		die_errno("listen %s", shim_opt.sock);
}

