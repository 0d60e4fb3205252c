/* manifest: apply's YAML file, parsed strictly (libyaml's document loader;
 * every node's start mark gives the line and column of an error). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <yaml.h>

#include "secretctl/buf.h"
#include "secretctl/install.h"
#include "secretctl/io.h"
#include "secretctl/manifest.h"
#include "secretctl/path.h"

struct ctx {
	yaml_document_t doc;
	const char *file;
	unsigned char *seen; /* per node: visited (an alias reaches one twice) */
	size_t n_nodes;
	struct manifest *m;
	struct err *e;
};

static int at(struct ctx *c, const yaml_node_t *n, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int at(struct ctx *c, const yaml_node_t *n, const char *what, const char *fmt, ...)
{
	char why[ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return err_set(c->e, ERR_INPUT, "%s:%lu:%lu: %s: %s", c->file,
		       n ? (unsigned long)n->start_mark.line + 1 : 1UL,
		       n ? (unsigned long)n->start_mark.column + 1 : 1UL, what, why);
}

static yaml_node_t *node(struct ctx *c, int id)
{
	return yaml_document_get_node(&c->doc, id);
}

/* Each node once: a second visit is an alias (refused, so no input makes
 * the walk run away). */
static int visit(struct ctx *c, yaml_node_t *n, const char *what)
{
	size_t i = (size_t)(n - c->doc.nodes.start);

	if (i >= c->n_nodes)
		return at(c, n, what, "bad node");
	if (c->seen[i])
		return at(c, n, what, "aliases are not allowed in a manifest");
	c->seen[i] = 1;
	return 0;
}

static const char *kind_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a mapping"
	       : n->type == YAML_SEQUENCE_NODE ? "a sequence"
	       : n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
		       ? "empty"
		       : "a scalar";
}

static int is_plain(const yaml_node_t *n, const char *s)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       n->data.scalar.length == strlen(s) && memcmp(n->data.scalar.value, s, strlen(s)) == 0;
}

/* A non-empty string without NUL, copied. */
static int get_str(struct ctx *c, yaml_node_t *n, const char *what, char **out)
{
	if (visit(c, n, what))
		return c->e->code;
	if (n->type != YAML_SCALAR_NODE || (n->data.scalar.length == 0 &&
					    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE))
		return at(c, n, what, "expected a string, found %s", kind_name(n));
	if (n->data.scalar.length == 0)
		return at(c, n, what, "is empty");
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return at(c, n, what, "has a NUL byte");
	free(*out);
	*out = strndup((const char *)n->data.scalar.value, n->data.scalar.length);
	return *out ? 0 : err_oom(c->e);
}

static int get_bool(struct ctx *c, yaml_node_t *n, const char *what, int *out)
{
	if (visit(c, n, what))
		return c->e->code;
	if (is_plain(n, "true"))
		*out = 1;
	else if (is_plain(n, "false"))
		*out = 0;
	else
		return at(c, n, what, "expected true or false, found %s", kind_name(n));
	return 0;
}

/* A decimal number (plain scalar). */
static int get_num(struct ctx *c, yaml_node_t *n, const char *what, unsigned long *out)
{
	const char *s = (const char *)n->data.scalar.value;
	char *end;

	if (visit(c, n, what))
		return c->e->code;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    n->data.scalar.length == 0 || s[0] < '0' || s[0] > '9')
		return at(c, n, what, "expected a number, found %s", kind_name(n));
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out >= (unsigned long)(uid_t)-1)
		return at(c, n, what, "'%s' is not a uid", s);
	return 0;
}

/* A string, or a sequence of strings: appended to *v. */
static int get_strs(struct ctx *c, yaml_node_t *n, const char *what, char ***v, size_t *nv)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE) {
		char *s = NULL;
		char **g;
		if (get_str(c, n, what, &s))
			return c->e->code;
		if (!(g = realloc(*v, (*nv + 1) * sizeof *g))) {
			free(s);
			return err_oom(c->e);
		}
		*v = g;
		(*v)[(*nv)++] = s;
		return 0;
	}
	if (visit(c, n, what))
		return c->e->code;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *x = node(c, *it);
		if (!x)
			return at(c, n, what, "bad node");
		if (x->type == YAML_SEQUENCE_NODE)
			return at(c, x, what, "expected a string, found a sequence");
		if (get_strs(c, x, what, v, nv))
			return c->e->code;
	}
	return 0;
}

