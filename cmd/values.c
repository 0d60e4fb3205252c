/* values: what PATH names in a store, as extract, install and podman see
 * it: one scalar (file form), or a scalar or a mapping's scalar children
 * (env form). Only those tokens are decrypted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- missing paths and wrong kinds: say what exists ---- */

struct near {
	const char *want;
	size_t want_len;
	char best[3][256];
	size_t dist[3];
};

static int near_fn(void *ctx, const struct buf *path, size_t node)
{
	struct near *n = ctx;
	size_t d = path_distance(n->want, n->want_len, path->p, path->len);
	struct buf quoted = { 0 };

	(void)node;
	for (int i = 0; i < 3; i++) {
		if (d < n->dist[i]) {
			for (int j = 2; j > i; j--) {
				n->dist[j] = n->dist[j - 1];
				memcpy(n->best[j], n->best[j - 1], sizeof n->best[j]);
			}
			n->dist[i] = d;
			quoted.len = 0;
			path_quote(path->p, path->len, &quoted);
			snprintf(n->best[i], sizeof n->best[i], "%s", quoted.p ? quoted.p : "");
			break;
		}
	}
	buf_free(&quoted);
	return 0;
}

static int not_found(const struct store *s, const char *want)
{
	struct near n = { .want = want, .want_len = strlen(want), .dist = { -1, -1, -1 } };
	struct buf prefix = { 0 };
	size_t limit = n.want_len / 3 + 2;
	int rc;

	cli_walk_leaves(&s->doc, 0, &prefix, near_fn, &n);
	want = cli_quote(&prefix, want, n.want_len);
	if (n.dist[0] <= limit && n.dist[1] <= limit)
		rc = cli_error(ERR_NOTFOUND, "%s: no such path in %s; did you mean %s or %s?", want,
			       s->path, n.best[0], n.best[1]);
	else if (n.dist[0] <= limit)
		rc = cli_error(ERR_NOTFOUND, "%s: no such path in %s; did you mean %s?", want,
			       s->path, n.best[0]);
	else
		rc = cli_error(ERR_NOTFOUND, "%s: no such path in %s", want, s->path);
	buf_free(&prefix);
	return rc;
}

struct kids {
	struct buf list;
	size_t n;
};

static int kids_fn(void *ctx, const struct buf *path, size_t node)
{
	struct kids *k = ctx;

	(void)node;
	if (k->n < 4 && (k->n == 0 || buf_puts(&k->list, ", ") == 0))
		path_quote(path->p, path->len, &k->list);
	else if (k->n == 4)
		buf_puts(&k->list, ", ...");
	k->n++;
	return 0;
}

/* "app/env is a mapping of 3 keys; use -e, or one of: app/env/A, ..." */
static int not_scalar(const struct store *s, size_t node, const char *pstr, const char *hint)
{
	const struct splice_node *n = &s->doc.nodes[node];
	struct kids k = { { 0 }, 0 };
	struct buf prefix = { 0 };
	int rc;

	buf_puts(&prefix, pstr);
	cli_walk_leaves(&s->doc, node, &prefix, kids_fn, &k);
	rc = cli_error(ERR_INPUT, "%s is a %s of %zu %s; %sone of: %s",
		       cli_quote(&prefix, pstr, strlen(pstr)),
		       n->type == SPLICE_MAPPING ? "mapping" : "sequence", n->n_children,
		       n->type == SPLICE_MAPPING ? "keys" : "items", hint,
		       k.list.p ? k.list.p : "(none)");
	buf_free(&k.list);
	buf_free(&prefix);
	return rc;
}

void cli_values_free(struct cli_values *v)
{
	for (size_t i = 0; i < v->n; i++) {
		secmem_free(&v->v[i].value);
		free(v->v[i].path);
		free(v->v[i].owned_name);
	}
	free(v->v);
	memset(v, 0, sizeof *v);
}

static int add_value(struct store *s, struct cli_values *out, size_t node, const char *name,
		     size_t name_len, struct buf *path)
{
	struct cli_value *v = &out->v[out->n];
	struct err e;

	*v = (struct cli_value){ name, name_len, path->p, { 0 }, NULL };
	path->p = NULL; /* owned by v now */
	buf_free(path);
	out->n++;
	if (store_value(s, node, &v->value, &e))
		return cli_fail(&e);
	return 0;
}

