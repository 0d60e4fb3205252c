/* yedit: set / unset on a plaintext view by splicing its text (see
 * yedit.h for the rules). The document is parsed with libyaml into a small
 * node tree carrying byte offsets; an edit is a few (start, end, text)
 * replacements applied to the original text. */
#include "secretctl/yedit.h"
#include "secretctl/utf8.h"
#include "secretctl/yedit_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#define NONE ((size_t)-1)
/* libyaml: an implicit key must fit in 1024 characters. */
#define KEY_MAX 1000
#define TAG_BINARY "tag:yaml.org,2002:binary"
#define MAX_EDITS 4
#define PATH_SHOW 200

enum ytype { Y_SCALAR, Y_MAP, Y_SEQ, Y_ALIAS };

struct ynode {
	enum ytype type;
	int flow;         /* a flow collection */
	int in_flow;      /* inside a flow collection */
	int style;        /* scalar: yaml_scalar_style_t */
	int tagged;       /* has a tag property */
	int binary;       /* tag is !!binary */
	size_t start;     /* bytes: from the node's properties ... */
	size_t end;       /* ... to its end (block collection: its tail) */
	size_t evend;     /* collection: end of its start event ('{' '[') */
	size_t tail;      /* end of its last leaf: whole-line edits end there */
	size_t gap;       /* start of the gap before it (indicator search) */
	size_t parent, first, last, next, prev, n;
	size_t val, vlen; /* scalar: value in ydoc.vals */
	char *anchor;     /* anchor name; alias: the name it refers to */
	size_t target;    /* alias: the anchored node */
	size_t line;      /* 1-based, for messages */
};

struct ydoc {
	const char *t;
	size_t len, bom;
	struct ynode *v;
	size_t n, cap;
	struct secmem vals; /* scalar values: secrets, so secmem */
	size_t root;        /* NONE: empty store */
	const char *eol;
	int verbatim_bin;   /* a %TAG redefines "!!" */
	int explicit_end;   /* "..." ends the document */
};

struct edit {
	size_t start, end;
	struct secmem text;
};

/* One set/unset operation. */
struct yop {
	struct ydoc d;
	const struct path *p;
	const unsigned char *v;
	size_t vlen;
	struct edit ed[MAX_EDITS];
	size_t ned;
	struct err *e;
};

static int is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* ---- text positions ---- */

/* libyaml marks count characters (a UTF-8 sequence is one, CRLF two, a
 * leading BOM none): walk a cursor to the byte offset. Marks mostly grow,
 * so this stays linear. */
struct ycur {
	const unsigned char *t;
	size_t len, base, ci, bi;
};

static size_t cur_byte(struct ycur *c, size_t ci)
{
	while (c->ci < ci && c->bi < c->len) {
		c->bi++;
		while (c->bi < c->len && (c->t[c->bi] & 0xC0) == 0x80)
			c->bi++;
		c->ci++;
	}
	while (c->ci > ci && c->bi > c->base) {
		c->bi--;
		while (c->bi > c->base && (c->t[c->bi] & 0xC0) == 0x80)
			c->bi--;
		c->ci--;
	}
	return c->bi;
}

static size_t line_start(const struct ydoc *d, size_t pos)
{
	while (pos > d->bom && !is_break(d->t[pos - 1]))
		pos--;
	return pos;
}

/* The position of the line break ending pos's line (or len). */
static size_t line_end(const struct ydoc *d, size_t pos)
{
	while (pos < d->len && !is_break(d->t[pos]))
		pos++;
	return pos;
}

/* Start of the line after pos; pos itself when it starts a line. */
static size_t line_after(const struct ydoc *d, size_t pos)
{
	if (pos > d->bom && pos <= d->len && is_break(d->t[pos - 1]) &&
	    !(d->t[pos - 1] == '\r' && pos < d->len && d->t[pos] == '\n'))
		return pos;
	pos = line_end(d, pos);
	if (pos < d->len) {
		if (d->t[pos] == '\r' && pos + 1 < d->len && d->t[pos + 1] == '\n')
			pos++;
		pos++;
	}
	return pos;
}

