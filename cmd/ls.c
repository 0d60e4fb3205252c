/* ls: the key paths of a store. Keys are plaintext: no identity needed.
 *
 * --prefix P --depth N is what shell completion asks for: the paths below
 * P's parent whose next segment starts with P's last segment, cut after N
 * segments (a cut path ends in '/'). It first tries a scan of the key
 * lines alone, which covers what stores are mostly made of (block
 * mappings of tokens) at a few ms for 10 000 keys; anything else in the
 * text (sequences, aliases, flow collections, escapes in quoted keys,
 * tabs) makes it fall back to the full parse, so the output is the same
 * either way. The scan does not validate the store: verify does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_JSON, OPT_PREFIX, OPT_DEPTH };

#define LS_MAX_DEPTH 256

static const struct cli_opt opts[] = {
	{ "json", 0, 0, OPT_JSON, NULL, "print a JSON array" },
	{ "prefix", 0, 1, OPT_PREFIX, "P",
	  "only paths below P's parent whose next segment starts with P's last one" },
	{ "depth", 0, 1, OPT_DEPTH, "N",
	  "cut paths N segments below P's parent ('/' ends a cut path; default 1 with --prefix)" },
	{ "verbose", 'v', 0, CLI_OPT_VERBOSE, NULL, "say which scan --prefix used" },
	CLI_OPT_END,
};

struct lister {
	int json;
	size_t count;
	struct buf out;  /* prefix mode: output is collected, then written */
	struct buf last; /* prefix mode: the last path written (cut paths repeat) */
	int parent_seen; /* prefix mode: the scan saw a path below the parent */
};

static void json_path(const char *p, size_t len, size_t count)
{
	printf("%s\"", count ? "," : "");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int emit(void *ctx, const struct buf *path, size_t node)
{
	struct lister *l = ctx;

	(void)node;
	if (!l->json) {
		if (cli_write_stdout(path->p, path->len) || cli_write_stdout("\n", 1))
			return -1;
	} else {
		json_path(path->p, path->len, l->count);
	}
	l->count++;
	return 0;
}

/* ---- prefix mode ---- */

struct want {
	const char *parent; /* escaped PATH of the parent, "" for the top level */
	size_t parent_len;
	const char *partial; /* the next segment starts with this */
	size_t partial_len;
	size_t depth;
};

/* Collect p (cut, deduplicated) in l->out, one per line. */
static int put_path(struct lister *l, const char *p, size_t len, int cut)
{
	if (l->last.p && l->last.len == len + (size_t)cut && memcmp(l->last.p, p, len) == 0)
		return 0;
	l->last.len = 0;
	if (buf_append(&l->last, p, len) || (cut && buf_putc(&l->last, '/')) ||
	    buf_append(&l->out, l->last.p, l->last.len) || buf_putc(&l->out, '\n'))
		return -1;
	l->count++;
	return 0;
}

/* A leaf the scan found: put it when it falls under w, cut to w->depth. */
static int offer(struct lister *l, const struct want *w, const char *p, size_t len)
{
	size_t i = 0, segs = 0;

	if (w->parent_len) {
		if (len <= w->parent_len || memcmp(p, w->parent, w->parent_len) != 0 ||
		    p[w->parent_len] != '/')
			return 0;
		i = w->parent_len + 1;
	}
	l->parent_seen = 1;
	if (len - i < w->partial_len || memcmp(p + i, w->partial, w->partial_len) != 0)
		return 0;
	for (; i < len; i++)
		if (p[i] == '/' && ++segs == w->depth)
			return put_path(l, p, i, 1);
	return put_path(l, p, len, 0);
}

/* Full parse: walk below the parent, N levels. */
static int walk_cut(const struct splice_doc *d, size_t node, struct buf *path, size_t level,
		    const struct want *w, struct lister *l)
{
	const struct splice_node *n;
	size_t keep = path->len, idx = 0;
	int rc = 0;

	node = splice_resolve(d, node);
	n = &d->nodes[node];
	if (n->type == SPLICE_SCALAR || n->first_child == SPLICE_NONE)
		return level ? put_path(l, path->p, path->len, 0) : 0;
	if (level == w->depth)
		return put_path(l, path->p, path->len, 1);
	for (size_t c = n->first_child; c != SPLICE_NONE && !rc;
	     c = d->nodes[c].next_sibling, idx++) {
		const struct splice_node *ch = &d->nodes[c];
		size_t seg;
		if (keep && buf_putc(path, '/'))
			return -1;
		seg = path->len;
		if (n->type == SPLICE_MAPPING ? path_format_seg(ch->key, ch->key_len, path)
					      : buf_printf(path, "%zu", idx))
			return -1;
		if (level > 0 || (path->len - seg >= w->partial_len &&
				  memcmp(path->p + seg, w->partial, w->partial_len) == 0))
			rc = walk_cut(d, c, path, level + 1, w, l);
		path->len = keep;
		path->p[keep] = '\0';
	}
	return rc;
}

/* The key-line scan. Returns 0 (done), 1 (fall back: *why says why, with
 * *line), -1 (out of memory). */
struct frame {
	size_t indent;
	size_t path_len;  /* path length with this key */
	size_t child_indent; /* 0: no child seen yet */
	int leaf;         /* value is a token */
	int pending;      /* empty value: a mapping if indented lines follow */
};

static int is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/* After a token or an empty value: nothing, or spaces and a comment token. */
static int rest_ok(const char *s, const char *end)
{
	while (s < end && *s == ' ')
		s++;
	return s == end || (end - s > 6 && memcmp(s, "#!enc ", 6) == 0);
}

/* The value part of a key line (after ": "): 1 token, 0 empty, -1 other. */
static int value_kind(const char *s, const char *end)
{
	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '&') { /* an anchor: a scalar's, or a collection's */
		while (s < end && *s != ' ')
			s++;
		while (s < end && *s == ' ')
			s++;
	}
	if (end - s > 5 && memcmp(s, "!enc ", 5) == 0) {
		s += 5;
		if (s == end || !is_b64((unsigned char)*s))
			return -1;
		while (s < end && is_b64((unsigned char)*s))
			s++;
		if (s < end && *s != ' ')
			return -1;
		return rest_ok(s, end) ? 1 : -1;
	}
	return rest_ok(s, end) ? 0 : -1;
}

