/* stores (cmd/storecli.c): opening a store with the key sources, making a
 * new one, and the re-encrypt-and-save step. */
#ifndef SECRETCTL_STORES_H
#define SECRETCTL_STORES_H

#include "cli.h"
#include "secretctl/identity.h"
#include "secretctl/store.h"

/* --no-wait, for the commands that lock the store. */
#define CLI_NOWAIT_OPT \
	{ "no-wait", 0, 0, CLI_OPT_NOWAIT, NULL, "fail at once when another secretctl holds the store's lock" }

/* Signing, for the commands that write a store (FORMAT.md 5.4). */
#define CLI_SIGN_OPTS \
	{ "sign-with", 0, 1, CLI_OPT_SIGNWITH, "FILE", \
	  "sign the store with this ssh-ed25519 key (a .pub: through ssh-agent)" }, \
	{ "drop-signatures", 0, 0, CLI_OPT_DROPSIGS, NULL, "write a signed store unsigned" }

/* Options of the commands that make a new store. */
#define CLI_RECIPIENT_OPTS \
	{ "recipient", 'r', 1, CLI_OPT_RECIPIENT, "R", "encrypt to age recipient R (repeatable)" }, \
	{ "recipients-file", 'R', 1, CLI_OPT_RECIPFILE, "FILE", "encrypt to the recipients in FILE" }, \
	{ "passphrase", 0, 0, CLI_OPT_PASSPHRASE, NULL, "add a passphrase (scrypt) slot" }, \
	{ "work-factor", 0, 1, CLI_OPT_WORKFACTOR, "N", "scrypt work factor log2 (default 18, max 22)" }

/* A new store object for path with the slots the options ask for: -r, -R,
 * --passphrase; with none of them, the default identity's recipient (the
 * identity is created, and said so, when missing). */
int cli_store_create(const char *path, const struct cli_args *a, struct store *s);

/* identity_opts from -i, --passphrase-file, -v (points into a): -v says
 * which key source opened the store, -vv also every source looked at. */
void cli_identity_opts(const struct cli_args *a, struct identity_opts *io);
/* Load the store (with CLI_OPEN_LOCK, locked: waiting, or not with
 * --no-wait; with CLI_OPEN_V1, a version 1 store too), check its signers
 * and open its data key (cli_store_unlock), which checks it whole; with
 * CLI_OPEN_LOCK, the signing options too (cli_store_signing); with
 * plain, decrypt it: the plaintext view. Prints the error and returns its code. */
enum { CLI_OPEN_LOCK = 1, CLI_OPEN_V1 = 2 };
int cli_store_open(const char *path, const struct cli_args *a, unsigned flags, struct store *s,
		   struct secmem *plain);
/* The one way a command opens a loaded store's data key: the
 * allowed-signers check first (cli_store_check_signers: every signature,
 * the pinning; no key needed), then store_unlock. Sets e. */
int cli_store_unlock(struct store *s, const struct identity_opts *io, struct err *e);
/* Re-encrypt plain with s (stable tokens) and save it atomically. Prints
 * errors; with verbose, says whether anything was written. */
int cli_store_commit(struct store *s, const char *plain, size_t len, int verbose);
/* The signing key of a write (--sign-with, else $SECRETCTL_SIGNING_KEY)
 * and --drop-signatures, set on s for store_save. Prints errors. */
int cli_store_signing(const struct cli_args *a, struct store *s);
/* The allowed-signers check of a loaded store ($SECRETCTL_ALLOWED_SIGNERS,
 * else host root's /etc/secretctl/allowed_signers or the user's (uid 0 of
 * a user namespace is a user)
 * $XDG_CONFIG_HOME/secretctl/allowed_signers when it exists): every
 * signature must verify, and with such a file one must be by a key it
 * allows. Sets e. */
int cli_store_check_signers(const struct store *s, struct err *e);

#endif
