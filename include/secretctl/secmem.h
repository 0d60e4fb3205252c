/* secmem: buffers for keys, passphrases and plaintext in sodium_malloc'd
 * memory (guard pages, mlock'ed where possible, zeroed on free). Buffers
 * up to 2 KiB share one 8 KiB such region (a pool: no system call per buffer);
 * larger ones get their own. Not thread-safe. */
#ifndef SECRETCTL_SECMEM_H
#define SECRETCTL_SECMEM_H

#include <stddef.h>
#include <sys/resource.h>

/* A growable byte buffer. p is always NUL-terminated past len (when not
 * NULL), so text can be used as a C string. A zeroed struct is empty. */
struct secmem {
	unsigned char *p;
	size_t len;
	size_t cap;
};

/* sodium_init(); returns 0 or -1. Safe to call more than once. */
int secmem_init(void);
/* Process hardening: RLIMIT_CORE 0 and, unless traceable (sanitizer
 * builds, whose leak checker traces the process), PR_SET_DUMPABLE 0.
 * With keep, the limit as it was is saved there and only the soft limit
 * is lowered, so that it can be given back to a program this process
 * execs (the hard limit cannot be raised again). Returns 0 or -errno. */
int secmem_harden_process(int traceable, struct rlimit *keep);

/* Make room for at least cap bytes (+1 for the NUL). 0 or -1 (ENOMEM). */
int secmem_reserve(struct secmem *m, size_t cap);
int secmem_append(struct secmem *m, const void *data, size_t n);
/* Zero the content, keep the allocation. */
void secmem_clear(struct secmem *m);
/* Free (zeroing) and reset to empty. */
void secmem_free(struct secmem *m);

/* Single allocations of fixed-size secrets (keys). NULL on ENOMEM.
 * secmem_alloc returns zeroed memory. secmem_release(NULL) is a no-op. */
void *secmem_alloc(size_t n);
void secmem_release(void *p);

/* Bytes of pool blocks in use (for tests: 0 once everything is freed). */
size_t secmem_pool_used(void);

/* Constant-time comparison of two equal-length byte strings: 0 if equal. */
int secmem_equal(const void *a, const void *b, size_t n);

#endif
