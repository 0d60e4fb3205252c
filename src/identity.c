#include "secretctl/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "secretctl/io.h"
#include "secretctl/keyring.h"
#include "secretctl/sshkey.h"
#include "secretctl/tty.h"

/* ---- files ---- */

/* Under sudo, root: the uid of the user who ran sudo ($SUDO_UID), whose
 * own identity file `sudo secretctl ... -i ~/FILE` names; else -1. Only
 * root is asked: whoever sets the variable for root is root already. */
static long sudo_caller(void)
{
	const char *v = getenv("SUDO_UID");
	char *end;
	long uid;

	if (geteuid() != 0 || !v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	uid = strtol(v, &end, 10);
	return errno || *end || uid < 0 || (long)(uid_t)uid != uid ? -1 : uid;
}

/* An identity file must be private, as OpenSSH wants of a private key:
 * owned by us or by root (who reads it anyway), or, when root runs under
 * sudo, by sudo's caller; with no permission for its group or others.
 * Checked on the opened file, so a rename between check and read changes
 * nothing; a symlink is followed and the file it names is checked. Only a
 * regular file: a pipe (-i /dev/fd/N, keyring add -) or a device holds no
 * key at rest. */
static int check_private(int fd, const char *path, struct err *e)
{
	uid_t me = geteuid();
	long caller = sudo_caller();
	struct passwd *pw;
	struct stat st;
	const char *what;
	char who[300] = "", also[64] = "";
	mode_t m;

	if (fstat(fd, &st) != 0)
		return err_errno(e, ERR_IO, errno, "cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return 0;
	if (st.st_uid != me && st.st_uid != 0 && (long)st.st_uid != caller) {
		pw = getpwuid(st.st_uid);
		if (pw && pw->pw_name)
			snprintf(who, sizeof who, " (%s)", pw->pw_name);
		if (caller >= 0)
			snprintf(also, sizeof also, " or sudo's caller (uid %ld)", caller);
		if (me == 0)
			err_set(e, ERR_NOKEY, "identity file '%s' is owned by uid %u%s, not by root%s: "
				"chown root '%s'", path, (unsigned)st.st_uid, who, also, path);
		else
			err_set(e, ERR_NOKEY, "identity file '%s' is owned by uid %u%s, not by you "
				"(uid %u) or root: use a copy of your own, mode 0600", path,
				(unsigned)st.st_uid, who, (unsigned)me);
		e->sub = IDENTITY_FAIL_EXPOSED;
		return e->code;
	}
	m = st.st_mode & 077;
	if (!m)
		return 0;
	what = m & 004 ? "readable by others"
	       : m & 040 ? "readable by its group"
	       : m & 002 ? "writable by others"
	       : m & 020 ? "writable by its group"
	       : m & 070 ? "executable by its group"
			 : "executable by others";
	err_set(e, ERR_NOKEY, "identity file '%s' is %s (mode 0%o): chmod 600 '%s'", path, what,
		(unsigned)(st.st_mode & 07777), path);
	e->sub = IDENTITY_FAIL_EXPOSED;
	return e->code;
}

/* Read a whole file (at most IDENTITY_FILE_MAX bytes) into out, replacing
 * its content; with private, an identity file (check_private first).
 * ERR_NOTFOUND when it does not exist, else ERR_IO/ERR_INPUT/ERR_NOKEY. */
static int read_capped(const char *path, int private, struct secmem *out, struct err *e)
{
	int fd, rc;

	secmem_clear(out);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_errno(e, errno == ENOENT || errno == ENOTDIR ? ERR_NOTFOUND : ERR_IO,
				 errno, "cannot open '%s'", path);
	rc = private ? check_private(fd, path, e) : 0;
	if (!rc)
		rc = io_read_fd_secret(fd, path, IDENTITY_FILE_MAX, out, e);
	close(fd);
	return rc;
}

/* Load a file's identities into out. *asked is set when the user was
 * prompted (so a failure after it is the user's answer, not the file's). */
/* hints: take public keys from "# public key:" lines (unlocking only; see
 * age_identity_file_parse_hinted). private: see check_private (systemd's
 * credentials are exempt: systemd owns and sets up their files). */
static int load_file(const char *path, struct age_idlist *out, int hints, int private, int *asked,
		     struct err *e)
{
	struct secmem text = { 0 }, plain = { 0 }, pass = { 0 };
	char prompt[300];
	int rc;

	*asked = 0;
	rc = read_capped(path, private, &text, e);
	if (rc)
		goto out;
	if (sshkey_is_private(text.p, text.len)) {
		rc = age_identity_file_parse_ssh(text.p, text.len, out, e);
	} else if (sshkey_looks_public((const char *)text.p, text.len)) {
		rc = err_set(e, ERR_INPUT, "this is an ssh public key: name its private key file "
					   "(without .pub)");
	} else if (age_is_encrypted(text.p, text.len)) {
		struct age_keys k = { 0 };

		snprintf(prompt, sizeof prompt, "passphrase for identity file %s", path);
		if (!tty_available()) {
			rc = err_set(e, ERR_NOKEY,
				     "'%s' is passphrase-protected and there is no terminal to ask on",
				     path);
			goto out;
		}
		*asked = 1;
		rc = tty_read_passphrase(prompt, &pass, e);
		if (rc)
			goto out;
		k.passphrase = pass.p ? pass.p : (const unsigned char *)"";
		k.passphrase_len = pass.len;
		rc = age_decrypt(text.p, text.len, &k, &plain, e);
		if (rc == ERR_NOKEY && !strstr(e->msg, "work factor"))
			rc = err_set(e, ERR_NOKEY, "'%s': wrong passphrase", path);
		else if (rc)
			err_wrap(e, "'%s'", path);
		if (rc)
			goto out;
		rc = hints ? age_identity_file_parse_hinted(plain.p, plain.len, out, e)
			   : age_identity_file_parse(plain.p, plain.len, out, e);
	} else {
		rc = hints ? age_identity_file_parse_hinted(text.p, text.len, out, e)
			   : age_identity_file_parse(text.p, text.len, out, e);
	}
	if (rc)
		err_wrap(e, "'%s'", path);
out:
	secmem_free(&text);
	secmem_free(&plain);
	secmem_free(&pass);
	return rc;
}

int identity_load_file(const char *path, struct age_idlist *out, struct err *e)
{
	int asked;

	return load_file(path, out, 0, 1, &asked, e);
}

int identity_read_passphrase_file(const char *path, struct secmem *out, struct err *e)
{
	struct secmem text = { 0 };
	unsigned char *nl;
	size_t n;
	int rc;

	rc = read_capped(path, 0, &text, e);
	if (rc)
		return rc;
	n = text.len;
	nl = n ? memchr(text.p, '\n', n) : NULL;
	if (nl) {
		n = (size_t)(nl - text.p);
		if (n && text.p[n - 1] == '\r')
			n--;
	}
	secmem_clear(out);
	if (n == 0)
		rc = err_set(e, ERR_INPUT, "'%s': the passphrase (its first line) is empty", path);
	else if (secmem_append(out, text.p, n))
		rc = err_oom(e);
	secmem_free(&text);
	return rc;
}

/* $XDG_CONFIG_HOME (set and absolute, as the XDG spec says), else
 * $HOME/.config, else the passwd entry's home. Appended to out. */
static int config_home(struct buf *out, struct err *e)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (x && x[0] == '/')
		return buf_puts(out, x) ? err_oom(e) : 0;
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
			return err_set(e, ERR_FAIL,
				       "cannot find the config directory: $HOME and $XDG_CONFIG_HOME are unset");
		home = pw->pw_dir;
	}
	return buf_printf(out, "%s/.config", home) ? err_oom(e) : 0;
}

