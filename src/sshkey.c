/* OpenSSH Ed25519 keys on libsodium, parsed as strictly as OpenSSH's
 * sshkey.c: a getter that would read past the end fails, and what is left
 * over is an error. */
#include "secretctl/sshkey.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/b64.h"
#include "secretctl/secmem.h"

#define PRIV_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define PRIV_END "-----END OPENSSH PRIVATE KEY-----"
#define PRIV_MAGIC "openssh-key-v1" /* and its NUL */
#define PRIV_B64_MAX 16384
#define PRIV_BLOCK 8 /* cipher "none" pads to 8 bytes */

/* A key that does not parse: ERR_INPUT with its SSHKEY_FAIL_* detail. */
#define sfail(e, sub, ...) err_set_sub((e), ERR_INPUT, (sub), __VA_ARGS__)

/* ---- wire format ---- */

int sshbuf_get_u32(struct sshbuf *b, uint32_t *v)
{
	if (b->len - b->pos < 4)
		return -1;
	*v = (uint32_t)b->p[b->pos] << 24 | (uint32_t)b->p[b->pos + 1] << 16 |
	     (uint32_t)b->p[b->pos + 2] << 8 | b->p[b->pos + 3];
	b->pos += 4;
	return 0;
}

int sshbuf_get_string(struct sshbuf *b, const unsigned char **s, size_t *n)
{
	size_t at = b->pos;
	uint32_t len;

	if (sshbuf_get_u32(b, &len))
		return -1;
	if (b->len - b->pos < len) {
		b->pos = at;
		return -1;
	}
	*s = b->p + b->pos;
	*n = len;
	b->pos += len;
	return 0;
}

int sshbuf_get_cstring_is(struct sshbuf *b, const char *want)
{
	size_t at = b->pos, n;
	const unsigned char *s;

	if (sshbuf_get_string(b, &s, &n))
		return -1;
	if (n != strlen(want) || memcmp(s, want, n) != 0) {
		b->pos = at;
		return -1;
	}
	return 0;
}

int sshbuf_put_u32(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	return buf_append(out, b, 4);
}

int sshbuf_put_string(struct buf *out, const void *s, size_t n)
{
	if (n > UINT32_MAX)
		return -1;
	return sshbuf_put_u32(out, (uint32_t)n) || buf_append(out, s, n) ? -1 : 0;
}

/* ---- public keys ---- */

void sshkey_wire(const unsigned char pk[SSHKEY_PK_LEN], unsigned char out[SSHKEY_WIRE_LEN])
{
	static const unsigned char head[] = { 0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd',
					      '2', '5', '5', '1', '9', 0, 0, 0, 32 };

	memcpy(out, head, sizeof head);
	memcpy(out + sizeof head, pk, SSHKEY_PK_LEN);
}

void sshkey_fingerprint(const unsigned char pk[SSHKEY_PK_LEN], char out[SSHKEY_FP_MAX])
{
	unsigned char w[SSHKEY_WIRE_LEN], h[crypto_hash_sha256_BYTES];

	sshkey_wire(pk, w);
	crypto_hash_sha256(h, w, sizeof w);
	memcpy(out, "SHA256:", 7);
	b64_encode_to(out + 7, h, sizeof h, B64_UNPADDED);
}

/* Why a key type is not taken, and what to use instead. */
static int type_refused(const char *t, size_t n, struct err *e)
{
	const char *why;

	if (n == 7 && memcmp(t, "ssh-rsa", 7) == 0)
		why = "RSA (libsodium, secretctl's only crypto library, has no RSA)";
	else if (n >= 6 && memcmp(t, "ecdsa-", 6) == 0)
		why = "ECDSA (libsodium has no NIST curves)";
	else if (n == 7 && memcmp(t, "ssh-dss", 7) == 0)
		why = "DSA (libsodium has no DSA)";
	else if (n >= 3 && memcmp(t, "sk-", 3) == 0)
		why = "a FIDO security key (it cannot decrypt, only sign)";
	else if (memchr(t, '@', n))
		why = "a certificate or an extension type";
	else
		why = "not an OpenSSH key type secretctl knows";
	return sfail(e, SSHKEY_FAIL_TYPE,
		     "ssh key type '%.*s' is not supported: %s; use an ssh-ed25519 key "
		     "(ssh-keygen -t ed25519; a host's is /etc/ssh/ssh_host_ed25519_key.pub) or an "
		     "age recipient",
		     (int)(n > 64 ? 64 : n), t, why);
}

