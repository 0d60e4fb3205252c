/* age v1 (https://age-encryption.org/v1) on libsodium. Parsing is strict as
 * in the Go reference implementation, so that the C2SP test vectors give the
 * same result class; files are handled whole, in memory. */
#include "secretctl/age.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "secretctl/b64.h"
#include "secretctl/bech32.h"
#include "secretctl/sshkey.h"

#define FILE_KEY_LEN 16
#define MAC_LEN 32
#define NONCE_LEN 16
#define TAG_LEN crypto_aead_chacha20poly1305_ietf_ABYTES
#define CHUNK_LEN 65536
#define WRAPPED_LEN (FILE_KEY_LEN + TAG_LEN)
#define LINE_BYTES 48 /* 64 base64 columns, for stanza bodies and armor */
#define LINE_COLS 64
#define STANZA_ARGS 4
#define MAX_WS 1024 /* whitespace tolerated around armor, as age */
#define SCRYPT_LOG_N_LIMIT 30 /* age's own range; keeps 1 << log_n sane */

static const char version_line[] = "age-encryption.org/v1\n";
static const char armor_begin[] = "-----BEGIN AGE ENCRYPTED FILE-----";
static const char armor_end[] = "-----END AGE ENCRYPTED FILE-----";
static const char x25519_label[] = "age-encryption.org/v1/X25519";
static const char scrypt_label[] = "age-encryption.org/v1/scrypt";
static const char ssh_label[] = "age-encryption.org/v1/ssh-ed25519";
#define SSH_TAG_LEN 4
static const char identity_hrp[] = "AGE-SECRET-KEY-";
static const char recipient_hrp[] = "age";
static const unsigned char zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

/* Every key of one encryption or decryption, in one secmem block. */
struct age_secrets {
	unsigned char file_key[FILE_KEY_LEN];
	unsigned char mac_key[32];
	unsigned char payload_key[32];
	unsigned char shared[32];   /* X25519 shared secret */
	unsigned char wrap_key[32]; /* wraps the file key (first the ephemeral scalar) */
};

struct stanza {
	const char *arg[STANZA_ARGS]; /* arg[0] is the type; more are counted, not kept */
	size_t arg_len[STANZA_ARGS];
	size_t n_args;
	size_t body_off, body_len; /* in header.bodies */
};

struct header {
	struct stanza *st;
	size_t n, cap;
	struct buf bodies;
	size_t mac_len; /* bytes covered by the MAC: up to and including "---" */
	unsigned char mac[MAC_LEN];
	size_t end; /* where the payload starts */
};

/* err_set for an enum age_fail: the exit code follows from the class. */
static const int fail_codes[] = {
	[AGE_FAIL_NONE] = ERR_FAIL,       [AGE_FAIL_ARMOR] = ERR_INPUT,
	[AGE_FAIL_HEADER] = ERR_INPUT,    [AGE_FAIL_NO_MATCH] = ERR_NOKEY,
	[AGE_FAIL_HMAC] = ERR_INTEGRITY,  [AGE_FAIL_PAYLOAD] = ERR_INTEGRITY,
};
#define fail(e, sub, ...) err_set_sub((e), fail_codes[sub], (sub), __VA_ARGS__)

/* HKDF-SHA-256 (RFC 5869) with one block of output, all age needs. */
static void hkdf(unsigned char out[32], const unsigned char *ikm, size_t ikm_len,
		 const unsigned char *salt, size_t salt_len, const char *info)
{
	crypto_auth_hmacsha256_state st;
	unsigned char prk[32];
	static const unsigned char none[1];
	const unsigned char one = 1;

	crypto_auth_hmacsha256_init(&st, salt_len ? salt : none, salt_len);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)info, strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof prk);
	sodium_memzero(&st, sizeof st);
}

/* A stanza body: full 64-column lines, then a shorter one (maybe empty). */
static int put_body(struct buf *b, const unsigned char *d, size_t n)
{
	size_t k;

	for (;;) {
		k = n < LINE_BYTES ? n : LINE_BYTES;
		if (b64_encode(b, d, k, B64_UNPADDED) || buf_putc(b, '\n'))
			return -1;
		if (k < LINE_BYTES)
			return 0;
		d += k;
		n -= k;
	}
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- keys and their text forms ---- */

int age_idlist_add(struct age_idlist *l, const struct age_identity *id)
{
	struct age_identity *v;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 4;
		v = secmem_alloc(ncap * sizeof *v);
		if (!v)
			return -1;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		secmem_release(l->v);
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n++] = *id;
	return 0;
}

void age_idlist_free(struct age_idlist *l)
{
	secmem_release(l->v); /* sodium_free zeroes */
	l->v = NULL;
	l->n = l->cap = 0;
}

void age_identity_complete(struct age_identity *id)
{
	crypto_scalarmult_base(id->public, id->secret);
	id->kind = AGE_KIND_X25519;
	id->hinted = 0;
}

void age_identity_generate(struct age_identity *id)
{
	randombytes_buf(id->secret, sizeof id->secret);
	age_identity_complete(id);
}