int identity_config_file(const char *rel, struct buf *out, struct err *e)
{
	int rc = config_home(out, e);

	if (rc)
		return rc;
	return buf_printf(out, "/secretctl/%s", rel) ? err_oom(e) : 0;
}

int identity_read_key_file(const char *path, struct secmem *out, struct err *e)
{
	return read_capped(path, 1, out, e);
}

int identity_default_path(struct buf *out, struct err *e)
{
	int rc = config_home(out, e);

	if (rc)
		return rc;
	return buf_puts(out, "/secretctl/identity.txt") ? err_oom(e) : 0;
}

int identity_file_text(const struct age_identity *id, struct secmem *out, struct err *e)
{
	struct secmem key = { 0 };
	char rcpt[AGE_RECIPIENT_MAX], when[64], off[8];
	time_t now = time(NULL);
	struct tm tm;
	long gmtoff;
	int rc;

	/* RFC 3339 in local time, as age-keygen writes it ("Z" at offset 0). */
	if (!localtime_r(&now, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm))
		return err_set(e, ERR_FAIL, "cannot format the time");
	gmtoff = tm.tm_gmtoff;
	if (gmtoff == 0)
		snprintf(off, sizeof off, "Z");
	else
		snprintf(off, sizeof off, "%c%02ld:%02ld", gmtoff < 0 ? '-' : '+',
			 labs(gmtoff) / 3600 % 100, labs(gmtoff) / 60 % 60);
	age_recipient_format(id->public, rcpt);
	rc = age_identity_format(id, &key, e);
	if (rc)
		return rc;
	secmem_clear(out);
	if (secmem_append(out, "# created: ", 11) || secmem_append(out, when, strlen(when)) ||
	    secmem_append(out, off, strlen(off)) || secmem_append(out, "\n# public key: ", 15) ||
	    secmem_append(out, rcpt, strlen(rcpt)) || secmem_append(out, "\n", 1) ||
	    secmem_append(out, key.p, key.len) || secmem_append(out, "\n", 1))
		rc = err_oom(e);
	secmem_free(&key);
	return rc;
}

