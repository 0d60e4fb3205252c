/* libFuzzer harness for `secretctl set` end to end: the value goes through
 * yedit_set (which renders it with yedit_render_scalar), is read back by
 * the store's own readers, and survives encryption.
 *
 * Input: byte 0 picks one of the places below (a document and a PATH:
 * block, nested, flow mapping and sequence, literal block, sequence item,
 * new keys, an anchored value with an alias, CRLF, no final line break,
 * 4-column indentation); the rest is the value (any bytes).
 *
 * Checks (any mismatch aborts): yedit_set succeeds (every value can be
 * set on a scalar); in the new plaintext view, read with the plaintext
 * scanner and splice_value (what extract uses; not libyaml's events, which
 * fuzz_yedit compares against), the value at PATH is the value byte for
 * byte, an alias of it reads the same, and the other values read as
 * before; store_encrypt of the view gives a store that store_load reads
 * (the line scanner or libyaml), whose store_value at PATH is the value
 * (render, then parse: the same bytes) and which decrypts to exactly the
 * view. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "secretctl/store.h"
#include "secretctl/yedit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char d_block[] = "# head comment\n"
			      "a: old\n"
			      "b:\n"
			      "  c: old   # trailing\n"
			      "  d: [x, y]\n"
			      "  e: {f: g, h: i}\n"
			      "  lit: |\n"
			      "    line one\n"
			      "    line two\n"
			      "s:\n"
			      "  - one\n"
			      "  - two\n"
			      "z: end\n";
static const char d_crlf[] = "a: old\r\n"
			     "b:\r\n"
			     "  c: old\r\n"
			     "  lit: |\r\n"
			     "    line one\r\n"
			     "s:\r\n"
			     "  - one\r\n"
			     "z: end\r\n";
static const char d_nonl[] = "b:\n  e: {f: g, h: i}\nz: end";
static const char d_alias[] = "x: &a old\ny: *a\nw:\n  - &b old\n  - *b\n  - last\n";
static const char d_deep[] = "top:\n    k: old\n    list:\n    - name: n\n      v: old\n    - tail\n";

static const struct place {
	const char *doc;
	const char *path;  /* '/'-separated, unescaped */
	const char *alias; /* a PATH that must read the same value, or NULL */
} places[] = {
	{ d_block, "a", NULL },
	{ d_block, "b/c", NULL },
	{ d_block, "b/d/0", NULL },
	{ d_block, "b/d/2", NULL }, /* appended to a flow sequence */
	{ d_block, "b/e/f", NULL },
	{ d_block, "b/e/new", NULL }, /* appended to a flow mapping */
	{ d_block, "b/lit", NULL },
	{ d_block, "s/1", NULL },
	{ d_block, "s/2", NULL }, /* appended to a block sequence */
	{ d_block, "new", NULL },
	{ d_block, "b/new/deep", NULL },
	{ d_block, "z", NULL },
	{ d_crlf, "b/c", NULL },
	{ d_crlf, "b/lit", NULL },
	{ d_crlf, "s/0", NULL },
	{ d_crlf, "z", NULL },
	{ d_nonl, "z", NULL },
	{ d_nonl, "b/e/h", NULL },
	{ d_alias, "x", "y" },
	{ d_alias, "w/0", "w/1" },
	{ d_deep, "top/k", NULL },
	{ d_deep, "top/list/0/v", NULL },
	{ d_deep, "top/list/1", NULL },
};
#define N_PLACES (sizeof places / sizeof places[0])

/* The values of a document that are not set: each must read as before. */
static const char *const witnesses[] = {
	"a", "b/c", "b/d/0", "b/d/1", "b/e/f", "b/e/h", "b/lit", "s/0", "s/1", "z",
	"x", "w/2", "top/k", "top/list/0/name", "top/list/0/v", "top/list/1",
};
#define N_WIT (sizeof witnesses / sizeof witnesses[0])

static void mkpath(const char *s, struct path *p)
{
	while (*s) {
		size_t n = strcspn(s, "/");

		if (path_push(p, s, n))
			abort();
		s += n + (s[n] == '/');
	}
}

/* The value at PATH in a plaintext view as extract reads it; -1 when there
 * is no scalar there. */
static int plain_value(const char *text, size_t len, const struct splice_doc *d, const char *ps,
		       struct secmem *out)
{
	struct path p = { 0 };
	struct err e;
	size_t node;
	int rc;

	mkpath(ps, &p);
	node = splice_lookup(d, &p);
	path_free(&p);
	secmem_clear(out);
	if (node == SPLICE_NONE || d->nodes[node].type != SPLICE_SCALAR)
		return -1;
	if (d->nodes[node].item == SPLICE_NONE) {
		rc = splice_value(text, len, d, node, NULL, 0, out, &e);
	} else {
		const struct splice_item *it = &d->items[d->nodes[node].item];

		rc = splice_value(text, len, d, node, (const unsigned char *)text + it->start,
				  it->end - it->start, out, &e);
	}
	if (rc)
		abort(); /* a value of these documents always reads */
	return 0;
}

