/* install: names, modes, subuid mapping, the ACL xattr bytes, and
 * install_file in a temp directory: created / unchanged (same inode and
 * mtime) / replaced, every refusal, and fsync, rename, link and O_TMPFILE
 * failing half-way (--wrap) leaving the old file and nothing else; the
 * directory resolved without symlinks through openat2 and through the
 * walk a kernel without it takes (openat2 failing with ENOSYS), and a
 * directory swapped right after --mkdir made it left unchanged. The
 * static functions are tested by including the .c file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "testfs.h"

#include "../../src/install.c"

/* ---- syscall faults: fail the Nth call (1-based) with an errno ---- */
static int fsync_at, fsync_errno, fsync_calls;
static int rename_errno, link_errno, tmpfile_errno;
/* openat2 fails with this errno (ENOSYS: an older kernel); its calls */
static int openat2_errno, openat2_calls;
/* the next O_NOFOLLOW openat of this name, once it exists, finds another
 * directory there, 65534:65534 0755, as if swapped in right after mkdirat */
static const char *swap_name;
long __real_syscall(long n, ...);
long __wrap_syscall(long n, ...);
int __real_fsync(int fd);
int __real_renameat(int a, const char *b, int c, const char *d);
int __real_linkat(int a, const char *b, int c, const char *d, int f);
int __real_openat(int d, const char *p, int f, ...);
int __wrap_fsync(int fd);
int __wrap_renameat(int a, const char *b, int c, const char *d);
int __wrap_linkat(int a, const char *b, int c, const char *d, int f);
int __wrap_openat(int d, const char *p, int f, ...);
long __wrap_syscall(long n, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (n == SYS_openat2) {
		openat2_calls++;
		if (openat2_errno) {
			errno = openat2_errno;
			return -1;
		}
	}
	return __real_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
int __wrap_fsync(int fd)
{
	if (fsync_errno && ++fsync_calls == fsync_at) {
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
	if (swap_name && (f & O_NOFOLLOW) && strcmp(p, swap_name) == 0 &&
	    faccessat(d, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		swap_name = NULL;
		if (unlinkat(d, p, AT_REMOVEDIR) != 0 || mkdirat(d, p, 0700) != 0 ||
		    fchmodat(d, p, 0755, 0) != 0 || fchownat(d, p, 65534, 65534, 0) != 0)
			return -1;
	}
	return __real_openat(d, p, f, m);
}

static char dir[64], file[128];

static int setup(void **state)
{
	(void)state;
	fsync_at = fsync_errno = fsync_calls = rename_errno = link_errno = tmpfile_errno = 0;
	openat2_errno = openat2_calls = 0;
	swap_name = NULL;
	strcpy(dir, "/tmp/test_install.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof file, "%s/app.env", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_rf(dir);
}

static void assert_content(const char *path, const char *want)
{
	char got[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, got, sizeof got);
	close(fd);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, (size_t)n);
}

static struct install_target target(void)
{
	return (struct install_target){ .dir = dir, .name = "app.env", .uid = 0, .gid = 0,
					.mode = 0400 };
}

static int put(const struct install_target *t, const char *data, enum install_result *r)
{
	struct err e;
	int rc = install_file(t, data, strlen(data), r, &e);
	if (rc)
		print_message("# %s\n", e.msg);
	return rc;
}

/* ---- names, modes, subuid ---- */

static void test_names(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(install_name_check("app.env", 7, &e), 0);
	assert_int_equal(install_name_check(".hidden", 7, &e), 0);
	assert_int_equal(install_name_check("a..b", 4, &e), 0);
	assert_int_equal(install_name_check("", 0, &e), ERR_IO);
	assert_int_equal(install_name_check(".", 1, &e), ERR_IO);
	assert_int_equal(install_name_check("..", 2, &e), ERR_IO);
	assert_int_equal(install_name_check("../x", 4, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "contains '/'"));
	assert_int_equal(install_name_check("a/b", 3, &e), ERR_IO);
	assert_int_equal(install_name_check("a\0b", 3, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "NUL"));
	assert_int_equal(install_name_check("-v", 2, &e), ERR_IO);
	char longname[300];
	memset(longname, 'a', sizeof longname);
	assert_int_equal(install_name_check(longname, 223, &e), 0);
	assert_int_equal(install_name_check(longname, 224, &e), ERR_IO);
}

static void test_modes(void **state)
{
	struct err e;
	mode_t m;

	(void)state;
	assert_int_equal(install_mode_parse("0400", &m, &e), 0);
	assert_int_equal(m, 0400);
	assert_int_equal(install_mode_parse("640", &m, &e), 0);
	assert_int_equal(m, 0640);
	assert_int_equal(install_mode_parse("0", &m, &e), 0);
	assert_int_equal(m, 0);
	assert_int_equal(install_mode_parse("04400", &m, &e), ERR_USAGE);
	assert_int_equal(install_mode_parse("1777", &m, &e), ERR_USAGE);
	assert_int_equal(install_mode_parse("0800", &m, &e), ERR_USAGE);
	assert_int_equal(install_mode_parse("", &m, &e), ERR_USAGE);
	assert_int_equal(install_mode_parse("u+r", &m, &e), ERR_USAGE);
	assert_int_equal(install_mode_parse("0000400", &m, &e), ERR_USAGE);
}

static void test_subuid(void **state)
{
	char sub[128];
	struct err e;
	uid_t h;
	FILE *f;

	(void)state;
	snprintf(sub, sizeof sub, "%s/subuid", dir);
	f = fopen(sub, "w");
	assert_non_null(f);
	fputs("bob:300000:65536\nalice:100000:65536\n# x\nbroken\n1000:200000:10\n", f);
	fclose(f);
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 53, &h, &e), 0);
	assert_int_equal(h, 100052);
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 1, &h, &e), 0);
	assert_int_equal(h, 100000);
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 65536, &h, &e), 0);
	assert_int_equal(h, 165535);
	/* a second range (by uid) continues the first */
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 65537, &h, &e), 0);
	assert_int_equal(h, 200000);
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 65547, &h, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "outside alice's subuid ranges"));
	assert_non_null(strstr(e.msg, "1 to 65546"));
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 0, &h, &e), ERR_INPUT);
	assert_int_equal(install_subuid_host(sub, "carol", 1001, 53, &h, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "no subuid range for carol"));
	assert_int_equal(install_subuid_host(sub, NULL, 1000, 5, &h, &e), 0);
	assert_int_equal(h, 200004);
	strcat(sub, ".missing");
	assert_int_equal(install_subuid_host(sub, "alice", 1000, 53, &h, &e), ERR_INPUT);
}