/* The secret half only; public is left as it was. */
static int parse_secret(const char *s, size_t len, struct age_identity *id, struct err *e)
{
	char hrp[32];
	size_t n;
	const char *why;

	if (bech32_decode(s, len, hrp, sizeof hrp, id->secret, sizeof id->secret, &n, &why))
		return err_set(e, ERR_INPUT, "invalid age identity: %s", why);
	if (strcmp(hrp, identity_hrp) != 0 || n != AGE_KEY_LEN) {
		sodium_memzero(id->secret, sizeof id->secret);
		if (strcmp(hrp, recipient_hrp) == 0)
			return err_set(e, ERR_INPUT,
				       "invalid age identity: this is a recipient (public key)");
		if (strcmp(hrp, "AGE-SECRET-KEY-PQ-") == 0)
			return err_set(e, ERR_INPUT, "invalid age identity: post-quantum "
						     "(ML-KEM) identities are not supported");
		if (strcasecmp(hrp, identity_hrp) == 0 && n == AGE_KEY_LEN)
			return err_set(e, ERR_INPUT, "invalid age identity: must be upper case");
		if (strcmp(hrp, identity_hrp) == 0)
			return err_set(e, ERR_INPUT, "invalid age identity: wrong key length");
		return err_set(e, ERR_INPUT,
			       "invalid age identity: not an AGE-SECRET-KEY-1... key");
	}
	return 0;
}

int age_identity_parse(const char *s, size_t len, struct age_identity *id, struct err *e)
{
	if (parse_secret(s, len, id, e))
		return e->code;
	age_identity_complete(id);
	return 0;
}

int age_identity_format(const struct age_identity *id, struct secmem *out, struct err *e)
{
	size_t i, need = bech32_encoded_len(sizeof identity_hrp - 1, AGE_KEY_LEN);

	secmem_clear(out);
	if (secmem_reserve(out, need + 1))
		return err_oom(e);
	if (bech32_encode((char *)out->p, out->cap, "age-secret-key-", id->secret, AGE_KEY_LEN))
		return err_set(e, ERR_FAIL, "age identity: cannot encode");
	for (i = 0; out->p[i]; i++)
		if (out->p[i] >= 'a' && out->p[i] <= 'z')
			out->p[i] -= 32;
	out->len = i;
	return 0;
}

int age_recipient_parse(const char *s, size_t len, unsigned char pk[AGE_KEY_LEN], struct err *e)
{
	char hrp[32];
	unsigned char d[AGE_KEY_LEN];
	size_t n;
	const char *why;

	if (bech32_decode(s, len, hrp, sizeof hrp, d, sizeof d, &n, &why))
		return err_set(e, ERR_INPUT, "invalid age recipient: %s", why);
	if (strcmp(hrp, recipient_hrp) != 0) {
		if (strcmp(hrp, "age1pq") == 0)
			return err_set(e, ERR_INPUT, "invalid age recipient: post-quantum "
						     "(ML-KEM) recipients are not supported");
		if (strcmp(hrp, "AGE") == 0)
			return err_set(e, ERR_INPUT, "invalid age recipient: must be lower case");
		if (strcmp(hrp, identity_hrp) == 0)
			return err_set(e, ERR_INPUT,
				       "invalid age recipient: this is an identity (secret key)");
		return err_set(e, ERR_INPUT, "invalid age recipient: not an age1... key");
	}
	if (n != AGE_KEY_LEN)
		return err_set(e, ERR_INPUT, "invalid age recipient: wrong key length");
	memcpy(pk, d, AGE_KEY_LEN);
	return 0;
}

void age_recipient_format(const unsigned char pk[AGE_KEY_LEN], char out[AGE_RECIPIENT_MAX])
{
	if (bech32_encode(out, AGE_RECIPIENT_MAX, recipient_hrp, pk, AGE_KEY_LEN))
		out[0] = '\0'; /* cannot happen: the size is fixed */
}

int age_identity_from_ssh(const unsigned char sk[64], struct age_identity *id, struct err *e)
{
	memset(id, 0, sizeof *id);
	/* the key file's public half was checked against its seed, so the
	 * X25519 public key is the base point times the mapped secret: one
	 * fixed-base multiplication, where crypto_sign_ed25519_pk_to_curve25519
	 * decodes the point and checks its subgroup (4 times the cost) */
	(void)e;
	crypto_sign_ed25519_sk_to_curve25519(id->secret, sk);
	crypto_scalarmult_base(id->public, id->secret);
	memcpy(id->ssh_pk, sk + 32, AGE_KEY_LEN);
	id->kind = AGE_KIND_SSH_ED25519;
	return 0;
}

int age_identity_file_parse_ssh(const unsigned char *text, size_t len, struct age_idlist *out,
				struct err *e)
{
	unsigned char *sk = secmem_alloc(SSHKEY_SK_LEN);
	struct age_identity *id = secmem_alloc(sizeof *id);
	int rc;

	if (!sk || !id)
		rc = err_oom(e);
	else if (!(rc = sshkey_parse_private(text, len, sk, e)) &&
		 !(rc = age_identity_from_ssh(sk, id, e)) && age_idlist_add(out, id))
		rc = err_oom(e);
	secmem_release(sk);
	secmem_release(id);
	return rc;
}

void age_identity_recipient(const struct age_identity *id, char out[AGE_RECIPIENT_MAX])
{
	struct buf b = { 0 };

	out[0] = '\0';
	if (id->kind != AGE_KIND_SSH_ED25519) {
		age_recipient_format(id->public, out);
		return;
	}
	if (sshkey_format_public(id->ssh_pk, NULL, 0, &b) == 0 && b.len < AGE_RECIPIENT_MAX)
		memcpy(out, b.p, b.len + 1);
	buf_free(&b);
}

int age_rcpt_parse(const char *s, size_t len, struct age_rcpt *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	if (sshkey_looks_public(s, len)) {
		r->kind = AGE_KIND_SSH_ED25519;
		return sshkey_parse_public(s, len, r->key, NULL, NULL, e);
	}
	r->kind = AGE_KIND_X25519;
	return age_recipient_parse(s, len, r->key, e);
}

