/* libFuzzer harness for store loading and opening: the input is a store
 * file. store_load (src/store.c: the line scanner, else libyaml; tokens,
 * key slots, metadata) reads it from a file (a memfd reached through
 * /proc/self/fd/N). When it loads, store_unlock opens a key slot with one
 * fixed identity, the demo's (examples/demo/identity.txt, passed as -i
 * FILE) and checks the whole store's MAC; store_decrypt checks every
 * token: the seed stores are encrypted to that identity, so mutations of
 * them reach the crypto. Almost every mutation fails the MAC, so each
 * input runs a second time with a MAC recomputed in the harness from
 * docs/FORMAT.md (fuzz_remac in fuzz_demo.h), as a key holder could write
 * it: the code after the MAC check sees mutated text too.
 * No other key source is reachable: no keyring (no session bus), no
 * identity files under $HOME, and no terminal (tty_available is replaced
 * at link time), so a passphrase slot is never opened.
 *
 * Checks (any mismatch aborts):
 *  - each step fails only with its documented codes (load: ERR_INPUT;
 *    unlock: ERR_NOKEY, ERR_INTEGRITY, ERR_INPUT; decrypt: ERR_INTEGRITY,
 *    ERR_INPUT), never ERR_FAIL (internal), and a failed decrypt gives no
 *    plaintext;
 *  - a store that decrypts to a view that scans (else verify's exit 6:
 *    then store_encrypt must refuse the view too): every value read with
 *    store_value (the extract path: the MAC, then one token) equals the
 *    value read from the view with the plaintext scanner (splice_value);
 *  - re-encrypting the plaintext with the store's tokens (store_encrypt,
 *    as every writer does) gives a store that loads and decrypts to the
 *    same plaintext, and is a fixed point: encrypting its plaintext again
 *    gives the same bytes.
 * FUZZ_LDFLAGS: -Wl,--wrap=tty_available */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/store.h"

#include "fuzz_demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mfile {
	int fd;
	char path[64];
};

static void mfile_open(struct mfile *m, const char *name)
{
	m->fd = memfd_create(name, MFD_CLOEXEC);
	if (m->fd < 0) {
		char tmpl[] = "/tmp/fuzz-store.XXXXXX";

		if ((m->fd = mkstemp(tmpl)) < 0)
			abort();
		snprintf(m->path, sizeof m->path, "%s", tmpl);
	} else {
		snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", m->fd);
	}
	/* the identity is one: identity files must be private (a memfd is 0777) */
	if (fchmod(m->fd, 0600) != 0)
		abort();
}

static void mfile_write(struct mfile *m, const void *p, size_t n)
{
	if (ftruncate(m->fd, 0) || (n && pwrite(m->fd, p, n, 0) != (ssize_t)n))
		abort();
}

/* Load text from m with data key key (no slot opened); decrypt into out.
 * Every step must succeed. */
static void load_decrypt(struct mfile *m, const char *text, size_t len,
			 const unsigned char *key, struct store *s, struct secmem *out)
{
	struct err e;

	mfile_write(m, text, len);
	if (store_load(m->path, NULL, s, &e))
		abort(); /* a store we wrote does not load */
	if (!(s->data_key = secmem_alloc(STORE_KEY_LEN)))
		abort();
	memcpy(s->data_key, key, STORE_KEY_LEN);
	if (store_decrypt(s, out, NULL, &e))
		abort(); /* a store we wrote does not decrypt */
}

/* Every scalar value: the store's reader against the plaintext's. 0, or
 * -1 when the view does not scan (see the caller). */
