#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yaml.h>

#include <sodium.h>

#include "secretctl/splice.h"

#define META_TAIL                                                  \
	"secretctl:\n"                                             \
	"  version: 1\n"                                           \
	"  keys:\n"                                                \
	"    - recipient: age1xyz\n"                               \
	"      data_key: |\n"                                      \
	"        -----BEGIN AGE ENCRYPTED FILE-----\n"             \
	"        -----END AGE ENCRYPTED FILE-----\n"               \
	"    - passphrase: scrypt\n"                               \
	"      data_key: |\n"                                      \
	"        -----BEGIN AGE ENCRYPTED FILE-----\n"             \
	"        -----END AGE ENCRYPTED FILE-----\n"               \
	"  mac: AAAA\n"

/* ---- helpers ---- */

static void scan_ok(const char *t, size_t len, struct splice_doc *d)
{
	struct err e;
	int rc = splice_scan_plain(t, len, d, &e);

	if (rc)
		print_error("scan: %s\n", e.msg);
	assert_int_equal(rc, 0);
}

static size_t lookup(const struct splice_doc *d, const char *ps)
{
	struct path p = { 0 };
	struct err e;
	size_t n;

	assert_int_equal(path_parse(ps, strlen(ps), &p, &e), 0);
	n = splice_lookup(d, &p);
	path_free(&p);
	return n;
}

/* The value at PATH of a plaintext view, compared with want[0, wlen). */
static void value_is(const char *t, size_t len, const char *ps, const char *want, size_t wlen)
{
	struct splice_doc d = { 0 };
	struct secmem v = { 0 };
	struct err e;
	size_t n, item;
	int rc;

	scan_ok(t, len, &d);
	n = lookup(&d, ps);
	if (n == SPLICE_NONE)
		print_error("no node at %s\n", ps);
	assert_int_not_equal(n, SPLICE_NONE);
	item = d.nodes[n].item;
	rc = splice_value(t, len, &d, n,
			  item == SPLICE_NONE ? NULL : (const unsigned char *)t + d.items[item].start,
			  item == SPLICE_NONE ? 0 : d.items[item].end - d.items[item].start, &v, &e);
	if (rc)
		print_error("value %s: %s (in '%.*s')\n", ps, e.msg, (int)len, t);
	assert_int_equal(rc, 0);
	if (v.len != wlen || (wlen && memcmp(v.p, want, wlen) != 0))
		print_error("%s: got '%.*s' (%zu bytes)\n", ps, (int)v.len, v.p ? (char *)v.p : "",
			    v.len);
	assert_int_equal(v.len, wlen);
	if (wlen)
		assert_memory_equal(v.p, want, wlen);
	secmem_free(&v);
	splice_doc_free(&d);
}

#define VALUE_IS(t, ps, want) value_is((t), strlen(t), (ps), (want), sizeof(want) - 1)

/* libyaml's own reading of t: scalar number idx into out, if t is one
 * document of total scalars, without aliases or !!binary; else 0. The
 * oracle. */
