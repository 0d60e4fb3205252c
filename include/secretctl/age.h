/* age: the age v1 file format (age-encryption.org/v1) on libsodium:
 * X25519, ssh-ed25519 and scrypt stanzas, header MAC, STREAM payload, ASCII armor. */
#ifndef SECRETCTL_AGE_H
#define SECRETCTL_AGE_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/secmem.h"

#define AGE_KEY_LEN 32
/* "age1" + 59 chars; "AGE-SECRET-KEY-1" + 58 chars: both fit. */
#define AGE_RECIPIENT_MAX 96
#define AGE_SCRYPT_DEFAULT_LOG_N 18
#define AGE_SCRYPT_MAX_LOG_N 22

/* Why a decryption failed, in err.sub (the classes of the C2SP vectors). */
enum age_fail {
	AGE_FAIL_NONE = 0,
	AGE_FAIL_ARMOR,    /* bad ASCII armor                     -> ERR_INPUT */
	AGE_FAIL_HEADER,   /* malformed header or stanza          -> ERR_INPUT */
	AGE_FAIL_NO_MATCH, /* no identity/passphrase opens a stanza -> ERR_NOKEY */
	AGE_FAIL_HMAC,     /* header MAC does not verify          -> ERR_INTEGRITY */
	AGE_FAIL_PAYLOAD,  /* STREAM tag, truncation, trailing data -> ERR_INTEGRITY */
};

/* What an identity or a recipient is. */
enum age_kind {
	AGE_KIND_X25519 = 0,  /* age1... / AGE-SECRET-KEY-1... */
	AGE_KIND_SSH_ED25519, /* an OpenSSH ssh-ed25519 key (age's ssh-ed25519 stanza) */
};

/* An identity; lives in secmem memory. For an ssh-ed25519 one, secret and
 * public are its X25519 forms (libsodium's Ed25519 -> Curve25519 maps) and
 * ssh_pk is the Ed25519 public key. */
struct age_identity {
	unsigned char secret[AGE_KEY_LEN];
	unsigned char public[AGE_KEY_LEN];
	unsigned char ssh_pk[AGE_KEY_LEN];
	unsigned char kind; /* enum age_kind */
	/* 1: public was taken from the file's "# public key:" line, not
	 * computed. Only unlocking may use such an identity (see
	 * age_identity_file_parse_hinted); age_identity_complete clears it. */
	unsigned char hinted;
};

/* A list of identities in secmem memory. A zeroed struct is empty. */
struct age_idlist {
	struct age_identity *v;
	size_t n;
	size_t cap;
};
int age_idlist_add(struct age_idlist *l, const struct age_identity *id);
void age_idlist_free(struct age_idlist *l);

/* New random identity (public half filled in). */
void age_identity_generate(struct age_identity *id);
/* Fill id->public from id->secret. */
void age_identity_complete(struct age_identity *id);
/* "AGE-SECRET-KEY-1..." (Bech32, upper case, exact: no blanks) -> identity. */
int age_identity_parse(const char *s, size_t len, struct age_identity *id, struct err *e);
/* identity -> "AGE-SECRET-KEY-1...", NUL-terminated, into out (replaces content). */
int age_identity_format(const struct age_identity *id, struct secmem *out, struct err *e);
/* "age1..." -> 32-byte X25519 public key. */
int age_recipient_parse(const char *s, size_t len, unsigned char pk[AGE_KEY_LEN], struct err *e);
/* 32-byte public key -> "age1...", NUL-terminated. */
void age_recipient_format(const unsigned char pk[AGE_KEY_LEN], char out[AGE_RECIPIENT_MAX]);

/* An ssh-ed25519 identity from libsodium's 64-byte Ed25519 secret key
 * (seed || public key), whose public half the caller has checked against
 * the seed (sshkey's private key parser does). Returns 0. */
int age_identity_from_ssh(const unsigned char sk[64], struct age_identity *id, struct err *e);
/* The recipient an identity opens: "age1..." or "ssh-ed25519 BASE64"
 * (no comment), NUL-terminated. */
void age_identity_recipient(const struct age_identity *id, char out[AGE_RECIPIENT_MAX]);

/* A recipient of either kind: "age1..." or an ssh public key line
 * ("ssh-ed25519 BASE64 [comment]"; other ssh types are refused, saying
 * why). key: the X25519 or the Ed25519 public key. */
