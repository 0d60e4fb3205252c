/* yedit: set / unset on a plaintext view by splicing its text (see
 * yedit.h for the rules). splice_scan_edit gives the node tree with byte
 * offsets; an edit is a few (start, end, text) replacements applied to the
 * original text, and the result is scanned again to check it. */
#include "secretctl/yedit.h"
#include "secretctl/splice.h"
#include "secretctl/utf8.h"
#include "secretctl/yedit_render.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#define NONE SPLICE_NONE
/* libyaml: an implicit key must fit in 1024 characters. */
#define KEY_MAX 1000
#define MAX_EDITS 4
#define PATH_SHOW 200

/* A plaintext view and its tree: splice_scan_edit's, where every mapping
 * value's key is a node of its own, right before the value's. */
struct ydoc {
	const char *t;
	size_t len, bom;
	const char *eol; /* the first line break, as it is (a lone CR too) */
	size_t root;     /* 0, or NONE: an empty store */
	struct splice_doc s;
};

struct edit {
	size_t start, end;
	struct secmem text;
};

/* One set/unset operation. */
struct yop {
	struct ydoc d;
	const struct path *p;
	int set;
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

static const struct splice_node *nd(const struct ydoc *d, size_t k)
{
	return &d->s.nodes[k];
}

static const struct splice_span *sp(const struct ydoc *d, size_t k)
{
	return &d->s.span[k];
}

/* ---- text positions ---- */

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

/* t's tree (splice_scan_edit), its line break, and whether it is an empty
 * store; anything but a mapping at the top is refused. */
static int doc_open(struct ydoc *d, const char *t, size_t len, struct err *e)
{
	const struct splice_node *r;
	size_t i;
	int rc;

	memset(d, 0, sizeof *d);
	d->t = t;
	d->len = len;
	d->bom = len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3) ? 3 : 0;
	for (i = 0; i < len && !is_break(t[i]); i++)
		;
	d->eol = i == len || t[i] == '\n' ? "\n" : i + 1 < len && t[i + 1] == '\n' ? "\r\n" : "\r";
	if ((rc = splice_scan_edit(t, len, &d->s, e)))
		return rc;
	r = nd(d, 0);
	/* no node, or "---" alone: an empty store */
	d->root = r->type == SPLICE_MAPPING && !r->flow && !r->n_children ? NONE : 0;
	if (d->root != NONE && r->type != SPLICE_MAPPING)
		return err_set(e, ERR_INPUT, "the top level of the plaintext is not a mapping");
	return 0;
}

static int is_bare_null(const struct ydoc *d, size_t k)
{
	const struct splice_span *n = sp(d, k);

	return nd(d, k)->type == SPLICE_SCALAR && n->style == YAML_PLAIN_SCALAR_STYLE &&
	       n->vlen == 0 && n->start == n->end && !n->flags;
}

static int is_block_scalar(const struct ydoc *d, size_t k)
{
	return nd(d, k)->type == SPLICE_SCALAR && (sp(d, k)->style == YAML_LITERAL_SCALAR_STYLE ||
						    sp(d, k)->style == YAML_FOLDED_SCALAR_STYLE);
}

static int in_flow(const struct ydoc *d, size_t k)
{
	while ((k = nd(d, k)->parent) != NONE)
		if (nd(d, k)->flow)
			return 1;
	return 0;
}

/* The child of collection par before its child k (NONE: its last child),
 * or NONE. */
static size_t child_before(const struct ydoc *d, size_t par, size_t k)
{
	size_t c = nd(d, par)->first_child, prev = NONE;

	for (; c != k; c = nd(d, c)->next_sibling)
		prev = c;
	return prev;
}

/* An alias's name (after its '*'), for "%.*s". */
static int alias_len(const struct ydoc *d, size_t k)
{
	return (int)(sp(d, k)->end - sp(d, k)->start - 1);
}

