/* apply: a host's secrets declared in a manifest (src/manifest.c), made
 * right in one process: the store opened and checked once, every target
 * checked before anything is written, install files and podman secrets
 * put in place with install's and podman's semantics, what this manifest
 * made and no longer names removed (--prune), and the units of the targets
 * that changed restarted with one systemctl call (--restart).
 *
 * What apply made is recorded per manifest id (its name:, else a hash of
 * its absolute path): a state file DIR/.secretctl-apply.ID in each
 * managed directory lists the files, and podman secrets carry the label
 * secretctl.manifest=ID. --prune removes only what those name. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/install.h"
#include "secretctl/io.h"
#include "secretctl/manifest.h"
#include "secretctl/podman.h"
#include "secretctl/spawn.h"
#include "installs.h"
#include "podman_shell.h"
#include "stores.h"
#include "values.h"

enum { OPT_UNIT, OPT_DRY_RUN, OPT_PRUNE, OPT_RESTART, OPT_LIST, OPT_PODMAN, OPT_SYSTEMCTL, OPT_SUDO };

const struct cli_opt cmd_apply_opts[] = {
	{ "unit", 'u', 1, OPT_UNIT, "UNIT", "only the targets whose restart: lists UNIT (for ExecStartPre=... --unit %n)" },
	{ "dry-run", 'n', 0, OPT_DRY_RUN, NULL,
	  "print what each target would become, change nothing (exit 9 when something would)" },
	{ "prune", 0, 0, OPT_PRUNE, NULL, "remove the files and podman secrets this manifest made and no longer names" },
	{ "restart", 0, 0, OPT_RESTART, NULL, "systemctl try-restart the units of the targets that changed (the user manager when not root)" },
	{ "list", 'l', 0, OPT_LIST, NULL, "print the targets, their sources and units (needs no key)" },
	{ "podman", 0, 1, OPT_PODMAN, "PROGRAM", "the podman to run (default: podman-program:, else podman in PATH)" },
	{ "systemctl", 0, 1, OPT_SYSTEMCTL, "PROGRAM", "the systemctl to run for --restart (default: systemctl in PATH)" },
	{ "sudo", 0, 0, OPT_SUDO, NULL,
	  "write into a directory you cannot write through 'sudo -n secretctl install-write' (as sudo: true)" },
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

/* One podman secret of a target (a target's env mapping makes several). */
struct psecret {
	char *name;
	const unsigned char *value;
	size_t len;
	char digest[PODMAN_DIGEST_HEX_LEN];
	struct podman_existing cur;
	enum podman_why why;
	struct buf line;        /* driver: shell: the reference */
};

struct job {
	struct manifest_target *t;
	char where[512];        /* "FILE:LINE:COL: install: NAME" */
	int selected;           /* --unit */
	struct cli_values v;
	struct secmem out;      /* install, env form: the rendered file */
	/* install */
	struct install_target it;
	char *dir;
	uid_t *readers;
	struct install_plan plan;
	int sudo;               /* written through sudo install-write */
	/* podman */
	struct podman_labels labels;
	struct psecret *ps;
	size_t n_ps;
	char *bin;              /* driver: shell: the secretctl podman runs */
	int changed, done;
};

struct run {
	const struct cli_cmd *cmd;
	const struct cli_args *a;
	struct manifest m;
	struct job *j;
	size_t n;
	const char **dirs;      /* the install targets' directories, each once */
	size_t ndirs;
	struct store store;
	uid_t me;
	char defdir[64];
	int verbose, dry, npodman, nshell;
	struct podman pm;
	struct shell sh;        /* driver: shell: the store and identities */
	struct buf report;      /* --dry-run lines */
	int pending;
	/* --prune: what would go */
	struct buf gone_files;  /* "DIR/NAME\0" ... */
	size_t n_gone_files;
	struct podman_existing *gone_pods;
	struct buf gone_pod_names; /* their names, "NAME\0" each */
	size_t n_gone_pods;
};

static int set_where(struct job *j, const struct manifest *m)
{
	const struct manifest_target *t = j->t;

	if (t->kind == MANIFEST_INSTALL)
		snprintf(j->where, sizeof j->where, "%s:%d:%d: install: %s", m->file, t->line, t->col,
			 t->name);
	else
		snprintf(j->where, sizeof j->where, "%s:%d:%d: podman: %s", m->file, t->line, t->col,
			 t->path);
	return 0;
}

/* ---- install targets: owner, group, readers, directory ---- */