int age_rcpt_text(const char *s, size_t len, struct buf *out, struct err *e)
{
	struct age_rcpt r;
	const char *c = NULL;
	size_t cn = 0;

	if (!sshkey_looks_public(s, len)) {
		if (age_rcpt_parse(s, len, &r, e))
			return e->code;
		return buf_append(out, s, len) ? err_oom(e) : 0;
	}
	if (sshkey_parse_public(s, len, r.key, &c, &cn, e))
		return e->code;
	return sshkey_format_public(r.key, c, cn, out) ? err_oom(e) : 0;
}

static int file_parse(const unsigned char *text, size_t len, struct age_idlist *out, int hints,
		      struct err *e)
{
	static const char hint_prefix[] = "# public key: ";
	unsigned char hint[AGE_KEY_LEN];
	const unsigned char *nl;
	size_t pos = 0, a, b, lineno = 0, n0 = out->n;
	struct age_identity *id;
	struct err ignored;
	int rc = 0, have_hint = 0;

	if (age_is_encrypted(text, len))
		return err_set(e, ERR_INPUT, "identity file is passphrase-encrypted");
	if (!(id = secmem_alloc(sizeof *id)))
		return err_oom(e);
	while (pos < len && !rc) {
		nl = memchr(text + pos, '\n', len - pos);
		a = pos;
		b = nl ? (size_t)(nl - text) : len;
		pos = b + 1;
		lineno++;
		while (a < b && is_space(text[a]))
			a++;
		while (b > a && is_space(text[b - 1]))
			b--;
		if (a == b)
			continue;
		if (text[a] == '#') {
			if (hints && b - a > sizeof hint_prefix - 1 &&
			    memcmp(text + a, hint_prefix, sizeof hint_prefix - 1) == 0)
				have_hint = age_recipient_parse((const char *)text + a + sizeof hint_prefix - 1,
								b - a - (sizeof hint_prefix - 1), hint,
								&ignored) == 0;
			continue;
		}
		/* The messages of age_identity_parse never quote the line. */
		if (parse_secret((const char *)text + a, b - a, id, e)) {
			rc = err_wrap(e, "line %zu", lineno);
			break;
		}
		if (have_hint) {
			memcpy(id->public, hint, sizeof hint);
			id->kind = AGE_KIND_X25519;
			id->hinted = 1;
		} else {
			age_identity_complete(id);
		}
		have_hint = 0;
		if (age_idlist_add(out, id))
			rc = err_oom(e);
	}
	secmem_release(id);
	if (!rc && out->n == n0)
		rc = err_set(e, ERR_INPUT, "no age identity found");
	if (rc && out->n > n0) {
		sodium_memzero(out->v + n0, (out->n - n0) * sizeof *out->v);
		out->n = n0;
	}
	return rc;
}

int age_identity_file_parse(const unsigned char *text, size_t len, struct age_idlist *out,
			    struct err *e)
{
	return file_parse(text, len, out, 0, e);
}

int age_identity_file_parse_hinted(const unsigned char *text, size_t len, struct age_idlist *out,
				   struct err *e)
{
	return file_parse(text, len, out, 1, e);
}

static int is_binary(const unsigned char *d, size_t len)
{
	static const char prefix[] = "age-encryption.org/";
	size_t n = len < sizeof prefix - 1 ? len : sizeof prefix - 1;

	/* An empty or short prefix is binary too, so it fails as a header. */
	return n == 0 || memcmp(d, prefix, n) == 0;
}

int age_is_encrypted(const unsigned char *data, size_t len)
{
	size_t i = 0, n = sizeof armor_begin - 1;

	if (len >= sizeof version_line - 1 && !memcmp(data, version_line, sizeof version_line - 1))
		return 1;
	while (i < len && is_space(data[i]))
		i++;
	return len - i >= n && memcmp(data + i, armor_begin, n) == 0;
}

/* ---- armor ---- */

int age_armor_encode(const unsigned char *in, size_t len, struct buf *out, struct err *e)
{
	size_t i, k;

	if (buf_puts(out, armor_begin) || buf_putc(out, '\n'))
		return err_oom(e);
	for (i = 0; i < len; i += k) {
		k = len - i < LINE_BYTES ? len - i : LINE_BYTES;
		if (b64_encode(out, in + i, k, B64_PADDED) || buf_putc(out, '\n'))
			return err_oom(e);
	}
	if (buf_puts(out, armor_end) || buf_putc(out, '\n'))
		return err_oom(e);
	return 0;
}

/* Next line without its LF or CRLF; the last line may lack the LF. */
static int armor_line(const unsigned char *in, size_t len, size_t *pos, const char **l, size_t *n)
{
	const unsigned char *nl;
	size_t end;

	if (*pos >= len)
		return -1;
	nl = memchr(in + *pos, '\n', len - *pos);
	end = nl ? (size_t)(nl - in) : len;
	*l = (const char *)in + *pos;
	*n = end - *pos;
	*pos = nl ? end + 1 : len;
	if (nl && *n > 0 && (*l)[*n - 1] == '\r')
		(*n)--;
	return 0;
}

static int line_is(const char *l, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(l, s, n) == 0;
}

/* Undo a partial decode. */
static int armor_fail(struct buf *out, size_t start, struct err *e, const char *what)
{
	out->len = start;
	if (out->p)
		out->p[start] = '\0';
	return fail(e, AGE_FAIL_ARMOR, "%s", what);
}

