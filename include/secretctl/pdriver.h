/* pdriver: secretctl as podman's `shell` secret driver. A shell-driver
 * secret's podman-side data is a reference (which store, which PATH, which
 * form, which identities), never a value; the driver keeps one reference
 * file per podman secret ID and decrypts the value at every lookup.
 *
 * The reference, one line (docs/FORMAT.md, "Podman references"):
 *   secretctl-ref/1 STORE FORM PATH [IDENTITY]...
 * fields separated by one space, each percent-encoded (every byte outside
 * 0x21..0x7e, and % , " ' = \ as %XX), STORE and each IDENTITY absolute
 * paths, FORM "f" (file form) or "e" (env form: the bare value), PATH in
 * its escaped text form; one optional "\n" at the end. */
#ifndef SECRETCTL_PDRIVER_H
#define SECRETCTL_PDRIVER_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"

#define PDRIVER_MAGIC "secretctl-ref/1"
/* A reference line (and a reference file) is at most this long. */
#define PDRIVER_REF_MAX 4096u
/* Identities a reference may name. */
#define PDRIVER_MAX_IDS 8
/* podman's secret IDs: 25 lowercase hex digits. */
#define PDRIVER_ID_LEN 25
/* The state directory of root's podman. */
#define PDRIVER_ROOT_DIR "/var/lib/secretctl/podman"

/* A parsed reference; every string NUL-terminated, decoded. */
struct pdriver_ref {
	char *store;
	int env; /* FORM "e" */
	char *path;
	char *ids[PDRIVER_MAX_IDS];
	size_t n_ids;
};
void pdriver_ref_free(struct pdriver_ref *r);

/* The reference line for r (with its "\n"), appended to out. ERR_INPUT
 * when a field cannot be in one (a relative store or identity path, too
 * many identities, a line over PDRIVER_REF_MAX). */
int pdriver_ref_format(const struct pdriver_ref *r, struct buf *out, struct err *e);
/* Parse a reference line. Anything else is ERR_INPUT "the secret data is
 * not a secretctl reference: WHY"; WHY never quotes the input, which may be
 * a value given to the driver by mistake. */
int pdriver_ref_parse(const char *s, size_t len, struct pdriver_ref *out, struct err *e);

/* Is id a podman secret ID (exactly 25 lowercase hex digits)? 0, or
 * ERR_USAGE naming what is wrong without quoting more than the ID's
 * length says. */
int pdriver_id_check(const char *id, struct err *e);

/* Is this root of the host (euid 0 in the initial user namespace), not
 * uid 0 of a user namespace, as rootless podman runs its driver? */
int pdriver_host_root(void);

/* The state directory: PDRIVER_ROOT_DIR for root (of the host: uid 0 in
 * rootless podman's user namespace is the user), else
 * $XDG_DATA_HOME/secretctl/podman ($XDG_DATA_HOME when set and absolute,
 * else $HOME/.local/share, HOME from the environment or the password
 * database). Appended to out. */
int pdriver_dir_path(struct buf *out, struct err *e);

/* Open the state directory: *fd is an O_DIRECTORY descriptor. Its last two
 * components (secretctl, podman) are opened without following symlinks
 * (a symlink is refused), and it must be ours and closed to group and
 * others (else ERR_IO saying so). With create, missing directories are
 * made 0700; without, a missing one is ERR_NOTFOUND. */
int pdriver_dir_open(int create, int *fd, struct buf *shown, struct err *e);

/* Write id's reference file (0600, atomically: O_TMPFILE or a random
 * name, fsync, rename, fsync of the directory). text must parse. */
int pdriver_entry_put(int dir_fd, const char *dir, const char *id, const char *text, size_t len,
		      struct err *e);
/* Read id's reference file into out and parse it (not following a
 * symlink; a regular file of ours, at most PDRIVER_REF_MAX bytes).
 * ERR_NOTFOUND "no reference for secret ID" when there is none. */
int pdriver_entry_get(int dir_fd, const char *dir, const char *id, struct pdriver_ref *out,
		      struct err *e);
/* Remove id's reference file; *removed says whether there was one. */
int pdriver_entry_del(int dir_fd, const char *dir, const char *id, int *removed, struct err *e);
/* The IDs that have a reference file, one per line, appended to out
 * (other names in the directory are skipped). */
int pdriver_entry_list(int dir_fd, const char *dir, struct buf *out, struct err *e);

#endif
