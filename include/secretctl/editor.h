/* editor: the workspace of `edit`. The plaintext lives in a
 * fresh 0700 directory on tmpfs while $VISUAL/$EDITOR runs on it; the
 * directory is overwritten and removed on every exit path, SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT included (cleaned up, then the signal is re-raised).
 * Workspaces are named "secretctl-edit.PID.RANDOM" and flock'ed while in
 * use, so a later run can find and remove those of dead processes. Also the
 * yes/no questions `edit` asks on the terminal. */
#ifndef SECRETCTL_EDITOR_H
#define SECRETCTL_EDITOR_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/secmem.h"

#define EDITOR_WS_PREFIX "secretctl-edit."
/* Colon-separated list that replaces the tmpfs roots ($XDG_RUNTIME_DIR,
 * /dev/shm). For tests only: point it at a disk directory to see edit
 * refuse, or at a private tmpfs directory. */
#define EDITOR_ROOTS_ENV "SECRETCTL_TMPFS_ROOTS"
/* Edited files larger than this are refused (ERR_INPUT). */
#define EDITOR_FILE_MAX (64u << 20)
/* How long a signalled editor gets to exit before SIGKILL. */
#define EDITOR_KILL_GRACE_MS 2000

struct editor_ws {
	char *root;   /* the root the workspace is in */
	char *dir;    /* root/secretctl-edit.PID.RANDOM */
	char *dir_name; /* secretctl-edit.PID.RANDOM (into dir) */
	char *file;   /* dir/NAME: NAME is the store's base name */
	char *name;   /* NAME (into file) */
	int root_fd;  /* -1 when closed */
	int dir_fd;   /* open and flock'ed while the workspace lives */
	int on_tmpfs; /* 0 only with allow_disk */
};

/* The candidate roots, in order, into *roots (NUL-separated, ends with an
 * empty string): $SECRETCTL_TMPFS_ROOTS when set, else $XDG_RUNTIME_DIR
 * (when set and absolute) and /dev/shm. 0 or ERR_FAIL (out of memory). */
int editor_roots(struct buf *roots, struct err *e);

/* 1 when path is on tmpfs or ramfs (statfs), 0 when not, -1 with errno. */
int editor_is_tmpfs(const char *path);

/* Make a workspace for the store at store_path: the first candidate root
 * on tmpfs where a directory can be made. With none: ERR_IO naming every
 * root tried and why, unless allow_disk: then the first candidate that
 * takes a directory, else $TMPDIR, else /tmp (ws->on_tmpfs = 0; the
 * caller warns). From here until editor_ws_destroy, SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT remove the workspace first (signals the caller had
 * ignored stay ignored). *ws must be zeroed or destroyed before. */
int editor_ws_create(struct editor_ws *ws, const char *store_path, int allow_disk,
		     struct err *e);
/* Create the workspace file (mode 0600, never an existing one) with data. */
int editor_ws_write(struct editor_ws *ws, const void *data, size_t len, struct err *e);
/* Read the workspace file (replacing out's content). The editor may have
 * replaced it by a new file; a missing file is ERR_EXTERNAL, a symlink or
 * a file over EDITOR_FILE_MAX ERR_INPUT. */
int editor_ws_read(struct editor_ws *ws, struct secmem *out, struct err *e);
/* Run the editor on the workspace file and wait for it: $VISUAL, else
 * $EDITOR, else vi, as /bin/sh -c 'EDITOR "$1"' sh FILE (so "code --wait"
 * works). A signal that ends us ends the editor first (the shell's
 * children too). The child gets
 * our environment (no secrets) and the file's name only. A non-zero exit,
 * a signal, or an editor that cannot start: ERR_EXTERNAL. */
int editor_run(struct editor_ws *ws, struct err *e);
/* The editor command editor_run would use. */
const char *editor_command(void);
/* Overwrite every file in the workspace with zeros, remove them (swap and
 * backup files too) and the directory, release it, and restore the signal
 * handlers. Safe on a zeroed or already destroyed ws. 0, or ERR_IO when
 * something could not be removed (the message names it). */
int editor_ws_destroy(struct editor_ws *ws, struct err *e);

/* Remove the workspaces of dead processes in every candidate root and in
 * $TMPDIR (or /tmp): "secretctl-edit.PID.*" directories owned by us whose
 * PID is gone and whose lock nobody holds. The full paths removed are
 * appended to *removed, one per line (may be NULL). Best effort: returns
 * how many were removed. */
size_t editor_clean_stale(struct buf *removed);

/* The answer in line[0, n) to a yes/no question: 1 yes, 0 no, -1 neither.
 * Empty means def; y, yes, n, no in any case; blanks around are ignored. */
int editor_parse_answer(const char *line, size_t n, int def);
/* Ask "QUESTION [Y/n] " (or "[y/N] ") on /dev/tty until the answer is
 * clear; *yes gets it. End of input is no. No terminal: ERR_IO. */
int editor_ask(const char *question, int def, int *yes, struct err *e);

#endif