static int yaml_plain_scalar(const char *t, int idx, int total, char *out, size_t cap)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int ok = 1, end = 0, n = 0;

	out[0] = 0;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)t, strlen(t));
	while (ok && !end) {
		if (!yaml_parser_parse(&p, &ev))
			break;
		if (ev.type == YAML_ALIAS_EVENT ||
		    (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.tag &&
		     strstr((const char *)ev.data.scalar.tag, "binary")))
			ok = 0;
		if (ev.type == YAML_SCALAR_EVENT && n++ == idx && ev.data.scalar.length < cap) {
			memcpy(out, ev.data.scalar.value, ev.data.scalar.length);
			out[ev.data.scalar.length] = 0;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ok && end && n == total;
}

/* splice_value gives simple plain scalars without a parser; each value
 * here, in four contexts, must read as libyaml reads it. The alphabet is
 * the fast path's and YAML's indicators, so both paths are taken. */
static void test_plain_as_is(void **state)
{
	static const char alpha[] = "aZ09_/.+=-:~#!'\"&*|>%@`?,[]{}";
	static const char *edge[] = { "null", "~", "0x1F", "1e3", ".inf", "-", "a-", "a.", "_x",
				      "a=b", "a/b", "+1", "=", "a:b", "a#b", "x--", "0", "NO" };
	static const char *pre[] = { "k: ", "- ", "k: [", "a:\n  b: " };
	static const char *post[] = { "\n", "\n", ", x]\n", " # c\n" };
	static const char *path[] = { "k", "0", "k/0", "a/b" };
	static const int idx[] = { 1, 0, 1, 2 }, total[] = { 2, 1, 3, 3 };
	char v[16], want[64], doc[128];
	unsigned r = 12345;
	int checked = 0;

	(void)state;
	for (size_t i = 0; i < 2000; i++) {
		if (i < sizeof edge / sizeof *edge) {
			snprintf(v, sizeof v, "%s", edge[i]);
		} else {
			size_t n = 1 + (r = r * 1103515245 + 12345) / 65536 % 12;

			for (size_t j = 0; j < n; j++)
				v[j] = alpha[(r = r * 1103515245 + 12345) / 65536 % (sizeof alpha - 1)];
			v[n] = 0;
		}
		for (int c = 0; c < 4; c++) {
			struct splice_doc d = { 0 };
			struct err e;
			size_t n;
			int found;

			snprintf(doc, sizeof doc, "%s%s%s", pre[c], v, post[c]);
			if (!yaml_plain_scalar(doc, idx[c], total[c], want, sizeof want))
				continue;
			if (splice_scan_plain(doc, strlen(doc), &d, &e) != 0) {
				splice_doc_free(&d);
				continue;
			}
			n = lookup(&d, path[c]);
			found = n != SPLICE_NONE && d.nodes[n].type == SPLICE_SCALAR;
			splice_doc_free(&d);
			if (!found)
				continue;
			value_is(doc, strlen(doc), path[c], want, strlen(want));
			checked++;

		}
	}
	assert_true(checked > 1500);
}

static void plain_err(const char *t, size_t len, const char *msg)
{
	struct splice_doc d = { 0 };
	struct err e;

	assert_int_equal(splice_scan_plain(t, len, &d, &e), ERR_INPUT);
	if (!strstr(e.msg, msg))
		print_error("got '%s', want '%s'\n", e.msg, msg);
	assert_non_null(strstr(e.msg, msg));
	splice_doc_free(&d);
}

#define PLAIN_ERR(t, msg) plain_err((t), strlen(t), (msg))

static void store_err(const char *t, const char *msg)
{
	struct splice_doc d = { 0 };
	struct err e;

	assert_int_equal(splice_scan_store(t, strlen(t), &d, &e), ERR_INPUT);
	if (!strstr(e.msg, msg))
		print_error("got '%s', want '%s'\n", e.msg, msg);
	assert_non_null(strstr(e.msg, msg));
	splice_doc_free(&d);
}

static void b64(struct buf *out, const void *p, size_t n)
{
	size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);

	assert_int_equal(buf_reserve(out, out->len + cap), 0);
	sodium_bin2base64(out->p + out->len, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	out->len += cap - 1;
}

static void meta(const struct splice_doc *d, struct buf *out)
{
	const char *lines[] = { "secretctl:", "  version: 1", "  keys:", "    - passphrase: scrypt",
				"      data_key: |", "        -----BEGIN AGE ENCRYPTED FILE-----",
				"        -----END AGE ENCRYPTED FILE-----", "  mac: AAAA" };
	size_t i, k;

	if (!d->final_newline)
		buf_puts(out, d->eol);
	for (i = 0; i < sizeof lines / sizeof *lines; i++) {
		for (k = 0; k < d->indent; k++)
			buf_putc(out, ' ');
		buf_puts(out, lines[i]);
		buf_puts(out, d->eol);
		if (i == 6 && !d->final_newline) {
			for (k = 0; k < d->indent; k++)
				buf_putc(out, ' ');
			buf_printf(out, "  final_newline: false%s", d->eol);
		}
	}
}

/* Fake encryption as store.c does it, with base64 of the plaintext as the
 * "ciphertext"; then scan the store, rebuild, compare; and every value read
 * through the store equals the one read from the plaintext. */
static void roundtrip(const char *t, size_t len)
{
	struct splice_doc d = { 0 }, sd = { 0 };
	struct buf s = { 0 }, back = { 0 }, reg = { 0 };
	struct err e;
	size_t pos = 0, i;
	int rc, done = 0;

	scan_ok(t, len, &d);
	for (i = 0; i <= d.n_items; i++) {
		const struct splice_item *it = i < d.n_items ? &d.items[i] : NULL;

		if (!done && (!it || it->start >= d.meta_at)) {
			buf_append(&s, t + pos, d.meta_at - pos);
			meta(&d, &s);
			pos = d.meta_at;
			done = 1;
		}
		if (!it)
			break;
		buf_append(&s, t + pos, it->start - pos);
		if (it->kind == SPLICE_VALUE) {
			buf_putc(&s, ' ');
			if (it->anchor_len)
				buf_printf(&s, "&%.*s ", (int)it->anchor_len, t + it->anchor_start);
			buf_puts(&s, "!enc ");
			b64(&s, t + it->start, it->end - it->start);
			buf_append(&s, t + it->end - it->eol, (size_t)it->eol);
		} else {
			buf_puts(&s, "#!enc ");
			b64(&s, t + it->start, it->end - it->start);
		}
		pos = it->end;
	}
	buf_append(&s, t + pos, len - pos);
	rc = splice_scan_store(s.p, s.len, &sd, &e);
	if (rc)
		print_error("store scan: %s\n--\n%s--\n", e.msg, s.p);
	assert_int_equal(rc, 0);
	assert_int_equal(sd.n_items, d.n_items);
	assert_int_equal(sd.n_nodes, d.n_nodes);
	assert_int_equal(sd.final_newline, d.final_newline);
	pos = 0;
	done = 0;
	for (i = 0; i <= sd.n_items; i++) {
		const struct splice_item *it = i < sd.n_items ? &sd.items[i] : NULL;
		size_t upto = it ? it->start : s.len, bl;

		if (!done && sd.meta_start >= pos && sd.meta_start <= upto) {
			buf_append(&back, s.p + pos, sd.meta_start - pos);
			pos = sd.meta_end;
			done = 1;
		}
		buf_append(&back, s.p + pos, upto - pos);
		if (!it)
			break;
		assert_int_equal(it->kind, d.items[i].kind);
		if (it->kind == SPLICE_VALUE) {
			struct buf p1 = { 0 }, p2 = { 0 };

			assert_int_equal(splice_node_canonical(&sd, it->node, &p1), 0);
			assert_int_equal(splice_node_canonical(&d, d.items[i].node, &p2), 0);
			assert_int_equal(p1.len, p2.len);
			if (p1.len)
				assert_memory_equal(p1.p, p2.p, p1.len);
			buf_free(&p1);
			buf_free(&p2);
		}
		reg.len = 0;
		buf_reserve(&reg, it->b64_len);
		assert_int_equal(sodium_base642bin((unsigned char *)reg.p, it->b64_len + 1,
						   s.p + it->b64_start, it->b64_len, NULL, &bl, NULL,
						   sodium_base64_VARIANT_ORIGINAL),
				 0);
		reg.len = bl;
		buf_append(&back, reg.p, reg.len);
		if (it->kind == SPLICE_VALUE) {
			struct secmem v1 = { 0 }, v2 = { 0 };

			/* same value (or same error) through the store */
			rc = splice_value(s.p, s.len, &sd, it->node, (unsigned char *)reg.p, reg.len,
					  &v1, &e);
			assert_int_equal(rc, splice_value(t, len, &d, d.items[i].node,
							  (const unsigned char *)t + d.items[i].start,
							  d.items[i].end - d.items[i].start, &v2, &e));
			assert_int_equal(v1.len, v2.len);
			if (v1.len)
				assert_memory_equal(v1.p, v2.p, v1.len);
			secmem_free(&v1);
			secmem_free(&v2);
			pos = splice_token_end(it, (unsigned char *)reg.p, reg.len);
		} else {
			pos = it->end;
		}
	}
	if (back.len != len || memcmp(back.p, t, len) != 0)
		print_error("rebuilt:\n%.*s--\nstore:\n%s--\n", (int)back.len, back.p ? back.p : "",
			    s.p);
	assert_int_equal(back.len, len);
	assert_memory_equal(back.p, t, len);
	buf_free(&s);
	buf_free(&back);
	buf_free(&reg);
	splice_doc_free(&d);
	splice_doc_free(&sd);
}

#define ROUNDTRIP(t) roundtrip((t), strlen(t))

static void item_is(const struct splice_doc *d, size_t i, enum splice_kind k, size_t start,
		    size_t end, unsigned line, unsigned col)
{
	assert_true(i < d->n_items);
	assert_int_equal(d->items[i].kind, k);
	assert_int_equal(d->items[i].start, start);
	assert_int_equal(d->items[i].end, end);
	assert_int_equal(d->items[i].line, line);
	assert_int_equal(d->items[i].col, col);
}

/* ---- regions ---- */

/* splice_node_canonical, from the parent chain, is path_canonical of the
 * node's PATH: keys and sequence indices (decimal) alike. */
static void test_canonical_path(void **state)
{
	const char *t = "a:\n  - x\n  - y: z\n  - [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n\"q k\": 1\n";
	static const char *paths[] = { "a/0", "a/1/y", "a/2/10", "q k" };
	struct splice_doc d = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct path p = { 0 };
		struct buf want = { 0 }, got = { 0 };
		struct err e;
		size_t n;

		assert_int_equal(path_parse(paths[i], strlen(paths[i]), &p, &e), 0);
		n = lookup(&d, paths[i]);
		assert_int_not_equal(n, SPLICE_NONE);
		assert_int_equal(path_canonical(&p, &want), 0);
		assert_int_equal(buf_puts(&got, "x"), 0); /* appended */
		assert_int_equal(splice_node_canonical(&d, n, &got), 0);
		assert_int_equal(got.len, want.len + 1);
		assert_memory_equal(got.p + 1, want.p, want.len);
		assert_int_equal(got.p[got.len], '\0');
		path_free(&p);
		buf_free(&want);
		buf_free(&got);
	}
	splice_doc_free(&d);
}