/* ---- ACL bytes ---- */

static void test_acl_bytes(void **state)
{
	static const unsigned char want[] = {
		2, 0, 0, 0,
		0x01, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,  /* user::r-- */
		0x02, 0, 4, 0, 0x34, 0x87, 0x01, 0x00,  /* user:100148:r-- */
		0x02, 0, 4, 0, 0x35, 0x87, 0x01, 0x00,  /* user:100149:r-- */
		0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,  /* group::--- */
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,  /* mask::r-- */
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,  /* other::--- */
	};
	uid_t readers[] = { 100149, 100148, 100149 };
	struct install_target t = target();
	unsigned char out[ACL_BYTES];
	struct acl a;
	size_t len;
	mode_t m;

	(void)state;
	t.readers = readers;
	t.n_readers = 3;
	assert_int_equal(file_acl(&t, out, &len, &m), 0);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(out, want, len);
	assert_int_equal(m, 0440);
	assert_int_equal(acl_decode(out, len, &a), 0);
	assert_int_equal(a.n, 6);
	/* a directory 2750: x added to the named entry, mask unchanged */
	acl_from_mode(02750, &a);
	assert_int_equal(acl_grant(&a, 100052, 1), 1);
	assert_int_equal(a.n, 5);
	assert_int_equal(a.v[3].tag, ACL_MASK);
	assert_int_equal(a.v[3].perm, 5);
	assert_int_equal(acl_grant(&a, 100052, 1), 0);
	assert_int_equal(acl_decode(out, 3, &a), -1);
	out[0] = 1;
	assert_int_equal(acl_decode(out, len, &a), -1);
}

/* ---- install_file ---- */

