/* extract: one value (file form) or env lines (env form) on stdout. This
 * runs in ExecStartPre= before every container start: quiet on success,
 * decrypts only the tokens asked for. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "secretctl/envfmt.h"

enum { OPT_ENV, OPT_FILE, OPT_FORMAT, OPT_NAME };

static const struct cli_opt opts[] = {
	{ "env", 'e', 1, OPT_ENV, "PATH", "env form: NAME=value lines" },
	{ "file", 'f', 1, OPT_FILE, "PATH", "file form: the value's exact bytes" },
	{ "format", 0, 1, OPT_FORMAT, "F", "env dialect: systemd (default), podman, docker, shell, json" },
	{ "name", 0, 1, OPT_NAME, "NAME", "env form of a scalar: the variable's name" },
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

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

	(void)node;
	for (int i = 0; i < 3; i++) {
		if (d < n->dist[i]) {
			for (int j = 2; j > i; j--) {
				n->dist[j] = n->dist[j - 1];
				memcpy(n->best[j], n->best[j - 1], sizeof n->best[j]);
			}
			n->dist[i] = d;
			snprintf(n->best[i], sizeof n->best[i], "%s", path->p);
			break;
		}
	}
	return 0;
}

static int not_found(const struct store *s, const char *want)
{
	struct near n = { .want = want, .want_len = strlen(want), .dist = { -1, -1, -1 } };
	struct buf prefix = { 0 };
	size_t limit = n.want_len / 3 + 2;

	cli_walk_leaves(&s->doc, 0, &prefix, near_fn, &n);
	buf_free(&prefix);
	if (n.dist[0] <= limit && n.dist[1] <= limit)
		return cli_error(ERR_NOTFOUND, "%s: no such path in %s; did you mean %s or %s?", want,
				 s->path, n.best[0], n.best[1]);
	if (n.dist[0] <= limit)
		return cli_error(ERR_NOTFOUND, "%s: no such path in %s; did you mean %s?", want,
				 s->path, n.best[0]);
	return cli_error(ERR_NOTFOUND, "%s: no such path in %s", want, s->path);
}

struct kids {
	struct buf list;
	size_t n;
};

static int kids_fn(void *ctx, const struct buf *path, size_t node)
{
	struct kids *k = ctx;

	(void)node;
	if (k->n < 4)
		buf_printf(&k->list, "%s%s", k->n ? ", " : "", path->p);
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
	rc = cli_error(ERR_INPUT, "%s is a %s of %zu %s; %sone of: %s", pstr,
		       n->type == SPLICE_MAPPING ? "mapping" : "sequence", n->n_children,
		       n->type == SPLICE_MAPPING ? "keys" : "items", hint,
		       k.list.p ? k.list.p : "(none)");
	buf_free(&k.list);
	buf_free(&prefix);
	return rc;
}

/* ---- env form ---- */

struct envset {
	struct envfmt_entry *v;
	struct secmem *values;
	struct buf *paths;
	size_t n;
};

static void envset_free(struct envset *es)
{
	for (size_t i = 0; i < es->n; i++) {
		secmem_free(&es->values[i]);
		buf_free(&es->paths[i]);
	}
	free(es->v);
	free(es->values);
	free(es->paths);
}

