/* install / install-write: a value as a file under /etc/secrets/$UID,
 * atomically, with its owner, mode and container readers.
 * install-write is the only step --sudo runs as root: it takes the bytes on
 * stdin and writes only into /etc/secrets/$SUDO_UID, owned $SUDO_UID:0, so
 * a sudoers rule for it grants nothing more. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secretctl/install.h"
#include "secretctl/io.h"
#include "secretctl/spawn.h"
#include "installs.h"
#include "values.h"

enum { OPT_DIR, OPT_OWNER, OPT_GROUP, OPT_MODE, OPT_READER, OPT_SUDO, OPT_MKDIR, OPT_UID,
       OPT_DRY_RUN };

const struct cli_opt cmd_install_opts[] = {
	{ "env", 'e', 1, CLI_OPT_ENV, "PATH", "env form: NAME=value lines" },
	{ "file", 'f', 1, CLI_OPT_FILE, "PATH", "file form: the value's exact bytes" },
	{ "format", 0, 1, CLI_OPT_FORMAT, "F", "env dialect: systemd (default), podman, docker, shell, json" },
	{ "template", 0, 1, CLI_OPT_TEMPLATE, "TEMPLATE",
	  "install TEMPLATE with its {{ PATH | filter }} placeholders filled (NAME required)" },
	{ "dir", 0, 1, OPT_DIR, "DIR", "directory (default /etc/secrets/$UID)" },
	{ "owner", 0, 1, OPT_OWNER, "USER", "file owner (default: you; $SUDO_UID under sudo)" },
	{ "group", 0, 1, OPT_GROUP, "GROUP", "file group (default root)" },
	{ "mode", 0, 1, OPT_MODE, "MODE", "file mode, octal (default 0400)" },
	{ "reader", 0, 1, OPT_READER, "UID", "let this uid of your rootless containers read it (repeatable)" },
	{ "sudo", 0, 0, OPT_SUDO, NULL, "write through 'sudo -n secretctl install-write' when the directory is not yours" },
	{ "mkdir", 0, 0, OPT_MKDIR, NULL, "create a missing directory, owner:root mode 2750" },
	{ "dry-run", 0, 0, OPT_DRY_RUN, NULL,
	  "say what would change, change nothing (exit 9 when something would)" },
	CLI_KEY_OPTS,
	CLI_VERIFY_OPT,
	CLI_OPT_END,
};

const struct cli_opt cmd_install_write_opts[] = {
	{ "uid", 0, 1, OPT_UID, "UID", "the sudo caller's uid (must equal $SUDO_UID)" },
	{ "mode", 0, 1, OPT_MODE, "MODE", "file mode, octal (default 0400)" },
	{ "reader", 0, 1, OPT_READER, "UID", "container uid given read access (repeatable)" },
	{ "mkdir", 0, 0, OPT_MKDIR, NULL, "create a missing /etc/secrets/$SUDO_UID" },
	{ "verbose", 'v', 0, CLI_OPT_VERBOSE, NULL, "say what is done" },
	CLI_OPT_END,
};

int install_parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out >= (uid_t)-1 ? -1 : 0;
}

uid_t install_caller_uid(void)
{
	const char *s = getenv("SUDO_UID");
	unsigned long v;

	if (getuid() == 0 && s && install_parse_id(s, &v) == 0)
		return (uid_t)v;
	return getuid();
}

int install_user_arg(const char *what, const char *s, uid_t *out)
{
	struct passwd *pw = getpwnam(s);
	unsigned long v;

	if (pw) {
		*out = pw->pw_uid;
		return 0;
	}
	if (install_parse_id(s, &v) != 0)
		return cli_error(ERR_INPUT, "%s '%s': no such user", what, s);
	*out = (uid_t)v;
	return 0;
}

int install_group_arg(const char *what, const char *s, gid_t *out)
{
	struct group *gr = getgrnam(s);
	unsigned long v;

	if (gr) {
		*out = gr->gr_gid;
		return 0;
	}
	if (install_parse_id(s, &v) != 0)
		return cli_error(ERR_INPUT, "%s '%s': no such group", what, s);
	*out = (gid_t)v;
	return 0;
}

/* --reader container uids of uid's rootless containers, as host uids. */
static int map_readers(const struct cli_optval *ov, uid_t uid, uid_t **out)
{
	struct passwd *pw = getpwuid(uid);
	char *user = pw ? strdup(pw->pw_name) : NULL;
	struct err e;
	int rc = 0;

	*out = calloc((size_t)ov->count + 1, sizeof **out);
	if (!*out || (pw && !user)) {
		free(user);
		return cli_error(ERR_FAIL, "out of memory");
	}
	for (int i = 0; i < ov->count && !rc; i++) {
		unsigned long c;
		if (install_parse_id(ov->values[i], &c) != 0)
			rc = cli_error(ERR_INPUT, "--reader '%s': not a container uid", ov->values[i]);
		else if (install_subuid_host("/etc/subuid", user, uid, c, &(*out)[i], &e))
			rc = cli_fail(&e);
	}
	free(user);
	return rc;
}

