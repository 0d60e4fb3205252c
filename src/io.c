/* io: the write-all, the capped reader, the exclusive create and the
 * atomic replace every module uses. */
#include "secretctl/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* ---- whole writes and reads ---- */

int io_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO; /* never loop on a write that makes no progress */
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t io_read_full(int fd, void *p, size_t n)
{
	unsigned char *c = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* ---- the capped reader ---- */

#define READ_CHUNK 65536
#define MIB ((size_t)1 << 20)

static int too_big(const char *name, size_t max, struct err *e)
{
	if (max > MIB && max % MIB == 0)
		return err_set(e, ERR_INPUT, "'%s' is larger than %zu MiB", name, max / MIB);
	return err_set(e, ERR_INPUT, "'%s' is larger than %zu bytes", name, max);
}

/* One reader for both kinds of memory: out, or (secrets) sout. Read
 * straight into the buffer; a regular file's size sizes it once (no copy
 * through a chunk, no regrowth). The cap is checked as bytes arrive, so a
 * pipe or a file that grows cannot push past it. */
static int read_into(int fd, const char *name, size_t max, struct buf *out, struct secmem *sout,
		     struct err *e)
{
	size_t start = out ? out->len : sout->len, want = READ_CHUNK;
	struct stat st;
	int first = 1, rc = 0;

	if (start > max)
		return too_big(name, max, e);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uintmax_t)st.st_size > max) /* refused before reading */
			return too_big(name, max, e);
		want = (size_t)st.st_size + 1; /* +1: see the end of the file at once */
		/* sized exactly (buf_reserve would round up to a power of two) */
		if (out && !out->p) {
			out->p = malloc(want + 1);
			if (!out->p)
				return err_oom(e);
			out->cap = want + 1;
			out->p[0] = '\0';
		}
	}
	for (;;) {
		size_t len = out ? out->len : sout->len;
		unsigned char *p;
		ssize_t n;

		/* more room only when the buffer is full: a file read whole
		 * meets its end in the room left over */
		if (first || len + 1 >= (out ? out->cap : sout->cap)) {
			if (out ? buf_reserve(out, len + want) : secmem_reserve(sout, len + want)) {
				rc = err_oom(e);
				break;
			}
			first = 0;
			want = READ_CHUNK;
		}
		p = out ? (unsigned char *)out->p : sout->p;
		p[len] = 0;
		n = read(fd, p + len, (out ? out->cap : sout->cap) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_errno(e, ERR_IO, errno, "cannot read '%s'", name);
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		p[len] = 0;
		if (out)
			out->len = len;
		else
			sout->len = len;
		if (len > max) {
			rc = too_big(name, max, e);
			break;
		}
	}
	if (rc && out) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
	} else if (rc && sout->p) {
		sodium_memzero(sout->p + start, sout->len - start);
		sout->len = start;
	}
	return rc;
}

int io_read_fd(int fd, const char *name, size_t cap, struct buf *out, struct err *e)
{
	return read_into(fd, name, cap, out, NULL, e);
}

int io_read_fd_secret(int fd, const char *name, size_t cap, struct secmem *out, struct err *e)
{
	return read_into(fd, name, cap, NULL, out, e);
}

static int read_path(const char *path, size_t cap, struct buf *out, struct secmem *sout,
		     struct err *e)
{
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_into(0, "standard input", cap, out, sout, e);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_errno(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
				  "cannot open '%s'", path);
	rc = read_into(fd, path, cap, out, sout, e);
	close(fd);
	return rc;
}

int io_read_file(const char *path, size_t cap, struct buf *out, struct err *e)
{
	return read_path(path, cap, out, NULL, e);
}

int io_read_file_secret(const char *path, size_t cap, struct secmem *out, struct err *e)
{
	return read_path(path, cap, NULL, out, e);
}

/* ---- new files ---- */

