/* tty.h - the user's terminal in raw mode and back (tty.c). */
#ifndef CTR_TTY_H
#define CTR_TTY_H

#include <termios.h>

struct ctr_tty {
	int fd;                 /* the terminal made raw, -1 none */
	struct termios saved;
};

int tty_raw(struct ctr_tty *t, int fd);
int tty_restore(struct ctr_tty *t);
int tty_gone(int fd);

#endif
