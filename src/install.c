#include "secretctl/install.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "secretctl/buf.h"
#include "secretctl/io.h"
#include "secretctl/secmem.h"

/* ---- POSIX ACLs as the kernel's xattr (linux/posix_acl_xattr.h): a le32
 * version 2, then entries of le16 tag, le16 perm, le32 id, sorted by tag
 * and, for named entries, by id. Written directly, so no libacl. ---- */

#define ACL_XATTR "system.posix_acl_access"
#define ACL_VERSION 2u
#define ACL_USER_OBJ 0x01u
#define ACL_USER 0x02u
#define ACL_GROUP_OBJ 0x04u
#define ACL_GROUP 0x08u
#define ACL_MASK 0x10u
#define ACL_OTHER 0x20u
#define ACL_UNDEF_ID 0xffffffffu
#define ACL_MAX 64
#define ACL_BYTES (4 + 8 * ACL_MAX)

struct acl_entry {
	unsigned tag, perm;
	uint32_t id;
};

struct acl {
	struct acl_entry v[ACL_MAX];
	size_t n;
};

static void acl_from_mode(mode_t mode, struct acl *a)
{
	a->n = 3;
	a->v[0] = (struct acl_entry){ ACL_USER_OBJ, (mode >> 6) & 7, ACL_UNDEF_ID };
	a->v[1] = (struct acl_entry){ ACL_GROUP_OBJ, (mode >> 3) & 7, ACL_UNDEF_ID };
	a->v[2] = (struct acl_entry){ ACL_OTHER, mode & 7, ACL_UNDEF_ID };
}

static int acl_cmp(const struct acl_entry *x, unsigned tag, uint32_t id)
{
	if (x->tag != tag)
		return x->tag < tag ? -1 : 1;
	return x->id == id ? 0 : x->id < id ? -1 : 1;
}

/* The entry (tag, id), inserted in order with perm 0 when absent; NULL
 * when full. *added tells which. */
static struct acl_entry *acl_get(struct acl *a, unsigned tag, uint32_t id, int *added)
{
	size_t i = 0;

	*added = 0;
	while (i < a->n && acl_cmp(&a->v[i], tag, id) < 0)
		i++;
	if (i < a->n && acl_cmp(&a->v[i], tag, id) == 0)
		return &a->v[i];
	if (a->n == ACL_MAX)
		return NULL;
	memmove(&a->v[i + 1], &a->v[i], (a->n - i) * sizeof a->v[0]);
	a->v[i] = (struct acl_entry){ tag, 0, id };
	a->n++;
	*added = 1;
	return &a->v[i];
}

/* Give uid perm (added to what it has); the mask grows by perm (from the
 * group class when there was none), so no other entry gains more than
 * perm. 1 if the ACL changed, 0 if not, -1 when full. */
static int acl_grant(struct acl *a, uid_t uid, unsigned perm)
{
	struct acl_entry *u, *m, *g;
	int added, madded, changed;

	u = acl_get(a, ACL_USER, (uint32_t)uid, &added);
	if (!u)
		return -1;
	changed = added || (u->perm & perm) != perm;
	u->perm |= perm;
	m = acl_get(a, ACL_MASK, ACL_UNDEF_ID, &madded);
	if (!m)
		return -1;
	if (madded) {
		g = acl_get(a, ACL_GROUP_OBJ, ACL_UNDEF_ID, &added);
		m->perm = g ? g->perm : 0;
		changed = 1;
	}
	if ((m->perm & perm) != perm)
		changed = 1;
	m->perm |= perm;
	return changed;
}

static size_t acl_encode(const struct acl *a, unsigned char *out)
{
	unsigned char *p = out;

	p[0] = ACL_VERSION, p[1] = p[2] = p[3] = 0;
	p += 4;
	for (size_t i = 0; i < a->n; i++, p += 8) {
		p[0] = a->v[i].tag & 0xff, p[1] = a->v[i].tag >> 8;
		p[2] = a->v[i].perm & 0xff, p[3] = a->v[i].perm >> 8;
		for (int k = 0; k < 4; k++)
			p[4 + k] = (a->v[i].id >> (8 * k)) & 0xff;
	}
	return (size_t)(p - out);
}

