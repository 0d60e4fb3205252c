/* io: the write-all and read-full loops (a pipe fed in pieces, a full
 * device), the capped reader (the cap exact for files and pipes, standard
 * input, appending, an exactly sized buffer, a failure leaving the buffer
 * as it was), the exclusive create (exact mode under any umask, never an
 * existing file or a symlink), the durable new file, and io_replace in
 * both its shapes: named temporary files and O_TMPFILE, create-only,
 * stale temporary files, the hooks and their order, and fsync, rename,
 * link and write failing half-way (--wrap) leaving the old file and
 * nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "secretctl/io.h"

#include "testfs.h"

/* ---- syscall faults: fail the Nth call (1-based) with an errno ---- */
static int fsync_at, fsync_errno, fsync_calls;
static int rename_errno, link_errno, tmpfile_errno, write_errno;
int __real_fsync(int fd);
int __real_renameat(int a, const char *b, int c, const char *d);
int __real_linkat(int a, const char *b, int c, const char *d, int f);
int __real_openat(int d, const char *p, int f, ...);
ssize_t __real_write(int fd, const void *p, size_t n);
int __wrap_fsync(int fd);
int __wrap_renameat(int a, const char *b, int c, const char *d);
int __wrap_linkat(int a, const char *b, int c, const char *d, int f);
int __wrap_openat(int d, const char *p, int f, ...);
ssize_t __wrap_write(int fd, const void *p, size_t n);
int __wrap_fsync(int fd)
{
	fsync_calls++;
	if (fsync_errno && fsync_calls == fsync_at) {
		errno = fsync_errno;
		return -1;
	}
	return __real_fsync(fd);
}
int __wrap_renameat(int a, const char *b, int c, const char *d)
{
	if (rename_errno) {
		errno = rename_errno;
		return -1;
	}
	return __real_renameat(a, b, c, d);
}
int __wrap_linkat(int a, const char *b, int c, const char *d, int f)
{
	if (link_errno) {
		errno = link_errno;
		return -1;
	}
	return __real_linkat(a, b, c, d, f);
}
int __wrap_openat(int d, const char *p, int f, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, f);
	m = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (tmpfile_errno && (f & O_TMPFILE) == O_TMPFILE) {
		errno = tmpfile_errno;
		return -1;
	}
	return __real_openat(d, p, f, m);
}
ssize_t __wrap_write(int fd, const void *p, size_t n)
{
	if (write_errno && fd > 2) {
		errno = write_errno;
		return n > 1 ? 1 : -1; /* a short write first, then the error */
	}
	return __real_write(fd, p, n);
}

static char dir[64], file[128];

