/* store: key slots, data key, tokens and MAC of store format v1, and
 * locked atomic saves. splice finds the byte ranges; this file encrypts,
 * decrypts and authenticates them. */
#include "secretctl/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "secretctl/age.h"
#include "secretctl/b64.h"
#include "secretctl/io.h"

#define AD_VALUE "secretctl/v1/value"
#define AD_COMMENT "secretctl/v1/comment"
#define MAC1_DOMAIN "secretctl/v1/mac"
#define MAC_DOMAIN "secretctl/v2/mac"
#define MAC_LEN 32 /* BLAKE2b-256 */
#define MAC_B64_LEN 44
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES

/* ---- stable tokens ------------------------------------------------------ */

struct tok_entry {
	uint64_t hash;
	int kind;
	size_t path_off, path_len; /* in map->paths */
	size_t plain_off, plain_len; /* in map->plain (secret) */
	size_t b64_off, b64_len;   /* in map->b64 */
	int used;
};

struct store_tokmap {
	struct tok_entry *v;
	size_t n, cap;    /* entries */
	size_t *slot;     /* open addressing: index+1, 0 empty */
	size_t n_slot;
	struct buf paths, b64;
	struct secmem plain;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

static uint64_t tok_hash(int kind, const char *path, size_t plen, const unsigned char *pt,
			 size_t len)
{
	uint64_t h = 14695981039346656037ull;
	unsigned char k = (unsigned char)kind;

	h = fnv(h, &k, 1);
	h = fnv(h, &plen, sizeof plen);
	h = fnv(h, path, plen);
	return fnv(h, pt, len);
}

static void tokmap_free(struct store_tokmap *m)
{
	if (!m)
		return;
	free(m->v);
	free(m->slot);
	buf_free(&m->paths);
	buf_free(&m->b64);
	secmem_free(&m->plain);
	free(m);
}

static int tokmap_add(struct store_tokmap *m, int kind, const char *path, size_t plen,
		      const unsigned char *pt, size_t len, const char *b64, size_t blen)
{
	struct tok_entry *t;

	if (m->n == m->cap) {
		size_t ncap = m->cap ? 2 * m->cap : 64;
		struct tok_entry *nv = realloc(m->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		m->v = nv;
		m->cap = ncap;
	}
	t = &m->v[m->n];
	*t = (struct tok_entry){ .hash = tok_hash(kind, path, plen, pt, len), .kind = kind };
	t->path_off = m->paths.len;
	t->path_len = plen;
	t->plain_off = m->plain.len;
	t->plain_len = len;
	t->b64_off = m->b64.len;
	t->b64_len = blen;
	if (buf_append(&m->paths, path, plen) || secmem_append(&m->plain, pt, len) ||
	    buf_append(&m->b64, b64, blen))
		return -1;
	m->n++;
	return 0;
}

static int tokmap_index(struct store_tokmap *m)
{
	m->n_slot = 16;
	while (m->n_slot < 2 * m->n + 1)
		m->n_slot *= 2;
	m->slot = calloc(m->n_slot, sizeof *m->slot);
	if (!m->slot)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = m->v[i].hash & (m->n_slot - 1);
		while (m->slot[j])
			j = (j + 1) & (m->n_slot - 1);
		m->slot[j] = i + 1;
	}
	return 0;
}

/* The old token of an unchanged region, each used once; NULL if none. */
static const struct tok_entry *tokmap_take(struct store_tokmap *m, int kind, const char *path,
					   size_t plen, const unsigned char *pt, size_t len)
{
	uint64_t h;

	if (!m || !m->slot)
		return NULL;
	h = tok_hash(kind, path, plen, pt, len);
	for (size_t j = h & (m->n_slot - 1); m->slot[j]; j = (j + 1) & (m->n_slot - 1)) {
		struct tok_entry *t = &m->v[m->slot[j] - 1];
		if (t->hash == h && !t->used && t->kind == kind && t->path_len == plen &&
		    t->plain_len == len && (!plen || memcmp(m->paths.p + t->path_off, path, plen) == 0) &&
		    sodium_memcmp(m->plain.p + t->plain_off, pt, len) == 0) {
			t->used = 1;
			return t;
		}
	}
	return NULL;
}

/* ---- keys and MAC ------------------------------------------------------- */

struct subkeys {
	unsigned char val[32];
	unsigned char mac1[32]; /* version 1 MAC (upgrade only) */
	unsigned char mac[32];  /* version 2 MAC */
};

static struct subkeys *derive(const unsigned char *data_key)
{
	struct subkeys *k = secmem_alloc(sizeof *k);

