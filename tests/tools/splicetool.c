/* splicetool: a driver for the splice module in tests.
 *   splicetool roundtrip FILE   fake-encrypt FILE (tokens hold base64 of the
 *                               plaintext), scan the store, rebuild, compare
 *   splicetool regions FILE     list items and nodes of a plaintext view
 *   splicetool fake FILE        print the fake store
 *   splicetool store FILE       scan FILE as a store, list its items
 *   splicetool get FILE PATH    print a value (splice_value) of a plaintext view
 *   splicetool classify FILE    libyaml alone: "mapping" when FILE is one
 *                               document whose top level is a block mapping
 *                               with scalar keys ("tagbang" if %TAG redefines
 *                               "!", "keyalias" if an alias used as a value
 *                               names an anchored key), else "other: why"
 * Exit: 0 ok, 6 refused input (ERR_INPUT), 1 mismatch or failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#include "secretctl/b64.h"
#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/io.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"
#include "secretctl/splice.h"
#include "secretctl/store.h"

static const char *prog = "splicetool";

static int read_file(const char *name, struct buf *b)
{
	struct err e;

	if (io_read_file(name, STORE_MAX_SIZE, b, &e)) {
		fprintf(stderr, "%s: %s\n", prog, e.msg);
		return -1;
	}
	return 0;
}

static int b64_put(struct buf *out, const void *p, size_t n)
{
	return b64_encode(out, p, n, B64_PADDED);
}

static int b64_get(const char *p, size_t n, struct buf *out)
{
	size_t bl;

	out->len = 0;
	if (buf_reserve(out, B64_DECODED_MAX(n)) ||
	    b64_decode(p, n, (unsigned char *)out->p, &bl) != 0)
		return -1;
	out->len = bl;
	out->p[bl] = 0;
	return 0;
}

static void indent_to(struct buf *out, size_t n)
{
	while (n--)
		buf_putc(out, ' ');
}

/* The metadata block as store.c writes it: top-level indentation, the
 * file's line break, "final_newline: false" and a line break before it
 * when needed. */
static void fake_meta(const struct splice_doc *d, struct buf *out)
{
	static const unsigned char mac[32] = { 1, 2, 3 };
	const char *e = d->eol;
	size_t i = d->indent;

	if (!d->final_newline)
		buf_puts(out, e);
	indent_to(out, i), buf_printf(out, "secretctl:%s", e);
	indent_to(out, i), buf_printf(out, "  version: 1%s", e);
	indent_to(out, i), buf_printf(out, "  keys:%s", e);
	indent_to(out, i), buf_printf(out, "    - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq%s", e);
	indent_to(out, i), buf_printf(out, "      data_key: |%s", e);
	indent_to(out, i), buf_printf(out, "        -----BEGIN AGE ENCRYPTED FILE-----%s", e);
	indent_to(out, i), buf_printf(out, "        YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==%s", e);
	indent_to(out, i), buf_printf(out, "        -----END AGE ENCRYPTED FILE-----%s", e);
	indent_to(out, i), buf_printf(out, "    - passphrase: scrypt%s", e);
	indent_to(out, i), buf_printf(out, "      data_key: |%s", e);
	indent_to(out, i), buf_printf(out, "        -----BEGIN AGE ENCRYPTED FILE-----%s", e);
	indent_to(out, i), buf_printf(out, "        -----END AGE ENCRYPTED FILE-----%s", e);
	if (!d->final_newline)
		indent_to(out, i), buf_printf(out, "  final_newline: false%s", e);
	indent_to(out, i), buf_puts(out, "  mac: ");
	b64_put(out, mac, sizeof mac);
	buf_puts(out, e);
}

/* Fake encryption: every region -> " [&a ]!enc B64(region)" + its line
 * break, every comment -> "#!enc B64(comment)", the block at meta_at. */
