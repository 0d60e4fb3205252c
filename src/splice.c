/* splice: scanning a plaintext view or an encrypted store (docs/FORMAT.md,
 * 3.1 to 3.4). libyaml gives the events and their marks; this file maps marks to
 * byte offsets, derives value regions from them, and finds the comments
 * that libyaml does not report. */
#include "secretctl/splice.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#define META_KEY "secretctl"
#define ENC_TAG "!enc"
#define TAG_BINARY "tag:yaml.org,2002:binary"
/* Collections nested deeper are refused: the tree walks (ls, extract, the
 * path lists) stop at 256 levels, and would drop deeper leaves silently. */
#define MAX_NESTING 256

struct range {
	size_t s, e;
};

/* An open collection. */
struct frame {
	size_t node;
	int mapping;
	int expect_key;  /* mapping: the next node is a key */
	size_t last;     /* last child so far, SPLICE_NONE */
	size_t size;     /* nodes of its expanded tree so far (itself included) */
	size_t anchor;   /* its anchor (index in scan.an), SPLICE_NONE */
	char *key;       /* mapping: the key of the value to come */
	size_t key_len;
	yaml_mark_t key_mark;
	size_t key_at;   /* its byte offset */
};

struct anchor {
	char *name;
	size_t node;
	size_t size; /* nodes in its expanded tree; 0 while its collection is open */
};

enum scan_mode { SCAN_PLAIN, SCAN_STORE, SCAN_EDIT };

struct scan {
	const unsigned char *t;
	size_t len;
	int store;
	int edit; /* splice_scan_edit: libyaml's rules and the tree's only, spans */
	struct splice_doc *d;
	struct err *e;
	yaml_parser_t yp;
	yaml_event_t ev;
	int have_ev;
	size_t cm_ch, cm_by; /* char -> byte cursor */
	size_t prev_end;     /* byte offset where the previous event ended */
	struct frame *st;
	size_t depth, cap_st;
	struct path path;
	struct anchor *an;
	size_t n_an, cap_an;
	size_t alias_nodes; /* nodes that aliases add to the expanded tree */
	struct range *cov; /* key scalars, value regions, metadata: never comments */
	size_t n_cov, cap_cov;
	struct splice_keyset keys; /* duplicate-key check */
	int docs;
	int meta_seen;
	size_t meta_key; /* byte offset of the "secretctl" key */
	size_t meta_last;
	size_t doc_end; /* explicit "..." of the document, else SPLICE_NONE */
};

/* ---- text helpers ---- */

/* The byte length of the character whose first byte is c, in text libyaml
 * has already read as UTF-8 (a skip, not a decoder: utf8_decode checks). */
static size_t u8_width(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1;
}

/* Length of the line break starting at p (libyaml's breaks: LF, CR, CRLF,
 * NEL, LS, PS), 0 if none. */
