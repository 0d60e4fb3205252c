/* yedit: exact output texts of set/unset, checked again structurally with
 * libyaml (the value at PATH, every other scalar unchanged), every error,
 * and the renderer's round-trip property. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <yaml.h>

#include "secretctl/err.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"
#include "secretctl/yedit.h"

/* ---- an independent reading of a document: one entry per node ---- */

/* path: segments joined by '/', each escaped ('~' '/' and non-printable
 * bytes as ~xHH). kind: '=' scalar, '~' implicit null, '*' alias,
 * '{' mapping, '[' sequence. */
struct fent {
	char *path;
	char kind;
	unsigned char *val;
	size_t vlen;
};

struct flat {
	struct fent *v;
	size_t n, cap;
};

static void flat_free(struct flat *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].val);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

static void flat_add(struct flat *f, const char *path, char kind, const void *val, size_t vlen)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->v = realloc(f->v, f->cap * sizeof *f->v);
		assert_non_null(f->v);
	}
	f->v[f->n].path = strdup(path);
	f->v[f->n].kind = kind;
	f->v[f->n].val = malloc(vlen + 1);
	assert_non_null(f->v[f->n].path);
	assert_non_null(f->v[f->n].val);
	if (vlen)
		memcpy(f->v[f->n].val, val, vlen);
	f->v[f->n].vlen = vlen;
	f->n++;
}

static char *seg_escape(const char *parent, const unsigned char *s, size_t n)
{
	size_t i, o, cap = strlen(parent) + 1 + 4 * n + 1;
	char *r = malloc(cap);

	assert_non_null(r);
	o = (size_t)snprintf(r, cap, "%s%s", parent, *parent ? "/" : "");
	for (i = 0; i < n; i++) {
		if (s[i] == '~' || s[i] == '/' || s[i] < 0x21 || s[i] > 0x7e || s[i] == '=')
			o += (size_t)snprintf(r + o, cap - o, "~x%02x", s[i]);
		else
			r[o++] = (char)s[i];
	}
	r[o] = '\0';
	return r;
}

struct frame {
	char *path;
	int map;
	size_t idx;
	char *key; /* map: the pending key's path, NULL while a key is expected */
};

/* Decode !!binary; everything else is the scalar's text. */
static unsigned char *scalar_bytes(const yaml_event_t *ev, size_t *len)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	unsigned char *out = malloc(ev->data.scalar.length + 1);

	assert_non_null(out);
	if (tag && !strcmp(tag, "tag:yaml.org,2002:binary")) {
		assert_int_equal(sodium_base642bin(out, ev->data.scalar.length + 1,
						   (const char *)ev->data.scalar.value,
						   ev->data.scalar.length, " \t\r\n", len, NULL,
						   sodium_base64_VARIANT_ORIGINAL), 0);
	} else {
		memcpy(out, ev->data.scalar.value, ev->data.scalar.length);
		*len = ev->data.scalar.length;
	}
	return out;
}

/* Read text into f; 0, or -1 when libyaml rejects it. */
static int flatten(const char *text, size_t len, struct flat *f)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	struct frame st[64];
	size_t sp = 0;
	int done = 0, rc = 0;

	memset(f, 0, sizeof *f);
	assert_true(yaml_parser_initialize(&ps));
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	while (!done) {
		char *path = NULL, kind = 0;
		int key = 0;

		if (rc || !yaml_parser_parse(&ps, &ev)) {
			rc = rc ? rc : -1;
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
			/* where this node sits */
			if (sp == 0) {
				path = strdup("");
			} else if (st[sp - 1].map && !st[sp - 1].key) {
				key = 1;
			} else if (st[sp - 1].map) {
				path = st[sp - 1].key;
				st[sp - 1].key = NULL;
			} else {
				char num[32];

				snprintf(num, sizeof num, "%zu", st[sp - 1].idx++);
				path = seg_escape(st[sp - 1].path, (unsigned char *)num, strlen(num));
			}
		}
		if (key) {
			/* a key: remember the path of the value that follows */
			if (ev.type == YAML_SCALAR_EVENT)
				st[sp - 1].key = seg_escape(st[sp - 1].path, ev.data.scalar.value,
							    ev.data.scalar.length);
			else
				rc = -2; /* a complex key: not addressable */
		} else if (ev.type == YAML_SCALAR_EVENT) {
			size_t vl;
			unsigned char *b = scalar_bytes(&ev, &vl);

			kind = ev.data.scalar.length == 0 && !ev.data.scalar.tag &&
					       ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
					       !ev.data.scalar.anchor
				       ? '~' : '=';
			flat_add(f, path, kind, b, vl);
			free(b);
			free(path);
		} else if (ev.type == YAML_ALIAS_EVENT) {
			flat_add(f, path, '*', ev.data.alias.anchor,
				 strlen((char *)ev.data.alias.anchor));
			free(path);
		} else if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
			int map = ev.type == YAML_MAPPING_START_EVENT;

			flat_add(f, path, map ? '{' : '[', "", 0);
			assert_true(sp < 64);
			st[sp].path = path;
			st[sp].map = map;
			st[sp].idx = 0;
			st[sp].key = NULL;
			sp++;
		} else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			sp--;
			free(st[sp].path);
			free(st[sp].key);
		} else if (ev.type == YAML_STREAM_END_EVENT) {
			done = 1;
		}
		yaml_event_delete(&ev);
	}
	while (sp > 0) {
		sp--;
		free(st[sp].path);
		free(st[sp].key);
	}
	yaml_parser_delete(&ps);
	if (rc)
		flat_free(f);
	return rc;
}

static const struct fent *flat_get(const struct flat *f, const char *path)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].path, path))
			return &f->v[i];
	return NULL;
}

static void flat_del(struct flat *f, size_t i)
{
	free(f->v[i].path);
	free(f->v[i].val);
	memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof *f->v);
	f->n--;
}

static int fent_cmp(const void *a, const void *b)
{
	const struct fent *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->vlen != y->vlen)
		return x->vlen < y->vlen ? -1 : 1;
	return x->vlen ? memcmp(x->val, y->val, x->vlen) : 0;
}

static char note[512]; /* what is being checked, for failure messages */

static void flat_dump(const struct flat *f, const char *what)
{
	size_t i;

	fprintf(stderr, "# %s %s:\n", note, what);
	for (i = 0; i < f->n; i++)
		fprintf(stderr, "#   %s %c %.*s\n", f->v[i].path, f->v[i].kind, (int)f->v[i].vlen,
			(const char *)f->v[i].val);
}

static void flat_expect_equal(struct flat *got, struct flat *want)
{
	size_t i;
	int ok = got->n == want->n;

	if (got->n)
		qsort(got->v, got->n, sizeof *got->v, fent_cmp);
	if (want->n)
		qsort(want->v, want->n, sizeof *want->v, fent_cmp);
	for (i = 0; ok && i < got->n; i++)
		ok = fent_cmp(&got->v[i], &want->v[i]) == 0;
	if (!ok) {
		flat_dump(got, "got");
		flat_dump(want, "want");
		fail_msg("the output does not read back as expected");
	}
}

