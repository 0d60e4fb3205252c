/* merge: views cut into entries by splice's tree (key positions), then
 * merged entry by entry (see merge.h for the rules). Entries point into
 * the views, which are the caller's; the merged text is secret memory. */
#include "secretctl/merge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/path.h"
#include "secretctl/splice.h"

#define NONE SPLICE_NONE

struct entry {
	char *path;        /* escaped PATH; "" for the head (text before the first key) */
	size_t plen;
	size_t start, end; /* its bytes in the view */
	size_t parent;     /* the entry of its parent mapping (0: the head) */
};

/* PATH -> index. */
struct pslot {
	const char *k; /* NULL: empty */
	size_t n, v;
};
struct pmap {
	struct pslot *s;
	size_t cap, used;
};

struct cut {
	const char *t;
	size_t len;
	struct entry *v;
	size_t n, cap;
	struct pmap idx;
};

static uint64_t phash(const char *k, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
	return h;
}

static int pmap_put(struct pmap *m, const char *k, size_t n, size_t v)
{
	if (2 * (m->used + 1) > m->cap) {
		struct pmap g = { calloc(m->cap ? 2 * m->cap : 64, sizeof *g.s), m->cap ? 2 * m->cap : 64, 0 };
		if (!g.s)
			return -1;
		for (size_t i = 0; i < m->cap; i++)
			if (m->s[i].k)
				pmap_put(&g, m->s[i].k, m->s[i].n, m->s[i].v);
		free(m->s);
		*m = g;
	}
	for (size_t j = phash(k, n) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		if (!m->s[j].k) {
			m->s[j] = (struct pslot){ k, n, v };
			m->used++;
			return 0;
		}
		if (m->s[j].n == n && memcmp(m->s[j].k, k, n) == 0) {
			m->s[j].v = v;
			return 0;
		}
	}
}

static size_t pmap_get(const struct pmap *m, const char *k, size_t n)
{
	if (!m->cap)
		return NONE;
	for (size_t j = phash(k, n) & (m->cap - 1); m->s[j].k; j = (j + 1) & (m->cap - 1))
		if (m->s[j].n == n && memcmp(m->s[j].k, k, n) == 0)
			return m->s[j].v;
	return NONE;
}

static void cut_free(struct cut *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c->idx.s);
	memset(c, 0, sizeof *c);
}

static int cut_add(struct cut *c, char *path, size_t plen, size_t start, size_t parent)
{
	if (buf_array_grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v)) {
		free(path);
		return -1;
	}
	c->v[c->n] = (struct entry){ path, plen, start, 0, parent };
	if (pmap_put(&c->idx, path, plen, c->n))
		return -1;
	c->n++;
	return 0;
}

/* Where the line holding pos starts; NONE when something other than
 * blanks stands before pos on it. */
static size_t line_start_if_first(const char *t, size_t pos)
{
	size_t ls = pos;

	while (ls > 0 && t[ls - 1] != '\n' && t[ls - 1] != '\r')
		ls--;
	for (size_t i = ls; i < pos; i++)
		if (t[i] != ' ')
			return NONE;
	return ls;
}