static int acl_decode(const unsigned char *p, size_t len, struct acl *a)
{
	if (len < 4 || (len - 4) % 8 || (len - 4) / 8 > ACL_MAX ||
	    (p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24) != ACL_VERSION)
		return -1;
	a->n = (len - 4) / 8;
	for (size_t i = 0; i < a->n; i++) {
		const unsigned char *q = p + 4 + 8 * i;
		a->v[i].tag = q[0] | (unsigned)q[1] << 8;
		a->v[i].perm = q[2] | (unsigned)q[3] << 8;
		a->v[i].id = q[4] | (uint32_t)q[5] << 8 | (uint32_t)q[6] << 16 | (uint32_t)q[7] << 24;
	}
	return 0;
}

/* The file's ACL for mode and readers (r each), encoded; 0 when no ACL is
 * wanted. *mode_out: the mode the kernel then shows (group bits = mask). */
static int file_acl(const struct install_target *t, unsigned char *out, size_t *len,
		    mode_t *mode_out)
{
	struct acl a;

	*len = 0;
	*mode_out = t->mode;
	if (!t->n_readers)
		return 0;
	acl_from_mode(t->mode, &a);
	for (size_t i = 0; i < t->n_readers; i++)
		if (acl_grant(&a, t->readers[i], 4) < 0)
			return -1;
	for (size_t i = 0; i < a.n; i++)
		if (a.v[i].tag == ACL_MASK)
			*mode_out = (t->mode & ~(mode_t)070) | (mode_t)(a.v[i].perm << 3);
	*len = acl_encode(&a, out);
	return 0;
}

/* Search (x) on the directory for every reader, keeping what its ACL
 * already says; written only when something is missing (*changed), and
 * only when write. */
static int dir_grant(int dfd, const struct install_target *t, int write, int *changed,
		     struct err *e)
{
	unsigned char raw[ACL_BYTES];
	struct acl a;
	struct stat st;
	ssize_t n;
	int r;

	*changed = 0;
	if (!t->n_readers)
		return 0;
	n = fgetxattr(dfd, ACL_XATTR, raw, sizeof raw);
	if (n >= 0) {
		if (acl_decode(raw, (size_t)n, &a))
			return err_set(e, ERR_IO, "cannot read the ACL of '%s': unknown format", t->dir);
	} else if (errno == ENODATA) {
		if (fstat(dfd, &st) != 0)
			return err_errno(e, ERR_IO, errno, "cannot stat '%s'", t->dir);
		acl_from_mode(st.st_mode, &a);
	} else {
		return err_errno(e, ERR_IO, errno, "cannot read the ACL of '%s'", t->dir);
	}
	for (size_t i = 0; i < t->n_readers; i++) {
		if ((r = acl_grant(&a, t->readers[i], 1)) < 0)
			return err_set(e, ERR_IO, "the ACL of '%s' is full", t->dir);
		*changed |= r;
	}
	if (write && *changed && fsetxattr(dfd, ACL_XATTR, raw, acl_encode(&a, raw), 0) != 0)
		return err_errno(e, ERR_IO, errno, "cannot give the readers search access to '%s'",
				 t->dir);
	return 0;
}

/* ---- names, modes, subuid ---- */

int install_name_check(const char *name, size_t len, struct err *e)
{
	if (len == 0)
		return err_set(e, ERR_IO, "the file name is empty");
	if (memchr(name, '\0', len))
		return err_set(e, ERR_IO, "file name contains a NUL byte");
	if (memchr(name, '/', len))
		return err_set(e, ERR_IO, "file name '%s' contains '/'; give a name, and the directory with --dir",
				name);
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return err_set(e, ERR_IO, "file name '%s' is not a file name", name);
	if (name[0] == '-')
		return err_set(e, ERR_IO, "file name '%s' starts with '-'", name);
	/* room for the temporary name ".NAME.secretctl-<16 hex>.tmp" */
	if (len > 223)
		return err_set(e, ERR_IO, "file name is longer than 223 bytes");
	return 0;
}

