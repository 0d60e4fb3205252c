/* io: whole writes and reads, capped reads of a file into plain or
 * secure memory, exclusive creation, and atomic replacement of a file (a
 * reader of NAME sees the old file or the new one, never a partial one).
 * Errors name the file; e->sub is EEXIST when one exists that may not. */
#ifndef SECRETCTL_IO_H
#define SECRETCTL_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/secmem.h"

/* Write all n bytes, retried on EINTR and short writes (a write that
 * makes no progress is EIO). 0, or -1 with errno set. Async-signal-safe. */
int io_write_all(int fd, const void *p, size_t n);
/* Read until n bytes or the end of the file, retried on EINTR: the bytes
 * read (fewer than n only at the end), or -1 with errno set. */
ssize_t io_read_full(int fd, void *p, size_t n);

/* Read fd to its end, appending to out (plain memory) or, for secrets,
 * sout; name is for messages. out->len may not grow past cap: ERR_INPUT
 * "'NAME' is larger than CAP" (in MiB when a whole number of MiB over
 * one, else in bytes), before reading when a regular file's size already
 * says so; a pipe or a file that grows is stopped as the bytes arrive.
 * A regular file's size sizes the buffer once (an empty buffer exactly).
 * ERR_IO when read fails. On error out is as it was (the bytes read into
 * secure memory are zeroed). */
int io_read_fd(int fd, const char *name, size_t cap, struct buf *out, struct err *e);
int io_read_fd_secret(int fd, const char *name, size_t cap, struct secmem *out,
		      struct err *e);
/* The same for the file at path ("-": standard input). ERR_NOTFOUND when
 * it does not exist, ERR_IO when it cannot be opened. */
int io_read_file(const char *path, size_t cap, struct buf *out, struct err *e);
int io_read_file_secret(const char *path, size_t cap, struct secmem *out, struct err *e);

/* Create path (relative to dir_fd, or AT_FDCWD) with O_CREAT|O_EXCL|
 * O_NOFOLLOW|O_CLOEXEC, write-only, and then given exactly mode (fchmod:
 * the umask does not narrow it; it is never wider before): never an existing file, never through a
 * symlink, a dangling one included. *fd is the open file. ERR_IO "cannot
 * create 'SHOWN': it already exists" (e->sub EEXIST) or with the reason;
 * shown names the file in messages (NULL: path). */
int io_create_excl(int dir_fd, const char *path, mode_t mode, const char *shown, int *fd,
		   struct err *e);
/* A new file at path holding p[0..n), durable: io_create_excl, write,
 * fsync, close, fsync its directory. On any failure the file is removed.
 * ERR_IO as io_create_excl, or "cannot write 'PATH'", "cannot sync the
 * directory of 'PATH'". */
int io_write_new(const char *path, mode_t mode, const void *p, size_t n, struct err *e);

/* How io_replace puts the file in place (struct io_replace.flags). */
enum {
	/* An unnamed O_TMPFILE first; a random name when the file system
	 * has none. */
	IO_REPLACE_TMPFILE = 1 << 0,
	/* NAME was not there: an O_TMPFILE is linked straight to it, so a
	 * kill leaves nothing behind (one that appeared meanwhile is
	 * replaced all the same). A named temporary file is renamed. */
	IO_REPLACE_NEW = 1 << 1,
	/* Create only: the file is linked to NAME, never over an existing
	 * one: ERR_IO "cannot create 'SHOWN': it already exists". */
	IO_REPLACE_EXCL = 1 << 2,
	/* First remove the temporary files of NAME a killed writer left
	 * (".NAME.secretctl-<16 hex>.tmp", regular files only). Only under a
	 * lock every writer of NAME takes, so that none is in use. */
	IO_REPLACE_CLEAN = 1 << 3,
};

/* What io_replace did. */
enum io_done {
	IO_DONE_NOTHING,
	IO_DONE_CREATED,  /* NAME did not exist */
	IO_DONE_REPLACED, /* NAME was replaced */
};

/* One atomic replacement of NAME in an open directory. */
struct io_replace {
	int dir_fd;        /* the directory (O_RDONLY|O_DIRECTORY) */
	const char *dir;   /* its name, for messages */
	const char *name;  /* NAME: one name in it */
	const char *shown; /* the file, for messages */
	mode_t mode;       /* the temporary file's mode from its first byte */
	unsigned flags;    /* IO_REPLACE_* */
	/* Both may be NULL. written: the data is written, before the fsync
	 * (owner, mode, ACL: the file gets its name with them); synced: the
	 * file is synced, right before it gets NAME. 0, or an error code
	 * with e filled: then nothing is put in place. */
	int (*written)(int fd, void *ctx, struct err *e);
	int (*synced)(void *ctx, struct err *e);
	void *ctx;
};

/* Write p[0..n) to a temporary file in r->dir_fd (O_TMPFILE, or a random
 * name with O_EXCL|O_NOFOLLOW), call the hooks, fsync it, give it NAME
 * (link when new, rename over an old one), fsync the directory. Every
 * failure before NAME changes removes the temporary file and leaves NAME
 * as it was. *done is set once NAME is the new file, so it says so also
 * when only the directory's fsync fails. ERR_IO "cannot create a
 * temporary file in 'DIR'", "cannot write 'SHOWN'", "cannot replace
 * 'SHOWN'", "cannot sync directory 'DIR'", ... */
int io_replace(const struct io_replace *r, const void *p, size_t n, enum io_done *done,
	       struct err *e);

#endif