static int resolve_install(struct run *r, struct job *j)
{
	struct manifest_target *t = j->t;
	struct install_target *it = &j->it;
	struct err e;
	int rc;

	it->name = t->name;
	it->uid = r->me;
	it->gid = 0;
	it->mode = t->has_mode ? t->mode : INSTALL_FILE_MODE;
	it->mkdir = t->mkdir || r->m.mkdir;
	it->dir = t->dir ? t->dir : r->m.dir ? r->m.dir : r->defdir;
	if (t->owner && (rc = install_user_arg("owner:", t->owner, &it->uid)))
		return rc;
	if (t->group && (rc = install_group_arg("group:", t->group, &it->gid)))
		return rc;
	if (t->n_readers) {
		struct passwd *pw = getpwuid(it->uid);
		char *user = pw ? strdup(pw->pw_name) : NULL;
		j->readers = calloc(t->n_readers, sizeof *j->readers);
		if (!j->readers || (pw && !user)) {
			free(user);
			return cli_error(ERR_FAIL, "out of memory");
		}
		for (size_t i = 0; i < t->n_readers; i++) {
			if (install_subuid_host("/etc/subuid", user, it->uid, t->readers[i], &j->readers[i],
						&e)) {
				free(user);
				return cli_fail(&e);
			}
		}
		free(user);
		it->readers = j->readers;
		it->n_readers = t->n_readers;
	}
	/* before any key is asked for: can we write there at all? */
	if (geteuid() != 0 && faccessat(AT_FDCWD, it->dir, W_OK | X_OK, AT_EACCESS) != 0 &&
	    (errno == EACCES || errno == EPERM || (errno == ENOENT && it->mkdir))) {
		int en = errno;
		if (!r->a->opt[OPT_SUDO].count && !t->sudo && !r->m.sudo)
			return r->dry ? 0 : cli_error(ERR_IO, "cannot write directory '%s': %s (run apply as "
						     "its owner or as root, or give --sudo)", it->dir,
						     en == ENOENT ? "cannot create it" : strerror(en));
		/* install-write knows one directory and one owner */
		if (strcmp(it->dir, r->defdir) != 0 || it->uid != r->me || it->gid != 0)
			return cli_error(ERR_USAGE, "sudo writes only into %s, owned %lu:0; dir:, owner: and "
					 "group: cannot change that", r->defdir, (unsigned long)r->me);
		if (t->n_readers > SUDO_MAX_READERS)
			return cli_error(ERR_USAGE, "sudo takes at most %d readers", SUDO_MAX_READERS);
		j->sudo = 1;
	}
	return 0;
}

/* Is dir written through sudo (one of its targets is)? */
static int dir_sudo(const struct run *r, const char *dir)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->j[i].sudo && !strcmp(r->j[i].it.dir, dir))
			return 1;
	return 0;
}

/* Write name into /etc/secrets/$UID through sudo install-write: the
 * caller's uid, mode and readers as install --sudo passes them. */
static int sudo_write(const struct run *r, const char *name, const struct install_target *it,
		      const void *data, size_t len)
{
	char mode[8], rd[SUDO_MAX_READERS][24];
	const char *rv[SUDO_MAX_READERS];
	const struct job *j = NULL;
	struct sudo_write w = { .uid = r->me, .name = name, .mode = mode, .readers = rv,
				.mkdir = it->mkdir, .verbose = r->verbose };

	for (size_t i = 0; i < r->n && !j; i++)
		if (r->j[i].t->kind == MANIFEST_INSTALL && &r->j[i].it == it)
			j = &r->j[i];
	snprintf(mode, sizeof mode, "%04o", (unsigned)it->mode);
	for (size_t i = 0; j && i < j->t->n_readers && i < SUDO_MAX_READERS; i++) {
		snprintf(rd[i], sizeof rd[i], "%lu", j->t->readers[i]);
		rv[w.n_readers++] = rd[i];
	}
	return install_sudo_write(&w, data, len);
}

/* ---- the state file: what this manifest installed in a directory ---- */

static int state_name(const struct run *r, char *out, size_t cap)
{
	return snprintf(out, cap, "%s%s", MANIFEST_STATE_PREFIX, r->m.id) < (int)cap ? 0 : -1;
}

/* The names listed in DIR's state file for this manifest (none when the
 * directory or the file does not exist), "NAME\0" each. The directory is
 * opened without following a symlink in any component, the file with
 * O_NOFOLLOW in it, and read from that fd. */
static int state_read(const struct run *r, const char *dir, struct buf *names, size_t *n)
{
	char sn[128];
	struct buf text = { 0 };
	struct stat st;
	struct err e;
	int dfd, fd, rc;

	*n = 0;
	state_name(r, sn, sizeof sn);
	if ((dfd = install_dir_open(dir, &e)) < 0)
		return errno == ENOENT ? 0 : cli_fail(&e);
	fd = openat(dfd, sn, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno;
		close(dfd);
		return rc == ENOENT ? 0 : cli_error(ERR_IO, "state file '%s/%s': %s", dir, sn, strerror(rc));
	}
	close(dfd);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_error(ERR_IO, "state file '%s/%s': not a regular file", dir, sn);
	}
	rc = io_read_fd(fd, sn, MANIFEST_MAX_SIZE, &text, &e);
	close(fd);
	if (rc)
		return cli_fail(&e);
	for (char *p = text.p, *end = text.p + text.len; p && p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len && p[0] != '#' && install_name_check(p, len, &e) == 0) {
			if (buf_append(names, p, len) || buf_putc(names, '\0')) {
				buf_free(&text);
				return cli_error(ERR_FAIL, "out of memory");
			}
			(*n)++;
		}
		p = nl ? nl + 1 : NULL;
	}
	buf_free(&text);
	return 0;
}

static int in_list(const char *list, size_t len, const char *name)
{
	for (size_t o = 0; o < len; o += strlen(list + o) + 1)
		if (!strcmp(list + o, name))
			return 1;
	return 0;
}

/* Write DIR's state file: names (NUL-separated), atomically; unchanged
 * content writes nothing. */