/* Column in characters (as YAML counts indentation). */
static size_t column(const struct ydoc *d, size_t pos)
{
	size_t i, col = 0;

	for (i = line_start(d, pos); i < pos; i++)
		if (((unsigned char)d->t[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static int only_blanks(const struct ydoc *d, size_t a, size_t b)
{
	for (; a < b; a++)
		if (d->t[a] != ' ' && d->t[a] != '\t')
			return 0;
	return 1;
}

/* The last indicator of `set` in the gap [a, b) between two events
 * (comments skipped), or NONE. Gaps hold only blanks, breaks, comments and
 * indicators. */
static size_t gap_indicator(const struct ydoc *d, size_t a, size_t b, const char *set)
{
	size_t last = NONE;

	for (; a < b && a < d->len; a++) {
		char c = d->t[a];

		if (c == '#') {
			while (a + 1 < b && !is_break(d->t[a + 1]))
				a++;
			continue;
		}
		if (c && strchr(set, c))
			last = a;
	}
	return last;
}

/* ---- the node tree ---- */

static void doc_free(struct ydoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].anchor);
	free(d->v);
	secmem_free(&d->vals);
	d->v = NULL;
	d->n = d->cap = 0;
}

static size_t node_new(struct ydoc *d)
{
	struct ynode *nv;
	size_t k;

	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 32;

		nv = realloc(d->v, ncap * sizeof *nv);
		if (!nv)
			return NONE;
		d->v = nv;
		d->cap = ncap;
	}
	k = d->n++;
	memset(&d->v[k], 0, sizeof d->v[k]);
	d->v[k].parent = d->v[k].first = d->v[k].last = NONE;
	d->v[k].next = d->v[k].prev = d->v[k].target = NONE;
	return k;
}

static int is_bare_null(const struct ydoc *d, size_t k)
{
	const struct ynode *n = &d->v[k];

	return n->type == Y_SCALAR && n->style == YAML_PLAIN_SCALAR_STYLE && n->vlen == 0 &&
	       n->start == n->end && !n->anchor && !n->tagged;
}

static int is_block_scalar(const struct ynode *n)
{
	return n->type == Y_SCALAR &&
	       (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE);
}

/* A block scalar's header "[props] |2+ # comment": *ind = the '|'/'>'
 * position (NONE if not on the first line), *keep = '+' chomping, and
 * [*rest, *rest_end) = what follows the indicators on that line. */
static void block_header(const struct ydoc *d, size_t start, size_t *ind, int *keep, size_t *rest,
			 size_t *rest_end)
{
	const char *t = d->t;
	size_t p = start, le = line_end(d, start);

	*ind = NONE;
	*keep = 0;
	while (p < le && (t[p] == '&' || t[p] == '!')) {
		while (p < le && t[p] != ' ' && t[p] != '\t')
			p++;
		while (p < le && (t[p] == ' ' || t[p] == '\t'))
			p++;
	}
	if (p < le && (t[p] == '|' || t[p] == '>')) {
		*ind = p++;
		while (p < le && strchr("0123456789+-", t[p])) {
			if (t[p] == '+')
				*keep = 1;
			p++;
		}
	}
	*rest = *ind == NONE ? le : p;
	*rest_end = le;
}

/* A block scalar's end for edits: libyaml's end mark includes the trailing
 * blank lines (and maybe the next line's indentation); those that are not
 * part of the value stay in place. */
static size_t block_tail(const struct ydoc *d, size_t start, size_t end)
{
	size_t ind, rest, rest_end, ls;
	int keep;

	block_header(d, start, &ind, &keep, &rest, &rest_end);
	ls = line_start(d, end);
	if (ls > start && only_blanks(d, ls, end))
		end = ls;
	if (keep || end == 0 || !is_break(d->t[end - 1]))
		return end;
	for (;;) { /* drop blank lines: end is at a line start here */
		size_t prev = end - 1;

		if (prev > 0 && d->t[prev] == '\n' && d->t[prev - 1] == '\r')
			prev--;
		ls = line_start(d, prev);
		if (ls <= start || !only_blanks(d, ls, prev))
			return end;
		end = ls;
	}
}

static size_t find_anchor(const struct ydoc *d, const char *name, size_t before)
{
	while (before-- > 0)
		if (d->v[before].type != Y_ALIAS && d->v[before].anchor &&
		    !strcmp(d->v[before].anchor, name))
			return before;
	return NONE;
}

static int dup_anchor(struct ynode *n, const yaml_char_t *a)
{
	if (!a)
		return 0;
	n->anchor = strdup((const char *)a);
	return n->anchor ? 0 : -1;
}

/* The end of collection k's properties (anchor, tag; maybe on separate
 * lines), or its start. */
static size_t skip_props(const struct ydoc *d, size_t k)
{
	size_t p = d->v[k].start, q = p;
	int n = (d->v[k].anchor != NULL) + d->v[k].tagged;

	while (n-- > 0) {
		while (p < d->len && (d->t[p] == ' ' || d->t[p] == '\t' || is_break(d->t[p])))
			p++;
		if (p >= d->len || (d->t[p] != '&' && d->t[p] != '!'))
			break;
		while (p < d->len && d->t[p] != ' ' && d->t[p] != '\t' && !is_break(d->t[p]))
			p++;
		q = p;
	}
	return q;
}

/* A single-pair mapping in a flow sequence ("[k: v]"): no braces. */
static int implicit_pair(const struct ydoc *d, size_t k)
{
	size_t p = skip_props(d, k);

	while (p < d->len && (d->t[p] == ' ' || d->t[p] == '\t' || is_break(d->t[p]) ||
			      d->t[p] == '#')) {
		if (d->t[p] == '#')
			p = line_end(d, p);
		else
			p++;
	}
	return d->v[k].type == Y_MAP && d->v[k].flow && (p >= d->len || d->t[p] != '{');
}

/* Add a node for an event; the new node opens when it is a collection. */
static size_t add_node(struct ydoc *d, size_t cur, size_t prev_end, enum ytype type, size_t s,
		       size_t en)
{
	size_t k = node_new(d);
	struct ynode *n;

	if (k == NONE)
		return NONE;
	n = &d->v[k];
	n->type = type;
	n->start = s;
	n->end = n->tail = n->evend = en;
	n->parent = cur;
	if (cur == NONE) {
		n->gap = d->bom;
		if (d->root == NONE)
			d->root = k;
		return k;
	}
	n->in_flow = d->v[cur].flow || d->v[cur].in_flow;
	/* A block collection's start mark is at its properties, else at its
	 * first indicator ('-', '?'): the first child's gap starts after the
	 * properties (a tag may hold '?' or '-'). */
	if (d->v[cur].first == NONE)
		n->gap = d->v[cur].flow ? d->v[cur].evend : skip_props(d, cur);
	else
		n->gap = prev_end;
	if (d->v[cur].last != NONE) {
		d->v[d->v[cur].last].next = k;
		n->prev = d->v[cur].last;
	} else {
		d->v[cur].first = k;
	}
	d->v[cur].last = k;
	d->v[cur].n++;
	return k;
}

static int parse_error(yaml_parser_t *ps, struct err *e)
{
	if (ps->error == YAML_MEMORY_ERROR)
		return err_oom(e);
	return err_set(e, ERR_INPUT, "line %zu, column %zu: %s%s%s", ps->problem_mark.line + 1,
		       ps->problem_mark.column + 1, ps->problem ? ps->problem : "invalid YAML",
		       ps->context ? " " : "", ps->context ? ps->context : "");
}

static int doc_parse(struct ydoc *d, const char *t, size_t len, struct err *e)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	struct ycur c;
	size_t cur = NONE, prev_end = 0, i;
	int docs = 0, rc = 0, done = 0;

	memset(d, 0, sizeof *d);
	d->t = t;
	d->len = len;
	d->root = NONE;
	d->eol = "\n";
	if (len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3))
		d->bom = 3;
	else if (len >= 2 && (!memcmp(t, "\xff\xfe", 2) || !memcmp(t, "\xfe\xff", 2)))
		return err_set(e, ERR_INPUT, "the plaintext is UTF-16; only UTF-8 is supported");
	for (i = 0; i < len; i++)
		if (is_break(t[i])) {
			d->eol = t[i] == '\n' ? "\n" : i + 1 < len && t[i + 1] == '\n' ? "\r\n" : "\r";
			break;
		}
	c.t = (const unsigned char *)t;
	c.len = len;
	c.base = c.bi = d->bom;
	c.ci = 0;
	if (!yaml_parser_initialize(&ps))
		return err_oom(e);
	yaml_parser_set_input_string(&ps, (const unsigned char *)t, len);
	while (!done && !rc) {
		size_t s, en, k;
		struct ynode *n;

		if (!yaml_parser_parse(&ps, &ev)) {
			rc = parse_error(&ps, e);
			break;
		}
		s = cur_byte(&c, ev.start_mark.index);
		en = cur_byte(&c, ev.end_mark.index);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			d->explicit_end = !ev.data.document_end.implicit;
			break;
		case YAML_DOCUMENT_START_EVENT: {
			yaml_tag_directive_t *td;

			if (++docs > 1) {
				rc = err_set(e, ERR_INPUT,
					     "line %zu: the plaintext holds more than one YAML document",
					     ev.start_mark.line + 1);
				break;
			}
			for (td = ev.data.document_start.tag_directives.start;
			     td && td != ev.data.document_start.tag_directives.end; td++)
				if (!strcmp((char *)td->handle, "!!") &&
				    strcmp((char *)td->prefix, "tag:yaml.org,2002:"))
					d->verbatim_bin = 1;
			break;
		}
		case YAML_SCALAR_EVENT:
			k = add_node(d, cur, prev_end, Y_SCALAR, s, en);
			if (k == NONE) {
				rc = err_oom(e);
				break;
			}
			n = &d->v[k];
			n->line = ev.start_mark.line + 1;
			n->style = ev.data.scalar.style;
			n->tagged = ev.data.scalar.tag != NULL;
			n->binary = n->tagged && !strcmp((char *)ev.data.scalar.tag, TAG_BINARY);
			n->val = d->vals.len;
			n->vlen = ev.data.scalar.length;
			if (secmem_append(&d->vals, ev.data.scalar.value, ev.data.scalar.length) ||
			    dup_anchor(n, ev.data.scalar.anchor))
				rc = err_oom(e);
			if (is_block_scalar(n))
				n->tail = n->end = block_tail(d, s, en);
			/* The value is a secret: do not leave it in freed memory. */
			sodium_memzero(ev.data.scalar.value, ev.data.scalar.length);
			break;
		case YAML_ALIAS_EVENT:
			k = add_node(d, cur, prev_end, Y_ALIAS, s, en);
			if (k == NONE || dup_anchor(&d->v[k], ev.data.alias.anchor)) {
				rc = err_oom(e);
				break;
			}
			d->v[k].line = ev.start_mark.line + 1;
			d->v[k].target = find_anchor(d, d->v[k].anchor, k);
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT: {
			int map = ev.type == YAML_MAPPING_START_EVENT;

			k = add_node(d, cur, prev_end, map ? Y_MAP : Y_SEQ, s, en);
			if (k == NONE) {
				rc = err_oom(e);
				break;
			}
			n = &d->v[k];
			n->line = ev.start_mark.line + 1;
			n->flow = map ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
				      : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
			n->tagged = (map ? ev.data.mapping_start.tag : ev.data.sequence_start.tag) != NULL;
			if (dup_anchor(n, map ? ev.data.mapping_start.anchor
					      : ev.data.sequence_start.anchor))
				rc = err_oom(e);
			cur = k;
			break;
		}
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			n = &d->v[cur];
			if (n->flow)
				n->end = n->tail = en;
			else
				n->end = n->tail = n->last != NONE ? d->v[n->last].tail : n->start;
			cur = n->parent;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		prev_end = en;
	}
	yaml_parser_delete(&ps);
	if (rc)
		return rc;
	if (d->root != NONE) {
		if (is_bare_null(d, d->root))
			d->root = NONE; /* "---" alone: an empty store */
		else if (d->v[d->root].type != Y_MAP)
			return err_set(e, ERR_INPUT, "the top level of the plaintext is not a mapping");
	}
	return 0;
}