/* mkdir -p of path's parent, new directories 0700. */
static int make_parents(const char *path, struct err *e)
{
	char *p = strdup(path), *s;
	int rc = 0;

	if (!p)
		return err_oom(e);
	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = err_errno(e, ERR_IO, errno, "cannot create directory '%s'", p);
		*s = '/';
		if (rc)
			break;
	}
	free(p);
	return rc;
}

int identity_create_file(const char *path, struct age_identity *out, struct err *e)
{
	struct secmem text = { 0 };
	int rc;

	rc = make_parents(path, e);
	if (rc)
		return rc;
	age_identity_generate(out);
	rc = identity_file_text(out, &text, e);
	/* O_EXCL|O_NOFOLLOW: never overwrite, never follow a planted symlink;
	 * nothing half-written is left */
	if (!rc && (rc = io_write_new(path, 0600, text.p, text.len, e)) && e->sub == EEXIST)
		err_set(e, ERR_IO, "'%s' already exists", path);
	if (rc)
		sodium_memzero(out, sizeof *out);
	secmem_free(&text);
	return rc;
}

/* ---- unlock ---- */

struct unlock {
	const struct identity_opts *o;
	const struct keyslot *slots;
	size_t n;
	struct secmem *out;
	size_t *which;
	struct buf tried;  /* every place looked at, for ERR_NOKEY */
	struct buf seen;   /* recipients of the identities found */
	size_t n_ids;      /* identities found */
	int opened;
	const char *only;  /* "-i" or "$SECRETCTL_IDENTITY" when named: the only source */
};

