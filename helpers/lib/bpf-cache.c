/* bpf-cache.c - compiled seccomp filters kept between runs. libseccomp takes
 * ~2 ms to build the default allowlist, the kernel ~0.1 ms to load it raw:
 * the parent keeps what it built in a root-only directory (bpf_cache_dir:
 * root's, 0700, created so), one file per key (bpf_cache_key: the binary's
 * build ID, the filter's argument, the kernel and libseccomp, so a rebuilt
 * helper or another kernel never reads an old filter), and trusts a file only
 * if it is a regular root-owned 0600 file there, of the exact size its header
 * says, whose checksum covers its key (a file renamed to another key is
 * refused). Anything else is a miss: the caller builds the filter again and
 * bpf_cache_put replaces the entry (written whole, then renamed; the oldest
 * beyond BPF_CACHE_KEEP go). Entry points: bpf_cache_key, bpf_cache_dir,
 * bpf_cache_get, bpf_cache_put (bpf_cache_prune).
 */
#include "bpf-cache.h"
#include "fdio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define BPF_CACHE_MAGIC "ctrbpf1\n"

struct bpf_cache_hdr {
	char magic[8];
	uint32_t n[BPF_CACHE_NPROG];
	uint64_t sum;   /* FNV-1a of the key, n[] and the instructions */
};

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < len; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static uint64_t entry_sum(const char *key, const struct ctr_bpf *prog)
{
	uint64_t h = fnv(FNV_INIT, key, strlen(key) + 1);
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++)
		h = fnv(h, &prog[i].n, sizeof(prog[i].n));
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++)
		h = fnv(h, prog[i].insn, prog[i].n * sizeof(*prog[i].insn));
	return h;
}

struct note_find { const unsigned char *id; size_t len; };

/* dl_iterate_phdr callback: the GNU build ID note of the main program (the
 * first object listed), in its loaded PT_NOTE segments. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct note_find *f = arg;
	(void)size;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const unsigned char *name = p + sizeof(*nh);
			const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
			if ((size_t)(end - desc) < nh->n_descsz)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
				f->id = desc;
				f->len = nh->n_descsz;
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1;  /* the main program only */
}

/* The name of the entry for filter what with argument arg (the capability
 * set...), built by this very binary with library version lib, for this
 * kernel. -1 without a build ID (no caching then). */
int bpf_cache_key(char *buf, size_t size, const char *what, uint64_t arg, const char *lib)
{
	struct note_find f = { NULL, 0 };
	struct utsname u;
	char hex[2 * 32 + 1];
	(void)dl_iterate_phdr(find_build_id, &f);
	if (!f.id || f.len == 0 || f.len > 32 || uname(&u) < 0)
		return -1;
	for (size_t i = 0; i < f.len; i++)
		snprintf(hex + 2 * i, 3, "%02x", f.id[i]);
	uint64_t sys = fnv(FNV_INIT, u.release, strlen(u.release) + 1);
	sys = fnv(sys, u.version, strlen(u.version) + 1);
	sys = fnv(sys, u.machine, strlen(u.machine) + 1);
	sys = fnv(sys, lib, strlen(lib) + 1);
	int n = snprintf(buf, size, "%s-%s-%016llx-%016llx.bpf", what, hex,
			 (unsigned long long)arg, (unsigned long long)sys);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The cache directory path (its parent must exist), made 0700 if missing;
 * an fd on it if it is root's directory and no one else's (else -1: no
 * cache). Only root caches: a rootless caller builds its filters each time. */
int bpf_cache_dir(const char *path)
{
	struct stat st;
	if (geteuid() != 0)
		return -1;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077))
		close_fd(&fd);
	return fd;
}

void bpf_free(struct ctr_bpf prog[BPF_CACHE_NPROG])
{
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++) {
		free(prog[i].insn);
		prog[i].insn = NULL;
		prog[i].n = 0;
	}
}