static int state_write(const struct run *r, const char *dir, const struct buf *names)
{
	struct install_target st = { .dir = dir, .uid = r->me, .gid = 0, .mode = 0400 };
	struct buf text = { 0 };
	enum install_result res;
	char sn[128];
	struct err e;
	int rc;

	state_name(r, sn, sizeof sn);
	st.name = sn;
	buf_printf(&text, "# secretctl apply: the files manifest %s installed here\n", r->m.abs);
	for (size_t o = 0; o < names->len; o += strlen(names->p + o) + 1)
		buf_printf(&text, "%s\n", names->p + o);
	if (!text.p)
		return cli_error(ERR_FAIL, "out of memory");
	if (dir_sudo(r, dir)) {
		/* decided as the caller; sudo only to write */
		struct install_plan p;
		st.dir = r->defdir;
		rc = install_plan(&st, text.p, text.len, &p, &e) == 0 && p.file == INSTALL_UNCHANGED
			     ? 0 : sudo_write(r, sn, &st, text.p, text.len);
	} else {
		rc = install_file(&st, text.p, text.len, &res, &e) ? cli_fail(&e) : 0;
	}
	buf_free(&text);
	return rc;
}

/* The distinct directories of the install targets (all, not only --unit's). */
static size_t dirs_of(const struct run *r, const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct job *j = &r->j[i];
		size_t k;
		if (j->t->kind != MANIFEST_INSTALL)
			continue;
		for (k = 0; k < n && strcmp(out[k], j->it.dir); k++)
			;
		if (k == n)
			out[n++] = j->it.dir;
	}
	return n;
}

/* names of dir's targets in this manifest; with_old, those of the state
 * file as well (what a run that does not prune keeps recorded) */
static int state_names(const struct run *r, const char *dir, int with_old, struct buf *names)
{
	size_t n;

	if (with_old && state_read(r, dir, names, &n))
		return ERR_IO;
	for (size_t i = 0; i < r->n; i++) {
		const struct job *j = &r->j[i];
		if (j->t->kind == MANIFEST_INSTALL && !strcmp(j->it.dir, dir) &&
		    !in_list(names->p, names->len, j->t->name) &&
		    (buf_puts(names, j->t->name) || buf_putc(names, '\0')))
			return cli_error(ERR_FAIL, "out of memory");
	}
	return 0;
}

static int states_update(const struct run *r, int with_old)
{
	const char *const *dirs = r->dirs;
	int rc = 0;

	for (size_t d = 0; d < r->ndirs && !rc; d++) {
		struct buf names = { 0 };
		struct stat st;
		/* a directory that is not there yet (mkdir:) is made by the first
		 * install; the state file follows it */
		if (stat(dirs[d], &st) != 0 && errno == ENOENT)
			continue;
		rc = state_names(r, dirs[d], with_old, &names);
		if (!rc)
			rc = state_write(r, dirs[d], &names);
		buf_free(&names);
	}
	return rc;
}

/* st of dir/name, dir opened without following a symlink in any
 * component, name not followed. Non-zero when there is nothing to stat;
 * *rc set when dir cannot be opened but exists. */
static int gone_stat(const char *dir, const char *name, struct stat *st, int *rc)
{
	struct err e;
	int dfd = install_dir_open(dir, &e), r;

	if (dfd < 0) {
		if (errno != ENOENT)
			*rc = cli_fail(&e);
		return -1;
	}
	r = fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	return r;
}

/* Remove dir/name: dir opened without following a symlink in any
 * component, name only while it is a regular file (unlinkat, not by path). */
static int gone_remove(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4400];
	struct stat st;
	struct err e;
	int dfd, rc = 0;

	snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if ((dfd = install_dir_open(dir, &e)) < 0)
		return errno == ENOENT ? 0 : cli_error(ERR_IO, "--prune: cannot remove '%s': %s", path, e.msg);
	if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) != 0)
		rc = errno == ENOENT ? 0 : cli_error(ERR_IO, "--prune: cannot remove '%s': %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = cli_error(ERR_IO, "--prune: '%s' is no longer a regular file: not removed", path);
	else if (unlinkat(dfd, slash + 1, 0) != 0 && errno != ENOENT)
		rc = cli_error(ERR_IO, "--prune: cannot remove '%s': %s", path, strerror(errno));
	close(dfd);
	return rc;
}

/* --prune, install side: files in the state files that no target names */
static int prune_files_find(struct run *r)
{
	const char *const *dirs = r->dirs;
	int rc = 0;

	for (size_t d = 0; d < r->ndirs && !rc; d++) {
		struct buf old = { 0 }, now = { 0 };
		size_t n;
		if (!(rc = state_read(r, dirs[d], &old, &n)) && !(rc = state_names(r, dirs[d], 0, &now))) {
			for (size_t o = 0; o < old.len; o += strlen(old.p + o) + 1) {
				char path[4400];
				struct stat st;
				if (in_list(now.p, now.len, old.p + o))
					continue;
				snprintf(path, sizeof path, "%s%s%s", dirs[d], strcmp(dirs[d], "/") ? "/" : "",
					 old.p + o);
				/* only a regular file: a symlink or directory someone put
				 * there under that name is not ours */
				if (gone_stat(dirs[d], old.p + o, &st, &rc) || !S_ISREG(st.st_mode)) {
					if (rc)
						break;
					continue;
				}
				if (dir_sudo(r, dirs[d])) {
					rc = cli_error(ERR_IO, "--prune: cannot remove '%s': only sudo could, and "
						       "install-write does not remove (remove it as root)", path);
					break;
				}
				if (buf_puts(&r->gone_files, path) || buf_putc(&r->gone_files, '\0'))
					rc = cli_error(ERR_FAIL, "out of memory");
				r->n_gone_files++;
			}
		}
		buf_free(&old);
		buf_free(&now);
	}
	return rc;
}