static void say(const struct install_target *t, enum install_result r, int rc, int verbose)
{
	if (verbose && !rc)
		cli_note("%s/%s: %s", t->dir, t->name, install_result_name(r));
}

/* ---- install-write (as root, through sudo) ---- */

int cmd_install_write(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	struct install_target t = { .gid = 0, .mode = INSTALL_FILE_MODE };
	enum install_result r = INSTALL_UNCHANGED;
	struct secmem data = { 0 };
	const char *su = getenv("SUDO_UID");
	uid_t *readers = NULL;
	unsigned long uid, want;
	char dir[64];
	struct err e;
	int rc;

	(void)cmd;
	(void)store;
	t.name = a->pos[0];
	if (geteuid() != 0 || !su || install_parse_id(su, &uid) != 0) {
		rc = cli_error(ERR_IO, "install-write runs as root through sudo (from 'secretctl install --sudo'); %s",
			       geteuid() != 0 ? "this is not root" : "$SUDO_UID is not set");
		goto out;
	}
	/* one --uid, and it is the caller: no chown to anyone else */
	if (a->opt[OPT_UID].count != 1 || install_parse_id(a->opt[OPT_UID].value, &want) != 0 ||
	    want != uid) {
		rc = cli_error(ERR_IO, "install-write: --uid must be given once and be the sudo caller's uid %lu",
			       uid);
		goto out;
	}
	if (a->opt[OPT_MODE].count && install_mode_parse(a->opt[OPT_MODE].value, &t.mode, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (install_name_check(t.name, strlen(t.name), &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if ((rc = map_readers(&a->opt[OPT_READER], (uid_t)uid, &readers)))
		goto out;
	if (io_read_file_secret("-", STORE_MAX_SIZE, &data, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	snprintf(dir, sizeof dir, "%s/%lu", INSTALL_ROOT, uid);
	t.dir = dir;
	t.uid = (uid_t)uid;
	t.readers = readers;
	t.n_readers = (size_t)a->opt[OPT_READER].count;
	t.mkdir = a->opt[OPT_MKDIR].count > 0;
	rc = install_file(&t, data.p, data.len, &r, &e) ? cli_fail(&e) : 0;
	say(&t, r, rc, a->opt[CLI_OPT_VERBOSE].count > 0);
out:
	free(readers);
	secmem_free(&data);
	return rc;
}

/* ---- install --sudo: spawn the write step ---- */

/* stderr of sudo kept for the message */
#define SUDO_ERR_MAX 65536

int install_sudo_write(const struct sudo_write *w, const void *data, size_t len)
{
	char self[PATH_MAX], uidtext[24];
	const char *argv[16 + 2 * SUDO_MAX_READERS];
	/* the value goes on the pipe, never in argv or the environment */
	struct spawn_opts o = { .program = "sudo", .argv = argv, .in = SPAWN_PIPE, .in_data = data,
				.in_len = len, .out = SPAWN_INHERIT, .err = SPAWN_PIPE,
				.capture_max = SUDO_ERR_MAX };
	struct spawn_result r = { 0 };
	struct passwd *pw;
	struct err e;
	ssize_t n;
	int rc, k = 0;

	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		snprintf(self, sizeof self, "secretctl");
	else
		self[n] = '\0';
	uid_t uid = w->uid;

	snprintf(uidtext, sizeof uidtext, "%lu", (unsigned long)uid);
	argv[k++] = "sudo";
	argv[k++] = "-n";
	argv[k++] = "--";
	argv[k++] = self;
	argv[k++] = "install-write";
	argv[k++] = "--uid";
	argv[k++] = uidtext;
	if (w->mode) {
		argv[k++] = "--mode";
		argv[k++] = w->mode;
	}
	for (size_t i = 0; i < w->n_readers && i < SUDO_MAX_READERS; i++) {
		argv[k++] = "--reader";
		argv[k++] = w->readers[i];
	}
	if (w->mkdir)
		argv[k++] = "--mkdir";
	if (w->verbose)
		argv[k++] = "-v";
	argv[k++] = w->name;
	argv[k] = NULL;

	/* sudo may refuse before reading: a closed pipe is not our failure */
	if (spawn_run(&o, &r, &e))
		return cli_fail(&e);
	if (r.signal) {
		rc = cli_error(ERR_EXTERNAL, "sudo install-write was killed by signal %d", r.signal);
	} else if ((rc = r.status) != 0 && strncmp(r.err.p, "sudo:", 5) == 0 &&
		   !strstr(r.err.p, "secretctl:")) {
		pw = getpwuid(uid);
		r.err.p[strcspn(r.err.p, "\n")] = '\0';
		rc = cli_error(ERR_EXTERNAL,
			       "sudo -n did not run install-write (%s); this sudoers line would allow it: "
			       "%s ALL=(root) NOPASSWD: %s install-write --uid %lu * "
			       "(with 'Defaults!%s !log_input' beside it: the value is on sudo's stdin)",
			       r.err.p, pw ? pw->pw_name : uidtext, self, (unsigned long)uid, self);
	} else if (r.err.len) {
		fwrite(r.err.p, 1, r.err.len, stderr);
	}
	spawn_result_free(&r);
	return rc;
}

static int run_sudo(const struct cli_args *a, uid_t uid, const char *name, const void *data,
		    size_t len)
{
	struct sudo_write w = { .uid = uid, .name = name,
				.mode = a->opt[OPT_MODE].count ? a->opt[OPT_MODE].value : NULL,
				.readers = a->opt[OPT_READER].values,
				.n_readers = (size_t)a->opt[OPT_READER].count,
				.mkdir = a->opt[OPT_MKDIR].count > 0,
				.verbose = a->opt[CLI_OPT_VERBOSE].count > 0 };

	return install_sudo_write(&w, data, len);
}

/* ---- --dry-run ---- */

/* One line per path on stdout, "PATH: unchanged", "PATH: would create" or
 * "PATH: would replace (content, mode)": ERR_PENDING when something would
 * change, else 0. */
static int print_plan(const struct install_target *t, const struct install_plan *p)
{
	static const struct {
		unsigned bit;
		const char *word;
	} whys[] = {
		{ INSTALL_WHY_CONTENT, "content" }, { INSTALL_WHY_OWNER, "owner" },
		{ INSTALL_WHY_GROUP, "group" },     { INSTALL_WHY_MODE, "mode" },
		{ INSTALL_WHY_READERS, "readers" }, { INSTALL_WHY_LINKS, "links" },
	};
	struct buf b = { 0 };
	int rc, sep = 0;

	if (p->make_root)
		buf_printf(&b, "%s: would create\n", INSTALL_ROOT);
	if (p->make_dir)
		buf_printf(&b, "%s: would create\n", t->dir);
	else if (p->dir_readers)
		buf_printf(&b, "%s: would change (readers)\n", t->dir);
	else if (!t->name) /* --mkdir alone */
		buf_printf(&b, "%s: unchanged\n", t->dir);
	if (t->name) {
		buf_printf(&b, "%s/%s: %s", t->dir, t->name,
			   p->file == INSTALL_UNCHANGED ? "unchanged"
			   : p->file == INSTALL_CREATED ? "would create"
							: "would replace (");
		for (size_t i = 0; p->file == INSTALL_REPLACED && i < sizeof whys / sizeof whys[0]; i++)
			if (p->why & whys[i].bit)
				buf_printf(&b, "%s%s", sep++ ? ", " : "", whys[i].word);
		buf_puts(&b, p->file == INSTALL_REPLACED ? ")\n" : "\n");
	}
	if (!b.p) {
		rc = cli_error(ERR_FAIL, "out of memory");
	} else if ((rc = cli_write_stdout(b.p, b.len)) == 0 && fflush(stdout) != 0) {
		rc = cli_error(ERR_IO, "cannot write standard output: %s", strerror(errno));
	} else if (rc == 0) {
		rc = p->make_root || p->make_dir || p->dir_readers || p->file != INSTALL_UNCHANGED
			     ? ERR_PENDING
			     : 0;
	}
	buf_free(&b);
	return rc;
}

/* ---- install --mkdir alone ---- */

/* The directory, nothing else: it needs no store, so root makes it for
 * $SUDO_UID before the user's first install (sudo resets HOME, and the
 * user's identity is not found as root). */
static int mkdir_only(const struct cli_cmd *cmd, const struct cli_args *a, uid_t me)
{
	static const struct {
		int id;
		const char *name;
	} unused[] = {
		{ CLI_OPT_FORMAT, "--format" }, { OPT_GROUP, "--group" }, { OPT_MODE, "--mode" },
		{ OPT_READER, "--reader" }, { OPT_SUDO, "--sudo" }, { CLI_OPT_IDENTITY, "-i" },
		{ CLI_OPT_PASSFILE, "--passphrase-file" }, { CLI_OPT_VERIFY, "--verify" },
	};
	struct install_target t = { .uid = me };
	struct install_plan p;
	enum install_result r;
	char defdir[64];
	struct err e;
	int rc, dry = a->opt[OPT_DRY_RUN].count > 0;

	for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++)
		if (a->opt[unused[i].id].count)
			return cli_usage(cmd, "--mkdir without -e or -f makes the directory only; %s has nothing to do there",
					 unused[i].name);
	if (a->n_pos)
		return cli_usage(cmd, "--mkdir without -e or -f makes the directory only: no STORE or NAME");
	if (a->opt[OPT_OWNER].count && (rc = install_user_arg("--owner", a->opt[OPT_OWNER].value, &t.uid)))
		return rc;
	snprintf(defdir, sizeof defdir, "%s/%lu", INSTALL_ROOT, (unsigned long)me);
	t.dir = a->opt[OPT_DIR].count ? a->opt[OPT_DIR].value : defdir;
	t.mkdir = 1;
	if (install_dir(&t, dry ? &p : NULL, &r, &e))
		return cli_fail(&e);
	if (dry)
		return print_plan(&t, &p);
	if (a->opt[CLI_OPT_VERBOSE].count)
		cli_note("%s: %s", t.dir, install_result_name(r));
	return 0;
}

/* ---- install ---- */

int cmd_install(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const struct cli_form *f = &a->form;
	struct install_target t = { .gid = 0, .mode = INSTALL_FILE_MODE };
	enum install_result r = INSTALL_UNCHANGED;
	struct cli_values v = { 0 };
	struct cli_template tmpl = { 0 };
	struct secmem out = { 0 };
	struct err e;
	const char *name;
	char defdir[64];
	uid_t *readers = NULL, me = install_caller_uid();
	const void *data;
	size_t len;
	int rc, sudo = 0, verbose = a->opt[CLI_OPT_VERBOSE].count > 0;

	/* install-write's command line has room for this many (and an ACL
	 * with more entries is no longer a short list anyway) */
	if (a->opt[OPT_SUDO].count && a->opt[OPT_READER].count > SUDO_MAX_READERS)
		return cli_usage(cmd, "--sudo takes at most %d --reader options", SUDO_MAX_READERS);
	/* neither -e nor -f nor --template (CLI_FORM_OPTIONAL): --mkdir
	 * alone, or a mistake */
	if (!f->path && !f->template)
		return a->opt[OPT_MKDIR].count ? mkdir_only(cmd, a, me) : cli_usage(cmd, CLI_ONE_FORM);
	/* NAME: the second positional, else the PATH's last segment; a
	 * template has no name of its own */
	if (f->template && !a->n_pos) {
		rc = cli_usage(cmd, "--template needs NAME, the installed file's name");
		goto out;
	}
	if (a->n_pos) {
		name = a->pos[0];
	} else {
		if ((rc = cli_values_parse(&v, f->path)))
			goto out;
		if (v.path.n == 0) {
			rc = cli_error(ERR_USAGE, "install needs a PATH below the top level");
			goto out;
		}
		name = v.path.v[v.path.n - 1].s;
	}
	if (install_name_check(name, strlen(name), &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	t.name = name;
	t.uid = me;
	snprintf(defdir, sizeof defdir, "%s/%lu", INSTALL_ROOT, (unsigned long)me);
	t.dir = a->opt[OPT_DIR].count ? a->opt[OPT_DIR].value : defdir;
	t.mkdir = a->opt[OPT_MKDIR].count > 0;
	if ((a->opt[OPT_OWNER].count && (rc = install_user_arg("--owner", a->opt[OPT_OWNER].value, &t.uid))) ||
	    (a->opt[OPT_GROUP].count && (rc = install_group_arg("--group", a->opt[OPT_GROUP].value, &t.gid))))
		goto out;
	if (a->opt[OPT_MODE].count && install_mode_parse(a->opt[OPT_MODE].value, &t.mode, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	/* a template's syntax is checked before any store is opened */
	if (f->template && (rc = cli_template_load(&tmpl, f->template)))
		goto out;
	/* before any key is asked for: can we write there at all? */
	if (geteuid() != 0 && faccessat(AT_FDCWD, t.dir, W_OK | X_OK, AT_EACCESS) != 0 &&
	    (errno == EACCES || errno == EPERM || (errno == ENOENT && t.mkdir))) {
		if (!a->opt[OPT_SUDO].count) {
			rc = cli_error(ERR_IO, "cannot write directory '%s': %s (--sudo writes through 'sudo secretctl install-write')",
				       t.dir, errno == ENOENT ? "cannot create it" : strerror(errno));
			goto out;
		}
		/* install-write knows one directory and one owner */
		if (strcmp(t.dir, defdir) != 0 || t.uid != me || t.gid != 0) {
			rc = cli_usage(cmd, "--sudo writes only into %s, owned %lu:0; --dir, --owner and --group cannot change that",
				       defdir, (unsigned long)me);
			goto out;
		}
		sudo = 1;
	}
	/* readers: mapped through the owner's subuid range (under --sudo the
	 * caller's, as install-write maps them again from $SUDO_UID) */
	if ((rc = map_readers(&a->opt[OPT_READER], t.uid, &readers)))
		goto out;
	t.readers = readers;
	t.n_readers = (size_t)a->opt[OPT_READER].count;

	if (f->template) {
		rc = cli_template_fill(&tmpl, store, a, &out);
	} else {
		rc = cli_values_open(&v, store, f, a);
		if (!rc && f->env)
			rc = cli_render_env(&v, f->dialect, &out);
	}
	if (rc)
		goto out;
	data = f->env || f->template ? (const void *)out.p : (const void *)v.v[0].value;
	len = f->env || f->template ? out.len : v.v[0].value_len;
	if (a->opt[OPT_DRY_RUN].count) {
		/* under --sudo too: decided as the caller, sudo never runs */
		struct install_plan p;
		rc = install_plan(&t, data, len, &p, &e) ? cli_fail(&e) : print_plan(&t, &p);
	} else if (sudo) {
		/* unchanged is decided as the caller when it can (the file is
		 * theirs, 0400): sudo runs, and logs, only to write */
		struct install_plan p;
		if (install_plan(&t, data, len, &p, &e) == 0 && !p.make_root && !p.make_dir &&
		    !p.dir_readers && p.file == INSTALL_UNCHANGED)
			say(&t, INSTALL_UNCHANGED, 0, verbose);
		else
			rc = run_sudo(a, me, name, data, len);
	} else {
		rc = install_file(&t, data, len, &r, &e) ? cli_fail(&e) : 0;
		say(&t, r, rc, verbose);
	}
out:
	free(readers);
	secmem_free(&out);
	cli_values_free(&v);
	cli_template_free(&tmpl);
	return rc;
}
