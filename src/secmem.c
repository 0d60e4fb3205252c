#include "secretctl/secmem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

/* Memcheck is told about pool blocks as if they were heap blocks, so
 * `make valgrind` still sees overruns, use after free and leaks in them.
 * Without the header (a build machine without valgrind) these are no-ops. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define SECMEM_MEMCHECK 1
#endif
#endif
#ifndef SECMEM_MEMCHECK
#define VALGRIND_MALLOCLIKE_BLOCK(p, n, rz, z) ((void)0)
#define VALGRIND_FREELIKE_BLOCK(p, rz) ((void)0)
#define VALGRIND_MAKE_MEM_NOACCESS(p, n) ((void)0)
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)0)
#endif

/* ASan builds give every buffer its own sodium_malloc, so ASan and the
 * guard pages see each one. */
#if defined(__SANITIZE_ADDRESS__)
#define SECMEM_NO_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECMEM_NO_POOL 1
#endif
#endif

/* The pool. sodium_malloc costs 5 system calls (mmap, 2 mprotect, mlock,
 * madvise) and sodium_free 4 more: about 20 us a pair here, 0.2 ms of an
 * `extract` that needs ten of them. Small buffers are carved instead from
 * one sodium_malloc'ed region (guard pages around it, mlock'ed, out of
 * core dumps), with the bookkeeping outside it, so an overrun cannot
 * corrupt the allocator. A block is zeroed when freed (so freed space is
 * zero) and when first handed out. Larger buffers, and any request the
 * pool cannot serve, get their own sodium_malloc as before. `extract`
 * needs about 600 bytes of it: 8 KiB keeps the pages the kernel must
 * populate for mlock few. Not thread-safe: secretctl has one thread that
 * touches secrets. */
#define POOL_SIZE (8u * 1024)
#define POOL_MAX (2u * 1024)
#define POOL_BLOCKS 64u
#define POOL_ALIGN 16u

struct pool_block {
	uint32_t off, size;
	int used;
};

static unsigned char *pool;
static int pool_failed;
static struct pool_block blocks[POOL_BLOCKS]; /* address order, covering [0, pool_top) */
static size_t n_blocks, pool_top;

static void block_remove(size_t i)
{
	memmove(blocks + i, blocks + i + 1, (n_blocks - i - 1) * sizeof *blocks);
	n_blocks--;
}

static void *pool_alloc(size_t n)
{
	size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1), i;
	unsigned char *p = NULL;

#ifdef SECMEM_NO_POOL
	return NULL;
#endif
	if (n == 0 || n > POOL_MAX || pool_failed)
		return NULL;
	if (!pool) {
		pool = sodium_malloc(POOL_SIZE);
		if (!pool) {
			pool_failed = 1;
			return NULL;
		}
		VALGRIND_MAKE_MEM_NOACCESS(pool, POOL_SIZE);
	}
	for (i = 0; i < n_blocks && !p; i++) {
		if (blocks[i].used || blocks[i].size < need)
			continue;
		if (blocks[i].size > need && n_blocks < POOL_BLOCKS) {
			memmove(blocks + i + 2, blocks + i + 1, (n_blocks - i - 1) * sizeof *blocks);
			blocks[i + 1] = (struct pool_block){ blocks[i].off + (uint32_t)need,
							     blocks[i].size - (uint32_t)need, 0 };
			blocks[i].size = (uint32_t)need;
			n_blocks++;
		}
		blocks[i].used = 1;
		p = pool + blocks[i].off;
	}
	if (!p) {
		if (pool_top + need > POOL_SIZE || n_blocks == POOL_BLOCKS)
			return NULL;
		blocks[n_blocks++] = (struct pool_block){ (uint32_t)pool_top, (uint32_t)need, 1 };
		p = pool + pool_top;
		pool_top += need;
		VALGRIND_MAKE_MEM_UNDEFINED(p, need);
		memset(p, 0, need); /* never used: sodium_malloc's fill */
		VALGRIND_MAKE_MEM_NOACCESS(p, need);
	}
	VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, 1);
	return p;
}

/* 0 when p was a pool block (now zeroed and free), -1 when not the pool's. */
static int pool_free(void *ptr)
{
	unsigned char *p = ptr;
	size_t i, off;

	if (!pool || p < pool || p >= pool + POOL_SIZE)
		return -1;
	off = (size_t)(p - pool);
	for (i = 0; i < n_blocks && blocks[i].off != off; i++)
		;
	if (i == n_blocks || !blocks[i].used)
		abort(); /* not a block, or freed twice */
	VALGRIND_FREELIKE_BLOCK(p, 0);
	VALGRIND_MAKE_MEM_UNDEFINED(p, blocks[i].size);
	sodium_memzero(p, blocks[i].size);
	VALGRIND_MAKE_MEM_NOACCESS(p, blocks[i].size);
	blocks[i].used = 0;
	if (i + 1 < n_blocks && !blocks[i + 1].used) {
		blocks[i].size += blocks[i + 1].size;
		block_remove(i + 1);
	}
	if (i > 0 && !blocks[i - 1].used) {
		blocks[i - 1].size += blocks[i].size;
		block_remove(i);
		i--;
	}
	if (i + 1 == n_blocks) { /* free space at the top goes back to it */
		pool_top = blocks[i].off;
		n_blocks--;
	}
	return 0;
}

static void *sec_malloc(size_t n)
{
	void *p = pool_alloc(n);

	if (p)
		return p;
	p = sodium_malloc(n ? n : 1);
	if (p)
		sodium_memzero(p, n ? n : 1);
	return p;
}

static void sec_free(void *p)
{
	if (p && pool_free(p) != 0)
		sodium_free(p); /* zeroes before unmapping */
}

size_t secmem_pool_used(void)
{
	size_t used = 0;

	for (size_t i = 0; i < n_blocks; i++)
		used += blocks[i].used ? blocks[i].size : 0;
	return used;
}

int secmem_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int secmem_harden_process(int traceable, struct rlimit *keep)
{
	struct rlimit rl = { 0, 0 };

	if (keep) {
		if (getrlimit(RLIMIT_CORE, keep) != 0)
			return -errno;
		rl.rlim_max = keep->rlim_max;
	}
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return -errno;
	if (!traceable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -errno;
	return 0;
}

int secmem_reserve(struct secmem *m, size_t cap)
{
	size_t ncap;
	unsigned char *p;

	if (m->p && cap < m->cap)
		return 0;
	ncap = m->cap ? m->cap : 64;
	while (ncap <= cap) {
		if (ncap > ((size_t)-1) / 2)
			return -1;
		ncap *= 2;
	}
	p = sec_malloc(ncap);
	if (!p)
		return -1;
	if (m->p) {
		memcpy(p, m->p, m->len + 1);
		sec_free(m->p);
	}
	m->p = p;
	m->cap = ncap;
	return 0;
}

int secmem_append(struct secmem *m, const void *data, size_t n)
{
	if (n > ((size_t)-1) - m->len - 1 || secmem_reserve(m, m->len + n))
		return -1;
	if (n)
		memcpy(m->p + m->len, data, n);
	m->len += n;
	m->p[m->len] = 0;
	return 0;
}

void secmem_clear(struct secmem *m)
{
	if (m->p)
		sodium_memzero(m->p, m->cap);
	m->len = 0;
}

void secmem_free(struct secmem *m)
{
	sec_free(m->p); /* zeroes */
	m->p = NULL;
	m->len = m->cap = 0;
}

void *secmem_alloc(size_t n)
{
	return sec_malloc(n);
}

void secmem_release(void *p)
{
	sec_free(p);
}

int secmem_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0 ? 0 : -1;
}