static void note(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Add one item to a ", "-separated list (best effort: it only feeds a
 * message). */
static void note(struct buf *b, const char *fmt, ...)
{
	char item[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof item, fmt, ap);
	va_end(ap);
	if (b->len)
		buf_puts(b, ", ");
	buf_puts(b, item);
}

static void tell(const struct unlock *u, enum identity_event ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Tell the caller (o->on_event) what just happened; the library never
 * prints. */
static void tell(const struct unlock *u, enum identity_event ev, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	if (!u->o->on_event)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	u->o->on_event(ev, msg);
}

static void tried(struct unlock *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A key source looked at, and what came of it: one item of the final
 * error's "tried:" list, and told at once as "key source: ITEM". */
static void tried(struct unlock *u, const char *fmt, ...)
{
	char item[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof item, fmt, ap);
	va_end(ap);
	note(&u->tried, "%s", item);
	tell(u, IDENTITY_EVENT_SOURCE, "key source: %s", item);
}

/* Open slot i with keys; a slot that names the identity's recipient but
 * does not open with it has been tampered with: ERR_INTEGRITY. */
static int open_slot(struct unlock *u, size_t i, const struct age_keys *k, const char *label,
		     struct err *e)
{
	const char *who = u->slots[i].recipient ? u->slots[i].recipient : "passphrase";
	int rc;

	secmem_clear(u->out);
	rc = age_decrypt((const unsigned char *)u->slots[i].data_key, u->slots[i].data_key_len, k,
			 u->out, e);
	if (rc) {
		secmem_clear(u->out);
		if (rc == ERR_NOKEY && u->slots[i].recipient)
			return err_set(e, ERR_INTEGRITY,
				       "key slot %zu names %s but does not open with its identity "
				       "(from %s): the store was modified",
				       i + 1, who, label);
		if (rc == ERR_NOKEY)
			return rc;
		return err_wrap(e, "key slot %zu (%s)", i + 1, who);
	}
	*u->which = i;
	u->opened = 1;
	tell(u, IDENTITY_EVENT_OPENED, "key slot %zu (%s) opened with %s", i + 1, who, label);
	return 0;
}

/* The slot naming id's recipient, or u->n. */
static size_t slot_of(const struct unlock *u, const struct age_identity *id, char r[AGE_RECIPIENT_MAX])
{
	size_t j, n;

	age_identity_recipient(id, r);
	n = strlen(r);
	/* an ssh line may go on with a comment */
	for (j = 0; j < u->n; j++)
		if (u->slots[j].recipient && strncmp(u->slots[j].recipient, r, n) == 0 &&
		    (u->slots[j].recipient[n] == '\0' ||
		     (id->kind == AGE_KIND_SSH_ED25519 && u->slots[j].recipient[n] == ' ')))
			break;
	return j;
}

/* Give each identity of l to the slot naming its recipient. An identity
 * whose public key came from its file's "# public key:" line is tried with
 * it first; only a true hint can open a slot (the public key is part of
 * the unwrap's HKDF salt), and on any failure the identity is completed
 * and tried again as if it had had no hint, so a wrong hint costs time,
 * never a different outcome. */
static int try_ids(struct unlock *u, struct age_idlist *l, const char *label, struct err *e)
{
	char r[AGE_RECIPIENT_MAX];
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		struct age_keys k = { &l->v[i], 1, NULL, 0, 0 };

		if (l->v[i].hinted) {
			struct err hint_e = { 0 };

			j = slot_of(u, &l->v[i], r);
			if (j < u->n && open_slot(u, j, &k, label, &hint_e) == 0) {
				u->n_ids++;
				return 0;
			}
			age_identity_complete(&l->v[i]);
		}
		u->n_ids++;
		j = slot_of(u, &l->v[i], r);
		if (j < u->n)
			return open_slot(u, j, &k, label, e);
		note(&u->seen, "%s (%s)", r, label);
		tell(u, IDENTITY_EVENT_SOURCE, "identity %s (%s) matches no key slot", r, label);
	}
	return 0;
}

/* A file named by the user: any failure is an error at once. how says
 * where the name came from ("-i", "$SECRETCTL_IDENTITY"). */
static int try_explicit(struct unlock *u, const char *path, const char *how, struct err *e)
{
	struct age_idlist l = { 0 };
	char label[512];
	int asked, rc;

	snprintf(label, sizeof label, "%s %s", how, path);
	tried(u, "%s", label);
	rc = load_file(path, &l, 1, 1, &asked, e);
	if (!rc)
		rc = try_ids(u, &l, label, e);
	else if (e->sub != IDENTITY_FAIL_EXPOSED) /* that one names the file itself */
		err_wrap(e, "%s", how);
	age_idlist_free(&l);
	return rc;
}

/* A file looked up by default: absent is normal; unreadable or invalid is
 * noted for the final error and the next source is tried. A failure after
 * a prompt (wrong passphrase) ends the search: the user meant this file.
 * So does a file that is not private: skipping it would hide that a key
 * lies open. */
static int try_implicit(struct unlock *u, const char *path, const char *how, int private,
			struct err *e)
{
	struct age_idlist l = { 0 };
	char label[512];
	int asked, rc;

	snprintf(label, sizeof label, "%s%s", how, path);
	rc = load_file(path, &l, 1, private, &asked, e);
	if (rc == ERR_NOTFOUND) {
		tried(u, "%s (absent)", label);
		rc = 0;
	} else if (rc && e->sub == IDENTITY_FAIL_EXPOSED) {
		tried(u, "%s", label);
	} else if (rc && !asked) {
		tried(u, "%s [%s]", label, e->msg);
		rc = 0;
	} else if (rc == 0) {
		tried(u, "%s", label);
		rc = try_ids(u, &l, label, e);
	}
	age_idlist_free(&l);
	return rc;
}

static int has_passphrase_slot(const struct unlock *u)
{
	for (size_t i = 0; i < u->n; i++)
		if (!u->slots[i].recipient)
			return 1;
	return 0;
}

static int try_passphrase(struct unlock *u, struct err *e)
{
	struct secmem pass = { 0 };
	struct age_keys k = { 0 };
	const char *label;
	size_t i;
	int rc;

	for (i = 0; i < u->n && u->slots[i].recipient; i++)
		;
	if (i == u->n) {
		if (u->o->passphrase_file)
			tried(u, "--passphrase-file %s (no passphrase slot to open)",
			      u->o->passphrase_file);
		return 0;
	}
	if (u->o->passphrase_file) {
		label = "--passphrase-file";
		tried(u, "--passphrase-file %s", u->o->passphrase_file);
		rc = identity_read_passphrase_file(u->o->passphrase_file, &pass, e);
	} else if (tty_available()) {
		label = "the passphrase";
		tried(u, "passphrase prompt");
		rc = tty_read_passphrase("passphrase", &pass, e);
	} else {
		tried(u, "passphrase prompt (no terminal; use --passphrase-file)");
		return 0;
	}
	if (rc)
		goto out;
	k.passphrase = pass.p;
	k.passphrase_len = pass.len;
	rc = open_slot(u, i, &k, label, e);
	if (rc == ERR_NOKEY && !strstr(e->msg, "work factor")) {
		if (u->o->passphrase_file)
			rc = err_set(e, ERR_NOKEY, "wrong passphrase (from --passphrase-file %s)",
				     u->o->passphrase_file);
		else
			rc = err_set(e, ERR_NOKEY, "wrong passphrase");
	}
out:
	secmem_free(&pass);
	return rc;
}

/* Step 3: the Secret Service, looked up by each slot's recipient. Never
 * fatal: no bus, no libsecret, no service, a locked item or a timeout is
 * noted for the final error (and said with -v) and the next source is
 * tried. */
static int try_keyring(struct unlock *u, struct err *e)
{
	const char **rcpts;
	struct secmem text = { 0 };
	struct age_idlist l = { 0 };
	struct err ke;
	size_t i, n = 0, which = 0, n_locked = 0;
	int rc;

	rcpts = calloc(u->n ? u->n : 1, sizeof *rcpts);
	if (!rcpts)
		return err_oom(e);
	for (i = 0; i < u->n; i++)
		if (u->slots[i].recipient)
			rcpts[n++] = u->slots[i].recipient;
	if (n == 0) {
		free(rcpts);
		return 0; /* a passphrase-only store: nothing to look up */
	}
	rc = keyring_lookup(rcpts, n, &text, &which, &n_locked, &ke);
	/* the final error gets the gist; what is told gets the detail */
	if (rc == ERR_NOTFOUND && n_locked) {
		note(&u->tried, "the keyring (locked: %zu item%s skipped)", n_locked,
		     n_locked == 1 ? "" : "s");
		tell(u, IDENTITY_EVENT_SOURCE,
		     "keyring: %zu item%s for the store's recipients %s locked, skipped without a "
		     "prompt", n_locked, n_locked == 1 ? "" : "s", n_locked == 1 ? "is" : "are");
	} else if (rc == ERR_NOTFOUND) {
		tried(u, "the keyring (no item for the store's recipients)");
	} else if (rc == ERR_EXTERNAL && ke.sub == KEYRING_FAIL_NO_BUS) {
		note(&u->tried, "the keyring (no session bus)");
		tell(u, IDENTITY_EVENT_SOURCE, "keyring: skipped: %s", ke.msg);
	} else if (rc) {
		note(&u->tried, "the keyring [%s]", ke.msg);
		tell(u, IDENTITY_EVENT_SOURCE, "keyring: skipped: %s", ke.msg);
	}
	if (rc) {
		rc = 0;
		goto out;
	}
	/* an item that is not an identity is noted, like an invalid default
	 * identity file, and the next source is tried */
	if (age_identity_file_parse(text.p, text.len, &l, &ke) != 0) {
		tried(u, "the keyring [the item for %s: %s]", rcpts[which], ke.msg);
		goto out;
	}
	tried(u, "the keyring");
	rc = try_ids(u, &l, "the keyring", e);
out:
	age_idlist_free(&l);
	secmem_free(&text);
	free(rcpts);
	return rc;
}

/* Step 1: -i FILE, else $SECRETCTL_IDENTITY. When either names a file,
 * u->only is set: they are all that is tried (as age's -i), so a backup
 * identity can be tested alone; -i replaces the variable, as a command
 * line replaces a default from the environment. */
static int try_named(struct unlock *u, struct err *e)
{
	const char *env = getenv("SECRETCTL_IDENTITY"), *p;
	struct buf path = { 0 };
	size_t i;
	int rc = 0;

	if (u->o->n_files) {
		u->only = "-i";
		if (env && *env)
			tell(u, IDENTITY_EVENT_SOURCE,
			     "key source: $SECRETCTL_IDENTITY (not read: -i is given)");
		for (i = 0; i < u->o->n_files && !rc && !u->opened; i++)
			rc = try_explicit(u, u->o->files[i], "-i", e);
		return rc;
	}
	if (!env || !*env) {
		tried(u, "$SECRETCTL_IDENTITY (unset)");
		return 0;
	}
	u->only = "$SECRETCTL_IDENTITY";
	for (p = env; *p && !rc && !u->opened;) {
		size_t len = strcspn(p, ":");

		if (len) {
			path.len = 0;
			if (buf_append(&path, p, len))
				rc = err_oom(e);
			else
				rc = try_explicit(u, path.p, "$SECRETCTL_IDENTITY", e);
		}
		p += len + (p[len] == ':');
	}
	buf_free(&path);
	return rc;
}

static int unlock_sources(struct unlock *u, struct err *e)
{
	const char *env;
	struct buf path = { 0 };
	int rc;

	/* 1. -i FILE, else $SECRETCTL_IDENTITY: alone when given; the
	 * passphrase slot, another kind of key, only with --passphrase-file */
	rc = try_named(u, e);
	if (u->only) {
		if (!rc && !u->opened && u->o->passphrase_file)
			rc = try_passphrase(u, e);
		return rc;
	}
	/* 2. systemd credentials */
	env = getenv("CREDENTIALS_DIRECTORY");
	if (!rc && !u->opened && (!env || !*env))
		tried(u, "$CREDENTIALS_DIRECTORY (unset)");
	if (!rc && !u->opened && env && *env) {
		path.len = 0;
		if (buf_printf(&path, "%s/%s", env, IDENTITY_CREDENTIAL))
			rc = err_oom(e);
		else
			rc = try_implicit(u, path.p, "", 0, e);
	}
	/* 3. the Secret Service */
	if (!rc && !u->opened)
		rc = try_keyring(u, e);

	/* 4. identity files */
	if (!rc && !u->opened) {
		path.len = 0;
		rc = identity_default_path(&path, e);
		if (!rc)
			rc = try_implicit(u, path.p, "", 1, e);
	}
	env = getenv("SOPS_AGE_KEY_FILE");
	if (!rc && !u->opened && (!env || !*env))
		tried(u, "$SOPS_AGE_KEY_FILE (unset)");
	if (!rc && !u->opened && env && *env) {
		rc = try_implicit(u, env, "$SOPS_AGE_KEY_FILE ", 1, e);
	}
	if (!rc && !u->opened) {
		path.len = 0;
		rc = config_home(&path, e);
		if (!rc && buf_puts(&path, "/sops/age/keys.txt"))
			rc = err_oom(e);
		/* $SOPS_AGE_KEY_FILE may name this very file: ask once */
		if (!rc && !(env && strcmp(env, path.p) == 0))
			rc = try_implicit(u, path.p, "", 1, e);
	}
	/* the host's ssh key: $SECRETCTL_HOST_KEY, else root's
	 * /etc/ssh/ssh_host_ed25519_key (as agenix) */
	env = getenv("SECRETCTL_HOST_KEY");
	if (!rc && !u->opened && env && *env)
		rc = try_implicit(u, env, "$SECRETCTL_HOST_KEY ", 1, e);
	else if (!rc && !u->opened && !env && geteuid() == 0)
		rc = try_implicit(u, IDENTITY_HOST_KEY, "", 1, e);
	/* 5. the passphrase slot */
	if (!rc && !u->opened)
		rc = try_passphrase(u, e);
	buf_free(&path);
	return rc;
}

/* The end of the no-match message when u->only: why nothing else was
 * tried, and how to add the passphrase slot. */
static const char *only_tail(const struct unlock *u)
{
	if (!u->only)
		return "";
	if (has_passphrase_slot(u) && !u->o->passphrase_file)
		return ", no other key source is tried (add --passphrase-file for the passphrase slot)";
	return ", no other key source is tried";
}

int identity_unlock(const struct identity_opts *o, const struct keyslot *slots, size_t n,
		    struct secmem *out, size_t *which, struct err *e)
{
	struct unlock u = { o, slots, n, out, which, { 0 }, { 0 }, 0, 0, NULL };
	struct buf rcpts = { 0 };
	size_t i;
	int rc;

	if (n == 0)
		return err_set(e, ERR_INPUT, "no key slots to open");
	rc = unlock_sources(&u, e);
	if (!rc && !u.opened) {
		for (i = 0; i < n; i++) {
			if (i)
				buf_puts(&rcpts, ", ");
			buf_puts(&rcpts, slots[i].recipient ? slots[i].recipient : "passphrase");
		}
		if (u.n_ids == 0)
			rc = err_set(e, ERR_NOKEY,
				     "no identity found (tried: %s); make one with 'secretctl keygen' "
				     "or name one with -i",
				     u.tried.p ? u.tried.p : "nothing");
		else
			rc = err_set(e, ERR_NOKEY,
				     "no identity matches a recipient of the store (recipients: %s; "
				     "identities found: %s; tried: %s%s%s%s)",
				     rcpts.p, u.seen.p ? u.seen.p : "none", u.tried.p,
				     u.only ? "; with " : "", u.only ? u.only : "", only_tail(&u));
	}
	if (rc)
		secmem_clear(out);
	buf_free(&u.tried);
	buf_free(&u.seen);
	buf_free(&rcpts);
	return rc;
}
