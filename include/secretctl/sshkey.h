/* sshkey: OpenSSH's Ed25519 keys: public key lines (authorized_keys
 * style), private key files (openssh-key-v1, PROTOCOL.key), and the wire
 * format under both (RFC 4251: uint32, string). Parsing is strict, as
 * OpenSSH's sshbuf getters: every length checked, no byte left over.
 * Only ssh-ed25519: libsodium has no RSA, ECDSA or AES-CTR/bcrypt. */
#ifndef SECRETCTL_SSHKEY_H
#define SECRETCTL_SSHKEY_H

#include <stddef.h>
#include <stdint.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"

#define SSHKEY_PK_LEN 32   /* Ed25519 public key */
#define SSHKEY_SK_LEN 64   /* libsodium's secret key: seed || public key */
#define SSHKEY_WIRE_LEN 51 /* string "ssh-ed25519" || string pk */
#define SSHKEY_TYPE "ssh-ed25519"
/* "ssh-ed25519 " + base64 of the wire form: the line without a comment */
#define SSHKEY_LINE_KEY_LEN (sizeof SSHKEY_TYPE + 68)
/* "SHA256:" + 43 characters, as ssh-keygen -l prints it */
#define SSHKEY_FP_MAX 64

/* Why a key was refused, in err.sub. */
enum sshkey_fail {
	SSHKEY_FAIL_SYNTAX = 1, /* not a key, truncated, garbled */
	SSHKEY_FAIL_TYPE,       /* a key of another type (ssh-rsa, ecdsa, ...) */
	SSHKEY_FAIL_ENCRYPTED,  /* a private key protected by a passphrase */
	SSHKEY_FAIL_MISMATCH,   /* private and public halves do not match */
};

/* A reader over wire-format bytes: each getter fails (-1) instead of
 * reading past the end, and leaves pos where it was on failure. */
struct sshbuf {
	const unsigned char *p;
	size_t len, pos;
};
int sshbuf_get_u32(struct sshbuf *b, uint32_t *v);
/* A string: *s points into the buffer (not NUL-terminated). */
int sshbuf_get_string(struct sshbuf *b, const unsigned char **s, size_t *n);
/* A string that must be exactly the text want. */
int sshbuf_get_cstring_is(struct sshbuf *b, const char *want);
/* Wire-format writers, appended to out; 0 or -1 (out of memory). */
int sshbuf_put_u32(struct buf *out, uint32_t v);
int sshbuf_put_string(struct buf *out, const void *s, size_t n);

/* The wire form of an Ed25519 public key (what its SHA-256 fingerprint
 * and age's ssh-ed25519 tag are computed over). */
void sshkey_wire(const unsigned char pk[SSHKEY_PK_LEN], unsigned char out[SSHKEY_WIRE_LEN]);
/* A public key blob (the wire form) -> pk; another type is
 * SSHKEY_FAIL_TYPE naming it. ERR_INPUT. */
int sshkey_from_wire(const unsigned char *w, size_t n, unsigned char pk[SSHKEY_PK_LEN],
		     struct err *e);
/* "SHA256:..." of the key, as ssh-keygen -l. */
void sshkey_fingerprint(const unsigned char pk[SSHKEY_PK_LEN], char out[SSHKEY_FP_MAX]);

/* One public key line "ssh-ed25519 BASE64 [comment]" (authorized_keys
 * and .pub files; no options in front). Leading and trailing blanks are
 * skipped. comment and comment_len: the comment (may be empty; NULL args
 * allowed). Another key type (ssh-rsa, ecdsa-sha2-*, sk-*) is refused
 * with SSHKEY_FAIL_TYPE, saying why and what to use. ERR_INPUT. */
int sshkey_parse_public(const char *s, size_t len, unsigned char pk[SSHKEY_PK_LEN],
			const char **comment, size_t *comment_len, struct err *e);
/* Does s start like an ssh public key line ("ssh-", "ecdsa-", "sk-")? */
int sshkey_looks_public(const char *s, size_t len);
/* "ssh-ed25519 BASE64" and, when the comment is made only of
 * [A-Za-z0-9@._+=/,-] words separated by single spaces (what a YAML plain
 * scalar carries as it is), " comment"; any other comment is left out.
 * Appended to out; 0 or -1. */
int sshkey_format_public(const unsigned char pk[SSHKEY_PK_LEN], const char *comment,
			 size_t comment_len, struct buf *out);

/* Does text start (after blanks) with "-----BEGIN OPENSSH PRIVATE KEY-----"? */
int sshkey_is_private(const unsigned char *text, size_t len);
/* An OpenSSH private key file (openssh-key-v1), unencrypted, one
 * ssh-ed25519 key -> sk (libsodium's 64-byte form; the caller's secure
 * memory). Checked: the armor and canonical base64, the magic, cipher and
 * KDF "none", one key, the public blob, the two check-ints, the key type,
 * the public key repeated in the private part and derived from the seed,
 * the padding 1, 2, 3... to a multiple of 8, no trailing byte. Decoded
 * bytes live in secure memory only. ERR_INPUT with an enum sshkey_fail in
 * e->sub: a passphrase-protected key is SSHKEY_FAIL_ENCRYPTED, saying what
 * to do instead. */
int sshkey_parse_private(const unsigned char *text, size_t len, unsigned char sk[SSHKEY_SK_LEN],
			 struct err *e);

#endif