static const char *alias_name(const struct ydoc *d, size_t k)
{
	return d->t + sp(d, k)->start + 1;
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

/* Where node k ends for edits (whole-line edits end there): a block scalar
 * before the blank lines after it, a block collection with its last child. */
static size_t tail(const struct ydoc *d, size_t k)
{
	const struct splice_node *n = nd(d, k);

	if (!n->flow && (n->type == SPLICE_MAPPING || n->type == SPLICE_SEQUENCE))
		return n->n_children ? tail(d, child_before(d, k, NONE)) : sp(d, k)->start;
	return is_block_scalar(d, k) ? block_tail(d, sp(d, k)->start, sp(d, k)->end)
				     : sp(d, k)->end;
}

/* The end of collection k's properties (anchor, tag; maybe on separate
 * lines), or its start. */
static size_t skip_props(const struct ydoc *d, size_t k)
{
	size_t p = sp(d, k)->start, q = p;
	int n = !!(sp(d, k)->flags & SPLICE_SPAN_ANCHOR) + !!(sp(d, k)->flags & SPLICE_SPAN_TAG);

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
			      d->t[p] == '#'))
		p = d->t[p] == '#' ? line_end(d, p) : p + 1;
	return nd(d, k)->type == SPLICE_MAPPING && nd(d, k)->flow &&
	       (p >= d->len || d->t[p] != '{');
}

/* Where the gap before node k starts (indicators are looked for there):
 * after the event before it, but for a block collection's first key or
 * item after the collection's properties (its start event is at its first
 * indicator, and a tag may hold '?' or '-'). */
static size_t gap(const struct ydoc *d, size_t k)
{
	size_t v = nd(d, k)->is_key ? k + 1 : k, par = nd(d, v)->parent;

	if (par != NONE && !nd(d, par)->flow && nd(d, par)->first_child == v &&
	    (v != k || nd(d, par)->type == SPLICE_SEQUENCE))
		return skip_props(d, par);
	return sp(d, k)->gap;
}

/* ---- entries ---- */

/* Where node k's entry starts: at its indicator in set before it ('?' of
 * a key (so a mapping entry starts at lead(value - 1, "?")), '-' of a
 * block sequence item), else at k. */
static size_t lead(const struct ydoc *d, size_t k, const char *set)
{
	size_t q = gap_indicator(d, gap(d, k), sp(d, k)->start, set);

	return q != NONE ? q : sp(d, k)->start;
}

/* Where the entry holding node k (a mapping value or a sequence item)
 * starts. */
static size_t owner_start(const struct ydoc *d, size_t k)
{
	size_t par = nd(d, k)->parent;

	if (par == NONE)
		return sp(d, k)->start;
	if (nd(d, par)->type == SPLICE_MAPPING)
		return lead(d, k - 1, "?");
	return nd(d, par)->flow ? sp(d, k)->start : lead(d, k, "-");
}

/* The column of the collection holding node k: block lines of k's value go
 * 2 columns deeper. */
static size_t owner_col(const struct ydoc *d, size_t k)
{
	return column(d, owner_start(d, k));
}

/* The last node of k's subtree (nodes are in document order). */
static size_t subtree_end(const struct ydoc *d, size_t k)
{
	while (nd(d, k)->n_children)
		k = child_before(d, k, NONE);
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
		size_t blanks = 0;

		while (q < d->len && d->t[q] == ' ') {
			q++;
			blanks++;
		}
		if (q >= d->len)
			return blanks == 0;
		if (is_break(d->t[q])) {
			if (keep || blanks >= ci)
				return 0;
			q += d->t[q] == '\r' && q + 1 < d->len && d->t[q + 1] == '\n' ? 2 : 1;
			continue;
		}
		return blanks < ci;
	}
	return 1;
}

/* Render the operation's value for an entry at column col; a block style
 * only when the text from `after` on cannot join it. */