static int printable(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 33 || (unsigned char)t[i] > 126)
			return 0;
	return 1;
}

int sshkey_from_wire(const unsigned char *w, size_t n, unsigned char pk[SSHKEY_PK_LEN],
		     struct err *e)
{
	struct sshbuf b = { w, n, 0 };
	const unsigned char *t, *k;
	size_t tn, kn;

	if (sshbuf_get_string(&b, &t, &tn))
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: truncated");
	if (tn != sizeof SSHKEY_TYPE - 1 || memcmp(t, SSHKEY_TYPE, tn) != 0) {
		if (!printable((const char *)t, tn))
			return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: garbled key type");
		return type_refused((const char *)t, tn, e);
	}
	if (sshbuf_get_string(&b, &k, &kn) || kn != SSHKEY_PK_LEN)
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: an ssh-ed25519 key is 32 bytes");
	if (b.pos != b.len)
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: trailing bytes after the key");
	memcpy(pk, k, SSHKEY_PK_LEN);
	return 0;
}

static int blank(int c)
{
	return c == ' ' || c == '\t';
}

int sshkey_looks_public(const char *s, size_t len)
{
	while (len && blank(*s)) {
		s++;
		len--;
	}
	return (len >= 4 && memcmp(s, "ssh-", 4) == 0) ||
	       (len >= 6 && memcmp(s, "ecdsa-", 6) == 0) || (len >= 3 && memcmp(s, "sk-", 3) == 0);
}

int sshkey_parse_public(const char *s, size_t len, unsigned char pk[SSHKEY_PK_LEN],
			const char **comment, size_t *comment_len, struct err *e)
{
	unsigned char w[B64_DECODED_MAX(1024)];
	size_t a = 0, b, t0, tn, k0, kn, wn;

	while (len && (blank(s[len - 1]) || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	while (a < len && blank(s[a]))
		a++;
	for (t0 = a; a < len && !blank(s[a]); a++)
		;
	tn = a - t0;
	if (tn == 0)
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: empty");
	if (!printable(s + t0, tn))
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: garbled key type");
	if (tn != sizeof SSHKEY_TYPE - 1 || memcmp(s + t0, SSHKEY_TYPE, tn) != 0)
		return type_refused(s + t0, tn, e);
	while (a < len && blank(s[a]))
		a++;
	for (k0 = a; a < len && !blank(s[a]); a++)
		;
	kn = a - k0;
	if (kn == 0)
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: no key after 'ssh-ed25519'");
	if (kn > 1024 || b64_decode_form(s + k0, kn, B64_PADDED, w, sizeof w, &wn))
		return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: the key is not valid base64");
	if (sshkey_from_wire(w, wn, pk, e))
		return e->code;
	for (b = a; b < len && blank(s[b]); b++)
		;
	for (size_t i = b; i < len; i++)
		if (s[i] == '\0' || s[i] == '\n' || s[i] == '\r')
			return sfail(e, SSHKEY_FAIL_SYNTAX, "ssh public key: control character in "
							    "the comment");
	if (comment)
		*comment = s + b;
	if (comment_len)
		*comment_len = len - b;
	return 0;
}

static int comment_safe(const char *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c[i];
		if (ch == ' ' ? i == 0 || i == n - 1 || c[i - 1] == ' '
			      : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
				  (ch >= 'A' && ch <= 'Z') || strchr("@._+=/,-", ch)))
			return 0;
	}
	return n > 0;
}

