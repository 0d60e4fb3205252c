#include "secretctl/secmem.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

int secmem_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int secmem_harden_process(int traceable)
{
	struct rlimit rl = { 0, 0 };

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
	p = sodium_malloc(ncap);
	if (!p)
		return -1;
	if (m->p) {
		memcpy(p, m->p, m->len + 1);
		sodium_free(m->p);
	} else {
		p[0] = 0;
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
	if (m->p)
		sodium_free(m->p); /* zeroes before unmapping */
	m->p = NULL;
	m->len = m->cap = 0;
}

void *secmem_alloc(size_t n)
{
	void *p = sodium_malloc(n ? n : 1);

	if (p)
		sodium_memzero(p, n ? n : 1);
	return p;
}

void secmem_release(void *p)
{
	if (p)
		sodium_free(p);
}

int secmem_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0 ? 0 : -1;
}
