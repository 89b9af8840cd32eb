/* console.h - the container's pty (console.c). */
#ifndef CTR_CONSOLE_H
#define CTR_CONSOLE_H

int console_open(int sock);
void console_attach(int slave);
void console_size(int pty, unsigned short rows, unsigned short cols);

#endif