/* The escaped form of a PATH string ("a/b~1c") as flatten writes it. */
static char *flat_path(const char *p)
{
	struct path pp = { 0 };
	struct err e;
	char *r = strdup(""), *t;
	size_t i;

	assert_int_equal(path_parse(p, strlen(p), &pp, &e), 0);
	for (i = 0; i < pp.n; i++) {
		t = seg_escape(r, (unsigned char *)pp.v[i].s, pp.v[i].len);
		free(r);
		r = t;
	}
	path_free(&pp);
	return r;
}

static int has_prefix(const char *path, const char *pre)
{
	size_t n = strlen(pre);

	return !strncmp(path, pre, n) && (path[n] == '\0' || path[n] == '/' || n == 0);
}

/* After set: only the value at PATH changed or was added (with the
 * mappings created for it, and a bare null / empty collection it
 * replaced). */
static void check_set_flat(const char *in, const char *out, size_t outlen, const char *fp,
			   const unsigned char *v, size_t vlen)
{
	struct flat a, b;
	size_t i;

	assert_int_equal(flatten(in, strlen(in), &a), 0);
	assert_int_equal(flatten(out, outlen, &b), 0);
	/* expected = a without what PATH replaced, plus its new nodes */
	for (i = 0; i < a.n;) {
		if (has_prefix(fp, a.v[i].path) && (a.v[i].kind == '=' || a.v[i].kind == '~' ||
						     (!strcmp(a.v[i].path, fp))))
			flat_del(&a, i);
		else
			i++;
	}
	for (i = 0; i < b.n; i++) /* created parents are mappings */
		if (has_prefix(fp, b.v[i].path) && strcmp(b.v[i].path, fp) &&
		    !flat_get(&a, b.v[i].path)) {
			assert_int_equal(b.v[i].kind, '{');
			flat_add(&a, b.v[i].path, '{', "", 0);
		}
	flat_add(&a, fp, '=', v, vlen);
	flat_expect_equal(&b, &a);
	flat_free(&a);
	flat_free(&b);
}

static void check_set_structure(const char *in, const char *out, size_t outlen, const char *p,
				const unsigned char *v, size_t vlen)
{
	char *fp = flat_path(p);

	check_set_flat(in, out, outlen, fp, v, vlen);
	free(fp);
}

/* After unset: the subtree at PATH is gone (later items of its sequence
 * move up), and an emptied nested parent reads as an empty collection. */
static void check_unset_flat(const char *in, const char *out, size_t outlen, const char *fp)
{
	struct flat a, b;
	char *parent = strdup(fp), *slash;
	const struct fent *pe;
	size_t i, idx = 0;
	int seq, left = 0;

	assert_int_equal(flatten(in, strlen(in), &a), 0);
	assert_int_equal(flatten(out, outlen, &b), 0);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	pe = flat_get(&a, parent);
	assert_non_null(pe);
	seq = pe->kind == '[';
	if (seq)
		idx = strtoul(fp + strlen(parent) + (*parent ? 1 : 0), NULL, 10);
	for (i = 0; i < a.n;) {
		if (has_prefix(a.v[i].path, fp)) {
			flat_del(&a, i);
			continue;
		}
		if (seq && strlen(a.v[i].path) > strlen(parent) && has_prefix(a.v[i].path, parent) &&
		    strcmp(a.v[i].path, parent)) {
			/* renumber later items */
			const char *rest = a.v[i].path + strlen(parent) + (*parent ? 1 : 0);
			char *end;
			size_t j = strtoul(rest, &end, 10);

			left = 1;
			if (j > idx) {
				char *np = malloc(strlen(a.v[i].path) + 32);

				assert_non_null(np);
				sprintf(np, "%s%s%zu%s", parent, *parent ? "/" : "", j - 1, end);
				free(a.v[i].path);
				a.v[i].path = np;
			}
		} else if (!seq && has_prefix(a.v[i].path, parent) && strcmp(a.v[i].path, parent)) {
			left = 1;
		}
		i++;
	}
	/* the last top-level key: an empty store ("---" alone reads as a
	 * null; a tagged mapping stays "{}") */
	if (!*parent && !left && (!flat_get(&b, "") || flat_get(&b, "")->kind == '~')) {
		for (i = 0; i < a.n; i++)
			if (!*a.v[i].path)
				flat_del(&a, i);
		for (i = 0; i < b.n; i++)
			if (!*b.v[i].path)
				flat_del(&b, i);
	}
	flat_expect_equal(&b, &a);
	flat_free(&a);
	flat_free(&b);
	free(parent);
}

static void check_unset_structure(const char *in, const char *out, size_t outlen, const char *p)
{
	char *fp = flat_path(p);

	check_unset_flat(in, out, outlen, fp);
	free(fp);
}

/* ---- helpers ---- */

static struct path mkpath(const char *p)
{
	struct path pp = { 0 };
	struct err e;

	assert_int_equal(path_parse(p, strlen(p), &pp, &e), 0);
	return pp;
}

static void expect_text(const struct secmem *out, const char *want)
{
	if (out->len != strlen(want) || memcmp(out->p, want, out->len)) {
		fprintf(stderr, "# got:\n%.*s\n# want:\n%s\n", (int)out->len, (const char *)out->p, want);
		fail_msg("output text differs");
	}
}

static void set_ok_n(const char *in, const char *p, const void *v, size_t vlen, const char *want)
{
	struct path pp = mkpath(p);
	struct secmem out = { 0 };
	struct err e = { 0 };
	int rc = yedit_set(in, strlen(in), &pp, v, vlen, &out, &e);

	if (rc)
		fail_msg("set %s: %s", p, e.msg);
	expect_text(&out, want);
	check_set_structure(in, (const char *)out.p, out.len, p, v, vlen);
	secmem_free(&out);
	path_free(&pp);
}

static void set_ok(const char *in, const char *p, const char *v, const char *want)
{
	set_ok_n(in, p, v, strlen(v), want);
}

static void unset_ok(const char *in, const char *p, const char *want)
{
	struct path pp = mkpath(p);
	struct secmem out = { 0 };
	struct err e = { 0 };
	int rc = yedit_unset(in, strlen(in), &pp, &out, &e);

	if (rc)
		fail_msg("unset %s: %s", p, e.msg);
	expect_text(&out, want);
	check_unset_structure(in, (const char *)out.p, out.len, p);
	secmem_free(&out);
	path_free(&pp);
}

static void err_case(int unset, const char *in, const char *p, int code, const char *msg_part)
{
	struct path pp = mkpath(p);
	struct secmem out = { 0 };
	struct err e = { 0 };
	int rc = unset ? yedit_unset(in, strlen(in), &pp, &out, &e)
		       : yedit_set(in, strlen(in), &pp, (const unsigned char *)"v", 1, &out, &e);

	if (rc != code || !strstr(e.msg, msg_part))
		fail_msg("%s %s: rc %d (want %d), message '%s' (want '%s')", unset ? "unset" : "set",
			 p, rc, code, e.msg, msg_part);
	assert_int_equal(e.code, code);
	assert_int_equal(out.len, 0);
	secmem_free(&out);
	path_free(&pp);
}

static const char DOC[] =
	"# secrets\n"
	"app:\n"
	"  env:\n"
	"    DB_USER: admin   # who\n"
	"    DB_PASSWORD: \"s3cret\"\n"
	"  tls.key: |\n"
	"    -----BEGIN-----\n"
	"    abc\n"
	"\n"
	"  # flow below\n"
	"  opts: {a: 1, b: [x, y]}\n"
	"list:\n"
	"  - one\n"
	"  - two\n"
	"last: end\n";