	if (!k)
		return NULL;
	crypto_kdf_derive_from_key(k->val, sizeof k->val, 1, "sctl_val", data_key);
	crypto_kdf_derive_from_key(k->mac1, sizeof k->mac1, 2, "sctl_mac", data_key);
	crypto_kdf_derive_from_key(k->mac, sizeof k->mac, 3, "sctl_mac", data_key);
	return k;
}

static void be32(unsigned char out[4], size_t n)
{
	out[0] = (unsigned char)(n >> 24);
	out[1] = (unsigned char)(n >> 16);
	out[2] = (unsigned char)(n >> 8);
	out[3] = (unsigned char)n;
}

static void mac_lp(crypto_auth_hmacsha512256_state *st, const void *p, size_t n)
{
	unsigned char l[4];

	be32(l, n);
	crypto_auth_hmacsha512256_update(st, l, 4);
	crypto_auth_hmacsha512256_update(st, p, n);
}

/* The version 1 MAC (docs/FORMAT.md, "Version 1"): what upgrade checks
 * before it rewrites a store as version 2. */
static void mac1_begin(crypto_auth_hmacsha512256_state *st, const struct subkeys *k,
		       const struct keyslot *slots, size_t n)
{
	crypto_auth_hmacsha512256_init(st, k->mac1, sizeof k->mac1);
	crypto_auth_hmacsha512256_update(st, (const unsigned char *)MAC1_DOMAIN, sizeof MAC1_DOMAIN);
	for (size_t i = 0; i < n; i++) {
		const char *r = slots[i].recipient ? slots[i].recipient : "scrypt";
		crypto_auth_hmacsha512256_update(st, (const unsigned char *)r, strlen(r) + 1);
	}
}

/* Metadata fields beyond version, keys and mac, by name and value. */
static void mac_field(crypto_auth_hmacsha512256_state *st, const char *name, const char *value)
{
	mac_lp(st, name, strlen(name));
	mac_lp(st, value, strlen(value));
}

/* The fields after the tokens, each slot's data_key included. */
static void mac1_fields(crypto_auth_hmacsha512256_state *st, const struct keyslot *slots,
		       size_t n, int final_newline)
{
	for (size_t i = 0; i < n; i++)
		mac_field(st, "data_key", slots[i].data_key);
	if (!final_newline)
		mac_field(st, "final_newline", "false");
}

static void ad_build(unsigned char *ad, size_t *adlen, int kind, const char *path, size_t plen)
{
	const char *dom = kind == SPLICE_VALUE ? AD_VALUE : AD_COMMENT;
	size_t dl = strlen(dom) + 1;

	memcpy(ad, dom, dl);
	if (kind == SPLICE_VALUE && plen)
		memcpy(ad + dl, path, plen);
	*adlen = dl + (kind == SPLICE_VALUE ? plen : 0);
}

/* ---- loading ------------------------------------------------------------ */

/* From this size on, a store's text is read into huge pages. */
#define STORE_BIG_TEXT ((size_t)64 << 10)

/* A store's text (not secret: the MAC is over it, the tokens in it are
 * ciphertext). From STORE_BIG_TEXT bytes on, read into buf_big_alloc'ed
 * memory with room for the fast scanner's block after it (about twice
 * the text: a node and an item a line): both then take the same huge
 * pages, where at 1000 keys they were 80 faults of small pages (~0.13 ms
 * here). read(), not mmap of the file: a file changed in place after the
 * MAC check must not change the text parsed. A file that grew past its
 * size at fstat goes on in io_read_fd's malloc'ed buffer. */
static int read_store_text(int fd, const char *path, const struct stat *st, struct store *s,
			   struct err *e)
{
	size_t size = (size_t)st->st_size, mapped;
	ssize_t len;
	char *p;

