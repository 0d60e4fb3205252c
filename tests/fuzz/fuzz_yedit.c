/* libFuzzer harness for yedit.
 * 1. The renderer: the input is a value; rendered under a key (block, at
 *    columns 0, 2 and 4, as a sequence item, CRLF) and inside flow
 *    collections, it must parse with libyaml and read back (!!binary
 *    decoded) as exactly the same bytes, and the entry after it must be
 *    intact. Any mismatch aborts.
 * 2. The editor: the input split at its first NUL is a document and a
 *    value; set and unset at a few paths must not crash, and a successful
 *    set must read back (yedit checks that itself; a failure of that check
 *    is ERR_FAIL, which aborts here).
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_yedit.c src/yedit.c src/yedit_render.c src/splice.c \
 *     src/splice_value.c src/utf8.c src/path.c src/err.c src/secmem.c src/buf.c \
 *     $(pkg-config --cflags --libs yaml-0.1 libsodium) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#include "secretctl/yedit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *pre, *post;
	size_t indent;
	unsigned flags;
	int depth; /* the value's depth in the document: 1 = "k: " */
	int seq;   /* the value is item 0 of a sequence, the sentinel item 1 */
} ctxs[] = {
	{ "k: ", "z: end\n", 0, 0, 1, 0 },
	{ "p:\n  k: ", "  z: end\n", 2, 0, 2, 0 },
	{ "p:\n  q:\n    k: ", "    z: end\n", 4, 0, 3, 0 },
	{ "s:\n  - ", "  - end\n", 2, 0, 2, 1 },
	{ "p:\r\n  k: ", "  z: end\r\n", 2, YEDIT_CRLF, 2, 0 },
	{ "f: {k: ", ", z: end}\n", 0, YEDIT_FLOW, 2, 0 },
	{ "f: [", ", end]\n", 0, YEDIT_FLOW, 2, 1 },
};

/* The bytes of a scalar event (!!binary decoded) into out; -1 if bad. */
static int scalar_bytes(const yaml_event_t *ev, struct secmem *out)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t bl;

	secmem_clear(out);
	if (!tag || strcmp(tag, "tag:yaml.org,2002:binary"))
		return secmem_append(out, ev->data.scalar.value, ev->data.scalar.length);
	if (secmem_reserve(out, ev->data.scalar.length + 1) ||
	    sodium_base642bin(out->p, out->cap, (const char *)ev->data.scalar.value,
			      ev->data.scalar.length, " \t\r\n", &bl, NULL,
			      sodium_base64_VARIANT_ORIGINAL))
		return -1;
	out->len = bl;
	return 0;
}

/* Parse doc; the value is the scalar at depth c->depth right after key
 * "k" (or the first item), the sentinel the next one. */
static void check(const struct secmem *doc, int ci, const uint8_t *v, size_t n)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	struct secmem got = { 0 };
	int depth = 0, done = 0, found = 0, sentinel = 0, nth = 0, after_k = 0;

	if (!yaml_parser_initialize(&ps))
		abort();
	yaml_parser_set_input_string(&ps, doc->p, doc->len);
	while (!done) {
		if (!yaml_parser_parse(&ps, &ev))
			abort(); /* the rendered text does not parse */
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			depth++;
			nth = 0;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			if (depth == ctxs[ci].depth) {
				int is_val = ctxs[ci].seq ? 1 : nth % 2 == 1;

				if (!ctxs[ci].seq && !is_val)
					after_k = ev.data.scalar.length == 1 &&
						  ev.data.scalar.value[0] == 'k';
				if (is_val && !found && (ctxs[ci].seq || after_k)) {
					if (scalar_bytes(&ev, &got) || got.len != n ||
					    (n && memcmp(got.p, v, n)))
						abort(); /* does not read back */
					found = 1;
				} else if (is_val && found && !sentinel) {
					if (ev.data.scalar.length != 3 ||
					    memcmp(ev.data.scalar.value, "end", 3))
						abort(); /* the next entry changed */
					sentinel = 1;
				}
				nth++;
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
	yaml_parser_delete(&ps);
	secmem_free(&got);
	if (!found || !sentinel)
		abort();
}

static void fuzz_render(const uint8_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof ctxs / sizeof ctxs[0]; i++) {
		struct secmem doc = { 0 }, r = { 0 };
		struct err e;
		const char *eol = (ctxs[i].flags & YEDIT_CRLF) ? "\r\n" : "\n";
		int block;

		if (yedit_render_scalar(v, n, ctxs[i].indent, ctxs[i].flags, &r, &e))
			abort();
		block = r.len && r.p[r.len - 1] == '\n';
		if (secmem_append(&doc, ctxs[i].pre, strlen(ctxs[i].pre)) ||
		    secmem_append(&doc, r.p, r.len) ||
		    (!block && !(ctxs[i].flags & YEDIT_FLOW) && secmem_append(&doc, eol, strlen(eol))) ||
		    secmem_append(&doc, ctxs[i].post, strlen(ctxs[i].post)))
			abort();
		check(&doc, (int)i, v, n);
		secmem_free(&doc);
		secmem_free(&r);
	}
}

/* A refusal because the result would not parse is expected only around
 * tabs (libyaml reads tab-indented blank lines only inside some scalars). */
static int bad_layout(const uint8_t *doc, size_t n, struct err *e)
{
	int r = e->code == ERR_INPUT && e->sub == YEDIT_E_LAYOUT && !memchr(doc, '\t', n);

	e->code = 0;
	e->sub = 0;
	return r;
}

static void fuzz_edit(const uint8_t *data, size_t size)
{
	static const char *paths[][3] = {
		{ "a", NULL, NULL }, { "a", "b", NULL }, { "a", "0", NULL }, { "x", "y", "z" },
		{ "k", NULL, NULL }, { "s", "1", NULL },
	};
	const uint8_t *nul = memchr(data, 0, size);
	size_t dlen = nul ? (size_t)(nul - data) : size, i, j;
	const uint8_t *v = nul ? nul + 1 : data;
	size_t vlen = nul ? size - dlen - 1 : 0;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct path p = { 0 };
		struct secmem out = { 0 };
		struct err e = { 0 };

		for (j = 0; j < 3 && paths[i][j]; j++)
			if (path_push(&p, paths[i][j], strlen(paths[i][j])))
				abort();
		if (yedit_set((const char *)data, dlen, &p, v, vlen, &out, &e) == ERR_FAIL ||
		    bad_layout(data, dlen, &e))
			abort(); /* does not read back (or out of memory) */
		secmem_free(&out);
		if (yedit_unset((const char *)data, dlen, &p, &out, &e) == ERR_FAIL ||
		    bad_layout(data, dlen, &e))
			abort();
		secmem_free(&out);
		path_free(&p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		if (secmem_init())
			abort();
		init = 1;
	}
	if (size > 4096)
		return 0;
	fuzz_render(data, size);
	fuzz_edit(data, size);
	return 0;
}