/* ---- podman ---- */

static int podman_names(struct run *r, struct job *j)
{
	const struct manifest_target *t = j->t;
	size_t pl = t->prefix ? strlen(t->prefix) : 0;
	struct err e;
	char lab[MANIFEST_ID_MAX + 32];

	j->n_ps = j->v.n;
	j->ps = calloc(j->n_ps ? j->n_ps : 1, sizeof *j->ps);
	if (!j->ps)
		return cli_error(ERR_FAIL, "out of memory");
	for (size_t i = 0; i < t->n_labels; i++)
		if (podman_labels_add(&j->labels, t->labels[i], strlen(t->labels[i]), &e))
			return cli_fail(&e);
	snprintf(lab, sizeof lab, "%s=%s", MANIFEST_LABEL, r->m.id);
	if (podman_labels_add(&j->labels, lab, strlen(lab), &e))
		return cli_fail(&e);
	for (size_t i = 0; i < j->v.n; i++) {
		const struct envfmt_entry *x = &j->v.v[i];
		const char *nm = t->name && j->v.n == 1 && j->v.ref.kind != STORE_MAPPING ? t->name : x->name;
		size_t nl = nm == t->name ? strlen(nm) : x->name_len;
		struct psecret *p = &j->ps[i];

		if (memchr(nm, '\0', nl))
			return cli_error(ERR_INPUT, "%s: secret name has a NUL byte", x->path);
		if (!(p->name = malloc(pl + nl + 1)))
			return cli_error(ERR_FAIL, "out of memory");
		memcpy(p->name, t->prefix ? t->prefix : "", pl);
		memcpy(p->name + pl, nm, nl);
		p->name[pl + nl] = '\0';
		p->value = x->value;
		p->len = x->value_len;
		if (podman_value_check(x->value, x->value_len, t->env, &e) ||
		    (!t->shell && podman_digest(r->store.data_key, x->value, x->value_len, p->digest, &e)))
			return cli_error(e.code, "%s: %s", x->path, e.msg);
		if (t->shell) {
			int rc;
			r->sh.ref.env = t->env;
			r->sh.ref.path = (char *)x->path;
			rc = pdriver_ref_format(&r->sh.ref, &p->line, &e);
			r->sh.ref.path = NULL;
			if (rc)
				return cli_error(e.code, "%s: %s", x->path, e.msg);
		}
	}
	return 0;
}

/* What p would be in podman: its value and digest, or (driver: shell) its
 * reference and the driver binary. */
static struct podman_secret secret_of(const struct job *j, const struct psecret *p)
{
	struct podman_secret s = { p->name, p->value, p->len, p->digest, &j->labels, NULL, NULL };

	if (j->t->shell) {
		s.value = (const unsigned char *)p->line.p;
		s.len = p->line.len;
		s.digest = NULL;
		s.ref = p->line.p;
		s.driver_bin = j->bin;
	}
	return s;
}

/* One podman run for the prune list: every secret's name. */
static int podman_all_names(struct run *r, struct buf *names, size_t *n)
{
	const char *argv[] = { r->pm.program, "secret", "ls", "--noheading", "--format", "{{.Name}}", NULL };
	struct podman_result res = { 0 };
	struct err e;
	int rc = 0;

	*n = 0;
	if (podman_spawn(r->pm.program, argv, NULL, 0, &res, &e))
		return cli_fail(&e);
	if (res.status != 0) {
		rc = cli_error(ERR_EXTERNAL, "podman secret ls: exit %d: %.*s", res.status,
			       (int)strcspn(res.err.p ? res.err.p : "", "\n"), res.err.p ? res.err.p : "");
	} else {
		for (char *p = res.out.p, *end = res.out.p + res.out.len; p && p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (len && (buf_append(names, p, len) || buf_putc(names, '\0')))
				rc = cli_error(ERR_FAIL, "out of memory");
			else if (len)
				(*n)++;
			p = nl ? nl + 1 : NULL;
		}
	}
	podman_result_free(&res);
	return rc;
}

/* --prune, podman side: secrets labelled secretctl.manifest=ID that no
 * entry names. */