	if ((uintmax_t)st->st_size > STORE_MAX_SIZE || size < STORE_BIG_TEXT)
		return io_read_fd(fd, path, STORE_MAX_SIZE, &s->text, e);
	p = buf_big_alloc(3 * size + 1, &mapped);
	if (!p)
		return io_read_fd(fd, path, STORE_MAX_SIZE, &s->text, e);
	len = io_read_full(fd, p, mapped - 1);
	if (len < 0) {
		int err = errno;

		buf_big_free(p, mapped);
		return err_errno(e, ERR_IO, err, "cannot read '%s'", path);
	}
	if ((size_t)len < mapped - 1 && (size_t)len <= STORE_MAX_SIZE) {
		p[len] = '\0';
		s->text = (struct buf){ p, (size_t)len, mapped };
		s->text_mapped = mapped;
		return 0;
	}
	/* grew since fstat: on in a malloc'ed buffer, which io_read_fd caps */
	if (buf_append(&s->text, p, (size_t)len)) {
		buf_big_free(p, mapped);
		return err_oom(e);
	}
	buf_big_free(p, mapped);
	return io_read_fd(fd, path, STORE_MAX_SIZE, &s->text, e);
}

static void slot_free(struct keyslot *sl)
{
	free(sl->recipient);
	free(sl->data_key);
}

/* to: a copy of from, with strings of its own. 0 or -1 (out of memory). */
static int slot_copy(struct keyslot *to, const struct keyslot *from)
{
	*to = *from;
	to->recipient = from->recipient ? buf_memdup0(from->recipient, strlen(from->recipient))
					: NULL;
	to->data_key = buf_memdup0(from->data_key, from->data_key_len);
	if ((from->recipient && !to->recipient) || !to->data_key) {
		slot_free(to);
		memset(to, 0, sizeof *to); /* the caller frees the slot again */
		return -1;
	}
	return 0;
}

/* flock the store, then make sure the name still refers to the locked
 * inode (a writer may have renamed a new file over it meanwhile). */
static int lock_store(const char *path, const struct store_open *o, int *fdp, struct err *e)
{
	for (;;) {
		struct stat a, b;
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		int waited = 0;

		if (fd < 0)
			return err_errno(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
					 "cannot open '%s'", path);
		for (;;) {
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				break;
			if (errno == EINTR)
				continue;
			if (errno != EWOULDBLOCK) {
				close(fd);
				return err_errno(e, ERR_IO, errno, "cannot lock '%s'", path);
			}
			if (o->no_wait) {
				close(fd);
				return err_set(e, ERR_IO,
					       "cannot lock '%s': another secretctl is changing it",
					       path);
			}
			if (waited == 50 && o->on_wait) { /* 50 x 20 ms */
				int r;

				o->on_wait(path);
				while ((r = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
					;
				if (r != 0) {
					close(fd);
					return err_errno(e, ERR_IO, errno, "cannot lock '%s'", path);
				}
				break;
			}
			nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
			waited++;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			*fdp = fd;
			return 0;
		}
		close(fd); /* replaced or removed while we waited: lock the new one */
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return err_set(e, ERR_NOTFOUND, "cannot open '%s': removed while waiting",
				       path);
	}
}

int store_load(const char *path, const struct store_open *o, struct store *s, struct err *e)
{
	struct stat st;
	int fd, rc;

	memset(s, 0, sizeof *s);
	s->path = buf_memdup0(path, strlen(path));
	if (!s->path)
		return err_oom(e);
	if (o && o->lock) {
		rc = lock_store(path, o, &s->lock_fd, e);
		if (rc)
			return rc;
		s->locked = 1;
		fd = s->lock_fd;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return err_errno(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
					 "cannot open store '%s'", path);
	}
	if (fstat(fd, &st) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot stat '%s'", path);
	} else if (!S_ISREG(st.st_mode)) {
		rc = err_set(e, ERR_INPUT, "'%s' is not a regular file", path);
	} else {
		s->mode = st.st_mode & 07777;
		s->exists = 1;
		rc = read_store_text(fd, path, &st, s, e);
	}
	if (!s->locked)
		close(fd);
	if (!rc)
		rc = store_sig_split(s, e);
	if (rc)
		return rc;
	/* the line scanner when it can (libyaml costs ~140 instructions a
	 * byte), libyaml for anything else and for the messages */
	if (s->text_mapped)
		rc = splice_scan_store_fast_in(s->text.p, s->text.len, s->text.p + s->text.len + 1,
					       s->text_mapped - s->text.len - 1, &s->doc, NULL, e);
	else
		rc = splice_scan_store_fast(s->text.p, s->text.len, &s->doc, NULL, e);
	if (rc == SPLICE_FAST_UNSUPPORTED)
		rc = splice_scan_store(s->text.p, s->text.len, &s->doc, e);
	if (rc)
		return err_wrap(e, "%s", path);
	if ((rc = store_sig_check_place(s, e)))
		return rc;
	s->n_slots = s->doc.n_slots;
	s->slots = calloc(s->n_slots ? s->n_slots : 1, sizeof *s->slots);
	if (!s->slots)
		return err_oom(e);
	for (size_t i = 0; i < s->n_slots; i++) {
		const struct keyslot *ss = &s->doc.slots[i];
		struct age_rcpt rc_;

		if (ss->recipient && age_rcpt_parse(ss->recipient, strlen(ss->recipient), &rc_, e))
			return err_wrap(e, "%s: line %u", path, ss->line);
		if (slot_copy(&s->slots[i], ss))
			return err_oom(e);
	}
	if (s->n_slots == 0)
		return err_set(e, ERR_INPUT, "%s: the store has no key slots", path);
	if (s->doc.version == 1 && !(o && o->allow_v1))
		return err_set(e, ERR_INPUT,
			       "%s is a version 1 store, whose clear text is not authenticated; "
			       "'secretctl upgrade %s' checks it and rewrites it as version 2",
			       path, path);
	return 0;
}

int store_lock(struct store *s, const struct store_open *o, struct err *e)
{
	struct stat st;
	int rc = lock_store(s->path, o, &s->lock_fd, e);

	if (rc)
		return rc;
	s->locked = 1;
	if (fstat(s->lock_fd, &st) != 0)
		return err_errno(e, ERR_IO, errno, "cannot stat '%s'", s->path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_INPUT, "'%s' is not a regular file", s->path);
	s->mode = st.st_mode & 07777;
	s->exists = 1;
	return 0;
}

/* The data key alone, nothing checked with it yet. */
static int unlock_key(struct store *s, const struct identity_opts *io, struct err *e)
{
	struct secmem key = { 0 };
	size_t which = 0;
	int rc;

	rc = identity_unlock(io, s->slots, s->n_slots, &key, &which, e);
	if (rc) {
		secmem_free(&key); /* a slot that failed midway leaves its buffer */
		return rc;
	}
	if (key.len != STORE_KEY_LEN) {
		secmem_free(&key);
		return err_set(e, ERR_INTEGRITY, "%s: key slot %zu does not hold a %d-byte data key",
			       s->path, which + 1, STORE_KEY_LEN);
	}
	s->data_key = secmem_alloc(STORE_KEY_LEN);
	if (!s->data_key) {
		secmem_free(&key);
		return err_oom(e);
	}
	memcpy(s->data_key, key.p, STORE_KEY_LEN);
	secmem_free(&key);
	return 0;
}

int store_unlock(struct store *s, const struct identity_opts *io, struct err *e)
{
	int rc = unlock_key(s, io, e);

	/* nothing of a store is used before all of it is authenticated */
	if (!rc)
		rc = store_check_mac(s, e);
	if (rc) {
		secmem_release(s->data_key);
		s->data_key = NULL;
	}
	return rc;
}

/* ---- decryption --------------------------------------------------------- */

/* Decode a token's payload into *buf (grown as needed, *cap bytes; the
 * caller frees it): one buffer can serve every token of a pass. The
 * scanners leave the base64 check to this (ERR_INPUT). */
static int token_payload(const struct store *s, const struct splice_item *it,
			 unsigned char **buf, size_t *cap, size_t *len, struct err *e)
{
	if (buf_array_grow((void **)buf, cap, B64_DECODED_MAX(it->b64_len) + 1, 1))
		return err_oom(e);
	if (b64_decode(s->text.p + it->b64_start, it->b64_len, *buf, len) != 0 ||
	    *len < NONCE_LEN + TAG_LEN)
		return err_set(e, ERR_INPUT, "%s: line %u, column %u: malformed token (bad base64)",
			       s->path, it->line, it->col);
	return 0;
}

static int describe_item(const struct store *s, const struct splice_item *it, struct buf *b)
{
	if (it->kind == SPLICE_COMMENT)
		return buf_printf(b, "comment at line %u", it->line);
	if (splice_node_path(&s->doc, it->node, b))
		return -1;
	return buf_printf(b, " (line %u)", it->line);
}

/* The canonical path of an item of d into *path, emptied first (a
 * comment's is empty). 0 or -1. */
static int item_path(const struct splice_doc *d, const struct splice_item *it, struct buf *path)
{
	path->len = 0;
	if (it->kind != SPLICE_VALUE)
		return buf_append(path, "", 0);
	return splice_node_canonical(d, it->node, path);
}

/* Decrypt one token, whose canonical path is path (item_path), into region
 * (replacing its content); the failure names the token's path. */
static int decrypt_token(const struct store *s, const struct subkeys *k,
			 const struct splice_item *it, const struct buf *path,
			 struct secmem *region, struct err *e)
{
	unsigned char *payload = NULL, *ad = NULL;
	unsigned long long rlen;
	size_t plen, adlen, pcap = 0;
	int rc;

	rc = token_payload(s, it, &payload, &pcap, &plen, e);
	if (rc)
		goto out; /* payload may be allocated */
	ad = malloc(sizeof AD_COMMENT + path->len + 1);
	if (!ad || secmem_reserve(region, plen)) {
		rc = err_oom(e);
		goto out;
	}
	ad_build(ad, &adlen, it->kind, path->p, path->len);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(region->p, &rlen, NULL, payload + NONCE_LEN,
						       plen - NONCE_LEN, ad, adlen, payload,
						       k->val) != 0) {
		struct buf where = { 0 };
		describe_item(s, it, &where);
		rc = err_set(e, ERR_INTEGRITY,
			     "%s: %s: token does not verify (tampered, moved or from another store)",
			     s->path, where.p ? where.p : "?");
		buf_free(&where);
		goto out;
	}
	region->len = (size_t)rlen;
	region->p[region->len] = 0;
out:
	free(ad);
	free(payload);
	return rc;
}

/* The token part of M gathered into few large HMAC updates: each update
 * call costs SHA-512 a wipe of its scratch (5 calls a token were ~8% of
 * extract at 1 000 keys). The bytes fed are exactly mac_token's. */
struct mac_acc {
	crypto_auth_hmacsha512256_state *st;
	size_t n;
	unsigned char b[16384];
};

static void acc_put(struct mac_acc *a, const void *p, size_t n)
{
	if (a->n + n > sizeof a->b) {
		crypto_auth_hmacsha512256_update(a->st, a->b, a->n);
		a->n = 0;
		if (n > sizeof a->b) {
			crypto_auth_hmacsha512256_update(a->st, p, n);
			return;
		}
	}
	if (n) /* an empty path is NULL */
		memcpy(a->b + a->n, p, n);
	a->n += n;
}

static void acc_token(struct mac_acc *a, int kind, const char *path, size_t plen,
		      const unsigned char *payload, size_t len)
{
	unsigned char k = kind == SPLICE_VALUE ? 'v' : 'c', l[4];

	acc_put(a, &k, 1);
	be32(l, plen);
	acc_put(a, l, 4);
	acc_put(a, path, plen);
	be32(l, len);
	acc_put(a, l, 4);
	acc_put(a, payload, len);
}

/* The version 1 MAC over every token of the store as it is. */
static int check_mac1(const struct store *s, const struct subkeys *k, struct err *e)
{
	crypto_auth_hmacsha512256_state st;
	/* want: room for what 44 base64 characters can decode to (33 bytes
	 * without padding), before the length is checked */
	unsigned char mac[crypto_auth_hmacsha512256_BYTES], want[B64_DECODED_MAX(44)];
	struct mac_acc *acc = malloc(sizeof *acc);
	unsigned char *payload = NULL;
	struct buf path = { 0 };
	size_t maclen, cap = 0;
	int rc = 0;

	if (!acc)
		return err_oom(e);
	mac1_begin(&st, k, s->slots, s->n_slots);
	acc->st = &st;
	acc->n = 0;
	for (size_t i = 0; i < s->doc.n_items && !rc; i++) {
		const struct splice_item *it = &s->doc.items[i];
		size_t plen;

		/* one buffer for every payload, decoded as it comes */
		rc = token_payload(s, it, &payload, &cap, &plen, e);
		if (!rc && item_path(&s->doc, it, &path))
			rc = err_oom(e);
		if (!rc)
			acc_token(acc, it->kind, path.p, path.len, payload, plen);
	}
	free(payload);
	buf_free(&path);
	crypto_auth_hmacsha512256_update(&st, acc->b, acc->n);
	free(acc);
	mac1_fields(&st, s->slots, s->n_slots, s->doc.final_newline);
	crypto_auth_hmacsha512256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
	if (rc)
		return rc;
	if (!s->doc.mac ||
	    strlen(s->doc.mac) != B64_ENCODED_LEN(sizeof mac, B64_PADDED) ||
	    b64_decode(s->doc.mac, strlen(s->doc.mac), want, &maclen) != 0 ||
	    maclen != sizeof mac)
		return err_set(e, ERR_INPUT, "%s: malformed mac", s->path);
	if (sodium_memcmp(mac, want, sizeof mac) != 0)
		return err_set(e, ERR_INTEGRITY, "%s: the version 1 MAC does not verify", s->path);
	return 0;
}

static void be64(unsigned char out[8], uint64_t n)
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(n >> (56 - 8 * i));
}

/* The version 2 MAC: keyed BLAKE2b-256 over the domain, the mac value's
 * offset and every byte of text except the value [a, b) (FORMAT.md). */
static void mac2(const struct subkeys *k, const char *text, size_t len, size_t a, size_t b,
		 unsigned char out[MAC_LEN])
{
	crypto_generichash_state st;
	unsigned char pre[sizeof MAC_DOMAIN + 8];

	memcpy(pre, MAC_DOMAIN, sizeof MAC_DOMAIN);
	be64(pre + sizeof MAC_DOMAIN, a);
	crypto_generichash_init(&st, k->mac, sizeof k->mac, MAC_LEN);
	crypto_generichash_update(&st, pre, sizeof pre);
	crypto_generichash_update(&st, (const unsigned char *)text, a);
	crypto_generichash_update(&st, (const unsigned char *)text + b, len - b);
	crypto_generichash_final(&st, out, MAC_LEN);
	sodium_memzero(&st, sizeof st);
}

static int check_mac(const struct store *s, const struct subkeys *k, struct err *e)
{
	unsigned char mac[MAC_LEN], want[B64_DECODED_MAX(MAC_B64_LEN)];
	const struct splice_doc *d = &s->doc;
	size_t maclen;

	if (d->version == 1)
		return check_mac1(s, k, e);
	if (!d->mac || d->mac_end - d->mac_start != MAC_B64_LEN || d->mac_end > s->text.len ||
	    b64_decode(s->text.p + d->mac_start, MAC_B64_LEN, want, &maclen) != 0 ||
	    maclen != MAC_LEN)
		return err_set(e, ERR_INPUT, "%s: malformed mac (%d base64 characters expected)",
			       s->path, MAC_B64_LEN);
	mac2(k, s->text.p, s->text.len, d->mac_start, d->mac_end, mac);
	if (sodium_memcmp(mac, want, MAC_LEN) != 0)
		return err_set(e, ERR_INTEGRITY,
			       "%s: the store's MAC does not verify: it was changed without its "
			       "key (after a hand merge, see 'secretctl verify --repair')",
			       s->path);
	return 0;
}

/* Every token opened with its own tag and path, the MAC not looked at. */
static int decrypt_all(struct store *s, struct secmem *out, struct store_counts *c,
		       struct err *e)
{
	struct store_tokmap *map = NULL;
	struct subkeys *k = NULL;
	struct secmem plain = { 0 }, region = { 0 };
	struct buf path = { 0 };
	size_t pos = 0;
	int rc = 0, meta_done = 0;