static int render_value(struct yop *o, size_t col, int flow, size_t after, struct yedit_rend *r)
{
	unsigned flags = flow ? YEDIT_FLOW : 0;
	int rc;

	rc = yedit_render(o->v, o->vlen, col, flags, o->d.eol, o->d.s.verbatim_binary, r, o->e);
	if (rc || !r->block || block_fits(&o->d, after, col + 2, r->keep))
		return rc;
	yedit_rend_free(r);
	return yedit_render(o->v, o->vlen, col, flags | YEDIT_INLINE, o->d.eol,
			    o->d.s.verbatim_binary, r, o->e);
}

/* A new key, quoted when needed, and then `then` (": " or ":"). */
static int render_key(struct yop *o, size_t seg, int flow, const char *then, struct secmem *out)
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
	return yedit_put(out, then) ? err_oom(o->e) : 0;
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
		if ((rc = render_key(o, seg, 0, ":", m)))
			return rc;
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

/* New block entries for segments [seg, n) at column col: a mapping's
 * ("key: ..."), or a sequence item ("- ..."): a scalar, or a compact
 * mapping. */
static int gen_entry(struct yop *o, size_t seg, size_t col, int item, size_t after,
		     struct secmem *m, int *block_last)
{
	int rc;

	if (yedit_put_spaces(m, col) || (item && yedit_put(m, seg < o->p->n ? "- " : "-")))
		return err_oom(o->e);
	if (item && seg == o->p->n)
		return gen_after(o, seg, col, after, m, block_last);
	if ((rc = render_key(o, seg, 0, ":", m)))
		return rc;
	return gen_after(o, seg + 1, item ? col + 2 : col, after, m, block_last);
}

static int gen_flow(struct yop *o, size_t seg, struct secmem *m);

/* gen_flow in braces: open (ending in '{'), then "}". m NULL: out of memory. */
static int gen_braced(struct yop *o, size_t seg, const char *open, struct secmem *m)
{
	int rc;

	if (!m || yedit_put(m, open))
		return err_oom(o->e);
	return (rc = gen_flow(o, seg, m)) ? rc : yedit_put(m, "}") ? err_oom(o->e) : 0;
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
	if ((rc = render_key(o, seg, 1, ": ", m)))
		return rc;
	return seg + 1 == o->p->n ? gen_flow(o, seg + 1, m) : gen_braced(o, seg + 1, "{", m);
}

/* Where a bare null's value goes: right after its ':' or '-'. *colon: a
 * ':' must be written too (flow "{a}"). */
static int null_pos(struct yop *o, size_t k, size_t *pos, int *colon)
{
	const struct ydoc *d = &o->d;
	size_t par = nd(d, k)->parent, q;
	int map = nd(d, par)->type == SPLICE_MAPPING;

	*colon = 0;
	q = gap_indicator(d, gap(d, k), sp(d, k)->start, map ? ":" : "-");
	if (q != NONE) {
		*pos = q + 1;
		return 0;
	}
	if (nd(d, par)->flow) { /* "{a}", "[a, ]" */
		*pos = map ? gap(d, k) : sp(d, k)->start;
		*colon = map;
		return 0;
	}
	return err_set(o->e, ERR_INPUT, "line %u: explicit key without ':'; edit this entry by hand",
		       nd(d, k)->line);
}