int sshkey_format_public(const unsigned char pk[SSHKEY_PK_LEN], const char *comment,
			 size_t comment_len, struct buf *out)
{
	unsigned char w[SSHKEY_WIRE_LEN];

	sshkey_wire(pk, w);
	if (buf_puts(out, SSHKEY_TYPE " ") || b64_encode(out, w, sizeof w, B64_PADDED))
		return -1;
	if (comment && comment_safe(comment, comment_len) &&
	    (buf_putc(out, ' ') || buf_append(out, comment, comment_len)))
		return -1;
	return 0;
}

/* ---- private keys ---- */

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

int sshkey_is_private(const unsigned char *text, size_t len)
{
	const unsigned char *p = skip_space(text, text + len);

	return (size_t)(text + len - p) >= sizeof PRIV_BEGIN - 1 &&
	       memcmp(p, PRIV_BEGIN, sizeof PRIV_BEGIN - 1) == 0;
}

static int pfail(struct err *e, int sub, const char *why)
{
	return sfail(e, sub, "ssh private key: %s", why);
}

/* The openssh-key-v1 blob, decoded, in secure memory. */
static int parse_blob(const unsigned char *d, size_t n, unsigned char sk[SSHKEY_SK_LEN],
		      struct err *e)
{
	struct sshbuf b = { d, n, 0 }, p;
	const unsigned char *s, *cipher, *pub_blob, *priv, *kpk, *ksk;
	size_t sn, cn, pbn, privn, kpkn, kskn, i;
	uint32_t nkeys, c1, c2;
	unsigned char pk[SSHKEY_PK_LEN], derived[SSHKEY_PK_LEN], *tmp;

	if (n < sizeof PRIV_MAGIC || memcmp(d, PRIV_MAGIC, sizeof PRIV_MAGIC) != 0)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "not an openssh-key-v1 key (bad magic)");
	b.pos = sizeof PRIV_MAGIC;
	if (sshbuf_get_string(&b, &cipher, &cn))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (cipher name)");
	if (cn != 4 || memcmp(cipher, "none", 4) != 0) {
		if (!printable((const char *)cipher, cn) || cn > 64)
			return pfail(e, SSHKEY_FAIL_SYNTAX, "garbled cipher name");
		return sfail(e, SSHKEY_FAIL_ENCRYPTED,
			     "ssh private key: protected by a passphrase (%.*s with bcrypt-pbkdf), "
			     "which secretctl cannot open (libsodium has no AES or Blowfish); use an "
			     "unencrypted copy kept mode 0600 (ssh-keygen -p -N '' -f COPY), or an age "
			     "identity; to sign with such a key, load it into ssh-agent",
			     (int)cn, cipher);
	}
	if (sshbuf_get_cstring_is(&b, "none"))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "KDF is not 'none' for an unencrypted key");
	if (sshbuf_get_string(&b, &s, &sn) || sn != 0)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "KDF options must be empty for an unencrypted key");
	if (sshbuf_get_u32(&b, &nkeys))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (number of keys)");
	if (nkeys != 1)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "the file must hold exactly one key");
	if (sshbuf_get_string(&b, &pub_blob, &pbn))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (public key)");
	if (sshkey_from_wire(pub_blob, pbn, pk, e))
		return err_wrap(e, "ssh private key");
	if (sshbuf_get_string(&b, &priv, &privn))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (private section)");
	if (b.pos != b.len)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "trailing bytes after the private section");
	if (privn % PRIV_BLOCK)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "private section is not a multiple of 8 bytes");
	p = (struct sshbuf){ priv, privn, 0 };
	if (sshbuf_get_u32(&p, &c1) || sshbuf_get_u32(&p, &c2))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (check-ints)");
	if (c1 != c2)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "the check-ints differ (corrupted key)");
	if (sshbuf_get_string(&p, &s, &sn))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (key type)");
	if (sn != sizeof SSHKEY_TYPE - 1 || memcmp(s, SSHKEY_TYPE, sn) != 0)
		return pfail(e, SSHKEY_FAIL_MISMATCH,
			     "the private key's type differs from its public key's");
	if (sshbuf_get_string(&p, &kpk, &kpkn) || kpkn != SSHKEY_PK_LEN ||
	    sshbuf_get_string(&p, &ksk, &kskn) || kskn != SSHKEY_SK_LEN)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated or wrong-sized ssh-ed25519 key");
	if (sodium_memcmp(kpk, pk, SSHKEY_PK_LEN) != 0 ||
	    sodium_memcmp(ksk + 32, pk, SSHKEY_PK_LEN) != 0)
		return pfail(e, SSHKEY_FAIL_MISMATCH,
			     "the private key does not match the public key in the file");
	if (sshbuf_get_string(&p, &s, &sn))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "truncated (comment)");
	for (i = 0; p.pos < p.len; i++, p.pos++)
		if (p.p[p.pos] != (unsigned char)(i + 1) || i >= PRIV_BLOCK - 1)
			return pfail(e, SSHKEY_FAIL_SYNTAX, "bad padding after the key");
	/* the seed must give the public key: a file whose halves were swapped
	 * for another key's is not a key */
	if (!(tmp = secmem_alloc(SSHKEY_SK_LEN)))
		return err_oom(e);
	crypto_sign_seed_keypair(derived, tmp, ksk);
	secmem_release(tmp);
	if (sodium_memcmp(derived, pk, SSHKEY_PK_LEN) != 0)
		return pfail(e, SSHKEY_FAIL_MISMATCH,
			     "the private key does not match the public key in the file");
	memcpy(sk, ksk, SSHKEY_SK_LEN);
	return 0;
}