int age_armor_decode(const unsigned char *in, size_t len, struct buf *out, struct err *e)
{
	size_t pos = 0, n, k = 0, ws = 0, start = out->len, i;
	unsigned char line[LINE_BYTES];
	const char *l;
	int more = 1;

	for (;;) {
		if (armor_line(in, len, &pos, &l, &n))
			return armor_fail(out, start, e, "not an age file: no age header or armor");
		for (i = 0; i < n && is_space((unsigned char)l[i]); i++)
			;
		if (i < n)
			break;
		ws += n + 1;
		if (ws > MAX_WS)
			return armor_fail(out, start, e, "age armor: too much leading whitespace");
	}
	if (!line_is(l, n, armor_begin))
		return armor_fail(out, start, e, n >= 5 && !memcmp(l, "-----", 5)
					? "age armor: invalid begin line"
					: "not an age file: no age header or armor");
	for (;;) {
		if (armor_line(in, len, &pos, &l, &n))
			return armor_fail(out, start, e, "age armor: no end line");
		if (line_is(l, n, armor_end))
			break;
		if (!more)
			return armor_fail(out, start, e, "age armor: short line before the end line");
		if (n == 0)
			return armor_fail(out, start, e, "age armor: empty line");
		if (n > LINE_COLS)
			return armor_fail(out, start, e, "age armor: line longer than 64 columns");
		if (b64_decode_form(l, n, B64_PADDED, line, sizeof line, &k))
			return armor_fail(out, start, e, "age armor: invalid base64");
		if (buf_append(out, line, k)) {
			armor_fail(out, start, e, "");
			return err_oom(e);
		}
		more = k == LINE_BYTES; /* a short line must be the last */
	}
	for (i = pos; i < len && is_space(in[i]); i++)
		;
	if (i < len)
		return armor_fail(out, start, e, "age armor: data after the end line");
	if (len - pos >= MAX_WS)
		return armor_fail(out, start, e, "age armor: too much trailing whitespace");
	return 0;
}

/* ---- header ---- */

static void header_free(struct header *h)
{
	free(h->st);
	buf_free(&h->bodies);
	memset(h, 0, sizeof *h);
}

/* Next LF-terminated line; a missing LF is a truncated header. */
static int header_line(const unsigned char *in, size_t len, size_t *pos, const char **l,
		       size_t *n)
{
	const unsigned char *nl;

	if (*pos >= len || !(nl = memchr(in + *pos, '\n', len - *pos)))
		return -1;
	*l = (const char *)in + *pos;
	*n = (size_t)(nl - in) - *pos;
	*pos += *n + 1;
	return 0;
}

static int hfail(struct err *e, const char *what)
{
	return fail(e, AGE_FAIL_HEADER, "age header: %s", what);
}

/* "-> " then arguments of printable ASCII, separated by single spaces. */
static int stanza_args(const char *l, size_t n, struct stanza *s)
{
	size_t i = 3, start;

	if (n < 3 || l[2] != ' ')
		return -1;
	for (;;) {
		for (start = i; i < n && l[i] != ' '; i++)
			if ((unsigned char)l[i] < 33 || (unsigned char)l[i] > 126)
				return -1;
		if (i == start)
			return -1;
		if (s->n_args < STANZA_ARGS) {
			s->arg[s->n_args] = l + start;
			s->arg_len[s->n_args] = i - start;
		}
		s->n_args++;
		if (i++ == n)
			return 0;
	}
}

static int stanza_is(const struct stanza *s, const char *type)
{
	return line_is(s->arg[0], s->arg_len[0], type);
}

/* Parse the header; raw bytes are checked to be canonical, so the MAC can
 * be computed over them instead of a re-encoding. */
static int header_parse(const unsigned char *in, size_t len, struct header *h, struct err *e)
{
	size_t pos = 0, n, k, i;
	const char *l;
	unsigned char body[LINE_BYTES];
	struct stanza s, *v;

	memset(h, 0, sizeof *h);
	if (header_line(in, len, &pos, &l, &n))
		return hfail(e, len ? "truncated" : "empty file");
	if (!line_is(l, n + 1, version_line))
		return hfail(e, "unsupported version");
	for (;;) {
		if (header_line(in, len, &pos, &l, &n))
			return hfail(e, "truncated");
		if (n >= 3 && !memcmp(l, "---", 3)) {
			if (n < 4 || l[3] != ' ' ||
			    b64_decode_form(l + 4, n - 4, B64_UNPADDED, h->mac, sizeof h->mac, &k) ||
			    k != MAC_LEN)
				return hfail(e, "invalid MAC line");
			h->mac_len = (size_t)(l - (const char *)in) + 3;
			h->end = pos;
			break;
		}
		if (n < 2 || memcmp(l, "->", 2))
			return hfail(e, "invalid line (expected a stanza or the MAC)");
		memset(&s, 0, sizeof s);
		if (stanza_args(l, n, &s))
			return hfail(e, "invalid stanza line");
		s.body_off = h->bodies.len;
		do {
			if (header_line(in, len, &pos, &l, &n))
				return hfail(e, "truncated");
			if (n > LINE_COLS)
				return hfail(e, "stanza body line longer than 64 columns");
			if (b64_decode_form(l, n, B64_UNPADDED, body, sizeof body, &k))
				return hfail(e, "invalid base64 in a stanza body");
			if (buf_append(&h->bodies, body, k))
				return err_oom(e);
		} while (k == LINE_BYTES);
		s.body_len = h->bodies.len - s.body_off;
		if (h->n == h->cap) {
			h->cap = h->cap ? h->cap * 2 : 4;
			if (!(v = realloc(h->st, h->cap * sizeof *v)))
				return err_oom(e);
			h->st = v;
		}
		h->st[h->n++] = s;
	}
	for (i = 0; i < h->n; i++)
		if (stanza_is(&h->st[i], "scrypt") && h->n != 1)
			return hfail(e, "an scrypt stanza must be the only stanza");
	return 0;
}

