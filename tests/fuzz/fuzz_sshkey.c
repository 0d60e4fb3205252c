/* libFuzzer harness for OpenSSH keys (src/sshkey.c): private key files
 * and public key lines. The first byte picks the mode: even, the rest is
 * an openssh-key-v1 blob that the harness armors (so mutations reach the
 * blob parser past the base64); odd, the rest is the file as it is, also
 * read as a public key line.
 *
 * Checks (any mismatch aborts):
 *  - a private key parses only with ERR_INPUT as its error and an enum
 *    sshkey_fail in e.sub; on success its seed gives its public half, and
 *    the identity made from it formats a recipient line that parses back
 *    to the same key;
 *  - a public line that parses formats to a line that parses back to the
 *    same key and (kept) comment; the same bytes armored as a private key
 *    and as a line never both succeed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/age.h"
#include "secretctl/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_private(const uint8_t *d, size_t n)
{
	unsigned char *sk = secmem_alloc(SSHKEY_SK_LEN), pk[32], *tmp = secmem_alloc(64);
	struct age_identity *id = secmem_alloc(sizeof *id);
	char r[AGE_RECIPIENT_MAX];
	struct age_rcpt rc_;
	struct err e = { 0 };
	int rc;

	if (!sk || !tmp || !id)
		abort();
	rc = sshkey_parse_private(d, n, sk, &e);
	if (rc && (rc != ERR_INPUT || e.sub < SSHKEY_FAIL_SYNTAX || e.sub > SSHKEY_FAIL_MISMATCH))
		abort();
	if (!rc) {
		crypto_sign_seed_keypair(pk, tmp, sk);
		if (memcmp(pk, sk + 32, 32))
			abort(); /* accepted a key whose halves differ */
		if (age_identity_from_ssh(sk, id, &e) == 0) {
			age_identity_recipient(id, r);
			if (age_rcpt_parse(r, strlen(r), &rc_, &e) || rc_.kind != AGE_KIND_SSH_ED25519 ||
			    memcmp(rc_.key, pk, 32))
				abort();
		}
	}
	secmem_release(sk);
	secmem_release(tmp);
	secmem_release(id);
}

static void check_public(const uint8_t *d, size_t n)
{
	unsigned char pk[32], pk2[32];
	const char *c, *c2;
	size_t cn, cn2;
	struct buf b = { 0 };
	struct err e = { 0 };
	int rc = sshkey_parse_public((const char *)d, n, pk, &c, &cn, &e);

	if (rc && (rc != ERR_INPUT || !e.sub))
		abort();
	if (rc)
		return;
	if (sshkey_format_public(pk, c, cn, &b))
		abort();
	if (sshkey_parse_public(b.p, b.len, pk2, &c2, &cn2, &e) || memcmp(pk, pk2, 32) ||
	    (cn2 && (cn2 != cn || memcmp(c, c2, cn))))
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct buf f = { 0 };
	char *b64;
	size_t n;

	if (!init++ && secmem_init())
		abort();
	if (size == 0 || size > 16384)
		return 0;
	if (data[0] & 1) {
		check_private(data + 1, size - 1);
		check_public(data + 1, size - 1);
		return 0;
	}
	n = sodium_base64_ENCODED_LEN(size - 1, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(n)))
		abort();
	sodium_bin2base64(b64, n, data + 1, size - 1, sodium_base64_VARIANT_ORIGINAL);
	if (buf_puts(&f, "-----BEGIN OPENSSH PRIVATE KEY-----\n") || buf_puts(&f, b64) ||
	    buf_puts(&f, "\n-----END OPENSSH PRIVATE KEY-----\n"))
		abort();
	check_private((const uint8_t *)f.p, f.len);
	free(b64);
	buf_free(&f);
	return 0;
}