/* Did you mean: the known key nearest to k. */
static const char *nearest(const char *k, size_t len, const char *const *keys)
{
	const char *best = NULL;
	size_t bd = 3;

	for (size_t i = 0; keys[i]; i++) {
		size_t d = path_distance(k, len, keys[i], strlen(keys[i]));
		if (d < bd) {
			bd = d;
			best = keys[i];
		}
	}
	return best;
}

/* Mapping key k of n must be a plain string among keys, and appear once. */
static int key_of(struct ctx *c, yaml_node_pair_t *p, yaml_node_pair_t *first, const char *what,
		  const char *const *keys, yaml_node_t **kn, const char **k)
{
	const char *near;

	*kn = node(c, p->key);
	if (!*kn || visit(c, *kn, what))
		return *kn ? c->e->code : at(c, NULL, what, "bad node");
	if ((*kn)->type != YAML_SCALAR_NODE || (*kn)->data.scalar.length == 0)
		return at(c, *kn, what, "a key must be a string, found %s", kind_name(*kn));
	*k = (const char *)(*kn)->data.scalar.value;
	for (yaml_node_pair_t *q = first; q < p; q++) {
		yaml_node_t *o = node(c, q->key);
		if (o && o->type == YAML_SCALAR_NODE && strcmp((const char *)o->data.scalar.value, *k) == 0)
			return at(c, *kn, what, "key '%s' appears twice (first at line %lu)", *k,
				  (unsigned long)o->start_mark.line + 1);
	}
	if (!keys)
		return 0;
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(keys[i], *k) == 0)
			return 0;
	near = nearest(*k, (*kn)->data.scalar.length, keys);
	return at(c, *kn, what, "unknown key '%s'%s%s%s", *k, near ? " (did you mean '" : "",
		  near ? near : "", near ? "'?)" : "");
}

static int want_map(struct ctx *c, yaml_node_t *n, const char *what)
{
	if (visit(c, n, what))
		return c->e->code;
	if (n->type != YAML_MAPPING_NODE)
		return at(c, n, what, "expected a mapping, found %s", kind_name(n));
	return 0;
}

/* dir: an absolute path, written one way: "//" is one "/", "/./" and a
 * trailing "/" go (two spellings of one directory would be two directories
 * to apply: --prune would remove what the other spelling installs), and
 * ".." is refused (the directory it names depends on symlinks). In place. */
static int dir_canon(struct ctx *c, yaml_node_t *n, const char *what, const char *pre, char *s)
{
	char *w = s;
	const char *r = s;

	if (s[0] != '/')
		return at(c, n, what, "%s'%s' is not an absolute path", pre, s);
	while (*r) {
		size_t len;
		while (*r == '/')
			r++;
		len = strcspn(r, "/");
		if (len == 1 && r[0] == '.') {
			r += len;
			continue;
		}
		if (len == 2 && r[0] == '.' && r[1] == '.')
			return at(c, n, what, "%s'%s': no '..' (give the directory itself)", pre, s);
		if (!len)
			break;
		*w++ = '/';
		memmove(w, r, len);
		w += len;
		r += len;
	}
	if (w == s)
		*w++ = '/';
	*w = '\0';
	return 0;
}

static int check_path(struct ctx *c, yaml_node_t *n, const char *what, const char *s)
{
	struct path p = { 0 };
	struct err pe;
	int rc = path_parse(s, strlen(s), &p, &pe);

	if (!rc && p.n == 0)
		rc = err_set(&pe, ERR_INPUT, "PATH must name a key below the top level");
	path_free(&p);
	return rc ? at(c, n, what, "%s", pe.msg) : 0;
}

int manifest_unit_check(const char *u, struct err *e)
{
	size_t n = strlen(u);

	if (n == 0 || n > 255)
		return err_set(e, ERR_INPUT, "a unit name has 1 to 255 bytes");
	if (u[0] == '-')
		return err_set(e, ERR_INPUT, "a unit name does not start with '-'");
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.@\\-", u[i]) ||
		    !u[i])
			return err_set(e, ERR_INPUT, "'%s' is not a unit name (byte %zu)", u, i + 1);
	if (!strchr(u, '.') || u[n - 1] == '.')
		return err_set(e, ERR_INPUT, "'%s' is not a unit name: it needs a suffix (.service, ...)", u);
	return 0;
}