static int env_form(struct store *s, size_t node, const struct path *p, const char *pstr,
		    const char *name, enum envfmt_dialect d)
{
	const struct splice_node *n = &s->doc.nodes[node];
	struct envset es = { 0 };
	struct secmem out = { 0 };
	struct err e;
	size_t cap = n->type == SPLICE_MAPPING ? n->n_children : 1;
	int rc = 0;

	if (n->type == SPLICE_SEQUENCE)
		return not_scalar(s, node, pstr, "env form needs a mapping or a scalar; use -f with ");
	if (n->type == SPLICE_MAPPING && name)
		return cli_error(ERR_USAGE, "--name goes with a scalar, and %s is a mapping", pstr);
	es.v = calloc(cap ? cap : 1, sizeof *es.v);
	es.values = calloc(cap ? cap : 1, sizeof *es.values);
	es.paths = calloc(cap ? cap : 1, sizeof *es.paths);
	if (!es.v || !es.values || !es.paths) {
		envset_free(&es);
		return cli_error(ERR_FAIL, "out of memory");
	}
	if (n->type == SPLICE_SCALAR) {
		const char *nm = name ? name : p->v[p->n - 1].s;
		es.v[0] = (struct envfmt_entry){ nm, name ? strlen(name) : p->v[p->n - 1].len,
						 NULL, 0, pstr };
		es.n = 1;
		rc = store_value(s, node, &es.values[0], &e);
	} else {
		for (size_t c = n->first_child; c != SPLICE_NONE && !rc; c = s->doc.nodes[c].next_sibling) {
			const struct splice_node *ch = &s->doc.nodes[c];
			size_t target = splice_resolve(&s->doc, c);
			struct buf *cp = &es.paths[es.n];

			buf_puts(cp, pstr);
			buf_putc(cp, '/');
			path_format_seg(ch->key, ch->key_len, cp);
			if (s->doc.nodes[target].type != SPLICE_SCALAR) {
				rc = cli_error(ERR_INPUT,
					       "%s is a %s; env form takes only scalar children (use -e %s)",
					       cp->p,
					       s->doc.nodes[target].type == SPLICE_MAPPING ? "mapping"
											   : "sequence",
					       cp->p);
				envset_free(&es);
				return rc;
			}
			es.v[es.n] = (struct envfmt_entry){ ch->key, ch->key_len, NULL, 0, cp->p };
			rc = store_value(s, target, &es.values[es.n], &e);
			es.n++;
		}
	}
	for (size_t i = 0; i < es.n; i++) {
		es.v[i].value = es.values[i].p;
		es.v[i].value_len = es.values[i].len;
	}
	if (!rc)
		rc = envfmt_render(d, es.v, es.n, &out, &e);
	if (rc)
		rc = cli_fail(&e);
	else
		rc = cli_write_stdout(out.p, out.len);
	secmem_free(&out);
	envset_free(&es);
	return rc;
}

int cmd_extract(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("extract");
	struct store s = { .lock_fd = -1 };
	struct secmem value = { 0 };
	struct identity_opts io;
	struct path p = { 0 };
	struct cli_args a;
	struct err e;
	enum envfmt_dialect dialect = ENVFMT_SYSTEMD;
	const char *store, *pstr;
	size_t node;
	int used, env, rc;

	rc = cli_parse(cmd, opts, argc, argv, 0, 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	env = a.opt[OPT_ENV].count > 0;
	store = cli_store_arg(&a, &used);
	if (env == (a.opt[OPT_FILE].count > 0)) {
		rc = cli_usage(cmd, "give exactly one of -e PATH (env form) and -f PATH (file form)");
		goto out;
	}
	if (!store) {
		rc = cli_usage(cmd, "missing STORE (or $SECRETCTL_STORE)");
		goto out;
	}
	if (a.opt[OPT_FORMAT].count && (!env || envfmt_dialect_parse(a.opt[OPT_FORMAT].value,
								     &dialect, &e))) {
		rc = env ? cli_fail(&e) : cli_usage(cmd, "--format goes with -e");
		goto out;
	}
	if (a.opt[OPT_NAME].count && (!env || !envfmt_name_valid(a.opt[OPT_NAME].value,
								 strlen(a.opt[OPT_NAME].value)))) {
		rc = env ? cli_error(ERR_INPUT, "--name '%s' is not a valid variable name",
				     a.opt[OPT_NAME].value)
			 : cli_usage(cmd, "--name goes with -e");
		goto out;
	}
	pstr = env ? a.opt[OPT_ENV].value : a.opt[OPT_FILE].value;
	if (path_parse(pstr, strlen(pstr), &p, &e) ||
	    (p.n == 0 && err_set(&e, ERR_USAGE, "extract needs a PATH below the top level"))) {
		rc = cli_fail(&e);
		goto out;
	}
	cli_identity_opts(&a, &io);
	if (store_load(store, NULL, &s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	/* the path is checked before any key is looked for */
	node = splice_lookup(&s.doc, &p);
	if (node == SPLICE_NONE) {
		rc = not_found(&s, pstr);
		goto out;
	}
	if (!env && s.doc.nodes[node].type != SPLICE_SCALAR) {
		rc = not_scalar(&s, node, pstr, "use -e, or ");
		goto out;
	}
	if (store_unlock(&s, &io, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (env)
		rc = env_form(&s, node, &p, pstr, a.opt[OPT_NAME].value, dialect);
	else if (store_value(&s, node, &value, &e))
		rc = cli_fail(&e);
	else
		rc = cli_write_stdout(value.p, value.len);
out:
	secmem_free(&value);
	path_free(&p);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}