static int prune_pods_find(struct run *r)
{
	struct buf all = { 0 };
	const char **v = NULL;
	struct podman_existing *cur = NULL;
	size_t n, k = 0;
	struct err e;
	int rc;

	if ((rc = podman_all_names(r, &all, &n)) || n == 0)
		goto out;
	v = calloc(n, sizeof *v);
	cur = calloc(n, sizeof *cur);
	r->gone_pods = calloc(n, sizeof *r->gone_pods);
	if (!v || !cur || !r->gone_pods) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	for (size_t o = 0; o < all.len; o += strlen(all.p + o) + 1)
		v[k++] = all.p + o;
	if (podman_lookup(&r->pm, v, n, cur, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *id = podman_labels_get(&cur[i].labels, MANIFEST_LABEL);
		int named = 0;
		for (size_t a = 0; a < r->n && !named; a++)
			for (size_t b = 0; b < r->j[a].n_ps && !named; b++)
				named = !strcmp(r->j[a].ps[b].name, v[i]);
		if (cur[i].exists && id && !strcmp(id, r->m.id) && !named) {
			r->gone_pods[r->n_gone_pods] = cur[i];
			memset(&cur[i], 0, sizeof cur[i]);
			if (buf_puts(&r->gone_pod_names, v[i]) || buf_putc(&r->gone_pod_names, '\0')) {
				rc = cli_error(ERR_FAIL, "out of memory");
				goto out;
			}
			r->n_gone_pods++;
		}
	}
out:
	for (size_t i = 0; cur && i < n; i++)
		podman_existing_free(&cur[i]);
	free(cur);
	free(v);
	buf_free(&all);
	return rc;
}

static int podman_rm(struct run *r, const char *id, const char *name)
{
	const char *argv[] = { r->pm.program, "secret", "rm", id, NULL };
	struct podman_result res = { 0 };
	struct err e;
	int rc = 0;

	if (podman_spawn(r->pm.program, argv, NULL, 0, &res, &e))
		return cli_fail(&e);
	if (res.status != 0)
		rc = cli_error(ERR_EXTERNAL, "podman secret rm %s: exit %d: %.*s", name, res.status,
			       (int)strcspn(res.err.p ? res.err.p : "", "\n"), res.err.p ? res.err.p : "");
	podman_result_free(&res);
	return rc;
}

/* driver: shell entries, before the store is opened: each one's driver
 * binary (driver-bin:, else this program), and the store and identities
 * (-i, else $SECRETCTL_IDENTITY) every reference records, as podman
 * --driver shell. */
static int shell_prepare(struct run *r)
{
	struct shell one = { 0 }; /* its bin[PATH_MAX], for each entry */
	int rc = 0;

	/* podman starts containers with no one to ask */
	if (r->a->opt[CLI_OPT_PASSFILE].count)
		return cli_usage(r->cmd, "driver: shell records identity files, not a passphrase: "
				 "give -i with an identity that has no passphrase");
	if (r->a->opt[CLI_OPT_IDENTITY].count > PDRIVER_MAX_IDS)
		return cli_usage(r->cmd, "driver: shell records at most %d identities (-i)", PDRIVER_MAX_IDS);
	for (size_t i = 0; i < r->n && !rc; i++) {
		struct job *j = &r->j[i];
		if (!j->selected || j->t->kind != MANIFEST_PODMAN || !j->t->shell)
			continue;
		cli_context(j->where);
		rc = shell_bin_path(&one, j->t->driver_bin);
		cli_context(NULL);
		if (!rc && !(j->bin = strdup(one.bin)))
			rc = cli_error(ERR_FAIL, "out of memory");
	}
	return rc ? rc : shell_setup(&r->sh, r->m.store, r->a);
}

/* ---- --list ---- */

static int list(struct run *r)
{
	struct buf b = { 0 };
	int rc;

	for (size_t i = 0; i < r->n; i++) {
		const struct job *j = &r->j[i];
		const struct manifest_target *t = j->t;
		if (!j->selected)
			continue;
		if (t->kind == MANIFEST_INSTALL) {
			buf_printf(&b, "install\t%s/%s", j->it.dir, t->name);
		} else {
			const char *last = strrchr(t->path, '/');
			buf_printf(&b, "podman\t%s%s", t->prefix ? t->prefix : "",
				   t->name ? t->name : !t->env ? (last ? last + 1 : t->path) : "*");
		}
		buf_printf(&b, "\t%s %s\t", t->env ? "-e" : "-f", t->path);
		for (size_t u = 0; u < t->n_restart; u++)
			buf_printf(&b, "%s%s", u ? "," : "", t->restart[u]);
		buf_puts(&b, t->n_restart ? "\n" : "-\n");
	}
	rc = b.len ? cli_write_stdout(b.p, b.len) : 0;
	buf_free(&b);
	return rc;
}

/* ---- the plan: everything checked, nothing written ---- */

static int plan(struct run *r)
{
	struct err e;
	size_t total = 0, k = 0;
	const char **names = NULL;
	struct podman_existing *cur = NULL;
	int rc = 0;

	/* values, rendered files, podman names and digests: one store */
	for (size_t i = 0; i < r->n && !rc; i++) {
		struct job *j = &r->j[i];
		struct cli_form f = { j->t->env, j->t->path, j->t->var,
				      j->t->has_format ? j->t->dialect : ENVFMT_SYSTEMD };
		if (!j->selected)
			continue;
		cli_context(j->where);
		rc = cli_values_find(&j->v, &r->store, &f);
		if (!rc && j->t->kind == MANIFEST_INSTALL && j->t->env)
			rc = cli_render_env(&j->v, f.dialect, &j->out);
		if (!rc && j->t->kind == MANIFEST_PODMAN)
			rc = podman_names(r, j);
		if (!rc && j->t->kind == MANIFEST_INSTALL &&
		    install_plan(&j->it, j->t->env ? (const void *)j->out.p : j->v.v[0].value,
				 j->t->env ? j->out.len : j->v.v[0].value_len, &j->plan, &e)) {
			/* through sudo: what the caller cannot see is written */
			if (j->sudo) {
				memset(&j->plan, 0, sizeof j->plan);
				j->plan.file = INSTALL_REPLACED;
			} else {
				rc = cli_fail(&e);
			}
		}
		if (!rc && j->t->kind == MANIFEST_INSTALL)
			j->changed = j->plan.make_root || j->plan.make_dir || j->plan.dir_readers ||
				     j->plan.file != INSTALL_UNCHANGED;
		total += j->n_ps;
	}
	cli_context(NULL);
	/* the driver's lookup at a container start, done once now */
	if (!rc && r->nshell)
		rc = shell_probe(&r->sh);
	if (rc || !r->npodman)
		return rc;
	/* podman: names unique across entries, one probe, one inspect */
	for (size_t i = 0; i < r->n; i++)
		for (size_t a = 0; a < r->j[i].n_ps; a++)
			for (size_t b = i; b < r->n; b++)
				for (size_t c = b == i ? a + 1 : 0; c < r->j[b].n_ps; c++)
					if (!strcmp(r->j[i].ps[a].name, r->j[b].ps[c].name))
						return cli_error(ERR_INPUT, "%s: secret '%s' is also made by %s",
								 r->j[b].where, r->j[b].ps[c].name,
								 r->j[i].where);
	if (podman_probe(&r->pm, r->a->opt[OPT_PODMAN].count ? r->a->opt[OPT_PODMAN].value
				 : r->m.podman_program ? r->m.podman_program : "podman", &e))
		return cli_fail(&e);
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->j[i];
		if (j->t->prefix && podman_prefix_check(&r->pm.version, j->t->prefix, strlen(j->t->prefix), &e))
			return cli_error(e.code, "%s: %s", j->where, e.msg);
		for (size_t a = 0; a < j->n_ps; a++)
			if (podman_name_check(&r->pm.version, j->ps[a].name, strlen(j->ps[a].name), &e))
				return cli_error(e.code, "%s: %s: %s", j->where, j->ps[a].name, e.msg);
	}
	names = calloc(total ? total : 1, sizeof *names);
	cur = calloc(total ? total : 1, sizeof *cur);
	if (!names || !cur) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n; i++)
		for (size_t a = 0; a < r->j[i].n_ps; a++)
			names[k++] = r->j[i].ps[a].name;
	if (total && podman_lookup(&r->pm, names, total, cur, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	k = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->j[i];
		for (size_t a = 0; a < j->n_ps; a++) {
			struct psecret *p = &j->ps[a];
			struct podman_secret s = secret_of(j, p);
			p->cur = cur[k];
			memset(&cur[k], 0, sizeof cur[k]);
			k++;
			if (j->t->shell) {
				/* the driver's entry for the ID holds this reference */
				struct shell one = r->sh;
				one.lines = &p->line;
				shell_entries(&one, &p->cur, 1);
			}
			p->why = podman_secret_compare(&s, &p->cur);
			j->changed |= p->why != PODMAN_WHY_EQUAL;
		}
	}
out:
	for (size_t i = 0; cur && i < total; i++)
		podman_existing_free(&cur[i]);
	free(cur);
	free(names);
	return rc;
}