static int create_excl(int dir_fd, const char *path, mode_t mode)
{
	int fd = openat(dir_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	/* the umask may have taken bits away */
	if (fd >= 0 && fchmod(fd, mode) != 0) {
		int en = errno;

		unlinkat(dir_fd, path, 0);
		close(fd);
		errno = en;
		return -1;
	}
	return fd;
}

int io_create_excl(int dir_fd, const char *path, mode_t mode, const char *shown, int *fd,
		   struct err *e)
{
	*fd = create_excl(dir_fd, path, mode);
	if (*fd >= 0)
		return 0;
	if (!shown)
		shown = path;
	if (errno == EEXIST) {
		err_set(e, ERR_IO, "cannot create '%s': it already exists", shown);
		e->sub = EEXIST;
		return ERR_IO;
	}
	return err_errno(e, ERR_IO, errno, "cannot create '%s'", shown);
}

/* fsync the directory path is in. 0, or -1 with errno. */
static int sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc, en;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	en = errno;
	close(fd);
	errno = en;
	return rc;
}

int io_write_new(const char *path, mode_t mode, const void *p, size_t n, struct err *e)
{
	int fd, rc;

	if ((rc = io_create_excl(AT_FDCWD, path, mode, NULL, &fd, e)))
		return rc;
	if (io_write_all(fd, p, n) != 0 || fsync(fd) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", path);
		close(fd);
	} else if (close(fd) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", path);
	} else if (sync_dir_of(path) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot sync the directory of '%s'", path);
	}
	if (rc)
		unlink(path); /* no half-written file, nor one we could not make durable */
	return rc;
}

/* ---- atomic replacement ---- */

#define TMP_MID ".secretctl-"
#define TMP_END ".tmp"
/* "." NAME TMP_MID 16 hex TMP_END, NUL */
#define TMP_NAME_MAX (1 + NAME_MAX + sizeof TMP_MID - 1 + 16 + sizeof TMP_END)