/* Set an existing scalar k. */
static int set_scalar(struct yop *o, size_t k)
{
	const struct ydoc *d = &o->d;
	const struct splice_span *n = sp(d, k);
	struct yedit_rend r = { 0 };
	struct secmem *m;
	size_t col = owner_col(d, k), rs, re, ve, rest = 0, rest_end = 0, after;
	int rc, colon = 0, bare = is_bare_null(d, k), oldblock = is_block_scalar(d, k);
	const char *lead = "";

	if (bare) {
		if ((rc = null_pos(o, k, &rs, &colon)))
			return rc;
		re = ve = rs;
		lead = colon ? ": " : " ";
	} else {
		rs = n->start;
		re = ve = tail(d, k);
	}
	if (oldblock) {
		size_t ind, q;
		int keep;

		block_header(d, n->start, &ind, &keep, &rest, &rest_end);
		after = re;
		/* a block scalar may start a line at its parent's column; no
		 * other value may: move the new one up behind the indicator */
		if (only_blanks(d, line_start(d, rs), rs) && column(d, rs) <= col &&
		    (q = gap_indicator(d, gap(d, k), n->start, ":-")) != NONE) {
			rs = q + 1;
			lead = " ";
		}
	} else {
		after = line_after(d, ve);
	}
	if ((rc = render_value(o, col, in_flow(d, k), after, &r)))
		return rc;
	if (!oldblock && r.block)
		re = after; /* the block's lines go below the rest of this line */
	m = edit_add(o, rs, re);
	rc = 0;
	/* the anchor stays: "&name " (an anchored value has an item) */
	if (!m || yedit_put(m, lead) ||
	    ((n->flags & SPLICE_SPAN_ANCHOR) &&
	     (secmem_append(m, d->t + d->s.items[nd(d, k)->item].anchor_start - 1,
			    d->s.items[nd(d, k)->item].anchor_len + 1) ||
	      yedit_put(m, " "))) ||
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
		rc = gen_entry(o, seg, 0, 0, pos, &m, &blast);
		goto lines;
	}
	if (nd(d, par)->type == SPLICE_SEQUENCE)
		seg++; /* the index (== length): append */
	if (nd(d, par)->type == SPLICE_SCALAR) { /* a bare null becomes a mapping */
		if ((rc = null_pos(o, par, &pos, &colon)))
			return rc;
		if (in_flow(d, par))
			return gen_braced(o, seg, colon ? ": {" : " {", edit_add(o, pos, pos));
		col = owner_col(d, par) + 2;
		pos = line_after(d, pos);
		rc = gen_entry(o, seg, col, 0, pos, &m, &blast);
		goto lines;
	}
	if (nd(d, par)->flow) {
		size_t last = child_before(d, par, NONE);
		int map = nd(d, par)->type == SPLICE_MAPPING;

		if (implicit_pair(d, par))
			return err_set(o->e, ERR_INPUT,
				       "line %u: a single-pair mapping in a flow sequence takes no other key; edit it by hand",
				       nd(d, par)->line);

		if (last != NONE) { /* ", new" after the last entry (or its key) */
			pos = tail(d, last);
			if (map && tail(d, last - 1) > pos)
				pos = tail(d, last - 1);
			x = edit_add(o, pos, pos);
			if (!x || yedit_put(x, ", "))
				return err_oom(o->e);
			/* a new item that is a mapping goes in braces */
			return !map && seg < o->p->n ? gen_braced(o, seg, "{", x)
						     : gen_flow(o, seg, x);
		}
		if (in_flow(d, par) || par == d->root) { /* "{}" -> "{new}" */
			x = edit_add(o, sp(d, par)->end - 1, sp(d, par)->end - 1);
			if (!x)
				return err_oom(o->e);
			return !map && seg < o->p->n ? gen_braced(o, seg, "{", x)
						     : gen_flow(o, seg, x);
		} else { /* an empty "{}" / "[]" block value becomes a block collection */
			size_t ds = sp(d, par)->start, de = sp(d, par)->end;

			while (ds < de && d->t[ds] != '{' && d->t[ds] != '[')
				ds++; /* keep its anchor/tag */
			while (ds > gap(d, par) && (d->t[ds - 1] == ' ' || d->t[ds - 1] == '\t'))
				ds--;
			if (!edit_add(o, ds, de))
				return err_oom(o->e);
			col = owner_col(d, par) + 2;
			pos = line_after(d, de);
			rc = gen_entry(o, seg, col, !map, pos, &m, &blast);
			goto lines;
		}
	}
	/* a block collection: after its last entry, at its first entry's column */
	pos = line_after(d, tail(d, par));
	if (nd(d, par)->type == SPLICE_MAPPING)
		col = column(d, lead(d, nd(d, par)->first_child - 1, "?"));
	else
		col = column(d, lead(d, nd(d, par)->first_child, "-"));
	rc = gen_entry(o, seg, col, nd(d, par)->type == SPLICE_SEQUENCE, pos, &m, &blast);
lines:
	if (!rc)
		rc = insert_lines(o, pos, &m, blast);
	secmem_free(&m);
	return rc;
}