static int setup(void **state)
{
	(void)state;
	fsync_at = fsync_errno = fsync_calls = 0;
	rename_errno = link_errno = tmpfile_errno = write_errno = 0;
	strcpy(dir, "/tmp/test_io.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof file, "%s/f.txt", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_rf(dir);
}

static void put_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void assert_content(const char *path, const char *want)
{
	char got[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, got, sizeof got);
	close(fd);
	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(got, want, (size_t)n);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A child writes p[0..n) to the returned read end in pieces of step
 * bytes, pausing between them, then exits. */
static int feeder(const void *p, size_t n, size_t step, pid_t *pid)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		const unsigned char *c = p;

		close(fds[0]);
		for (size_t off = 0; off < n; off += step) {
			size_t k = n - off < step ? n - off : step;
			if (io_write_all(fds[1], c + off, k))
				_exit(1);
			usleep(1000);
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void reap(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- whole writes and reads ---- */

static void test_write_all_and_read_full(void **state)
{
	static unsigned char big[300000], back[sizeof big + 10];
	pid_t pid;
	ssize_t n;
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 13 + i / 7);
	/* more than a pipe holds, in pieces: read_full gathers them all */
	fd = feeder(big, sizeof big, 70000, &pid);
	n = io_read_full(fd, back, sizeof back);
	assert_int_equal(n, (ssize_t)sizeof big); /* fewer than asked: the end */
	assert_memory_equal(back, big, sizeof big);
	assert_int_equal(io_read_full(fd, back, 1), 0);
	close(fd);
	reap(pid);
	/* exactly n: it stops there */
	fd = feeder(big, 100, 7, &pid);
	assert_int_equal(io_read_full(fd, back, 50), 50);
	assert_int_equal(io_read_full(fd, back + 50, 100), 50);
	assert_memory_equal(back, big, 100);
	close(fd);
	reap(pid);
	/* a full device: the error, not a loop */
	fd = open("/dev/full", O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(io_write_all(fd, big, 10), -1);
	assert_int_equal(errno, ENOSPC);
	close(fd);
	assert_int_equal(io_read_full(-1, back, 1), -1);
	assert_int_equal(errno, EBADF);
}

/* ---- the capped reader ---- */

static void test_read_cap_file(void **state)
{
	static char data[3000];
	struct buf b = { 0 };
	struct secmem m = { 0 };
	struct err e;

	(void)state;
	memset(data, 'x', sizeof data);
	put_file(file, data, sizeof data);
	/* exactly the cap: read, into a buffer sized to the file (and one
	 * byte to see its end, and the NUL) */
	assert_int_equal(io_read_file(file, sizeof data, &b, &e), 0);
	assert_int_equal(b.len, sizeof data);
	assert_int_equal(b.cap, sizeof data + 2);
	assert_int_equal(b.p[b.len], '\0');
	assert_memory_equal(b.p, data, sizeof data);
	/* one byte over: refused before reading, the buffer as it was */
	assert_int_equal(io_read_file(file, sizeof data - 1, &b, &e), ERR_INPUT);
	assert_int_equal(b.len, sizeof data);
	assert_string_equal(strstr(e.msg, "' is larger than 2999 bytes"), "' is larger than 2999 bytes");
	assert_non_null(strstr(e.msg, file));
	/* appending: the cap counts what is there */
	assert_int_equal(io_read_file(file, 2 * sizeof data, &b, &e), 0);
	assert_int_equal(b.len, 2 * sizeof data);
	assert_int_equal(io_read_file(file, 2 * sizeof data + 10, &b, &e), ERR_INPUT);
	assert_int_equal(b.len, 2 * sizeof data);
	assert_int_equal(b.p[b.len], '\0');
	buf_free(&b);
	/* secure memory */
	assert_int_equal(io_read_file_secret(file, sizeof data, &m, &e), 0);
	assert_int_equal(m.len, sizeof data);
	assert_memory_equal(m.p, data, sizeof data);
	assert_int_equal(io_read_file_secret(file, sizeof data, &m, &e), ERR_INPUT);
	assert_int_equal(m.len, sizeof data);
	secmem_free(&m);
	/* an empty file: an empty string */
	put_file(file, "", 0);
	assert_int_equal(io_read_file(file, 1, &b, &e), 0);
	assert_non_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.p[0], '\0');
	/* what is there already may be past the cap */
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(io_read_file(file, 2, &b, &e), ERR_INPUT);
	assert_int_equal(b.len, 3);
	/* caps of whole MiB over one read in MiB (sparse files one byte over) */
	assert_int_equal(truncate(file, ((off_t)64 << 20) + 1), 0);
	assert_int_equal(io_read_file(file, (size_t)64 << 20, &b, &e), ERR_INPUT);
	assert_string_equal(strstr(e.msg, "' is larger than 64 MiB"), "' is larger than 64 MiB");
	assert_int_equal(truncate(file, ((off_t)1 << 20) + 1), 0);
	assert_int_equal(io_read_file(file, (size_t)1 << 20, &b, &e), ERR_INPUT);
	assert_string_equal(strstr(e.msg, "' is larger than 1048576 bytes"),
			    "' is larger than 1048576 bytes");
	assert_int_equal(b.len, 3);
	b.len = 0;
	buf_free(&b);
}

static void test_read_cap_pipe(void **state)
{
	static unsigned char data[200000];
	struct secmem m = { 0 };
	struct buf b = { 0 };
	struct err e;
	pid_t pid;
	int fd;

	(void)state;
	randombytes_buf(data, sizeof data);
	/* a pipe at exactly the cap */
	fd = feeder(data, sizeof data, 30000, &pid);
	assert_int_equal(io_read_fd(fd, "the pipe", sizeof data, &b, &e), 0);
	close(fd);
	reap(pid);
	assert_int_equal(b.len, sizeof data);
	assert_memory_equal(b.p, data, sizeof data);
	buf_free(&b);
	/* one byte over: stopped as the bytes arrive, the secret bytes read
	 * so far zeroed and the buffer as it was */
	assert_int_equal(secmem_append(&m, "ab", 2), 0);
	fd = feeder(data, sizeof data, 30000, &pid);
	assert_int_equal(io_read_fd_secret(fd, "the pipe", sizeof data, &m, &e), ERR_INPUT);
	assert_string_equal(e.msg, "'the pipe' is larger than 200000 bytes");
	close(fd); /* the feeder may get EPIPE now */
	waitpid(pid, NULL, 0);
	assert_int_equal(m.len, 2);
	assert_memory_equal(m.p, "ab", 3);
	for (size_t i = 2; i < m.cap; i++)
		assert_int_equal(m.p[i], 0);
	secmem_free(&m);
}

/* "-" is standard input, named so in messages */
static void test_read_stdin(void **state)
{
	struct secmem m = { 0 };
	struct err e;
	pid_t pid;
	int fd, saved = dup(0);

	(void)state;
	fd = feeder("hunter2\n", 8, 3, &pid);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	assert_int_equal(io_read_file_secret("-", 4, &m, &e), ERR_INPUT);
	assert_string_equal(e.msg, "'standard input' is larger than 4 bytes");
	assert_int_equal(m.len, 0);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, NULL, 0); /* it may have met a closed pipe */
	fd = feeder("hunter2\n", 8, 3, &pid);
	saved = dup(0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	assert_int_equal(io_read_file_secret("-", 8, &m, &e), 0);
	dup2(saved, 0);
	close(saved);
	reap(pid);
	assert_int_equal(m.len, 8);
	assert_memory_equal(m.p, "hunter2\n", 9);
	secmem_free(&m);
}

static void test_read_errors(void **state)
{
	struct buf b = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(io_read_file(file, 100, &b, &e), ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "cannot open '"));
	assert_non_null(strstr(e.msg, "No such file"));
	assert_int_equal(io_read_file(dir, 100, &b, &e), ERR_IO); /* a directory */
	assert_non_null(strstr(e.msg, "cannot read '"));
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* ---- new files ---- */

static void test_create_excl(void **state)
{
	char link[160];
	struct err e;
	mode_t old = umask(077);
	int fd;

	(void)state;
	/* the mode from the first byte, whatever the umask */
	assert_int_equal(io_create_excl(AT_FDCWD, file, 0644, NULL, &fd, &e), 0);
	assert_int_equal(mode_of(file), 0644);
	assert_int_equal(io_write_all(fd, "one", 3), 0);
	close(fd);
	/* never an existing file */
	assert_int_equal(io_create_excl(AT_FDCWD, file, 0600, "the file", &fd, &e), ERR_IO);
	assert_string_equal(e.msg, "cannot create 'the file': it already exists");
	assert_int_equal(e.sub, EEXIST);
	assert_content(file, "one");
	/* nor through a symlink, a dangling one included */
	snprintf(link, sizeof link, "%s/link", dir);
	assert_int_equal(symlink("target", link), 0);
	assert_int_equal(io_create_excl(AT_FDCWD, link, 0600, NULL, &fd, &e), ERR_IO);
	assert_int_equal(e.sub, EEXIST);
	assert_int_equal(test_count_entries(dir), 2);
	/* relative to a directory; other errors say why */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	{
		int f2;
		assert_int_equal(io_create_excl(fd, "rel", 0400, NULL, &f2, &e), 0);
		close(f2);
		assert_int_equal(io_create_excl(fd, "no/such", 0400, NULL, &f2, &e), ERR_IO);
		assert_non_null(strstr(e.msg, "cannot create 'no/such': No such file"));
		assert_int_equal(e.sub, 0);
	}
	close(fd);
	umask(old);
}

static void test_write_new(void **state)
{
	struct err e;

	(void)state;
	umask(022);
	assert_int_equal(io_write_new(file, 0600, "key\n", 4, &e), 0);
	assert_content(file, "key\n");
	assert_int_equal(mode_of(file), 0600);
	assert_int_equal(fsync_calls, 2); /* the file, its directory */
	assert_int_equal(io_write_new(file, 0600, "x", 1, &e), ERR_IO);
	assert_int_equal(e.sub, EEXIST);
	assert_content(file, "key\n");
	unlink(file);
	/* a failure at any step removes the new file */
	write_errno = ENOSPC;
	assert_int_equal(io_write_new(file, 0600, "key\n", 4, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot write '"));
	assert_non_null(strstr(e.msg, "No space left"));
	assert_int_equal(access(file, F_OK), -1);
	write_errno = 0;
	fsync_errno = EIO;
	fsync_calls = 0;
	fsync_at = 2; /* the directory's */
	assert_int_equal(io_write_new(file, 0600, "key\n", 4, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot sync the directory of '"));
	assert_int_equal(access(file, F_OK), -1);
	assert_int_equal(test_count_entries(dir), 0);
}

/* ---- atomic replacement ---- */

struct hooks {
	int written, synced, fsyncs_at_written, fsyncs_at_synced;
	int fail_written, fail_synced;
	mode_t chmod_to;
};

static int on_written(int fd, void *ctx, struct err *e)
{
	struct hooks *h = ctx;

	h->written++;
	h->fsyncs_at_written = fsync_calls;
	if (h->chmod_to && fchmod(fd, h->chmod_to) != 0)
		return err_errno(e, ERR_IO, errno, "fchmod");
	return h->fail_written ? err_set(e, ERR_USAGE, "written says no") : 0;
}

static int on_synced(void *ctx, struct err *e)
{
	struct hooks *h = ctx;

	h->synced++;
	h->fsyncs_at_synced = fsync_calls;
	return h->fail_synced ? err_set(e, ERR_USAGE, "synced says no") : 0;
}

static struct io_replace target(int dfd, unsigned flags, struct hooks *h)
{
	return (struct io_replace){ .dir_fd = dfd, .dir = dir, .name = "f.txt", .shown = file,
				    .mode = 0640, .flags = flags,
				    .written = h ? on_written : NULL,
				    .synced = h ? on_synced : NULL, .ctx = h };
}

static int open_dir(void)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(dfd >= 0);
	return dfd;
}

/* Both shapes: named temporary files and O_TMPFILE. */
static void replace_shapes(unsigned shape)
{
	struct hooks h = { 0 };
	struct io_replace r;
	enum io_done done;
	struct err e;
	int dfd = open_dir();
	struct stat st1, st2;

	umask(077);
	r = target(dfd, shape | IO_REPLACE_NEW, &h);
	assert_int_equal(io_replace(&r, "one", 3, &done, &e), 0);
	assert_int_equal(done, IO_DONE_CREATED);
	assert_content(file, "one");
	assert_int_equal(mode_of(file), 0640); /* not narrowed by the umask */
	assert_int_equal(test_count_entries(dir), 1);
	/* the hooks: written before the file's fsync, synced after it */
	assert_int_equal(h.written, 1);
	assert_int_equal(h.synced, 1);
	assert_int_equal(h.fsyncs_at_written, 0);
	assert_int_equal(h.fsyncs_at_synced, 1);
	assert_int_equal(fsync_calls, 2); /* and the directory's */
	assert_int_equal(stat(file, &st1), 0);
	r = target(dfd, shape, &h);
	h.chmod_to = 0400;
	assert_int_equal(io_replace(&r, "two!", 4, &done, &e), 0);
	assert_int_equal(done, IO_DONE_REPLACED);
	assert_content(file, "two!");
	assert_int_equal(mode_of(file), 0400); /* what the hook set came with the name */
	assert_int_equal(stat(file, &st2), 0);
	assert_true(st1.st_ino != st2.st_ino);
	assert_int_equal(test_count_entries(dir), 1);
	/* NEW on a name that appeared meanwhile: replaced all the same */
	r = target(dfd, shape | IO_REPLACE_NEW, NULL);
	assert_int_equal(io_replace(&r, "three", 5, &done, &e), 0);
	assert_content(file, "three");
	assert_int_equal(test_count_entries(dir), 1);
	/* a hook's error: nothing is put in place, nothing left */
	h.fail_written = 1;
	r = target(dfd, shape, &h);
	assert_int_equal(io_replace(&r, "four", 4, &done, &e), ERR_USAGE);
	assert_string_equal(e.msg, "written says no");
	assert_int_equal(done, IO_DONE_NOTHING);
	h.fail_written = 0;
	h.fail_synced = 1;
	assert_int_equal(io_replace(&r, "four", 4, &done, &e), ERR_USAGE);
	assert_content(file, "three");
	assert_int_equal(test_count_entries(dir), 1);
	close(dfd);
}

static void test_replace_named(void **state)
{
	(void)state;
	replace_shapes(0);
}

static void test_replace_tmpfile(void **state)
{
	(void)state;
	replace_shapes(IO_REPLACE_TMPFILE);
}

/* Without O_TMPFILE support: the named shape. */
static void test_replace_tmpfile_fallback(void **state)
{
	(void)state;
	tmpfile_errno = EOPNOTSUPP;
	replace_shapes(IO_REPLACE_TMPFILE);
	/* any other error is one */
	tmpfile_errno = EACCES;
	{
		struct io_replace r;
		enum io_done done;
		struct err e;
		int dfd = open_dir();

		r = target(dfd, IO_REPLACE_TMPFILE, NULL);
		assert_int_equal(io_replace(&r, "x", 1, &done, &e), ERR_IO);
		assert_non_null(strstr(e.msg, "cannot create a temporary file in '"));
		close(dfd);
	}
}

/* Create only: linked, never over an existing file. */
static void excl(unsigned shape)
{
	struct io_replace r;
	enum io_done done;
	struct err e;
	int dfd = open_dir();

	r = target(dfd, shape | IO_REPLACE_EXCL, NULL);
	assert_int_equal(io_replace(&r, "one", 3, &done, &e), 0);
	assert_int_equal(done, IO_DONE_CREATED);
	assert_int_equal(io_replace(&r, "two", 3, &done, &e), ERR_IO);
	assert_int_equal(done, IO_DONE_NOTHING);
	assert_string_equal(strstr(e.msg, "': it already exists"), "': it already exists");
	assert_int_equal(e.sub, EEXIST);
	assert_content(file, "one");
	assert_int_equal(test_count_entries(dir), 1);
	close(dfd);
}

static void test_replace_excl(void **state)
{
	(void)state;
	excl(0);
	unlink(file);
	excl(IO_REPLACE_TMPFILE);
}

static void test_replace_clean(void **state)
{
	char stale[256], other[256], sdir[256], lnk[256], foreign[256];
	struct io_replace r;
	enum io_done done;
	struct err e;
	int dfd = open_dir();

	(void)state;
	snprintf(stale, sizeof stale, "%s/.f.txt.secretctl-0123456789abcdef.tmp", dir);
	snprintf(other, sizeof other, "%s/.f.txt.secretctl-keep.tmp", dir);
	snprintf(sdir, sizeof sdir, "%s/.f.txt.secretctl-00000000000000aa.tmp", dir);
	snprintf(lnk, sizeof lnk, "%s/.f.txt.secretctl-00000000000000bb.tmp", dir);
	snprintf(foreign, sizeof foreign, "%s/.g.txt.secretctl-0123456789abcdef.tmp", dir);
	put_file(stale, "s", 1);
	put_file(other, "o", 1);
	put_file(foreign, "g", 1);
	assert_int_equal(mkdir(sdir, 0700), 0);
	assert_int_equal(symlink("nowhere", lnk), 0);
	/* without the flag, nothing is touched */
	r = target(dfd, 0, NULL);
	assert_int_equal(io_replace(&r, "one", 3, &done, &e), 0);
	assert_int_equal(test_count_entries(dir), 6);
	/* with it: NAME's stale regular temporary files only */
	r = target(dfd, IO_REPLACE_CLEAN, NULL);
	assert_int_equal(io_replace(&r, "two", 3, &done, &e), 0);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(access(foreign, F_OK), 0);
	assert_int_equal(access(sdir, F_OK), 0);
	assert_int_equal(faccessat(AT_FDCWD, lnk, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(test_count_entries(dir), 5);
	close(dfd);
}

/* A failure at each step leaves the old file and nothing else. */
static void failures(unsigned shape)
{
	struct io_replace r;
	enum io_done done;
	struct err e;
	int dfd = open_dir();

	r = target(dfd, shape | IO_REPLACE_NEW, NULL);
	assert_int_equal(io_replace(&r, "old", 3, &done, &e), 0);
	r = target(dfd, shape, NULL);
	write_errno = ENOSPC;
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot write '"));
	write_errno = 0;
	fsync_errno = EIO;
	fsync_calls = 0;
	fsync_at = 1;
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot write '"));
	fsync_errno = 0;
	rename_errno = EIO;
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot replace '"));
	assert_int_equal(done, IO_DONE_NOTHING);
	rename_errno = 0;
	assert_content(file, "old");
	assert_int_equal(test_count_entries(dir), 1);
	/* the directory's fsync: the file is in place, and done says so */
	fsync_errno = EIO;
	fsync_calls = 0;
	fsync_at = 2;
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot sync directory '"));
	assert_int_equal(done, IO_DONE_REPLACED);
	assert_content(file, "new");
	assert_int_equal(test_count_entries(dir), 1);
	fsync_errno = 0;
	close(dfd);
}

static void test_replace_failures(void **state)
{
	(void)state;
	failures(0);
	unlink(file);
	failures(IO_REPLACE_TMPFILE);
}

/* link failing: for a new file (either shape) and for the O_TMPFILE's
 * temporary name on the way to a replacement. */
static void test_replace_link_fails(void **state)
{
	struct io_replace r;
	enum io_done done;
	struct err e;
	int dfd = open_dir();

	(void)state;
	link_errno = EMLINK;
	r = target(dfd, IO_REPLACE_TMPFILE | IO_REPLACE_NEW, NULL);
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_int_equal(test_count_entries(dir), 0);
	r = target(dfd, IO_REPLACE_EXCL, NULL);
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_int_equal(test_count_entries(dir), 0);
	link_errno = 0;
	put_file(file, "old", 3);
	link_errno = EMLINK;
	r = target(dfd, IO_REPLACE_TMPFILE, NULL);
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot link '"));
	assert_content(file, "old");
	assert_int_equal(test_count_entries(dir), 1);
	/* the rename after the temporary link: that name is removed again */
	link_errno = 0;
	rename_errno = EIO;
	assert_int_equal(io_replace(&r, "new", 3, &done, &e), ERR_IO);
	assert_content(file, "old");
	assert_int_equal(test_count_entries(dir), 1);
	close(dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_all_and_read_full),
		cmocka_unit_test_setup_teardown(test_read_cap_file, setup, teardown),
		cmocka_unit_test(test_read_cap_pipe),
		cmocka_unit_test(test_read_stdin),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_excl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_tmpfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_tmpfile_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_excl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_link_fails, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	if (secmem_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
