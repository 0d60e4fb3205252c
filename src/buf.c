#include "secretctl/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int buf_reserve(struct buf *b, size_t cap)
{
	size_t ncap;
	char *p;

	if (cap < b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap <= cap) {
		if (ncap > ((size_t)-1) / 2)
			return -1;
		ncap *= 2;
	}
	p = realloc(b->p, ncap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = ncap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
	if (n > ((size_t)-1) - b->len - 1 || buf_reserve(b, b->len + n))
		return -1;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, b->len + (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int buf_array_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return -1;
		ncap *= 2;
	}
	p = realloc(*v, ncap * size);
	if (!p)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

char *buf_memdup0(const void *p, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		return NULL;
	if (n)
		memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

#define HUGE_SIZE ((size_t)2 << 20)

void *buf_big_alloc(size_t n, size_t *mapped)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len, tail;
	unsigned char *p, *a;

	if (n == 0 || n > SIZE_MAX - 2 * HUGE_SIZE)
		return NULL;
	len = (n + page - 1) & ~(page - 1);
	/* a huge page costs what some 35 faults of small pages do here (60 us,
	 * zeroing 2 MiB, against 1.7 us a page): a last part shorter than
	 * BUF_BIG_MIN stays in small pages */
	tail = len % HUGE_SIZE;
	if (n >= BUF_BIG_MIN && tail >= BUF_BIG_MIN)
		len += HUGE_SIZE - tail;
	if (len < HUGE_SIZE) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		*mapped = len;
		return p;
	}
	/* map a huge page more, then trim both ends to 2 MiB alignment */
	p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (unsigned char *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + HUGE_SIZE > a)
		munmap(a + len, (size_t)(p + HUGE_SIZE - a));
#ifdef MADV_HUGEPAGE
	madvise(a, len, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
	*mapped = len;
	return a;
}

void buf_big_free(void *p, size_t mapped)
{
	if (p)
		munmap(p, mapped);
}
