/* store: the store format (docs/FORMAT.md): key slots, data key, tokens,
 * MAC; encryption of a plaintext view with stable tokens; decryption;
 * locked, atomic saves. Text work is splice's; crypto and files are here. */
#ifndef SECRETCTL_STORE_H
#define SECRETCTL_STORE_H

#include <stddef.h>
#include <sys/types.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/identity.h"
#include "secretctl/keyslot.h"
#include "secretctl/secmem.h"
#include "secretctl/splice.h"
#include "secretctl/sshsig.h"

#define STORE_KEY_LEN 32
/* Stores and plaintext files larger than this are refused before parsing. */
#define STORE_MAX_SIZE (64u << 20)

struct store_tokmap; /* stable tokens: (kind, path, plaintext) -> old token */

struct store {
	char *path;              /* file name, as given */
	struct buf text;         /* the file's bytes */
	size_t text_mapped;      /* text.p is buf_big_alloc'ed, this size; 0: malloc'ed */
	struct splice_doc doc;   /* scan of text */
	struct keyslot *slots;   /* copies of doc.slots, then as changed */
	size_t n_slots;
	unsigned char *data_key; /* secmem, STORE_KEY_LEN; NULL until unlocked */
	int locked;              /* lock_fd holds the lock (store_load with o->lock, store_lock) */
	int lock_fd;
	mode_t mode;             /* the file's mode (kept on save) */
	int exists;
	struct store_tokmap *tokens; /* filled by store_decrypt */
	int mac_ok;              /* the MAC was checked (store_check_mac) */
	/* SSH signatures (FORMAT.md 5.4): taken out of text by store_load, so
	 * text is the signed payload; checked by store_check_signatures */
	struct sshsig *sigs;
	size_t n_sigs;
	size_t sig_at;           /* where the field was (the payload's offset) */
	/* a write (store_save): sign with signer; without one, a signed
	 * store is refused unless drop_signatures */
	const struct sshsig_signer *signer;
	int drop_signatures;
};

/* Options of a load. */
struct store_open {
	int lock;    /* take the write lock (set, edit, ...) */
	int no_wait; /* with lock: fail at once (ERR_IO) when another holds it */
	/* with lock: called once when the lock is still busy after 1 s */
	void (*on_wait)(const char *path);
	int allow_v1; /* read a version 1 store (upgrade); refused otherwise */
};

/* Read and scan a store (ERR_NOTFOUND when missing, ERR_INPUT when not a v1
 * store). With o->lock, the file is locked first (flock, same-inode check,
 * retried; o->on_wait tells the user after 1 s). Needs no key. */
int store_load(const char *path, const struct store_open *o, struct store *s, struct err *e);
/* The store's signatures (FORMAT.md 5.4): each must parse (done by
 * store_load) and verify over the payload (ERR_INTEGRITY naming its key).
 * With allowed (an allowed_signers file, named label), at least one must
 * be by a key it allows for namespace "secretctl" now, else ERR_INTEGRITY
 * "... is not signed by an allowed signer (signed by ...)". Needs no key. */
int store_check_signatures(const struct store *s, const struct sshsig_allowed *allowed,
			   const char *label, struct err *e);
/* Internal to store.c and store_sig.c: take the signature field out of
 * s->text (store_load), and put a new one into a text (store_save). */
int store_sig_split(struct store *s, struct err *e);
int store_sig_check_place(const struct store *s, struct err *e);
int store_sig_insert(const struct store *s, const char *text, size_t len, struct buf *out,
		     struct err *e);

/* Lock s->path (which must exist) as store_load does with o->lock, and
 * take its mode, without reading it: for a writer that replaces whatever
 * the file holds (edit --merge of a file git left conflicted). */
int store_lock(struct store *s, const struct store_open *o, struct err *e);
/* Open the data key with the key sources (identity.h; secretctl(1), KEY SOURCES). */
int store_unlock(struct store *s, const struct identity_opts *io, struct err *e);
/* Check the MAC, then decrypt every token (checking every tag); the
 * plaintext view goes to out (nothing when any check fails). Records the tokens for
 * stable re-encryption. Counts for verify. */
struct store_counts {
	size_t values, comments, slots;
};
int store_decrypt(struct store *s, struct secmem *out, struct store_counts *c, struct err *e);

/* For a key holder after a hand merge: open the data key, every token with
 * its own tag and path, and the view (which must be valid), WITHOUT the
 * MAC; text gets the store's text with a new MAC over it as it is. The
 * caller shows what it vouches for and asks before it saves text.
 * ERR_INTEGRITY (naming the path) when a token does not open. */
int store_repair(struct store *s, const struct identity_opts *io, struct secmem *view,
		 struct store_counts *c, struct buf *text, struct err *e);

/* ---- what a PATH names (store_lookup.c; needs no key) ---- */

enum store_kind { STORE_SCALAR, STORE_MAPPING, STORE_SEQUENCE };

/* A node of the store's tree, aliases followed: what store_lookup finds
 * and the walks pass on. Valid while the store is; name while the path
 * given to store_lookup is, or during the walk's call. */
struct store_ref {
	size_t node;          /* its index in doc.nodes */
	enum store_kind kind;
	size_t n_children;    /* a mapping's keys, a sequence's items */
	int leaf;             /* a scalar, or a mapping or sequence with nothing in it */
	/* its last segment, unescaped (a key's bytes, an index's digits): the
	 * default name of what it is installed or exported as; "" for the top */
	const char *name;
	size_t name_len;
};

