/* bpf-cache.h - compiled seccomp filters kept between runs (bpf-cache.c). */
#ifndef CTR_BPF_CACHE_H
#define CTR_BPF_CACHE_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* One classic BPF program as seccomp(2) takes it. */
struct ctr_bpf {
	uint32_t n;                  /* instructions, 1..BPF_MAXINSNS */
	struct sock_filter *insn;    /* malloc'd */
};

#define BPF_CACHE_NPROG 2            /* programs per entry, loaded in order */
#define BPF_CACHE_KEEP 256           /* entries kept (~3 KiB each), the newest */

int bpf_cache_key(char *buf, size_t size, const char *what, uint64_t arg, const char *lib);
int bpf_cache_dir(const char *path);
int bpf_cache_get(int dir, const char *key, struct ctr_bpf prog[BPF_CACHE_NPROG]);
void bpf_cache_put(int dir, const char *key, const struct ctr_bpf prog[BPF_CACHE_NPROG]);
void bpf_cache_prune(int dir, size_t keep);
void bpf_free(struct ctr_bpf prog[BPF_CACHE_NPROG]);

#endif