int age_header_check(const unsigned char *in, size_t len, struct err *e)
{
	struct header h;
	int rc = header_parse(in, len, &h, e);

	header_free(&h);
	return rc;
}

/* ---- stanzas ---- */

/* Unwrap results: 0 = file key found, NO_MATCH = not for this key, else
 * an error code (e is set). */
#define NO_MATCH (-1)

static int unwrap_body(struct age_secrets *k, const unsigned char *body)
{
	return crypto_aead_chacha20poly1305_ietf_decrypt(k->file_key, NULL, NULL, body,
							 WRAPPED_LEN, NULL, 0, zero_nonce,
							 k->wrap_key) == 0 ? 0 : NO_MATCH;
}

/* The X25519-family stanzas' end: k->shared is the shared secret, salt
 * its first half (the share); the wrap key from HKDF(shared, share ||
 * our public key, label) opens the body. */
static int unwrap_shared(struct age_secrets *k, unsigned char salt[2 * AGE_KEY_LEN],
			 const struct age_identity *id, const char *label, const unsigned char *body)
{
	int rc;

	memcpy(salt + AGE_KEY_LEN, id->public, AGE_KEY_LEN);
	hkdf(k->wrap_key, k->shared, sizeof k->shared, salt, 2 * AGE_KEY_LEN, label);
	rc = unwrap_body(k, body);
	sodium_memzero(k->shared, sizeof k->shared);
	sodium_memzero(k->wrap_key, sizeof k->wrap_key);
	return rc;
}

static int unwrap_x25519(const struct stanza *s, const unsigned char *body,
			 const struct age_identity *id, struct age_secrets *k, struct err *e)
{
	unsigned char salt[2 * AGE_KEY_LEN];
	size_t n;

	if (s->n_args != 2)
		return hfail(e, "X25519 stanza: wrong number of arguments");
	if (b64_decode_form(s->arg[1], s->arg_len[1], B64_UNPADDED, salt, AGE_KEY_LEN, &n) ||
	    n != AGE_KEY_LEN)
		return hfail(e, "X25519 stanza: invalid share");
	if (s->body_len != WRAPPED_LEN)
		return hfail(e, "X25519 stanza: wrong file key size");
	/* libsodium refuses low-order points, i.e. an all-zero shared secret */
	if (crypto_scalarmult(k->shared, id->secret, salt) != 0)
		return hfail(e, "X25519 stanza: share is a low-order point");
	return unwrap_shared(k, salt, id, x25519_label, body);
}

/* age's ssh-ed25519 stanza: the tag is the first 4 bytes of SHA-256 of the
 * key's wire form; the X25519 shared secret is multiplied by a tweak,
 * HKDF-SHA-256(ikm empty, salt = wire form, info = label), so a slot made
 * for the ssh key differs from one for its bare X25519 form. */
static void ssh_tag(const unsigned char ed_pk[AGE_KEY_LEN], unsigned char tag[SSH_TAG_LEN],
		    unsigned char tweak[32])
{
	unsigned char w[SSHKEY_WIRE_LEN], h[crypto_hash_sha256_BYTES];

	sshkey_wire(ed_pk, w);
	crypto_hash_sha256(h, w, sizeof w);
	memcpy(tag, h, SSH_TAG_LEN);
	hkdf(tweak, (const unsigned char *)"", 0, w, sizeof w, ssh_label);
}

/* shared = X25519(tweak, X25519(scalar, point)); -1 on a low-order point. */
static int ssh_shared(unsigned char shared[32], const unsigned char *scalar,
		      const unsigned char *point, const unsigned char tweak[32])
{
	unsigned char s1[32];
	int rc = crypto_scalarmult(s1, scalar, point);

	if (rc == 0)
		rc = crypto_scalarmult(shared, tweak, s1);
	sodium_memzero(s1, sizeof s1);
	return rc;
}

static int unwrap_ssh(const struct stanza *s, const unsigned char *body,
		      const struct age_identity *id, struct age_secrets *k, struct err *e)
{
	unsigned char salt[2 * AGE_KEY_LEN], tag[SSH_TAG_LEN], want[SSH_TAG_LEN], tweak[32];
	size_t n;

	if (s->n_args != 3)
		return hfail(e, "ssh-ed25519 stanza: wrong number of arguments");
	if (b64_decode_form(s->arg[1], s->arg_len[1], B64_UNPADDED, tag, sizeof tag, &n) ||
	    n != SSH_TAG_LEN)
		return hfail(e, "ssh-ed25519 stanza: invalid tag");
	if (b64_decode_form(s->arg[2], s->arg_len[2], B64_UNPADDED, salt, AGE_KEY_LEN, &n) ||
	    n != AGE_KEY_LEN)
		return hfail(e, "ssh-ed25519 stanza: invalid share");
	if (s->body_len != WRAPPED_LEN)
		return hfail(e, "ssh-ed25519 stanza: wrong file key size");
	ssh_tag(id->ssh_pk, want, tweak);
	if (sodium_memcmp(tag, want, SSH_TAG_LEN) != 0)
		return NO_MATCH;
	if (ssh_shared(k->shared, id->secret, salt, tweak) != 0)
		return hfail(e, "ssh-ed25519 stanza: share is a low-order point");
	return unwrap_shared(k, salt, id, ssh_label, body);
}