/* Read the entry of key into prog (malloc'd); 0, or -1 if there is none
 * that can be trusted (prog then empty). */
int bpf_cache_get(int dir, const char *key, struct ctr_bpf prog[BPF_CACHE_NPROG])
{
	struct bpf_cache_hdr h;
	struct stat st;
	size_t total = 0;
	memset(prog, 0, BPF_CACHE_NPROG * sizeof(*prog));
	/* O_NONBLOCK: a fifo put there would not hang us (it is refused below) */
	int fd = openat(dir, key, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) || st.st_nlink != 1 || read_full(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, BPF_CACHE_MAGIC, sizeof(h.magic)) != 0)
		goto bad;
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++) {
		if (h.n[i] < 1 || h.n[i] > BPF_MAXINSNS)
			goto bad;
		total += h.n[i];
	}
	if ((uint64_t)st.st_size != sizeof(h) + total * sizeof(struct sock_filter))
		goto bad;
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++) {
		size_t len = h.n[i] * sizeof(struct sock_filter);
		prog[i].n = h.n[i];
		prog[i].insn = malloc(len);
		if (!prog[i].insn || read_full(fd, prog[i].insn, len) != (ssize_t)len)
			goto bad;
	}
	if (entry_sum(key, prog) != h.sum)
		goto bad;
	close_fd(&fd);
	return 0;
bad:
	close_fd(&fd);
	bpf_free(prog);
	return -1;
}

struct entry { struct timespec mtime; char name[256]; };

static int older(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	return (x->mtime.tv_nsec > y->mtime.tv_nsec) - (x->mtime.tv_nsec < y->mtime.tv_nsec);
}

/* Keep at most keep entries (*.bpf) in dir, removing the oldest (each build
 * of the helper brings its own: a developer's rebuilds would pile up).
 * Best effort. */
void bpf_cache_prune(int dir, size_t keep)
{
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	struct stat st;
	int fd = dup(dir);
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dp) {
		close_fd(&fd);
		return;
	}
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		if (len < 5 || len >= sizeof(e->name) || strcmp(d->d_name + len - 4, ".bpf") != 0 ||
		    fstatat(dir, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == cap) {
			struct entry *more = realloc(e, (cap = cap ? 2 * cap : 64) * sizeof(*e));
			if (!more)
				break;
			e = more;
		}
		e[n].mtime = st.st_mtim;
		memcpy(e[n++].name, d->d_name, len + 1);
	}
	closedir(dp);
	if (n > keep) {
		qsort(e, n, sizeof(*e), older);
		for (size_t i = 0; i < n - keep; i++)
			(void)unlinkat(dir, e[i].name, 0);
	}
	free(e);
}

/* Store prog as the entry of key: written to a new 0600 file, then renamed
 * over the old one (a reader sees either whole), the oldest entries beyond
 * BPF_CACHE_KEEP removed. Best effort: a failure leaves no entry, and the
 * next run builds the filter again. */
void bpf_cache_put(int dir, const char *key, const struct ctr_bpf prog[BPF_CACHE_NPROG])
{
	struct bpf_cache_hdr h;
	char tmp[512];
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, BPF_CACHE_MAGIC, sizeof(h.magic));
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++)
		h.n[i] = prog[i].n;
	h.sum = entry_sum(key, prog);
	if (snprintf(tmp, sizeof(tmp), ".%s.%ld", key, (long)getpid()) >= (int)sizeof(tmp))
		return;
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int bad = write_all(fd, &h, sizeof(h)) < 0;
	for (size_t i = 0; i < BPF_CACHE_NPROG && !bad; i++)
		bad = write_all(fd, prog[i].insn, prog[i].n * sizeof(*prog[i].insn)) < 0;
	if (close(fd) < 0 || bad || renameat(dir, tmp, dir, key) < 0)
		(void)unlinkat(dir, tmp, 0);
	else
		bpf_cache_prune(dir, BPF_CACHE_KEEP);
}
