/* pdriver: references and the driver's state directory (podman's shell
 * secret driver). Nothing here reads a store: a reference names one. */
#include "secretctl/pdriver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/io.h"
#include "secretctl/path.h"

/* ---- references ---- */

static int raw_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("%,\"'=\\", c);
}

static int put_field(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (buf_putc(out, ' '))
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (raw_ok(c) ? buf_putc(out, (char)c)
			      : (buf_putc(out, '%') || buf_putc(out, hex[c >> 4]) ||
				 buf_putc(out, hex[c & 15])))
			return -1;
	}
	return 0;
}

int pdriver_ref_format(const struct pdriver_ref *r, struct buf *out, struct err *e)
{
	size_t start = out->len;

	if (!r->store || r->store[0] != '/')
		return err_set(e, ERR_INPUT, "a reference names the store by an absolute path");
	if (r->n_ids > PDRIVER_MAX_IDS)
		return err_set(e, ERR_INPUT, "a reference names at most %d identities",
			       PDRIVER_MAX_IDS);
	for (size_t i = 0; i < r->n_ids; i++)
		if (r->ids[i][0] != '/')
			return err_set(e, ERR_INPUT,
				       "a reference names identities by absolute paths");
	if (buf_puts(out, PDRIVER_MAGIC) || put_field(out, r->store) ||
	    put_field(out, r->env ? "e" : "f") || put_field(out, r->path))
		return err_oom(e);
	for (size_t i = 0; i < r->n_ids; i++)
		if (put_field(out, r->ids[i]))
			return err_oom(e);
	if (buf_putc(out, '\n'))
		return err_oom(e);
	if (out->len - start > PDRIVER_REF_MAX)
		return err_set(e, ERR_INPUT, "the reference would be %zu bytes; at most %u",
			       out->len - start, PDRIVER_REF_MAX);
	return 0;
}

void pdriver_ref_free(struct pdriver_ref *r)
{
	free(r->store);
	free(r->path);
	for (size_t i = 0; i < r->n_ids; i++)
		free(r->ids[i]);
	memset(r, 0, sizeof *r);
}