static const char *install_word(const struct install_plan *p)
{
	return p->file == INSTALL_CREATED ? "create" : p->file == INSTALL_REPLACED ? "replace"
		: p->make_dir || p->make_root || p->dir_readers ? "change" : NULL;
}

static void dry_report(struct run *r)
{
	struct buf *b = &r->report;

	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->j[i];
		const char *w;
		if (!j->selected)
			continue;
		if (j->t->kind == MANIFEST_INSTALL) {
			w = install_word(&j->plan);
			buf_printf(b, "install %s/%s: %s%s\n", j->it.dir, j->t->name, w ? "would " : "unchanged",
				   w ? w : "");
		}
		for (size_t a = 0; a < j->n_ps; a++) {
			enum podman_why y = j->ps[a].why;
			buf_printf(b, "podman %s: %s (%s)\n", j->ps[a].name,
				   y == PODMAN_WHY_EQUAL ? "unchanged" : y == PODMAN_WHY_MISSING ? "would create"
				   : "would replace", y == PODMAN_WHY_EQUAL && j->t->shell
				   ? "reference and labels equal" : podman_why_text(y));
		}
		r->pending |= j->changed;
	}
	for (size_t o = 0; o < r->gone_files.len; o += strlen(r->gone_files.p + o) + 1)
		buf_printf(b, "install %s: would remove\n", r->gone_files.p + o);
	for (size_t o = 0; o < r->gone_pod_names.len; o += strlen(r->gone_pod_names.p + o) + 1)
		buf_printf(b, "podman %s: would remove\n", r->gone_pod_names.p + o);
	r->pending |= r->n_gone_files || r->n_gone_pods;
}

/* ---- restart ---- */

/* The units of the selected targets that changed, each once, in order. */
static size_t changed_units(const struct run *r, const char **u, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct job *j = &r->j[i];
		if (!j->selected || !j->changed)
			continue;
		for (size_t a = 0; a < j->t->n_restart; a++) {
			size_t k;
			for (k = 0; k < n && strcmp(u[k], j->t->restart[a]); k++)
				;
			if (k == n && n < cap)
				u[n++] = j->t->restart[a];
		}
	}
	return n;
}

static int restart(struct run *r, const char **units, size_t n)
{
	const char **argv = calloc(n + 5, sizeof *argv);
	const char *prog = r->a->opt[OPT_SYSTEMCTL].count ? r->a->opt[OPT_SYSTEMCTL].value : "systemctl";
	struct spawn_opts o = { .program = prog, .in = SPAWN_NULL, .out = SPAWN_INHERIT,
				.err = SPAWN_PIPE, .capture_max = 65536 };
	struct spawn_result res = { 0 };
	struct err e;
	size_t k = 0;
	int rc = 0;

	if (!argv)
		return cli_error(ERR_FAIL, "out of memory");
	argv[k++] = "systemctl";
	if (geteuid() != 0)
		argv[k++] = "--user";
	argv[k++] = "try-restart";
	for (size_t i = 0; i < n; i++)
		argv[k++] = units[i];
	argv[k] = NULL;
	o.argv = argv;
	if (spawn_run(&o, &res, &e)) {
		rc = cli_fail(&e);
	} else if (res.status != 0) {
		rc = cli_error(ERR_EXTERNAL, "systemctl%s try-restart: exit %d: %.*s",
			       geteuid() != 0 ? " --user" : "", res.status,
			       (int)strcspn(res.err.p ? res.err.p : "", "\n"), res.err.p ? res.err.p : "");
	} else if (r->verbose) {
		for (size_t i = 0; i < n; i++)
			cli_note("%s: restarted (try-restart)", units[i]);
	}
	spawn_result_free(&res);
	free(argv);
	return rc;
}