static int scrypt_kek(struct age_secrets *k, const unsigned char *pass, size_t pass_len,
		      const unsigned char salt[16], int log_n, struct err *e)
{
	unsigned char s[sizeof scrypt_label - 1 + 16];

	memcpy(s, scrypt_label, sizeof scrypt_label - 1);
	memcpy(s + sizeof scrypt_label - 1, salt, 16);
	if (crypto_pwhash_scryptsalsa208sha256_ll(pass, pass_len, s, sizeof s, (uint64_t)1 << log_n,
						  8, 1, k->wrap_key, sizeof k->wrap_key) != 0)
		return err_set(e, ERR_FAIL, "scrypt: cannot compute (work factor 2^%d): out of memory",
			       log_n);
	return 0;
}

static int unwrap_scrypt(const struct stanza *s, const unsigned char *body,
			 const struct age_keys *keys, struct age_secrets *k, struct err *e)
{
	unsigned char salt[16];
	size_t n;
	int log_n = 0, max = keys->max_log_n ? keys->max_log_n : AGE_SCRYPT_MAX_LOG_N, rc;
	const char *w = s->arg[2];

	if (s->n_args != 3)
		return hfail(e, "scrypt stanza: wrong number of arguments");
	if (b64_decode_form(s->arg[1], s->arg_len[1], B64_UNPADDED, salt, sizeof salt, &n) ||
	    n != sizeof salt)
		return hfail(e, "scrypt stanza: invalid salt");
	/* decimal, no sign, no leading zero */
	if (s->arg_len[2] > 2 || w[0] < '1' || w[0] > '9' ||
	    (s->arg_len[2] == 2 && (w[1] < '0' || w[1] > '9')))
		return hfail(e, "scrypt stanza: invalid work factor");
	log_n = s->arg_len[2] == 2 ? (w[0] - '0') * 10 + w[1] - '0' : w[0] - '0';
	if (s->body_len != WRAPPED_LEN)
		return hfail(e, "scrypt stanza: wrong file key size");
	if (max > SCRYPT_LOG_N_LIMIT)
		max = SCRYPT_LOG_N_LIMIT;
	if (log_n > max)
		return fail(e, AGE_FAIL_NO_MATCH,
			    "passphrase: scrypt work factor 2^%d is above the limit 2^%d", log_n, max);
	if ((rc = scrypt_kek(k, keys->passphrase, keys->passphrase_len, salt, log_n, e)))
		return rc;
	rc = unwrap_body(k, body);
	sodium_memzero(k->wrap_key, sizeof k->wrap_key);
	return rc;
}

/* In age's order: each identity tries every stanza; then the passphrase. */
static int unwrap(const struct header *h, const struct age_keys *keys, struct age_secrets *k,
		  struct err *e)
{
	const unsigned char *bodies = (const unsigned char *)h->bodies.p;
	size_t i, j;
	int rc, has_scrypt = 0;

	for (i = 0; i < keys->n_ids; i++)
		for (j = 0; j < h->n; j++) {
			if (keys->ids[i].kind == AGE_KIND_SSH_ED25519)
				rc = stanza_is(&h->st[j], "ssh-ed25519")
					     ? unwrap_ssh(&h->st[j], bodies + h->st[j].body_off,
							  &keys->ids[i], k, e)
					     : NO_MATCH;
			else
				rc = stanza_is(&h->st[j], "X25519")
					     ? unwrap_x25519(&h->st[j], bodies + h->st[j].body_off,
							     &keys->ids[i], k, e)
					     : NO_MATCH;
			if (rc != NO_MATCH)
				return rc;
		}
	for (j = 0; j < h->n; j++) {
		if (!stanza_is(&h->st[j], "scrypt"))
			continue;
		has_scrypt = 1;
		if (keys->passphrase && (rc = unwrap_scrypt(&h->st[j], bodies + h->st[j].body_off,
							    keys, k, e)) != NO_MATCH)
			return rc;
	}
	if (has_scrypt)
		return fail(e, AGE_FAIL_NO_MATCH, keys->passphrase
			    ? "incorrect passphrase"
			    : "file is passphrase-encrypted and no passphrase was given");
	return fail(e, AGE_FAIL_NO_MATCH, "no identity matches any recipient of the file");
}

/* ---- STREAM ---- */