struct age_rcpt {
	int kind; /* enum age_kind */
	unsigned char key[AGE_KEY_LEN];
};
int age_rcpt_parse(const char *s, size_t len, struct age_rcpt *r, struct err *e);
/* Its text as a store keeps it: "age1...", or the ssh line as
 * sshkey_format_public writes it (comment kept when it is plain). */
int age_rcpt_text(const char *s, size_t len, struct buf *out, struct err *e);

/* An identity file in age's format: one AGE-SECRET-KEY-1 per line, '#'
 * comments and blank lines allowed, CRLF tolerated; at least one key. Keys
 * are appended to out. Errors are ERR_INPUT and name the line number. */
int age_identity_file_parse(const unsigned char *text, size_t len, struct age_idlist *out,
			    struct err *e);
/* The same, but a key line right after a "# public key: age1..." comment
 * (as age-keygen and secretctl keygen write them) takes its public half
 * from that line, marked hinted, instead of computing it: one X25519 fewer
 * per run. A hint is only a guess: the X25519 unwrap puts the public key in
 * its HKDF salt, so a slot opens only if the hint was right, and a caller
 * that cannot open a slot with a hinted identity completes it and retries. */
int age_identity_file_parse_hinted(const unsigned char *text, size_t len, struct age_idlist *out,
				   struct err *e);
/* An OpenSSH ssh-ed25519 private key file (sshkey_parse_private: strict,
 * unencrypted) as an identity, appended to out. */
int age_identity_file_parse_ssh(const unsigned char *text, size_t len, struct age_idlist *out,
				struct err *e);
/* Does data look like an age file (binary header or armor)? Used to tell a
 * passphrase-encrypted identity file from a plain one. */
int age_is_encrypted(const unsigned char *data, size_t len);

/* What to encrypt to. Either X25519 recipients, or one passphrase (an
 * scrypt stanza must be the only stanza, as age requires). */
struct age_recipients {
	const unsigned char (*x25519)[AGE_KEY_LEN];
	size_t n_x25519;
	const unsigned char *passphrase; /* NULL: none */
	size_t passphrase_len;
	int log_n; /* scrypt work factor; 0 = AGE_SCRYPT_DEFAULT_LOG_N */
	/* ssh-ed25519 recipients: Ed25519 public keys (age's ssh-ed25519
	 * stanza: the tag, the Ed25519 -> X25519 map, the tweak) */
	const unsigned char (*ssh_ed25519)[AGE_KEY_LEN];
	size_t n_ssh_ed25519;
};

/* What to decrypt with. */
struct age_keys {
	const struct age_identity *ids;
	size_t n_ids;
	const unsigned char *passphrase; /* NULL: none */
	size_t passphrase_len;
	int max_log_n; /* 0 = AGE_SCRYPT_MAX_LOG_N; a larger work factor is refused */
};

/* Encrypt in[0..len) to r, appending the age file to out; armored (PEM-like
 * "-----BEGIN AGE ENCRYPTED FILE-----", 64-column lines, LF) when armor. */
int age_encrypt(const struct age_recipients *r, const unsigned char *in, size_t len, int armor,
		struct buf *out, struct err *e);

/* Decrypt an age file (binary, or armored: detected). The plaintext is
 * appended to out. On a payload failure, out holds what was released
 * (authenticated chunks) before the failure. On failure, e->sub is an enum
 * age_fail and e->code the matching exit code. */
int age_decrypt(const unsigned char *in, size_t len, const struct age_keys *k, struct secmem *out,
		struct err *e);

/* Armor alone (exposed for tests and fuzzing). decode: strict, as age
 * (leading/trailing whitespace tolerated, canonical base64, 64-column lines,
 * last line shorter, CRLF allowed). */
int age_armor_decode(const unsigned char *in, size_t len, struct buf *out, struct err *e);
int age_armor_encode(const unsigned char *in, size_t len, struct buf *out, struct err *e);

/* Parse the header of a binary age file (stanza syntax, MAC line, the
 * scrypt-alone rule) without unwrapping anything; for fuzzing and for
 * telling a malformed file from one that no key opens. 0 or ERR_INPUT with
 * e->sub = AGE_FAIL_HEADER. */
int age_header_check(const unsigned char *in, size_t len, struct err *e);

#endif