/* ---- the writes ---- */

static void report_progress(const struct run *r, const char *failed)
{
	struct buf done = { 0 }, todo = { 0 };

	for (size_t i = 0; i < r->n; i++) {
		const struct job *j = &r->j[i];
		struct buf *b = j->done ? &done : &todo;
		if (!j->selected || !j->changed)
			continue;
		buf_printf(b, "%s%s", b->len ? ", " : "",
			   j->t->kind == MANIFEST_INSTALL ? j->t->name : j->t->path);
	}
	cli_note("apply stopped at %s; done: %s; not done: %s", failed,
		 done.len ? done.p : "(none)", todo.len ? todo.p : "(none)");
	buf_free(&done);
	buf_free(&todo);
}

static int write_all(struct run *r)
{
	struct err e;
	int rc = 0;

	/* what is about to be made is recorded first: a crash after an
	 * install leaves it listed, so a later --prune can find it */
	if ((rc = states_update(r, 1)))
		return rc;
	for (size_t i = 0; i < r->n && !rc; i++) {
		struct job *j = &r->j[i];
		if (!j->selected || !j->changed)
			continue;
		if (j->t->kind == MANIFEST_INSTALL) {
			enum install_result res;
			const void *data = j->t->env ? (const void *)j->out.p : j->v.v[0].value;
			size_t len = j->t->env ? j->out.len : j->v.v[0].value_len;
			if (j->sudo) {
				/* install-write says what it did (-v) */
				cli_context(j->where);
				rc = sudo_write(r, j->t->name, &j->it, data, len);
				cli_context(NULL);
				if (rc) {
					report_progress(r, j->where);
					break;
				}
			} else if (install_file(&j->it, data, len, &res, &e)) {
				cli_context(j->where);
				rc = cli_fail(&e);
				cli_context(NULL);
				report_progress(r, j->where);
				break;
			} else if (r->verbose) {
				cli_note("install %s/%s: %s", j->it.dir, j->t->name, install_result_name(res));
			}
		}
		for (size_t a = 0; a < j->n_ps; a++) {
			struct psecret *p = &j->ps[a];
			struct podman_secret s = secret_of(j, p);
			enum podman_action act;
			char id[80];
			if (p->why == PODMAN_WHY_EQUAL)
				continue;
			if (podman_secret_put(&r->pm, &s, &p->cur, &act, id, &e)) {
				cli_context(j->where);
				rc = cli_fail(&e);
				cli_context(NULL);
				report_progress(r, j->where);
				break;
			}
			if (r->verbose)
				cli_note("podman %s: %s", p->name, podman_action_name(act));
		}
		j->done = !rc;
	}
	/* a directory made by an install (mkdir:) gets its state file now; a
	 * failure here is the run's: what was installed would go unrecorded,
	 * and --prune is not run on a record that could not be written */
	if (!rc)
		rc = states_update(r, 1);
	if (!rc && r->a->opt[OPT_PRUNE].count) {
		for (size_t o = 0; o < r->gone_files.len && !rc; o += strlen(r->gone_files.p + o) + 1) {
			rc = gone_remove(r->gone_files.p + o);
			if (!rc && r->verbose)
				cli_note("install %s: removed", r->gone_files.p + o);
		}
		for (size_t i = 0, o = 0; i < r->n_gone_pods && !rc;
		     i++, o += strlen(r->gone_pod_names.p + o) + 1) {
			rc = podman_rm(r, r->gone_pods[i].id, r->gone_pod_names.p + o);
			if (!rc && r->verbose)
				cli_note("podman %s: removed", r->gone_pod_names.p + o);
		}
		/* the directories' fsync: each removal is one unlink, durable
		 * with the state file written next (install_file syncs the dir) */
		if (!rc)
			rc = states_update(r, 0);
	}
	return rc;
}

/* ---- the command ---- */