int sshkey_parse_private(const unsigned char *text, size_t len, unsigned char sk[SSHKEY_SK_LEN],
			 struct err *e)
{
	const unsigned char *end = text + len, *p = skip_space(text, end), *b64, *q;
	struct secmem bin = { 0 };
	const char *b64_end;
	size_t n;
	int rc;

	if ((size_t)(end - p) < sizeof PRIV_BEGIN - 1 ||
	    memcmp(p, PRIV_BEGIN, sizeof PRIV_BEGIN - 1) != 0)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "no '" PRIV_BEGIN "' line");
	p += sizeof PRIV_BEGIN - 1;
	if (p < end && *p == '\r')
		p++;
	if (p == end || *p != '\n')
		return pfail(e, SSHKEY_FAIL_SYNTAX, "no line break after the BEGIN line");
	b64 = ++p;
	for (q = b64;; q++) {
		q = memchr(q, '-', (size_t)(end - q));
		if (!q)
			return pfail(e, SSHKEY_FAIL_SYNTAX, "no '" PRIV_END "' line (truncated)");
		if ((size_t)(end - q) >= sizeof PRIV_END - 1 &&
		    memcmp(q, PRIV_END, sizeof PRIV_END - 1) == 0)
			break;
	}
	if (q == b64 || (q[-1] != '\n'))
		return pfail(e, SSHKEY_FAIL_SYNTAX, "the END line must start a line");
	if (skip_space(q + sizeof PRIV_END - 1, end) != end)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "text after the END line");
	end = q; /* libsodium stops at the padding: leave the last line break out */
	while (end > b64 && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	q = end;
	if ((size_t)(q - b64) > PRIV_B64_MAX)
		return pfail(e, SSHKEY_FAIL_SYNTAX, "too large for an ssh-ed25519 key");
	if (secmem_reserve(&bin, (size_t)(q - b64)))
		return err_oom(e);
	if (sodium_base642bin(bin.p, bin.cap, (const char *)b64, (size_t)(q - b64), "\r\n", &n,
			      &b64_end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    b64_end != (const char *)q) {
		secmem_free(&bin);
		return pfail(e, SSHKEY_FAIL_SYNTAX, "not valid base64 (garbled or truncated)");
	}
	bin.len = n;
	rc = parse_blob(bin.p, bin.len, sk, e);
	secmem_free(&bin);
	return rc;
}