/* ---- lookup ---- */

/* Where p leads, a segment at a time (splice_child), without going
 * through an alias. *node: the node (NONE when missing); then *par is the
 * deepest existing collection (or bare null when `create`) and *depth the
 * first missing segment. What stops it otherwise is the error. */
static int locate(struct yop *o, int create, size_t *node, size_t *par, size_t *depth)
{
	const struct ydoc *d = &o->d;
	const struct path *p = o->p;
	size_t cur = d->root, i, idx, nx;
	char pb[PATH_SHOW], qb[PATH_SHOW];

	*node = *par = NONE;
	if (cur == NONE && p->n == 0)
		return err_set(o->e, ERR_INPUT, "the store is empty: no top-level mapping");
	for (i = 0; cur != NONE && i < p->n; i++) {
		const struct splice_node *n = nd(d, cur);

		if (n->type == SPLICE_ALIAS)
			return err_set(o->e, ERR_INPUT,
				       "'%s' goes through the alias '%s' (*%.*s, line %u); edit where &%.*s is defined",
				       show_path(p, p->n, pb, sizeof pb),
				       show_path(p, i, qb, sizeof qb), alias_len(d, cur),
				       alias_name(d, cur), n->line, alias_len(d, cur),
				       alias_name(d, cur));
		if (n->type == SPLICE_SCALAR) {
			if (create && is_bare_null(d, cur))
				break;
			return err_set(o->e, ERR_INPUT, "'%s': '%s' is a scalar, not a mapping",
				       show_path(p, p->n, pb, sizeof pb),
				       show_path(p, i, qb, sizeof qb));
		}
		nx = splice_child(&d->s, cur, &p->v[i]);
		if (nx != NONE) {
			cur = nx;
			continue;
		}
		if (n->type == SPLICE_MAPPING ||
		    (create && path_seg_index(&p->v[i], &idx) && idx == n->n_children))
			break;
		if (!path_seg_index(&p->v[i], &idx))
			return err_set(o->e, ERR_INPUT,
				       "'%s': '%s' is a sequence; '%.*s' is not an index",
				       show_path(p, p->n, pb, sizeof pb),
				       show_path(p, i, qb, sizeof qb),
				       (int)(p->v[i].len < 64 ? p->v[i].len : 64), p->v[i].s);
		return err_set(o->e, ERR_NOTFOUND, "'%s' not found: '%s' has %zu item%s",
			       show_path(p, p->n, pb, sizeof pb), show_path(p, i, qb, sizeof qb),
			       n->n_children, n->n_children == 1 ? "" : "s");
	}
	*depth = i;
	if (i < p->n)
		*par = cur;
	else
		*node = cur;
	return 0;
}

/* ---- read back ---- */

/* The edited text must parse: when it does not, the edit ran into layout
 * this module does not handle (the message says where), refused. And it
 * must read back: the value at PATH as the store reads it, !!binary
 * decoded (set), the parent with one entry less than before (unset). */
