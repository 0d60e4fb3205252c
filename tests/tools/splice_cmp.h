/* splice_fast_doc_cmp, for the tests that hold the two store scanners
 * against each other (test_splice_fast, fuzz_splice_fast, fastscan): 0
 * when a and b agree on every field the scanners fill (items, nodes with
 * keys (so paths), slots, mac, meta_start/meta_end, meta_at,
 * final_newline, version, indent, eol, prolog_end; not the capacities),
 * else 1 with the first difference described in why[0, why_len). Not in
 * the library: secretctl itself never compares two docs. */
#ifndef SECRETCTL_TESTS_SPLICE_CMP_H
#define SECRETCTL_TESTS_SPLICE_CMP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "secretctl/splice.h"

__attribute__((format(printf, 3, 4))) static int cmp_differ(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return 1;
}

static int cmp_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int splice_fast_doc_cmp(const struct splice_doc *a, const struct splice_doc *b, char *why,
			       size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	if (a->n_items != b->n_items)
		return cmp_differ(why, why_len, "n_items %zu != %zu", a->n_items, b->n_items);
	if (a->n_nodes != b->n_nodes)
		return cmp_differ(why, why_len, "n_nodes %zu != %zu", a->n_nodes, b->n_nodes);
	for (size_t i = 0; i < a->n_items; i++) {
		const struct splice_item *x = &a->items[i], *y = &b->items[i];

#define F(f)                                                                                   \
	if (x->f != y->f)                                                                      \
		return cmp_differ(why, why_len, "item %zu (line %u): " #f " %zu != %zu", i, y->line, \
			      (size_t)x->f, (size_t)y->f)
		F(kind);
		F(start);
		F(end);
		F(anchor_start);
		F(anchor_len);
		F(b64_start);
		F(b64_len);
		F(eol);
		F(node);
		F(line);
		F(col);
#undef F
	}
	for (size_t i = 0; i < a->n_nodes; i++) {
		const struct splice_node *x = &a->nodes[i], *y = &b->nodes[i];

#define F(f)                                                                                   \
	if (x->f != y->f)                                                                      \
		return cmp_differ(why, why_len, "node %zu (line %u): " #f " %zu != %zu", i, y->line, \
			      (size_t)x->f, (size_t)y->f)
		F(type);
		F(parent);
		F(first_child);
		F(next_sibling);
		F(key_len);
		F(item);
		F(target);
		F(n_children);
		F(index);
		F(flow);
		F(indent);
		F(is_key);
		F(line);
		F(col);
#undef F
		if ((!x->key) != (!y->key) || (x->key && memcmp(x->key, y->key, x->key_len) != 0))
			return cmp_differ(why, why_len, "node %zu: key", i);
	}
	if (a->meta_at != b->meta_at || a->final_newline != b->final_newline ||
	    a->meta_start != b->meta_start || a->meta_end != b->meta_end ||
	    a->version != b->version || a->indent != b->indent || a->prolog_end != b->prolog_end)
		return cmp_differ(why, why_len,
			      "doc: meta_at %zu/%zu final_newline %d/%d meta %zu-%zu/%zu-%zu "
			      "version %ld/%ld indent %zu/%zu prolog_end %zu/%zu",
			      a->meta_at, b->meta_at, a->final_newline, b->final_newline, a->meta_start,
			      a->meta_end, b->meta_start, b->meta_end, a->version, b->version,
			      a->indent, b->indent, a->prolog_end, b->prolog_end);
	if (!cmp_str_eq(a->eol, b->eol))
		return cmp_differ(why, why_len, "eol");
	if (!cmp_str_eq(a->mac, b->mac) || a->mac_start != b->mac_start || a->mac_end != b->mac_end)
		return cmp_differ(why, why_len, "mac");
	if (a->n_slots != b->n_slots)
		return cmp_differ(why, why_len, "n_slots %zu != %zu", a->n_slots, b->n_slots);
	for (size_t i = 0; i < a->n_slots; i++) {
		const struct keyslot *x = &a->slots[i], *y = &b->slots[i];

		if (!cmp_str_eq(x->recipient, y->recipient) || x->scrypt != y->scrypt ||
		    !cmp_str_eq(x->data_key, y->data_key) || x->line != y->line || x->col != y->col)
			return cmp_differ(why, why_len, "slot %zu (line %u/%u col %u/%u)", i, x->line,
				      y->line, x->col, y->col);
	}
	return 0;
}

#endif