/* ---- one target ---- */

static const char *const install_keys[] = { "env", "file", "format", "var", "dir", "owner",
	"group", "mode", "reader", "mkdir", "sudo", "restart", NULL };
static const char *const podman_keys[] = { "env", "file", "name", "var", "prefix", "label",
	"driver", "driver-bin", "restart", NULL };

static int target(struct ctx *c, yaml_node_t *n, struct manifest_target *t, const char *what)
{
	const char *const *keys = t->kind == MANIFEST_INSTALL ? install_keys : podman_keys;
	yaml_node_t *form_node = NULL;
	yaml_node_pair_t *p;

	t->line = (int)n->start_mark.line + 1;
	t->col = (int)n->start_mark.column + 1;
	if (want_map(c, n, what))
		return c->e->code;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn, *v = node(c, p->value);
		const char *k;
		char *s = NULL;
		int rc = 0;

		if (key_of(c, p, n->data.mapping.pairs.start, what, keys, &kn, &k))
			return c->e->code;
		if (!v)
			return at(c, kn, what, "bad node");
		if (!strcmp(k, "env") || !strcmp(k, "file")) {
			if (form_node)
				return at(c, kn, what, "give one of env: and file:, not both");
			form_node = kn;
			t->env = k[0] == 'e';
			if (get_str(c, v, what, &t->path) || check_path(c, v, what, t->path))
				return c->e->code;
		} else if (!strcmp(k, "format")) {
			struct err fe;
			if (get_str(c, v, what, &s))
				return c->e->code;
			rc = envfmt_dialect_parse(s, &t->dialect, &fe);
			free(s);
			if (rc)
				return at(c, v, what, "format: %s", fe.msg);
			t->has_format = 1;
		} else if (!strcmp(k, "var")) {
			rc = get_str(c, v, what, &t->var);
		} else if (!strcmp(k, "name")) {
			rc = get_str(c, v, what, &t->name);
		} else if (!strcmp(k, "dir")) {
			rc = get_str(c, v, what, &t->dir);
			if (!rc && dir_canon(c, v, what, "dir: ", t->dir))
				return c->e->code;
		} else if (!strcmp(k, "owner")) {
			rc = get_str(c, v, what, &t->owner);
		} else if (!strcmp(k, "group")) {
			rc = get_str(c, v, what, &t->group);
		} else if (!strcmp(k, "mode")) {
			struct err me;
			if (get_str(c, v, what, &s))
				return c->e->code;
			rc = install_mode_parse(s, &t->mode, &me);
			free(s);
			if (rc)
				return at(c, v, what, "mode: %s", me.msg);
			t->has_mode = 1;
		} else if (!strcmp(k, "reader")) {
			yaml_node_t *one[1] = { v };
			yaml_node_t **list = one;
			size_t cnt = 1;
			if (v->type == YAML_SEQUENCE_NODE) {
				if (visit(c, v, what))
					return c->e->code;
				cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
				list = calloc(cnt ? cnt : 1, sizeof *list);
				if (!list)
					return err_oom(c->e);
				for (size_t i = 0; i < cnt; i++)
					list[i] = node(c, v->data.sequence.items.start[i]);
			}
			t->readers = realloc(t->readers, (t->n_readers + cnt + 1) * sizeof *t->readers);
			for (size_t i = 0; t->readers && i < cnt && !rc; i++)
				rc = !list[i] ? at(c, v, what, "bad node")
					      : get_num(c, list[i], what, &t->readers[t->n_readers++]);
			if (list != one)
				free(list);
			if (!t->readers)
				return err_oom(c->e);
		} else if (!strcmp(k, "mkdir")) {
			rc = get_bool(c, v, what, &t->mkdir);
		} else if (!strcmp(k, "sudo")) {
			rc = get_bool(c, v, what, &t->sudo);
		} else if (!strcmp(k, "prefix")) {
			rc = get_str(c, v, what, &t->prefix);
		} else if (!strcmp(k, "label")) {
			yaml_node_pair_t *q;
			if (want_map(c, v, what))
				return c->e->code;
			for (q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !rc; q++) {
				yaml_node_t *lk, *lv = node(c, q->value);
				const char *key;
				char **g;
				if (key_of(c, q, v->data.mapping.pairs.start, what, NULL, &lk, &key))
					return c->e->code;
				if (!lv || visit(c, lv, what))
					return lv ? c->e->code : at(c, lk, what, "bad node");
				if (lv->type != YAML_SCALAR_NODE)
					return at(c, lv, what, "a label's value must be a string, found %s",
						  kind_name(lv));
				if (strchr(key, '=') || memchr(key, '\0', lk->data.scalar.length) ||
				    memchr(lv->data.scalar.value, '\0', lv->data.scalar.length))
					return at(c, lk, what, "label '%s': a key has no '=' and no NUL", key);
				if (!strcmp(key, "secretctl.digest") || !strcmp(key, "secretctl.ref") ||
				    !strcmp(key, MANIFEST_LABEL))
					return at(c, lk, what, "the label %s is secretctl's own", key);
				if (!(g = realloc(t->labels, (t->n_labels + 1) * sizeof *g)))
					return err_oom(c->e);
				t->labels = g;
				if (asprintf(&t->labels[t->n_labels], "%s=%s", key,
					     (const char *)lv->data.scalar.value) < 0)
					return err_oom(c->e);
				t->n_labels++;
			}
		} else if (!strcmp(k, "driver")) {
			if (get_str(c, v, what, &s))
				return c->e->code;
			t->shell = !strcmp(s, "shell");
			rc = !t->shell && strcmp(s, "file") ? at(c, v, what, "driver is file or shell, not '%s'", s) : 0;
			free(s);
		} else if (!strcmp(k, "driver-bin")) {
			rc = get_str(c, v, what, &t->driver_bin);
		} else if (!strcmp(k, "restart")) {
			size_t from = t->n_restart;
			rc = get_strs(c, v, what, &t->restart, &t->n_restart);
			for (size_t i = from; !rc && i < t->n_restart; i++) {
				struct err ue;
				if (manifest_unit_check(t->restart[i], &ue))
					rc = at(c, v, what, "restart: %s", ue.msg);
			}
		}
		if (rc)
			return c->e->code;
	}
	if (!form_node)
		return at(c, n, what, "needs env: PATH or file: PATH");
	if (t->has_format && !t->env)
		return at(c, n, what, "format: goes with env:");
	if (t->var && !t->env)
		return at(c, n, what, "var: goes with env:");
	if (t->driver_bin && !t->shell)
		return at(c, n, what, "driver-bin: goes with driver: shell");
	return 0;
}

