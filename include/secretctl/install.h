/* install: atomic secret files under /etc/secrets/$UID.
 * A reader of <dir>/NAME sees the old file or the new one, never a partial
 * one or one with the wrong owner, mode or ACL; identical content writes
 * nothing. Refusals (symlinks, a NAME that is not one plain name, a
 * directory others may write, a missing directory) are ERR_IO. */
#ifndef SECRETCTL_INSTALL_H
#define SECRETCTL_INSTALL_H

#include <stddef.h>
#include <sys/types.h>

#include "secretctl/err.h"

#define INSTALL_ROOT "/etc/secrets"
#define INSTALL_ROOT_MODE 0755
#define INSTALL_DIR_MODE 02750
#define INSTALL_FILE_MODE 0400

enum install_result {
	INSTALL_UNCHANGED, /* same bytes, owner, group, mode and ACL: nothing written */
	INSTALL_CREATED,
	INSTALL_REPLACED,
};

struct install_target {
	const char *dir;     /* resolved without following a symlink in any component */
	const char *name;    /* one file name in dir (install_name_check) */
	uid_t uid;
	gid_t gid;
	mode_t mode;         /* permission bits only (<= 0777) */
	const uid_t *readers; /* host uids given r on the file, x on dir (POSIX ACL) */
	size_t n_readers;
	/* Create a missing dir (its last component, mkdirat in its parent),
	 * owned uid:0 mode 02750; when dir is INSTALL_ROOT/x, a missing
	 * INSTALL_ROOT too (root:root 0755). Only a directory made here is
	 * chowned and chmodded. */
	int mkdir;
};

/* A NAME install accepts: not empty, not "." or "..", no '/', no NUL, no
 * leading '-', at most 223 bytes (the temporary name adds 32). 0, or ERR_IO saying why. */
int install_name_check(const char *name, size_t len, struct err *e);

/* Open the directory dir read-only without following a symlink in any
 * component (as install_file does). The fd, or -1 with errno set and e
 * saying which component failed (ERR_IO). */
int install_dir_open(const char *dir, struct err *e);

/* Write data to t->dir/t->name atomically (O_TMPFILE, else a random name
 * with O_EXCL|O_NOFOLLOW; mode 0400 from the first byte; fchown, fchmod,
 * ACL, fsync; link or rename into place; fsync the directory). Installs in
 * one directory are serialised with flock on it; a temporary name left by
 * a killed install of the same NAME is removed. *res says what was done. */
int install_file(const struct install_target *t, const void *data, size_t len,
		 enum install_result *res, struct err *e);

/* Why a file would be replaced (struct install_plan.why). */
enum {
	INSTALL_WHY_CONTENT = 1 << 0,
	INSTALL_WHY_OWNER = 1 << 1,
	INSTALL_WHY_GROUP = 1 << 2,
	INSTALL_WHY_MODE = 1 << 3,
	INSTALL_WHY_READERS = 1 << 4, /* the file's ACL */
	INSTALL_WHY_LINKS = 1 << 5,   /* more than one link */
};

/* What install_file would do. */
struct install_plan {
	int make_root;            /* INSTALL_ROOT would be made (make_dir too) */
	int make_dir;             /* t->dir would be made (t->mkdir) */
	int dir_readers;          /* readers would be given search on t->dir */
	enum install_result file;
	unsigned why;             /* INSTALL_WHY_* when file is INSTALL_REPLACED */
};

/* install_file's checks and decision, changing nothing: it needs only to
 * read t->dir and the file, so any user who may read the file finds out
 * (the file's ACL is compared when the file can be opened). The same
 * refusals as install_file; ERR_IO when only the file's bytes could tell
 * and they cannot be read. */
int install_plan(const struct install_target *t, const void *data, size_t len,
		 struct install_plan *p, struct err *e);

/* install --mkdir alone: t->dir made as t->mkdir makes it (owner t->uid,
 * group 0, mode 02750), nothing else; *res INSTALL_CREATED. One that
 * exists with that owner, group and mode: INSTALL_UNCHANGED; with others:
 * ERR_IO saying which, and nothing is changed. With plan nothing is made:
 * INSTALL_CREATED says it would be, plan which directories. t->name, mode
 * and readers are not used. */
int install_dir(const struct install_target *t, struct install_plan *plan,
		enum install_result *res, struct err *e);

/* "created", "replaced", "unchanged". */
const char *install_result_name(enum install_result r);

/* Map container uid cuid of user (name, or NULL) / uid's rootless
 * containers to the host through subuid_file's ranges (in file order,
 * consecutive, as newuidmap does): the first range's start is container
 * uid 1. ERR_INPUT when the user has no range or cuid is 0 or beyond them;
 * ERR_IO when the file cannot be read. */
int install_subuid_host(const char *subuid_file, const char *user, uid_t uid,
			unsigned long cuid, uid_t *host, struct err *e);

/* Parse an octal mode "0400", "640" (permission bits only). 0 or ERR_USAGE. */
int install_mode_parse(const char *s, mode_t *out, struct err *e);

#endif