int install_mode_parse(const char *s, mode_t *out, struct err *e)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '7' && i < 5; i++)
		v = v * 8 + (unsigned long)(s[i] - '0');
	if (i == 0 || s[i] || v > 0777)
		return err_set(e, ERR_USAGE,
			       "--mode '%s': not an octal mode of permission bits (0000 to 0777)", s);
	*out = (mode_t)v;
	return 0;
}

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int install_subuid_host(const char *subuid_file, const char *user, uid_t uid,
			unsigned long cuid, uid_t *host, struct err *e)
{
	char line[512], uidtext[32];
	unsigned long next = 1, start, count;
	const char *who = user ? user : uidtext;
	int found = 0;
	FILE *f;

	snprintf(uidtext, sizeof uidtext, "%lu", (unsigned long)uid);
	if (cuid == 0)
		return err_set(e, ERR_INPUT,
			       "container uid 0 is %s itself in a rootless container; it needs no --reader",
			       who);
	f = fopen(subuid_file, "re");
	if (!f) {
		if (errno == ENOENT)
			return err_set(e, ERR_INPUT, "no subuid range for %s: %s does not exist", who,
				       subuid_file);
		return err_errno(e, ERR_IO, errno, "cannot read %s", subuid_file);
	}
	while (fgets(line, sizeof line, f)) {
		char *name = line, *a, *b;

		line[strcspn(line, "\n")] = '\0';
		if (!(a = strchr(line, ':')) || !(b = strchr(a + 1, ':')))
			continue;
		*a++ = '\0';
		*b++ = '\0';
		if (!((user && strcmp(name, user) == 0) || strcmp(name, uidtext) == 0))
			continue;
		if (parse_ulong(a, &start) || parse_ulong(b, &count) || count == 0)
			continue;
		found = 1;
		if (cuid >= next && cuid - next < count) {
			unsigned long h = start + (cuid - next);
			fclose(f);
			if (h < start || h >= (uid_t)-1)
				return err_set(e, ERR_INPUT, "%s's subuid range in %s overflows", who,
					       subuid_file);
			*host = (uid_t)h;
			return 0;
		}
		next += count;
	}
	fclose(f);
	if (!found)
		return err_set(e, ERR_INPUT, "no subuid range for %s in %s (rootless podman needs one)",
			       who, subuid_file);
	return err_set(e, ERR_INPUT,
		       "container uid %lu is outside %s's subuid ranges in %s (container uids 1 to %lu)",
		       cuid, who, subuid_file, next - 1);
}

const char *install_result_name(enum install_result r)
{
	switch (r) {
	case INSTALL_UNCHANGED:
		return "unchanged";
	case INSTALL_CREATED:
		return "created";
	case INSTALL_REPLACED:
		return "replaced";
	}
	return "?";
}

/* ---- the directory ---- */

/* Where resolving a path failed: path[0..end) is the component that
 * failed; last: it is the path's last component. */
struct walk_fail {
	size_t end;
	int last;
};