static void stream_nonce(unsigned char nonce[12], uint64_t counter, int last)
{
	int i;

	memset(nonce, 0, 12);
	for (i = 0; i < 8; i++)
		nonce[10 - i] = (unsigned char)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

static int stream_seal(struct buf *b, const unsigned char key[32], const unsigned char *in,
		       size_t len)
{
	unsigned char nonce[12];
	size_t pos = 0, n;
	uint64_t ctr = 0;
	unsigned long long clen;

	do {
		n = len - pos < CHUNK_LEN ? len - pos : CHUNK_LEN;
		if (buf_reserve(b, b->len + n + TAG_LEN))
			return -1;
		/* a payload of exactly k chunks ends with a full final chunk, as age */
		stream_nonce(nonce, ctr++, pos + n == len);
		crypto_aead_chacha20poly1305_ietf_encrypt((unsigned char *)b->p + b->len, &clen,
							  in + pos, n, NULL, 0, NULL, nonce, key);
		b->len += clen;
		pos += n;
	} while (pos < len);
	b->p[b->len] = '\0';
	return 0;
}

static int pfail(struct err *e, const char *what, uint64_t chunk)
{
	return fail(e, AGE_FAIL_PAYLOAD, "age payload: chunk %llu: %s", (unsigned long long)chunk,
		    what);
}

/* Release each chunk once it verifies, like age's reader, so a failure
 * leaves in out exactly what age would have released. */
static int stream_open(const unsigned char *in, size_t len, const unsigned char key[32],
		       struct secmem *out, struct err *e)
{
	unsigned char nonce[12];
	size_t pos = 0, n;
	uint64_t ctr;
	unsigned long long mlen;
	int last, rc;

	for (ctr = 0;; ctr++) {
		n = len - pos < CHUNK_LEN + TAG_LEN ? len - pos : CHUNK_LEN + TAG_LEN;
		last = n < CHUNK_LEN + TAG_LEN;
		if (n == 0)
			return pfail(e, ctr ? "missing (file truncated, no final chunk)"
					    : "missing (no payload)", ctr);
		if (n < TAG_LEN)
			return pfail(e, "truncated", ctr);
		if (last && ctr && n == TAG_LEN)
			return pfail(e, "empty final chunk", ctr);
		if (secmem_reserve(out, out->len + n - TAG_LEN))
			return err_oom(e);
		stream_nonce(nonce, ctr, last);
		rc = crypto_aead_chacha20poly1305_ietf_decrypt(out->p + out->len, &mlen, NULL,
							       in + pos, n, NULL, 0, nonce, key);
		if (rc && !last) { /* maybe a full-length final chunk */
			stream_nonce(nonce, ctr, last = 1);
			rc = crypto_aead_chacha20poly1305_ietf_decrypt(
				out->p + out->len, &mlen, NULL, in + pos, n, NULL, 0, nonce, key);
		}
		if (rc) {
			out->p[out->len] = 0;
			return pfail(e, "does not verify (corrupted or truncated)", ctr);
		}
		out->len += (size_t)mlen;
		out->p[out->len] = 0;
		pos += n;
		if (last)
			return pos == len ? 0 : pfail(e, "trailing data after the final chunk", ctr);
	}
}

/* ---- files ---- */

static int wrap_x25519(struct buf *hdr, const unsigned char pk[AGE_KEY_LEN],
		       struct age_secrets *k, struct err *e)
{
	unsigned char salt[2 * AGE_KEY_LEN], body[WRAPPED_LEN];
	int rc = 0;

	randombytes_buf(k->wrap_key, sizeof k->wrap_key); /* ephemeral scalar */
	crypto_scalarmult_base(salt, k->wrap_key);
	if (crypto_scalarmult(k->shared, k->wrap_key, pk) != 0) {
		rc = err_set(e, ERR_INPUT, "age recipient: not a valid X25519 public key");
		goto out;
	}
	memcpy(salt + AGE_KEY_LEN, pk, AGE_KEY_LEN);
	hkdf(k->wrap_key, k->shared, sizeof k->shared, salt, sizeof salt, x25519_label);
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, k->file_key, FILE_KEY_LEN, NULL, 0,
						  NULL, zero_nonce, k->wrap_key);
	if (buf_puts(hdr, "-> X25519 ") || b64_encode(hdr, salt, AGE_KEY_LEN, B64_UNPADDED) ||
	    buf_putc(hdr, '\n') || put_body(hdr, body, sizeof body))
		rc = err_oom(e);
out:
	sodium_memzero(k->shared, sizeof k->shared);
	sodium_memzero(k->wrap_key, sizeof k->wrap_key);
	return rc;
}

static int wrap_ssh(struct buf *hdr, const unsigned char ed_pk[AGE_KEY_LEN],
		    struct age_secrets *k, struct err *e)
{
	unsigned char salt[2 * AGE_KEY_LEN], body[WRAPPED_LEN], tag[SSH_TAG_LEN], tweak[32];
	int rc = 0;

	if (crypto_sign_ed25519_pk_to_curve25519(salt + AGE_KEY_LEN, ed_pk) != 0)
		return err_set(e, ERR_INPUT, "ssh-ed25519 recipient: not a valid Ed25519 public key");
	ssh_tag(ed_pk, tag, tweak);
	randombytes_buf(k->wrap_key, sizeof k->wrap_key); /* ephemeral scalar */
	crypto_scalarmult_base(salt, k->wrap_key);
	if (ssh_shared(k->shared, k->wrap_key, salt + AGE_KEY_LEN, tweak) != 0) {
		rc = err_set(e, ERR_INPUT, "ssh-ed25519 recipient: not a valid public key");
		goto out;
	}
	hkdf(k->wrap_key, k->shared, sizeof k->shared, salt, sizeof salt, ssh_label);
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, k->file_key, FILE_KEY_LEN, NULL, 0,
						  NULL, zero_nonce, k->wrap_key);
	if (buf_puts(hdr, "-> ssh-ed25519 ") || b64_encode(hdr, tag, sizeof tag, B64_UNPADDED) ||
	    buf_putc(hdr, ' ') || b64_encode(hdr, salt, AGE_KEY_LEN, B64_UNPADDED) ||
	    buf_putc(hdr, '\n') || put_body(hdr, body, sizeof body))
		rc = err_oom(e);
out:
	sodium_memzero(k->shared, sizeof k->shared);
	sodium_memzero(k->wrap_key, sizeof k->wrap_key);
	return rc;
}

