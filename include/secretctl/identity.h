/* identity: the key sources of secretctl(1), tried in order until one
 * opens a key slot, and identity files (age-keygen's format, optionally
 * passphrase-encrypted, or an unencrypted OpenSSH ssh-ed25519 key). Generic over slots: store.c passes the store's. */
#ifndef SECRETCTL_IDENTITY_H
#define SECRETCTL_IDENTITY_H

#include <stddef.h>

#include "secretctl/age.h"
#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/keyslot.h"
#include "secretctl/secmem.h"

/* Identity and passphrase files larger than this are refused. */
#define IDENTITY_FILE_MAX (1u << 20)
/* The file name looked up in $CREDENTIALS_DIRECTORY. */
#define IDENTITY_CREDENTIAL "secretctl-identity"

/* The host's ssh key, a key source for root (as agenix uses it). */
#define IDENTITY_HOST_KEY "/etc/ssh/ssh_host_ed25519_key"

/* Why an identity file was refused, in err.sub of an ERR_NOKEY. */
enum identity_fail {
	/* readable or writable by its group or others, or owned by another
	 * user than the caller or root (the message names the fix) */
	IDENTITY_FAIL_EXPOSED = 1,
};

/* What identity_unlock tells as it goes (identity_opts.on_event). */
enum identity_event {
	/* a key source looked at and what came of it ("key source: ...",
	 * "keyring: skipped: ...", "identity ... matches no key slot") */
	IDENTITY_EVENT_SOURCE,
	/* the slot opened and with what: "key slot N (R) opened with SOURCE";
	 * once, last, on success only */
	IDENTITY_EVENT_OPENED,
};

struct identity_opts {
	const char *const *files;    /* -i FILE, in order */
	size_t n_files;
	const char *passphrase_file; /* --passphrase-file: for the scrypt slot */
	/* Told each event as it happens, msg one line without a "secretctl: "
	 * prefix (NULL: nothing is told; this module never prints). What kept
	 * a source from working is in the final error too, so a caller may
	 * show only IDENTITY_EVENT_OPENED and lose nothing on failure. */
	void (*on_event)(enum identity_event ev, const char *msg);
};

/* Open one of slots[0..n) (each an age file, armored or binary, whose
 * payload is the data key: data_key[0..data_key_len), for its recipient or,
 * recipient NULL, a passphrase) with the key sources, in this order; the
 * first that opens a slot wins and later sources are not looked at:
 *  1. -i FILE (o->files, in order), else $SECRETCTL_IDENTITY (paths
 *     separated by ':'). Named explicitly, so a file that cannot be read
 *     or parsed is an error at once (ERR_NOTFOUND when missing, ERR_IO,
 *     ERR_INPUT). When either names a file it is the only source: steps
 *     2 to 4 are skipped, and step 5 runs only with o->passphrase_file
 *     (never a prompt).
 *  2. $CREDENTIALS_DIRECTORY/secretctl-identity (skipped when absent).
 *  3. The Secret Service (keyring.c): an item for a slot's recipient,
 *     looked up only when a session bus is reachable, within 2 s, locked
 *     items skipped without a prompt. Never fatal: whatever keeps it from
 *     answering is noted in the final error (and told to on_event).
 *  4. $XDG_CONFIG_HOME/secretctl/identity.txt, $SOPS_AGE_KEY_FILE,
 *     $XDG_CONFIG_HOME/sops/age/keys.txt: skipped when absent; one that
 *     exists but cannot be read is reported in the final error, not fatal;
 *     one that is not private (see identity_load_file) is fatal.
 *     Then the host's ssh key: $SECRETCTL_HOST_KEY when set (empty: none),
 *     else, for root, /etc/ssh/ssh_host_ed25519_key; as the files above.
 *  5. With a scrypt slot: o->passphrase_file (first line; an error at once
 *     when unreadable), else a prompt on /dev/tty when there is one.
 * Each identity goes to the slot naming its recipient (no trial
 * decryption). A passphrase-encrypted identity file is opened with a
 * prompt on /dev/tty. Every identity file but step 2's (systemd's) must
 * be private, as identity_load_file says.
 * On success the slot's payload is in *out (replacing its content) and
 * *which is the slot's index. Errors:
 *  - ERR_NOKEY "no identity found (tried: ...)" listing every place tried;
 *  - ERR_NOKEY "no identity matches ... (store recipients: ...)";
 *  - ERR_NOKEY "...: wrong passphrase";
 *  - ERR_INTEGRITY when a slot does not open with its matching identity
 *    (tag or MAC failure, or a slot that lies about its recipient). */
int identity_unlock(const struct identity_opts *o, const struct keyslot *slots, size_t n,
		    struct secmem *out, size_t *which, struct err *e);

/* $XDG_CONFIG_HOME/secretctl/identity.txt ($XDG_CONFIG_HOME: when set and
 * absolute, else $HOME/.config). Appended to out. */
int identity_default_path(struct buf *out, struct err *e);

/* $XDG_CONFIG_HOME/secretctl/REL, appended to out. */
int identity_config_file(const char *rel, struct buf *out, struct err *e);
/* A key file's bytes (at most IDENTITY_FILE_MAX), checked to be private as
 * identity_load_file checks identity files. Replaces out's content. */
int identity_read_key_file(const char *path, struct secmem *out, struct err *e);

/* The text of an identity file as age-keygen writes it:
 * "# created: <RFC 3339 local time>\n# public key: age1...\nAGE-SECRET-KEY-1...\n".
 * Replaces out's content. */
int identity_file_text(const struct age_identity *id, struct secmem *out, struct err *e);

/* Generate a new identity into *out and write it to path: mode 0600,
 * O_CREAT|O_EXCL|O_NOFOLLOW (an existing file, even a dangling symlink, is
 * ERR_IO "'path' already exists"), fsync'ed with its directory; missing
 * parent directories are created 0700. */
int identity_create_file(const char *path, struct age_identity *out, struct err *e);

/* Append every identity of an identity file to out: a plain one, or one
 * encrypted with a passphrase (age -p), which is asked for on /dev/tty.
 * The file must be private, as OpenSSH wants of a private key: a regular
 * file readable or writable by group or others, or owned by another user
 * than the caller or root (for root, also $SUDO_UID), is ERR_NOKEY with
 * sub IDENTITY_FAIL_EXPOSED, "identity file 'F' is readable by others
 * (mode 0644): chmod 600 'F'" (checked on the opened file; pipes and
 * devices are not checked). ERR_NOTFOUND (missing), ERR_IO, ERR_INPUT (not
 * an identity file, with the line), ERR_NOKEY (wrong passphrase, or no
 * terminal to ask on). */
int identity_load_file(const char *path, struct age_idlist *out, struct err *e);

/* A passphrase from a file: its first line, without the line break ("\n"
 * or "\r\n"). Replaces out's content. Empty: ERR_INPUT. */
int identity_read_passphrase_file(const char *path, struct secmem *out, struct err *e);

#endif