	k = derive(s->data_key);
	map = calloc(1, sizeof *map);
	if (!k || !map) {
		rc = err_oom(e);
		goto out;
	}
	if (c)
		*c = (struct store_counts){ 0, 0, s->n_slots };
	for (size_t i = 0; i < s->doc.n_items; i++) {
		const struct splice_item *it = &s->doc.items[i];

		if (item_path(&s->doc, it, &path)) {
			rc = err_oom(e);
			goto out;
		}
		rc = decrypt_token(s, k, it, &path, &region, e);
		if (rc)
			goto out;
		if (c) {
			if (it->kind == SPLICE_VALUE)
				c->values++;
			else
				c->comments++;
		}
		/* the metadata block may stand before a token: after a "..."
		 * document end, comments follow it */
		if (!meta_done && s->doc.meta_start >= pos && s->doc.meta_start <= it->start) {
			if (secmem_append(&plain, s->text.p + pos, s->doc.meta_start - pos)) {
				rc = err_oom(e);
				goto out;
			}
			pos = s->doc.meta_end;
			meta_done = 1;
		}
		/* text before the token, then the region in its place */
		if (secmem_append(&plain, s->text.p + pos, it->start - pos) ||
		    secmem_append(&plain, region.p, region.len) ||
		    tokmap_add(map, it->kind, path.p, path.len, region.p, region.len,
			       s->text.p + it->b64_start, it->b64_len)) {
			rc = err_oom(e);
			goto out;
		}
		pos = it->kind == SPLICE_VALUE ? splice_token_end(it, region.p, region.len)
					       : it->end;
	}
	/* rest of the text, without the metadata block */
	if (!meta_done) {
		if (secmem_append(&plain, s->text.p + pos, s->doc.meta_start - pos)) {
			rc = err_oom(e);
			goto out;
		}
		pos = s->doc.meta_end;
	}
	if (secmem_append(&plain, s->text.p + pos, s->text.len - pos) || tokmap_index(map) ||
	    secmem_append(out, plain.p, plain.len)) {
		rc = err_oom(e);
		goto out;
	}
	tokmap_free(s->tokens);
	s->tokens = map;
	map = NULL;
out:
	tokmap_free(map);
	secmem_release(k);
	secmem_free(&plain);
	secmem_free(&region);
	buf_free(&path);
	return rc;
}

int store_decrypt(struct store *s, struct secmem *out, struct store_counts *c, struct err *e)
{
	int rc = store_check_mac(s, e);

	return rc ? rc : decrypt_all(s, out, c, e);
}

int store_repair(struct store *s, const struct identity_opts *io, struct secmem *view,
		 struct store_counts *c, struct buf *text, struct err *e)
{
	unsigned char mac[MAC_LEN];
	struct splice_doc d = { 0 };
	struct subkeys *k;
	size_t a = s->doc.mac_start, b = s->doc.mac_end;
	int rc;