/* ---- the document ---- */

static const char *const top_keys[] = { "store", "name", "dir", "mkdir", "sudo",
	"podman-program", "install", "podman", NULL };

static int grow(struct ctx *c, struct manifest_target **t)
{
	struct manifest *m = c->m;
	struct manifest_target *g = realloc(m->t, (m->n + 1) * sizeof *g);

	if (!g)
		return err_oom(c->e);
	m->t = g;
	*t = &m->t[m->n++];
	memset(*t, 0, sizeof **t);
	return 0;
}

static int install_section(struct ctx *c, yaml_node_t *v)
{
	yaml_node_pair_t *p;

	if (want_map(c, v, "install"))
		return c->e->code;
	for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		struct manifest_target *t;
		yaml_node_t *kn, *tv = node(c, p->value);
		const char *k;
		char what[300];
		struct err ne;

		if (key_of(c, p, v->data.mapping.pairs.start, "install", NULL, &kn, &k))
			return c->e->code;
		snprintf(what, sizeof what, "install: %.200s", k);
		if (install_name_check(k, kn->data.scalar.length, &ne))
			return at(c, kn, what, "%s", ne.msg);
		if (!strncmp(k, MANIFEST_STATE_PREFIX, strlen(MANIFEST_STATE_PREFIX)))
			return at(c, kn, what, "names starting '%s' are apply's own", MANIFEST_STATE_PREFIX);
		if (!tv)
			return at(c, kn, what, "bad node");
		if (grow(c, &t))
			return c->e->code;
		t->kind = MANIFEST_INSTALL;
		if (!(t->name = strdup(k)))
			return err_oom(c->e);
		if (target(c, tv, t, what))
			return c->e->code;
		t->line = (int)kn->start_mark.line + 1;
		t->col = (int)kn->start_mark.column + 1;
	}
	return 0;
}