static int unhex1(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One field s[0..len): decoded, NUL-terminated, malloc'ed; NULL with *why
 * set when malformed (the encoding is canonical: what pdriver_ref_format
 * writes, and nothing else). */
static char *get_field(const char *s, size_t len, const char **why)
{
	char *out = malloc(len + 1), *o = out;

	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int h = i + 2 < len ? unhex1(s[i + 1]) : -1;
			int l = i + 2 < len ? unhex1(s[i + 2]) : -1;
			int b = h < 0 || l < 0 ? 0 : h << 4 | l;
			/* canonical: only bytes that must be escaped, never NUL */
			if (b == 0 || raw_ok((unsigned char)b)) {
				*why = "a field has a malformed %-escape";
				free(out);
				return NULL;
			}
			*o++ = (char)b;
			i += 2;
		} else if (raw_ok(c)) {
			*o++ = (char)c;
		} else {
			*why = "a field has a byte that must be %-escaped";
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

int pdriver_ref_parse(const char *s, size_t len, struct pdriver_ref *out, struct err *e)
{
	const char *why = NULL, *p, *end;
	size_t n = 0, mlen = strlen(PDRIVER_MAGIC);
	struct path path = { 0 };
	struct err pe;

	memset(out, 0, sizeof *out);
	if (len && s[len - 1] == '\n')
		len--;
	/* as pdriver_ref_format counts it: the line with its "\n" */
	if (len + 1 > PDRIVER_REF_MAX) {
		why = "it is longer than a reference can be";
		goto bad;
	}
	if (len < mlen || memcmp(s, PDRIVER_MAGIC, mlen) != 0 || (len > mlen && s[mlen] != ' ')) {
		why = "it does not start with '" PDRIVER_MAGIC " '";
		goto bad;
	}
	p = s + mlen;
	end = s + len;
	while (p < end) {
		const char *f = ++p, *q = memchr(f, ' ', (size_t)(end - f));
		char *v;
		if (!q)
			q = end;
		if (q == f) {
			why = "it has an empty field";
			goto bad;
		}
		if (n >= 3 + PDRIVER_MAX_IDS) {
			why = "it names too many identities";
			goto bad;
		}
		v = get_field(f, (size_t)(q - f), &why);
		if (!v)
			goto bad;
		if (n == 0)
			out->store = v;
		else if (n == 1) {
			out->env = strcmp(v, "e") == 0;
			if (!out->env && strcmp(v, "f") != 0)
				why = "its form is neither f nor e";
			free(v);
			if (why)
				goto bad;
		} else if (n == 2)
			out->path = v;
		else
			out->ids[out->n_ids++] = v;
		n++;
		p = q;
	}
	if (n < 3) {
		why = "it has fewer than three fields (STORE FORM PATH)";
		goto bad;
	}
	if (out->store[0] != '/') {
		why = "its store is not an absolute path";
		goto bad;
	}
	for (size_t i = 0; i < out->n_ids; i++)
		if (out->ids[i][0] != '/') {
			why = "an identity is not an absolute path";
			goto bad;
		}
	if (path_parse(out->path, strlen(out->path), &path, &pe) || path.n == 0) {
		path_free(&path);
		why = "its PATH is not a PATH below the top level";
		goto bad;
	}
	path_free(&path);
	return 0;
bad:
	pdriver_ref_free(out);
	return err_set(e, ERR_INPUT, "the secret data is not a secretctl reference: %s", why);
}

/* ---- IDs ---- */

int pdriver_id_check(const char *id, struct err *e)
{
	size_t n = id ? strlen(id) : 0;

	if (!id || !*id)
		return err_set(e, ERR_USAGE, "SECRET_ID is not set (podman sets it for its driver)");
	if (n != PDRIVER_ID_LEN)
		return err_set(e, ERR_USAGE, "SECRET_ID is %zu bytes; a podman secret ID is %d "
			       "lowercase hex digits", n, PDRIVER_ID_LEN);
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return err_set(e, ERR_USAGE,
				       "SECRET_ID has a byte that is not a lowercase hex digit "
				       "(offset %zu)", i);
	return 0;
}

/* ---- the state directory ---- */

static int data_home(struct buf *out, struct err *e)
{
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	if (x && x[0] == '/')
		return buf_puts(out, x) ? err_oom(e) : 0;
	if (!home || home[0] != '/') {
		pw = getpwuid(geteuid());
		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
	}
	if (!home)
		return err_set(e, ERR_IO, "cannot find the driver's state directory: neither "
			       "$XDG_DATA_HOME nor $HOME is an absolute path");
	return buf_printf(out, "%s/.local/share", home) ? err_oom(e) : 0;
}

/* Is this root of the host, not uid 0 of a user namespace? Rootless
 * podman runs its secret driver inside the user's namespace, as uid 0:
 * there, the state is the user's. The initial namespace maps every uid to
 * itself ("0 0 4294967295"). */
int pdriver_host_root(void)
{
	char map[256];
	unsigned long in, out, n;
	FILE *f;
	int host = 1;

	if (geteuid() != 0)
		return 0;
	f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return 1;
	if (!fgets(map, sizeof map, f) || sscanf(map, "%lu %lu %lu", &in, &out, &n) != 3 || in != 0 ||
	    out != 0 || n != 4294967295ul)
		host = 0;
	fclose(f);
	return host;
}

int pdriver_dir_path(struct buf *out, struct err *e)
{
	int rc;

	if (pdriver_host_root())
		return buf_puts(out, PDRIVER_ROOT_DIR) ? err_oom(e) : 0;
	if ((rc = data_home(out, e)))
		return rc;
	return buf_puts(out, "/secretctl/podman") ? err_oom(e) : 0;
}

/* mkdir -p of dir, new directories 0700. */
static int make_dirs(const char *dir, struct err *e)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (!p)
		return err_oom(e);
	for (s = p + 1;; s++) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = err_errno(e, ERR_IO, errno, "cannot create directory '%s'", p);
		if (!slash || rc)
			break;
		*slash = '/';
		s = slash;
	}
	free(p);
	return rc;
}

/* openat(parent, name) as a directory, never through a symlink. */
static int open_sub(int parent, const char *name, int create, const char *shown,
		    struct err *e)
{
	int fd;

	if (create && mkdirat(parent, name, 0700) != 0 && errno != EEXIST)
		return err_errno(e, ERR_IO, errno, "cannot create directory '%s'", shown), -1;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			err_set(e, ERR_NOTFOUND, "'%s' does not exist", shown);
		else if (errno == ELOOP || errno == ENOTDIR)
			err_set(e, ERR_IO, "'%s' is not a directory (a symlink is refused)", shown);
		else
			err_errno(e, ERR_IO, errno, "cannot open '%s'", shown);
	}
	return fd;
}