	if (s->doc.version != 2)
		return err_set(e, ERR_INPUT, "%s: only a version 2 store can be repaired", s->path);
	rc = unlock_key(s, io, e);
	if (!rc)
		rc = decrypt_all(s, view, c, e);
	/* the view must be one edit would take: valid YAML, the alias rules */
	if (!rc && splice_scan_plain((const char *)view->p, view->len, &d, e))
		rc = err_wrap(e, "%s: decrypted view", s->path);
	splice_doc_free(&d);
	if (rc)
		return rc;
	k = derive(s->data_key);
	if (!k)
		return err_oom(e);
	mac2(k, s->text.p, s->text.len, a, b, mac);
	secmem_release(k);
	if (buf_append(text, s->text.p, a) || b64_encode(text, mac, MAC_LEN, B64_PADDED) ||
	    buf_append(text, s->text.p + b, s->text.len - b))
		return err_oom(e);
	return 0;
}

int store_check_mac(struct store *s, struct err *e)
{
	struct subkeys *k;
	int rc;

	if (!s->data_key)
		return err_set(e, ERR_FAIL, "store is not unlocked");
	if (s->mac_ok)
		return 0;
	k = derive(s->data_key);
	if (!k)
		return err_oom(e);
	rc = check_mac(s, k, e);
	secmem_release(k);
	if (!rc)
		s->mac_ok = 1;
	return rc;
}

long store_version(const struct store *s)
{
	return s->doc.version;
}

int store_value(struct store *s, const struct store_ref *ref, struct secmem *out,
		struct err *e)
{
	struct secmem region = { 0 };
	struct buf path = { 0 };
	struct subkeys *k;
	size_t item, node;
	int rc;

	rc = store_check_mac(s, e);
	if (rc)
		return rc;
	node = splice_resolve(&s->doc, ref->node);
	k = derive(s->data_key);
	if (!k)
		return err_oom(e);
	item = s->doc.nodes[node].type == SPLICE_SCALAR ? s->doc.nodes[node].item : SPLICE_NONE;
	if (item != SPLICE_NONE)
		rc = item_path(&s->doc, &s->doc.items[item], &path)
			     ? err_oom(e)
			     : decrypt_token(s, k, &s->doc.items[item], &path, &region, e);
	if (!rc)
		rc = splice_value(s->text.p, s->text.len, &s->doc, node, region.p, region.len, out, e);
	secmem_release(k);
	secmem_free(&region);
	buf_free(&path);
	return rc;
}

/* ---- encryption --------------------------------------------------------- */

/* One metadata line: indentation, text, line break. */
static int meta_line(struct buf *out, size_t indent, const char *eol, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int meta_line(struct buf *out, size_t indent, const char *eol, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < indent; i++)
		if (buf_putc(out, ' '))
			return -1;
	return buf_puts(out, line) || buf_puts(out, eol) ? -1 : 0;
}

/* The metadata block; *mac_at is where the mac value goes (MAC_B64_LEN
 * bytes, written by store_encrypt once the rest of the text is known). */
static int put_metadata(const struct store *s, struct buf *out, size_t ind, const char *eol,
			int final_newline, size_t *mac_at)
{
	int bad = 0;

	bad |= meta_line(out, ind, eol, "secretctl:");
	bad |= meta_line(out, ind, eol, "  version: 2");
	if (!final_newline)
		bad |= meta_line(out, ind, eol, "  final_newline: false");
	bad |= meta_line(out, ind, eol, "  keys:");
	for (size_t i = 0; i < s->n_slots; i++) {
		const char *l = s->slots[i].data_key, *nl;
		if (s->slots[i].recipient)
			bad |= meta_line(out, ind, eol, "    - recipient: %s", s->slots[i].recipient);
		else
			bad |= meta_line(out, ind, eol, "    - passphrase: scrypt");
		bad |= meta_line(out, ind, eol, "      data_key: |");
		while (*l) {
			nl = strchr(l, '\n');
			if (!nl)
				nl = l + strlen(l);
			bad |= meta_line(out, ind, eol, "        %.*s", (int)(nl - l), l);
			l = *nl ? nl + 1 : nl;
		}
	}
	bad |= meta_line(out, ind, eol, "  mac: %*s", MAC_B64_LEN, "");
	if (bad)
		return -1;
	*mac_at = out->len - strlen(eol) - MAC_B64_LEN;
	return 0;
}

static int new_token(const struct subkeys *k, int kind, const char *path, size_t plen,
		     const unsigned char *pt, size_t len, unsigned char **payload, size_t *n)
{
	unsigned char *ad = malloc(sizeof AD_COMMENT + plen + 1);
	unsigned char *p = malloc(NONCE_LEN + len + TAG_LEN);
	unsigned long long clen;
	size_t adlen;

	if (!ad || !p) {
		free(ad);
		free(p);
		return -1;
	}
	ad_build(ad, &adlen, kind, path, plen);
	randombytes_buf(p, NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + NONCE_LEN, &clen, pt, len, ad, adlen, NULL,
						   p, k->val);
	free(ad);
	*payload = p;
	*n = NONCE_LEN + (size_t)clen;
	return 0;
}

int store_encrypt(const struct store *s, const char *plain, size_t len, struct buf *out,
		  struct err *e)
{
	unsigned char mac[MAC_LEN];
	struct splice_doc d = { 0 };
	struct buf path = { 0 };
	struct subkeys *k = NULL;
	size_t pos = 0, meta_at, mac_at = SPLICE_NONE, start = out->len;
	int rc;

