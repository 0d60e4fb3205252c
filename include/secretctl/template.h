/* template: config files with {{ PATH | filter ... }} placeholders. A
 * template is parsed whole before any value is looked at, so every syntax
 * error is known before any output; values are never parsed again (a
 * "{{" inside a value is text). No logic: no conditions, includes,
 * environment or commands. */
#ifndef SECRETCTL_TEMPLATE_H
#define SECRETCTL_TEMPLATE_H

#include <stddef.h>

#include "secretctl/err.h"
#include "secretctl/secmem.h"

/* Templates larger than this are refused before parsing. */
#define TEMPLATE_MAX_SIZE (4u << 20)
#define TEMPLATE_MAX_FILTERS 8

enum template_filter {
	TEMPLATE_RAW,  /* the bytes as they are (the default) */
	TEMPLATE_JSON, /* a JSON string literal; refuses invalid UTF-8 */
	TEMPLATE_YAML, /* a YAML double-quoted scalar; refuses invalid UTF-8 */
	TEMPLATE_SH,   /* a POSIX single-quoted word; refuses NUL */
	TEMPLATE_TRIM, /* one trailing "\n" dropped */
};

/* A piece of the template: text copied as it is, or a placeholder. */
struct template_part {
	int placeholder;
	size_t off, len;   /* text: its bytes; placeholder: its PATH's (trimmed) */
	size_t line, col;  /* of the placeholder's "{{", from 1 (col in bytes) */
	enum template_filter filters[TEMPLATE_MAX_FILTERS]; /* left to right */
	size_t n_filters;
};

struct template {
	struct template_part *parts;
	size_t n;
};

/* Parse text[0, len): "{{ PATH }}", "{{ PATH | f | g }}" (blanks around
 * PATH and filters are free; a placeholder ends on its own line), and
 * "{{ \"{{\" }}" for a literal "{{"; "}}" outside a placeholder is text.
 * ERR_INPUT "line L, column C: why" for an unterminated placeholder, an
 * empty PATH, an unknown filter or too many. On error t is empty. */
int template_parse(const char *text, size_t len, struct template *t, struct err *e);
void template_free(struct template *t);

/* The filter's name ("raw", "json", ...). */
const char *template_filter_name(enum template_filter f);

/* Append v[0, n) through p's filters to out. ERR_INPUT "why, which the F
 * filter cannot carry" (the caller adds where) when a value cannot pass
 * one; out is then as it was. */
int template_apply(const struct template_part *p, const unsigned char *v, size_t n,
		   struct secmem *out, struct err *e);

#endif