/* ---- entries ---- */

/* Where a mapping entry starts: its '?' or its key. */
static size_t entry_start(const struct ydoc *d, size_t key)
{
	size_t q = gap_indicator(d, d->v[key].gap, d->v[key].start, "?");

	return q != NONE ? q : d->v[key].start;
}

/* A block sequence item's '-'. */
static size_t item_dash(const struct ydoc *d, size_t k)
{
	size_t q = gap_indicator(d, d->v[k].gap, d->v[k].start, "-");

	return q != NONE ? q : d->v[k].start;
}

/* Where the entry holding node k (a mapping value or a sequence item)
 * starts. */
static size_t owner_start(const struct ydoc *d, size_t k)
{
	size_t par = d->v[k].parent;

	if (par == NONE)
		return d->v[k].start;
	if (d->v[par].type == Y_MAP)
		return entry_start(d, d->v[k].prev);
	return d->v[par].flow ? d->v[k].start : item_dash(d, k);
}

/* The column of the collection holding node k: block lines of k's value go
 * 2 columns deeper. */
static size_t owner_col(const struct ydoc *d, size_t k)
{
	return column(d, owner_start(d, k));
}

static const unsigned char *node_val(const struct ydoc *d, size_t k)
{
	return d->vals.p + d->v[k].val;
}

static size_t map_find(const struct ydoc *d, size_t m, const char *key, size_t klen)
{
	size_t c;

	for (c = d->v[m].first; c != NONE && d->v[c].next != NONE; c = d->v[d->v[c].next].next)
		if (d->v[c].type == Y_SCALAR && d->v[c].vlen == klen &&
		    (klen == 0 || !memcmp(node_val(d, c), key, klen)))
			return d->v[c].next;
	return NONE;
}

static size_t child_at(const struct ydoc *d, size_t s, size_t idx)
{
	size_t c = d->v[s].first;

	while (c != NONE && idx--)
		c = d->v[c].next;
	return c;
}

static size_t entries(const struct ydoc *d, size_t k)
{
	if (k == NONE)
		return 0;
	return d->v[k].type == Y_MAP ? d->v[k].n / 2 : d->v[k].n;
}