static void test_created_unchanged_replaced(void **state)
{
	struct install_target t = target();
	enum install_result r;
	struct stat a, b;

	(void)state;
	if (geteuid() != 0)
		skip(); /* chown */
	t.uid = 65534;
	t.gid = 65534;
	t.mode = 0440;
	assert_int_equal(put(&t, "A=1\n", &r), 0);
	assert_int_equal(r, INSTALL_CREATED);
	assert_int_equal(stat(file, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0440);
	assert_int_equal(a.st_uid, 65534);
	assert_int_equal(a.st_gid, 65534);
	assert_content(file, "A=1\n");
	usleep(20000);
	assert_int_equal(put(&t, "A=1\n", &r), 0);
	assert_int_equal(r, INSTALL_UNCHANGED);
	assert_int_equal(stat(file, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	assert_int_equal(a.st_ctim.tv_nsec, b.st_ctim.tv_nsec);
	/* same bytes, other mode or owner: replaced */
	t.mode = 0400;
	assert_int_equal(put(&t, "A=1\n", &r), 0);
	assert_int_equal(r, INSTALL_REPLACED);
	assert_int_equal(stat(file, &b), 0);
	assert_int_equal(b.st_mode & 07777, 0400);
	assert_true(a.st_ino != b.st_ino);
	t.uid = 0;
	assert_int_equal(put(&t, "A=1\n", &r), 0);
	assert_int_equal(r, INSTALL_REPLACED);
	assert_int_equal(put(&t, "A=2\n", &r), 0);
	assert_int_equal(r, INSTALL_REPLACED);
	assert_content(file, "A=2\n");
	assert_int_equal(put(&t, "", &r), 0);
	assert_int_equal(r, INSTALL_REPLACED);
	assert_int_equal(put(&t, "", &r), 0);
	assert_int_equal(r, INSTALL_UNCHANGED);
	assert_int_equal(test_count_entries(dir), 1);
}

static void test_file_fsync_fails(void **state)
{
	struct install_target t = target();
	enum install_result r;
	struct err e;

	(void)state;
	assert_int_equal(put(&t, "old", &r), 0);
	fsync_errno = EIO;
	fsync_at = 1;
	assert_int_equal(install_file(&t, "new", 3, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot write"));
	assert_content(file, "old");
	assert_int_equal(test_count_entries(dir), 1);
	/* and when creating */
	t.name = "fresh";
	fsync_calls = 0;
	assert_int_equal(install_file(&t, "new", 3, &r, &e), ERR_IO);
	assert_int_equal(test_count_entries(dir), 1);
}

static void test_rename_fails(void **state)
{
	struct install_target t = target();
	enum install_result r;
	struct err e;

	(void)state;
	assert_int_equal(put(&t, "old", &r), 0);
	rename_errno = EIO;
	assert_int_equal(install_file(&t, "new", 3, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot replace"));
	assert_content(file, "old");
	assert_int_equal(test_count_entries(dir), 1);
}

static void test_link_fails(void **state)
{
	struct install_target t = target();
	enum install_result r;
	struct err e;

	(void)state;
	link_errno = EMLINK;
	assert_int_equal(install_file(&t, "new", 3, &r, &e), ERR_IO);
	assert_int_equal(test_count_entries(dir), 0);
	link_errno = 0;
	assert_int_equal(put(&t, "old", &r), 0);
	link_errno = EMLINK;
	assert_int_equal(install_file(&t, "new", 3, &r, &e), ERR_IO);
	assert_content(file, "old");
	assert_int_equal(test_count_entries(dir), 1);
}

static void test_dir_fsync_fails(void **state)
{
	struct install_target t = target();
	enum install_result r;
	struct err e;

	(void)state;
	assert_int_equal(put(&t, "old", &r), 0);
	fsync_errno = EIO;
	fsync_at = 2; /* the file's passes, the directory's fails */
	assert_int_equal(install_file(&t, "new", 3, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot sync directory"));
	assert_content(file, "new");
	assert_int_equal(test_count_entries(dir), 1);
}

/* Without O_TMPFILE: a random name with O_EXCL, renamed into place. */
static void test_no_tmpfile(void **state)
{
	struct install_target t = target();
	enum install_result r;
	struct stat st;
	struct err e;

	(void)state;
	tmpfile_errno = EOPNOTSUPP;
	assert_int_equal(put(&t, "one", &r), 0);
	assert_int_equal(r, INSTALL_CREATED);
	assert_int_equal(put(&t, "two", &r), 0);
	assert_int_equal(r, INSTALL_REPLACED);
	assert_content(file, "two");
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0400);
	rename_errno = EIO;
	assert_int_equal(install_file(&t, "three", 5, &r, &e), ERR_IO);
	fsync_errno = EIO;
	fsync_at = 1;
	rename_errno = 0;
	assert_int_equal(install_file(&t, "three", 5, &r, &e), ERR_IO);
	assert_content(file, "two");
	assert_int_equal(test_count_entries(dir), 1);
}

static void test_stale_temp_removed(void **state)
{
	struct install_target t = target();
	enum install_result r;
	char stale[256], other[256];

	(void)state;
	snprintf(stale, sizeof stale, "%s/.app.env.secretctl-0123456789abcdef.tmp", dir);
	snprintf(other, sizeof other, "%s/.app.env.secretctl-keep.tmp", dir);
	close(open(stale, O_CREAT | O_WRONLY, 0600));
	close(open(other, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(put(&t, "x", &r), 0);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(test_count_entries(dir), 2);
}

static void test_refusals(void **state)
{
	struct install_target t = target();
	enum install_result r;
	char p[256], sub[200];
	struct err e;

	(void)state;
	if (geteuid() != 0)
		skip(); /* chown */
	/* a symlink at NAME, to an existing and to a missing file */
	snprintf(p, sizeof p, "%s/app.env", dir);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "is a symlink"));
	unlink(p);
	assert_int_equal(symlink("nowhere", p), 0);
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	unlink(p);
	/* a directory at NAME */
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "not a regular file"));
	rmdir(p);
	/* a symlink as the directory */
	snprintf(sub, sizeof sub, "%s/link", dir);
	assert_int_equal(symlink(dir, sub), 0);
	t.dir = sub;
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "is a symlink"));
	/* a missing directory */
	snprintf(sub, sizeof sub, "%s/missing", dir);
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "does not exist (--mkdir creates it)"));
	/* bad names */
	t.dir = dir;
	t.name = "../x";
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	t.name = "..";
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	t.name = "app.env";
	/* group- or other-writable directories */
	chmod(dir, 0770);
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "writable by its group (mode 0770)"));
	chmod(dir, 0707);
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "writable by others"));
	/* sticky and ours: allowed (as /tmp for root) */
	chmod(dir, 01777);
	assert_int_equal(put(&t, "x", &r), 0);
	/* sticky and someone else's: refused */
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	/* not writable, but someone else's */
	chmod(dir, 0700);
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "belongs to uid 65534"));
	t.uid = 65534;
	assert_int_equal(put(&t, "y", &r), 0);
	assert_int_equal(test_count_entries(dir), 2);
	chown(dir, 0, 0);
}