static int fake_store(const char *t, size_t len, const struct splice_doc *d, struct buf *out)
{
	size_t pos = 0, i;
	int meta = 0;

	for (i = 0; i < d->n_items; i++) {
		const struct splice_item *it = &d->items[i];

		if (!meta && it->start >= d->meta_at) {
			buf_append(out, t + pos, d->meta_at - pos);
			fake_meta(d, out);
			pos = d->meta_at;
			meta = 1;
		}
		buf_append(out, t + pos, it->start - pos);
		if (it->kind == SPLICE_VALUE) {
			buf_putc(out, ' ');
			if (it->anchor_len) {
				buf_putc(out, '&');
				buf_append(out, t + it->anchor_start, it->anchor_len);
				buf_putc(out, ' ');
			}
			buf_puts(out, "!enc ");
			b64_put(out, t + it->start, it->end - it->start);
			buf_append(out, t + it->end - it->eol, (size_t)it->eol);
		} else {
			buf_puts(out, "#!enc ");
			b64_put(out, t + it->start, it->end - it->start);
		}
		pos = it->end;
	}
	if (!meta) {
		buf_append(out, t + pos, d->meta_at - pos);
		fake_meta(d, out);
		pos = d->meta_at;
	}
	return buf_append(out, t + pos, len - pos);
}

/* Text with the metadata block dropped and tokens replaced by their
 * decoded regions; also the clear text (tokens and block removed). */
static int rebuild(const char *s, size_t slen, const struct splice_doc *d, struct buf *out,
		   struct buf *clear)
{
	struct buf reg = { 0 };
	size_t pos = 0, i;
	int meta = 0;

	for (i = 0; i <= d->n_items; i++) {
		const struct splice_item *it = i < d->n_items ? &d->items[i] : NULL;
		size_t upto = it ? it->start : slen;

		if (!meta && d->meta_start >= pos && d->meta_start <= upto) {
			buf_append(out, s + pos, d->meta_start - pos);
			buf_append(clear, s + pos, d->meta_start - pos);
			pos = d->meta_end;
			meta = 1;
		}
		buf_append(out, s + pos, upto - pos);
		buf_append(clear, s + pos, upto - pos);
		buf_putc(clear, '\n');
		if (!it)
			break;
		if (b64_get(s + it->b64_start, it->b64_len, &reg)) {
			buf_free(&reg);
			return -1;
		}
		buf_append(out, reg.p, reg.len);
		pos = splice_token_end(it, (unsigned char *)reg.p, reg.len);
	}
	buf_free(&reg);
	return 0;
}

