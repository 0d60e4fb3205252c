/* values: what -e/-f PATH names in a store, as extract, install and podman
 * hand it out: one scalar (file form), or a scalar or a mapping's scalar
 * children (env form). Only those tokens are decrypted. */
#include <stdlib.h>
#include <string.h>

#include "stores.h"
#include "values.h"

/* ---- wrong kinds: say what is there ---- */

struct kids {
	struct buf list;
	size_t n;
};

static int kids_fn(void *ctx, const struct store_ref *r, const struct buf *path, size_t depth)
{
	struct kids *k = ctx;

	(void)r;
	(void)depth;
	if (k->n < 4 && (k->n == 0 || buf_puts(&k->list, ", ") == 0))
		path_quote(path->p, path->len, &k->list);
	else if (k->n == 4)
		buf_puts(&k->list, ", ...");
	k->n++;
	return 0;
}

int cli_not_scalar_msg(const struct store *s, const struct store_ref *ref, const char *pstr,
		       const char *hint, struct buf *out)
{
	struct kids k = { { 0 }, 0 };
	struct buf prefix = { 0 }, q = { 0 };
	int rc;

	out->len = 0;
	rc = buf_puts(&prefix, pstr) ? -1 : store_leaves(s, ref, &prefix, kids_fn, &k) < 0 ? -1 : 0;
	if (!rc)
		rc = buf_printf(out, "%s is a %s of %zu %s; %sone of: %s",
				cli_quote(&q, pstr, strlen(pstr)),
				ref->kind == STORE_MAPPING ? "mapping" : "sequence", ref->n_children,
				ref->kind == STORE_MAPPING ? "keys" : "items", hint,
				k.list.p ? k.list.p : "(none)") ? -1 : 0;
	buf_free(&k.list);
	buf_free(&prefix);
	buf_free(&q);
	return rc;
}

/* "app/env is a mapping of 3 keys; use -e, or one of: app/env/A, ..." */
static int not_scalar(const struct store *s, const struct store_ref *ref, const char *pstr,
		      const char *hint)
{
	struct buf msg = { 0 };
	int rc = cli_not_scalar_msg(s, ref, pstr, hint, &msg)
			 ? cli_error(ERR_FAIL, "out of memory")
			 : cli_error(ERR_INPUT, "%s", msg.p);

	buf_free(&msg);
	return rc;
}

/* The env form of a mapping: every child a scalar, checked before any is
 * decrypted. */
static int scalar_child(void *ctx, const struct store_ref *r, const struct buf *path,
			size_t depth)
{
	struct buf *quoted = ctx;
	const char *q;

	if (depth == 0)
		return 0;
	if (r->kind == STORE_SCALAR)
		return STORE_WALK_SKIP;
	q = cli_quote(quoted, path->p, path->len);
	return cli_error(ERR_INPUT, "%s is a %s; env form takes only scalar children (use -e %s)",
			 q, r->kind == STORE_MAPPING ? "mapping" : "sequence", q);
}

/* ---- collecting ---- */

/* Where each value's bytes and PATH start in v->bytes and v->text while
 * they grow; the entries point there once all are in. */
struct collect {
	struct store *s;
	struct cli_values *v;
	size_t (*at)[2];
};

static int add(struct collect *c, const struct store_ref *r, const char *name, size_t name_len,
	       const char *path, size_t path_len)
{
	struct cli_values *v = c->v;
	struct envfmt_entry *x = &v->v[v->n];
	struct err e;

	c->at[v->n][0] = v->bytes.len;
	c->at[v->n][1] = v->text.len;
	*x = (struct envfmt_entry){ name, name_len, NULL, 0, NULL };
	v->n++;
	if (buf_append(&v->text, path, path_len) || buf_putc(&v->text, '\0'))
		return cli_error(ERR_FAIL, "out of memory");
	if (store_value(c->s, r, &v->bytes, &e))
		return cli_fail(&e);
	x->value_len = v->bytes.len - c->at[v->n - 1][0];
	return 0;
}

static int child(void *ctx, const struct store_ref *r, const struct buf *path, size_t depth)
{
	int rc;

	if (depth == 0)
		return 0;
	rc = add(ctx, r, r->name, r->name_len, path->p, path->len);
	return rc ? rc : STORE_WALK_SKIP;
}

