/* frame.h - the attach protocol's frame codec (frame.c). */
#ifndef CTR_FRAME_H
#define CTR_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HDR 3         /* [type][length: 2 bytes big-endian] */
#define FRAME_MAX 4096      /* largest payload a client may send */
#define FRAME_LIMIT 65535   /* largest payload the header can say */

struct frame {
	int type;
	const unsigned char *data;
	size_t len;
};

void frame_header(unsigned char h[FRAME_HDR], char type, size_t len);
int frame_next(const unsigned char *buf, size_t len, size_t max, struct frame *f);
void frame_winsize_put(unsigned char p[4], unsigned short rows, unsigned short cols);
int frame_winsize_get(const struct frame *f, unsigned short *rows, unsigned short *cols);

#endif