static int verify(struct yop *o, const struct secmem *out, size_t before)
{
	struct ydoc chk;
	struct path pp = *o->p;
	struct secmem got = { 0 };
	struct err e2;
	size_t node;
	int ok = 0;

	if (doc_open(&chk, (const char *)out->p, out->len, &e2)) {
		splice_doc_free(&chk.s);
		err_set(o->e, ERR_INPUT, "cannot edit this place safely: the result would not parse (%s); edit it by hand",
			e2.msg);
		o->e->sub = YEDIT_E_LAYOUT;
		return o->e->code;
	}
	pp.n -= !o->set;
	node = splice_lookup(&chk.s, &pp);
	if (!o->set) {
		ok = node != NONE && nd(&chk, node)->n_children + 1 == before;
	} else if (node != NONE && nd(&chk, node)->type == SPLICE_SCALAR) {
		const struct splice_span *n = sp(&chk, node);
		const char *v = (const char *)chk.s.vals.p + n->val;

		ok = !((n->flags & SPLICE_SPAN_BINARY) ? splice_binary_decode(v, n->vlen, &got, &e2)
						       : secmem_append(&got, v, n->vlen)) &&
		     got.len == o->vlen && (!o->vlen || !sodium_memcmp(got.p, o->v, o->vlen));
	}
	secmem_free(&got);
	splice_doc_free(&chk.s);
	return ok ? 0 : err_set(o->e, ERR_FAIL, "internal error: the edited text does not read back");
}

/* Set the node locate found at PATH, or what it did not find. */
static int set_at(struct yop *o, size_t node, size_t par, size_t depth)
{
	const struct ydoc *d = &o->d;
	char pb[PATH_SHOW];

	if (node == NONE)
		return set_new(o, par, depth);
	if (nd(d, node)->type == SPLICE_ALIAS)
		return err_set(o->e, ERR_INPUT,
			       "'%s' is an alias (*%.*s); set the node where &%.*s is defined",
			       show_path(o->p, o->p->n, pb, sizeof pb), alias_len(d, node),
			       alias_name(d, node), alias_len(d, node), alias_name(d, node));
	if (nd(d, node)->type == SPLICE_SCALAR)
		return set_scalar(o, node);
	if (o->p->n == 0)
		return err_set(o->e, ERR_INPUT, "cannot set the top level: give a PATH");
	return err_set(o->e, ERR_INPUT, "'%s' is a %s; only a scalar value can be set",
		       show_path(o->p, o->p->n, pb, sizeof pb),
		       nd(d, node)->type == SPLICE_MAPPING ? "mapping" : "sequence");
}

/* ---- unset ---- */

/* Refuse to remove nodes [a, b] when an alias outside uses an anchor
 * defined there. */
static int check_anchors(struct yop *o, size_t a, size_t b)
{
	const struct ydoc *d = &o->d;
	size_t i;

	for (i = 0; i < d->s.n_nodes; i++)
		if (nd(d, i)->type == SPLICE_ALIAS && (i < a || i > b) && nd(d, i)->target >= a &&
		    nd(d, i)->target <= b)
			return err_set(o->e, ERR_INPUT,
				       "cannot remove &%.*s: the alias *%.*s on line %u uses it",
				       alias_len(d, i), alias_name(d, i), alias_len(d, i),
				       alias_name(d, i), nd(d, i)->line);
	return 0;
}

/* Where the value-side indicator of collection k ends: "{}"/"[]" goes
 * there when its last entry goes. */
static size_t empty_pos(const struct ydoc *d, size_t k)
{
	size_t p = skip_props(d, k), q;

	if (p > sp(d, k)->start)
		return p;
	q = gap_indicator(d, gap(d, k), sp(d, k)->start, ":-?");
	return q != NONE ? q + 1 : gap(d, k);
}