/* openat2 with RESOLVE_NO_SYMLINKS: glibc 2.36 has no wrapper. */
static int openat2_nofollow(const char *path, int flags)
{
#ifdef SYS_openat2
	struct open_how how = { .flags = (uint64_t)flags, .resolve = RESOLVE_NO_SYMLINKS };

	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
#else
	(void)path, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/* The same, one component at a time from "/" (or the working directory)
 * with O_NOFOLLOW; components before the last are opened O_PATH, so they
 * need search permission only, as in open(2). A component that is a
 * symlink fails with ELOOP. */
static int walk_nofollow(const char *path, int flags, struct walk_fail *f)
{
	size_t n = strlen(path), i = 0, j, k;
	char comp[NAME_MAX + 1];
	struct stat st;
	int fd, next, en;

	f->end = 0;
	f->last = 1;
	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		while (i < n && path[i] == '/')
			i++;
		if (i == n) { /* "/" itself */
			next = openat(fd, ".", flags | O_DIRECTORY | O_CLOEXEC);
			en = errno;
			close(fd);
			errno = en;
			return next;
		}
		for (j = i; j < n && path[j] != '/'; j++)
			;
		for (k = j; k < n && path[k] == '/'; k++)
			;
		f->end = j;
		f->last = k == n;
		if (j - i > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, path + i, j - i);
		comp[j - i] = '\0';
		next = openat(fd, comp, (f->last ? flags : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		en = errno;
		/* O_PATH|O_NOFOLLOW may open a symlink itself: never go on from one */
		if (next >= 0 && (fstat(next, &st) != 0 || !S_ISDIR(st.st_mode))) {
			close(next);
			next = -1;
			en = ENOTDIR;
		}
		if (next < 0) {
			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				en = ELOOP;
			close(fd);
			errno = en;
			return -1;
		}
		close(fd);
		fd = next;
		if (f->last)
			return fd;
		i = j;
	}
}

/* Open the directory path (flags: O_RDONLY, O_DIRECTORY and O_CLOEXEC are
 * added) without following a symlink in any component: openat2 where the
 * kernel has it, else (ENOSYS) the walk. A failure is walked again to tell
 * which component failed, so f is always filled on failure. */
static int open_nofollow(const char *path, int flags, struct walk_fail *f)
{
	int fd;

	flags |= O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	fd = openat2_nofollow(path, flags);
	if (fd >= 0)
		return fd;
	return walk_nofollow(path, flags, f);
}

/* The error for a failed open_nofollow of dir (errno en). */
static int dir_error(const char *dir, int en, const struct walk_fail *f, struct err *e)
{
	int n = (int)f->end;

	if (en == ELOOP && f->last)
		return err_set(e, ERR_IO, "directory '%s' is a symlink; give the real directory", dir);
	if (en == ELOOP)
		return err_set(e, ERR_IO,
			       "directory '%s': '%.*s' is a symlink; give a path without symlinks",
			       dir, n, dir);
	if (en == ENOENT && f->last)
		return err_set(e, ERR_IO, "directory '%s' does not exist (--mkdir creates it)", dir);
	if (en == ENOENT)
		return err_set(e, ERR_IO, "directory '%s': '%.*s' does not exist", dir, n, dir);
	if (en == ENOTDIR)
		return err_set(e, ERR_IO, "directory '%s': '%.*s' is not a directory", dir, n, dir);
	if (f->last)
		return err_errno(e, ERR_IO, en, "cannot open directory '%s'", dir);
	return err_errno(e, ERR_IO, en, "cannot open directory '%s': '%.*s'", dir, n, dir);
}

int install_dir_open(const char *dir, struct err *e)
{
	struct walk_fail f;
	int fd = open_nofollow(dir, 0, &f), en;

	if (fd >= 0)
		return fd;
	en = errno;
	dir_error(dir, en, &f, e);
	errno = en;
	return -1;
}

/* dir as parent + last component (trailing slashes dropped). */
static int split_dir(const char *dir, struct buf *parent, struct buf *base)
{
	size_t len = strlen(dir), slash;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	slash = len;
	while (slash > 0 && dir[slash - 1] != '/')
		slash--;
	if (buf_append(base, dir + slash, len - slash))
		return -1;
	if (slash == 0)
		return buf_puts(parent, ".");
	return buf_append(parent, dir, slash > 1 ? slash - 1 : 1);
}

/* mkdir name in pfd, then give it uid:gid and mode, no wider than 0700
 * before. Only a directory this call created is changed: one that exists
 * already (made meanwhile) is opened as it is (*made 0), and the one
 * opened after mkdirat must be ours, empty of group and other bits as
 * mkdirat made it (a swap of the name in a directory others may write is
 * refused, never chowned). */
static int make_one(int pfd, const char *name, const char *shown, uid_t uid, gid_t gid,
		    mode_t mode, int *out, int *made, struct err *e)
{
	struct stat st, st2;
	int fd;

	*made = 0;
	if (mkdirat(pfd, name, 0700) != 0) {
		if (errno != EEXIST)
			return err_errno(e, ERR_IO, errno, "cannot create directory '%s'", shown);
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_errno(e, ERR_IO, errno, "cannot open directory '%s'", shown);
		*out = fd;
		return 0;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(e, ERR_IO, errno,
				 "directory '%s' changed right after it was created", shown);
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 07077) & ~(mode_t)S_ISGID) {
		close(fd);
		return err_set(e, ERR_IO,
			       "directory '%s' changed right after it was created; refusing to change it",
			       shown);
	}
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0) {
		int en = errno;
		/* remove it only while the name is still the one made here */
		if (fstatat(pfd, name, &st2, AT_SYMLINK_NOFOLLOW) == 0 && st2.st_dev == st.st_dev &&
		    st2.st_ino == st.st_ino)
			unlinkat(pfd, name, AT_REMOVEDIR);
		close(fd);
		return err_errno(e, ERR_IO, en, "cannot give directory '%s' owner %lu:%lu mode %04o",
				 shown, (unsigned long)uid, (unsigned long)gid, (unsigned)mode);
	}
	if (fsync(pfd) != 0) {
		close(fd);
		return err_errno(e, ERR_IO, errno, "cannot sync the parent of '%s'", shown);
	}
	*out = fd;
	*made = 1;
	return 0;
}