static void test_regions_basic(void **state)
{
	const char *t = "a: 1\nb: two # c\n";
	struct splice_doc d = { 0 };
	struct buf cp = { 0 };
	static const unsigned char path_b[] = { 0, 0, 0, 1, 'b' };

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_int_equal(d.n_items, 3);
	item_is(&d, 0, SPLICE_VALUE, 2, 4, 1, 4);
	item_is(&d, 1, SPLICE_VALUE, 7, 11, 2, 4);
	item_is(&d, 2, SPLICE_COMMENT, 12, 15, 2, 8);
	assert_int_equal(splice_node_canonical(&d, d.items[1].node, &cp), 0);
	assert_int_equal(cp.len, sizeof path_b);
	assert_memory_equal(cp.p, path_b, sizeof path_b);
	buf_free(&cp);
	assert_int_equal(splice_node_canonical(&d, d.items[2].node, &cp), 0); /* a comment */
	assert_int_equal(cp.len, 0);
	buf_free(&cp);
	assert_int_equal(d.items[0].eol, 0);
	assert_int_equal(d.indent, 0);
	assert_string_equal(d.eol, "\n");
	assert_int_equal(d.meta_at, strlen(t));
	assert_int_equal(d.final_newline, 1);
	assert_int_equal(d.nodes[0].type, SPLICE_MAPPING);
	assert_int_equal(d.nodes[0].n_children, 2);
	assert_int_equal(d.nodes[d.items[1].node].item, 1);
	splice_doc_free(&d);
	ROUNDTRIP(t);
}

static void test_non_ascii(void **state)
{
	/* é and ü are 2 bytes, ï too: libyaml counts them as 1 */
	const char *t = "é: ü\nkéy: \"naïve\" # ça\n";
	struct splice_doc d = { 0 };
	size_t n;

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_int_equal(d.n_items, 3);
	item_is(&d, 0, SPLICE_VALUE, 3, 6, 1, 4);
	item_is(&d, 1, SPLICE_VALUE, 12, 21, 2, 6);
	item_is(&d, 2, SPLICE_COMMENT, 22, 27, 2, 14);
	assert_memory_equal(t + 12, " \"naïve\"", 9);
	n = lookup(&d, "kéy");
	assert_int_not_equal(n, SPLICE_NONE);
	assert_int_equal(d.nodes[n].key_len, 4);
	splice_doc_free(&d);
	VALUE_IS(t, "kéy", "naïve");
	VALUE_IS(t, "é", "ü");
	ROUNDTRIP(t);
	ROUNDTRIP("\xEF\xBB\xBF" "ä: ö # bom\n"); /* a byte order mark counts one character */
}

static void test_crlf(void **state)
{
	const char *t = "a: 1\r\nb: |\r\n  x\r\n  y\r\nc: 'p\r\n  q'\r\n# end\r\n";
	struct splice_doc d = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_string_equal(d.eol, "\r\n");
	assert_int_equal(d.n_items, 4);
	item_is(&d, 0, SPLICE_VALUE, 2, 4, 1, 4);
	item_is(&d, 1, SPLICE_VALUE, 8, 22, 2, 4); /* " |\r\n  x\r\n  y\r\n" */
	assert_int_equal(d.items[1].eol, 2);
	item_is(&d, 2, SPLICE_VALUE, 24, 33, 5, 4);
	item_is(&d, 3, SPLICE_COMMENT, 35, 40, 7, 1); /* "# end", not the CR */
	splice_doc_free(&d);
	VALUE_IS(t, "b", "x\ny\n");
	VALUE_IS(t, "c", "p q");
	ROUNDTRIP(t);
}