static void put_escaped(FILE *f, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void put_canon(FILE *f, const struct buf *p)
{
	size_t i = 0;

	while (i + 4 <= p->len) {
		const unsigned char *u = (const unsigned char *)p->p + i;
		size_t n = (size_t)u[0] << 24 | (size_t)u[1] << 16 | (size_t)u[2] << 8 | u[3];

		fputc('/', f);
		put_escaped(f, p->p + i + 4, n);
		i += 4 + n;
	}
}

static void list(FILE *f, const char *t, const struct splice_doc *d)
{
	size_t i;

	fprintf(f, "indent %zu eol %s meta_at %zu final_newline %d prolog_end %zu\n", d->indent,
		d->eol[1] ? "crlf" : "lf", d->meta_at, d->final_newline, d->prolog_end);
	for (i = 0; i < d->n_items; i++) {
		const struct splice_item *it = &d->items[i];

		fprintf(f, "%s %u:%u [%zu,%zu) eol=%d ", it->kind == SPLICE_VALUE ? "value" : "comment",
			it->line, it->col, it->start, it->end, it->eol);
		if (it->kind == SPLICE_VALUE) {
			struct buf cp = { 0 };

			splice_node_canonical(d, it->node, &cp);
			put_canon(f, &cp);
			buf_free(&cp);
			fprintf(f, " node=%zu", it->node);
		}
		if (it->anchor_len) {
			fputs(" &", f);
			put_escaped(f, t + it->anchor_start, it->anchor_len);
		}
		fputs(" '", f);
		put_escaped(f, t + it->start, it->end - it->start);
		fputs("'\n", f);
	}
	for (i = 0; i < d->n_nodes; i++) {
		const struct splice_node *n = &d->nodes[i];
		static const char *tn[] = { "scalar", "mapping", "sequence", "alias" };
		struct buf p = { 0 };

		splice_node_path(d, i, &p);
		fprintf(f, "node %zu %s %u:%u path='%s'", i, tn[n->type], n->line, n->col, p.p);
		if (n->type == SPLICE_ALIAS)
			fprintf(f, " -> %zu", n->target);
		if (n->type == SPLICE_MAPPING || n->type == SPLICE_SEQUENCE)
			fprintf(f, " %s indent=%u children=%zu", n->flow ? "flow" : "block", n->indent,
				n->n_children);
		if (n->is_key)
			fputs(" key-anchor", f);
		fputc('\n', f);
		buf_free(&p);
	}
}

static int same_tree(const struct splice_doc *a, const struct splice_doc *b, char *why, size_t wn)
{
	size_t i;

	if (a->n_nodes != b->n_nodes) {
		snprintf(why, wn, "node count %zu != %zu", a->n_nodes, b->n_nodes);
		return 0;
	}
	for (i = 0; i < a->n_nodes; i++) {
		const struct splice_node *x = &a->nodes[i], *y = &b->nodes[i];

		if (x->type != y->type || x->parent != y->parent || x->index != y->index ||
		    x->key_len != y->key_len || (x->key_len && memcmp(x->key, y->key, x->key_len)) ||
		    x->target != y->target || x->is_key != y->is_key ||
		    (x->item == SPLICE_NONE) != (y->item == SPLICE_NONE)) {
			snprintf(why, wn, "node %zu (line %u) differs", i, x->line);
			return 0;
		}
	}
	if (a->n_items != b->n_items) {
		snprintf(why, wn, "item count %zu != %zu", a->n_items, b->n_items);
		return 0;
	}
	for (i = 0; i < a->n_items; i++) {
		const struct splice_item *x = &a->items[i], *y = &b->items[i];

		/* same node in the same tree: the same path */
		if (x->kind != y->kind || x->node != y->node || x->anchor_len != y->anchor_len) {
			snprintf(why, wn, "item %zu (line %u) differs", i, x->line);
			return 0;
		}
	}
	return 1;
}

/* A value or comment of 4+ bytes must not be in the store's clear text,
 * unless it is also a key (keys are plaintext by design). */
static int leaks(const char *t, size_t len, const struct splice_doc *d, const struct buf *clear,
		 char *why, size_t wn)
{
	size_t i, k;
	struct err e;

	for (i = 0; i < d->n_items; i++) {
		const struct splice_item *it = &d->items[i];
		struct secmem v = { 0 };
		const char *p;
		size_t n;
		int excused = 0;

		if (it->kind == SPLICE_VALUE) {
			if (splice_value(t, len, d, it->node, (const unsigned char *)t + it->start,
					 it->end - it->start, &v, &e)) {
				snprintf(why, wn, "line %u: splice_value: %s", it->line, e.msg);
				return 1;
			}
			p = (const char *)v.p;
			n = v.len;
		} else {
			p = t + it->start + 1; /* after '#' */
			n = it->end - it->start - 1;
		}
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (n >= 4 && memmem(clear->p, clear->len, p, n)) {
			for (k = 0; k < d->n_nodes && !excused; k++)
				if (d->nodes[k].key_len >= n &&
				    memmem(d->nodes[k].key, d->nodes[k].key_len, p, n))
					excused = 1;
			if (!excused) {
				snprintf(why, wn, "line %u: '%.*s' is in clear in the store", it->line,
					 (int)(n > 40 ? 40 : n), p);
				secmem_free(&v);
				return 1;
			}
		}
		secmem_free(&v);
	}
	return 0;
}

static int cmd_roundtrip(const char *file, int print_store)
{
	struct buf t = { 0 }, s = { 0 }, back = { 0 }, clear = { 0 };
	struct splice_doc d = { 0 }, sd = { 0 };
	struct err e;
	char why[ERR_MSG_MAX + 128];
	int rc = 1;

	if (read_file(file, &t))
		return 1;
	if (splice_scan_plain(t.p, t.len, &d, &e)) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, e.msg);
		rc = e.code == ERR_INPUT ? 6 : 1;
		goto out;
	}
	if (fake_store(t.p, t.len, &d, &s)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	if (print_store) {
		fwrite(s.p, 1, s.len, stdout);
		rc = 0;
		goto out;
	}
	if (splice_scan_store(s.p, s.len, &sd, &e)) {
		fprintf(stderr, "%s: %s: the fake store does not scan: %s\n", prog, file, e.msg);
		goto out;
	}
	if (!same_tree(&d, &sd, why, sizeof why)) {
		fprintf(stderr, "%s: %s: store and plaintext differ: %s\n", prog, file, why);
		goto out;
	}
	if (rebuild(s.p, s.len, &sd, &back, &clear)) {
		fprintf(stderr, "%s: %s: a token does not decode\n", prog, file);
		goto out;
	}
	if (back.len != t.len || memcmp(back.p, t.p, t.len) != 0) {
		size_t i = 0;

		while (i < back.len && i < t.len && back.p[i] == t.p[i])
			i++;
		fprintf(stderr, "%s: %s: rebuilt text differs at byte %zu (lengths %zu, %zu)\n", prog,
			file, i, t.len, back.len);
		goto out;
	}
	if (leaks(t.p, t.len, &d, &clear, why, sizeof why)) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, why);
		goto out;
	}
	rc = 0;