static size_t break_at(const unsigned char *p, size_t n)
{
	if (!n)
		return 0;
	if (p[0] == '\r')
		return n > 1 && p[1] == '\n' ? 2 : 1;
	if (p[0] == '\n')
		return 1;
	if (n > 1 && p[0] == 0xC2 && p[1] == 0x85)
		return 2;
	if (n > 2 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
		return 3;
	return 0;
}

size_t splice_eol_len(const unsigned char *p, size_t n)
{
	if (!n)
		return 0;
	if (p[n - 1] == '\n')
		return n > 1 && p[n - 2] == '\r' ? 2 : 1;
	if (p[n - 1] == '\r')
		return 1;
	if (n > 1 && p[n - 2] == 0xC2 && p[n - 1] == 0x85)
		return 2;
	if (n > 2 && p[n - 3] == 0xE2 && p[n - 2] == 0x80 && (p[n - 1] == 0xA8 || p[n - 1] == 0xA9))
		return 3;
	return 0;
}

size_t splice_token_end(const struct splice_item *it, const unsigned char *region,
			size_t region_len)
{
	if (it->kind == SPLICE_VALUE && splice_eol_len(region, region_len))
		return it->end + (size_t)it->eol;
	return it->end;
}

/* libyaml's mark.index counts characters (a CRLF counts 2): move a cursor
 * to the character, either way, and return its byte offset. Marks come
 * nearly in order, so this is linear overall. */
static size_t to_byte(struct scan *s, size_t ch)
{
	size_t c = s->cm_ch, b = s->cm_by; /* in registers: the text could alias s */

	while (c < ch && b < s->len) {
		b += u8_width(s->t[b]);
		c++;
	}
	if (b > s->len)
		b = s->len;
	while (c > ch && b > 0) {
		b--;
		while (b > 0 && (s->t[b] & 0xC0) == 0x80)
			b--;
		c--;
	}
	s->cm_ch = c;
	s->cm_by = b;
	return b;
}

/* 1-based line and column (characters) of a byte offset, for errors that
 * libyaml reports by offset. */
static void line_col(const unsigned char *t, size_t len, size_t off, size_t *line, size_t *col)
{
	size_t i = 0;

	*line = 1;
	*col = 1;
	while (i < off && i < len) {
		size_t b = break_at(t + i, len - i);

		if (b) {
			i += b;
			(*line)++;
			*col = 1;
		} else {
			i += u8_width(t[i]);
			(*col)++;
		}
	}
}

/* ---- errors ---- */

__attribute__((format(printf, 4, 5))) static int fail_lc(struct scan *s, size_t line, size_t col,
							 const char *fmt, ...)
{
	char why[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return err_set(s->e, ERR_INPUT, "line %zu, column %zu: %s", line, col, why);
}

#define fail_at(s, mark, ...) fail_lc((s), (mark).line + 1, (mark).column + 1, __VA_ARGS__)

static int yaml_fail(struct scan *s)
{
	const yaml_parser_t *p = &s->yp;
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return err_oom(s->e);
	if (s->edit) /* yedit's words */
		return err_set(s->e, ERR_INPUT, "line %zu, column %zu: %s%s%s",
			       p->problem_mark.line + 1, p->problem_mark.column + 1, problem,
			       p->context ? " " : "", p->context ? p->context : "");
	if (p->error == YAML_READER_ERROR) {
		size_t line, col;

		line_col(s->t, s->len, p->problem_offset, &line, &col);
		return fail_lc(s, line, col, "%s", problem);
	}
	if (p->context)
		return fail_lc(s, p->problem_mark.line + 1, p->problem_mark.column + 1,
			       "%s (%s at line %zu, column %zu)", problem, p->context,
			       p->context_mark.line + 1, p->context_mark.column + 1);
	return fail_at(s, p->problem_mark, "%s", problem);
}

/* ---- small tables ---- */

static int cover(struct scan *s, size_t a, size_t b)
{
	if (buf_array_grow((void **)&s->cov, &s->cap_cov, s->n_cov + 1, sizeof *s->cov))
		return err_oom(s->e);
	s->cov[s->n_cov].s = a;
	s->cov[s->n_cov].e = b;
	s->n_cov++;
	return 0;
}

static uint64_t key_hash(size_t parent, const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)parent;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void splice_link_child(struct splice_doc *d, size_t parent, size_t *last, size_t node)
{
	struct splice_node *n = &d->nodes[node], *p = &d->nodes[parent];

	n->parent = parent;
	n->index = p->n_children;
	if (*last == SPLICE_NONE)
		p->first_child = node;
	else
		d->nodes[*last].next_sibling = node;
	*last = node;
	p->n_children++;
}

int splice_keyset_add(struct splice_keyset *ks, const struct splice_node *nv, size_t node,
		      size_t hint)
{
	const struct splice_node *n = &nv[node];
	size_t i, mask;

	if ((ks->n + 1) * 2 > ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 64, *nk, j;

		while (!ks->cap && ncap < 2 * hint + 2)
			ncap *= 2;
		nk = calloc(ncap, sizeof *nk);
		if (!nk)
			return -1;
		for (j = 0; j < ks->cap; j++) {
			const struct splice_node *o;

			if (!ks->slot[j])
				continue;
			o = &nv[ks->slot[j] - 1];
			i = (size_t)key_hash(o->parent, o->key, o->key_len) & (ncap - 1);
			while (nk[i])
				i = (i + 1) & (ncap - 1);
			nk[i] = ks->slot[j];
		}
		free(ks->slot);
		ks->slot = nk;
		ks->cap = ncap;
	}
	mask = ks->cap - 1;
	i = (size_t)key_hash(n->parent, n->key, n->key_len) & mask;
	while (ks->slot[i]) {
		const struct splice_node *o = &nv[ks->slot[i] - 1];

		if (o->parent == n->parent && o->key_len == n->key_len &&
		    memcmp(o->key, n->key, n->key_len) == 0)
			return 1;
		i = (i + 1) & mask;
	}
	ks->slot[i] = node + 1;
	ks->n++;
	return 0;
}

void splice_keyset_free(struct splice_keyset *ks)
{
	free(ks->slot);
	*ks = (struct splice_keyset){ 0 };
}

static int anchor_add(struct scan *s, const char *name, size_t node, size_t size)
{
	char *c;

	if (buf_array_grow((void **)&s->an, &s->cap_an, s->n_an + 1, sizeof *s->an))
		return err_oom(s->e);
	c = buf_memdup0(name, strlen(name));
	if (!c)
		return err_oom(s->e);
	s->an[s->n_an].name = c;
	s->an[s->n_an].node = node;
	s->an[s->n_an].size = size;
	s->n_an++;
	return 0;
}

/* The latest definition wins (YAML allows redefining an anchor): its
 * index in s->an, or SPLICE_NONE. */
static size_t anchor_find(const struct scan *s, const char *name)
{
	size_t i = s->n_an;

	while (i--)
		if (strcmp(s->an[i].name, name) == 0)
			return i;
	return SPLICE_NONE;
}

/* ---- nodes ---- */

static struct frame *top(struct scan *s)
{
	return s->depth ? &s->st[s->depth - 1] : NULL;
}

size_t splice_node_new(struct splice_doc *d, enum splice_node_type type, unsigned line,
		       unsigned col)
{
	struct splice_node *n;

	if (buf_array_grow((void **)&d->nodes, &d->cap_nodes, d->n_nodes + 1, sizeof *d->nodes))
		return SPLICE_NONE;
	n = &d->nodes[d->n_nodes];
	memset(n, 0, sizeof *n);
	n->type = type;
	n->parent = n->first_child = n->next_sibling = SPLICE_NONE;
	n->item = n->target = SPLICE_NONE;
	n->line = line;
	n->col = col;
	return d->n_nodes++;
}

static size_t node_alloc(struct scan *s, enum splice_node_type type, const yaml_mark_t *m)
{
	struct splice_doc *d = s->d;
	size_t idx = splice_node_new(d, type, (unsigned)(m->line + 1), (unsigned)(m->column + 1));

	if (idx != SPLICE_NONE && !s->store && !s->edit) {
		if (buf_array_grow((void **)&d->key_start, &d->cap_key_start, idx + 1,
				   sizeof *d->key_start))
			idx = SPLICE_NONE;
		else
			d->key_start[idx] = SPLICE_NONE;
	}
	if (idx != SPLICE_NONE && s->edit) {
		if (buf_array_grow((void **)&d->span, &d->cap_span, idx + 1, sizeof *d->span))
			idx = SPLICE_NONE;
		else
			memset(&d->span[idx], 0, sizeof d->span[idx]);
	}
	if (idx == SPLICE_NONE)
		err_oom(s->e);
	return idx;
}

/* A new node, linked as the next child of the open collection (taking its
 * pending key), with its path segment pushed. SPLICE_NONE on failure (the
 * error is set). */
static size_t node_new(struct scan *s, enum splice_node_type type, const yaml_mark_t *m)
{
	struct splice_doc *d = s->d;
	struct frame *f = top(s);
	struct splice_node *n;
	size_t idx = node_alloc(s, type, m);
	char num[32];
	int rc = 0;

	if (idx == SPLICE_NONE || !f)
		return idx;
	n = &d->nodes[idx];
	splice_link_child(d, f->node, &f->last, idx);
	if (f->mapping) {
		if (d->key_start)
			d->key_start[idx] = f->key_at;
		n->key = f->key;
		n->key_len = f->key_len;
		f->key = NULL;
		if (s->store) /* only a store's messages name the PATH */
			rc = path_push(&s->path, n->key, n->key_len);
		if (rc == 0 && !s->edit) {
			rc = splice_keyset_add(&s->keys, s->d->nodes, idx, 0);
			if (rc > 0) {
				struct buf pb = { 0 };

				path_format_seg(n->key, n->key_len, &pb);
				fail_at(s, f->key_mark, "duplicate key '%s'", pb.p ? pb.p : "");
				buf_free(&pb);
				/* keep the path balanced for the caller's cleanup */
				return SPLICE_NONE;
			}
		}
	} else if (s->store) {
		snprintf(num, sizeof num, "%zu", n->index);
		rc = path_push(&s->path, num, strlen(num));
	}
	if (rc) {
		err_oom(s->e);
		return SPLICE_NONE;
	}
	return idx;
}

/* A child of the open collection is complete. */
/* A child of the innermost collection is complete; size: the nodes it
 * stands for in the expanded tree (an alias: its anchor's). */
static void child_done(struct scan *s, size_t size)
{
	struct frame *f = top(s);

	if (!f)
		return;
	f->size = f->size + size < f->size ? SIZE_MAX : f->size + size;
	if (s->store)
		path_pop(&s->path);
	if (f->mapping)
		f->expect_key = 1;
}

static int push_frame(struct scan *s, size_t node, int mapping)
{
	struct frame *f;

	if (buf_array_grow((void **)&s->st, &s->cap_st, s->depth + 1, sizeof *s->st))
		return err_oom(s->e);
	f = &s->st[s->depth++];
	memset(f, 0, sizeof *f);
	f->node = node;
	f->mapping = mapping;
	f->expect_key = mapping;
	f->last = SPLICE_NONE;
	f->size = 1;
	f->anchor = SPLICE_NONE;
	return 0;
}

/* splice_scan_edit: node's span, from its (first) event, at [b0, b1). */
static void span_fill(struct scan *s, size_t node, const yaml_event_t *ev, size_t b0, size_t b1)
{
	struct splice_span *sp = &s->d->span[node];
	const yaml_char_t *anchor = NULL, *tag = NULL;

	sp->start = b0;
	sp->end = b1;
	sp->gap = s->prev_end;
	if (ev->type == YAML_SCALAR_EVENT) {
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		sp->style = (unsigned char)ev->data.scalar.style;
	} else if (ev->type == YAML_MAPPING_START_EVENT) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	sp->flags = (anchor ? SPLICE_SPAN_ANCHOR : 0) | (tag ? SPLICE_SPAN_TAG : 0) |
		    (tag && !strcmp((const char *)tag, TAG_BINARY) ? SPLICE_SPAN_BINARY : 0);
}

/* ---- regions ---- */

/* A region's start (FORMAT.md 3.1): right after the last indicator in [g0, g1), comments
 * skipped; g0 when there is none. */
static size_t region_start(const struct scan *s, size_t g0, size_t g1)
{
	size_t i = g0, r = g0;

	if (g1 < g0)
		return g1;
	while (i < g1) {
		unsigned char c = s->t[i];

		if (c == '#') {
			while (i < g1 && !break_at(s->t + i, s->len - i))
				i++;
			continue;
		}
		if (c == ':' || c == '-' || c == ',' || c == '[' || c == '{' || c == '?')
			r = i + 1;
		i++;
	}
	return r;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int anchor_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '_' || c == '-';
}

/* Offset of "&name" (the name, after '&') as a property in [a, b). */
static size_t find_anchor(const struct scan *s, size_t a, size_t b, const char *name)
{
	size_t n = strlen(name), i;

	for (i = a; i + 1 + n <= b; i++) {
		if (s->t[i] != '&' || memcmp(s->t + i + 1, name, n) != 0)
			continue;
		if (i > a && !is_blank(s->t[i - 1]) && !break_at(s->t + i - 1, 1) &&
		    s->t[i - 1] != 0x85 && s->t[i - 1] != 0xA8 && s->t[i - 1] != 0xA9)
			continue;
		/* libyaml's anchor names are [0-9A-Za-z_-]: "&a:b" is the anchor "a" */
		if (i + 1 + n < b && anchor_char(s->t[i + 1 + n]))
			continue;
		return i + 1;
	}
	return SPLICE_NONE;
}

static int item_add(struct scan *s, const struct splice_item *it)
{
	struct splice_doc *d = s->d;

	if (buf_array_grow((void **)&d->items, &d->cap_items, d->n_items + 1, sizeof *d->items))
		return err_oom(s->e);
	d->items[d->n_items++] = *it;
	return 0;
}

static int value_path_msg(struct scan *s, struct buf *b)
{
	if (path_format(&s->path, b))
		return -1;
	return 0;
}

/* A store value must be exactly " [&anchor ]!enc B64" over its region. */
static int check_token(struct scan *s, const yaml_event_t *ev, size_t rs, size_t b1,
		       struct splice_item *it)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	const unsigned char *v = ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length, pos = rs, an = anchor ? strlen(anchor) : 0;
	struct buf pb = { 0 };
	int ok = 1, rc;

	if (!tag || strcmp(tag, ENC_TAG) != 0 || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    vlen == 0)
		ok = 0;
	if (ok && (pos >= b1 || s->t[pos] != ' '))
		ok = 0;
	pos++;
	if (ok && anchor) {
		if (b1 - pos < an + 2 || s->t[pos] != '&' || memcmp(s->t + pos + 1, anchor, an) != 0 ||
		    s->t[pos + 1 + an] != ' ')
			ok = 0;
		else
			it->anchor_start = pos + 1, it->anchor_len = an;
		pos += an + 2;
	}
	if (ok && (b1 < pos || b1 - pos != 5 + vlen || memcmp(s->t + pos, ENC_TAG " ", 5) != 0 ||
		   memcmp(s->t + pos + 5, v, vlen) != 0))
		ok = 0;
	if (ok) {
		/* its base64 is checked where it is decoded (after the MAC) */
		it->b64_start = pos + 5;
		it->b64_len = vlen;
		it->eol = (int)break_at(s->t + b1, s->len - b1);
		return 0;
	}
	value_path_msg(s, &pb);
	rc = fail_at(s, ev->start_mark, "value at '%s' is not an encrypted token (\" !enc BASE64\")",
		     pb.p ? pb.p : "");
	buf_free(&pb);
	return rc;
}

static int on_value_scalar(struct scan *s, const yaml_event_t *ev)
{
	const yaml_mark_t *sm = &ev->start_mark;
	size_t b0 = to_byte(s, sm->index), b1 = to_byte(s, ev->end_mark.index), node;
	struct splice_item it;
	int rc;

	node = node_new(s, SPLICE_SCALAR, sm);
	if (node == SPLICE_NONE)
		return s->e->code ? s->e->code : err_oom(s->e);
	if (s->edit) {
		struct splice_span *sp = &s->d->span[node];

		span_fill(s, node, ev, b0, b1);
		sp->val = s->d->vals.len;
		sp->vlen = ev->data.scalar.length;
		if (secmem_append(&s->d->vals, ev->data.scalar.value, sp->vlen))
			return err_oom(s->e);
		/* a secret: not left in memory libyaml frees */
		sodium_memzero(s->ev.data.scalar.value, sp->vlen);
	}
	if (ev->data.scalar.anchor && anchor_add(s, (const char *)ev->data.scalar.anchor, node, 1))
		return s->e->code;
	/* an implicit null stays as it is: nothing to encrypt */
	if (ev->data.scalar.length == 0 && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    !ev->data.scalar.anchor && !ev->data.scalar.tag) {
		child_done(s, 1);
		return 0;
	}
	memset(&it, 0, sizeof it);
	it.kind = SPLICE_VALUE;
	it.start = region_start(s, s->prev_end, b0);
	it.end = b1;
	it.node = node;
	it.anchor_start = SPLICE_NONE;
	it.line = (unsigned)(sm->line + 1);
	it.col = (unsigned)(sm->column + 1);
	if (s->store) {
		rc = check_token(s, ev, it.start, b1, &it);
		if (rc)
			return rc;
	} else {
		if (ev->data.scalar.anchor) {
			it.anchor_start = find_anchor(s, b0, b1, (const char *)ev->data.scalar.anchor);
			if (it.anchor_start == SPLICE_NONE)
				return fail_at(s, *sm, "cannot find the anchor of this value");
			it.anchor_len = strlen((const char *)ev->data.scalar.anchor);
		}
		it.eol = (int)splice_eol_len(s->t + it.start, it.end - it.start);
	}
	if ((!s->edit && cover(s, it.start, it.end)) || item_add(s, &it))
		return s->e->code;
	s->d->nodes[node].item = s->d->n_items - 1;
	child_done(s, 1);
	return 0;
}

/* ---- metadata (store) ---- */

/* The next event must be a scalar: its value (NUL-terminated, owned by
 * s->ev until the next event) and its mark. */
static int meta_scalar(struct scan *s, const char *what, const char **v, size_t *n);
static int ev_next(struct scan *s);
static int handle(struct scan *s);

static int meta_scalar(struct scan *s, const char *what, const char **v, size_t *n)
{
	size_t b0, b1;
	int rc = ev_next(s);

	if (rc)
		return rc;
	if (s->ev.type != YAML_SCALAR_EVENT)
		return fail_at(s, s->ev.start_mark, "metadata: %s must be a scalar", what);
	b0 = to_byte(s, s->ev.start_mark.index);
	b1 = to_byte(s, s->ev.end_mark.index);
	if (b1 > s->meta_last)
		s->meta_last = b1;
	if (cover(s, b0, b1))
		return s->e->code;
	*v = (const char *)s->ev.data.scalar.value;
	*n = s->ev.data.scalar.length;
	return 0;
}

/* The next field name of a metadata mapping into field (counted as
 * covered), or "" at the mapping's end. */
static int meta_field(struct scan *s, char field[16], yaml_mark_t *fm, const char *unknown)
{
	int rc = ev_next(s);

	field[0] = '\0';
	if (rc || s->ev.type == YAML_MAPPING_END_EVENT)
		return rc;
	*fm = s->ev.start_mark;
	if (s->ev.type != YAML_SCALAR_EVENT || s->ev.data.scalar.length >= 16)
		return fail_at(s, *fm, "%s", unknown);
	memcpy(field, s->ev.data.scalar.value, s->ev.data.scalar.length + 1);
	if (cover(s, to_byte(s, fm->index), to_byte(s, s->ev.end_mark.index)))
		return s->e->code;
	return 0;
}

static int meta_slot(struct scan *s)
{
	struct splice_doc *d = s->d;
	struct keyslot *sl;
	yaml_mark_t m = s->ev.start_mark;
	const char *v;
	size_t n;
	int rc;

	if (s->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(s, m, "metadata: each key slot must be a mapping");
	sl = realloc(d->slots, (d->n_slots + 1) * sizeof *sl);
	if (!sl)
		return err_oom(s->e);
	d->slots = sl;
	sl = &d->slots[d->n_slots++];
	memset(sl, 0, sizeof *sl);
	sl->line = (unsigned)(m.line + 1);
	sl->col = (unsigned)(m.column + 1);
	for (;;) {
		char field[16];
		yaml_mark_t fm;

		rc = meta_field(s, field, &fm, "metadata: unknown key slot field");
		if (rc)
			return rc;
		if (!field[0])
			break;
		if (strcmp(field, "recipient") == 0 || strcmp(field, "passphrase") == 0 ||
		    strcmp(field, "data_key") == 0) {
			rc = meta_scalar(s, field, &v, &n);
			if (rc)
				return rc;
		} else {
			return fail_at(s, fm, "metadata: unknown key slot field '%s'", field);
		}
		if (field[0] == 'r') {
			if (sl->recipient || sl->scrypt || n == 0 || memchr(v, 0, n))
				return fail_at(s, fm, "metadata: bad or repeated recipient");
			if (!(sl->recipient = buf_memdup0(v, n)))
				return err_oom(s->e);
		} else if (field[0] == 'p') {
			if (sl->recipient || sl->scrypt || strcmp(v, "scrypt") != 0)
				return fail_at(s, fm, "metadata: passphrase slot must say 'passphrase: scrypt'");
			sl->scrypt = 1;
		} else {
			if (sl->data_key || memchr(v, 0, n))
				return fail_at(s, fm, "metadata: bad or repeated data_key");
			if (!(sl->data_key = buf_memdup0(v, n)))
				return err_oom(s->e);
			sl->data_key_len = n;
		}
	}
	if ((!sl->recipient && !sl->scrypt) || !sl->data_key)
		return fail_at(s, m, "metadata: a key slot needs 'recipient' or 'passphrase', and 'data_key'");
	return 0;
}

static int meta_parse(struct scan *s, yaml_mark_t km)
{
	struct splice_doc *d = s->d;
	int have_version = 0, have_keys = 0, have_fn = 0, rc;
	const char *v;
	size_t n;

	rc = ev_next(s);
	if (rc)
		return rc;
	if (s->ev.type != YAML_MAPPING_START_EVENT ||
	    s->ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE)
		return fail_at(s, s->ev.start_mark, "metadata block '%s' is not a block mapping",
			       META_KEY);
	for (;;) {
		char field[16];
		yaml_mark_t fm;

		rc = meta_field(s, field, &fm, "metadata: unknown field");
		if (rc)
			return rc;
		if (!field[0])
			break;
		if (strcmp(field, "version") == 0) {
			char *end;

			if (have_version++)
				return fail_at(s, fm, "metadata: repeated field 'version'");
			if ((rc = meta_scalar(s, field, &v, &n)))
				return rc;
			if (n == 0 || n > 9 || strspn(v, "0123456789") != n)
				return fail_at(s, s->ev.start_mark, "metadata: version is not a number");
			d->version = strtol(v, &end, 10);
			if (d->version != 1 && d->version != 2)
				return fail_at(s, s->ev.start_mark,
					       "unknown store version %ld (this secretctl reads version 2)",
					       d->version);
		} else if (strcmp(field, "keys") == 0) {
			if (have_keys++)
				return fail_at(s, fm, "metadata: repeated field 'keys'");
			if ((rc = ev_next(s)))
				return rc;
			if (s->ev.type != YAML_SEQUENCE_START_EVENT)
				return fail_at(s, s->ev.start_mark, "metadata: keys must be a sequence");
			for (;;) {
				if ((rc = ev_next(s)))
					return rc;
				if (s->ev.type == YAML_SEQUENCE_END_EVENT)
					break;
				if ((rc = meta_slot(s)))
					return rc;
			}
		} else if (strcmp(field, "mac") == 0) {
			if (d->mac)
				return fail_at(s, fm, "metadata: repeated field 'mac'");
			if ((rc = meta_scalar(s, field, &v, &n)))
				return rc;
			if (n == 0 || memchr(v, 0, n))
				return fail_at(s, s->ev.start_mark, "metadata: empty mac");
			if (s->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE || s->ev.data.scalar.tag ||
			    s->ev.data.scalar.anchor)
				return fail_at(s, s->ev.start_mark, "metadata: the mac must be plain base64");
			if (!(d->mac = buf_memdup0(v, n)))
				return err_oom(s->e);
			d->mac_start = to_byte(s, s->ev.start_mark.index);
			d->mac_end = to_byte(s, s->ev.end_mark.index);
		} else if (strcmp(field, "final_newline") == 0) {
			if (have_fn++)
				return fail_at(s, fm, "metadata: repeated field 'final_newline'");
			if ((rc = meta_scalar(s, field, &v, &n)))
				return rc;
			if (strcmp(v, "false") == 0)
				d->final_newline = 0;
			else if (strcmp(v, "true") == 0)
				d->final_newline = 1;
			else
				return fail_at(s, s->ev.start_mark,
					       "metadata: final_newline must be true or false");
		} else {
			return fail_at(s, fm, "metadata: unknown field '%s'", field);
		}
	}
	if (!have_version)
		return fail_at(s, km, "metadata: no 'version'");
	if (!d->n_slots)
		return fail_at(s, km, "metadata: no key slots ('keys')");
	if (!d->mac)
		return fail_at(s, km, "metadata: no 'mac'");
	s->meta_seen = 1;
	rc = ev_next(s);
	if (rc)
		return rc;
	if (s->ev.type != YAML_MAPPING_END_EVENT || s->depth != 1)
		return fail_at(s, s->ev.start_mark,
			       "the metadata block '%s' must be the last top-level key", META_KEY);
	return handle(s);
}

/* ---- events ---- */

static int ev_next(struct scan *s)
{
	if (s->have_ev) {
		s->prev_end = to_byte(s, s->ev.end_mark.index);
		yaml_event_delete(&s->ev);
		s->have_ev = 0;
	}
	if (!yaml_parser_parse(&s->yp, &s->ev))
		return yaml_fail(s);
	s->have_ev = 1;
	return 0;
}

static int on_key_scalar(struct scan *s, struct frame *f, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	size_t b0 = to_byte(s, ev->start_mark.index), b1 = to_byte(s, ev->end_mark.index);

	if (!s->edit && cover(s, b0, b1)) /* (for the comment scan) */
		return s->e->code;
	/* "" or a null key (a bare '?'): no PATH segment is empty, and none
	 * holds a NUL byte (a command-line argument cannot) */
	if (n == 0 && !s->edit)
		return fail_at(s, ev->start_mark, "an empty mapping key, which no PATH can name");
	if (memchr(v, '\0', n) && !s->edit)
		return fail_at(s, ev->start_mark, "a mapping key with a NUL byte, which no PATH can name");
	if (ev->data.scalar.anchor || s->edit) {
		/* keys are plaintext in both views, so an alias may name one; an
		 * edit needs every key's place */
		size_t k = node_alloc(s, SPLICE_SCALAR, &ev->start_mark);
		struct splice_node *kn;

		if (k == SPLICE_NONE)
			return s->e->code;
		kn = &s->d->nodes[k];
		kn->is_key = 1;
		if (s->edit)
			span_fill(s, k, ev, b0, b1);
		if (ev->data.scalar.anchor) {
			if (!(kn->key = buf_memdup0(v, n)))
				return err_oom(s->e);
			kn->key_len = n;
			if (anchor_add(s, (const char *)ev->data.scalar.anchor, k, 1))
				return s->e->code;
		}
	}
	if (s->depth == 1 && !s->edit && n == strlen(META_KEY) && memcmp(v, META_KEY, n) == 0) {
		if (!s->store)
			return fail_at(s, ev->start_mark, "the top-level key '%s' is reserved", META_KEY);
		s->meta_key = b0;
		return meta_parse(s, ev->start_mark);
	}
	if (!(f->key = buf_memdup0(v, n)))
		return err_oom(s->e);
	f->key_len = n;
	f->key_mark = ev->start_mark;
	f->key_at = b0;
	f->expect_key = 0;
	return 0;
}

/* An alias node for ev: in the tree, or a key's (splice_scan_edit). */
static int alias_node(struct scan *s, const yaml_event_t *ev, size_t target, int key)
{
	size_t node = key ? node_alloc(s, SPLICE_ALIAS, &ev->start_mark)
			  : node_new(s, SPLICE_ALIAS, &ev->start_mark);

	if (node == SPLICE_NONE)
		return s->e->code;
	s->d->nodes[node].target = target;
	s->d->nodes[node].is_key = key;
	if (s->edit)
		span_fill(s, node, ev, to_byte(s, ev->start_mark.index),
			  to_byte(s, ev->end_mark.index));
	return 0;
}

static int on_alias(struct scan *s, struct frame *f, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t a = anchor_find(s, name), target;

	if (a == SPLICE_NONE)
		return fail_at(s, ev->start_mark, "undefined alias '*%s'", name);
	target = s->an[a].node;
	if (f && f->mapping && f->expect_key) {
		const struct splice_node *t = &s->d->nodes[target];

		/* a value is encrypted in the store: its key could not be read */
		if (!t->is_key)
			return fail_at(s, ev->start_mark,
				       "a mapping key must be a scalar (alias '*%s' names a value)", name);
		if (!(f->key = buf_memdup0(t->key, t->key_len)))
			return err_oom(s->e);
		f->key_len = t->key_len;
		f->key_mark = ev->start_mark;
		f->key_at = to_byte(s, ev->start_mark.index);
		f->expect_key = 0;
		/* an edit must not remove the anchor this key uses */
		return s->edit ? alias_node(s, ev, target, 1) : 0;
	}
	/* a value must be a token: a key is clear text, which nothing
	 * authenticates as a value (a store writer could anchor any key and
	 * have its text read at another path) */
	if (s->d->nodes[target].is_key && !s->edit)
		return fail_at(s, ev->start_mark,
			       "alias '*%s' names a mapping key, which is clear text: an alias used as a value must name a value",
			       name);
	/* every walk of the tree (PATH lookups, ls, completion, the lists in
	 * messages) is bounded by the size of the expanded tree (an edit
	 * walks no alias) */
	if (!s->an[a].size && !s->edit)
		return fail_at(s, ev->start_mark, "alias '*%s' is inside the collection it names",
			       name);
	s->alias_nodes += s->an[a].size;
	if ((s->an[a].size > SPLICE_MAX_ALIAS_NODES || s->alias_nodes > SPLICE_MAX_ALIAS_NODES) &&
	    !s->edit)
		return fail_at(s, ev->start_mark,
			       "aliases would expand the document by more than %d nodes",
			       SPLICE_MAX_ALIAS_NODES);
	if (alias_node(s, ev, target, 0))
		return s->e->code;
	child_done(s, s->an[a].size);
	return 0;
}

static int on_collection(struct scan *s, const yaml_event_t *ev)
{
	int mapping = ev->type == YAML_MAPPING_START_EVENT;
	int flow = mapping ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
			   : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	const char *anchor = (const char *)(mapping ? ev->data.mapping_start.anchor
						    : ev->data.sequence_start.anchor);
	struct frame *f = top(s);
	size_t node, eb;
	unsigned indent = (unsigned)ev->end_mark.column;

	if (!f && (!mapping || flow) && !s->edit)
		return fail_at(s, ev->start_mark, "the top level must be a block mapping");
	if (f && f->mapping && f->expect_key)
		return fail_at(s, ev->start_mark, "a mapping key must be a scalar");
	if (s->depth >= MAX_NESTING)
		return fail_at(s, ev->start_mark, "collections nested deeper than %d levels",
			       MAX_NESTING);
	if (!mapping && !flow) {
		/* an indentless sequence's event ends after its first '-' */
		eb = to_byte(s, ev->end_mark.index);
		if ((eb >= s->len || s->t[eb] != '-') && indent > 0)
			indent--;
	}
	node = node_new(s, mapping ? SPLICE_MAPPING : SPLICE_SEQUENCE, &ev->start_mark);
	if (node == SPLICE_NONE)
		return s->e->code;
	if (s->edit)
		span_fill(s, node, ev, to_byte(s, ev->start_mark.index),
			  to_byte(s, ev->end_mark.index));
	s->d->nodes[node].flow = flow;
	s->d->nodes[node].indent = flow ? 0 : indent;
	if (!f)
		s->d->indent = indent;
	if (anchor && anchor_add(s, anchor, node, 0))
		return s->e->code;
	if (push_frame(s, node, mapping))
		return s->e->code;
	if (anchor)
		s->st[s->depth - 1].anchor = s->n_an - 1;
	return 0;
}

static int on_document_start(struct scan *s, const yaml_event_t *ev)
{
	const yaml_tag_directive_t *td;

	if (s->docs++)
		return s->edit ? err_set(s->e, ERR_INPUT,
					 "line %zu: the plaintext holds more than one YAML document",
					 ev->start_mark.line + 1)
			       : fail_at(s, ev->start_mark,
					 "several documents: a store is one YAML document");
	for (td = ev->data.document_start.tag_directives.start;
	     td && td != ev->data.document_start.tag_directives.end; td++) {
		if (strcmp((const char *)td->handle, "!") == 0 && !s->edit)
			return fail_at(s, ev->start_mark,
				       "a %%TAG directive redefines '!' (the store's own tag handle)");
		if (strcmp((const char *)td->handle, "!!") == 0 &&
		    strcmp((const char *)td->prefix, "tag:yaml.org,2002:") != 0)
			s->d->verbatim_binary = 1;
	}
	if (ev->data.document_start.version_directive ||
	    ev->data.document_start.tag_directives.start !=
		    ev->data.document_start.tag_directives.end)
		s->d->prolog_end = to_byte(s, ev->end_mark.index);
	return 0;
}

static int root_empty(struct scan *s)
{
	yaml_mark_t m = { 0, 0, 0 };
	size_t n;

	if (s->d->n_nodes)
		return 0;
	n = node_alloc(s, SPLICE_MAPPING, &m);
	return n == SPLICE_NONE ? s->e->code : 0;
}

static int handle(struct scan *s)
{
	const yaml_event_t *ev = &s->ev;
	struct frame *f = top(s);

	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_NO_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		return on_document_start(s, ev);
	case YAML_DOCUMENT_END_EVENT:
		if (!ev->data.document_end.implicit)
			s->doc_end = to_byte(s, ev->start_mark.index);
		return root_empty(s);
	case YAML_STREAM_END_EVENT:
		return root_empty(s);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return on_collection(s, ev);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (!f)
			return err_set(s->e, ERR_FAIL, "splice: unbalanced collection end");
		free(f->key);
		if (s->edit)
			s->d->span[f->node].end = to_byte(s, ev->end_mark.index);
		if (f->anchor != SPLICE_NONE) /* complete: aliases may name it now */
			s->an[f->anchor].size = f->size;
		s->depth--;
		child_done(s, f->size);
		return 0;
	case YAML_SCALAR_EVENT:
		if (!f) {
			/* "---" and nothing else: an empty store */
			if (ev->data.scalar.length == 0 && !ev->data.scalar.tag &&
			    !ev->data.scalar.anchor && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				return root_empty(s);
			if (s->edit) /* any top level: yedit says what it edits */
				return on_value_scalar(s, ev);
			return fail_at(s, ev->start_mark, "the top level must be a block mapping");
		}
		if (f->mapping && f->expect_key)
			return on_key_scalar(s, f, ev);
		return on_value_scalar(s, ev);
	case YAML_ALIAS_EVENT:
		if (!f && !s->edit)
			return fail_at(s, ev->start_mark, "the top level must be a block mapping");
		return on_alias(s, f, ev);
	}
	return 0;
}

/* ---- comments ---- */

static int comment_add(struct scan *s, struct splice_item **v, size_t *n, size_t *cap, size_t a,
		       size_t b, size_t line, size_t col)
{
	struct splice_item *it;

	if (buf_array_grow((void **)v, cap, *n + 1, sizeof **v))
		return err_oom(s->e);
	it = &(*v)[(*n)++];
	memset(it, 0, sizeof *it);
	it->kind = SPLICE_COMMENT;
	it->start = a;
	it->end = b;
	it->anchor_start = SPLICE_NONE;
	it->node = SPLICE_NONE;
	it->line = (unsigned)line;
	it->col = (unsigned)col;
	if (s->store) {
		/* the payload's base64 is checked where it is decoded */
		if (b - a < 7 || memcmp(s->t + a, "#!enc ", 6) != 0)
			return fail_lc(s, line, col, "comment is not an encrypted token (\"#!enc BASE64\")");
		it->b64_start = a + 6;
		it->b64_len = b - a - 6;
	}
	return 0;
}

/* '#' at the start of a line, after a blank or right after a scalar,
 * outside every covered range
 * (key scalars, value regions, metadata scalars), up to the line break. */
static int find_comments(struct scan *s, struct splice_item **v, size_t *n, size_t *cap)
{
	size_t i = 0, j = 0, line = 1, col = 1;
	int ws = 1;

	while (i < s->len) {
		size_t b;

		while (j < s->n_cov && s->cov[j].e <= i)
			j++;
		/* libyaml also takes '#' right after a scalar ("x"#c) as a comment */
		if (s->t[i] == '#' && (ws || (j > 0 && s->cov[j - 1].e == i)) &&
		    !(j < s->n_cov && s->cov[j].s <= i)) {
			size_t k = i, c0 = col;

			while (k < s->len && !break_at(s->t + k, s->len - k)) {
				k += u8_width(s->t[k]);
				col++;
			}
			if (k > s->len)
				k = s->len;
			/* a token is a plain scalar: "!enc B64#c" would swallow it */
			if (!ws && !s->store)
				return fail_lc(s, line, c0, "a comment needs a blank before it");
			if (comment_add(s, v, n, cap, i, k, line, c0))
				return s->e->code;
			i = k;
			ws = 0;
			continue;
		}
		b = break_at(s->t + i, s->len - i);
		if (b) {
			i += b;
			line++;
			col = 1;
			ws = 1;
			continue;
		}
		/* libyaml starts a comment at a '#' wherever a token may start:
		 * after blanks, and right after a flow indicator ("[a,#c") */
		ws = is_blank(s->t[i]) || (s->t[i] && strchr(",[]{}", s->t[i])) ||
		     (s->len - i >= 3 && memcmp(s->t + i, "\xEF\xBB\xBF", 3) == 0);
		i += u8_width(s->t[i]);
		col++;
	}
	return 0;
}

static int merge_comments(struct scan *s, struct splice_item *c, size_t nc)
{
	struct splice_doc *d = s->d;
	struct splice_item *m;
	size_t i = 0, j = 0, k = 0;

	if (!nc)
		return 0;
	m = malloc((d->n_items + nc) * sizeof *m);
	if (!m)
		return err_oom(s->e);
	while (i < d->n_items || j < nc) {
		if (j == nc || (i < d->n_items && d->items[i].start < c[j].start))
			m[k++] = d->items[i++];
		else
			m[k++] = c[j++];
	}
	free(d->items);
	d->items = m;
	d->n_items = d->cap_items = k;
	for (i = 0; i < k; i++)
		if (m[i].kind == SPLICE_VALUE)
			d->nodes[m[i].node].item = i;
	return 0;
}

/* ---- driver ---- */

static int finish_store(struct scan *s)
{
	struct splice_doc *d = s->d;
	size_t a = s->meta_key, b = s->meta_last, n;

	while (a > 0 && is_blank(s->t[a - 1]))
		a--;
	if (a > 0 && !splice_eol_len(s->t, a))
		return err_set(s->e, ERR_INPUT, "the metadata block '%s' must start a line", META_KEY);
	if (!splice_eol_len(s->t, b)) {
		while (b < s->len && is_blank(s->t[b]))
			b++;
		n = break_at(s->t + b, s->len - b);
		if (!n && b < s->len) {
			size_t line, col;

			line_col(s->t, s->len, b, &line, &col);
			return fail_lc(s, line, col, "unexpected text after the metadata block");
		}
		b += n;
	}
	if (!d->final_newline) {
		n = splice_eol_len(s->t, a);
		if (!n)
			return err_set(s->e, ERR_INPUT,
				       "metadata says final_newline: false, but no line break precedes it");
		a -= n;
	}
	d->meta_start = a;
	d->meta_end = b;
	/* nothing of the block is a token: a comment there would be cut in
	 * two by decryption, which removes the block */
	for (size_t i = 0; i < d->n_items; i++)
		if (d->items[i].end > a && d->items[i].start < b)
			return fail_lc(s, d->items[i].line, d->items[i].col,
				       "a comment inside the metadata block '%s'", META_KEY);
	return 0;
}

/* The doc's arrays sized once for about a node and an item a line (an
 * edit: two nodes, the key's and the value's), rather than grown by
 * copying as the events come. */
static int presize(struct scan *s)
{
	struct splice_doc *d = s->d;
	const unsigned char *p = s->t, *end = s->t + s->len;
	size_t n = 16;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	n *= s->edit ? 2 : 1;
	if (buf_array_grow((void **)&d->nodes, &d->cap_nodes, n, sizeof *d->nodes) ||
	    buf_array_grow((void **)&d->items, &d->cap_items, n, sizeof *d->items) ||
	    (s->edit && buf_array_grow((void **)&d->span, &d->cap_span, n, sizeof *d->span)) ||
	    (!s->store && !s->edit &&
	     buf_array_grow((void **)&d->key_start, &d->cap_key_start, n, sizeof *d->key_start)))
		return err_oom(s->e);
	return 0;
}

static void scan_free(struct scan *s)
{
	size_t i;

	if (s->have_ev)
		yaml_event_delete(&s->ev);
	yaml_parser_delete(&s->yp);
	for (i = 0; i < s->depth; i++)
		free(s->st[i].key);
	free(s->st);
	path_free(&s->path);
	for (i = 0; i < s->n_an; i++)
		free(s->an[i].name);
	free(s->an);
	free(s->cov);
	splice_keyset_free(&s->keys);
}

static int scan(const char *text, size_t len, enum scan_mode mode, struct splice_doc *d,
		struct err *e)
{
	struct scan s;
	struct splice_item *com = NULL;
	size_t ncom = 0, capcom = 0, i;
	int rc;

	splice_doc_free(d);
	d->final_newline = 1;
	d->eol = "\n";
	err_clear(e);
	memset(&s, 0, sizeof s);
	s.t = (const unsigned char *)text;
	s.len = len;
	s.store = mode == SCAN_STORE;
	s.edit = mode == SCAN_EDIT;
	s.d = d;
	s.e = e;
	s.doc_end = SPLICE_NONE;
	if (s.edit && len >= 2 && (!memcmp(text, "\xff\xfe", 2) || !memcmp(text, "\xfe\xff", 2)))
		return err_set(e, ERR_INPUT, "the plaintext is UTF-16; only UTF-8 is supported");
	if (!yaml_parser_initialize(&s.yp))
		return err_oom(e);
	/* UTF-8 only: marks are then characters of this very text. An edit
	 * lets libyaml find the encoding, as yedit always did: it skips a
	 * UTF-8 BOM, and marks count from after it. */
	if (!s.edit)
		yaml_parser_set_encoding(&s.yp, YAML_UTF8_ENCODING);
	else if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		s.cm_by = 3;
	yaml_parser_set_input_string(&s.yp, (const unsigned char *)text, len);
	if ((rc = presize(&s)))
		goto out;
	for (;;) {
		rc = ev_next(&s);
		if (!rc)
			rc = handle(&s);
		if (rc)
			goto out;
		if (s.ev.type == YAML_STREAM_END_EVENT)
			break;
	}
	if (s.store && !s.meta_seen) {
		rc = fail_at(&s, s.ev.start_mark, "no metadata block '%s': not a secretctl store",
			     META_KEY);
		goto out;
	}
	rc = s.edit ? 0 : find_comments(&s, &com, &ncom, &capcom);
	if (!rc)
		rc = merge_comments(&s, com, ncom);
	if (!rc && s.store)
		rc = finish_store(&s);
	if (rc)
		goto out;
	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			d->eol = i > 0 && text[i - 1] == '\r' ? "\r\n" : "\n";
			break;
		}
	}
	if (!s.store) {
		d->meta_at = s.doc_end != SPLICE_NONE ? s.doc_end : len;
		d->final_newline = d->meta_at == 0 || splice_eol_len(s.t, d->meta_at) > 0;
	}
out:
	free(com);
	scan_free(&s);
	return rc;
}