static int podman_section(struct ctx *c, yaml_node_t *v)
{
	yaml_node_item_t *it;

	if (visit(c, v, "podman"))
		return c->e->code;
	if (v->type != YAML_SEQUENCE_NODE)
		return at(c, v, "podman", "expected a sequence of entries, found %s", kind_name(v));
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		struct manifest_target *t;
		yaml_node_t *x = node(c, *it);
		char what[64];

		snprintf(what, sizeof what, "podman[%ld]", (long)(it - v->data.sequence.items.start));
		if (!x)
			return at(c, v, what, "bad node");
		if (grow(c, &t))
			return c->e->code;
		t->kind = MANIFEST_PODMAN;
		if (target(c, x, t, what))
			return c->e->code;
		/* names known without the store (name:, or a file: PATH's last
		 * segment): two entries that would make one secret */
		if (t->name || !t->env) {
			char *full = NULL, *oful = NULL;
			const char *last = strrchr(t->path, '/');
			if (asprintf(&full, "%s%s", t->prefix ? t->prefix : "",
				     t->name ? t->name : last ? last + 1 : t->path) < 0)
				return err_oom(c->e);
			for (size_t i = 0; i + 1 < c->m->n && !oful; i++) {
				const struct manifest_target *o = &c->m->t[i];
				const char *ol = o->path ? strrchr(o->path, '/') : NULL;
				char *of = NULL;
				if (o->kind != MANIFEST_PODMAN || (!o->name && o->env))
					continue;
				if (asprintf(&of, "%s%s", o->prefix ? o->prefix : "",
					     o->name ? o->name : ol ? ol + 1 : o->path) < 0) {
					free(full);
					return err_oom(c->e);
				}
				if (!strcmp(of, full))
					oful = of;
				else
					free(of);
				if (oful) {
					at(c, x, what, "secret '%s' is also made by the entry at line %d",
					   full, o->line);
					free(full);
					free(oful);
					return c->e->code;
				}
			}
			free(full);
		}
	}
	return 0;
}

static int document(struct ctx *c, yaml_node_t *root, const char *abs)
{
	struct manifest *m = c->m;
	yaml_node_t *store_node = NULL;
	yaml_node_pair_t *p;
	char *store = NULL;
	int rc = 0;

	if (!root)
		return at(c, NULL, "manifest", "is empty: it needs store: and targets");
	if (want_map(c, root, "manifest"))
		return c->e->code;
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !rc; p++) {
		yaml_node_t *kn, *v = node(c, p->value);
		const char *k;

		if (key_of(c, p, root->data.mapping.pairs.start, "manifest", top_keys, &kn, &k))
			{ rc = c->e->code; goto out; }
		if (!v)
			{ rc = at(c, kn, k, "bad node"); goto out; }
		if (!strcmp(k, "store")) {
			store_node = v;
			rc = get_str(c, v, "store", &store);
		} else if (!strcmp(k, "name")) {
			rc = get_str(c, v, "name", &m->name);
			if (!rc && (strlen(m->name) > MANIFEST_NAME_MAX ||
				    strspn(m->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
					    strlen(m->name) || m->name[0] == '.' || m->name[0] == '-'))
				rc = at(c, v, "name", "'%s': up to %d of [A-Za-z0-9_.-], not starting with '.' or '-'",
					m->name, MANIFEST_NAME_MAX);
		} else if (!strcmp(k, "dir")) {
			rc = get_str(c, v, "dir", &m->dir);
			if (!rc && dir_canon(c, v, "dir", "", m->dir))
				rc = c->e->code;
		} else if (!strcmp(k, "mkdir")) {
			rc = get_bool(c, v, "mkdir", &m->mkdir);
		} else if (!strcmp(k, "sudo")) {
			rc = get_bool(c, v, "sudo", &m->sudo);
		} else if (!strcmp(k, "podman-program")) {
			rc = get_str(c, v, "podman-program", &m->podman_program);
		} else if (!strcmp(k, "install")) {
			rc = install_section(c, v);
		} else if (!strcmp(k, "podman")) {
			rc = podman_section(c, v);
		}
	}
	if (rc)
		goto out;
	if (!store_node) {
		rc = at(c, root, "manifest", "store: is missing");
		goto out;
	}
	m->store_line = (int)store_node->start_mark.line + 1;
	m->store_col = (int)store_node->start_mark.column + 1;
	if (store[0] == '/') {
		m->store = store;
		store = NULL;
	} else {
		const char *slash = strrchr(abs, '/');
		int dl = slash ? (int)(slash - abs) : 0;
		if (asprintf(&m->store, "%.*s/%s", dl, abs, store) < 0) {
			m->store = NULL;
			rc = err_oom(c->e);
		}
	}
out:
	free(store);
	return rc;
}

