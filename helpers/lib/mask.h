/* mask.h - the masked paths of a container's mount list (mask.c). */
#ifndef CTR_MASK_H
#define CTR_MASK_H

#include "spec.h"

/* One start's masking: the masked directories' mount (-1 until the first),
 * the /dev tmpfs this start mounted (-1: none), and the name of the empty
 * directory made there for them ("": none). */
struct mask_state {
	int mask, dev;
	char dir[40];
};

void mask_init(struct mask_state *st);
void mask_note_dev(struct mask_state *st, int root, const struct ctr_mount *m);
void mask_mount(struct mask_state *st, int root, int t, const char *dst);
void mask_finish(struct mask_state *st);

#endif