static int wrap_scrypt(struct buf *hdr, const struct age_recipients *r, struct age_secrets *k,
		       struct err *e)
{
	unsigned char salt[16], body[WRAPPED_LEN];
	int log_n = r->log_n ? r->log_n : AGE_SCRYPT_DEFAULT_LOG_N, rc;

	if (log_n < 1 || log_n > SCRYPT_LOG_N_LIMIT)
		return err_set(e, ERR_USAGE, "scrypt work factor must be between 1 and %d",
			       SCRYPT_LOG_N_LIMIT);
	if (r->passphrase_len == 0)
		return err_set(e, ERR_USAGE, "passphrase: empty");
	randombytes_buf(salt, sizeof salt);
	if ((rc = scrypt_kek(k, r->passphrase, r->passphrase_len, salt, log_n, e)))
		return rc;
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, k->file_key, FILE_KEY_LEN, NULL, 0,
						  NULL, zero_nonce, k->wrap_key);
	sodium_memzero(k->wrap_key, sizeof k->wrap_key);
	if (buf_puts(hdr, "-> scrypt ") || b64_encode(hdr, salt, sizeof salt, B64_UNPADDED) ||
	    buf_printf(hdr, " %d\n", log_n) || put_body(hdr, body, sizeof body))
		return err_oom(e);
	return 0;
}

int age_encrypt(const struct age_recipients *r, const unsigned char *in, size_t len, int armor,
		struct buf *out, struct err *e)
{
	struct buf bin = { 0 }, *b = armor ? &bin : out;
	size_t start = b->len, i;
	unsigned char mac[MAC_LEN], nonce[NONCE_LEN];
	struct age_secrets *k;
	int rc = 0;

	if (!in)
		in = (const unsigned char *)"";
	if (!r->passphrase == !(r->n_x25519 + r->n_ssh_ed25519))
		return err_set(e, ERR_USAGE, r->passphrase
			       ? "a passphrase cannot be combined with recipients"
			       : "no recipient or passphrase to encrypt to");
	if (!(k = secmem_alloc(sizeof *k)))
		return err_oom(e);
	randombytes_buf(k->file_key, sizeof k->file_key);
	if (buf_puts(b, version_line)) {
		rc = err_oom(e);
		goto out;
	}
	for (i = 0; i < r->n_x25519 && !rc; i++)
		rc = wrap_x25519(b, r->x25519[i], k, e);
	for (i = 0; i < r->n_ssh_ed25519 && !rc; i++)
		rc = wrap_ssh(b, r->ssh_ed25519[i], k, e);
	if (!rc && r->passphrase)
		rc = wrap_scrypt(b, r, k, e);
	if (rc)
		goto out;
	hkdf(k->mac_key, k->file_key, sizeof k->file_key, NULL, 0, "header");
	randombytes_buf(nonce, sizeof nonce);
	hkdf(k->payload_key, k->file_key, sizeof k->file_key, nonce, sizeof nonce, "payload");
	if (buf_puts(b, "---")) {
		rc = err_oom(e);
		goto out;
	}
	crypto_auth_hmacsha256(mac, (unsigned char *)b->p + start, b->len - start, k->mac_key);
	if (buf_putc(b, ' ') || b64_encode(b, mac, sizeof mac, B64_UNPADDED) || buf_putc(b, '\n') ||
	    buf_append(b, nonce, sizeof nonce) || stream_seal(b, k->payload_key, in, len)) {
		rc = err_oom(e);
		goto out;
	}
	if (armor)
		rc = age_armor_encode((unsigned char *)bin.p, bin.len, out, e);
out:
	secmem_release(k);
	if (rc && !armor && out->p) {
		out->len = start;
		out->p[start] = '\0';
	}
	buf_free(&bin);
	return rc;
}

int age_decrypt(const unsigned char *in, size_t len, const struct age_keys *keys,
		struct secmem *out, struct err *e)
{
	static const struct age_keys none;
	struct buf dearmored = { 0 };
	struct header h = { 0 };
	struct age_secrets *k = NULL;
	unsigned char mac[MAC_LEN];
	int rc;

	if (!keys)
		keys = &none;
	if (!is_binary(in, len)) {
		if ((rc = age_armor_decode(in, len, &dearmored, e)))
			goto out;
		in = (const unsigned char *)dearmored.p;
		len = dearmored.len;
		if (!in)
			in = (const unsigned char *)"";
	}
	if ((rc = header_parse(in, len, &h, e)))
		goto out;
	if (!(k = secmem_alloc(sizeof *k))) {
		rc = err_oom(e);
		goto out;
	}
	if ((rc = unwrap(&h, keys, k, e)))
		goto out;
	hkdf(k->mac_key, k->file_key, sizeof k->file_key, NULL, 0, "header");
	crypto_auth_hmacsha256(mac, in, h.mac_len, k->mac_key);
	if (secmem_equal(mac, h.mac, MAC_LEN) != 0) {
		rc = fail(e, AGE_FAIL_HMAC, "age header: MAC does not verify (file corrupted "
					    "or modified)");
		goto out;
	}
	if (len - h.end < NONCE_LEN) {
		rc = hfail(e, "payload nonce is truncated");
		goto out;
	}
	hkdf(k->payload_key, k->file_key, sizeof k->file_key, in + h.end, NONCE_LEN, "payload");
	rc = stream_open(in + h.end + NONCE_LEN, len - h.end - NONCE_LEN, k->payload_key, out, e);
out:
	secmem_release(k);
	header_free(&h);
	buf_free(&dearmored);
	return rc;
}