static int same(const struct secmem *a, const void *b, size_t n)
{
	return a->len == n && (n == 0 || memcmp(a->p, b, n) == 0);
}

/* base[i][w]: the witnesses' values in the unedited documents */
static struct secmem base[N_PLACES][N_WIT];
static int has_base[N_PLACES][N_WIT];

static void check_view(size_t pi, const char *text, size_t len, const uint8_t *v, size_t n)
{
	const struct place *pl = &places[pi];
	struct splice_doc d = { 0 };
	struct secmem got = { 0 };
	struct err e;
	size_t w;

	if (splice_scan_plain(text, len, &d, &e))
		abort(); /* the edited view is not a valid plaintext view */
	if (plain_value(text, len, &d, pl->path, &got) || !same(&got, v, n))
		abort(); /* render, then parse: not the same bytes */
	if (pl->alias && (plain_value(text, len, &d, pl->alias, &got) || !same(&got, v, n)))
		abort(); /* the alias does not follow */
	for (w = 0; w < N_WIT; w++) {
		if (!has_base[pi][w] || !strcmp(witnesses[w], pl->path) ||
		    (pl->alias && !strcmp(witnesses[w], pl->alias)))
			continue;
		if (plain_value(text, len, &d, witnesses[w], &got) ||
		    !same(&got, base[pi][w].p, base[pi][w].len))
			abort(); /* another value changed */
	}
	secmem_free(&got);
	splice_doc_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct store s;
	static int fd = -1;
	static char fpath[64];
	const struct place *pl;
	const uint8_t *v;
	struct path p = { 0 };
	struct secmem view = { 0 }, got = { 0 }, plain = { 0 };
	struct buf text = { 0 };
	struct store s2;
	struct err e;
	size_t pi, n, node;

	if (fd < 0) {
		if (secmem_init() || store_new("fuzz-set.yaml", &s, &e) ||
		    store_add_recipient(&s,
					"age1ec63aq35djeqymp8n72tw8gkg6p0pyndvd7yqz6r8pvskcazeccqqyktaq",
					&e))
			abort();
		fd = memfd_create("fuzz-set", MFD_CLOEXEC);
		if (fd < 0) {
			char tmpl[] = "/tmp/fuzz-set.XXXXXX";

			if ((fd = mkstemp(tmpl)) < 0)
				abort();
			snprintf(fpath, sizeof fpath, "%s", tmpl);
		} else {
			snprintf(fpath, sizeof fpath, "/proc/self/fd/%d", fd);
		}
		for (pi = 0; pi < N_PLACES; pi++) {
			struct splice_doc d = { 0 };
			const char *t = places[pi].doc;

			if (splice_scan_plain(t, strlen(t), &d, &e))
				abort();
			for (size_t w = 0; w < N_WIT; w++)
				has_base[pi][w] = !plain_value(t, strlen(t), &d, witnesses[w], &base[pi][w]);
			splice_doc_free(&d);
		}
	}
	if (size < 1 || size > 8192)
		return 0;
	pi = data[0] % N_PLACES;
	pl = &places[pi];
	v = data + 1;
	n = size - 1;

	mkpath(pl->path, &p);
	if (yedit_set(pl->doc, strlen(pl->doc), &p, v, n, &view, &e))
		abort(); /* a value that cannot be set on a scalar */
	check_view(pi, (const char *)view.p, view.len, v, n);

	/* as a store: encrypt, load (as extract does), read the value, decrypt */
	if (store_encrypt(&s, (const char *)view.p, view.len, &text, &e))
		abort();
	if (ftruncate(fd, 0) || pwrite(fd, text.p, text.len, 0) != (ssize_t)text.len)
		abort();
	if (store_load(fpath, NULL, &s2, &e))
		abort(); /* the store written does not load */
	if (!(s2.data_key = secmem_alloc(STORE_KEY_LEN)))
		abort();
	memcpy(s2.data_key, s.data_key, STORE_KEY_LEN);
	node = splice_lookup(&s2.doc, &p);
	if (node == SPLICE_NONE || store_value(&s2, &(struct store_ref){ .node = node }, &got, &e) ||
	    !same(&got, v, n))
		abort(); /* extract does not give the value back */
	if (store_decrypt(&s2, &plain, NULL, &e) || !same(&plain, view.p, view.len))
		abort(); /* the store does not decrypt to the view */
	store_free(&s2);
	secmem_free(&view);
	secmem_free(&got);
	secmem_free(&plain);
	buf_free(&text);
	path_free(&p);
	return 0;
}