/* The last node of k's subtree (nodes are in document order). */
static size_t subtree_end(const struct ydoc *d, size_t k)
{
	while (d->v[k].last != NONE)
		k = d->v[k].last;
	return k;
}

/* ---- messages ---- */

/* The PATH (first n segments) for messages: escaped, non-printable bytes
 * as \xNN, shortened. */
static const char *show_path(const struct path *p, size_t n, char *buf, size_t cap)
{
	size_t i, j, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + 8 < cap; i++) {
		if (i)
			buf[o++] = '/';
		for (j = 0; j < p->v[i].len && o + 8 < cap; j++) {
			unsigned char c = (unsigned char)p->v[i].s[j];

			if (c == '~' || c == '/') {
				buf[o++] = '~';
				buf[o++] = c == '~' ? '0' : '1';
			} else if (c < 0x20 || c == 0x7f) {
				o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
			} else {
				buf[o++] = (char)c;
			}
		}
	}
	if (i < n || (n && j < p->v[n - 1].len))
		o += (size_t)snprintf(buf + o, cap - o, "...");
	buf[o] = '\0';
	return buf;
}

/* Would the lines from q on stay outside a block scalar whose lines are at
 * column ci? (Deeper lines, and blank lines under keep chomping, would be
 * read as part of it.) */
static int block_fits(const struct ydoc *d, size_t q, size_t ci, int keep)
{
	while (q < d->len) {
		size_t sp = 0;

		while (q < d->len && d->t[q] == ' ') {
			q++;
			sp++;
		}
		if (q >= d->len)
			return sp == 0;
		if (is_break(d->t[q])) {
			if (keep || sp >= ci)
				return 0;
			q += d->t[q] == '\r' && q + 1 < d->len && d->t[q + 1] == '\n' ? 2 : 1;
			continue;
		}
		return sp < ci;
	}
	return 1;
}

/* Render the operation's value for an entry at column col; a block style
 * only when the text from `after` on cannot join it. */
static int render_value(struct yop *o, size_t col, int flow, size_t after, struct yedit_rend *r)
{
	unsigned flags = flow ? YEDIT_FLOW : 0;
	int rc;

	rc = yedit_render(o->v, o->vlen, col, flags, o->d.eol, o->d.verbatim_bin, r, o->e);
	if (rc || !r->block || block_fits(&o->d, after, col + 2, r->keep))
		return rc;
	yedit_rend_free(r);
	return yedit_render(o->v, o->vlen, col, flags | YEDIT_INLINE, o->d.eol, o->d.verbatim_bin,
			    r, o->e);
}

/* A new key, quoted when needed. */
static int render_key(struct yop *o, size_t seg, int flow, struct secmem *out)
{
	const unsigned char *k = (const unsigned char *)o->p->v[seg].s;
	size_t n = o->p->v[seg].len, before = out->len;
	char pb[PATH_SHOW];

	if (utf8_invalid(k, n) != n)
		return err_set(o->e, ERR_INPUT, "'%s': a key must be valid UTF-8",
			       show_path(o->p, seg + 1, pb, sizeof pb));
	if (yedit_render_key(k, n, flow, out))
		return err_oom(o->e);
	if (out->len - before > KEY_MAX)
		return err_set(o->e, ERR_INPUT, "'%s': key is too long (at most %d characters)",
			       show_path(o->p, seg + 1, pb, sizeof pb), KEY_MAX);
	return 0;
}

/* ---- edits ---- */

static struct secmem *edit_add(struct yop *o, size_t start, size_t end)
{
	struct edit *x;

	if (o->ned == MAX_EDITS)
		return NULL;
	x = &o->ed[o->ned++];
	x->start = start;
	x->end = end;
	memset(&x->text, 0, sizeof x->text);
	if (secmem_reserve(&x->text, 64)) {
		o->ned--;
		return NULL;
	}
	return &x->text;
}

static void edits_free(struct yop *o)
{
	size_t i;

	for (i = 0; i < o->ned; i++)
		secmem_free(&o->ed[i].text);
	o->ned = 0;
}

static int edits_apply(struct yop *o, struct secmem *out)
{
	const struct ydoc *d = &o->d;
	size_t i, j, pos = 0;

	for (i = 1; i < o->ned; i++) /* insertion sort: a handful of edits */
		for (j = i; j > 0 && o->ed[j].start < o->ed[j - 1].start; j--) {
			struct edit tmp = o->ed[j];

			o->ed[j] = o->ed[j - 1];
			o->ed[j - 1] = tmp;
		}
	secmem_clear(out);
	for (i = 0; i < o->ned; i++) {
		if (o->ed[i].start < pos || o->ed[i].end < o->ed[i].start || o->ed[i].end > d->len)
			return err_set(o->e, ERR_FAIL, "internal error: overlapping edits");
		if (secmem_append(out, d->t + pos, o->ed[i].start - pos) ||
		    secmem_append(out, o->ed[i].text.p, o->ed[i].text.len))
			return err_oom(o->e);
		pos = o->ed[i].end;
	}
	if (secmem_append(out, d->t + pos, d->len - pos))
		return err_oom(o->e);
	return 0;
}

/* Insert whole lines `text` (ending in a line break) at pos, a line start.
 * At the end of a text without a final line break, the lines go after a
 * new break and the last one gets none (unless a block needs it). */
static int insert_lines(struct yop *o, size_t pos, const struct secmem *text, int block_last)
{
	const struct ydoc *d = &o->d;
	struct secmem *m;
	size_t n = text->len;

	m = edit_add(o, pos, pos);
	if (!m)
		return err_oom(o->e);
	if (pos == d->len && pos > d->bom && !is_break(d->t[pos - 1])) {
		if (!block_last)
			n -= strlen(d->eol);
		if (yedit_put(m, d->eol))
			return err_oom(o->e);
	}
	return secmem_append(m, text->p, n) ? err_oom(o->e) : 0;
}

/* ---- set ---- */

/* The text after an indicator (':' of a new key, '-' of a new item) for
 * segments [seg, n) in block context, the entry's collection at column
 * col; through the final line break. *block_last: ends with a block. */
