/* buf: growable byte buffer for data that is not secret (ciphertext,
 * store text, messages). */
#ifndef SECRETCTL_BUF_H
#define SECRETCTL_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* p is NUL-terminated past len when not NULL. A zeroed struct is empty. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

/* All return 0, or -1 on ENOMEM. */
int buf_reserve(struct buf *b, size_t cap);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* Make room for need elements of size bytes in the array *v of *cap
 * (doubling, from 16). 0, or -1 on ENOMEM or overflow (*v kept). */
int buf_array_grow(void **v, size_t *cap, size_t need, size_t size);
/* A malloc'd, NUL-terminated copy of p[0..n); NULL on ENOMEM. */
char *buf_memdup0(const void *p, size_t n);

#endif