	if (!s->data_key)
		return err_set(e, ERR_FAIL, "store is not unlocked");
	rc = splice_scan_plain(plain, len, &d, e);
	if (rc)
		goto out;
	k = derive(s->data_key);
	if (!k) {
		rc = err_oom(e);
		goto out;
	}
	if (s->tokens)
		for (size_t i = 0; i < s->tokens->n; i++)
			s->tokens->v[i].used = 0;
	meta_at = d.meta_at <= len ? d.meta_at : len;
	for (size_t i = 0; i <= d.n_items; i++) {
		const struct splice_item *it = i < d.n_items ? &d.items[i] : NULL;
		const unsigned char *pt;
		size_t n, plen;
		const struct tok_entry *old;
		unsigned char *payload = NULL;
		int bad;

		/* the metadata block goes before a "..." document end, which
		 * comments may follow */
		if (mac_at == SPLICE_NONE && (!it || it->start >= meta_at)) {
			if (buf_append(out, plain + pos, meta_at - pos) ||
			    (!d.final_newline && buf_puts(out, d.eol ? d.eol : "\n")) ||
			    put_metadata(s, out, d.indent, d.eol ? d.eol : "\n", d.final_newline,
					 &mac_at)) {
				rc = err_oom(e);
				goto out;
			}
			pos = meta_at;
		}
		if (!it)
			break;
		pt = (const unsigned char *)plain + it->start;
		n = it->end - it->start;
		bad = buf_append(out, plain + pos, it->start - pos);
		if (it->kind == SPLICE_VALUE) {
			bad |= buf_putc(out, ' ');
			if (it->anchor_len) {
				bad |= buf_putc(out, '&');
				bad |= buf_append(out, plain + it->anchor_start, it->anchor_len);
				bad |= buf_putc(out, ' ');
			}
			bad |= buf_puts(out, "!enc ");
		} else {
			bad |= buf_puts(out, "#!enc ");
		}
		bad |= item_path(&d, it, &path);
		old = bad ? NULL : tokmap_take(s->tokens, it->kind, path.p, path.len, pt, n);
		if (old) { /* the old token, byte for byte */
			bad |= buf_append(out, s->tokens->b64.p + old->b64_off, old->b64_len);
		} else if (bad || new_token(k, it->kind, path.p, path.len, pt, n, &payload, &plen)) {
			bad = 1;
		} else {
			bad |= b64_encode(out, payload, plen, B64_PADDED);
			free(payload);
		}
		if (it->kind == SPLICE_VALUE && it->eol) /* the region's own line break */
			bad |= buf_append(out, (const char *)pt + n - (size_t)it->eol, (size_t)it->eol);
		if (bad) {
			rc = err_oom(e);
			goto out;
		}
		pos = it->end;
	}
	if (buf_append(out, plain + pos, len - pos)) {
		rc = err_oom(e);
		goto out;
	}
	if (out->len - start > STORE_MAX_SIZE) {
		rc = err_set(e, ERR_INPUT, "the store would be larger than %u MiB", STORE_MAX_SIZE >> 20);
		goto out;
	}
	/* every byte of the new text is known but the mac's own */
	mac2(k, out->p + start, out->len - start, mac_at - start, mac_at - start + MAC_B64_LEN, mac);
	b64_encode_to(out->p + mac_at, mac, MAC_LEN, B64_PADDED);
	out->p[mac_at + MAC_B64_LEN] = d.eol && d.eol[0] == '\r' ? '\r' : '\n';
out:
	secmem_release(k);
	splice_doc_free(&d);
	buf_free(&path);
	return rc;
}

/* ---- slots -------------------------------------------------------------- */

/* out's data_key: the data key wrapped for rc, or (rc NULL) for pass. */
static int wrap_slot(const unsigned char *data_key, const struct age_rcpt *rc_,
		     const unsigned char *pass, size_t plen, int log_n, struct keyslot *out,
		     struct err *e)
{
	const unsigned char(*one)[AGE_KEY_LEN] = rc_ ? (const void *)rc_->key : NULL;
	struct age_recipients r = { NULL, 0, pass, plen, log_n, NULL, 0 };
	struct buf b = { 0 };
	int rc;