/* t->dir's parent, resolved without symlinks: *pfd; or, when it is a
 * missing INSTALL_ROOT, *pfd -1, *root 1 and /etc in *top (when top is
 * not NULL). base: t->dir's last component. */
static int open_parent(const struct install_target *t, struct buf *base, int *pfd, int *root,
		       int *top, struct err *e)
{
	struct buf parent = { 0 };
	struct walk_fail f;
	int rc = 0, en;

	*pfd = -1;
	*root = 0;
	if (split_dir(t->dir, &parent, base)) {
		rc = err_oom(e);
		goto out;
	}
	*pfd = open_nofollow(parent.p, 0, &f);
	if (*pfd >= 0)
		goto out;
	en = errno;
	if (en == ENOENT && f.last && strcmp(parent.p, INSTALL_ROOT) == 0) {
		int fd = open_nofollow("/etc", 0, &f);
		if (fd < 0) {
			rc = dir_error("/etc", errno, &f, e);
			goto out;
		}
		*root = 1;
		if (top)
			*top = fd;
		else
			close(fd);
		goto out;
	}
	f.last = 0; /* the parent is a component of t->dir */
	rc = en == ENOENT || en == ELOOP || en == ENOTDIR
		     ? dir_error(t->dir, en, &f, e)
		     : err_errno(e, ERR_IO, en, "cannot create directory '%s': its parent", t->dir);
out:
	buf_free(&parent);
	return rc;
}

/* Create t->dir (its last component only; INSTALL_ROOT too when t->dir is
 * a directory in it), the parent resolved without symlinks. *made: 0 when
 * it was there after all (made meanwhile), as it is. */
static int make_dir(const struct install_target *t, int *dfd, int *made, struct err *e)
{
	struct buf base = { 0 };
	int pfd = -1, top = -1, root, rmade, rc;

	*made = 0;
	if ((rc = open_parent(t, &base, &pfd, &root, &top, e)))
		goto out;
	if (root) {
		rc = make_one(top, INSTALL_ROOT + sizeof "/etc", INSTALL_ROOT, 0, 0, INSTALL_ROOT_MODE,
			      &pfd, &rmade, e);
		if (rc)
			goto out;
	}
	rc = make_one(pfd, base.p, t->dir, t->uid, 0, INSTALL_DIR_MODE, dfd, made, e);
out:
	if (pfd >= 0)
		close(pfd);
	if (top >= 0)
		close(top);
	buf_free(&base);
	return rc;
}

/* As make_dir, making nothing: 0 when it could be made (*root: with
 * INSTALL_ROOT), or make_dir's error about the parent. */
static int plan_dir(const struct install_target *t, int *root, struct err *e)
{
	struct buf base = { 0 };
	int pfd, rc;

	rc = open_parent(t, &base, &pfd, root, NULL, e);
	if (pfd >= 0)
		close(pfd);
	buf_free(&base);
	return rc;
}