static void test_mkdir(void **state)
{
	struct install_target t = target();
	enum install_result r;
	char sub[200];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip(); /* chown */
	snprintf(sub, sizeof sub, "%s/1000", dir);
	t.dir = sub;
	t.uid = 1000;
	t.mkdir = 1;
	assert_int_equal(put(&t, "x", &r), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 02750);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 0);
	/* existing: kept as it is */
	chmod(sub, 0700);
	assert_int_equal(put(&t, "y", &r), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

/* A symlink anywhere in the directory's path is refused, naming it; the
 * same through the walk (no openat2). */
static void dir_nofollow(int no_openat2)
{
	struct install_target t = target();
	enum install_result r;
	char real[128], link[128], sub[200], p[256];
	struct stat st;
	struct err e;

	openat2_errno = no_openat2 ? ENOSYS : 0;
	snprintf(real, sizeof real, "%s/real", dir);
	snprintf(link, sizeof link, "%s/link", dir);
	assert_int_equal(mkdir(real, 0700), 0);
	snprintf(sub, sizeof sub, "%s/sub", real);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	/* through the real path: fine */
	t.dir = sub;
	assert_int_equal(put(&t, "x", &r), 0);
	assert_int_equal(r, INSTALL_CREATED);
	/* a symlink as a parent */
	snprintf(p, sizeof p, "%s/sub", link);
	t.dir = p;
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "is a symlink; give a path without symlinks"));
	snprintf(sub, sizeof sub, "'%s' is a symlink", link);
	assert_non_null(strstr(e.msg, sub));
	snprintf(sub, sizeof sub, "%s/sub/app.env", real);
	assert_content(sub, "x");
	/* --mkdir below it creates nothing */
	snprintf(p, sizeof p, "%s/new", link);
	t.mkdir = 1;
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "is a symlink"));
	snprintf(sub, sizeof sub, "%s/new", real);
	assert_int_equal(lstat(sub, &st), -1);
	/* the symlink as the last component */
	t.dir = link;
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "is a symlink; give the real directory"));
	/* a file as a parent; a missing parent */
	snprintf(p, sizeof p, "%s/sub/app.env/x", real);
	t.dir = p;
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "/sub/app.env' is not a directory"));
	snprintf(p, sizeof p, "%s/none/x", real);
	assert_int_equal(install_file(&t, "y", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "/none' does not exist"));
	/* --mkdir of the last component, the parent reached without symlinks */
	snprintf(p, sizeof p, "%s//new/", real);
	assert_int_equal(put(&t, "z", &r), 0);
	snprintf(sub, sizeof sub, "%s/new/app.env", real);
	assert_content(sub, "z");
	assert_true(openat2_calls > 0);
}

