/* ls: the key paths of a store. Keys are plaintext: no identity needed.
 *
 * --prefix P --depth N is what shell completion asks for: the paths below
 * P's parent whose next segment starts with P's last segment, cut after N
 * segments (a cut path ends in '/'). Fast on large stores because
 * store_load reads plain block-mapping stores with splice's line scan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "secretctl/store.h"

enum { OPT_JSON, OPT_PREFIX, OPT_DEPTH };

#define LS_MAX_DEPTH 256

const struct cli_opt cmd_ls_opts[] = {
	{ "json", 0, 0, OPT_JSON, NULL, "print a JSON array" },
	{ "prefix", 0, 1, OPT_PREFIX, "P",
	  "only paths below P's parent whose next segment starts with P's last one" },
	{ "depth", 0, 1, OPT_DEPTH, "N",
	  "cut paths N segments below P's parent ('/' ends a cut path; default 1 with --prefix)" },
	CLI_OPT_END,
};

struct lister {
	int json;
	size_t count;
	struct buf out;  /* one path, or (prefix mode) all of them, as printed */
	struct buf last; /* prefix mode: the last path collected (cut paths repeat) */
};

/* The bytes as a JSON string: exact, whatever they are. */
static int json_path(struct buf *b, const char *p, size_t len, size_t count)
{
	if (buf_puts(b, count ? ",\"" : "\""))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		int rc;
		if (c == '"' || c == '\\')
			rc = buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			rc = buf_printf(b, "\\u%04x", c);
		else
			rc = buf_putc(b, (char)c);
		if (rc)
			return -1;
	}
	return buf_putc(b, '"');
}

/* One path in l->out as printed: a JSON string, or a line, quoted when it
 * holds control characters (a key must not write to the terminal). */
static int put_out(struct lister *l, const char *p, size_t len)
{
	if (l->json ? json_path(&l->out, p, len, l->count)
		    : path_quote(p, len, &l->out) || buf_putc(&l->out, '\n'))
		return -1;
	l->count++;
	return 0;
}

static int emit(void *ctx, const struct store_ref *r, const struct buf *path, size_t depth)
{
	struct lister *l = ctx;

	(void)r;
	(void)depth;
	l->out.len = 0;
	if (put_out(l, path->p, path->len))
		return cli_error(ERR_FAIL, "out of memory");
	return cli_write_stdout(l->out.p, l->out.len);
}

/* ---- prefix mode ---- */

struct want {
	const char *parent; /* escaped PATH of the parent, "" for the top level */
	size_t parent_len;
	const char *partial; /* the next segment starts with this */
	size_t partial_len;
	size_t depth;
	struct lister *l;
};

/* Collect p (cut, deduplicated) in l->out. */
static int put_path(struct lister *l, const char *p, size_t len, int cut)
{
	if (l->last.p && l->last.len == len + (size_t)cut && memcmp(l->last.p, p, len) == 0)
		return 0;
	l->last.len = 0;
	if (buf_append(&l->last, p, len) || (cut && buf_putc(&l->last, '/')))
		return -1;
	return put_out(l, l->last.p, l->last.len);
}

/* Below the parent: the paths whose first segment starts with the
 * partial one, cut at w->depth. */
static int cut(void *ctx, const struct store_ref *r, const struct buf *path, size_t depth)
{
	const struct want *w = ctx;
	size_t seg = w->parent_len + (w->parent_len ? 1 : 0);

	if (depth == 1 && (path->len - seg < w->partial_len ||
			   memcmp(path->p + seg, w->partial, w->partial_len) != 0))
		return STORE_WALK_SKIP;
	if (r->leaf)
		return depth ? put_path(w->l, path->p, path->len, 0) : 0;
	if (depth == w->depth)
		return put_path(w->l, path->p, path->len, 1) ? -1 : STORE_WALK_SKIP;
	return 0;
}

static int write_collected(struct lister *l)
{
	if (l->json && (cli_write_stdout("[", 1) || cli_write_stdout(l->out.p, l->out.len) ||
			cli_write_stdout("]\n", 2)))
		return ERR_IO;
	return !l->json && cli_write_stdout(l->out.p, l->out.len) ? ERR_IO : 0;
}

static int ls_prefix(const struct cli_cmd *cmd, const char *store, const char *prefix,
		     const char *depth_arg, struct lister *l)
{
	struct store s = { 0 };
	struct buf pbuf = { 0 };
	struct path p = { 0 };
	struct want w = { 0 };
	struct store_ref ref;
	struct err e;
	const char *slash = strrchr(prefix, '/');
	int rc;

	w.depth = 1;
	if (depth_arg) {
		char *endp;
		long v = strtol(depth_arg, &endp, 10);
		if (*endp || endp == depth_arg || v < 1 || v > LS_MAX_DEPTH)
			return cli_usage(cmd, "--depth must be 1..%d", LS_MAX_DEPTH);
		w.depth = (size_t)v;
	}
	w.parent = prefix;
	w.parent_len = slash ? (size_t)(slash - prefix) : 0;
	w.partial = slash ? slash + 1 : prefix;
	w.partial_len = strlen(w.partial);
	w.l = l;
	if (path_parse(w.parent, w.parent_len, &p, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	/* store_load takes its line scan for plain block-mapping stores */
	if (store_load(store, NULL, &s, &e) || store_lookup(&s, &p, 0, &ref, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (buf_append(&pbuf, w.parent, w.parent_len) || store_walk(&s, &ref, &pbuf, cut, &w)) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	rc = write_collected(l);
out:
	store_free(&s);
	path_free(&p);
	buf_free(&pbuf);
	return rc;
}

int cmd_ls(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	struct store s = { 0 };
	struct lister l = { 0 };
	struct buf prefix = { 0 };
	struct path p = { 0 };
	struct store_ref ref;
	struct err e;
	const char *sub = a->n_pos ? a->pos[0] : NULL;
	int rc;

	l.json = a->opt[OPT_JSON].count > 0;
	if (a->opt[OPT_PREFIX].count || a->opt[OPT_DEPTH].count) {
		const char *pre = a->opt[OPT_PREFIX].count ? a->opt[OPT_PREFIX].value : "";
		if (sub && a->opt[OPT_PREFIX].count) {
			rc = cli_usage(cmd, "give PATH or --prefix, not both");
			goto out;
		}
		if (sub) { /* ls STORE PATH --depth N: the paths below PATH */
			if (buf_printf(&prefix, "%s/", sub)) {
				rc = cli_error(ERR_FAIL, "out of memory");
				goto out;
			}
			pre = prefix.p;
		}
		rc = ls_prefix(cmd, store, pre, a->opt[OPT_DEPTH].value, &l);
		goto out;
	}
	if (store_load(store, NULL, &s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if ((sub && path_parse(sub, strlen(sub), &p, &e)) || store_lookup(&s, &p, 0, &ref, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (path_format(&p, &prefix)) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	if (l.json)
		putchar('[');
	rc = store_leaves(&s, &ref, &prefix, emit, &l) ? ERR_IO : 0;
	if (l.json)
		puts("]");
out:
	buf_free(&l.out);
	buf_free(&l.last);
	path_free(&p);
	buf_free(&prefix);
	store_free(&s);
	return rc;
}