static int gen_after(struct yop *o, size_t seg, size_t col, size_t after, struct secmem *m,
		     int *block_last)
{
	const char *eol = o->d.eol;
	struct yedit_rend r = { 0 };
	int rc;

	if (seg < o->p->n) {
		if (yedit_put(m, eol) || yedit_put_spaces(m, col + 2))
			return err_oom(o->e);
		if ((rc = render_key(o, seg, 0, m)))
			return rc;
		if (yedit_put(m, ":"))
			return err_oom(o->e);
		return gen_after(o, seg + 1, col + 2, after, m, block_last);
	}
	if ((rc = render_value(o, col, 0, after, &r)))
		return rc;
	*block_last = r.block;
	if (yedit_put(m, " ") || secmem_append(m, r.head.p, r.head.len) || yedit_put(m, eol) ||
	    secmem_append(m, r.body.p, r.body.len))
		rc = err_oom(o->e);
	yedit_rend_free(&r);
	return rc;
}

/* New block mapping entries for segments [seg, n) at column col. */
static int gen_entry(struct yop *o, size_t seg, size_t col, size_t after, struct secmem *m,
		     int *block_last)
{
	int rc;

	if (yedit_put_spaces(m, col))
		return err_oom(o->e);
	if ((rc = render_key(o, seg, 0, m)))
		return rc;
	if (yedit_put(m, ":"))
		return err_oom(o->e);
	return gen_after(o, seg + 1, col, after, m, block_last);
}

/* A new block sequence item ("- ...") at column col for segments
 * [seg, n): a scalar, or a compact mapping. */
static int gen_item(struct yop *o, size_t seg, size_t col, size_t after, struct secmem *m,
		    int *block_last)
{
	int rc;

	if (yedit_put_spaces(m, col) || yedit_put(m, "-"))
		return err_oom(o->e);
	if (seg == o->p->n)
		return gen_after(o, seg, col, after, m, block_last);
	if (yedit_put(m, " "))
		return err_oom(o->e);
	if ((rc = render_key(o, seg, 0, m)))
		return rc;
	if (yedit_put(m, ":"))
		return err_oom(o->e);
	return gen_after(o, seg + 1, col + 2, after, m, block_last);
}

/* Flow text for segments [seg, n): "key: {key2: value}" (map) or the
 * value alone (seg == n). */
static int gen_flow(struct yop *o, size_t seg, struct secmem *m)
{
	struct yedit_rend r = { 0 };
	int rc;

	if (seg == o->p->n) {
		rc = render_value(o, 0, 1, o->d.len, &r);
		if (!rc && secmem_append(m, r.head.p, r.head.len))
			rc = err_oom(o->e);
		yedit_rend_free(&r);
		return rc;
	}
	if ((rc = render_key(o, seg, 1, m)))
		return rc;
	if (yedit_put(m, ": "))
		return err_oom(o->e);
	if (seg + 1 == o->p->n)
		return gen_flow(o, seg + 1, m);
	if (yedit_put(m, "{"))
		return err_oom(o->e);
	if ((rc = gen_flow(o, seg + 1, m)))
		return rc;
	return yedit_put(m, "}") ? err_oom(o->e) : 0;
}

/* Where a bare null's value goes: right after its ':' or '-'. *colon: a
 * ':' must be written too (flow "{a}"). */
static int null_pos(struct yop *o, size_t k, size_t *pos, int *colon)
{
	const struct ydoc *d = &o->d;
	size_t par = d->v[k].parent, q;
	int map = d->v[par].type == Y_MAP;

	*colon = 0;
	q = gap_indicator(d, d->v[k].gap, d->v[k].start, map ? ":" : "-");
	if (q != NONE) {
		*pos = q + 1;
		return 0;
	}
	if (map && d->v[par].flow) {
		*pos = d->v[k].gap;
		*colon = 1;
		return 0;
	}
	if (!map && d->v[par].flow) {
		*pos = d->v[k].start;
		return 0;
	}
	return err_set(o->e, ERR_INPUT, "line %zu: explicit key without ':'; edit this entry by hand",
		       d->v[k].line);
}

/* Set an existing scalar k. */
static int set_scalar(struct yop *o, size_t k)
{
	const struct ydoc *d = &o->d;
	const struct ynode *n = &d->v[k];
	struct yedit_rend r = { 0 };
	struct secmem *m;
	size_t col = owner_col(d, k), rs, re, ve, rest = 0, rest_end = 0, after;
	int rc, colon = 0, bare = is_bare_null(d, k), oldblock = is_block_scalar(n);
	const char *lead = "";

	if (bare) {
		if ((rc = null_pos(o, k, &rs, &colon)))
			return rc;
		re = ve = rs;
		lead = colon ? ": " : " ";
	} else {
		rs = n->start;
		re = ve = n->end;
	}
	if (oldblock) {
		size_t ind, q;
		int keep;

		block_header(d, n->start, &ind, &keep, &rest, &rest_end);
		after = re;
		/* a block scalar may start a line at its parent's column; no
		 * other value may: move the new one up behind the indicator */
		if (only_blanks(d, line_start(d, rs), rs) && column(d, rs) <= col &&
		    (q = gap_indicator(d, n->gap, n->start, ":-")) != NONE) {
			rs = q + 1;
			lead = " ";
		}
	} else {
		after = line_after(d, ve);
	}
	if ((rc = render_value(o, col, n->in_flow, after, &r)))
		return rc;
	if (!oldblock && r.block)
		re = after; /* the block's lines go below the rest of this line */
	m = edit_add(o, rs, re);
	if (!m) {
		yedit_rend_free(&r);
		return err_oom(o->e);
	}
	rc = 0;
	if (yedit_put(m, lead) ||
	    (n->anchor && (yedit_put(m, "&") || yedit_put(m, n->anchor) || yedit_put(m, " "))) ||
	    secmem_append(m, r.head.p, r.head.len))
		rc = err_oom(o->e);
	else if (oldblock) {
		/* keep the header's comment ("|#c" is valid, "v#c" is not); the
		 * old lines ended in a break */
		if ((rest < rest_end && d->t[rest] == '#' && yedit_put(m, " ")) ||
		    secmem_append(m, d->t + rest, rest_end - rest) ||
		    ((r.block || (re > 0 && is_break(d->t[re - 1]))) && yedit_put(m, d->eol)) ||
		    secmem_append(m, r.body.p, r.body.len))
			rc = err_oom(o->e);
	} else if (!r.block) {
		/* libyaml takes "\"v\"#c" as a comment; "v#c" would be one plain */
		if (re < d->len && d->t[re] == '#' && yedit_put(m, " "))
			rc = err_oom(o->e);
	} else {
		size_t le = line_end(d, ve);

		/* the file's line break, not the line's own: a lone CR before
		 * an empty first line would read as one CRLF */
		if (secmem_append(m, d->t + ve, le - ve) || yedit_put(m, d->eol) ||
		    secmem_append(m, r.body.p, r.body.len))
			rc = err_oom(o->e);
	}
	yedit_rend_free(&r);
	return rc;
}

