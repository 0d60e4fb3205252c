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

/* Memory for a large array that is not secret (a big store's text, its
 * scan): an anonymous private mapping of at least n bytes, zeroed. From
 * BUF_BIG_MIN bytes on it is 2 MiB aligned with MADV_HUGEPAGE, so the
 * kernel fills it with a few huge pages rather than a fault per 4 KiB
 * page. *mapped is the size to give buf_big_free. NULL on failure. */
#define BUF_BIG_MIN ((size_t)128 << 10)
void *buf_big_alloc(size_t n, size_t *mapped);
void buf_big_free(void *p, size_t mapped);

#endif