/* The value, or (env form of a mapping) its children's. */
static int collect(struct store *s, struct cli_values *v, const char *pstr, const char *name)
{
	struct collect c = { s, v, NULL };
	size_t cap = v->ref.kind == STORE_MAPPING ? v->ref.n_children : 1;
	struct buf path = { 0 };
	int rc;

	v->v = calloc(cap ? cap : 1, sizeof *v->v);
	c.at = calloc(cap ? cap : 1, sizeof *c.at);
	if (!v->v || !c.at) {
		free(c.at);
		return cli_error(ERR_FAIL, "out of memory");
	}
	if (v->ref.kind != STORE_MAPPING) {
		rc = add(&c, &v->ref, name ? name : v->ref.name,
			 name ? strlen(name) : v->ref.name_len, pstr, strlen(pstr));
	} else {
		rc = buf_puts(&path, pstr) ? -1 : store_walk(s, &v->ref, &path, child, &c);
		if (rc < 0)
			rc = cli_error(ERR_FAIL, "out of memory");
	}
	for (size_t i = 0; !rc && i < v->n; i++) {
		v->v[i].value = v->v[i].value_len ? v->bytes.p + c.at[i][0] : NULL;
		v->v[i].path = v->text.p + c.at[i][1];
	}
	buf_free(&path);
	free(c.at);
	return rc;
}

int cli_values_parse(struct cli_values *v, const char *pstr)
{
	struct err e;

	if (path_parse(pstr, strlen(pstr), &v->path, &e))
		return cli_fail(&e);
	v->parsed = 1;
	return 0;
}

int cli_values_open(struct cli_values *v, const char *store, const struct cli_form *f,
		    const struct cli_args *a)
{
	int rc;

	if (!v->parsed && (rc = cli_values_parse(v, f->path)))
		return rc;
	if (v->path.n == 0)
		return cli_error(ERR_USAGE, "PATH must name a key below the top level");
	/* the whole store is authenticated before anything of it is believed,
	 * the PATH's existence and kind included: a store someone changed
	 * without the key fails here (exit 5), whatever they changed */
	if ((rc = cli_store_open(store, a, 0, &v->store, NULL)))
		return rc;
	return cli_values_find(v, &v->store, f);
}

int cli_values_find(struct cli_values *v, struct store *s, const struct cli_form *f)
{
	struct buf q = { 0 };
	struct err e;
	int rc;

	if (!v->parsed && (rc = cli_values_parse(v, f->path)))
		return rc;
	if (v->path.n == 0)
		return cli_error(ERR_USAGE, "PATH must name a key below the top level");
	if (store_lookup(s, &v->path, STORE_NEAR, &v->ref, &e))
		return cli_fail(&e);
	if (!f->env && v->ref.kind != STORE_SCALAR)
		return not_scalar(s, &v->ref, f->path, "use -e, or ");
	if (f->env && v->ref.kind == STORE_SEQUENCE)
		return not_scalar(s, &v->ref, f->path,
				  "env form needs a mapping or a scalar; use -f with ");
	if (f->env && v->ref.kind == STORE_MAPPING) {
		struct buf path = { 0 };

		if (f->name) {
			rc = cli_error(ERR_USAGE, "--name goes with a scalar, and %s is a mapping",
				       cli_quote(&q, f->path, strlen(f->path)));
			buf_free(&q);
			return rc;
		}
		rc = buf_puts(&path, f->path) ? -1 : store_walk(s, &v->ref, &path, scalar_child, &q);
		buf_free(&path);
		buf_free(&q);
		if (rc < 0)
			return cli_error(ERR_FAIL, "out of memory");
		if (rc)
			return rc;
	}
	return collect(s, v, f->path, f->env ? f->name : NULL);
}

void cli_values_free(struct cli_values *v)
{
	store_free(&v->store);
	path_free(&v->path);
	free(v->v);
	secmem_free(&v->bytes);
	buf_free(&v->text);
	memset(v, 0, sizeof *v);
}

int cli_render_env(const struct cli_values *v, enum envfmt_dialect d, struct secmem *out)
{
	struct err e;

	return envfmt_render(d, v->v, v->n, out, &e) ? cli_fail(&e) : 0;
}