static void test_block_scalars(void **state)
{
	const char *t = "top:\n"
			"  mid:\n"
			"    lit: |2\n"
			"        two extra\n"
			"      base\n"
			"    folded: >-\n"
			"      a\n"
			"      b\n"
			"\n"
			"    keep: |+\n"
			"      k\n"
			"\n"
			"    \n"
			"    strip: |-\n"
			"      s\n"
			"    clip: |\n"
			"      c\n"
			"\n"
			"\n"
			"    fold: >\n"
			"      f\n"
			"       g\n"
			"      h\n"
			"  after: 1\n";
	struct splice_doc d = { 0 };
	size_t n;

	(void)state;
	/* |2 counts from the parent's indentation (4), not from column 0 */
	VALUE_IS(t, "top/mid/lit", "  two extra\nbase\n");
	VALUE_IS(t, "top/mid/folded", "a b");
	VALUE_IS(t, "top/mid/keep", "k\n\n\n");
	VALUE_IS(t, "top/mid/strip", "s");
	VALUE_IS(t, "top/mid/clip", "c\n");
	VALUE_IS(t, "top/mid/fold", "f\n g\nh\n");
	VALUE_IS(t, "top/after", "1");
	scan_ok(t, strlen(t), &d);
	n = lookup(&d, "top/mid/keep");
	/* the trailing blank lines are in the region, which ends in a line break */
	assert_int_equal(d.items[d.nodes[n].item].eol, 1);
	assert_memory_equal(t + d.items[d.nodes[n].item].start, " |+\n      k\n\n    \n", 18);
	assert_int_equal(d.items[d.nodes[n].item].end - d.items[d.nodes[n].item].start, 18);
	assert_int_equal(d.nodes[lookup(&d, "top/mid")].indent, 4);
	splice_doc_free(&d);
	ROUNDTRIP(t);
	/* at the very end, without a final line break */
	ROUNDTRIP("a: |\n  x\n  y");
	VALUE_IS("a: |\n  x\n  y", "a", "x\ny");
}

static void test_block_in_sequences(void **state)
{
	const char *t = "list:\n"
			"  - |1\n"
			"    x\n"
			"  - - |2\n"
			"        y\n"
			"k:\n"
			"- |1\n"
			"  z\n"
			"- a: |1\n"
			"    w\n";

	(void)state;
	VALUE_IS(t, "list/0", " x\n");
	VALUE_IS(t, "list/1/0", "  y\n");
	VALUE_IS(t, "k/0", " z\n"); /* an indentless sequence */
	VALUE_IS(t, "k/1/a", " w\n");
	ROUNDTRIP(t);
}

static void test_flow(void **state)
{
	const char *t = "a: [x, 'y', {z: 1, w: [2, 3]}]\nb: {p: q, r: , \"s\":t}\n";
	struct splice_doc d = { 0 };
	size_t n;

	(void)state;
	scan_ok(t, strlen(t), &d);
	/* right after '[': no indicator in between, the region starts there */
	item_is(&d, 0, SPLICE_VALUE, 4, 5, 1, 5);
	n = lookup(&d, "a/2");
	assert_int_equal(d.nodes[n].type, SPLICE_MAPPING);
	assert_int_equal(d.nodes[n].flow, 1);
	n = lookup(&d, "b/r");
	assert_int_not_equal(n, SPLICE_NONE);
	assert_int_equal(d.nodes[n].item, SPLICE_NONE); /* implicit null */
	splice_doc_free(&d);
	VALUE_IS(t, "a/0", "x");
	VALUE_IS(t, "a/1", "y");
	VALUE_IS(t, "a/2/z", "1");
	VALUE_IS(t, "a/2/w/1", "3");
	VALUE_IS(t, "b/p", "q");
	VALUE_IS(t, "b/r", "");
	VALUE_IS(t, "b/s", "t");
	ROUNDTRIP(t);
	ROUNDTRIP("a: [\n  x,\n  [y,\n   z],\n]\nb: {\n  c: d\n}\n");
}

static void test_multiline(void **state)
{
	const char *t = "plain: first\n"
			"  second\n"
			"\n"
			"  third\n"
			"dq: \"a\\tb \\\n"
			"  c\\x41\\u00e9\n"
			"  d\"\n"
			"sq: 'it''s\n"
			"  here'\n"
			"nul: \"x\\0y\"\n";

	(void)state;
	VALUE_IS(t, "plain", "first second\nthird");
	VALUE_IS(t, "dq", "a\tb cA\xC3\xA9 d");
	VALUE_IS(t, "sq", "it's here");
	value_is(t, strlen(t), "nul", "x\0y", 3);
	ROUNDTRIP(t);
}

static void test_anchors_aliases(void **state)
{
	const char *t = "base: &b\n"
			"  user: admin\n"
			"  pass: &p s3cret\n"
			"list: &l [1, 2]\n"
			"copy: *b\n"
			"pw: *p\n"
			"again: *l\n"
			"&k key: v\n"
			"sub: {*k : w}\n"
			"tagged: !!str &t2 x\n";
	struct splice_doc d = { 0 };
	size_t n, pass;

	(void)state;
	scan_ok(t, strlen(t), &d);
	pass = lookup(&d, "base/pass");
	assert_int_not_equal(pass, SPLICE_NONE);
	n = d.nodes[pass].item;
	assert_int_equal(d.items[n].anchor_len, 1);
	assert_int_equal(t[d.items[n].anchor_start], 'p');
	assert_int_equal(t[d.items[n].anchor_start - 1], '&');
	/* aliases are followed, also to collections and at the end */
	assert_int_equal(lookup(&d, "copy/pass"), pass);
	assert_int_equal(lookup(&d, "pw"), pass);
	assert_int_equal(lookup(&d, "copy"), lookup(&d, "base"));
	assert_int_equal(d.nodes[lookup(&d, "again")].type, SPLICE_SEQUENCE);
	assert_int_equal(lookup(&d, "again/1"), lookup(&d, "list/1"));
	/* an anchored key's alias may name a key (both are clear text) */
	assert_int_not_equal(lookup(&d, "sub/key"), SPLICE_NONE);
	n = d.nodes[lookup(&d, "tagged")].item;
	assert_int_equal(d.items[n].anchor_len, 2);
	assert_memory_equal(t + d.items[n].anchor_start, "t2", 2);
	splice_doc_free(&d);
	VALUE_IS(t, "copy/pass", "s3cret");
	VALUE_IS(t, "pw", "s3cret");
	VALUE_IS(t, "again/0", "1");
	ROUNDTRIP(t);
	/* but never a value: a key's clear text is not authenticated as one,
	 * at any depth, before or after its anchor */
	PLAIN_ERR("&k key: v\nref: *k\n", "line 2, column 6: alias '*k' names a mapping key");
	PLAIN_ERR("a:\n  b:\n    &k key: v\nc: [*k]\n", "line 4, column 5: alias '*k' names a mapping key");
	PLAIN_ERR("a: {&k key: v, c: *k}\n", "line 1, column 19: alias '*k' names a mapping key");
	/* nor inside the collection it names */
	PLAIN_ERR("a: &x {b: *x}\n", "line 1, column 11: alias '*x' is inside the collection it names");
	PLAIN_ERR("a: &x\n  - [*x]\n", "line 2, column 6: alias '*x' is inside the collection it names");
	/* the expanded tree is bounded: 2^17 nodes through aliases are not */
	{
		struct buf b = { 0 };
		buf_puts(&b, "l0: &l0 x\n");
		for (int i = 1; i <= 16; i++)
			buf_printf(&b, "l%d: &l%d {a: *l%d, b: *l%d}\n", i, i, i - 1, i - 1);
		plain_err(b.p, b.len, "line 16, column 24: aliases would expand the document by more than 100000 nodes");
		buf_free(&b);
	}
	/* libyaml's anchor names stop at ':' */
	ROUNDTRIP("key: &an:chor value\n");
}