	if (rc_ && rc_->kind == AGE_KIND_SSH_ED25519) {
		r.ssh_ed25519 = one;
		r.n_ssh_ed25519 = 1;
	} else if (rc_) {
		r.x25519 = one;
		r.n_x25519 = 1;
	}
	rc = age_encrypt(&r, data_key, STORE_KEY_LEN, 1, &b, e);
	if (rc) {
		buf_free(&b);
		return rc;
	}
	out->data_key = b.p;
	out->data_key_len = b.len;
	return 0;
}

int store_new(const char *path, struct store *s, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->mode = 0600;
	s->path = buf_memdup0(path, strlen(path));
	s->data_key = secmem_alloc(STORE_KEY_LEN);
	if (!s->path || !s->data_key)
		return err_oom(e);
	randombytes_buf(s->data_key, STORE_KEY_LEN);
	return 0;
}

/* Do two recipient texts name the same key? An ssh line's comment does
 * not count. */
static int same_recipient(const char *a, const char *b)
{
	struct age_rcpt x, y;
	struct err ignored;

	if (strcmp(a, b) == 0)
		return 1;
	return age_rcpt_parse(a, strlen(a), &x, &ignored) == 0 &&
	       age_rcpt_parse(b, strlen(b), &y, &ignored) == 0 && x.kind == y.kind &&
	       memcmp(x.key, y.key, AGE_KEY_LEN) == 0;
}

static int slot_index(const struct store *s, const char *recipient)
{
	int scrypt = strcmp(recipient, "scrypt") == 0;

	for (size_t i = 0; i < s->n_slots; i++)
		if (scrypt ? !s->slots[i].recipient
			   : s->slots[i].recipient && same_recipient(s->slots[i].recipient, recipient))
			return (int)i;
	return -1;
}

/* Append sl, whose strings s takes (also on failure). */
static int push_slot(struct store *s, struct keyslot *sl, struct err *e)
{
	struct keyslot *nv = realloc(s->slots, (s->n_slots + 1) * sizeof *nv);

	if (!nv) {
		slot_free(sl);
		return err_oom(e);
	}
	s->slots = nv;
	sl->scrypt = !sl->recipient;
	s->slots[s->n_slots++] = *sl;
	return 0;
}

int store_add_recipient(struct store *s, const char *recipient, struct err *e)
{
	struct age_rcpt r;
	struct keyslot sl = { 0 };
	struct buf text = { 0 };
	int rc;

	rc = age_rcpt_parse(recipient, strlen(recipient), &r, e);
	if (!rc)
		rc = age_rcpt_text(recipient, strlen(recipient), &text, e);
	if (!rc && slot_index(s, text.p) >= 0)
		rc = err_set(e, ERR_INPUT, "%s is already a recipient", text.p);
	if (!rc)
		rc = wrap_slot(s->data_key, &r, NULL, 0, 0, &sl, e);
	if (rc) {
		buf_free(&text);
		return rc;
	}
	sl.recipient = text.p; /* the canonical text: an ssh line's comment only if plain */
	if (!sl.recipient) {
		slot_free(&sl);
		return err_oom(e);
	}
	return push_slot(s, &sl, e);
}

int store_add_passphrase(struct store *s, const unsigned char *pass, size_t len, int log_n,
			 struct err *e)
{
	struct keyslot sl = { 0 };
	int rc;

	if (slot_index(s, "scrypt") >= 0)
		return err_set(e, ERR_INPUT, "the store already has a passphrase slot");
	rc = wrap_slot(s->data_key, NULL, pass, len, log_n, &sl, e);
	if (rc)
		return rc;
	return push_slot(s, &sl, e);
}

int store_remove_recipient(struct store *s, const char *recipient, struct err *e)
{
	int i = slot_index(s, recipient);

	if (i < 0)
		return err_set(e, ERR_NOTFOUND, "%s is not a recipient of %s", recipient, s->path);
	if (s->n_slots == 1)
		return err_set(e, ERR_INPUT, "cannot remove the last key slot of %s", s->path);
	slot_free(&s->slots[i]);
	memmove(&s->slots[i], &s->slots[i + 1], (s->n_slots - (size_t)i - 1) * sizeof *s->slots);
	s->n_slots--;
	return 0;
}

/* ---- merges ------------------------------------------------------------ */

static int tokmap_merge_into(struct store_tokmap *m, const struct store_tokmap *from)
{
	for (size_t i = 0; from && i < from->n; i++) {
		const struct tok_entry *t = &from->v[i];
		if (tokmap_add(m, t->kind, from->paths.p + t->path_off, t->path_len,
			       from->plain.p + t->plain_off, t->plain_len, from->b64.p + t->b64_off,
			       t->b64_len))
			return -1;
	}
	return 0;
}

static int same_key(const unsigned char *a, const unsigned char *b)
{
	return a && b && sodium_memcmp(a, b, STORE_KEY_LEN) == 0;
}

/* The slot of recipient r ("scrypt": the passphrase slot) for data key
 * `key`: copied from a side that holds that key, else made anew. */
static int merged_slot(struct store *out, const char *r, const struct store *const *src,
		       size_t nsrc, struct err *e)
{
	int scrypt = strcmp(r, "scrypt") == 0;
	struct keyslot sl;

	for (size_t i = 0; i < nsrc; i++) {
		int k = slot_index(src[i], r);
		if (k < 0)
			continue;
		if (slot_copy(&sl, &src[i]->slots[k]))
			return err_oom(e);
		return push_slot(out, &sl, e);
	}
	if (scrypt)
		return err_set(e, ERR_INPUT,
			       "the passphrase slot cannot take the merged data key without the "
			       "passphrase (one side changed the data key, the other the slots)");
	return store_add_recipient(out, r, e);
}

int store_merge_keys(struct store *out, const char *path, const struct store *base,
		     const struct store *ours, const struct store *theirs, struct err *e)
{
	const struct store *src[2];
	size_t nsrc = 0;
	int rc;

	rc = store_new(path, out, e);
	if (rc)
		return rc;
	if (!ours->data_key || !theirs->data_key)
		return err_set(e, ERR_FAIL, "store is not unlocked");
	/* the data key: kept when neither side changed it, else the changed
	 * side's; when both changed it, a new one (either side's could still
	 * be held by a recipient the other removed) */
	if (same_key(ours->data_key, theirs->data_key)) {
		src[nsrc++] = ours;
		src[nsrc++] = theirs;
	} else if (same_key(ours->data_key, base->data_key)) {
		src[nsrc++] = theirs;
	} else if (same_key(theirs->data_key, base->data_key)) {
		src[nsrc++] = ours;
	}
	if (nsrc)
		memcpy(out->data_key, src[0]->data_key, STORE_KEY_LEN);
	/* the slots: ours' in order, less those theirs removed, then those
	 * theirs added */
	for (size_t i = 0; i < ours->n_slots && !rc; i++) {
		const char *r = ours->slots[i].recipient ? ours->slots[i].recipient : "scrypt";
		if (slot_index(base, r) >= 0 && slot_index(theirs, r) < 0)
			continue;
		rc = merged_slot(out, r, src, nsrc, e);
	}
	for (size_t i = 0; i < theirs->n_slots && !rc; i++) {
		const char *r = theirs->slots[i].recipient ? theirs->slots[i].recipient : "scrypt";
		if (slot_index(ours, r) >= 0 || slot_index(base, r) >= 0)
			continue;
		rc = merged_slot(out, r, src, nsrc, e);
	}
	if (!rc && out->n_slots == 0)
		rc = err_set(e, ERR_INPUT, "the merge leaves the store without key slots");
	if (rc)
		return rc;
	/* unchanged regions keep their tokens, from every side that has the key */
	if (nsrc) {
		out->tokens = calloc(1, sizeof *out->tokens);
		if (!out->tokens)
			return err_oom(e);
		for (size_t i = 0; i < nsrc; i++)
			if (tokmap_merge_into(out->tokens, src[i]->tokens))
				return err_oom(e);
		if (tokmap_index(out->tokens))
			return err_oom(e);
	}
	return 0;
}

int store_rotate_key(struct store *s, const unsigned char *pass, size_t plen, struct err *e)
{
	struct keyslot *ns = calloc(s->n_slots ? s->n_slots : 1, sizeof *ns);
	int rc = 0;

	if (!ns)
		return err_oom(e);
	if (!s->data_key) {
		free(ns);
		return err_set(e, ERR_FAIL, "store is not unlocked");
	}
	/* a mistyped passphrase would lock the passphrase slot for good */
	for (size_t i = 0; i < s->n_slots && pass; i++) {
		struct age_keys k = { NULL, 0, pass, plen, 0 };
		struct secmem old = { 0 };
		if (s->slots[i].recipient)
			continue;
		rc = age_decrypt((const unsigned char *)s->slots[i].data_key,
				 s->slots[i].data_key_len, &k, &old, e);
		if (!rc && (old.len != STORE_KEY_LEN ||
			    sodium_memcmp(old.p, s->data_key, STORE_KEY_LEN) != 0))
			rc = err_set(e, ERR_NOKEY, "the passphrase slot holds another data key");
		secmem_free(&old);
		if (rc) {
			free(ns);
			return e->sub == AGE_FAIL_NO_MATCH
				       ? err_set(e, ERR_NOKEY, "wrong passphrase for the passphrase slot")
				       : rc;
		}
	}
	randombytes_buf(s->data_key, STORE_KEY_LEN);
	for (size_t i = 0; i < s->n_slots && !rc; i++) {
		struct age_rcpt r;
		if (s->slots[i].recipient) {
			rc = age_rcpt_parse(s->slots[i].recipient, strlen(s->slots[i].recipient),
					    &r, e);
			if (!rc)
				rc = wrap_slot(s->data_key, &r, NULL, 0, 0, &ns[i], e);
		} else if (!pass) {
			rc = err_set(e, ERR_NOKEY,
				     "the passphrase slot needs the passphrase to take the new data key");
		} else {
			rc = wrap_slot(s->data_key, NULL, pass, plen, 0, &ns[i], e);
		}
	}
	if (rc) {
		for (size_t i = 0; i < s->n_slots; i++)
			free(ns[i].data_key);
		free(ns);
		return rc;
	}
	for (size_t i = 0; i < s->n_slots; i++) {
		free(s->slots[i].data_key);
		s->slots[i].data_key = ns[i].data_key;
		s->slots[i].data_key_len = ns[i].data_key_len;
	}
	free(ns);
	tokmap_free(s->tokens); /* every token is new under a new key */
	s->tokens = NULL;
	return 0;
}

/* ---- saving ------------------------------------------------------------- */

static int dir_of(const char *path, struct buf *dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return buf_puts(dir, ".");
	}
	*base = slash + 1;
	return buf_append(dir, path, slash == path ? 1 : (size_t)(slash - path));
}