/* Cut a view into entries; which names it in errors. */
static int cut_view(const struct merge_view *mv, const char *which, struct cut *c, struct err *e)
{
	struct splice_doc d = { 0 };
	size_t *entry_of = NULL;
	int rc;

	memset(c, 0, sizeof *c);
	c->t = mv->text;
	c->len = mv->len;
	rc = splice_scan_plain(mv->text, mv->len, &d, e);
	if (rc) {
		err_wrap(e, "%s", which);
		goto out;
	}
	entry_of = malloc((d.n_nodes ? d.n_nodes : 1) * sizeof *entry_of);
	if (!entry_of || cut_add(c, buf_memdup0("", 0), 0, 0, 0)) {
		rc = err_oom(e);
		goto out;
	}
	for (size_t i = 0; i < d.n_nodes; i++) {
		const struct splice_node *n = &d.nodes[i];
		size_t p = n->parent, ls;
		struct buf path = { 0 };

		entry_of[i] = NONE;
		if (p == NONE || d.nodes[p].type != SPLICE_MAPPING || d.nodes[p].flow ||
		    (p != 0 && entry_of[p] == NONE) || d.key_start[i] == NONE)
			continue;
		ls = line_start_if_first(mv->text, d.key_start[i]);
		/* (the head may be empty: a key on the first line) */
		if (ls == NONE || (c->n > 1 && ls <= c->v[c->n - 1].start))
			continue;
		if (splice_node_path(&d, i, &path) ||
		    cut_add(c, path.p, path.len, ls, p == 0 ? 0 : entry_of[p])) {
			rc = err_oom(e);
			goto out;
		}
		entry_of[i] = c->n - 1;
	}
	for (size_t i = 0; i < c->n; i++)
		c->v[i].end = i + 1 < c->n ? c->v[i + 1].start : mv->len;
out:
	free(entry_of);
	splice_doc_free(&d);
	if (rc)
		cut_free(c);
	return rc;
}

static size_t cut_find(const struct cut *c, const struct entry *x)
{
	return pmap_get(&c->idx, x->path, x->plen);
}

/* Entries i of a and j of b (NONE: absent) hold the same text. */
static int same(const struct cut *a, size_t i, const struct cut *b, size_t j)
{
	const struct entry *x, *y;

	if (i == NONE || j == NONE)
		return i == j;
	x = &a->v[i];
	y = &b->v[j];
	return x->end - x->start == y->end - y->start &&
	       memcmp(a->t + x->start, b->t + y->start, x->end - x->start) == 0;
}

/* ---- the merged list ---- */

struct part {
	const char *t; /* 0 or 3 texts (ours, base, theirs) with a conflict */
	size_t n;
};

struct elem {
	const char *path;
	size_t plen;
	int conflict;
	const char *why;
	struct part side[3]; /* taken: side[0]; conflict: ours, base, theirs (t NULL: absent) */
	size_t next;
};

struct merge {
	struct cut b, o, t;
	struct elem *v;
	size_t n, cap, head;
	struct pmap idx; /* PATH -> element */
	struct merge_result *out;
	unsigned flags;
};

static struct part part_of(const struct cut *c, size_t i)
{
	if (i == NONE)
		return (struct part){ NULL, 0 };
	return (struct part){ c->t + c->v[i].start, c->v[i].end - c->v[i].start };
}

/* A new element after element `after` (NONE: at the end of the list). */
static size_t elem_add(struct merge *m, const struct entry *x, size_t after)
{
	size_t i;

	if (buf_array_grow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v))
		return NONE;
	i = m->n++;
	m->v[i] = (struct elem){ .path = x->path, .plen = x->plen, .next = NONE };
	if (after == NONE) {
		size_t *l = &m->head;
		while (*l != NONE)
			l = &m->v[*l].next;
		*l = i;
	} else {
		m->v[i].next = m->v[after].next;
		m->v[after].next = i;
	}
	if (pmap_put(&m->idx, x->path, x->plen, i))
		return NONE;
	return i;
}

static void set_conflict(struct merge *m, size_t i, const char *why, size_t o, size_t b, size_t t)
{
	struct elem *x = &m->v[i];

	x->conflict = 1;
	x->why = why;
	x->side[0] = part_of(&m->o, o);
	x->side[1] = part_of(&m->b, b);
	x->side[2] = part_of(&m->t, t);
}

/* The element after which theirs' new entry j goes (see merge.h), or NONE
 * when its parent is not in the result. */
static size_t place(struct merge *m, size_t j)
{
	const struct entry *x = &m->t.v[j], *par = &m->t.v[x->parent];
	size_t pe = pmap_get(&m->idx, par->path, par->plen), at;

	if (pe == NONE)
		return NONE;
	for (size_t k = j - 1; k > x->parent; k--) {
		const struct entry *sib = &m->t.v[k];
		if (sib->parent != x->parent || (at = pmap_get(&m->idx, sib->path, sib->plen)) == NONE)
			continue;
		/* after the sibling's nested entries */
		while (m->v[at].next != NONE) {
			const struct elem *nx = &m->v[m->v[at].next];
			if (nx->plen <= sib->plen || memcmp(nx->path, sib->path, sib->plen) != 0 ||
			    nx->path[sib->plen] != '/')
				break;
			at = m->v[at].next;
		}
		return at;
	}
	return pe;
}