/* Open t->dir and check it. A missing one is made (t->mkdir); with plan,
 * nothing is made: *dfd is -1 and plan says what would be. */
static int open_dir(const struct install_target *t, struct install_plan *plan, int *dfd,
		    struct err *e)
{
	struct walk_fail f;
	struct stat st;
	uid_t me = geteuid();
	int made, rc;

	*dfd = open_nofollow(t->dir, 0, &f);
	if (*dfd < 0) {
		if (errno != ENOENT || !t->mkdir)
			return dir_error(t->dir, errno, &f, e);
		if (plan) {
			if ((rc = plan_dir(t, &plan->make_root, e)))
				return rc;
			plan->make_dir = 1;
			return 0;
		}
		if ((rc = make_dir(t, dfd, &made, e)))
			return rc;
	}
	if (fstat(*dfd, &st) != 0)
		return err_errno(e, ERR_IO, errno, "cannot stat '%s'", t->dir);
	/* whoever may write the directory may swap the secret */
	if ((st.st_mode & 022) && !((st.st_mode & S_ISVTX) && st.st_uid == me))
		return err_set(e, ERR_IO,
			       "directory '%s' is writable by %s (mode %04o); refusing to put a secret there",
			       t->dir, (st.st_mode & 022) == 022 ? "group and others"
				       : (st.st_mode & 020)     ? "its group"
								: "others",
			       (unsigned)(st.st_mode & 07777));
	if (st.st_uid != 0 && st.st_uid != me && st.st_uid != t->uid)
		return err_set(e, ERR_IO,
			       "directory '%s' belongs to uid %lu, neither root nor the file's owner",
			       t->dir, (unsigned long)st.st_uid);
	return 0;
}

int install_dir(const struct install_target *t, struct install_plan *plan,
		enum install_result *res, struct err *e)
{
	struct walk_fail f;
	struct buf why = { 0 };
	struct stat st;
	int fd, made = 0, root, rc;

	*res = INSTALL_UNCHANGED;
	fd = open_nofollow(t->dir, 0, &f);
	if (fd < 0 && errno != ENOENT)
		return dir_error(t->dir, errno, &f, e);
	if (plan)
		memset(plan, 0, sizeof *plan);
	if (fd < 0 && plan) {
		if ((rc = plan_dir(t, &root, e)))
			return rc;
		plan->make_root = root;
		plan->make_dir = 1;
		*res = INSTALL_CREATED;
		return 0;
	}
	if (fd < 0 && (rc = make_dir(t, &fd, &made, e)))
		return rc;
	if (made) {
		close(fd);
		*res = INSTALL_CREATED;
		return 0;
	}
	if (fstat(fd, &st) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot stat '%s'", t->dir);
		close(fd);
		return rc;
	}
	close(fd);
	if (st.st_uid != t->uid || st.st_gid != 0)
		buf_printf(&why, "owner %lu:%lu, not %lu:0", (unsigned long)st.st_uid,
			   (unsigned long)st.st_gid, (unsigned long)t->uid);
	if ((st.st_mode & 07777) != INSTALL_DIR_MODE)
		buf_printf(&why, "%smode %04o, not %04o", why.len ? " and " : "",
			   (unsigned)(st.st_mode & 07777), (unsigned)INSTALL_DIR_MODE);
	if (!why.len)
		return 0;
	rc = err_set(e, ERR_IO,
		     "directory '%s' exists with %s; --mkdir changes no directory it did not create",
		     t->dir, why.p ? why.p : "?");
	buf_free(&why);
	return rc;
}

/* ---- the file ---- */

/* How the file st (t->name in dfd) differs from what install would write:
 * INSTALL_WHY_* in *why, 0 when it has the same bytes, owner, group, mode
 * and ACL and a single link (nothing to do). -1 (errno) when it cannot be
 * read and nothing else differs: then it is not known. */