static void test_tags_binary(void **state)
{
	const char *t = "bin: !!binary |\n"
			"  AGFi\n"
			"  AA==\n"
			"str: !!str 12\n"
			"loc: !custom x\n"
			"verb: !<tag:example.com,2000:x> y\n"
			"bad: !!binary '@@'\n";
	struct splice_doc d = { 0 };
	struct secmem v = { 0 };
	struct err e;
	size_t n;

	(void)state;
	value_is(t, strlen(t), "bin", "\0ab\0", 4);
	VALUE_IS(t, "str", "12");
	VALUE_IS(t, "loc", "x");
	VALUE_IS(t, "verb", "y");
	scan_ok(t, strlen(t), &d);
	n = lookup(&d, "bad");
	assert_int_equal(splice_value(t, strlen(t), &d, n,
				      (const unsigned char *)t + d.items[d.nodes[n].item].start,
				      d.items[d.nodes[n].item].end - d.items[d.nodes[n].item].start,
				      &v, &e),
			 ERR_INPUT);
	assert_non_null(strstr(e.msg, "!!binary"));
	/* not a scalar */
	assert_int_equal(splice_value(t, strlen(t), &d, 0, NULL, 0, &v, &e), ERR_INPUT);
	secmem_free(&v);
	splice_doc_free(&d);
	ROUNDTRIP(t);
	/* directives are replayed so that tag handles resolve */
	t = "%TAG !e! tag:example.com,2000:\n---\na: !e!foo |1\n  x\n";
	VALUE_IS(t, "a", " x\n");
	ROUNDTRIP(t);
}

static void test_empty_and_nulls(void **state)
{
	const char *t = "a:\nb: ''\nc: ~\n? d\ne: !!null\nf: &z\ng: \"\"\n";
	struct splice_doc d = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_int_equal(d.n_items, 5); /* b, c, e, f, g: a and d are implicit nulls */
	assert_int_equal(d.nodes[lookup(&d, "a")].item, SPLICE_NONE);
	assert_int_equal(d.nodes[lookup(&d, "d")].item, SPLICE_NONE);
	item_is(&d, 2, SPLICE_VALUE, 20, 27, 5, 4); /* " !!null" has a tag: a region */
	assert_int_equal(d.items[3].anchor_len, 1);
	splice_doc_free(&d);
	VALUE_IS(t, "a", "");
	VALUE_IS(t, "b", "");
	VALUE_IS(t, "c", "~");
	VALUE_IS(t, "e", "");
	VALUE_IS(t, "f", "");
	ROUNDTRIP(t);
}

static void test_comments(void **state)
{
	const char *t = "# head\n"
			"a: 1 # after\n"
			"# own line\n"
			"b: # between key and block scalar\n"
			"  |\n"
			"  text\n"
			"c: [x, # in flow\n"
			"  y] # after flow\n"
			"  # indented\n"
			"d: \"q # not a comment\" #c\n"
			"e: x#y\n";
	struct splice_doc d = { 0 };
	size_t i, nc = 0;
	struct buf got = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	for (i = 0; i < d.n_items; i++) {
		if (d.items[i].kind != SPLICE_COMMENT)
			continue;
		nc++;
		buf_append(&got, t + d.items[i].start, d.items[i].end - d.items[i].start);
		buf_putc(&got, '|');
	}
	/* comments inside a value region ("# between", "# in flow") belong to it */
	assert_string_equal(got.p, "# head|# after|# own line|# after flow|# indented|#c|");
	assert_int_equal(nc, 6);
	buf_free(&got);
	splice_doc_free(&d);
	VALUE_IS(t, "b", "text\n");
	VALUE_IS(t, "c/1", "y");
	VALUE_IS(t, "d", "q # not a comment");
	VALUE_IS(t, "e", "x#y");
	ROUNDTRIP(t);
	ROUNDTRIP("a: 1\n# trailing, no final newline");
}

static void test_document_markers(void **state)
{
	const char *t = "--- # start\na: 1\n...\n# after the end\n";
	struct splice_doc d = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_int_equal(d.meta_at, 17); /* the line holding "..." */
	assert_int_equal(d.final_newline, 1);
	splice_doc_free(&d);
	ROUNDTRIP(t);
	ROUNDTRIP("---\na: |\n  x\n...");
	ROUNDTRIP("%YAML 1.1\n---\na: b\n");
}

static void test_indented_top(void **state)
{
	const char *t = "  a: 1\n  b:\n    c: |1\n      x\n";
	struct splice_doc d = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_int_equal(d.indent, 2);
	splice_doc_free(&d);
	VALUE_IS(t, "b/c", " x\n"); /* |1 from the parent's 4 */
	ROUNDTRIP(t);
	ROUNDTRIP("  a: 1\n  # end");
}

static void test_no_final_newline(void **state)
{
	const char *t = "a: 1\n# c";
	struct splice_doc d = { 0 };

	(void)state;
	scan_ok(t, strlen(t), &d);
	assert_int_equal(d.final_newline, 0);
	assert_int_equal(d.meta_at, strlen(t));
	splice_doc_free(&d);
	ROUNDTRIP(t);
	ROUNDTRIP("a: 1");
	ROUNDTRIP("a: 1\r\nb: 'x'");
}