/* ---- set: existing values ---- */

static void t_set_plain(void **st)
{
	(void)st;
	set_ok(DOC, "app/env/DB_USER", "root",
	       "# secrets\napp:\n  env:\n    DB_USER: root   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n");
	set_ok("a: 1\n", "a", "two words", "a: two words\n");
	set_ok("a: 1\n", "a", "-dash", "a: -dash\n");
	set_ok("a: 1\n", "a", "", "a: \"\"\n");
	set_ok("a: 1\n", "a", "null", "a: \"null\"\n");
	set_ok("a: 1\n", "a", "~", "a: \"~\"\n");
	set_ok("a: 1\n", "a", "true", "a: true\n");
	set_ok("a: 1\n", "a", " lead", "a: \" lead\"\n");
	set_ok("a: 1\n", "a", "trail ", "a: \"trail \"\n");
	set_ok("a: 1\n", "a", "x: y", "a: \"x: y\"\n");
	set_ok("a: 1\n", "a", "x #y", "a: \"x #y\"\n");
	set_ok("a: 1\n", "a", "x#y", "a: x#y\n");
	set_ok("a: 1\n", "a", "#x", "a: \"#x\"\n");
	set_ok("a: 1\n", "a", "*x", "a: \"*x\"\n");
	set_ok("a: 1\n", "a", "say \"hi\"\\", "a: say \"hi\"\\\n");
	set_ok("a: 1\n", "a", "'q", "a: \"'q\"\n");
	set_ok("a: 1\n", "a", "tab\there", "a: \"tab\\there\"\n");
	set_ok("a: 1\n", "a", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
	       "a: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\n");
	set_ok("a: 1\n", "a", "line\xe2\x80\xa8sep", "a: \"line\\Lsep\"\n");
	set_ok("a: 1\n", "a", "\x7f\xc2\x85", "a: \"\\x7F\\x85\"\n");
}

