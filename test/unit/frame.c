/* Unit tests of lib/frame.c: the attach protocol's frame codec. */
#include "tap.h"
#include "frame.h"

int main(void)
{
	unsigned char buf[64];
	struct frame f;
	unsigned short rows = 0, cols = 0;

	frame_header(buf, 'o', 0x1234);
	ok(buf[0] == 'o' && buf[1] == 0x12 && buf[2] == 0x34, "header: type, length big-endian");

	frame_header(buf, 'i', 3);
	memcpy(buf + 3, "abc", 3);
	frame_header(buf + 6, 'c', 0);
	ok(frame_next(buf, 2, FRAME_MAX, &f) == 0, "a partial header needs more bytes");
	ok(frame_next(buf, 5, FRAME_MAX, &f) == 0, "a partial payload needs more bytes");
	ok(frame_next(buf, 9, FRAME_MAX, &f) == 1 && f.type == 'i' && f.len == 3 &&
	   memcmp(f.data, "abc", 3) == 0, "a complete frame decodes");
	ok(frame_next(buf + 6, 3, FRAME_MAX, &f) == 1 && f.type == 'c' && f.len == 0,
	   "the next frame, empty payload");

	frame_header(buf, 'i', FRAME_MAX + 1);
	ok(frame_next(buf, 3, FRAME_MAX, &f) == -1, "a length above the limit is refused");
	ok(frame_next(buf, 3, FRAME_LIMIT, &f) == 0, "the same length within a larger limit waits");

	frame_header(buf, 'w', 4);
	frame_winsize_put(buf + 3, 300, 1000);
	ok(frame_next(buf, 7, FRAME_MAX, &f) == 1 && frame_winsize_get(&f, &rows, &cols) == 0 &&
	   rows == 300 && cols == 1000, "window size round trip (300x1000)");
	f.len = 3;
	ok(frame_winsize_get(&f, &rows, &cols) == -1, "a window size frame of 3 bytes is refused");
	return tap_done();
}