static void test_empty_store(void **state)
{
	static const char *t[] = { "", "# only a comment\n\n", "---\n", "--- # c", "\n\n" };
	struct splice_doc d = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof *t; i++) {
		scan_ok(t[i], strlen(t[i]), &d);
		assert_int_equal(d.n_nodes, 1);
		assert_int_equal(d.nodes[0].type, SPLICE_MAPPING);
		assert_int_equal(d.nodes[0].n_children, 0);
		splice_doc_free(&d);
		ROUNDTRIP(t[i]);
	}
	struct path root = { 0 };

	scan_ok("", 0, &d);
	assert_int_equal(splice_lookup(&d, &root), 0);
	splice_doc_free(&d);
}

static void test_lookup(void **state)
{
	const char *t = "a/b: {c: [x, y]}\n\"01\": z\n";
	struct splice_doc d = { 0 };
	struct buf p = { 0 };
	size_t n;

	(void)state;
	scan_ok(t, strlen(t), &d);
	n = lookup(&d, "a~1b/c/1");
	assert_int_not_equal(n, SPLICE_NONE);
	assert_int_equal(splice_node_path(&d, n, &p), 0);
	assert_string_equal(p.p, "a~1b/c/1");
	assert_int_equal(lookup(&d, "a~1b/c/2"), SPLICE_NONE);
	assert_int_equal(lookup(&d, "a~1b/c/01"), SPLICE_NONE); /* "01" is not an index */
	assert_int_equal(lookup(&d, "a~1b/c/1/x"), SPLICE_NONE);
	assert_int_equal(lookup(&d, "a/b"), SPLICE_NONE);
	assert_int_not_equal(lookup(&d, "01"), SPLICE_NONE); /* but it is a key */
	buf_free(&p);
	splice_doc_free(&d);
}

/* ---- validation of a plaintext view ---- */

static void test_plain_errors(void **state)
{
	(void)state;
	PLAIN_ERR("a: 1\n---\nb: 2\n", "line 2, column 1: several documents");
	PLAIN_ERR("- a\n", "line 1, column 1: the top level must be a block mapping");
	PLAIN_ERR("{a: 1}\n", "line 1, column 1: the top level must be a block mapping");
	PLAIN_ERR("just text\n", "line 1, column 1: the top level must be a block mapping");
	PLAIN_ERR("a: 1\n? [x]\n: 2\n", "line 2, column 3: a mapping key must be a scalar");
	PLAIN_ERR("a: 1\n{x: y}: 2\n", "line 2, column 1: a mapping key must be a scalar");
	PLAIN_ERR("a: 1\nb:\n  c: 1\n  c: 2\n", "line 4, column 3: duplicate key 'c'");
	PLAIN_ERR("a: 1\n\"a\": 2\n", "line 2, column 1: duplicate key 'a'");
	PLAIN_ERR("x: 1\nsecretctl: 2\n", "line 2, column 1: the top-level key 'secretctl' is reserved");
	PLAIN_ERR("%TAG ! tag:example.com,2000:\n---\na: 1\n",
		  "line 1, column 1: a %TAG directive redefines '!'");
	PLAIN_ERR("a: b: c\n", "line 1, column 5: mapping values are not allowed in this context");
	PLAIN_ERR("a: 'x\n", "line 2, column 1: found unexpected end of stream");
	PLAIN_ERR("a: *nope\n", "line 1, column 4: undefined alias '*nope'");
	PLAIN_ERR("a: &v x\n*v : y\n",
		  "line 2, column 1: a mapping key must be a scalar (alias '*v' names a value)");
	PLAIN_ERR("a: \"x\"# c\n", "line 1, column 7: a comment needs a blank before it");
	plain_err("a: 1\nb: \xff\n", 10, "line 2, column 4: invalid");
	plain_err("a: x\0y\n", 7, "line 1, column 5:");
	/* a nested "secretctl" key is an ordinary key */
	ROUNDTRIP("a:\n  secretctl: 1\n");
	/* an alias of an anchored key is a key */
	ROUNDTRIP("&k a: 1\nb:\n  *k : 2\n");
	PLAIN_ERR("&k a: 1\n*k : 2\n", "line 2, column 1: duplicate key 'a'");
	/* no PATH segment is empty: "", '' and a null key are refused */
	PLAIN_ERR("\"\": 1\n", "line 1, column 1: an empty mapping key, which no PATH can name");
	PLAIN_ERR("a:\n  '': 1\n", "line 2, column 3: an empty mapping key");
	PLAIN_ERR("? \n: 1\n", "an empty mapping key");
	PLAIN_ERR("a: {\"\": 1}\n", "line 1, column 5: an empty mapping key");
	PLAIN_ERR("?  # c\n", "line 1, column 2: an empty mapping key");
	PLAIN_ERR("&e \"\": 1\n", "an empty mapping key");
	PLAIN_ERR("\"a\\0b\": 1\n", "line 1, column 1: a mapping key with a NUL byte, which no PATH can name");
	PLAIN_ERR("a:\n  - \"\\0\": 1\n", "line 2, column 5: a mapping key with a NUL byte");
	/* a NUL in a value is a value's business (-f gives it, -e refuses it) */
	ROUNDTRIP("a: \"x\\0y\"\n");
	/* keys that resolve to null but are not empty can be named */
	ROUNDTRIP("~: 1\nnull: 2\n");
}

/* ---- stores ---- */