static void t_set_quoted(void **st)
{
	(void)st;
	set_ok(DOC, "app/env/DB_PASSWORD", "new pw",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: new pw\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n");
	set_ok("a: 'it''s'  # c\nb: 2\n", "a", "x\x01y", "a: \"x\\x01y\"  # c\nb: 2\n");
	set_ok("a: \"multi\n  line\"\nb: 2\n", "a", "v", "a: v\nb: 2\n");
	set_ok("a: plain\n  continued\nb: 2\n", "a", "v", "a: v\nb: 2\n");
	set_ok("a: \"q\"#c\n", "a", "v", "a: v #c\n");
}

static void t_set_block(void **st)
{
	(void)st;
	/* block over block: the blank line after it stays */
	set_ok(DOC, "app/tls.key", "K1\nK2\n",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    K1\n    K2\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n");
	/* plain over block, the header comment kept */
	set_ok("a: |-  # pem\n  x\n  y\nb: 1\n", "a", "z", "a: z  # pem\nb: 1\n");
	set_ok("a: |#c\n  x\nb: 1\n", "a", "z z", "a: z z #c\nb: 1\n");
	/* a block scalar at its parent's column: the new value moves up */
	set_ok("a: # c\n|\n x\nb: 1\n", "a", "z", "a: z\nb: 1\n");
	set_ok("a:\n|\n x\nb: 1\n", "a", "y\nz", "a: |-\n  y\n  z\nb: 1\n");
	/* chomping */
	set_ok("a: 1\nb: 2\n", "a", "x\ny", "a: |-\n  x\n  y\nb: 2\n");
	set_ok("a: 1\nb: 2\n", "a", "x\ny\n", "a: |\n  x\n  y\nb: 2\n");
	set_ok("a: 1\nb: 2\n", "a", "x\ny\n\n", "a: |+\n  x\n  y\n\nb: 2\n");
	/* indentation indicator: first line starts with a blank or is empty */
	set_ok("a: 1\nb: 2\n", "a", "  x\ny", "a: |2-\n    x\n  y\nb: 2\n");
	set_ok("a: 1\nb: 2\n", "a", "\nx", "a: |2-\n\n  x\nb: 2\n");
	/* keep chomping above a blank line would grow: double-quoted */
	set_ok("a: 1\n\nb: 2\n", "a", "x\n\n", "a: \"x\\n\\n\"\n\nb: 2\n");
	/* a deeper comment below would join the block: double-quoted */
	set_ok("a: 1\n  # note\nb: 2\n", "a", "x\ny", "a: \"x\\ny\"\n  # note\nb: 2\n");
	/* a blank line with deeper spaces below would join it too */
	set_ok("a: 1\n    \nb: 2\n", "a", "x\ny", "a: \"x\\ny\"\n    \nb: 2\n");
	set_ok("a: 1\n \nb: 2\n", "a", "x\ny", "a: |-\n  x\n  y\n \nb: 2\n");
	/* CR inside: double-quoted */
	set_ok("a: 1\n", "a", "x\r\ny\r\n", "a: \"x\\r\\ny\\r\\n\"\n");
	/* folded over plain, deeper */
	set_ok("a:\n  b:\n    c: >\n      folded\n      text\n    d: 1\n", "a/b/c", "p\nq",
	       "a:\n  b:\n    c: |-\n      p\n      q\n    d: 1\n");
	/* a block as the last value of a file without a final line break */
	set_ok("a: 1\nb: |\n  x", "b", "y", "a: 1\nb: y");
	set_ok("a: 1\nb: 2", "b", "y\nz", "a: 1\nb: |-\n  y\n  z\n");
}

static void t_set_binary(void **st)
{
	static const unsigned char bin[] = { 0xff, 0x00, 0xfe, 'a' };
	unsigned char big[100];
	size_t i;

	(void)st;
	set_ok_n("a: 1\n", "a", bin, sizeof bin, "a: !!binary /wD+YQ==\n");
	set_ok_n("a: {k: 1}\n", "a/k", bin, sizeof bin, "a: {k: !!binary \"/wD+YQ==\"}\n");
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(0x80 + i);
	set_ok_n("a: 1\nb: 2\n", "a", big, sizeof big,
		 "a: !!binary |\n"
		 "  gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4\n"
		 "  ubq7vL2+v8DBwsPExcbHyMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4w==\n"
		 "b: 2\n");
	/* a tag is dropped when not needed */
	set_ok("a: !!binary aGk=\n", "a", "hi", "a: hi\n");
	set_ok("a: !custom x\n", "a", "y", "a: y\n");
	/* NUL is fine in a double-quoted string */
	set_ok_n("a: 1\n", "a", "x\0y", 3, "a: \"x\\0y\"\n");
}

static void t_set_flow(void **st)
{
	(void)st;
	set_ok(DOC, "app/opts/b/1", "y y",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y y]}\nlist:\n  - one\n  - two\nlast: end\n");
	set_ok("a: {k: 1}\n", "a/k", "x,y", "a: {k: \"x,y\"}\n");
	set_ok("a: {k: 1}\n", "a/k", "l1\nl2\n", "a: {k: \"l1\\nl2\\n\"}\n");
	set_ok("a: {k: 1}\n", "a/k", "u:v", "a: {k: \"u:v\"}\n");
	set_ok("a: {k: }\n", "a/k", "v", "a: {k: v }\n");
	set_ok("a: {k}\n", "a/k", "v", "a: {k: v}\n");
	set_ok("a: [1, [2, 3]]\n", "a/1/0", "two", "a: [1, [two, 3]]\n");
}

static void t_set_null(void **st)
{
	(void)st;
	set_ok("a:\nb: 2\n", "a", "v", "a: v\nb: 2\n");
	set_ok("a: # c\nb: 2\n", "a", "v", "a: v # c\nb: 2\n");
	set_ok("a:\nb: 2\n", "a", "x\ny", "a: |-\n  x\n  y\nb: 2\n");
	set_ok("a: &n\nb: 2\n", "a", "v", "a: &n v\nb: 2\n");
	set_ok("a: ~\n", "a", "v", "a: v\n");
	set_ok("s:\n-\n- 2\n", "s/0", "v", "s:\n- v\n- 2\n");
}

static void t_set_anchor(void **st)
{
	(void)st;
	set_ok("a: &A old\nb: *A\n", "a", "new", "a: &A new\nb: *A\n");
	set_ok("a: &A !!str old\nb: *A\n", "a", "x\ny", "a: &A |-\n  x\n  y\nb: *A\n");
	set_ok("base: &B\n  k: 1\nc:\n  <<: *B\n  k: 2\n", "c/k", "3",
	       "base: &B\n  k: 1\nc:\n  <<: *B\n  k: 3\n");
	/* a new key beside a merge overrides the merged one */
	set_ok("base: &B\n  k: 1\nc:\n  <<: *B\n", "c/j", "3",
	       "base: &B\n  k: 1\nc:\n  <<: *B\n  j: 3\n");
}

static void t_set_seq(void **st)
{
	(void)st;
	set_ok(DOC, "list/1", "TWO",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - TWO\nlast: end\n");
	set_ok(DOC, "list/2", "three",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\n  - three\nlast: end\n");
	set_ok("s:\n- a\n", "s/1", "x\ny", "s:\n- a\n- |-\n  x\n  y\n");
	set_ok("s:\n  - k: 1\n", "s/1/k/j", "v", "s:\n  - k: 1\n  - k:\n      j: v\n");
	set_ok("s:\n  - k: 1\n    l: |\n      x\n", "s/0/l", "y\nz",
	       "s:\n  - k: 1\n    l: |-\n      y\n      z\n");
	set_ok("s: [a]\n", "s/1", "b c", "s: [a, b c]\n");
	set_ok("s: [a]\n", "s/1/k", "v", "s: [a, {k: v}]\n");
	set_ok("s: []\n", "s/0", "v", "s:\n  - v\n");
	set_ok("s:\n- - a\n  - b\n", "s/0/1", "B", "s:\n- - a\n  - B\n");
	set_ok("s:\n- - a\n  - b\n", "s/0/2", "c", "s:\n- - a\n  - b\n  - c\n");
}

/* ---- set: new keys ---- */

static void t_set_new(void **st)
{
	(void)st;
	set_ok(DOC, "app/env/API_KEY", "k3y",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "    API_KEY: k3y\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n");
	set_ok(DOC, "new", "v",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\nnew: v\n");
	set_ok(DOC, "app/db/main/url", "postgres://h/db",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\n  db:\n    main:\n      url: postgres://h/db\n"
	       "list:\n  - one\n  - two\nlast: end\n");
	set_ok(DOC, "x/y/z", "a\nb\n",
	       "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
	       "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
	       "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n"
	       "x:\n  y:\n    z: |\n      a\n      b\n");
	/* after a block scalar's last line; its blank lines stay below */
	set_ok("a:\n  b: |\n    x\n\nc: 1\n", "a/n", "v", "a:\n  b: |\n    x\n  n: v\n\nc: 1\n");
	/* keys that need quoting */
	set_ok("a: 1\n", "has: colon", "v", "a: 1\n\"has: colon\": v\n");
	set_ok("a: 1\n", "null", "v", "a: 1\n\"null\": v\n");
	set_ok("a: 1\n", "<<", "v", "a: 1\n\"<<\": v\n");
	set_ok("a: 1\n", "---", "v", "a: 1\n\"---\": v\n");
	set_ok("a: 1\n", "sl~1sh", "v", "a: 1\nsl/sh: v\n");
	set_ok("a: 1\n", "x~0y", "v", "a: 1\nx~y: v\n");
	set_ok("a: 1\n", "-", "v", "a: 1\n\"-\": v\n");
	set_ok("a: 1\n", "k\tl", "v", "a: 1\n\"k\\tl\": v\n");
	set_ok("a: 1\n", "a b", "v", "a: 1\na b: v\n");
	/* a bare null becomes a mapping */
	set_ok("a:\nb: 1\n", "a/k", "v", "a:\n  k: v\nb: 1\n");
	set_ok("a: # c\n", "a/k/l", "v", "a: # c\n  k:\n    l: v\n");
	set_ok("a: {k: }\n", "a/k/l", "v", "a: {k: {l: v} }\n");
	/* empty flow collections in block context become block collections */
	set_ok("a: {}\nb: 1\n", "a/k", "v", "a:\n  k: v\nb: 1\n");
	set_ok("a: &E {}  # c\n", "a/k", "v", "a: &E  # c\n  k: v\n");
	set_ok("a: {x: {}}\n", "a/x/k", "v", "a: {x: {k: v}}\n");
	/* flow mappings get ", key: value" */
	set_ok("a: {x: 1}\n", "a/k", "v w", "a: {x: 1, k: v w}\n");
	set_ok("a: {x: 1, }\n", "a/k", "v", "a: {x: 1, k: v, }\n");
	set_ok("a: {x: 1}\n", "a/k/l", "v", "a: {x: 1, k: {l: v}}\n");
	set_ok("a: {x: 1}\n", "a/k: j", "v", "a: {x: 1, \"k: j\": v}\n");
}

static void t_set_layout(void **st)
{
	(void)st;
	/* indented top level */
	set_ok("  a: 1\n  b:\n    c: 2\n", "d", "v", "  a: 1\n  b:\n    c: 2\n  d: v\n");
	set_ok("  a: 1\n  b:\n    c: 2\n", "b/e", "x\ny",
	       "  a: 1\n  b:\n    c: 2\n    e: |-\n      x\n      y\n");
	/* unusual indentation is followed */
	set_ok("a:\n     b: 1\n", "a/c", "v", "a:\n     b: 1\n     c: v\n");
	/* CRLF */
	set_ok("a: 1\r\nb:\r\n  c: 2\r\n", "b/d", "x\ny\n",
	       "a: 1\r\nb:\r\n  c: 2\r\n  d: |\r\n    x\r\n    y\r\n");
	set_ok("a: 1\r\nb: 2\r\n", "a", "v", "a: v\r\nb: 2\r\n");
	set_ok("a: 1\r\nb: 2\r\n", "n/m", "v", "a: 1\r\nb: 2\r\nn:\r\n  m: v\r\n");
	set_ok("a: |\r\n  x\r\nb: 2\r\n", "a", "y\nz", "a: |-\r\n  y\r\n  z\r\nb: 2\r\n");
	set_ok("a: 1\rb: 2\r", "a", "\ny", "a: |2-\r\r  y\rb: 2\r");
	set_ok("a: 1\nb: 2\rc: 3\n", "b", "\ny", "a: 1\nb: |2-\n\n  y\nc: 3\n");
	/* no final line break: appending keeps it so */
	set_ok("a: 1", "b", "v", "a: 1\nb: v");
	set_ok("a: 1", "b/c", "v", "a: 1\nb:\n  c: v");
	set_ok("a: 1\r\nb: 2", "c", "v", "a: 1\r\nb: 2\r\nc: v");
	set_ok("a:", "a/b", "v", "a:\n  b: v");
	/* empty store, comments only, "---" only */
	set_ok("", "a/b", "v", "a:\n  b: v\n");
	set_ok("# only a comment\n", "a", "v", "# only a comment\na: v\n");
	set_ok("---\n", "a", "v", "---\na: v\n");
	/* comments at the end stay after the new key */
	set_ok("a: 1\n# trailer\n", "b", "v", "a: 1\nb: v\n# trailer\n");
	/* a document end marker stays last */
	set_ok("a: 1\n...\n", "b", "v", "a: 1\nb: v\n...\n");
	/* BOM */
	set_ok("\xef\xbb\xbf" "a: 1\n", "a", "v", "\xef\xbb\xbf" "a: v\n");
	set_ok("\xef\xbb\xbf" "a: 1\n", "b", "v", "\xef\xbb\xbf" "a: 1\nb: v\n");
	/* a tag on the top-level mapping */
	set_ok("--- !t?-\na: 1\n", "b", "v", "--- !t?-\na: 1\nb: v\n");
	set_ok("&top\n  a: 1\n", "b/c", "v", "&top\n  a: 1\n  b:\n    c: v\n");
}

static void t_set_unicode(void **st)
{
	(void)st;
	/* libyaml counts characters: byte offsets must still be right */
	set_ok("\xc3\xa9t\xc3\xa9: \xe2\x82\xac\xe2\x82\xac  # \xf0\x9f\x94\x91\nb: 1\n",
	       "\xc3\xa9t\xc3\xa9", "new",
	       "\xc3\xa9t\xc3\xa9: new  # \xf0\x9f\x94\x91\nb: 1\n");
	set_ok("\xe6\x97\xa5\xe6\x9c\xac: {\xe9\x8d\xb5: \xe5\x80\xa4}\nz: 1\n",
	       "\xe6\x97\xa5\xe6\x9c\xac/\xe9\x8d\xb5", "x",
	       "\xe6\x97\xa5\xe6\x9c\xac: {\xe9\x8d\xb5: x}\nz: 1\n");
	set_ok("\xc3\xa9:\n  \xc3\xa0: |\n    \xe2\x82\xac\n", "\xc3\xa9/\xc3\xbc", "v",
	       "\xc3\xa9:\n  \xc3\xa0: |\n    \xe2\x82\xac\n  \xc3\xbc: v\n");
	set_ok("a: \xf0\x9f\x94\x91\xf0\x9f\x94\x91\nb: 2\n", "b", "\xc3\xa9\n",
	       "a: \xf0\x9f\x94\x91\xf0\x9f\x94\x91\nb: |\n  \xc3\xa9\n");
	set_ok("k: 1\n", "\xc3\xa9 key", "v", "k: 1\n\xc3\xa9 key: v\n");
}

/* ---- unset ---- */

static void t_unset(void **st)
{
	(void)st;
	unset_ok(DOC, "app/env/DB_USER",
		 "# secrets\napp:\n  env:\n    DB_PASSWORD: \"s3cret\"\n"
		 "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
		 "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n");
	/* a block value goes with its lines; the blank line and comment stay */
	unset_ok(DOC, "app/tls.key",
		 "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
		 "\n  # flow below\n"
		 "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\nlast: end\n");
	/* a whole subtree, with its inner comment lines */
	unset_ok(DOC, "app",
		 "# secrets\nlist:\n  - one\n  - two\nlast: end\n");
	unset_ok(DOC, "list/0",
		 "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
		 "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
		 "  opts: {a: 1, b: [x, y]}\nlist:\n  - two\nlast: end\n");
	unset_ok(DOC, "last",
		 "# secrets\napp:\n  env:\n    DB_USER: admin   # who\n    DB_PASSWORD: \"s3cret\"\n"
		 "  tls.key: |\n    -----BEGIN-----\n    abc\n\n  # flow below\n"
		 "  opts: {a: 1, b: [x, y]}\nlist:\n  - one\n  - two\n");
	/* flow entries */
	unset_ok("a: {x: 1, y: 2, z: 3}\n", "a/x", "a: {y: 2, z: 3}\n");
	unset_ok("a: {x: 1, y: 2, z: 3}\n", "a/y", "a: {x: 1, z: 3}\n");
	unset_ok("a: {x: 1, y: 2, z: 3}\n", "a/z", "a: {x: 1, y: 2}\n");
	unset_ok("a: {x: 1}\n", "a/x", "a: {}\n");
	unset_ok("a: [1, 2]\n", "a/1", "a: [1]\n");
	unset_ok("a: [1]\n", "a/0", "a: []\n");
	unset_ok("a: [1, ]\n", "a/0", "a: []\n");
	unset_ok("a: [k: v, 2]\n", "a/0/k", "a: [{}, 2]\n");
	unset_ok("a: !t # c\n  {x: 1, y: 2}\n", "a/y", "a: !t # c\n  {x: 1}\n");
	set_ok("a: !t # c\n  {x: 1}\n", "a/y", "2", "a: !t # c\n  {x: 1, y: 2}\n");
	unset_ok("a: [!t, 2]\n", "a/1", "a: [!t ]\n");
	unset_ok("a: {x: &n, y: 2}\n", "a/y", "a: {x: &n }\n");
	unset_ok("a: [1, 2,]\n", "a/1", "a: [1,]\n");
	unset_ok("a: { x: 1 }\n", "a/x", "a: { }\n");
	unset_ok("a: {x: [1, 2], y: 2}\n", "a/x", "a: {y: 2}\n");
	/* the last entry of a nested collection leaves it empty */
	unset_ok("a:\n  x: 1\nb: 2\n", "a/x", "a: {}\nb: 2\n");
	unset_ok("a: # c\n  x: 1\n", "a/x", "a: {} # c\n");
	unset_ok("a: &M\n  x: 1\n", "a/x", "a: &M {}\n");
	unset_ok("a:\n  !!str x: 1\n", "a/x", "a: {}\n");
	unset_ok("a: &M\n !!map\n  x: 1\n", "a/x", "a: &M\n !!map {}\n");
	unset_ok("a: &M\n  &K x: 1\nb: *K\n", "b", "a: &M\n  &K x: 1\n");
	unset_ok("a:\n- 1\nb: 2\n", "a/0", "a: []\nb: 2\n");
	unset_ok("s:\n  -\n    x: 1\n", "s/0/x", "s:\n  - {}\n");
	/* the last top-level key leaves an empty store */
	unset_ok("# c\na: 1\n", "a", "# c\n");
	unset_ok("--- !!map\na: 1\n", "a", "--- !!map {}\n");
	unset_ok("!t?-  \na: 1\n", "a", "!t?- {}  \n");
	unset_ok("a: 1\n...\n", "a", "{}\n...\n");
	/* compact entries */
	unset_ok("s:\n  - k: 1\n    j: 2\n", "s/0/k", "s:\n  - j: 2\n");
	unset_ok("s:\n  - k: 1\n    j: 2\n", "s/0/j", "s:\n  - k: 1\n");
	unset_ok("s:\n  - k: 1\n  - m: 2\n", "s/1/m", "s:\n  - k: 1\n  - {}\n");
	unset_ok("s:\n- - a\n  - b\n", "s/0/0", "s:\n- - b\n");
	unset_ok("s:\n- - a\n", "s/0/0", "s:\n- []\n");
	/* explicit keys, null values, aliases */
	unset_ok("? a\n: 1\nb: 2\n", "a", "b: 2\n");
	unset_ok("a:\nb: 2\n", "a", "b: 2\n");
	unset_ok("a: &A 1\nb: *A\n", "b", "a: &A 1\n");
	unset_ok("a: &A 1\nb: *A\nc: &A 2\n", "c", "a: &A 1\nb: *A\n");
	/* CRLF, no final break, non-ASCII */
	unset_ok("a: 1\r\nb: 2\r\n", "a", "b: 2\r\n");
	unset_ok("a: 1\nb: 2", "b", "a: 1\n");
	unset_ok("\xc3\xa9: \xe2\x82\xac\n\xc3\xa0: 1\n", "\xc3\xa9", "\xc3\xa0: 1\n");
}

/* ---- errors ---- */

static void t_errors(void **st)
{
	(void)st;
	err_case(0, DOC, "app/env", ERR_INPUT, "'app/env' is a mapping");
	err_case(0, DOC, "list", ERR_INPUT, "'list' is a sequence");
	err_case(0, DOC, "", ERR_INPUT, "top level");
	err_case(1, DOC, "", ERR_INPUT, "top level");
	err_case(0, DOC, "last/x", ERR_INPUT, "'last' is a scalar");
	err_case(0, "a: ~\n", "a/x", ERR_INPUT, "'a' is a scalar");
	err_case(0, "a: &n\n", "a/x", ERR_INPUT, "'a' is a scalar");
	err_case(1, DOC, "last/x", ERR_INPUT, "'last' is a scalar");
	err_case(0, DOC, "list/x", ERR_INPUT, "'x' is not an index");
	err_case(0, DOC, "list/01", ERR_INPUT, "'01' is not an index");
	err_case(0, DOC, "list/3", ERR_NOTFOUND, "'list' has 2 items");
	err_case(1, DOC, "list/2", ERR_NOTFOUND, "'list' has 2 items");
	err_case(1, DOC, "nope", ERR_NOTFOUND, "'nope' not found");
	err_case(1, DOC, "app/nope/deeper", ERR_NOTFOUND, "not found");
	err_case(1, "", "a", ERR_NOTFOUND, "not found");
	err_case(0, DOC, "secretctl", ERR_INPUT, "reserved");
	err_case(1, DOC, "secretctl/x", ERR_INPUT, "reserved");
	err_case(0, "a: &A 1\nb: *A\n", "b", ERR_INPUT, "alias (*A)");
	err_case(0, "a: &A {k: 1}\nb: *A\n", "b/k", ERR_INPUT, "through the alias 'b' (*A");
	err_case(1, "a: &A {k: 1}\nb: *A\n", "b/k", ERR_INPUT, "*A");
	err_case(1, "a: &A 1\nb: *A\n", "a", ERR_INPUT, "alias *A on line 2 uses it");
	err_case(1, "a:\n  k: &A 1\nb: *A\n", "a", ERR_INPUT, "&A");
	err_case(0, "a: [b\n", "a", ERR_INPUT, "line ");
	err_case(0, "a: 1\n---\nb: 2\n", "a", ERR_INPUT, "more than one YAML document");
	err_case(0, "- a\n", "0", ERR_INPUT, "not a mapping");
	err_case(0, "just text\n", "a", ERR_INPUT, "not a mapping");
	err_case(0, "? a\nb: 1\n", "a", ERR_INPUT, "explicit key");
	err_case(0, "a: [k: v]\n", "a/0/j", ERR_INPUT, "single-pair mapping");
	err_case(0, "\xff\xfe" "a\0:\0", "a", ERR_INPUT, "UTF-16");
	err_case(1, "a: \xff\n", "a", ERR_INPUT, "line ");
}

static void t_err_keys(void **st)
{
	struct path pp = { 0 };
	struct secmem out = { 0 };
	struct err e = { 0 };
	char big[1100];

	(void)st;
	assert_int_equal(path_push(&pp, "bad\xff", 4), 0);
	assert_int_equal(yedit_set("a: 1\n", 5, &pp, (const unsigned char *)"v", 1, &out, &e),
			 ERR_INPUT);
	assert_non_null(strstr(e.msg, "valid UTF-8"));
	path_free(&pp);
	memset(big, 'k', sizeof big);
	assert_int_equal(path_push(&pp, big, sizeof big), 0);
	assert_int_equal(yedit_set("a: 1\n", 5, &pp, (const unsigned char *)"v", 1, &out, &e),
			 ERR_INPUT);
	assert_non_null(strstr(e.msg, "too long"));
	assert_int_equal(out.len, 0);
	path_free(&pp);
	/* layout this module cannot edit around: refused, not corrupted */
	assert_int_equal(path_push(&pp, "k", 1), 0);
	assert_int_equal(yedit_set("k: l\n  \t\n", 9, &pp, (const unsigned char *)",", 1, &out, &e),
			 ERR_INPUT);
	assert_int_equal(e.sub, YEDIT_E_LAYOUT);
	assert_non_null(strstr(e.msg, "would not parse (line 2, column 3"));
	assert_int_equal(out.len, 0);
	assert_int_equal(yedit_unset("k: l\n  \t\n", 9, &pp, &out, &e), ERR_INPUT);
	assert_int_equal(e.sub, YEDIT_E_LAYOUT);
	path_free(&pp);
	/* a key with NUL and newline is double-quoted */
	assert_int_equal(path_push(&pp, "k\0\n", 3), 0);
	assert_int_equal(yedit_set("a: 1\n", 5, &pp, (const unsigned char *)"v", 1, &out, &e), 0);
	expect_text(&out, "a: 1\n\"k\\0\\n\": v\n");
	path_free(&pp);
	secmem_free(&out);
}

/* ---- the renderer property ---- */

static int render_ctx(const unsigned char *v, size_t n, int ctx, struct secmem *doc,
		      const char **path, const char **endpath)
{
	struct err e;
	struct secmem r = { 0 };
	int block, rc;
	static const struct {
		const char *pre, *post, *path, *endpath;
		size_t indent;
		unsigned flags;
	} c[] = {
		{ "k: ", "z: end\n", "k", "z", 0, 0 },
		{ "p:\n  k: ", "  z: end\n", "p/k", "p/z", 2, 0 },
		{ "p:\n  q:\n    k: ", "    z: end\n", "p/q/k", "p/q/z", 4, 0 },
		{ "f: {k: ", ", z: end}\n", "f/k", "f/z", 0, YEDIT_FLOW },
		{ "s:\n  - ", "  - end\n", "s/0", "s/1", 2, 0 },
		{ "s:\n- ", "- end\n", "s/0", "s/1", 0, 0 },
		{ "f: [", ", end]\n", "f/0", "f/1", 0, YEDIT_FLOW },
		{ "p:\r\n  k: ", "  z: end\r\n", "p/k", "p/z", 2, YEDIT_CRLF },
		{ "s:\n  - m: ", "    z: end\n", "s/0/m", "s/0/z", 4, 0 },
		{ "k: ", "", "k", NULL, 0, 0 },
	};

	if (ctx >= (int)(sizeof c / sizeof c[0]))
		return -1;
	rc = yedit_render_scalar(v, n, c[ctx].indent, c[ctx].flags, &r, &e);
	assert_int_equal(rc, 0);
	block = r.len > 0 && r.p[r.len - 1] == '\n';
	if (c[ctx].flags & YEDIT_FLOW)
		assert_false(block);
	assert_int_equal(secmem_append(doc, c[ctx].pre, strlen(c[ctx].pre)), 0);
	assert_int_equal(secmem_append(doc, r.p, r.len), 0);
	if (!block && !(c[ctx].flags & YEDIT_FLOW))
		assert_int_equal(secmem_append(doc, (c[ctx].flags & YEDIT_CRLF) ? "\r\n" : "\n",
					       (c[ctx].flags & YEDIT_CRLF) ? 2 : 1), 0);
	assert_int_equal(secmem_append(doc, c[ctx].post, strlen(c[ctx].post)), 0);
	*path = c[ctx].path;
	*endpath = c[ctx].endpath;
	secmem_free(&r);
	return 0;
}

static void roundtrip(const unsigned char *v, size_t n)
{
	int ctx;

	for (ctx = 0;; ctx++) {
		struct secmem doc = { 0 };
		struct flat f;
		const struct fent *x;
		const char *path, *endpath;

		if (render_ctx(v, n, ctx, &doc, &path, &endpath))
			break;
		if (flatten((const char *)doc.p, doc.len, &f))
			fail_msg("context %d: rendered text does not parse:\n%s", ctx, doc.p);
		x = flat_get(&f, path);
		if (!x || x->kind != '=' || x->vlen != n || (n && memcmp(x->val, v, n)))
			fail_msg("context %d: value does not read back (%zu bytes):\n%s", ctx, n,
				 doc.p);
		if (endpath) {
			x = flat_get(&f, endpath);
			if (!x || x->vlen != 3 || memcmp(x->val, "end", 3))
				fail_msg("context %d: the next entry changed:\n%s", ctx, doc.p);
		}
		flat_free(&f);
		secmem_free(&doc);
	}
}

static uint64_t rng = 0x5eC7e7c71ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void t_render_property(void **st)
{
	static const char *fixed[] = {
		"", " ", "  ", "\n", "\n\n", " \n", "\n ", "a\n", "a\n\n", "a\n\n\n", "\na", "\n\na",
		" a", "a ", " a\nb", "a\n b", "a\n ", "a\n \n", "a\n\t", "\ta\nb", "\t", "a\tb",
		"#", "# a", "a #b", "a# b", "a: b", "a:b", "a:", ":a", "-", "- a", "-a", "--", "---",
		"--- a", "...", "?", "? a", "?a", "[a]", "{a}", "a,b", "&a", "*a", "!a", "|", ">",
		"'", "\"", "%a", "@a", "`a", "~", "null", "Null", "NULL", "true", "1.5", "0x1",
		"<<", "a\r\nb\r\n", "a\rb", "\r", "\r\n", "caf\xc3\xa9", "\xe2\x80\xa8", "\xe2\x80\xa9",
		"\xc2\x85", "\xef\xbb\xbf" "a", "a\xef\xbf\xbe", "\xf0\x9f\x94\x91\n\xf0\x9f\x94\x91",
		"\xc2\xa0", "a\xc2\xa0", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
		"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
		"line1\n  indented\nline3", "  both  ", "x\n\n\ny", "\\", "\\n", "a\\", "a\x1b[0m",
	};
	unsigned char buf[600];
	size_t i, j, n;

	(void)st;
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		roundtrip((const unsigned char *)fixed[i], strlen(fixed[i]));
	for (i = 0; i < 256; i++) {
		buf[0] = (unsigned char)i;
		roundtrip(buf, 1);
		buf[1] = 'x';
		roundtrip(buf, 2);
		buf[0] = 'x';
		buf[1] = (unsigned char)i;
		roundtrip(buf, 2);
	}
	/* random: any bytes, then mostly text with the characters that matter */
	for (i = 0; i < 3000; i++) {
		static const char pick[] = "  \n\n\t\r:#-'\"\\{}[],&*!|>%@`?~aZ09.";
		int mode = (int)(rnd() % 3);

		n = rnd() % (i % 50 == 0 ? sizeof buf : 40);
		for (j = 0; j < n; j++) {
			uint32_t r = rnd();

			if (mode == 0)
				buf[j] = (unsigned char)r;
			else if (mode == 1 || r % 4)
				buf[j] = (unsigned char)pick[(r >> 8) % (sizeof pick - 1)];
			else
				buf[j] = (unsigned char)(0x20 + (r >> 8) % 0x5f);
		}
		roundtrip(buf, n);
	}
	/* very long */
	{
		size_t big = 100000;
		unsigned char *b = malloc(big);

		assert_non_null(b);
		for (j = 0; j < big; j++)
			b[j] = (unsigned char)('a' + j % 26);
		roundtrip(b, big);
		for (j = 80; j < big; j += 81)
			b[j] = '\n';
		roundtrip(b, big);
		for (j = 0; j < big; j++)
			b[j] = (unsigned char)rnd();
		roundtrip(b, big);
		free(b);
	}
}

/* Set through yedit_set itself, for random values at several places. */
static void t_set_property(void **st)
{
	static const char *docs[] = {
		"a: 1\nb:\n  c: 2\n  d: [1, 2]\n  e: {f: 3}\n",
		"a: 1\r\nb:\r\n  c: 2\r\n  d: [1, 2]\r\n  e: {f: 3}\r\n",
	};
	static const char *paths[] = { "a", "b/c", "b/d/0", "b/d/2", "b/e/f", "b/e/g", "b/n", "x/y" };
	unsigned char buf[64];
	size_t i, j, n, k, di;

	(void)st;
	for (i = 0; i < 400; i++) {
		static const char pick[] = " \n\t:#-'\"{},ab\xc3\xa9";

		n = rnd() % sizeof buf;
		for (j = 0; j < n; j++)
			buf[j] = i % 4 == 0 ? (unsigned char)rnd()
					    : (unsigned char)pick[rnd() % (sizeof pick - 1)];
		for (di = 0; di < 2; di++)
			for (k = 0; k < sizeof paths / sizeof paths[0]; k++) {
				struct path pp = mkpath(paths[k]);
				struct secmem out = { 0 };
				struct err e;

				if (yedit_set(docs[di], strlen(docs[di]), &pp, buf, n, &out, &e))
					fail_msg("set %s: %s", paths[k], e.msg);
				check_set_structure(docs[di], (const char *)out.p, out.len, paths[k],
						    buf, n);
				if (di == 1) /* no bare LF in a CRLF file */
					for (j = 0; j < out.len; j++)
						if (out.p[j] == '\n')
							assert_true(j > 0 && out.p[j - 1] == '\r');
				secmem_free(&out);
				path_free(&pp);
			}
	}
}

static void t_render_styles(void **st)
{
	struct secmem r = { 0 };
	struct err e;

	(void)st;
	assert_int_equal(yedit_render_scalar((const unsigned char *)"a\nb\n", 4, 2, 0, &r, &e), 0);
	expect_text(&r, "|\n    a\n    b\n");
	secmem_clear(&r);
	assert_int_equal(yedit_render_scalar((const unsigned char *)"a\nb\n", 4, 2, YEDIT_CRLF, &r,
					     &e), 0);
	expect_text(&r, "|\r\n    a\r\n    b\r\n");
	secmem_clear(&r);
	assert_int_equal(yedit_render_scalar((const unsigned char *)"a\nb\n", 4, 2, YEDIT_INLINE,
					     &r, &e), 0);
	expect_text(&r, "\"a\\nb\\n\"");
	secmem_clear(&r);
	assert_int_equal(yedit_render_scalar((const unsigned char *)"\xff", 1, 0, YEDIT_FLOW, &r,
					     &e), 0);
	expect_text(&r, "!!binary \"/w==\"");
	secmem_clear(&r);
	assert_int_equal(yedit_render_scalar((const unsigned char *)"\xef\xbb\xbfx\xef\xbf\xbf", 7,
					     0, 0, &r, &e), 0);
	expect_text(&r, "\"\\uFEFFx\\uFFFF\"");
	secmem_free(&r);
}

/* A flatten path back into a struct path. */
static void unflat(const char *fp, struct path *p)
{
	char seg[4096];
	size_t n = 0;
	const char *c = fp;

	memset(p, 0, sizeof *p);
	if (!*fp)
		return;
	for (;; c++) {
		if (*c == '/' || *c == '\0') {
			assert_int_equal(path_push(p, seg, n), 0);
			n = 0;
			if (!*c)
				return;
		} else if (*c == '~' && c[1] == 'x') {
			unsigned v;

			assert_int_equal(sscanf(c + 2, "%2x", &v), 1);
			seg[n++] = (char)v;
			c += 3;
		} else {
			seg[n++] = *c;
		}
		assert_true(n < sizeof seg);
	}
}

static int path_has_dups(const struct flat *f)
{
	size_t i, j;

	for (i = 0; i < f->n; i++)
		for (j = i + 1; j < f->n; j++)
			if (!strcmp(f->v[i].path, f->v[j].path))
				return 1;
	return 0;
}

static char *read_file(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	char *b;

	if (!f)
		return NULL;
	b = malloc(1 << 20);
	assert_non_null(b);
	*len = fread(b, 1, (1 << 20) - 1, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

/* Every mapping of the YAML test suite: set (several styles), add and
 * unset at every path; nothing else may change. */
static void t_yaml_suite(void **st)
{
	static const struct { const char *v; size_t n; } vals[] = {
		{ "x", 1 }, { "two\nlines\n", 10 }, { "\xff\x00", 2 }, { "", 0 }, { " a: #", 5 },
	};
	const char *shared = getenv("SHARED");
	char dir[4096], name[4400];
	struct dirent *de;
	DIR *dp;
	size_t ndocs = 0, nops = 0, bad = 0;

	(void)st;
	/* the external test data: tests/run.sh sets $SHARED */
	if (!shared)
		skip();
	snprintf(dir, sizeof dir, "%s/testdata/yaml-test-suite", shared);
	dp = opendir(dir);
	if (!dp)
		skip();
	while ((de = readdir(dp))) {
		struct flat f;
		size_t len, i, k;
		char *text;

		if (de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof name, "%s/%s/in.yaml", dir, de->d_name);
		text = read_file(name, &len);
		if (!text)
			continue;
		if (strlen(text) != len || flatten(text, len, &f)) {
			free(text);
			continue;
		}
		if (f.n == 0 || f.v[0].kind != '{' || path_has_dups(&f)) {
			flat_free(&f);
			free(text);
			continue;
		}
		ndocs++;
		for (i = 0; i < f.n; i++) {
			struct path p;
			struct secmem out = { 0 };
			struct err e;
			int rc;

			if (!*f.v[i].path)
				continue;
			unflat(f.v[i].path, &p);
			if (p.n && p.v[0].len == 9 && !memcmp(p.v[0].s, "secretctl", 9)) {
				path_free(&p);
				continue;
			}
			snprintf(note, sizeof note, "%s %s", de->d_name, f.v[i].path);
			for (k = 0; k < sizeof vals / sizeof vals[0]; k++) {
				rc = yedit_set(text, len, &p, (const unsigned char *)vals[k].v, vals[k].n,
					       &out, &e);
				if (rc == ERR_FAIL) {
					fprintf(stderr, "# %s: set %s (%zu): %s\n", de->d_name,
						f.v[i].path, k, e.msg);
					bad++;
				}
				if (!rc)
					check_set_flat(text, (const char *)out.p, out.len,
						       f.v[i].path, (const unsigned char *)vals[k].v,
						       vals[k].n);
				nops++;
				secmem_free(&out);
			}
			rc = yedit_unset(text, len, &p, &out, &e);
			if (rc == ERR_FAIL) {
				fprintf(stderr, "# %s: unset %s: %s\n", de->d_name, f.v[i].path, e.msg);
				bad++;
			}
			if (!rc)
				check_unset_flat(text, (const char *)out.p, out.len, f.v[i].path);
			secmem_free(&out);
			/* a new key below each mapping */
			if (f.v[i].kind == '{' || f.v[i].kind == '~') {
				assert_int_equal(path_push(&p, "new key", 7), 0);
				rc = yedit_set(text, len, &p, (const unsigned char *)"a\nb", 3, &out, &e);
				if (rc == ERR_FAIL) {
					fprintf(stderr, "# %s: set %s/new: %s\n", de->d_name,
						f.v[i].path, e.msg);
					bad++;
				}
				if (!rc) {
					char *np = malloc(strlen(f.v[i].path) + 16);

					assert_non_null(np);
					sprintf(np, "%s/new~x20key", f.v[i].path);
					check_set_flat(text, (const char *)out.p, out.len, np,
						       (const unsigned char *)"a\nb", 3);
					free(np);
				}
				secmem_free(&out);
			}
			nops += 2;
			path_free(&p);
		}
		flat_free(&f);
		free(text);
	}
	closedir(dp);
	note[0] = '\0';
	fprintf(stderr, "# yaml-test-suite: %zu documents, %zu edits\n", ndocs, nops);
	assert_true(ndocs > 50);
	assert_int_equal(bad, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(t_set_plain),
	cmocka_unit_test(t_set_quoted),
	cmocka_unit_test(t_set_block),
	cmocka_unit_test(t_set_binary),
	cmocka_unit_test(t_set_flow),
	cmocka_unit_test(t_set_null),
	cmocka_unit_test(t_set_anchor),
	cmocka_unit_test(t_set_seq),
	cmocka_unit_test(t_set_new),
	cmocka_unit_test(t_set_layout),
	cmocka_unit_test(t_set_unicode),
	cmocka_unit_test(t_unset),
	cmocka_unit_test(t_errors),
	cmocka_unit_test(t_err_keys),
	cmocka_unit_test(t_render_styles),
	cmocka_unit_test(t_render_property),
	cmocka_unit_test(t_set_property),
	cmocka_unit_test(t_yaml_suite),
};

int main(void)
{
	if (secmem_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