/* Add the missing segments [seg, n) below parent par (NONE: empty store). */
static int set_new(struct yop *o, size_t par, size_t seg)
{
	const struct ydoc *d = &o->d;
	struct secmem m = { 0 };
	struct secmem *x;
	size_t pos, col;
	int rc, blast = 0, colon;

	if (par == NONE) { /* empty store: the first top-level key */
		pos = d->len;
		rc = gen_entry(o, seg, 0, pos, &m, &blast);
		goto lines;
	}
	if (d->v[par].type == Y_SEQ)
		seg++; /* the index (== length): append */
	if (d->v[par].type == Y_SCALAR) { /* a bare null becomes a mapping */
		if ((rc = null_pos(o, par, &pos, &colon)))
			return rc;
		if (d->v[par].in_flow) {
			x = edit_add(o, pos, pos);
			if (!x || yedit_put(x, colon ? ": {" : " {"))
				return err_oom(o->e);
			return (rc = gen_flow(o, seg, x)) ? rc : yedit_put(x, "}") ? err_oom(o->e) : 0;
		}
		col = owner_col(d, par) + 2;
		pos = line_after(d, pos);
		rc = gen_entry(o, seg, col, pos, &m, &blast);
		goto lines;
	}
	if (d->v[par].flow) {
		size_t last = d->v[par].last;

		if (implicit_pair(d, par))
			return err_set(o->e, ERR_INPUT,
				       "line %zu: a single-pair mapping in a flow sequence takes no other key; edit it by hand",
				       d->v[par].line);

		if (last != NONE) { /* ", new" after the last entry */
			pos = d->v[last].tail;
			if (d->v[par].type == Y_MAP && d->v[last].prev != NONE &&
			    d->v[d->v[last].prev].tail > pos)
				pos = d->v[d->v[last].prev].tail;
			x = edit_add(o, pos, pos);
			if (!x || yedit_put(x, ", "))
				return err_oom(o->e);
			if (d->v[par].type == Y_MAP)
				return gen_flow(o, seg, x);
			if (seg == o->p->n)
				return gen_flow(o, seg, x);
			if (yedit_put(x, "{"))
				return err_oom(o->e);
			return (rc = gen_flow(o, seg, x)) ? rc : yedit_put(x, "}") ? err_oom(o->e) : 0;
		}
		if (d->v[par].in_flow || d->v[par].parent == NONE) { /* "{}" -> "{new}" */
			x = edit_add(o, d->v[par].end - 1, d->v[par].end - 1);
			if (!x)
				return err_oom(o->e);
			if (d->v[par].type == Y_SEQ && seg < o->p->n) {
				if (yedit_put(x, "{"))
					return err_oom(o->e);
				return (rc = gen_flow(o, seg, x)) ? rc : yedit_put(x, "}") ? err_oom(o->e) : 0;
			}
			return gen_flow(o, seg, x);
		} else { /* an empty "{}" / "[]" block value becomes a block collection */
			size_t ds = d->v[par].start, de = d->v[par].end;

			while (ds < de && d->t[ds] != '{' && d->t[ds] != '[')
				ds++; /* keep its anchor/tag */
			while (ds > d->v[par].gap && (d->t[ds - 1] == ' ' || d->t[ds - 1] == '\t'))
				ds--;
			if (!edit_add(o, ds, de))
				return err_oom(o->e);
			col = owner_col(d, par) + 2;
			pos = line_after(d, de);
			if (d->v[par].type == Y_MAP)
				rc = gen_entry(o, seg, col, pos, &m, &blast);
			else
				rc = gen_item(o, seg, col, pos, &m, &blast);
			goto lines;
		}
	}
	/* a block collection: after its last entry, at its first entry's column */
	pos = line_after(d, d->v[par].tail);
	if (d->v[par].type == Y_MAP) {
		col = column(d, entry_start(d, d->v[par].first));
		rc = gen_entry(o, seg, col, pos, &m, &blast);
	} else {
		col = column(d, item_dash(d, d->v[par].first));
		rc = gen_item(o, seg, col, pos, &m, &blast);
	}
lines:
	if (!rc)
		rc = insert_lines(o, pos, &m, blast);
	secmem_free(&m);
	return rc;
}

/* ---- lookup ---- */

static int seg_index(const struct path_seg *s, size_t *idx)
{
	size_t i, v = 0;

	if (s->len == 0 || (s->len > 1 && s->s[0] == '0'))
		return 0;
	for (i = 0; i < s->len; i++) {
		if (s->s[i] < '0' || s->s[i] > '9' || v > (((size_t)-1) - 9) / 10)
			return 0;
		v = v * 10 + (size_t)(s->s[i] - '0');
	}
	*idx = v;
	return 1;
}

/* Walk p. *node: the node (NONE when missing); then *par is the deepest
 * existing collection (or bare null when `create`) and *depth the first
 * missing segment. */
