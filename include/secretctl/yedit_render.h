/* yedit_render: scalars (and mapping keys) rendered in the simplest style
 * that reads back to the same bytes (yedit.h says which); yedit.c builds
 * its edits with these, yedit_render_scalar is the public form. */
#ifndef SECRETCTL_YEDIT_RENDER_H
#define SECRETCTL_YEDIT_RENDER_H

#include <stddef.h>

#include "secretctl/err.h"
#include "secretctl/secmem.h"
#include "secretctl/yedit.h"

struct yedit_rend {
	struct secmem head; /* the one-line form, or a block's header */
	struct secmem body; /* block: its lines, each ending in a line break */
	int block, keep;    /* a block scalar; keep chomping ('|+') */
};

/* v[0, n) for an entry whose collection is at column indent (flags:
 * YEDIT_*), its new lines ending in eol; verbatim_bin: a %TAG redefines
 * "!!", so !!binary is written as a verbatim tag. r starts zeroed; free
 * it with yedit_rend_free, also on failure. */
int yedit_render(const unsigned char *v, size_t n, size_t indent, unsigned flags, const char *eol,
		 int verbatim_bin, struct yedit_rend *r, struct err *e);
void yedit_rend_free(struct yedit_rend *r);
/* A mapping key k[0, n) (valid UTF-8), plain when safe (in flow context:
 * flow), else double-quoted; appended to out. 0, or -1 out of memory. */
int yedit_render_key(const unsigned char *k, size_t n, int flow, struct secmem *out);
/* Append a string, or n spaces. 0, or -1 out of memory. */
int yedit_put(struct secmem *m, const char *s);
int yedit_put_spaces(struct secmem *m, size_t n);

#endif