int pdriver_dir_open(int create, int *fd, struct buf *shown, struct err *e)
{
	struct buf base = { 0 };
	struct stat st;
	int b = -1, s = -1, p = -1, rc;

	*fd = -1;
	rc = pdriver_dir_path(shown, e);
	if (rc)
		return rc;
	/* the directory above secretctl/podman: the user's own choice */
	if (buf_append(&base, shown->p, shown->len - strlen("/secretctl/podman")) ||
	    buf_putc(&base, '\0')) {
		rc = err_oom(e);
		goto out;
	}
	base.len--;
	if (create && (rc = make_dirs(base.p, e)))
		goto out;
	b = open(base.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b < 0) {
		rc = errno == ENOENT ? err_set(e, ERR_NOTFOUND, "'%s' does not exist", base.p)
				     : err_errno(e, ERR_IO, errno, "cannot open '%s'", base.p);
		goto out;
	}
	buf_puts(&base, "/secretctl");
	s = open_sub(b, "secretctl", create, base.p, e);
	if (s < 0 || (p = open_sub(s, "podman", create, shown->p, e)) < 0) {
		rc = e->code;
		goto out;
	}
	if (fstat(p, &st) != 0) {
		rc = err_errno(e, ERR_IO, errno, "cannot stat '%s'", shown->p);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		rc = err_set(e, ERR_IO, "'%s' belongs to uid %u, not to this user (%u)", shown->p,
			     (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_mode & 077) {
		rc = err_set(e, ERR_IO, "'%s' is open to group or others (mode %04o): chmod 700 '%s'",
			     shown->p, (unsigned)(st.st_mode & 07777), shown->p);
		goto out;
	}
	*fd = p;
	p = -1;
out:
	if (b >= 0)
		close(b);
	if (s >= 0)
		close(s);
	if (p >= 0)
		close(p);
	buf_free(&base);
	return rc;
}

/* ---- entries ---- */

int pdriver_entry_put(int dir_fd, const char *dir, const char *id, const char *text, size_t len,
		      struct err *e)
{
	struct pdriver_ref r;
	struct buf shown = { 0 };
	struct io_replace rp;
	enum io_done done;
	int rc;

	if ((rc = pdriver_id_check(id, e)) || (rc = pdriver_ref_parse(text, len, &r, e)))
		return rc;
	pdriver_ref_free(&r);
	if (buf_printf(&shown, "%s/%s", dir, id))
		return err_oom(e);
	rp = (struct io_replace){ .dir_fd = dir_fd, .dir = dir, .name = id, .shown = shown.p,
				  .mode = 0600, .flags = IO_REPLACE_TMPFILE };
	rc = io_replace(&rp, text, len, &done, e);
	buf_free(&shown);
	return rc;
}

int pdriver_entry_get(int dir_fd, const char *dir, const char *id, struct pdriver_ref *out,
		      struct err *e)
{
	struct buf text = { 0 };
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof *out);
	if ((rc = pdriver_id_check(id, e)))
		return rc;
	fd = openat(dir_fd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_NOTFOUND, "no reference for secret %s in '%s'", id, dir);
		return err_errno(e, ERR_IO, errno, "cannot open '%s/%s'", dir, id);
	}
	if (fstat(fd, &st) != 0)
		rc = err_errno(e, ERR_IO, errno, "cannot stat '%s/%s'", dir, id);
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		rc = err_set(e, ERR_IO, "'%s/%s' is not a regular file of this user", dir, id);
	if (!rc)
		rc = io_read_fd(fd, id, PDRIVER_REF_MAX, &text, e);
	close(fd);
	if (!rc) {
		rc = pdriver_ref_parse(text.p, text.len, out, e);
		if (rc)
			err_wrap(e, "'%s/%s'", dir, id);
	}
	buf_free(&text);
	return rc;
}

int pdriver_entry_del(int dir_fd, const char *dir, const char *id, int *removed, struct err *e)
{
	int rc;

	*removed = 0;
	if ((rc = pdriver_id_check(id, e)))
		return rc;
	if (unlinkat(dir_fd, id, 0) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_errno(e, ERR_IO, errno, "cannot remove '%s/%s'", dir, id);
	}
	*removed = 1;
	if (fsync(dir_fd) != 0)
		return err_errno(e, ERR_IO, errno, "cannot sync directory '%s'", dir);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pdriver_entry_list(int dir_fd, const char *dir, struct buf *out, struct err *e)
{
	struct dirent *d;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	struct err ignore;
	int fd = dup(dir_fd), rc = 0;
	DIR *dp;

	if (fd < 0 || !(dp = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_errno(e, ERR_IO, errno, "cannot read directory '%s'", dir);
	}
	rewinddir(dp);
	while ((d = readdir(dp)) != NULL) {
		struct stat st;
		if (pdriver_id_check(d->d_name, &ignore) ||
		    fstatat(dir_fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (buf_array_grow((void **)&ids, &cap, n + 1, sizeof *ids) ||
		    !(ids[n] = strdup(d->d_name))) {
			rc = err_oom(e);
			break;
		}
		n++;
	}
	closedir(dp);
	if (!rc && n)
		qsort(ids, n, sizeof *ids, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!rc && buf_printf(out, "%s\n", ids[i]))
			rc = err_oom(e);
		free(ids[i]);
	}
	free(ids);
	return rc;
}