int splice_scan_plain(const char *text, size_t len, struct splice_doc *out, struct err *e)
{
	return scan(text, len, SCAN_PLAIN, out, e);
}

int splice_scan_edit(const char *text, size_t len, struct splice_doc *out, struct err *e)
{
	return scan(text, len, SCAN_EDIT, out, e);
}

int splice_scan_store(const char *text, size_t len, struct splice_doc *out, struct err *e)
{
	return scan(text, len, SCAN_STORE, out, e);
}

void splice_arena_free(struct splice_doc *d)
{
	struct splice_arena *m = d->arena;
	struct splice_arena_blk *k;

	if (!m)
		return;
	k = m->keys;
	while (k) {
		struct splice_arena_blk *next = k->next;

		free(k);
		k = next;
	}
	if (m->mapped)
		buf_big_free(m, m->mapped);
	else if (!m->lent)
		free(m);
	d->arena = NULL;
	d->nodes = NULL;
	d->items = NULL;
	d->cap_nodes = d->cap_items = 0;
}

void splice_doc_free(struct splice_doc *d)
{
	size_t i;

	if (d->arena) { /* a fast scan's nodes, items and keys */
		splice_arena_free(d);
	} else {
		free(d->items);
		for (i = 0; i < d->n_nodes; i++)
			free(d->nodes[i].key);
		free(d->nodes);
	}
	for (i = 0; i < d->n_slots; i++) {
		free(d->slots[i].recipient);
		free(d->slots[i].data_key);
	}
	free(d->slots);
	free(d->mac);
	free(d->key_start);
	free(d->span);
	secmem_free(&d->vals);
	memset(d, 0, sizeof *d);
}