out:
	splice_doc_free(&d);
	splice_doc_free(&sd);
	buf_free(&t);
	buf_free(&s);
	buf_free(&back);
	buf_free(&clear);
	return rc;
}

static int cmd_list(const char *file, int store)
{
	struct buf t = { 0 };
	struct splice_doc d = { 0 };
	struct err e;
	int rc = 0;

	if (read_file(file, &t))
		return 1;
	if ((store ? splice_scan_store : splice_scan_plain)(t.p, t.len, &d, &e)) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, e.msg);
		rc = e.code == ERR_INPUT ? 6 : 1;
	} else {
		list(stdout, t.p, &d);
		if (store)
			printf("meta [%zu,%zu) version %ld slots %zu mac %s\n", d.meta_start,
			       d.meta_end, d.version, d.n_slots, d.mac);
	}
	splice_doc_free(&d);
	buf_free(&t);
	return rc;
}

static int cmd_get(const char *file, const char *ps)
{
	struct buf t = { 0 };
	struct splice_doc d = { 0 };
	struct path p = { 0 };
	struct secmem v = { 0 };
	struct err e;
	size_t node;
	int rc = 1;

	if (read_file(file, &t))
		return 1;
	if (splice_scan_plain(t.p, t.len, &d, &e) || path_parse(ps, strlen(ps), &p, &e)) {
		fprintf(stderr, "%s: %s\n", prog, e.msg);
		rc = e.code;
		goto out;
	}
	node = splice_lookup(&d, &p);
	if (node == SPLICE_NONE) {
		fprintf(stderr, "%s: %s: no such path\n", prog, ps);
		rc = 3;
		goto out;
	}
	{
		size_t item = d.nodes[node].item;
		const struct splice_item *it = item == SPLICE_NONE ? NULL : &d.items[item];

		if (splice_value(t.p, t.len, &d, node,
				 it ? (const unsigned char *)t.p + it->start : NULL,
				 it ? it->end - it->start : 0, &v, &e)) {
			fprintf(stderr, "%s: %s\n", prog, e.msg);
			rc = e.code;
			goto out;
		}
	}
	if (v.len)
		fwrite(v.p, 1, v.len, stdout);
	rc = 0;
out:
	secmem_free(&v);
	path_free(&p);
	splice_doc_free(&d);
	buf_free(&t);
	return rc;
}

/* ---- classify: libyaml alone, independent of the splice module ---- */

struct ckey {
	char *k;
	size_t n;
	int depth;
};