static int has_odd_break(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)s[i + 1];
		if ((a == 0xc2 && b == 0x85) ||
		    (a == 0xe2 && b == 0x80 && i + 2 < n &&
		     ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)))
			return 1;
	}
	return 0;
}

/* Decode the key at s: sets [*ks, *ke) (raw bytes in tmp for a quoted
 * key) and *after (the value part). 0, or -1 when it is no simple key. */
static int parse_key(const char *s, const char *end, struct buf *tmp, const char **kp,
		     size_t *kl, const char **after)
{
	const char *p;

	tmp->len = 0;
	if (*s == '\'' || *s == '"') {
		char q = *s;
		for (p = s + 1;; p++) {
			if (p == end || (q == '"' && *p == '\\'))
				return -1;
			if (*p == q) {
				if (q == '\'' && p + 1 < end && p[1] == '\'') {
					if (buf_putc(tmp, '\''))
						return -2;
					p++;
					continue;
				}
				break;
			}
			if (buf_putc(tmp, *p))
				return -2;
		}
		for (p++; p < end && *p == ' '; p++)
			;
		if (p == end || *p != ':' || (p + 1 < end && p[1] != ' '))
			return -1;
		if (buf_append(tmp, "", 0))
			return -2;
		*kp = tmp->p;
		*kl = tmp->len;
		*after = p + 1;
		return 0;
	}
	if (strchr("-?:,[]{}#&*!|>%@`'\"", *s))
		return -1;
	for (p = s; p < end; p++) {
		if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t'))
			return -1;
		if (*p == ':' && (p + 1 == end || p[1] == ' '))
			break;
	}
	if (p == end)
		return -1;
	*after = p + 1;
	while (p > s && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	*kp = s;
	*kl = (size_t)(p - s);
	return 0;
}

static int fast_scan(const char *t, size_t n, const struct want *w, struct lister *l,
		     const char **why, size_t *why_line)
{
	struct frame st[LS_MAX_DEPTH];
	struct buf path = { 0 }, tmp = { 0 };
	size_t depth = 0, lineno = 0, top = (size_t)-1, pos = 0;
	int rc = 1, seen_content = 0, meta = 0;

	*why = NULL;
	if (n >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0) {
		*why = "byte order mark";
		goto out;
	}
	while (pos < n && !meta) {
		const char *s = t + pos, *nl = memchr(s, '\n', n - pos), *end, *c, *kp, *after;
		size_t indent, kl;
		int kind, k;

		end = nl ? nl : t + n;
		pos = nl ? (size_t)(nl - t) + 1 : n;
		lineno++;
		*why_line = lineno;
		if (end > s && end[-1] == '\r')
			end--;
		for (c = s; c < end && *c == ' '; c++)
			;
		if (c < end && *c == '\t') {
			*why = "tab in indentation";
			goto out;
		}
		while (end > c && end[-1] == ' ')
			end--;
		if (c == end)
			continue;
		indent = (size_t)(c - s);
		if (*c == '#') {
			if (end - c > 6 && memcmp(c, "#!enc ", 6) == 0)
				continue;
			*why = "comment that is no token";
			goto out;
		}
		if (indent == 0 && end - c == 3 && memcmp(c, "---", 3) == 0 && !seen_content) {
			seen_content = 1;
			continue;
		}
		seen_content = 1;
		if (has_odd_break(c, (size_t)(end - c))) {
			*why = "unusual line break";
			goto out;
		}
		k = parse_key(c, end, &tmp, &kp, &kl, &after);
		if (k == -2)
			goto oom;
		if (k) {
			*why = "not a simple key line";
			goto out;
		}
		kind = value_kind(after, end);
		if (kind < 0) {
			*why = "value that is no token";
			goto out;
		}
		if (top == (size_t)-1)
			top = indent;
		/* the previous key: a mapping if this line is indented more */
		if (depth && indent > st[depth - 1].indent) {
			if (!st[depth - 1].pending) {
				*why = "indented line after a value";
				goto out;
			}
			st[depth - 1].pending = 0;
		} else if (depth && st[depth - 1].pending &&
			   offer(l, w, path.p, st[depth - 1].path_len)) {
			goto oom;
		}
		while (depth && st[depth - 1].indent >= indent)
			depth--;
		if (depth == 0 ? indent != top
			       : (st[depth - 1].child_indent && st[depth - 1].child_indent != indent)) {
			*why = "uneven indentation";
			goto out;
		}
		if (depth == 0 && kl == 9 && memcmp(kp, "secretctl", 9) == 0) {
			meta = kind == 0;
			if (!meta) {
				*why = "metadata key with a value";
				goto out;
			}
			break;
		}
		if (depth == LS_MAX_DEPTH) {
			*why = "nesting too deep";
			goto out;
		}
		if (depth)
			st[depth - 1].child_indent = indent;
		path.len = depth ? st[depth - 1].path_len : 0;
		if ((depth && buf_putc(&path, '/')) || path_format_seg(kp, kl, &path) ||
		    buf_append(&path, "", 0))
			goto oom;
		st[depth] = (struct frame){ .indent = indent, .path_len = path.len,
					    .leaf = kind == 1, .pending = kind == 0 };
		depth++;
		if (kind == 1 && offer(l, w, path.p, path.len))
			goto oom;
	}
	if (!meta) {
		*why = "no metadata block";
		*why_line = 0;
		goto out;
	}
	if (depth && st[depth - 1].pending && offer(l, w, path.p, st[depth - 1].path_len))
		goto oom;
	rc = 0;
	goto out;
oom:
	rc = -1;
out:
	buf_free(&path);
	buf_free(&tmp);
	return rc;
}

static int write_collected(struct lister *l)
{
	if (!l->json)
		return cli_write_stdout(l->out.p, l->out.len) ? ERR_IO : 0;
	putchar('[');
	for (size_t i = 0, k = 0; i < l->out.len; k++) {
		const char *nl = memchr(l->out.p + i, '\n', l->out.len - i);
		json_path(l->out.p + i, (size_t)(nl - l->out.p) - i, k);
		i = (size_t)(nl - l->out.p) + 1;
	}
	puts("]");
	return 0;
}

static int ls_prefix(const struct cli_cmd *cmd, const char *store, const char *prefix,
		     const char *depth_arg, int verbose, struct lister *l)
{
	struct store s = { .lock_fd = -1 };
	struct buf text = { 0 }, pbuf = { 0 };
	struct path p = { 0 };
	struct want w = { 0 };
	struct err e;
	const char *slash = strrchr(prefix, '/'), *why;
	size_t why_line = 0, node;
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
	if (path_parse(w.parent, w.parent_len, &p, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (store_read_file(store, &text, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	rc = fast_scan(text.p, text.len, &w, l, &why, &why_line);
	if (rc < 0) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	if (rc == 0) {
		/* the scan never checks that the parent exists: say so as ls PATH does */
		if (!l->parent_seen && w.parent_len) {
			rc = 1;
			why = "nothing found below the parent";
			why_line = 0;
		}
	}
	if (rc == 0) {
		if (verbose)
			cli_note("ls: key-line scan");
		rc = write_collected(l);
		goto out;
	}
	if (verbose) {
		if (why_line)
			cli_note("ls: full parse (line %zu: %s)", why_line, why);
		else
			cli_note("ls: full parse (%s)", why);
	}
	l->out.len = 0;
	l->count = 0;
	buf_free(&l->last);
	if (store_load(store, NULL, &s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	node = splice_lookup(&s.doc, &p);
	if (node == SPLICE_NONE) {
		rc = cli_error(ERR_NOTFOUND, "%.*s: no such path in %s", (int)w.parent_len,
			       w.parent, store);
		goto out;
	}
	if (buf_append(&pbuf, w.parent, w.parent_len) || buf_append(&pbuf, "", 0) ||
	    walk_cut(&s.doc, node, &pbuf, 0, &w, l)) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	rc = write_collected(l);
out:
	store_free(&s);
	path_free(&p);
	buf_free(&text);
	buf_free(&pbuf);
	return rc;
}

int cmd_ls(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("ls");
	struct store s = { .lock_fd = -1 };
	struct lister l = { 0 };
	struct buf prefix = { 0 };
	struct path p = { 0 };
	struct cli_args a;
	struct err e;
	const char *path, *sub = NULL;
	size_t node = 0;
	int used, rc;

	rc = cli_parse(cmd, opts, argc, argv, 0, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	/* one argument: STORE, unless $SECRETCTL_STORE is set and it is no file */
	path = cli_store_arg(&a, &used);
	if (a.n_pos == 2) {
		sub = a.pos[1];
	} else if (a.n_pos == 1 && getenv("SECRETCTL_STORE") && *getenv("SECRETCTL_STORE") &&
		   access(a.pos[0], F_OK) != 0) {
		path = getenv("SECRETCTL_STORE");
		sub = a.pos[0];
	}
	if (!path) {
		rc = cli_usage(cmd, "missing STORE (or $SECRETCTL_STORE)");
		goto out;
	}
	l.json = a.opt[OPT_JSON].count > 0;
	if (a.opt[OPT_PREFIX].count || a.opt[OPT_DEPTH].count) {
		const char *pre = a.opt[OPT_PREFIX].count ? a.opt[OPT_PREFIX].value : "";
		if (sub && a.opt[OPT_PREFIX].count) {
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
		rc = ls_prefix(cmd, path, pre, a.opt[OPT_DEPTH].value,
			       a.opt[CLI_OPT_VERBOSE].count > 0, &l);
		goto out;
	}
	if (store_load(path, NULL, &s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (sub) {
		if (path_parse(sub, strlen(sub), &p, &e)) {
			rc = cli_fail(&e);
			goto out;
		}
		node = splice_lookup(&s.doc, &p);
		if (node == SPLICE_NONE) {
			rc = cli_error(ERR_NOTFOUND, "%s: no such path in %s", sub, path);
			goto out;
		}
		if (path_format(&p, &prefix)) {
			rc = cli_error(ERR_FAIL, "out of memory");
			goto out;
		}
	}
	if (l.json)
		putchar('[');
	rc = cli_walk_leaves(&s.doc, node, &prefix, emit, &l) ? ERR_IO : 0;
	if (l.json)
		puts("]");
out:
	buf_free(&l.out);
	buf_free(&l.last);
	path_free(&p);
	buf_free(&prefix);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}