/* A fresh random temporary name for NAME. 0, or -1 (ENAMETOOLONG). */
static int tmp_name(const char *name, char out[TMP_NAME_MAX])
{
	unsigned char r[8];

	if (strlen(name) > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	randombytes_buf(r, sizeof r);
	snprintf(out, TMP_NAME_MAX, ".%s" TMP_MID "%02x%02x%02x%02x%02x%02x%02x%02x" TMP_END, name, r[0],
		 r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	return 0;
}

static int is_tmp_of(const char *s, const char *name)
{
	size_t nl = strlen(name);

	if (s[0] != '.' || strncmp(s + 1, name, nl) != 0)
		return 0;
	s += 1 + nl;
	if (strncmp(s, TMP_MID, sizeof TMP_MID - 1) != 0)
		return 0;
	s += sizeof TMP_MID - 1;
	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return strcmp(s + 16, TMP_END) == 0;
}

/* Remove the temporary files a killed writer of NAME left. Best effort:
 * a failure here never fails the write. */
static void remove_stale(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	struct stat st;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (is_tmp_of(de->d_name, name) &&
		    fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			unlinkat(dir_fd, de->d_name, 0);
	closedir(d);
}

/* Give an O_TMPFILE file a name. AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH;
 * /proc/self/fd works for anyone, also when not dumpable (a task may
 * always look at its own fds). */
static int link_tmpfile(int fd, int dir_fd, const char *name)
{
	char proc[64];
	int root = geteuid() == 0;

	if (root && linkat(fd, "", dir_fd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (root && errno == EEXIST)
		return -1;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dir_fd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (!root && errno == ENOENT)
		return linkat(fd, "", dir_fd, name, AT_EMPTY_PATH);
	return -1;
}

static int exists_error(const struct io_replace *r, struct err *e)
{
	err_set(e, ERR_IO, "cannot create '%s': it already exists", r->shown);
	e->sub = EEXIST;
	return ERR_IO;
}

/* Give the written, synced temporary file NAME. *tmp_linked: an
 * O_TMPFILE got the name tmp on the way (to remove on failure). */
static int put_in_place(const struct io_replace *r, int fd, char tmp[TMP_NAME_MAX], int *tmp_linked,
			enum io_done *done, struct err *e)
{
	if (fd < 0) { /* a named temporary file, closed */
		if (r->flags & IO_REPLACE_EXCL) {
			/* link() never replaces: a file that appeared meanwhile is kept */
			if (linkat(r->dir_fd, tmp, r->dir_fd, r->name, 0) != 0)
				return errno == EEXIST ? exists_error(r, e)
						       : err_errno(e, ERR_IO, errno, "cannot create '%s'",
								    r->shown);
			unlinkat(r->dir_fd, tmp, 0);
			*done = IO_DONE_CREATED;
			return 0;
		}
		if (renameat(r->dir_fd, tmp, r->dir_fd, r->name) != 0)
			return err_errno(e, ERR_IO, errno, "cannot replace '%s'", r->shown);
		*done = r->flags & IO_REPLACE_NEW ? IO_DONE_CREATED : IO_DONE_REPLACED;
		return 0;
	}
	if (r->flags & (IO_REPLACE_NEW | IO_REPLACE_EXCL)) {
		/* a new name: link it straight there; linkat never replaces */
		if (link_tmpfile(fd, r->dir_fd, r->name) == 0) {
			*done = IO_DONE_CREATED;
			return 0;
		}
		if (errno == EEXIST && (r->flags & IO_REPLACE_EXCL))
			return exists_error(r, e);
		if (errno != EEXIST)
			return err_errno(e, ERR_IO, errno, "cannot link '%s'", r->shown);
	}
	/* Linux cannot link an O_TMPFILE over a name: a temporary name first */
	if (tmp_name(r->name, tmp) != 0 || link_tmpfile(fd, r->dir_fd, tmp) != 0)
		return err_errno(e, ERR_IO, errno, "cannot link '%s/%s'", r->dir, tmp);
	*tmp_linked = 1;
	if (renameat(r->dir_fd, tmp, r->dir_fd, r->name) != 0)
		return err_errno(e, ERR_IO, errno, "cannot replace '%s'", r->shown);
	*tmp_linked = 0;
	*done = IO_DONE_REPLACED;
	return 0;
}

int io_replace(const struct io_replace *r, const void *p, size_t n, enum io_done *done,
	       struct err *e)
{
	char tmp[TMP_NAME_MAX];
	int fd = -1, named = 0, tmp_linked = 0, rc;

	*done = IO_DONE_NOTHING;
	if (r->flags & IO_REPLACE_CLEAN)
		remove_stale(r->dir_fd, r->name);
	if (r->flags & IO_REPLACE_TMPFILE) {
		fd = openat(r->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, r->mode);
		if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return err_errno(e, ERR_IO, errno, "cannot create a temporary file in '%s'",
					  r->dir);
		if (fd >= 0 && fchmod(fd, r->mode) != 0) {
			rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", r->shown);
			close(fd);
			return rc;
		}
	}
	if (fd < 0) {
		named = 1;
		if (tmp_name(r->name, tmp) != 0 || (fd = create_excl(r->dir_fd, tmp, r->mode)) < 0)
			return err_errno(e, ERR_IO, errno, "cannot create a temporary file in '%s'",
					  r->dir);
	}
	if (io_write_all(fd, p, n) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", r->shown);
		goto fail;
	}
	if (r->written && (rc = r->written(fd, r->ctx, e)))
		goto fail;
	if (fsync(fd) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", r->shown);
		goto fail;
	}
	if (named) {
		rc = close(fd);
		fd = -1;
		if (rc != 0) {
			rc = err_errno(e, ERR_IO, errno, "cannot write '%s'", r->shown);
			goto fail;
		}
	}
	if (r->synced && (rc = r->synced(r->ctx, e)))
		goto fail;
	if ((rc = put_in_place(r, fd, tmp, &tmp_linked, done, e)))
		goto fail;
	if (fd >= 0)
		close(fd); /* synced: nothing left to report */
	if (fsync(r->dir_fd) != 0)
		return err_errno(e, ERR_IO, errno, "cannot sync directory '%s'", r->dir);
	return 0;
fail:
	if (named || tmp_linked)
		unlinkat(r->dir_fd, tmp, 0);
	if (fd >= 0)
		close(fd);
	return rc;
}