static int walk(struct yop *o, int create, size_t *node, size_t *par, size_t *depth)
{
	const struct ydoc *d = &o->d;
	const struct path *p = o->p;
	size_t cur = d->root, i, idx, nx;
	char pb[PATH_SHOW], qb[PATH_SHOW];

	*node = *par = NONE;
	*depth = 0;
	if (cur == NONE) {
		if (p->n == 0)
			return err_set(o->e, ERR_INPUT, "the store is empty: no top-level mapping");
		return 0;
	}
	for (i = 0; i < p->n; i++) {
		const struct ynode *n = &d->v[cur];

		switch (n->type) {
		case Y_ALIAS:
			return err_set(o->e, ERR_INPUT,
				       "'%s' goes through the alias '%s' (*%s, line %zu); edit where &%s is defined",
				       show_path(p, p->n, pb, sizeof pb),
				       show_path(p, i, qb, sizeof qb), n->anchor, n->line,
				       n->anchor);
		case Y_MAP:
			nx = map_find(d, cur, p->v[i].s, p->v[i].len);
			if (nx == NONE) {
				*par = cur;
				*depth = i;
				return 0;
			}
			cur = nx;
			break;
		case Y_SEQ:
			if (!seg_index(&p->v[i], &idx))
				return err_set(o->e, ERR_INPUT,
					       "'%s': '%s' is a sequence; '%.*s' is not an index",
					       show_path(p, p->n, pb, sizeof pb),
					       show_path(p, i, qb, sizeof qb),
					       (int)(p->v[i].len < 64 ? p->v[i].len : 64), p->v[i].s);
			if (idx < n->n) {
				cur = child_at(d, cur, idx);
				break;
			}
			if (idx == n->n && create) {
				*par = cur;
				*depth = i;
				return 0;
			}
			return err_set(o->e, ERR_NOTFOUND,
				       "'%s' not found: '%s' has %zu item%s",
				       show_path(p, p->n, pb, sizeof pb),
				       show_path(p, i, qb, sizeof qb), n->n, n->n == 1 ? "" : "s");
		case Y_SCALAR:
			if (create && is_bare_null(d, cur)) {
				*par = cur;
				*depth = i;
				return 0;
			}
			return err_set(o->e, ERR_INPUT, "'%s': '%s' is a scalar, not a mapping",
				       show_path(p, p->n, pb, sizeof pb),
				       show_path(p, i, qb, sizeof qb));
		}
	}
	*node = cur;
	*depth = p->n;
	return 0;
}

static int check_reserved(const struct path *p, struct err *e)
{
	if (p->n > 0 && p->v[0].len == 9 && !memcmp(p->v[0].s, "secretctl", 9))
		return err_set(e, ERR_INPUT, "the top-level key 'secretctl' is reserved for the store");
	return 0;
}

/* ---- read back ---- */

/* The value of scalar k as the store reads it (!!binary decoded). */
static int node_bytes(const struct ydoc *d, size_t k, struct secmem *out)
{
	const unsigned char *v = node_val(d, k);
	size_t n = d->v[k].vlen, bl;

	secmem_clear(out);
	if (!d->v[k].binary)
		return secmem_append(out, v, n);
	if (secmem_reserve(out, n))
		return -1;
	if (sodium_base642bin(out->p, out->cap, (const char *)v, n, " \t\r\n", &bl, NULL,
			      sodium_base64_VARIANT_ORIGINAL))
		return -1;
	out->len = bl;
	return 0;
}

/* The edited text must parse. When it does not, the edit ran into layout
 * this module does not handle (the message says where): refuse. */
static int verify_parse(struct yop *o, struct yop *chk, const struct secmem *out)
{
	struct err e2;

	if (!doc_parse(&chk->d, (const char *)out->p, out->len, &e2))
		return 0;
	err_set(o->e, ERR_INPUT, "cannot edit this place safely: the result would not parse (%s); edit it by hand",
		e2.msg);
	o->e->sub = YEDIT_E_LAYOUT;
	return o->e->code;
}

static int verify_set(struct yop *o, const struct secmem *out)
{
	struct yop chk = { 0 };
	struct err e2;
	struct secmem got = { 0 };
	size_t node, par, depth;
	int ok, rc;

	chk.p = o->p;
	chk.e = &e2;
	if ((rc = verify_parse(o, &chk, out))) {
		doc_free(&chk.d);
		return rc;
	}
	ok = !walk(&chk, 0, &node, &par, &depth) && node != NONE &&
	     chk.d.v[node].type == Y_SCALAR && !node_bytes(&chk.d, node, &got) &&
	     got.len == o->vlen && (!o->vlen || !sodium_memcmp(got.p, o->v, o->vlen));
	secmem_free(&got);
	doc_free(&chk.d);
	return ok ? 0 : err_set(o->e, ERR_FAIL, "internal error: the edited text does not read back");
}

static int verify_unset(struct yop *o, const struct secmem *out, size_t before)
{
	struct yop chk = { 0 };
	struct path pp = *o->p;
	struct err e2;
	size_t node, par, depth;
	int ok, rc;

	pp.n--;
	chk.p = &pp;
	chk.e = &e2;
	if ((rc = verify_parse(o, &chk, out))) {
		doc_free(&chk.d);
		return rc;
	}
	if (pp.n == 0)
		ok = entries(&chk.d, chk.d.root) + 1 == before;
	else
		ok = !walk(&chk, 0, &node, &par, &depth) && node != NONE &&
		     entries(&chk.d, node) + 1 == before;
	doc_free(&chk.d);
	return ok ? 0 : err_set(o->e, ERR_FAIL, "internal error: the edited text does not read back");
}

int yedit_set(const char *text, size_t len, const struct path *p, const unsigned char *value,
	      size_t vlen, struct secmem *out, struct err *e)
{
	struct yop o = { 0 };
	size_t node, par, depth;
	char pb[PATH_SHOW];
	int rc;

	if ((rc = check_reserved(p, e)))
		return rc;
	o.p = p;
	o.v = value;
	o.vlen = vlen;
	o.e = e;
	if ((rc = doc_parse(&o.d, text, len, e)) || (rc = walk(&o, 1, &node, &par, &depth)))
		goto done;
	if (node == NONE) {
		rc = set_new(&o, par, depth);
	} else if (o.d.v[node].type == Y_ALIAS) {
		rc = err_set(e, ERR_INPUT, "'%s' is an alias (*%s); set the node where &%s is defined",
			     show_path(p, p->n, pb, sizeof pb), o.d.v[node].anchor,
			     o.d.v[node].anchor);
	} else if (o.d.v[node].type != Y_SCALAR) {
		if (p->n == 0)
			rc = err_set(e, ERR_INPUT, "cannot set the top level: give a PATH");
		else
			rc = err_set(e, ERR_INPUT, "'%s' is a %s; only a scalar value can be set",
				     show_path(p, p->n, pb, sizeof pb),
				     o.d.v[node].type == Y_MAP ? "mapping" : "sequence");
	} else {
		rc = set_scalar(&o, node);
	}
	if (!rc)
		rc = edits_apply(&o, out);
	if (!rc)
		rc = verify_set(&o, out);
	if (rc)
		secmem_clear(out);
done:
	edits_free(&o);
	doc_free(&o.d);
	return rc;
}

