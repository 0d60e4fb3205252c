/* splice: walking the node tree, and a value re-parsed in its context
 * (docs/FORMAT.md, 7.1 and 7.2). */
#include "secretctl/splice.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#define TAG_BINARY "tag:yaml.org,2002:binary"

size_t splice_resolve(const struct splice_doc *d, size_t node)
{
	if (node < d->n_nodes && d->nodes[node].type == SPLICE_ALIAS)
		return d->nodes[node].target;
	return node;
}

size_t splice_child(const struct splice_doc *d, size_t node, const struct path_seg *seg)
{
	const struct splice_node *n = &d->nodes[node];
	size_t c = n->first_child, idx;

	if (n->type == SPLICE_MAPPING) {
		while (c != SPLICE_NONE && (d->nodes[c].key_len != seg->len ||
					    memcmp(d->nodes[c].key, seg->s, seg->len) != 0))
			c = d->nodes[c].next_sibling;
		return c;
	}
	if (n->type != SPLICE_SEQUENCE || !path_seg_index(seg, &idx) || idx >= n->n_children)
		return SPLICE_NONE;
	while (c != SPLICE_NONE && d->nodes[c].index != idx)
		c = d->nodes[c].next_sibling;
	return c;
}

size_t splice_lookup(const struct splice_doc *d, const struct path *p)
{
	size_t node = 0, i;

	if (!d->n_nodes)
		return SPLICE_NONE;
	for (i = 0; i < p->n; i++) {
		node = splice_resolve(d, node);
		if (node >= d->n_nodes)
			return SPLICE_NONE;
		node = splice_child(d, node, &p->v[i]);
		if (node == SPLICE_NONE)
			return SPLICE_NONE;
	}
	return splice_resolve(d, node);
}

int splice_node_path(const struct splice_doc *d, size_t node, struct buf *out)
{
	size_t depth = 0, n, k;

	if (buf_append(out, "", 0))
		return -1;
	for (n = node; n < d->n_nodes && d->nodes[n].parent != SPLICE_NONE; n = d->nodes[n].parent)
		depth++;
	/* segments from the root down; paths are short, so climbing again for
	 * each depth is fine */
	for (k = depth; k > 0; k--) {
		const struct splice_node *x;
		size_t up = k - 1;

		n = node;
		while (up--)
			n = d->nodes[n].parent;
		x = &d->nodes[n];
		if (k != depth && buf_putc(out, '/'))
			return -1;
		if (d->nodes[x->parent].type == SPLICE_MAPPING) {
			if (path_format_seg(x->key, x->key_len, out))
				return -1;
		} else if (buf_printf(out, "%zu", x->index)) {
			return -1;
		}
	}
	return 0;
}

/* A segment of x (a node with a parent): its key, or its index in decimal
 * (num: room for it). */
static const char *seg_of(const struct splice_doc *d, const struct splice_node *x, char num[24],
			  size_t *len)
{
	size_t i = 24, v = x->index;

	if (d->nodes[x->parent].type == SPLICE_MAPPING) {
		*len = x->key_len;
		return x->key;
	}
	do
		num[--i] = (char)('0' + v % 10);
	while (v /= 10);
	*len = 24 - i;
	return num + i;
}

int splice_node_canonical(const struct splice_doc *d, size_t node, struct buf *out)
{
	size_t len = 0, at, n;
	char num[24];

	if (buf_append(out, "", 0))
		return -1;
	for (n = node; n < d->n_nodes && d->nodes[n].parent != SPLICE_NONE; n = d->nodes[n].parent) {
		size_t l;

		seg_of(d, &d->nodes[n], num, &l);
		len += 4 + l;
	}
	if (buf_reserve(out, out->len + len))
		return -1;
	/* written from the last segment back to the first */
	at = out->len + len;
	for (n = node; n < d->n_nodes && d->nodes[n].parent != SPLICE_NONE; n = d->nodes[n].parent) {
		size_t l;
		const char *sg = seg_of(d, &d->nodes[n], num, &l);
		unsigned char *b;

		at -= l;
		if (l)
			memcpy(out->p + at, sg, l);
		at -= 4;
		b = (unsigned char *)out->p + at;
		b[0] = (unsigned char)(l >> 24);
		b[1] = (unsigned char)(l >> 16);
		b[2] = (unsigned char)(l >> 8);
		b[3] = (unsigned char)l;
	}
	out->len += len;
	out->p[out->len] = '\0';
	return 0;
}

static int pad(struct secmem *m, unsigned n)
{
	while (n--)
		if (secmem_append(m, " ", 1))
			return -1;
	return 0;
}

/* Wipe what libyaml copied of the input before it frees it. With UTF-8
 * input, neither buffer holds a byte past the input's length (plus its
 * end padding) from its start, compacted or not; the rest of their 16 and
 * 48 KiB was never written. */
static void wipe_prefix(unsigned char *start, unsigned char *end, size_t input_len)
{
	size_t n = (size_t)(end - start);

	if (start)
		sodium_memzero(start, n < input_len + 64 ? n : input_len + 64);
}

static void parser_wipe(yaml_parser_t *p, size_t input_len)
{
	wipe_prefix(p->raw_buffer.start, p->raw_buffer.end, input_len);
	wipe_prefix(p->buffer.start, p->buffer.end, input_len);
}

