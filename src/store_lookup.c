/* store_lookup: what a PATH names in a store, and the walks below a node
 * (ls, shell completion, "did you mean", the env form's children). Keys
 * are clear text: none of this needs the data key. */
#include "secretctl/store.h"

#include <stdio.h>
#include <string.h>

/* A walk goes no deeper than this: an alias inside its own anchor would
 * go on for ever. */
#define WALK_MAX_DEPTH 256

static void ref_of(const struct splice_doc *d, size_t node, const char *name, size_t name_len,
		   struct store_ref *r)
{
	const struct splice_node *n;

	node = splice_resolve(d, node);
	n = &d->nodes[node];
	r->node = node;
	r->kind = n->type == SPLICE_MAPPING    ? STORE_MAPPING
		  : n->type == SPLICE_SEQUENCE ? STORE_SEQUENCE
					       : STORE_SCALAR;
	r->n_children = r->kind == STORE_SCALAR ? 0 : n->n_children;
	r->leaf = r->kind == STORE_SCALAR || n->first_child == SPLICE_NONE;
	r->name = name;
	r->name_len = name_len;
}

/* ---- walks ---- */

struct walk {
	const struct splice_doc *d;
	struct buf *path;
	store_walk_fn fn;
	void *ctx;
};

/* node (named name), then what is below it unless fn says otherwise. */
static int walk(struct walk *w, size_t node, const char *name, size_t name_len, size_t depth)
{
	const struct splice_doc *d = w->d;
	struct buf *path = w->path;
	struct store_ref r;
	size_t keep = path->len, idx = 0;
	int rc;

	if (depth > WALK_MAX_DEPTH)
		return 0;
	ref_of(d, node, name, name_len, &r);
	rc = w->fn(w->ctx, &r, path, depth);
	if (rc)
		return rc == STORE_WALK_SKIP ? 0 : rc;
	for (size_t c = d->nodes[r.node].first_child; c != SPLICE_NONE;
	     c = d->nodes[c].next_sibling, idx++) {
		const struct splice_node *ch = &d->nodes[c];
		size_t seg;

		if (keep && buf_putc(path, '/'))
			return -1;
		seg = path->len;
		if (r.kind == STORE_MAPPING ? path_format_seg(ch->key, ch->key_len, path)
					    : buf_printf(path, "%zu", idx))
			return -1;
		/* a key as it is; an index as its digits, which need no escape */
		if (r.kind == STORE_MAPPING)
			rc = walk(w, c, ch->key, ch->key_len, depth + 1);
		else
			rc = walk(w, c, path->p + seg, path->len - seg, depth + 1);
		path->len = keep;
		path->p[keep] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

int store_walk(const struct store *s, const struct store_ref *from, struct buf *path,
	       store_walk_fn fn, void *ctx)
{
	struct walk w = { &s->doc, path, fn, ctx };

	if (s->doc.n_nodes == 0)
		return 0;
	if (buf_append(path, "", 0))
		return -1;
	return walk(&w, from->node, from->name, from->name_len, 0);
}

struct leaves {
	store_walk_fn fn;
	void *ctx;
};

static int leaf(void *ctx, const struct store_ref *r, const struct buf *path, size_t depth)
{
	const struct leaves *l = ctx;

	if (!r->leaf || !path->len)
		return 0;
	return l->fn(l->ctx, r, path, depth);
}

int store_leaves(const struct store *s, const struct store_ref *from, struct buf *path,
		 store_walk_fn fn, void *ctx)
{
	struct leaves l = { fn, ctx };

	return store_walk(s, from, path, leaf, &l);
}

/* ---- lookups ---- */

/* The three leaves whose PATHs are nearest the one asked for, quoted. */
struct near {
	const char *want;
	size_t want_len;
	char best[3][256];
	size_t dist[3];
};

static int near_fn(void *ctx, const struct store_ref *r, const struct buf *path, size_t depth)
{
	struct near *n = ctx;
	size_t d = path_distance(n->want, n->want_len, path->p, path->len);
	struct buf quoted = { 0 };

	(void)r;
	(void)depth;
	for (int i = 0; i < 3; i++) {
		if (d < n->dist[i]) {
			for (int j = 2; j > i; j--) {
				n->dist[j] = n->dist[j - 1];
				memcpy(n->best[j], n->best[j - 1], sizeof n->best[j]);
			}
			n->dist[i] = d;
			path_quote(path->p, path->len, &quoted);
			snprintf(n->best[i], sizeof n->best[i], "%s", quoted.p ? quoted.p : "");
			break;
		}
	}
	buf_free(&quoted);
	return 0;
}

/* "PATH: no such path in STORE", and with near "; did you mean A or B?"
 * naming the leaves within a third of PATH's length (and 2) of it. */
static int not_found(const struct store *s, const struct path *p, int near, struct err *e)
{
	struct near n = { .dist = { -1, -1, -1 } };
	struct buf want = { 0 }, quoted = { 0 }, prefix = { 0 };
	const char *q;
	size_t limit;
	int rc;

	if (path_format(p, &want)) {
		rc = err_oom(e);
		goto out;
	}
	n.want = want.p;
	n.want_len = want.len;
	limit = n.want_len / 3 + 2;
	if (near && s->doc.n_nodes) {
		struct store_ref root;

		ref_of(&s->doc, 0, "", 0, &root);
		store_leaves(s, &root, &prefix, near_fn, &n);
	}
	q = path_quote(want.p, want.len, &quoted) ? "(out of memory)" : quoted.p;
	if (near && n.dist[0] <= limit && n.dist[1] <= limit)
		rc = err_set(e, ERR_NOTFOUND, "%s: no such path in %s; did you mean %s or %s?", q,
			     s->path, n.best[0], n.best[1]);
	else if (near && n.dist[0] <= limit)
		rc = err_set(e, ERR_NOTFOUND, "%s: no such path in %s; did you mean %s?", q, s->path,
			     n.best[0]);
	else
		rc = err_set(e, ERR_NOTFOUND, "%s: no such path in %s", q, s->path);
out:
	buf_free(&want);
	buf_free(&quoted);
	buf_free(&prefix);
	return rc;
}

int store_lookup(const struct store *s, const struct path *p, unsigned flags,
		 struct store_ref *ref, struct err *e)
{
	size_t node = splice_lookup(&s->doc, p);

	if (node == SPLICE_NONE)
		return not_found(s, p, (flags & STORE_NEAR) != 0, e);
	if (p->n)
		ref_of(&s->doc, node, p->v[p->n - 1].s, p->v[p->n - 1].len, ref);
	else
		ref_of(&s->doc, node, "", 0, ref);
	return 0;
}

/* ---- plaintext views ---- */

int store_view_check(const char *view, size_t len, struct err *e)
{
	struct splice_doc d = { 0 };
	int rc = splice_scan_plain(view, len, &d, e);

	splice_doc_free(&d);
	return rc;
}

int store_view_unauthenticated(const char *view, size_t len, struct buf *list, size_t *n,
			       struct err *e)
{
	struct splice_doc d = { 0 };
	int rc;

	*n = 0;
	rc = splice_scan_plain(view, len, &d, e);
	for (size_t i = 1; !rc && i < d.n_nodes; i++) {
		const struct splice_node *nd = &d.nodes[i];
		struct buf p = { 0 }, t = { 0 };
		int bad = 0;

		if (nd->is_key || nd->parent == SPLICE_NONE)
			continue;
		if (nd->type == SPLICE_ALIAS) {
			bad = splice_node_path(&d, i, &p) || splice_node_path(&d, nd->target, &t) ||
			      buf_printf(list, "  %s: an alias of %s\n", p.p, t.p);
			(*n)++;
		} else if (nd->type == SPLICE_SCALAR && nd->item == SPLICE_NONE) {
			bad = splice_node_path(&d, i, &p) || buf_printf(list, "  %s: empty\n", p.p);
			(*n)++;
		}
		buf_free(&p);
		buf_free(&t);
		if (bad)
			rc = err_oom(e);
	}
	splice_doc_free(&d);
	return rc;
}