static int file_diff(int dfd, const struct stat *st, const struct install_target *t,
		     mode_t want_mode, const unsigned char *acl, size_t acl_len,
		     const void *data, size_t len, unsigned *why)
{
	unsigned char raw[ACL_BYTES];
	struct secmem old = { 0 };
	struct stat st2;
	ssize_t n, x;
	int fd, en;

	*why = 0;
	if (st->st_uid != t->uid)
		*why |= INSTALL_WHY_OWNER;
	if (st->st_gid != t->gid)
		*why |= INSTALL_WHY_GROUP;
	if ((st->st_mode & 07777) != want_mode)
		*why |= INSTALL_WHY_MODE;
	if (st->st_nlink != 1)
		*why |= INSTALL_WHY_LINKS;
	if ((size_t)st->st_size != len)
		*why |= INSTALL_WHY_CONTENT;
	fd = openat(dfd, t->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		en = errno;
		if (*why)
			return 0;
		errno = en;
		return -1;
	}
	/* swapped since the fstatat: whatever it is, it is not what we saw */
	if (fstat(fd, &st2) != 0 || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
		*why |= INSTALL_WHY_CONTENT;
		goto out;
	}
	if (!(*why & INSTALL_WHY_CONTENT)) {
		if (secmem_reserve(&old, len + 1)) {
			*why |= INSTALL_WHY_CONTENT; /* cannot tell: write it */
			goto acl;
		}
		/* one byte more than expected shows a file that grew meanwhile */
		n = io_read_full(fd, old.p, len + 1);
		if (n >= 0)
			old.len = (size_t)n;
		if (n < 0 || old.len != len || (len && secmem_equal(old.p, data, len) != 0))
			*why |= INSTALL_WHY_CONTENT;
	}
acl:
	x = fgetxattr(fd, ACL_XATTR, raw, sizeof raw);
	if (acl_len ? !(x == (ssize_t)acl_len && memcmp(raw, acl, acl_len) == 0)
		    : !(x < 0 && (errno == ENODATA || errno == EOPNOTSUPP)))
		*why |= INSTALL_WHY_READERS;
out:
	secmem_free(&old);
	close(fd);
	return 0;
}

/* The checks before the directory: NAME, mode, readers; the ACL the file
 * gets and the mode stat then shows. */
static int check_target(const struct install_target *t, unsigned char *acl, size_t *acl_len,
			mode_t *want_mode, struct err *e)
{
	int rc;

	if ((rc = install_name_check(t->name, strlen(t->name), e)))
		return rc;
	if (t->mode > 0777)
		return err_set(e, ERR_USAGE, "mode %04o has bits other than permissions",
			       (unsigned)t->mode);
	if (file_acl(t, acl, acl_len, want_mode))
		return err_set(e, ERR_USAGE, "too many readers");
	return 0;
}

/* What is at NAME in dfd: *exists and st, or a refusal (a symlink, not a
 * regular file). */
static int stat_name(int dfd, const struct install_target *t, struct stat *st, int *exists,
		     struct err *e)
{
	*exists = 0;
	if (fstatat(dfd, t->name, st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_errno(e, ERR_IO, errno, "cannot stat '%s/%s'", t->dir, t->name);
	}
	if (S_ISLNK(st->st_mode))
		return err_set(e, ERR_IO, "'%s/%s' is a symlink; refusing to follow or replace it",
			       t->dir, t->name);
	if (!S_ISREG(st->st_mode))
		return err_set(e, ERR_IO, "'%s/%s' exists and is not a regular file", t->dir,
			       t->name);
	*exists = 1;
	return 0;
}

int install_plan(const struct install_target *t, const void *data, size_t len,
		 struct install_plan *p, struct err *e)
{
	unsigned char acl[ACL_BYTES];
	struct stat st;
	size_t acl_len;
	mode_t want_mode;
	int dfd = -1, exists, rc;