static void test_dir_openat2(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* chown */
	dir_nofollow(0);
}

static void test_dir_walk(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* chown */
	dir_nofollow(1);
}

/* --mkdir changes only the directory it made: another one swapped in
 * right after mkdirat is refused and left as it is. */
static void test_mkdir_swapped(void **state)
{
	struct install_target t = target();
	enum install_result r;
	char sub[200];
	struct stat st;
	struct err e;

	(void)state;
	if (geteuid() != 0)
		skip(); /* chown */
	snprintf(sub, sizeof sub, "%s/1000", dir);
	t.dir = sub;
	t.uid = 1000;
	t.mkdir = 1;
	swap_name = "1000";
	assert_int_equal(install_file(&t, "x", 1, &r, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "changed right after it was created; refusing to change it"));
	assert_null(swap_name);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(test_count_entries(sub), 0);
}

static void test_readers(void **state)
{
	struct install_target t = target();
	enum install_result r;
	unsigned char raw[ACL_BYTES];
	uid_t readers[] = { 100052 };
	struct stat a, b;
	struct acl acl;
	ssize_t n;

	(void)state;
	chmod(dir, 02750);
	t.readers = readers;
	t.n_readers = 1;
	assert_int_equal(put(&t, "x", &r), 0);
	assert_int_equal(r, INSTALL_CREATED);
	assert_int_equal(stat(file, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0440); /* group bits = the mask */
	n = getxattr(file, ACL_XATTR, raw, sizeof raw);
	assert_int_equal(n, 4 + 5 * 8);
	n = getxattr(dir, ACL_XATTR, raw, sizeof raw);
	assert_true(n > 0);
	assert_int_equal(acl_decode(raw, (size_t)n, &acl), 0);
	assert_int_equal(acl.n, 5);
	assert_int_equal(acl.v[1].tag, ACL_USER);
	assert_int_equal(acl.v[1].id, 100052);
	assert_int_equal(acl.v[1].perm, 1);
	assert_int_equal(put(&t, "x", &r), 0);
	assert_int_equal(r, INSTALL_UNCHANGED);
	assert_int_equal(stat(file, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	/* the reader dropped: the ACL goes, the file is replaced */
	t.n_readers = 0;
	assert_int_equal(put(&t, "x", &r), 0);
	assert_int_equal(r, INSTALL_REPLACED);
	assert_int_equal(getxattr(file, ACL_XATTR, raw, sizeof raw), -1);
	assert_int_equal(errno, ENODATA);
	assert_int_equal(stat(file, &b), 0);
	assert_int_equal(b.st_mode & 07777, 0400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_modes),
		cmocka_unit_test_setup_teardown(test_subuid, setup, teardown),
		cmocka_unit_test(test_acl_bytes),
		cmocka_unit_test_setup_teardown(test_created_unchanged_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tmpfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_temp_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