static int put(struct secmem *out, const char *p, size_t n)
{
	return secmem_append(out, p, n);
}

/* A conflict between markers; every part ends with a line break. */
static int put_conflict(struct secmem *out, const struct elem *x)
{
	static const char *marks[3] = { MERGE_MARK_OURS, MERGE_MARK_BASE, MERGE_MARK_SEP };
	int bad = 0;

	for (int k = 0; k < 3; k++) {
		const struct part *pt = &x->side[k];
		bad |= put(out, marks[k], strlen(marks[k]));
		if (k == 0)
			bad |= put(out, " ", 1) || put(out, x->path, x->plen);
		bad |= put(out, "\n", 1);
		if (pt->t) {
			bad |= put(out, pt->t, pt->n);
			if (pt->n && pt->t[pt->n - 1] != '\n')
				bad |= put(out, "\n", 1);
		}
	}
	bad |= put(out, MERGE_MARK_THEIRS "\n", strlen(MERGE_MARK_THEIRS) + 1);
	return bad ? -1 : 0;
}

/* "PATH" in a list of lines for a terminal: quoted as path_quote does. */
static int put_path(struct buf *out, const char *path, size_t plen)
{
	return plen ? path_quote(path, plen, out) : buf_puts(out, "(top of the file)");
}

static int note_conflict(struct merge_result *r, const struct elem *x)
{
	r->n_conflicts++;
	return put_path(&r->conflicts, x->path, x->plen) ||
	       buf_printf(&r->conflicts, ": %s\n", x->why);
}

static int merge_run(struct merge *m, struct err *e)
{
	struct merge_result *r = m->out;

	/* ours' entries, in ours' order */
	for (size_t i = 0; i < m->o.n; i++) {
		const struct entry *x = &m->o.v[i], *par = &m->o.v[x->parent];
		size_t b = cut_find(&m->b, x), t = cut_find(&m->t, x), el;
		const char *why = NULL;
		int take_t = 0;

		if (t != NONE) {
			if (same(&m->o, i, &m->t, t) || same(&m->t, t, &m->b, b))
				take_t = 0;
			else if (same(&m->o, i, &m->b, b))
				take_t = 1;
			else
				why = b == NONE ? "added on both sides, differently" : "changed on both sides";
		} else if (b != NONE) {
			if (same(&m->o, i, &m->b, b))
				continue; /* theirs removed it */
			why = "changed in ours, removed in theirs";
		}
		if (i > 0 && pmap_get(&m->idx, par->path, par->plen) == NONE) {
			if (same(&m->o, i, &m->b, b))
				continue; /* under an entry theirs removed, unchanged */
			why = "added or changed under an entry theirs removed";
		}
		el = elem_add(m, x, NONE);
		if (el == NONE)
			return err_oom(e);
		if (why)
			set_conflict(m, el, why, i, b, t);
		else
			m->v[el].side[0] = take_t ? part_of(&m->t, t) : part_of(&m->o, i);
	}
	/* theirs' entries ours does not have, in theirs' order */
	for (size_t j = 1; j < m->t.n; j++) {
		const struct entry *x = &m->t.v[j];
		size_t b = cut_find(&m->b, x), at, el;
		const char *why = NULL;

		if (cut_find(&m->o, x) != NONE)
			continue;
		if (b != NONE) {
			if (same(&m->t, j, &m->b, b))
				continue; /* ours removed it */
			why = "removed in ours, changed in theirs";
		}
		at = place(m, j);
		if (at == NONE)
			why = "added or changed under an entry ours removed";
		el = elem_add(m, x, at);
		if (el == NONE)
			return err_oom(e);
		if (why)
			set_conflict(m, el, why, NONE, b, j);
		else
			m->v[el].side[0] = part_of(&m->t, j);
	}
	for (size_t i = m->head; i != NONE; i = m->v[i].next) {
		const struct elem *x = &m->v[i];
		int bad;

		if (x->conflict) {
			bad = note_conflict(r, x) ||
			      ((m->flags & MERGE_MARKERS) && put_conflict(&r->text, x));
		} else {
			bad = put(&r->text, x->side[0].t, x->side[0].n);
		}
		if (bad)
			return err_oom(e);
	}
	return 0;
}