	memset(p, 0, sizeof *p);
	p->file = INSTALL_CREATED;
	if ((rc = check_target(t, acl, &acl_len, &want_mode, e)))
		return rc;
	if ((rc = open_dir(t, p, &dfd, e)))
		goto out;
	if (p->make_dir) {
		p->dir_readers = t->n_readers > 0;
		goto out;
	}
	if ((rc = dir_grant(dfd, t, 0, &p->dir_readers, e)) ||
	    (rc = stat_name(dfd, t, &st, &exists, e)) || !exists)
		goto out;
	if (file_diff(dfd, &st, t, want_mode, acl, acl_len, data, len, &p->why) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot read '%s/%s' to compare it", t->dir,
			       t->name);
		goto out;
	}
	p->file = p->why ? INSTALL_REPLACED : INSTALL_UNCHANGED;
out:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* What io_replace needs to know of the target. */
struct put {
	const struct install_target *t;
	const unsigned char *acl;
	size_t acl_len;
	int dir_fd;
	struct buf shown; /* dir/NAME */
};

/* The written file gets its owner, mode and ACL before it has a name. */
static int put_written(int fd, void *ctx, struct err *e)
{
	const struct put *p = ctx;
	const struct install_target *t = p->t;

	if (fchown(fd, t->uid, t->gid) != 0)
		return err_errno(e, ERR_IO, errno, "cannot give '%s' owner %lu:%lu", p->shown.p,
				 (unsigned long)t->uid, (unsigned long)t->gid);
	if (fchmod(fd, t->mode) != 0)
		return err_errno(e, ERR_IO, errno, "cannot give '%s' mode %04o", p->shown.p,
				 (unsigned)t->mode);
	/* a default ACL of the directory would have been inherited */
	if (p->acl_len ? fsetxattr(fd, ACL_XATTR, p->acl, p->acl_len, 0) != 0
		       : fremovexattr(fd, ACL_XATTR) != 0 && errno != ENODATA && errno != EOPNOTSUPP)
		return err_errno(e, ERR_IO, errno, "cannot set the ACL of '%s'", p->shown.p);
	return 0;
}

/* Synced: the readers get search on the directory right before the file
 * they may read appears. */
static int put_synced(void *ctx, struct err *e)
{
	const struct put *p = ctx;
	int granted;

	return dir_grant(p->dir_fd, p->t, 1, &granted, e);
}

int install_file(const struct install_target *t, const void *data, size_t len,
		 enum install_result *res, struct err *e)
{
	unsigned char acl[ACL_BYTES];
	struct put p = { .t = t, .acl = acl };
	struct io_replace r = { .dir_fd = -1 };
	enum io_done done;
	struct stat st;
	mode_t want_mode;
	unsigned why;
	int exists = 0, granted, rc;

	*res = INSTALL_UNCHANGED;
	if ((rc = check_target(t, acl, &p.acl_len, &want_mode, e)))
		return rc;
	if ((rc = open_dir(t, NULL, &r.dir_fd, e)))
		goto out;
	if (flock(r.dir_fd, LOCK_EX) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot lock directory '%s'", t->dir);
		goto out;
	}
	if ((rc = stat_name(r.dir_fd, t, &st, &exists, e)))
		goto out;
	if (exists &&
	    file_diff(r.dir_fd, &st, t, want_mode, acl, p.acl_len, data, len, &why) == 0 && !why) {
		rc = dir_grant(r.dir_fd, t, 1, &granted, e);
		goto out;
	}
	if (buf_printf(&p.shown, "%s/%s", t->dir, t->name)) {
		rc = err_oom(e);
		goto out;
	}
	p.dir_fd = r.dir_fd;
	r.dir = t->dir;
	r.name = t->name;
	r.shown = p.shown.p;
	/* mode 0400 from the first byte; owner, mode and ACL before the name */
	r.mode = INSTALL_FILE_MODE;
	/* the directory's lock is held: temporary names of NAME are stale */
	r.flags = IO_REPLACE_TMPFILE | IO_REPLACE_CLEAN | (exists ? 0 : IO_REPLACE_NEW);
	r.written = put_written;
	r.synced = put_synced;
	r.ctx = &p;
	rc = io_replace(&r, data, len, &done, e);
	if (done != IO_DONE_NOTHING)
		*res = done == IO_DONE_CREATED ? INSTALL_CREATED : INSTALL_REPLACED;
out:
	if (r.dir_fd >= 0)
		close(r.dir_fd);
	buf_free(&p.shown);
	return rc;
}