static int check_values(struct store *s, const struct secmem *plain)
{
	struct splice_doc pd = { 0 };
	struct err e;
	size_t i, checked = 0;

	if (splice_scan_plain((const char *)plain->p, plain->len, &pd, &e)) {
		if (e.code != ERR_INPUT)
			abort();
		splice_doc_free(&pd);
		return -1;
	}
	for (i = 0; i < s->doc.n_nodes && checked < 64; i++) {
		const struct splice_node *nd = &s->doc.nodes[i];
		struct secmem a = { 0 }, b = { 0 };
		struct buf pathtext = { 0 };
		struct path p = { 0 };
		size_t pn;
		int ra, rb;

		if (nd->type != SPLICE_SCALAR || nd->is_key)
			continue;
		checked++;
		if (splice_node_path(&s->doc, i, &pathtext) ||
		    path_parse(pathtext.p ? pathtext.p : "", pathtext.len, &p, &e))
			abort();
		pn = splice_lookup(&pd, &p);
		if (pn == SPLICE_NONE || pd.nodes[pn].type != SPLICE_SCALAR)
			abort(); /* the node is not in the plaintext view */
		ra = store_value(s, &(struct store_ref){ .node = i }, &a, &e);
		if (ra && ra != ERR_INPUT)
			abort();
		if (pd.nodes[pn].item == SPLICE_NONE) {
			rb = splice_value((const char *)plain->p, plain->len, &pd, pn, NULL, 0, &b, &e);
		} else {
			const struct splice_item *it = &pd.items[pd.nodes[pn].item];

			rb = splice_value((const char *)plain->p, plain->len, &pd, pn,
					  plain->p + it->start, it->end - it->start, &b, &e);
		}
		if ((ra != 0) != (rb != 0) ||
		    (!ra && (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len)))))
			abort(); /* extract and the plaintext view disagree */
		secmem_free(&a);
		secmem_free(&b);
		buf_free(&pathtext);
		path_free(&p);
	}
	splice_doc_free(&pd);
	return 0;
}

static struct mfile in, idf, re;
static const char *files[1];

static int one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct buf fixed = { 0 };

	if (!init) {
		if (secmem_init())
			abort();
		mfile_open(&in, "fuzz-store");
		mfile_open(&idf, "fuzz-identity");
		mfile_open(&re, "fuzz-store-again");
		mfile_write(&idf, demo_identity, sizeof demo_identity - 1);
		files[0] = idf.path;
		fuzz_only_demo_identity();
		init = 1;
	}
	if (size > 1 << 16)
		return 0;
	one(data, size);
	/* and as a key holder would have written it: past the MAC */
	if (fuzz_remac(data, size, &fixed) == 0 &&
	    (fixed.len != size || memcmp(fixed.p, data, size) != 0))
		one((const uint8_t *)fixed.p, fixed.len);
	buf_free(&fixed);
	return 0;
}

static int one(const uint8_t *data, size_t size)
{
	struct identity_opts io = { 0 };
	struct store s, s2;
	struct secmem plain = { 0 }, plain2 = { 0 };
	struct buf text2 = { 0 }, text3 = { 0 };
	struct store_counts c;
	struct err e = { 0 };
	int rc;

	mfile_write(&in, data, size);
	rc = store_load(in.path, NULL, &s, &e);
	if (rc) {
		if (rc != ERR_INPUT)
			abort();
		store_free(&s);
		return 0;
	}
	if (s.n_slots == 0 || s.n_slots != s.doc.n_slots)
		abort();
	io.files = files;
	io.n_files = 1;
	rc = store_unlock(&s, &io, &e);
	if (rc) {
		if (rc != ERR_NOKEY && rc != ERR_INTEGRITY && rc != ERR_INPUT)
			abort();
		store_free(&s);
		return 0;
	}
	rc = store_decrypt(&s, &plain, &c, &e);
	if (rc) {
		if ((rc != ERR_INTEGRITY && rc != ERR_INPUT) || plain.len)
			abort();
		store_free(&s);
		secmem_free(&plain);
		return 0;
	}
	if (c.values + c.comments != s.doc.n_items || c.slots != s.n_slots)
		abort();
	/* A key holder can write text between the tokens that decrypts to a
	 * view that does not scan (e.g. a tab after a "|+" block's token).
	 * verify says so (exit 6); then encrypting it back must refuse it the
	 * same way. */
	if (check_values(&s, &plain)) {
		if (store_encrypt(&s, (const char *)plain.p, plain.len, &text2, &e) != ERR_INPUT)
			abort();
		goto out;
	}

	/* re-encrypt with the store's tokens; reload; decrypt */
	if (store_encrypt(&s, (const char *)plain.p, plain.len, &text2, &e))
		abort(); /* a decrypted view does not encrypt back */
	load_decrypt(&re, text2.p, text2.len, s.data_key, &s2, &plain2);
	if (plain2.len != plain.len || (plain.len && memcmp(plain2.p, plain.p, plain.len)))
		abort(); /* the rewritten store decrypts to other text */
	/* a fixed point: with its own tokens, the rewritten store writes itself */
	if (store_encrypt(&s2, (const char *)plain2.p, plain2.len, &text3, &e) ||
	    text3.len != text2.len || memcmp(text3.p, text2.p, text2.len))
		abort();
	store_free(&s2);
out:
	store_free(&s);
	secmem_free(&plain);
	secmem_free(&plain2);
	buf_free(&text2);
	buf_free(&text3);
	return 0;
}