int cli_open_values(const char *store, const char *pstr, int env, const char *name,
		    const struct cli_args *a, struct store *s, struct cli_values *out)
{
	struct identity_opts io;
	struct path p = { 0 };
	struct buf bp = { 0 };
	struct err e;
	const struct splice_node *n;
	size_t node, cap;
	int rc;

	memset(out, 0, sizeof *out);
	if (path_parse(pstr, strlen(pstr), &p, &e) ||
	    (p.n == 0 && err_set(&e, ERR_USAGE, "PATH must name a key below the top level")))
		return cli_fail(&e);
	cli_identity_opts(a, &io);
	/* the whole store is authenticated before anything of it is believed,
	 * the PATH's existence and kind included: a store someone changed
	 * without the key fails here (exit 5), whatever they changed */
	if (store_load(store, NULL, s, &e) || store_unlock(s, &io, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	node = splice_lookup(&s->doc, &p);
	if (node == SPLICE_NONE) {
		rc = not_found(s, pstr);
		goto out;
	}
	n = &s->doc.nodes[node];
	if (!env && n->type != SPLICE_SCALAR) {
		rc = not_scalar(s, node, pstr, "use -e, or ");
		goto out;
	}
	if (env && n->type == SPLICE_SEQUENCE) {
		rc = not_scalar(s, node, pstr, "env form needs a mapping or a scalar; use -f with ");
		goto out;
	}
	if (env && n->type == SPLICE_MAPPING && name) {
		rc = cli_error(ERR_USAGE, "--name goes with a scalar, and %s is a mapping",
			       cli_quote(&bp, pstr, strlen(pstr)));
		goto out;
	}
	if (env && n->type == SPLICE_MAPPING) {
		for (size_t c = n->first_child; c != SPLICE_NONE; c = s->doc.nodes[c].next_sibling) {
			size_t t = splice_resolve(&s->doc, c);
			if (s->doc.nodes[t].type != SPLICE_SCALAR) {
				struct buf cp = { 0 };
				const char *q;
				buf_printf(&cp, "%s/", pstr);
				path_format_seg(s->doc.nodes[c].key, s->doc.nodes[c].key_len, &cp);
				q = cli_quote(&bp, cp.p ? cp.p : "", cp.len);
				rc = cli_error(ERR_INPUT,
					       "%s is a %s; env form takes only scalar children (use -e %s)",
					       q, s->doc.nodes[t].type == SPLICE_MAPPING ? "mapping"
											 : "sequence",
					       q);
				buf_free(&cp);
				goto out;
			}
		}
	}
	cap = n->type == SPLICE_MAPPING ? n->n_children : 1;
	out->v = calloc(cap ? cap : 1, sizeof *out->v);
	if (!out->v) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	rc = 0;
	if (n->type != SPLICE_MAPPING) {
		const struct path_seg *last = &p.v[p.n - 1];
		if (buf_puts(&bp, pstr)) {
			rc = cli_error(ERR_FAIL, "out of memory");
			goto out;
		}
		rc = add_value(s, out, node, name ? name : NULL, name ? strlen(name) : 0, &bp);
		if (!name) { /* the name lives in p, which is freed below */
			char *nm = malloc(last->len + 1);
			if (!nm) {
				rc = cli_error(ERR_FAIL, "out of memory");
				goto out;
			}
			memcpy(nm, last->s, last->len + 1);
			out->v[0].owned_name = nm;
			out->v[0].name = nm;
			out->v[0].name_len = last->len;
		}
	} else {
		for (size_t c = n->first_child; c != SPLICE_NONE && !rc;
		     c = s->doc.nodes[c].next_sibling) {
			const struct splice_node *ch = &s->doc.nodes[c];
			if (buf_printf(&bp, "%s/", pstr) ||
			    path_format_seg(ch->key, ch->key_len, &bp)) {
				rc = cli_error(ERR_FAIL, "out of memory");
				goto out;
			}
			rc = add_value(s, out, splice_resolve(&s->doc, c), ch->key, ch->key_len, &bp);
		}
	}
out:
	buf_free(&bp);
	path_free(&p);
	if (rc)
		cli_values_free(out);
	return rc;
}