int merge_views(const struct merge_view *base, const struct merge_view *ours,
		const struct merge_view *theirs, unsigned flags, struct merge_result *out,
		struct err *e)
{
	struct merge m = { .head = NONE, .out = out, .flags = flags };
	struct splice_doc d = { 0 };
	int rc;

	secmem_clear(&out->text);
	out->conflicts.len = 0;
	out->n_conflicts = 0;
	rc = cut_view(base, "the base", &m.b, e);
	if (!rc)
		rc = cut_view(ours, "ours", &m.o, e);
	if (!rc)
		rc = cut_view(theirs, "theirs", &m.t, e);
	if (!rc)
		rc = merge_run(&m, e);
	/* entries that merged cleanly can still make text that does not
	 * parse (a nested entry whose parent was re-indented on the other
	 * side): a conflict of the structure */
	if (!rc && !out->n_conflicts) {
		struct err pe;

		if (splice_scan_plain((const char *)out->text.p, out->text.len, &d, &pe)) {
			out->n_conflicts = 1;
			if (buf_printf(&out->conflicts,
				       "(structure): the merged text is not a valid view: %s\n", pe.msg))
				rc = err_oom(e);
		}
		splice_doc_free(&d);
	}
	free(m.v);
	free(m.idx.s);
	cut_free(&m.b);
	cut_free(&m.o);
	cut_free(&m.t);
	return rc;
}

void merge_result_free(struct merge_result *r)
{
	secmem_free(&r->text);
	buf_free(&r->conflicts);
	r->n_conflicts = 0;
}

size_t merge_markers_line(const char *text, size_t len)
{
	static const char *marks[] = { "<<<<<<<", "|||||||", "=======", ">>>>>>>" };
	size_t line = 1;

	for (size_t i = 0; i < len; line++) {
		for (size_t k = 0; k < 4; k++) {
			if (len - i >= 7 && memcmp(text + i, marks[k], 7) == 0 &&
			    (len - i == 7 || text[i + 7] == ' ' || text[i + 7] == '\n' ||
			     text[i + 7] == '\r'))
				return line;
		}
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

int merge_diff(const struct merge_view *a, const struct merge_view *b, struct buf *out,
	       size_t *n, struct err *e)
{
	struct cut ca, cb;
	int rc;

	*n = 0;
	rc = cut_view(a, "the first view", &ca, e);
	if (rc)
		return rc;
	rc = cut_view(b, "the second view", &cb, e);
	if (rc) {
		cut_free(&ca);
		return rc;
	}
	for (size_t i = 0; i < ca.n && !rc; i++) {
		size_t j = cut_find(&cb, &ca.v[i]);
		if (j == NONE || !same(&ca, i, &cb, j)) {
			rc = buf_puts(out, j == NONE ? "- " : "~ ") ||
			     put_path(out, ca.v[i].path, ca.v[i].plen) || buf_putc(out, '\n')
				     ? err_oom(e) : 0;
			(*n)++;
		}
	}
	for (size_t j = 0; j < cb.n && !rc; j++) {
		if (cut_find(&ca, &cb.v[j]) == NONE) {
			rc = buf_puts(out, "+ ") || put_path(out, cb.v[j].path, cb.v[j].plen) ||
			     buf_putc(out, '\n') ? err_oom(e) : 0;
			(*n)++;
		}
	}
	cut_free(&ca);
	cut_free(&cb);
	return rc;
}