static int alnum_(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does the region hold a plain scalar whose value is its own text? Only
 * letters, digits and "_/.+=-", not starting with one of "./+=-" (so no
 * indicator, tag, anchor, quote, blank, comment, line break or flow
 * character can be in it): the common password, token or base64 value,
 * given without a parser. Anything else goes through libyaml. */
static int plain_as_is(const unsigned char *r, size_t n)
{
	if (!n || !alnum_(r[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!alnum_(r[i]) && r[i] != '/' && r[i] != '.' && r[i] != '+' && r[i] != '=' &&
		    r[i] != '-')
			return 0;
	return 1;
}

int splice_binary_decode(const char *v, size_t n, struct secmem *out, struct err *e)
{
	size_t cap = n / 4 * 3 + 3, bl;
	const char *end;

	if (secmem_reserve(out, out->len + cap))
		return err_oom(e);
	if (sodium_base642bin(out->p + out->len, cap, v, n, " \t\r\n", &bl, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != v + n)
		return err_set(e, ERR_INPUT, "malformed !!binary value (bad base64)");
	out->len += bl;
	out->p[out->len] = 0;
	return 0;
}

/* A scalar event's value into out; !!binary decoded. */
static int take(const yaml_event_t *ev, struct secmem *out, struct err *e)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (!ev->data.scalar.tag || strcmp((const char *)ev->data.scalar.tag, TAG_BINARY) != 0)
		return secmem_append(out, v, ev->data.scalar.length) ? err_oom(e) : 0;
	return splice_binary_decode(v, ev->data.scalar.length, out, e);
}

int splice_value(const char *text, size_t len, const struct splice_doc *d, size_t node,
		 const unsigned char *region, size_t region_len, struct secmem *out,
		 struct err *e)
{
	const struct splice_node *n, *par, *blk;
	struct secmem doc = { 0 };
	yaml_parser_t yp;
	yaml_event_t ev;
	int rc = 0, want_end;
	size_t n_scalar = 0, want_scalar, n_coll = 0, max_coll;
	unsigned indent;

	node = splice_resolve(d, node);
	if (node >= d->n_nodes)
		return err_set(e, ERR_FAIL, "splice: no such node");
	n = &d->nodes[node];
	if (n->type != SPLICE_SCALAR)
		return err_set(e, ERR_INPUT, "not a scalar (a %s)",
			       n->type == SPLICE_MAPPING ? "mapping" : "sequence");
	if (n->is_key)
		return secmem_append(out, n->key, n->key_len) ? err_oom(e) : 0;
	if (n->item == SPLICE_NONE || n->parent == SPLICE_NONE)
		return 0; /* an implicit null */
	if (plain_as_is(region, region_len))
		return secmem_append(out, region, region_len) ? err_oom(e) : 0;
	par = &d->nodes[n->parent];
	for (blk = par; blk->flow && blk->parent != SPLICE_NONE; blk = &d->nodes[blk->parent])
		;
	indent = blk->indent;
	/* The region in a minimal document with the same indentation level:
	 * "|2" counts from it, and folded lines must stay inside it. */
	if ((d->prolog_end && d->prolog_end <= len &&
	     (secmem_append(&doc, text, d->prolog_end) || secmem_append(&doc, "\n", 1))) ||
	    pad(&doc, indent))
		goto oom;
	if (par->flow) {
		if (secmem_append(&doc, "k: [", 4))
			goto oom;
		want_end = YAML_SEQUENCE_END_EVENT;
	} else if (par->type == SPLICE_MAPPING) {
		if (secmem_append(&doc, "k:", 2))
			goto oom;
		want_end = YAML_MAPPING_END_EVENT;
	} else {
		if (secmem_append(&doc, "-", 1))
			goto oom;
		want_end = YAML_SEQUENCE_END_EVENT;
	}
	/* nothing after the region: a line break would change a block
	 * scalar that ends the text without one. In a flow sequence, ", ]"
	 * (an allowed trailing comma): "!" and "-" need a "," after them to
	 * read as in the store, and no flow scalar's value changes with it. */
	if (secmem_append(&doc, region, region_len) || (par->flow && secmem_append(&doc, ", ]", 3)))
		goto oom;

	if (!yaml_parser_initialize(&yp))
		goto oom;
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&yp, doc.p, doc.len);
	/* events: [MAP-START "k"] | SEQ-START, then for flow SEQ-START, then the value */
	want_scalar = par->type == SPLICE_SEQUENCE && !par->flow ? 1 : 2;
	max_coll = par->flow ? 2 : 1;
	for (;;) {
		int t;

		if (!yaml_parser_parse(&yp, &ev)) {
			rc = err_set(e, ERR_INPUT, "malformed value: %s",
				     yp.problem ? yp.problem : "invalid YAML");
			break;
		}
		t = ev.type;
		if (t == YAML_SCALAR_EVENT) {
			if (++n_scalar == want_scalar)
				rc = take(&ev, out, e);
			else if (n_scalar > want_scalar)
				rc = err_set(e, ERR_INPUT, "malformed value: more than one node");
			sodium_memzero(ev.data.scalar.value, ev.data.scalar.length);
		} else if (t == YAML_ALIAS_EVENT ||
			   ((t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) &&
			    ++n_coll > max_coll)) {
			rc = err_set(e, ERR_INPUT, "malformed value: not a scalar");
		} else if ((t == want_end || t == YAML_STREAM_END_EVENT) && n_scalar != want_scalar) {
			rc = err_set(e, ERR_INPUT, "malformed value: no scalar");
		}
		yaml_event_delete(&ev);
		if (rc || t == YAML_STREAM_END_EVENT || t == want_end)
			break;
	}
	parser_wipe(&yp, doc.len);
	yaml_parser_delete(&yp);
	secmem_free(&doc);
	return rc;
oom:
	secmem_free(&doc);
	return err_oom(e);
}