static void test_store_scan(void **state)
{
	const char *t = "a: !enc AAAA\n"
			"b: &x !enc AAECAw==\n"
			"c: *x\n"
			"d:\n"
			"e: |\n"
			"  plain? no: a token\n";
	const char *s = "a: !enc AAAA\n"
			"b: &x !enc AAECAw==\n"
			"c: *x\n"
			"d:\n"
			"#!enc AAAA\n"
			"e: !enc AAAA\n" META_TAIL;
	struct splice_doc d = { 0 };
	struct err e;
	size_t m;

	(void)state;
	(void)t;
	assert_int_equal(splice_scan_store(s, strlen(s), &d, &e), 0);
	assert_int_equal(d.n_items, 4);
	item_is(&d, 0, SPLICE_VALUE, 2, 12, 1, 4);
	assert_int_equal(d.items[0].b64_start, 8);
	assert_int_equal(d.items[0].b64_len, 4);
	assert_int_equal(d.items[0].eol, 1); /* a line break follows the token */
	item_is(&d, 1, SPLICE_VALUE, 15, 32, 2, 4);
	assert_int_equal(d.items[1].anchor_len, 1);
	assert_int_equal(d.items[1].anchor_start, 17);
	assert_int_equal(d.items[1].b64_start, 24);
	item_is(&d, 2, SPLICE_COMMENT, 42, 52, 5, 1);
	assert_int_equal(d.items[2].b64_start, 48);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.n_slots, 2);
	assert_string_equal(d.slots[0].recipient, "age1xyz");
	assert_int_equal(d.slots[0].scrypt, 0);
	assert_string_equal(d.slots[0].data_key,
			    "-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n");
	assert_null(d.slots[1].recipient);
	assert_int_equal(d.slots[1].scrypt, 1);
	assert_string_equal(d.mac, "AAAA");
	assert_int_equal(d.final_newline, 1);
	m = strlen(s) - strlen(META_TAIL);
	assert_int_equal(d.meta_start, m);
	assert_int_equal(d.meta_end, strlen(s));
	assert_int_equal(d.nodes[lookup(&d, "c")].type, SPLICE_SCALAR);
	assert_int_equal(d.nodes[lookup(&d, "d")].item, SPLICE_NONE);
	/* a value's line break belongs to the token only for a region ending in one */
	assert_int_equal(splice_token_end(&d.items[0], (const unsigned char *)" 1", 2), 12);
	assert_int_equal(splice_token_end(&d.items[0], (const unsigned char *)" |\n  x\n", 7), 13);
	splice_doc_free(&d);

	/* final_newline: false takes the line break before the block too */
	s = "a: !enc AAAA\n#!enc AAAA\n" META_TAIL "  final_newline: false\n";
	assert_int_equal(splice_scan_store(s, strlen(s), &d, &e), 0);
	assert_int_equal(d.final_newline, 0);
	assert_int_equal(d.meta_start, 23);
	assert_int_equal(d.meta_end, strlen(s));
	splice_doc_free(&d);

	/* before an explicit document end */
	s = "a: !enc AAAA\n" META_TAIL "...\n#!enc AAAA\n";
	assert_int_equal(splice_scan_store(s, strlen(s), &d, &e), 0);
	assert_int_equal(d.meta_start, 13);
	assert_int_equal(d.meta_end, 13 + strlen(META_TAIL));
	assert_int_equal(d.n_items, 2);
	splice_doc_free(&d);

	/* indented, CRLF */
	s = "  a: !enc AAAA\r\n  secretctl:\r\n    version: 1\r\n    keys:\r\n"
	    "      - passphrase: scrypt\r\n        data_key: |\r\n          x\r\n    mac: AAAA\r\n";
	assert_int_equal(splice_scan_store(s, strlen(s), &d, &e), 0);
	assert_int_equal(d.meta_start, 16);
	assert_int_equal(d.meta_end, strlen(s));
	assert_string_equal(d.slots[0].data_key, "x\n");
	assert_int_equal(d.indent, 2);
	assert_int_equal(d.items[0].eol, 2);
	splice_doc_free(&d);

	/* only the metadata: an empty store */
	assert_int_equal(splice_scan_store(META_TAIL, strlen(META_TAIL), &d, &e), 0);
	assert_int_equal(d.n_nodes, 1);
	assert_int_equal(d.nodes[0].n_children, 0);
	assert_int_equal(d.meta_start, 0);
	splice_doc_free(&d);
}

/* A token's payload is not checked for canonical base64 when scanned
 * (store.c does, where it decodes it, after the MAC): these scan, with
 * the payloads where they stand. */
static void test_store_payloads(void **state)
{
	const char *t = "a: !enc AAA\nb: !enc AB== #!enc a-b_c\n" META_TAIL;
	struct splice_doc d = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(splice_scan_store(t, strlen(t), &d, &e), 0);
	assert_int_equal(d.n_items, 3);
	assert_int_equal(d.items[0].b64_start, 8);
	assert_int_equal(d.items[0].b64_len, 3);
	assert_int_equal(d.items[1].b64_start, 20);
	assert_int_equal(d.items[1].b64_len, 4);
	assert_int_equal(d.items[2].kind, SPLICE_COMMENT);
	assert_int_equal(d.items[2].b64_start, 31);
	assert_int_equal(d.items[2].b64_len, 5);
	splice_doc_free(&d);
}

/* splice_scan_edit: every key a node right before its value, spans of the
 * events, values; what a store refuses but an edit may meet. */
#define ES(lit) lit, sizeof lit - 1