static int cmd_classify(const char *file)
{
	struct buf t = { 0 };
	yaml_parser_t yp;
	yaml_event_t ev;
	/* per depth: 1 mapping expecting a key, 2 mapping expecting a value, 0 sequence */
	int st[256], depth = 0, docs = 0, tagbang = 0, done = 0;
	struct ckey *keys = NULL;
	size_t nkeys = 0, i;
	char **anchors = NULL;
	int *anchor_key = NULL; /* 1: the anchor is on a mapping key */
	size_t nanch = 0;
	int keyalias = 0;
	const char *why = NULL;

	if (read_file(file, &t))
		return 1;
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (unsigned char *)t.p, t.len);
	while (!done && !why) {
		int iskey = 0, t_;

		if (!yaml_parser_parse(&yp, &ev)) {
			why = "libyaml error";
			break;
		}
		t_ = ev.type;
		if (depth > 0 && st[depth - 1] == 1 &&
		    (t_ == YAML_SCALAR_EVENT || t_ == YAML_ALIAS_EVENT ||
		     t_ == YAML_MAPPING_START_EVENT || t_ == YAML_SEQUENCE_START_EVENT))
			iskey = 1;
		switch (t_) {
		case YAML_DOCUMENT_START_EVENT: {
			yaml_tag_directive_t *td;

			if (++docs > 1)
				why = "several documents";
			for (td = ev.data.document_start.tag_directives.start;
			     td != ev.data.document_start.tag_directives.end; td++)
				if (strcmp((char *)td->handle, "!") == 0)
					tagbang = 1;
			break;
		}
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (iskey) {
				why = "a non-scalar key";
				break;
			}
			if (depth == 0 && (t_ != YAML_MAPPING_START_EVENT ||
					   ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE)) {
				why = "top level is not a block mapping";
				break;
			}
			if (depth > 0 && st[depth - 1] == 2)
				st[depth - 1] = 1;
			if (depth == 255) {
				why = "too deep";
				break;
			}
			st[depth++] = t_ == YAML_MAPPING_START_EVENT ? 1 : 0;
			{
				yaml_char_t *a = t_ == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor
										 : ev.data.sequence_start.anchor;
				if (a) {
					anchors = realloc(anchors, (nanch + 1) * sizeof *anchors);
					anchor_key = realloc(anchor_key, (nanch + 1) * sizeof *anchor_key);
					anchor_key[nanch] = 0;
					anchors[nanch++] = strdup((char *)a);
				}
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			/* forget the keys of the mapping that ends */
			while (nkeys && keys[nkeys - 1].depth == depth)
				free(keys[--nkeys].k);
			depth--;
			break;
		case YAML_ALIAS_EVENT: {
			int found = 0, of_key = 0;

			for (i = 0; i < nanch; i++)
				if (strcmp(anchors[i], (char *)ev.data.alias.anchor) == 0) {
					found = 1;
					of_key = anchor_key[i]; /* the last definition counts */
				}
			if (!found)
				why = "undefined alias";
			else if (iskey)
				why = "an alias key";
			if (found && !iskey && of_key)
				keyalias = 1;
			else if (depth > 0 && st[depth - 1] == 2)
				st[depth - 1] = 1;
			break;
		}
		case YAML_SCALAR_EVENT:
			if (depth == 0) {
				why = "top level is not a block mapping";
				break;
			}
			if (ev.data.scalar.anchor) {
				anchors = realloc(anchors, (nanch + 1) * sizeof *anchors);
				anchor_key = realloc(anchor_key, (nanch + 1) * sizeof *anchor_key);
				anchor_key[nanch] = iskey;
				anchors[nanch++] = strdup((char *)ev.data.scalar.anchor);
			}
			if (iskey) {
				for (i = 0; i < nkeys; i++)
					if (keys[i].depth == depth && keys[i].n == ev.data.scalar.length &&
					    memcmp(keys[i].k, ev.data.scalar.value, keys[i].n) == 0)
						why = "duplicate key";
				if (depth == 1 && strcmp((char *)ev.data.scalar.value, "secretctl") == 0)
					why = "reserved key";
				keys = realloc(keys, (nkeys + 1) * sizeof *keys);
				keys[nkeys].k = malloc(ev.data.scalar.length + 1);
				memcpy(keys[nkeys].k, ev.data.scalar.value, ev.data.scalar.length + 1);
				keys[nkeys].n = ev.data.scalar.length;
				keys[nkeys].depth = depth;
				nkeys++;
				st[depth - 1] = 2;
			} else if (st[depth - 1] == 2) {
				st[depth - 1] = 1;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (!why && docs == 0)
		why = "no document";
	yaml_parser_delete(&yp);
	for (i = 0; i < nkeys; i++)
		free(keys[i].k);
	free(keys);
	for (i = 0; i < nanch; i++)
		free(anchors[i]);
	free(anchors);
	free(anchor_key);
	buf_free(&t);
	if (why) {
		printf("other: %s\n", why);
		return 1;
	}
	puts(tagbang ? "tagbang" : keyalias ? "keyalias" : "mapping");
	return 0;
}

int main(int argc, char **argv)
{
	if (secmem_init()) {
		fprintf(stderr, "%s: libsodium init failed\n", prog);
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "roundtrip") == 0)
		return cmd_roundtrip(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "fake") == 0)
		return cmd_roundtrip(argv[2], 1);
	if (argc == 3 && strcmp(argv[1], "regions") == 0)
		return cmd_list(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "store") == 0)
		return cmd_list(argv[2], 1);
	if (argc == 4 && strcmp(argv[1], "get") == 0)
		return cmd_get(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "classify") == 0)
		return cmd_classify(argv[2]);
	fprintf(stderr, "usage: %s roundtrip|fake|regions|store|get|classify FILE [PATH]\n", prog);
	return 2;
}