static int compute_id(struct manifest *m, struct err *e)
{
	unsigned char h[16];

	if (m->name) {
		snprintf(m->id, sizeof m->id, "%s", m->name);
		return 0;
	}
	if (crypto_generichash(h, sizeof h, (const unsigned char *)m->abs, strlen(m->abs), NULL, 0))
		return err_set(e, ERR_FAIL, "manifest id: hash failed");
	m->id[0] = 'p';
	sodium_bin2hex(m->id + 1, sizeof m->id - 1, h, sizeof h);
	return 0;
}

int manifest_parse(const char *text, size_t len, const char *file, const char *abs,
		   struct manifest *m, struct err *e)
{
	yaml_parser_t parser;
	struct ctx c = { .file = file, .m = m, .e = e };
	int rc;

	memset(m, 0, sizeof *m);
	if (!(m->file = strdup(file)) || !(m->abs = strdup(abs)) || !yaml_parser_initialize(&parser)) {
		manifest_free(m);
		return err_oom(e);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &c.doc)) {
		rc = err_set(e, ERR_INPUT, "%s:%lu:%lu: manifest: %s%s%s", file,
			     (unsigned long)parser.problem_mark.line + 1,
			     (unsigned long)parser.problem_mark.column + 1,
			     parser.problem ? parser.problem : "YAML error",
			     parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		manifest_free(m);
		return rc;
	}
	c.n_nodes = (size_t)(c.doc.nodes.top - c.doc.nodes.start);
	c.seen = calloc(c.n_nodes ? c.n_nodes : 1, 1);
	if (!c.seen) {
		rc = err_oom(e);
	} else {
		rc = document(&c, yaml_document_get_root_node(&c.doc), abs);
		if (!rc) {
			/* one document only */
			yaml_document_t next;
			if (!yaml_parser_load(&parser, &next)) {
				rc = err_set(e, ERR_INPUT, "%s:%lu:%lu: manifest: %s", file,
					     (unsigned long)parser.problem_mark.line + 1,
					     (unsigned long)parser.problem_mark.column + 1,
					     parser.problem ? parser.problem : "YAML error");
			} else {
				if (yaml_document_get_root_node(&next))
					rc = err_set(e, ERR_INPUT, "%s:%lu:%lu: manifest: one YAML document only",
						     file, (unsigned long)next.start_mark.line + 1,
						     (unsigned long)next.start_mark.column + 1);
				yaml_document_delete(&next);
			}
		}
	}
	if (!rc)
		rc = compute_id(m, e);
	free(c.seen);
	yaml_document_delete(&c.doc);
	yaml_parser_delete(&parser);
	if (rc)
		manifest_free(m);
	return rc;
}

int manifest_load(const char *file, struct manifest *m, struct err *e)
{
	struct buf text = { 0 };
	char *abs;
	int rc;

	memset(m, 0, sizeof *m);
	abs = realpath(file, NULL);
	if (!abs)
		return err_errno(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
				 "manifest '%s'", file);
	rc = io_read_file(file, MANIFEST_MAX_SIZE, &text, e);
	if (!rc)
		rc = manifest_parse(text.p ? text.p : "", text.len, file, abs, m, e);
	free(abs);
	buf_free(&text);
	return rc;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct manifest_target *t = &m->t[i];
		free(t->path);
		free(t->var);
		free(t->name);
		free(t->dir);
		free(t->owner);
		free(t->group);
		free(t->readers);
		free(t->prefix);
		free_strs(t->labels, t->n_labels);
		free(t->driver_bin);
		free_strs(t->restart, t->n_restart);
	}
	free(m->t);
	free(m->file);
	free(m->abs);
	free(m->store);
	free(m->name);
	free(m->dir);
	free(m->podman_program);
	memset(m, 0, sizeof *m);
}

int manifest_target_has_unit(const struct manifest_target *t, const char *unit)
{
	for (size_t i = 0; i < t->n_restart; i++)
		if (!strcmp(t->restart[i], unit))
			return 1;
	return 0;
}