int store_sign_ready(const struct store *s, struct err *e)
{
	char fp[SSHKEY_FP_MAX];

	if (s->signer || !s->n_sigs || s->drop_signatures)
		return 0;
	sshkey_fingerprint(s->sigs[0].pk, fp);
	return err_set(e, ERR_NOKEY, "%s is signed (by %s): a write must sign it too; name a "
		       "signing key ($SECRETCTL_SIGNING_KEY or --sign-with FILE), or give "
		       "--drop-signatures to write it unsigned", s->path, fp);
}

int store_save(struct store *s, const char *text, size_t len, int create_only, int *written,
	       struct err *e)
{
	struct buf dir = { 0 }, signed_text = { 0 };
	struct io_replace r = { .dir_fd = -1 };
	enum io_done done;
	int rc;

	*written = 0;
	if (s->exists && !create_only && s->text.len == len && memcmp(s->text.p, text, len) == 0)
		return 0;
	/* a signed store stays signed (FORMAT.md 5.4) */
	if ((rc = store_sign_ready(s, e)))
		goto out;
	if (s->signer) {
		if ((rc = store_sig_insert(s, text, len, &signed_text, e)))
			goto out;
		text = signed_text.p;
		len = signed_text.len;
	}
	if (dir_of(s->path, &dir, &r.name)) {
		rc = err_oom(e);
		goto out;
	}
	r.dir_fd = open(dir.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.dir_fd < 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot open directory '%s'", dir.p);
		goto out;
	}
	r.dir = dir.p;
	r.shown = s->path;
	r.mode = s->mode ? s->mode : 0600;
	/* Temp files a killed writer left are removed only while the store's
	 * lock is held (every writer takes it in store_load), so none can
	 * belong to a live writer. (Only create_only saves take no lock, and
	 * they fail anyway when the store exists.) A new store is linked,
	 * never renamed over one that appeared meanwhile. */
	r.flags = (s->locked ? IO_REPLACE_CLEAN : 0) | (create_only ? IO_REPLACE_EXCL : 0);
	rc = io_replace(&r, text, len, &done, e);
	*written = rc == 0;
out:
	if (r.dir_fd >= 0)
		close(r.dir_fd);
	buf_free(&dir);
	buf_free(&signed_text);
	return rc;
}

void store_free(struct store *s)
{
	if (s->locked)
		close(s->lock_fd);
	for (size_t i = 0; i < s->n_slots; i++)
		slot_free(&s->slots[i]);
	free(s->slots);
	free(s->path);
	splice_doc_free(&s->doc); /* before the text: its block may lie there */
	if (s->text_mapped)
		buf_big_free(s->text.p, s->text_mapped);
	else
		buf_free(&s->text);
	secmem_release(s->data_key);
	tokmap_free(s->tokens);
	free(s->sigs);
	memset(s, 0, sizeof *s);
}