/* ---- unset ---- */

/* Refuse to remove nodes [a, b] when an alias outside uses an anchor
 * defined there. */
static int check_anchors(struct yop *o, size_t a, size_t b)
{
	const struct ydoc *d = &o->d;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].type == Y_ALIAS && (i < a || i > b) && d->v[i].target != NONE &&
		    d->v[i].target >= a && d->v[i].target <= b)
			return err_set(o->e, ERR_INPUT,
				       "cannot remove &%s: the alias *%s on line %zu uses it",
				       d->v[i].anchor, d->v[i].anchor, d->v[i].line);
	return 0;
}

/* Where the value-side indicator of collection k ends: "{}"/"[]" goes
 * there when its last entry goes. */
static size_t empty_pos(const struct ydoc *d, size_t k)
{
	size_t p = skip_props(d, k), q;

	if (p > d->v[k].start)
		return p;
	q = gap_indicator(d, d->v[k].gap, d->v[k].start, ":-?");
	return q != NONE ? q + 1 : d->v[k].gap;
}

static int unset_node(struct yop *o, size_t k)
{
	const struct ydoc *d = &o->d;
	size_t par = d->v[k].parent, first = k, es, ee, nxt, prv, ls;
	int map = d->v[par].type == Y_MAP, rc;
	struct secmem *m;

	if (map)
		first = d->v[k].prev; /* the key */
	if ((rc = check_anchors(o, first, subtree_end(d, k))))
		return rc;
	ee = d->v[k].tail > d->v[first].tail ? d->v[k].tail : d->v[first].tail;
	if (map) {
		es = entry_start(d, first);
		nxt = d->v[k].next; /* next key */
		prv = d->v[first].prev; /* previous value */
	} else {
		es = d->v[par].flow ? d->v[k].start : item_dash(d, k);
		nxt = d->v[k].next;
		prv = d->v[k].prev;
	}
	if (map && implicit_pair(d, par)) { /* "[k: v]" -> "[{}]" */
		m = edit_add(o, es, ee);
		return !m || yedit_put(m, "{}") ? err_oom(o->e) : 0;
	}
	if (d->v[par].flow) {
		size_t ns = nxt == NONE ? 0 : map ? entry_start(d, nxt) : d->v[nxt].start;

		if (nxt != NONE)
			m = edit_add(o, es, ns);
		else if (prv != NONE)
			m = edit_add(o, map && d->v[d->v[prv].prev].tail > d->v[prv].tail
					       ? d->v[d->v[prv].prev].tail : d->v[prv].tail, ee);
		else /* the only entry: a trailing comma goes too */
			m = edit_add(o, es, d->v[par].end - 1);
		if (!m)
			return err_oom(o->e);
		/* "[!t, x]" -> "[!t ]": a tag needs a blank after it */
		if (nxt == NONE && prv != NONE && d->v[prv].type == Y_SCALAR && !d->v[prv].vlen &&
		    d->v[prv].start < d->v[prv].end && yedit_put(m, " "))
			return err_oom(o->e);
		return 0;
	}
	ls = line_start(d, es);
	if (only_blanks(d, ls, es)) {
		m = edit_add(o, ls, line_after(d, ee));
		if (!m)
			return err_oom(o->e);
		if (nxt != NONE || prv != NONE)
			return 0;
		/* the last top-level key leaves an empty store, unless the
		 * mapping has an anchor or tag that needs a node, or "..."
		 * follows (libyaml reads "..." alone as an error) */
		if (par == d->root && !d->v[par].anchor && !d->v[par].tagged) {
			if (d->explicit_end && (yedit_put(m, "{}") || yedit_put(m, d->eol)))
				return err_oom(o->e);
			return 0;
		}
		/* the last entry: the parent stays a collection */
		m = edit_add(o, empty_pos(d, par), empty_pos(d, par));
		if (!m || yedit_put(m, map ? " {}" : " []"))
			return err_oom(o->e);
		return 0;
	}
	/* compact ("- key: v"): pull the next entry up, or leave "{}"/"[]" */
	if (nxt != NONE) {
		size_t ns = map ? entry_start(d, nxt) : item_dash(d, nxt);

		return edit_add(o, es, ns) ? 0 : err_oom(o->e);
	}
	if (prv == NONE) {
		m = edit_add(o, es, ee);
		if (!m || yedit_put(m, map ? "{}" : "[]"))
			return err_oom(o->e);
		return 0;
	}
	return err_set(o->e, ERR_INPUT, "line %zu: cannot remove this entry; edit it by hand",
		       d->v[first].line);
}

int yedit_unset(const char *text, size_t len, const struct path *p, struct secmem *out,
		struct err *e)
{
	struct yop o = { 0 };
	size_t node, par, depth, before = 0;
	char pb[PATH_SHOW];
	int rc;

	if ((rc = check_reserved(p, e)))
		return rc;
	o.p = p;
	o.e = e;
	if ((rc = doc_parse(&o.d, text, len, e)) || (rc = walk(&o, 0, &node, &par, &depth)))
		goto done;
	if (p->n == 0) {
		rc = err_set(e, ERR_INPUT, "cannot remove the top level: give a PATH");
		goto done;
	}
	if (node == NONE) {
		rc = err_set(e, ERR_NOTFOUND, "'%s' not found", show_path(p, p->n, pb, sizeof pb));
		goto done;
	}
	before = entries(&o.d, o.d.v[node].parent);
	rc = unset_node(&o, node);
	if (!rc)
		rc = edits_apply(&o, out);
	if (!rc)
		rc = verify_unset(&o, out, before);
	if (rc)
		secmem_clear(out);
done:
	edits_free(&o);
	doc_free(&o.d);
	return rc;
}
