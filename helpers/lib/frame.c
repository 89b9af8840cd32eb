/* frame.c - the attach protocol between ctr-shim and ctr-attach (unix stream
 * socket, both ways): frames [type: 1 byte][payload length: 2 bytes
 * big-endian][payload]. Entry points: frame_header (encode), frame_next
 * (decode the first frame of a buffer), frame_winsize_put/get (the 'w'
 * payload: rows, cols as 2-byte big-endian numbers). Pure functions: the
 * I/O stays with the callers (the shim never blocks on a client).
 */
#include "frame.h"

void frame_header(unsigned char h[FRAME_HDR], char type, size_t len)
{
	h[0] = (unsigned char)type;
	h[1] = (unsigned char)(len >> 8);
	h[2] = (unsigned char)len;
}

/* The first frame of buf: 1 and *f when it is complete, 0 when more bytes
 * are needed, -1 when its length is above max (the peer is broken). */
int frame_next(const unsigned char *buf, size_t len, size_t max, struct frame *f)
{
	if (len < FRAME_HDR)
		return 0;
	size_t plen = (size_t)buf[1] << 8 | buf[2];
	if (plen > max)
		return -1;
	if (len - FRAME_HDR < plen)
		return 0;
	f->type = buf[0];
	f->data = buf + FRAME_HDR;
	f->len = plen;
	return 1;
}

void frame_winsize_put(unsigned char p[4], unsigned short rows, unsigned short cols)
{
	p[0] = (unsigned char)(rows >> 8);
	p[1] = (unsigned char)rows;
	p[2] = (unsigned char)(cols >> 8);
	p[3] = (unsigned char)cols;
}

/* 0 and the size from a 'w' frame's payload; -1 if it is not 4 bytes. */
int frame_winsize_get(const struct frame *f, unsigned short *rows, unsigned short *cols)
{
	if (f->len != 4)
		return -1;
	*rows = (unsigned short)(f->data[0] << 8 | f->data[1]);
	*cols = (unsigned short)(f->data[2] << 8 | f->data[3]);
	return 0;
}