static void test_scan_edit(void **state)
{
	static const char t[] = "\xef\xbb\xbf" "a: &x 'v'\n"
				"m: !t\n  k: |\n    lit\n\n"
				"s: [1, *x]\n"
				"&K q: 2\n"
				"n:\n  *K : 3\n";
	struct splice_doc d = { 0 };
	struct err e;
	size_t a, m, k, s, q, n;
	(void)state;

	assert_int_equal(splice_scan_edit(t, sizeof t - 1, &d, &e), 0);
	a = lookup(&d, "a");
	assert_true(a > 0 && d.nodes[a - 1].is_key && d.nodes[a - 1].parent == SPLICE_NONE);
	assert_int_equal(d.span[a - 1].start, 3); /* after the BOM */
	assert_int_equal(d.span[a - 1].end, 4);
	assert_int_equal(d.span[a].start, 6); /* "&x 'v'" */
	assert_int_equal(d.span[a].end, 12);
	assert_int_equal(d.span[a].gap, 4);   /* the key's end: ":" is in the gap */
	assert_int_equal(d.span[a].flags, SPLICE_SPAN_ANCHOR);
	assert_int_equal(d.span[a].style, YAML_SINGLE_QUOTED_SCALAR_STYLE);
	assert_memory_equal(d.vals.p + d.span[a].val, "v", d.span[a].vlen);
	m = lookup(&d, "m");
	assert_int_equal(d.span[m].flags, SPLICE_SPAN_TAG);
	k = lookup(&d, "m/k");
	assert_memory_equal(d.vals.p + d.span[k].val, "lit\n", d.span[k].vlen);
	s = lookup(&d, "s");
	assert_true(d.nodes[s].flow);
	assert_int_equal(t[d.span[s].end - 1], ']');
	q = lookup(&d, "q");
	assert_true(d.nodes[q - 1].is_key && d.nodes[q - 1].key_len == 1);
	/* an alias as a key: a node of its own (naming its anchor), found by the key */
	n = lookup(&d, "n/q");
	assert_true(n != SPLICE_NONE && d.nodes[n - 1].type == SPLICE_ALIAS &&
		    d.nodes[n - 1].is_key && d.nodes[n - 1].target == q - 1);
	assert_false(d.verbatim_binary);
	assert_null(d.key_start);
	splice_doc_free(&d);

	/* the store's rules are the encryption's to check */
	assert_int_equal(splice_scan_edit(ES("- a\n"), &d, &e), 0);
	assert_int_equal(d.nodes[0].type, SPLICE_SEQUENCE);
	assert_int_equal(splice_scan_edit(ES("{a: 1, a: 2}"), &d, &e), 0);
	assert_int_equal(splice_scan_edit(ES("a: \"q\"#c\nsecretctl: 1\n"), &d, &e), 0);
	assert_int_equal(d.n_items, 2); /* the two values, no comment */
	assert_int_equal(splice_scan_edit(ES("a: &A x\nb: {&K k: *K}\n"), &d, &e), 0);
	assert_int_equal(
		splice_scan_edit(ES("%TAG !! tag:example.com,2000:\n--- {a: 1}\n"), &d, &e), 0);
	assert_true(d.verbatim_binary);
	/* the tree's own, and yedit's words */
	assert_int_equal(splice_scan_edit(ES("a: *x\n"), &d, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "undefined alias"));
	assert_int_equal(splice_scan_edit(ES("? [a]\n: 1\n"), &d, &e), ERR_INPUT);
	assert_int_equal(splice_scan_edit(ES("a: 1\n---\nb: 2\n"), &d, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 2: the plaintext holds more than one YAML document");
	assert_int_equal(splice_scan_edit(ES("\xff\xfe" "a\0"), &d, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "UTF-16"));
	assert_int_equal(splice_scan_edit(ES("a: [b\n"), &d, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 2, column 1: did not find expected ',' or ']' "
				   "while parsing a flow sequence");
	splice_doc_free(&d);
}

static void test_store_errors(void **state)
{
	(void)state;
	store_err("a: !enc AAAA\n", "no metadata block 'secretctl'");
	store_err("", "no metadata block");
	store_err("a: !enc AAAA\nsecretctl:\n  version: 3\n", "line 3, column 12: unknown store version 3");
	store_err("a: !enc AAAA\nsecretctl:\n  version: x\n", "version is not a number");
	store_err("a: plain\n" META_TAIL, "line 1, column 4: value at 'a' is not an encrypted token");
	store_err("a:\n  - !enc AAAA\n  - 'x'\n" META_TAIL, "line 3, column 5: value at 'a/1' is not");
	store_err("a: !enc  AAAA\n" META_TAIL, "line 1, column 4: value at 'a' is not");
	store_err("a: !enc 'AAAA'\n" META_TAIL, "is not an encrypted token");
	store_err("a: !enc\n" META_TAIL, "is not an encrypted token");
	store_err("- !enc AAAA\n", "line 1, column 1: the top level must be a block mapping");
	store_err(META_TAIL "---\n" META_TAIL, "several documents");
	store_err("# hello\n" META_TAIL, "line 1, column 1: comment is not an encrypted token");
	/* the fuzz_store find: an explicit key with only a comment token */
	store_err("?  #!enc AAAA\n" META_TAIL, "line 1, column 2: an empty mapping key");
	store_err("\"\": !enc AAAA\n" META_TAIL, "line 1, column 1: an empty mapping key");
	store_err("a: !enc AAAA #!enc\n" META_TAIL, "line 1, column 14: comment is not");
	store_err("a: !enc AAAA\n" META_TAIL "  extra: 1\n", "line 14, column 3: metadata: unknown field 'extra'");
	store_err("secretctl:\n  version: 1\n  keys:\n    - recipient: age1x\n      color: red\n",
		  "line 5, column 7: metadata: unknown key slot field 'color'");
	store_err("secretctl:\n  version: 1\n  keys:\n    - recipient: age1x\n  mac: AAAA\n",
		  "a key slot needs");
	store_err("secretctl:\n  version: 1\n  keys: []\n  mac: AAAA\n", "no key slots");
	store_err("secretctl:\n  keys: []\n  mac: AAAA\n", "metadata: no 'version'");
	store_err(META_TAIL "b: !enc AAAA\n", "must be the last top-level key");
	store_err("secretctl: {version: 1}\n", "is not a block mapping");
	store_err("a: !enc AAAA\n" META_TAIL "  final_newline: maybe\n", "final_newline must be true or false");
	store_err("%TAG ! tag:example.com,2000:\n---\n" META_TAIL, "redefines '!'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_path), cmocka_unit_test(test_store_payloads),
		cmocka_unit_test(test_regions_basic),	  cmocka_unit_test(test_non_ascii),
		cmocka_unit_test(test_crlf),		  cmocka_unit_test(test_block_scalars),
		cmocka_unit_test(test_block_in_sequences), cmocka_unit_test(test_flow),
		cmocka_unit_test(test_multiline),	  cmocka_unit_test(test_anchors_aliases),
		cmocka_unit_test(test_tags_binary),	  cmocka_unit_test(test_empty_and_nulls),
		cmocka_unit_test(test_comments),	  cmocka_unit_test(test_document_markers),
		cmocka_unit_test(test_indented_top),	  cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_empty_store),	  cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_plain_errors),	  cmocka_unit_test(test_store_scan),
		cmocka_unit_test(test_store_errors),	  cmocka_unit_test(test_plain_as_is),
		cmocka_unit_test(test_scan_edit),
	};

	if (secmem_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