/* Remove the node locate found at PATH; *before: its parent's entries. */
static int unset_node(struct yop *o, size_t k, size_t *before)
{
	const struct ydoc *d = &o->d;
	size_t par, first = k, es, ee, ls, nxt, prv;
	char pb[PATH_SHOW];
	int map, rc;
	struct secmem *m;

	if (o->p->n == 0)
		return err_set(o->e, ERR_INPUT, "cannot remove the top level: give a PATH");
	if (k == NONE)
		return err_set(o->e, ERR_NOTFOUND, "'%s' not found",
			       show_path(o->p, o->p->n, pb, sizeof pb));
	par = nd(d, k)->parent;
	*before = nd(d, par)->n_children;
	nxt = nd(d, k)->next_sibling;
	prv = child_before(d, par, k);
	map = nd(d, par)->type == SPLICE_MAPPING;
	if (map)
		first = k - 1; /* the key */
	if ((rc = check_anchors(o, first, subtree_end(d, k))))
		return rc;
	ee = tail(d, k) > tail(d, first) ? tail(d, k) : tail(d, first);
	if (map)
		es = lead(d, k - 1, "?");
	else
		es = nd(d, par)->flow ? sp(d, k)->start : lead(d, k, "-");
	if (map && implicit_pair(d, par)) { /* "[k: v]" -> "[{}]" */
		m = edit_add(o, es, ee);
		return !m || yedit_put(m, "{}") ? err_oom(o->e) : 0;
	}
	if (nd(d, par)->flow) {
		size_t ns = nxt == NONE ? 0 : map ? lead(d, nxt - 1, "?") : sp(d, nxt)->start;

		if (nxt != NONE)
			m = edit_add(o, es, ns);
		else if (prv != NONE) /* from the end of the entry before (its key's, maybe) */
			m = edit_add(o, map && tail(d, prv - 1) > tail(d, prv) ? tail(d, prv - 1)
									     : tail(d, prv), ee);
		else /* the only entry: a trailing comma goes too */
			m = edit_add(o, es, sp(d, par)->end - 1);
		if (!m)
			return err_oom(o->e);
		/* "[!t, x]" -> "[!t ]": a tag needs a blank after it */
		if (nxt == NONE && prv != NONE && nd(d, prv)->type == SPLICE_SCALAR &&
		    !sp(d, prv)->vlen && sp(d, prv)->start < sp(d, prv)->end && yedit_put(m, " "))
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
		if (par == d->root && !sp(d, par)->flags) {
			if (d->s.meta_at < d->len && (yedit_put(m, "{}") || yedit_put(m, d->eol)))
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
		size_t ns = map ? lead(d, nxt - 1, "?") : lead(d, nxt, "-");

		return edit_add(o, es, ns) ? 0 : err_oom(o->e);
	}
	if (prv == NONE) {
		m = edit_add(o, es, ee);
		if (!m || yedit_put(m, map ? "{}" : "[]"))
			return err_oom(o->e);
		return 0;
	}
	return err_set(o->e, ERR_INPUT, "line %u: cannot remove this entry; edit it by hand",
		       nd(d, first)->line);
}

/* Set (o->set) or unset o->p in text: the edits, applied to a copy of
 * the text, which is checked before it is returned in out. */
static int run(struct yop *o, const char *text, size_t len, struct secmem *out)
{
	size_t node, par, depth, before = 0;
	int rc;

	if (o->p->n > 0 && o->p->v[0].len == 9 && !memcmp(o->p->v[0].s, "secretctl", 9))
		rc = err_set(o->e, ERR_INPUT, "the top-level key 'secretctl' is reserved for the store");
	else if (!(rc = doc_open(&o->d, text, len, o->e)) &&
		 !(rc = locate(o, o->set, &node, &par, &depth)))
		rc = o->set ? set_at(o, node, par, depth) : unset_node(o, node, &before);
	if (!rc)
		rc = edits_apply(o, out);
	if (!rc)
		rc = verify(o, out, before);
	if (rc)
		secmem_clear(out);
	edits_free(o);
	splice_doc_free(&o->d.s);
	return rc;
}

int yedit_set(const char *text, size_t len, const struct path *p, const unsigned char *value,
	      size_t vlen, struct secmem *out, struct err *e)
{
	struct yop o = { .p = p, .set = 1, .v = value, .vlen = vlen, .e = e };

	return run(&o, text, len, out);
}

int yedit_unset(const char *text, size_t len, const struct path *p, struct secmem *out,
		struct err *e)
{
	struct yop o = { .p = p, .e = e };

	return run(&o, text, len, out);
}