int cmd_apply(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	struct run r = { .cmd = cmd, .a = a };
	const char *file = a->n_pos ? a->pos[0] : getenv("SECRETCTL_MANIFEST");
	const char *unit = a->opt[OPT_UNIT].count ? a->opt[OPT_UNIT].value : NULL;
	const char **units = NULL;
	struct err e;
	size_t nsel = 0, nunits = 0;
	int rc = 0;

	(void)store;
	r.verbose = a->opt[CLI_OPT_VERBOSE].count > 0;
	r.dry = a->opt[OPT_DRY_RUN].count > 0;
	if (!file || !*file)
		return cli_usage(cmd, "missing MANIFEST (or $SECRETCTL_MANIFEST)");
	if (unit && a->opt[OPT_PRUNE].count)
		return cli_usage(cmd, "--prune goes with the whole manifest, not with --unit");
	if (a->opt[OPT_LIST].count && (r.dry || a->opt[OPT_PRUNE].count || a->opt[OPT_RESTART].count))
		return cli_usage(cmd, "--list changes nothing: no --dry-run, --prune or --restart with it");
	if (unit && manifest_unit_check(unit, &e))
		return cli_usage(cmd, "--unit: %s", e.msg);
	if (manifest_load(file, &r.m, &e))
		return cli_fail(&e);
	r.me = install_caller_uid();
	snprintf(r.defdir, sizeof r.defdir, "%s/%lu", INSTALL_ROOT, (unsigned long)r.me);
	r.n = r.m.n;
	r.j = calloc(r.n ? r.n : 1, sizeof *r.j);
	if (!r.j) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		struct job *j = &r.j[i];
		j->t = &r.m.t[i];
		set_where(j, &r.m);
		j->selected = !unit || manifest_target_has_unit(j->t, unit);
		nsel += (size_t)j->selected;
		if (j->t->kind == MANIFEST_INSTALL) {
			j->it.dir = j->t->dir ? j->t->dir : r.m.dir ? r.m.dir : r.defdir;
			/* two entries, one file */
			for (size_t k = 0; k < i; k++)
				if (r.j[k].t->kind == MANIFEST_INSTALL && !strcmp(r.j[k].it.dir, j->it.dir) &&
				    !strcmp(r.j[k].t->name, j->t->name)) {
					rc = cli_error(ERR_INPUT, "%s: %s/%s is also installed by line %d",
						       j->where, j->it.dir, j->t->name, r.j[k].t->line);
					goto out;
				}
		} else if (j->selected) {
			r.npodman++;
			r.nshell += j->t->shell;
		}
	}
	if (unit && nsel == 0) {
		rc = cli_error(ERR_NOTFOUND, "%s: no target lists %s in restart:", r.m.file, unit);
		goto out;
	}
	if (a->opt[OPT_LIST].count) {
		rc = list(&r);
		goto out;
	}
	for (size_t i = 0; i < r.n && !rc; i++) {
		if (r.j[i].t->kind != MANIFEST_INSTALL)
			continue;
		cli_context(r.j[i].where);
		rc = resolve_install(&r, &r.j[i]);
		cli_context(NULL);
	}
	if (rc)
		goto out;
	if (!(r.dirs = calloc(r.n + 1, sizeof *r.dirs))) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	r.ndirs = dirs_of(&r, r.dirs);
	if (r.nshell && (rc = shell_prepare(&r)))
		goto out;
	/* the store: opened, its key unwrapped and the whole of it checked once */
	if ((rc = cli_store_open(r.m.store, a, 0, &r.store, NULL)))
		goto out;
	if ((rc = plan(&r)))
		goto out;
	if (a->opt[OPT_PRUNE].count) {
		if ((rc = prune_files_find(&r)))
			goto out;
		if (!r.npodman && !r.pm.program) {
			/* no podman entry left: what it made may still be there */
			if (podman_probe(&r.pm, a->opt[OPT_PODMAN].count ? a->opt[OPT_PODMAN].value
					 : r.m.podman_program ? r.m.podman_program : "podman", &e)) {
				/* no podman on this host: nothing of it to prune */
				r.pm.program = NULL;
			}
		}
		if (r.pm.program && (rc = prune_pods_find(&r)))
			goto out;
	}
	/* room for every unit named (a unit listed by several targets, once) */
	for (size_t i = 0; i < r.n; i++)
		nunits += r.m.t[i].n_restart;
	units = calloc(nunits + 1, sizeof *units);
	if (!units) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	if (r.dry) {
		dry_report(&r);
		if (a->opt[OPT_RESTART].count) {
			size_t nu = changed_units(&r, units, nunits);
			if (nu) {
				buf_puts(&r.report, "would restart:");
				for (size_t i = 0; i < nu; i++)
					buf_printf(&r.report, " %s", units[i]);
				buf_puts(&r.report, "\n");
			}
		}
		rc = r.report.len ? cli_write_stdout(r.report.p, r.report.len) : 0;
		if (!rc && r.pending)
			rc = ERR_PENDING;
		goto out;
	}
	if ((rc = write_all(&r)))
		goto out;
	if (a->opt[OPT_RESTART].count) {
		size_t nu = changed_units(&r, units, nunits);
		if (nu)
			rc = restart(&r, units, nu);
		else if (r.verbose)
			cli_note("nothing changed: no unit restarted");
	}
out:
	cli_context(NULL);
	free(units);
	for (size_t i = 0; r.j && i < r.n; i++) {
		struct job *j = &r.j[i];
		cli_values_free(&j->v);
		secmem_free(&j->out);
		free(j->readers);
		podman_labels_free(&j->labels);
		for (size_t k = 0; k < j->n_ps; k++) {
			free(j->ps[k].name);
			podman_existing_free(&j->ps[k].cur);
			buf_free(&j->ps[k].line);
		}
		free(j->ps);
		free(j->bin);
	}
	for (size_t i = 0; i < r.n_gone_pods; i++)
		podman_existing_free(&r.gone_pods[i]);
	free(r.gone_pods);
	buf_free(&r.gone_pod_names);
	buf_free(&r.gone_files);
	buf_free(&r.report);
	free(r.dirs);
	free(r.j);
	store_free(&r.store);
	pdriver_ref_free(&r.sh.ref);
	manifest_free(&r.m);
	return rc;
}
