/* path: PATH syntax and the canonical form used as AEAD associated data
 * (docs/FORMAT.md, "Paths" and "Tokens"). */
#ifndef SECRETCTL_PATH_H
#define SECRETCTL_PATH_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"

/* One segment: the key's bytes, unescaped ("~1" -> '/', "~0" -> '~'). */
struct path_seg {
	char *s; /* NUL-terminated copy (a key may itself contain NUL: use len) */
	size_t len;
};

/* A zeroed struct is the root path (no segments). */
struct path {
	struct path_seg *v;
	size_t n;
	size_t cap;
};

/* Parse "app/env/DB_PASSWORD", "hosts/0/name", "a~1b" (RFC 6901 escaping
 * without the leading slash). "" is the root. A '~' not followed by 0 or 1,
 * or an empty segment, is ERR_USAGE with a message naming the problem. */
int path_parse(const char *s, size_t len, struct path *out, struct err *e);
/* Append a segment (copies). 0 or -1 (ENOMEM). */
int path_push(struct path *p, const char *s, size_t len);
void path_pop(struct path *p);
void path_free(struct path *p);
/* Escaped text form, appended to out. 0 or -1. */
int path_format(const struct path *p, struct buf *out);
/* Escape one key as a segment, appended to out. 0 or -1. */
int path_format_seg(const char *s, size_t len, struct buf *out);
/* A PATH (or any text from a store) for a terminal, appended to out, as
 * git's core.quotePath quotes file names: unchanged, unless it holds a C0
 * control, DEL, a C1 control (U+0080..U+009F) or a byte that is not UTF-8,
 * or starts with '"'; then in double quotes, with \a \b \t \n \v \f \r
 * \" \\ and \ooo (octal, per byte) for the rest of those. So a line that
 * starts with '"' is always a quoted one. 0 or -1. */
int path_quote(const char *s, size_t len, struct buf *out);
/* Canonical form: each segment as a 4-byte big-endian length + bytes
 * (a sequence index as its decimal text). Appended to out. 0 or -1. */
int path_canonical(const struct path *p, struct buf *out);
/* Is the segment a sequence index (decimal digits, no leading zero unless
 * "0", fits size_t)? 1 and *idx set, else 0. */
int path_seg_index(const struct path_seg *s, size_t *idx);
/* Damerau-Levenshtein-ish distance, for "did you mean". */
size_t path_distance(const char *a, size_t alen, const char *b, size_t blen);

#endif
