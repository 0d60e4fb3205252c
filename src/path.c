#include "secretctl/path.h"
#include "secretctl/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int path_push(struct path *p, const char *s, size_t len)
{
	struct path_seg *v;
	char *c;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;

		v = realloc(p->v, ncap * sizeof *v);
		if (!v)
			return -1;
		p->v = v;
		p->cap = ncap;
	}
	c = malloc(len + 1);
	if (!c)
		return -1;
	if (len)
		memcpy(c, s, len);
	c[len] = '\0';
	p->v[p->n].s = c;
	p->v[p->n].len = len;
	p->n++;
	return 0;
}

void path_pop(struct path *p)
{
	if (!p->n)
		return;
	p->n--;
	free(p->v[p->n].s);
	p->v[p->n].s = NULL;
}

void path_free(struct path *p)
{
	while (p->n)
		path_pop(p);
	free(p->v);
	p->v = NULL;
	p->cap = 0;
}

int path_parse(const char *s, size_t len, struct path *out, struct err *e)
{
	struct buf seg = { 0 };
	size_t i = 0, nseg = 0;

	path_free(out);
	if (len == 0)
		return 0;
	for (;;) {
		seg.len = 0;
		nseg++;
		while (i < len && s[i] != '/') {
			char c = s[i++];

			if (c == '~') {
				if (i < len && (s[i] == '0' || s[i] == '1')) {
					c = s[i++] == '0' ? '~' : '/';
				} else {
					buf_free(&seg);
					path_free(out);
					if (i < len)
						return err_set(e, ERR_USAGE,
							       "bad path: segment %zu: '~%c' is not an escape (use ~0 for '~', ~1 for '/')",
							       nseg, s[i]);
					return err_set(e, ERR_USAGE,
						       "bad path: segment %zu: '~' at the end (use ~0 for '~')",
						       nseg);
				}
			}
			if (buf_putc(&seg, c))
				goto oom;
		}
		if (seg.len == 0) {
			buf_free(&seg);
			path_free(out);
			return err_set(e, ERR_USAGE, "bad path: segment %zu is empty", nseg);
		}
		if (path_push(out, seg.p, seg.len))
			goto oom;
		if (i == len)
			break;
		i++; /* the '/' */
		if (i == len) {
			buf_free(&seg);
			path_free(out);
			return err_set(e, ERR_USAGE, "bad path: segment %zu is empty", nseg + 1);
		}
	}
	buf_free(&seg);
	return 0;
oom:
	buf_free(&seg);
	path_free(out);
	return err_oom(e);
}

int path_format_seg(const char *s, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int rc;

		if (s[i] == '~')
			rc = buf_append(out, "~0", 2);
		else if (s[i] == '/')
			rc = buf_append(out, "~1", 2);
		else
			rc = buf_putc(out, s[i]);
		if (rc)
			return -1;
	}
	return 0;
}

int path_format(const struct path *p, struct buf *out)
{
	size_t i;

	/* An empty result must still be a valid (NUL-terminated) buffer. */
	if (buf_append(out, "", 0))
		return -1;
	for (i = 0; i < p->n; i++) {
		if (i && buf_putc(out, '/'))
			return -1;
		if (path_format_seg(p->v[i].s, p->v[i].len, out))
			return -1;
	}
	return 0;
}

/* The bytes at s to escape, one by one, as \ooo or \n...: 1 for a C0
 * control, DEL or a byte that is not UTF-8, 2 for a C1 control; 0 for a
 * character kept. *n: the length of the character (0: not UTF-8). */
static size_t quote_bad(const unsigned char *s, size_t len, size_t *n)
{
	*n = utf8_decode(s, len, NULL);
	if (*n == 0)
		return 1;
	if (*n == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	return *n == 2 && s[0] == 0xc2 && s[1] <= 0x9f ? 2 : 0;
}

int path_quote(const char *s, size_t len, struct buf *out)
{
	static const char c_esc[] = "\\a\\b\\t\\n\\v\\f\\r";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, bad = 0;

	for (i = 0; i < len && !bad; i += n ? n : 1)
		bad = quote_bad(u + i, len - i, &n);
	if (!bad && (len == 0 || s[0] != '"'))
		return buf_append(out, s, len);
	if (buf_putc(out, '"'))
		return -1;
	for (i = 0; i < len;) {
		size_t k = quote_bad(u + i, len - i, &n);
		int rc = 0;

		if (!k) { /* printable: as it is, but '"' and '\\' */
			if (s[i] == '"' || s[i] == '\\')
				rc = buf_putc(out, '\\');
			rc = rc || buf_append(out, s + i, n);
			i += n;
		} else {
			for (; k > 0 && !rc; k--, i++) {
				if (u[i] >= '\a' && u[i] <= '\r')
					rc = buf_append(out, c_esc + 2 * (u[i] - '\a'), 2);
				else
					rc = buf_printf(out, "\\%03o", u[i]);
			}
		}
		if (rc)
			return -1;
	}
	return buf_putc(out, '"');
}

int path_canonical(const struct path *p, struct buf *out)
{
	size_t i;

	if (buf_append(out, "", 0))
		return -1;
	for (i = 0; i < p->n; i++) {
		unsigned char be[4];
		size_t n = p->v[i].len;

		if (n > UINT32_MAX)
			return -1;
		be[0] = (unsigned char)(n >> 24);
		be[1] = (unsigned char)(n >> 16);
		be[2] = (unsigned char)(n >> 8);
		be[3] = (unsigned char)n;
		if (buf_append(out, be, 4) || buf_append(out, p->v[i].s, n))
			return -1;
	}
	return 0;
}

int path_seg_index(const struct path_seg *s, size_t *idx)
{
	size_t i, v = 0;

	if (s->len == 0 || (s->len > 1 && s->s[0] == '0'))
		return 0;
	for (i = 0; i < s->len; i++) {
		unsigned d;

		if (s->s[i] < '0' || s->s[i] > '9')
			return 0;
		d = (unsigned)(s->s[i] - '0');
		if (v > (SIZE_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*idx = v;
	return 1;
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), three rolling rows. SIZE_MAX on ENOMEM. */
size_t path_distance(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t *row0, *row1, *row2, i, j, d;

	if (blen >= SIZE_MAX / sizeof(size_t) / 3 - 1)
		return SIZE_MAX;
	row0 = calloc(3 * (blen + 1), sizeof(size_t));
	if (!row0)
		return SIZE_MAX;
	row1 = row0 + (blen + 1); /* previous row */
	row2 = row1 + (blen + 1); /* current row */
	for (j = 0; j <= blen; j++)
		row1[j] = j;
	for (i = 1; i <= alen; i++) {
		size_t *t;

		row2[0] = i;
		for (j = 1; j <= blen; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;

			d = row1[j - 1] + cost;
			if (row1[j] + 1 < d)
				d = row1[j] + 1;
			if (row2[j - 1] + 1 < d)
				d = row2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    row0[j - 2] + 1 < d)
				d = row0[j - 2] + 1;
			row2[j] = d;
		}
		/* rotate: row0 <- row1 <- row2 <- old row0 */
		t = row0;
		row0 = row1;
		row1 = row2;
		row2 = t;
	}
	d = row1[blen];
	/* the allocation starts at the lowest of the three pointers */
	free(row0 < row1 ? (row0 < row2 ? row0 : row2) : (row1 < row2 ? row1 : row2));
	return d;
}
