/* sshsig: OpenSSH signatures (PROTOCOL.sshsig) with ssh-ed25519 keys:
 * the armored signature, the signed-data blob, signing with a key file or
 * through ssh-agent (PROTOCOL.agent, SSH_AGENTC_SIGN_REQUEST), and
 * allowed_signers files (ssh-keygen(1), ALLOWED SIGNERS). */
#ifndef SECRETCTL_SSHSIG_H
#define SECRETCTL_SSHSIG_H

#include <stddef.h>
#include <time.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/sshkey.h"

#define SSHSIG_NAMESPACE "secretctl"
#define SSHSIG_NS_MAX 64
#define SSHSIG_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SSHSIG_END "-----END SSH SIGNATURE-----"

/* Why a signature or an allowed-signers file was refused, in err.sub. */
enum sshsig_fail {
	SSHSIG_FAIL_SYNTAX = 1, /* not an SSH signature, truncated, garbled (ERR_INPUT) */
	SSHSIG_FAIL_TYPE,       /* a key or hash secretctl does not verify (ERR_INPUT) */
	SSHSIG_FAIL_BAD,        /* does not verify over the bytes (ERR_INTEGRITY) */
	SSHSIG_FAIL_AGENT,      /* ssh-agent unreachable or refused (ERR_NOKEY) */
};

/* One parsed signature. */
struct sshsig {
	unsigned char pk[SSHKEY_PK_LEN];
	unsigned char sig[64];
	char ns[SSHSIG_NS_MAX + 1]; /* its namespace */
	int sha256;                 /* 1: hash "sha256", 0: "sha512" */
};

/* An armored signature (BEGIN/END lines, base64 in lines of any width,
 * LF or CRLF) -> s. Strict: magic, version 1, an ssh-ed25519 key, a
 * namespace without NUL, hash sha512 or sha256, an ssh-ed25519 signature
 * of 64 bytes, no trailing byte. ERR_INPUT. The reserved field is skipped
 * whatever it holds, as ssh-keygen -Y verify skips it (the signed data
 * has an empty one either way). */
int sshsig_parse(const char *text, size_t len, struct sshsig *s, struct err *e);
/* Does the signature verify over msg? 0, or ERR_INTEGRITY (SSHSIG_FAIL_BAD).
 * The namespace is not checked here: see sshsig_allowed_check. */
int sshsig_verify(const struct sshsig *s, const unsigned char *msg, size_t len, struct err *e);

/* Who signs: an ssh-ed25519 key file, or a public key whose private half
 * ssh-agent holds ($SSH_AUTH_SOCK). sk is secure memory. */
struct sshsig_signer {
	unsigned char pk[SSHKEY_PK_LEN];
	unsigned char *sk; /* NULL: through the agent */
	char label[512];   /* for messages: the file */
};
/* From a key file's text (a private key, or a .pub line: the agent);
 * label names it in messages. */
int sshsig_signer_init(struct sshsig_signer *g, const unsigned char *text, size_t len,
		       const char *label, struct err *e);
void sshsig_signer_free(struct sshsig_signer *g);
/* Sign msg for namespace "secretctl" with SHA-512; the armored signature
 * (70-column lines, LF, as ssh-keygen -Y sign writes it) is appended to
 * out. Through the agent: ERR_NOKEY (SSHSIG_FAIL_AGENT) when it cannot be
 * reached or does not sign (the message says which). */
int sshsig_sign(const struct sshsig_signer *g, const unsigned char *msg, size_t len,
		struct buf *out, struct err *e);

/* How long an exchange with ssh-agent may take in all (60 s; tests
 * shorten it). */
extern int sshsig_agent_timeout_ms;

/* An allowed_signers file, as ssh-keygen -Y verify reads it. */
struct sshsig_allowed_entry {
	char *principals;              /* as written (comma-separated patterns) */
	unsigned char pk[SSHKEY_PK_LEN];
	char *namespaces;              /* namespaces="..." or NULL (any) */
	time_t valid_after, valid_before; /* 0: none */
	unsigned line;
};
struct sshsig_allowed {
	struct sshsig_allowed_entry *v;
	size_t n;
	size_t skipped; /* lines of other key types or cert-authority, which match nothing */
};
/* Parse the file's text; label names it in messages. Errors: ERR_INPUT
 * "LABEL: line L, column C: why". Lines with another key type than
 * ssh-ed25519, or cert-authority, are counted in skipped (they can never
 * match a secretctl signature). */
int sshsig_allowed_parse(const char *text, size_t len, const char *label,
			 struct sshsig_allowed *a, struct err *e);
void sshsig_allowed_free(struct sshsig_allowed *a);
/* The entry that allows s (its key, namespace "secretctl" matched by its
 * namespaces= pattern list as ssh-keygen matches it: '*', '?', and a '!'
 * pattern that matches refuses; valid-after <= now <= valid-before), or
 * NULL; *why
 * says why the key's own entries do not allow it, when it has some. */
const struct sshsig_allowed_entry *sshsig_allowed_check(const struct sshsig_allowed *a,
							const struct sshsig *s, time_t now,
							const char **why);

#endif