/* What PATH p names (p.n == 0: the top-level mapping). ERR_NOTFOUND
 * "PATH: no such path in STORE" when nothing; with STORE_NEAR, followed by
 * "; did you mean A?" or "; did you mean A or B?" naming the leaves
 * nearest PATH (path_distance within a third of its length, and 2). PATHs
 * are quoted as path_quote does. */
enum { STORE_NEAR = 1 };
int store_lookup(const struct store *s, const struct path *p, unsigned flags,
		 struct store_ref *ref, struct err *e);

/* Walk from and every node below it, depth first in document order:
 * fn(ctx, node, path, depth), depth 0 for from. path holds from's escaped
 * PATH on entry ("" for the top level) and each node's during its call
 * (given back as it was). fn returns 0 to go below the node,
 * STORE_WALK_SKIP not to, anything else to stop the walk, which returns
 * it; -1 when out of memory. Nodes more than 256 levels down (an alias
 * inside its own anchor) are not visited. */
enum { STORE_WALK_SKIP = -2 };
typedef int (*store_walk_fn)(void *ctx, const struct store_ref *ref, const struct buf *path,
			     size_t depth);
int store_walk(const struct store *s, const struct store_ref *from, struct buf *path,
	       store_walk_fn fn, void *ctx);
/* The same, fn called only for the leaves (what ls lists): from itself
 * when it is one and not the top level, else those below it. */
int store_leaves(const struct store *s, const struct store_ref *from, struct buf *path,
		 store_walk_fn fn, void *ctx);

/* Is view a plaintext view store_encrypt takes (one YAML document, the
 * rules of splice_scan_plain)? 0, or ERR_INPUT "line L, column C: why". */
int store_view_check(const char *view, size_t len, struct err *e);
/* What version 1 left unauthenticated in a plaintext view: its aliases and
 * empty values, one "  PATH: an alias of TARGET" or "  PATH: empty" line
 * each, appended to list; *n of them. Errors as store_view_check's. */
int store_view_unauthenticated(const char *view, size_t len, struct buf *list, size_t *n,
			       struct err *e);

/* The value of what ref names (an implicit null is empty): decrypts only
 * that node's token, once the whole store's MAC verifies (store_unlock
 * checked it already). */
int store_value(struct store *s, const struct store_ref *ref, struct secmem *out,
		struct err *e);
/* The store's format version (1 is read by upgrade only). */
long store_version(const struct store *s);
/* Check the store's MAC (docs/FORMAT.md; version 1's for upgrade) once per
 * store: ERR_INTEGRITY when it does not verify, ERR_INPUT when the mac
 * line (or, version 1, a token) is malformed. Needs the data key. */
int store_check_mac(struct store *s, struct err *e);

/* Encrypt a plaintext view with s's data key and slots, reusing s's tokens
 * where a region is unchanged (s->tokens, when store_decrypt ran). The new
 * store text goes to out. ERR_INPUT (line:column) for an invalid view. */
int store_encrypt(const struct store *s, const char *plain, size_t len, struct buf *out,
		  struct err *e);

/* A new, empty, unlocked store object with a fresh data key (not written). */
int store_new(const char *path, struct store *s, struct err *e);
/* A fresh data key: every slot is rewrapped (needs each slot's key: X25519
 * slots from their recipient; the scrypt slot from passphrase) and
 * store_encrypt will encrypt every token anew. */
int store_rotate_key(struct store *s, const unsigned char *passphrase, size_t passphrase_len,
		     struct err *e);
/* Add a slot for recipient "age1..." (ERR_INPUT if present or invalid). */
int store_add_recipient(struct store *s, const char *recipient, struct err *e);
/* Add the scrypt slot (at most one) with work factor log_n (0 = default). */
int store_add_passphrase(struct store *s, const unsigned char *pass, size_t len, int log_n,
			 struct err *e);
/* Remove a slot by recipient ("scrypt" names the passphrase slot). */
int store_remove_recipient(struct store *s, const char *recipient, struct err *e);

/* Can a write keep s signed as FORMAT.md 5.4 asks (a signer, or no
 * signature, or drop_signatures)? 0, or ERR_NOKEY saying the ways out;
 * store_save checks it too, this is for asking before work is done. */
int store_sign_ready(const struct store *s, struct err *e);
/* Write text as the store file atomically: temp file in the same
 * directory, fsync, rename over, fsync the directory. Keeps s->mode (0600
 * for a new file). With create_only, an existing file is not replaced
 * (ERR_IO "... already exists"). Nothing is written when text equals the
 * current content; *written says whether it was. */
int store_save(struct store *s, const char *text, size_t len, int create_only, int *written,
	       struct err *e);

/* For a three-way merge: out becomes a new store object for path (not
 * written) with the data key, slots and stable tokens of the merge of
 * ours and theirs from base (all unlocked and decrypted; base may be an
 * empty object: no common ancestor). The data key stays when neither side
 * changed it, else it is the changed side's; when both changed it, it is
 * new (and every token will be). Slots: ours' less those theirs removed,
 * then those theirs added, each wrapping the kept key (copied, or made for
 * the recipient). ERR_INPUT when the passphrase slot would need the
 * passphrase, or no slot is left. */
int store_merge_keys(struct store *out, const char *path, const struct store *base,
		     const struct store *ours, const struct store *theirs, struct err *e);

/* Releases the lock and frees everything; a zeroed struct store is empty,
 * so it may be freed whether or not anything filled it. */
void store_free(struct store *s);

#endif
