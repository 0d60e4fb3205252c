/* Unit tests for identity (and tty without a terminal): each key source,
 * their order, matching by recipient, every error with its code and
 * message, identity files. main() detaches from the controlling terminal
 * first, so "no terminal" is what every run sees; prompts are tested
 * through a pty in tests/cli/identity.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "secretctl/age.h"
#include "secretctl/identity.h"
#include "secretctl/tty.h"

static const unsigned char data_key[32] = "0123456789abcdef0123456789abcdef";

struct fx {
	char dir[64];
	struct age_identity id[3];       /* A, B, C */
	char rcpt[3][AGE_RECIPIENT_MAX];
	char file[3][128];               /* plain identity files */
	struct buf age[8];               /* slot files */
	struct keyslot slot[8];
	size_t n;
	struct secmem out;
	struct err e;
	size_t which;
	const char *files[4];
	struct identity_opts o;
};

/* Written with mode 0600: identity files must be private. */
static void put_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fchmod(fileno(f), 0600), 0);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void put_str(const char *path, const char *s)
{
	put_file(path, s, strlen(s));
}

static char *path_in(struct fx *f, const char *name)
{
	static char p[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof p[k], "%s/%s", f->dir, name);
	return p[k];
}

/* The identity file text of id: "AGE-SECRET-KEY-1...\n". */
static void id_line(const struct age_identity *id, struct secmem *m)
{
	struct err e;

	assert_int_equal(age_identity_format(id, m, &e), 0);
	assert_int_equal(secmem_append(m, "\n", 1), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct secmem m = { 0 };
	int i;

	if (!f || secmem_init())
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_identity.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (i = 0; i < 3; i++) {
		char name[16];

		age_identity_generate(&f->id[i]);
		age_recipient_format(f->id[i].public, f->rcpt[i]);
		snprintf(name, sizeof name, "id%c.txt", 'A' + i);
		snprintf(f->file[i], sizeof f->file[i], "%s", path_in(f, name));
		id_line(&f->id[i], &m);
		put_file(f->file[i], m.p, m.len);
	}
	secmem_free(&m);
	setenv("HOME", path_in(f, "home"), 1);
	setenv("XDG_CONFIG_HOME", path_in(f, "config"), 1);
	mkdir(path_in(f, "home"), 0700);
	mkdir(path_in(f, "config"), 0700);
	mkdir(path_in(f, "config/secretctl"), 0700);
	mkdir(path_in(f, "config/sops"), 0700);
	mkdir(path_in(f, "config/sops/age"), 0700);
	unsetenv("SECRETCTL_IDENTITY");
	unsetenv("CREDENTIALS_DIRECTORY");
	unsetenv("SOPS_AGE_KEY_FILE");
	unsetenv("SECRETCTL_HOST_KEY");
	unsetenv("SUDO_UID"); /* it widens who may own an identity file */
	/* never the developer's own keyring (step 3) */
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	unsetenv("XDG_RUNTIME_DIR");
	f->o.files = f->files;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	size_t i;

	for (i = 0; i < f->n; i++)
		buf_free(&f->age[i]);
	secmem_free(&f->out);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Slots: X25519 to identity k (0-2), or the scrypt slot (k = -1). */
static void add_slot(struct fx *f, int k)
{
	struct age_recipients r = { 0 };
	struct err e;

	if (k < 0) {
		r.passphrase = (const unsigned char *)"sesame";
		r.passphrase_len = 6;
		r.log_n = 10;
	} else {
		r.x25519 = (const unsigned char(*)[AGE_KEY_LEN])f->id[k].public;
		r.n_x25519 = 1;
	}
	assert_int_equal(age_encrypt(&r, data_key, sizeof data_key, 1, &f->age[f->n], &e), 0);
	f->slot[f->n] = (struct keyslot){ .recipient = k < 0 ? NULL : f->rcpt[k],
					  .data_key = f->age[f->n].p,
					  .data_key_len = f->age[f->n].len };
	f->n++;
}

static int unlock(struct fx *f)
{
	err_clear(&f->e);
	f->which = 99;
	return identity_unlock(&f->o, f->slot, f->n, &f->out, &f->which, &f->e);
}

/* Unlocks slot `want` (0-based) and gets the data key. */
static void unlock_ok(struct fx *f, size_t want)
{
	int rc = unlock(f);

	if (rc)
		fail_msg("unlock failed (%d): %s", rc, f->e.msg);
	assert_int_equal(f->which, want);
	assert_int_equal(f->out.len, sizeof data_key);
	assert_memory_equal(f->out.p, data_key, sizeof data_key);
}

static void unlock_fails(struct fx *f, int code, const char *frag)
{
	int rc = unlock(f);

	assert_int_equal(rc, code);
	assert_int_equal(f->e.code, code);
	if (frag && !strstr(f->e.msg, frag))
		fail_msg("message '%s' lacks '%s'", f->e.msg, frag);
	assert_int_equal(f->out.len, 0);
}

/* ---- source 1: -i and $SECRETCTL_IDENTITY ---- */

static void test_dash_i(void **state)
{
	struct fx *f = *state;

	add_slot(f, 1);
	add_slot(f, 0);
	f->files[f->o.n_files++] = f->file[0];
	unlock_ok(f, 1);
	/* out is replaced, not appended to */
	unlock_ok(f, 1);
}

static void test_dash_i_order(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	add_slot(f, 1);
	f->files[f->o.n_files++] = f->file[1];
	f->files[f->o.n_files++] = f->file[0];
	unlock_ok(f, 1); /* the first -i that opens a slot wins */
}

static void test_dash_i_missing(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	f->files[f->o.n_files++] = path_in(f, "nope.txt");
	f->files[f->o.n_files++] = f->file[0]; /* not reached: the error is at once */
	unlock_fails(f, ERR_NOTFOUND, "-i: cannot open '");
	assert_non_null(strstr(f->e.msg, "nope.txt': No such file or directory"));
}

static void test_dash_i_invalid(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	put_str(path_in(f, "bad.txt"), "# comment\nAGE-SECRET-KEY-1NOTAKEY\n");
	f->files[f->o.n_files++] = path_in(f, "bad.txt");
	unlock_fails(f, ERR_INPUT, "bad.txt': line 2: invalid age identity");
	/* a directory */
	f->files[0] = f->dir;
	unlock_fails(f, ERR_IO, "-i: cannot read '");
}

/* An earlier source wins and a later one is not even read: the later
 * ones here would each be an error on their own. */
static void test_later_not_read(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	add_slot(f, -1);
	setenv("SECRETCTL_IDENTITY", f->dir, 1); /* a directory: ERR_IO if read */
	f->o.passphrase_file = path_in(f, "missing-pass");
	unlock_fails(f, ERR_IO, "$SECRETCTL_IDENTITY: cannot read '");
	f->files[f->o.n_files++] = f->file[0];
	unlock_ok(f, 0);
	unsetenv("SECRETCTL_IDENTITY");
	f->o.n_files = 0;
	unlock_fails(f, ERR_NOTFOUND, "missing-pass");
}

static void test_env_identity(void **state)
{
	struct fx *f = *state;
	char v[512];

	add_slot(f, 0);
	snprintf(v, sizeof v, ":%s::%s:", f->file[2], f->file[0]);
	setenv("SECRETCTL_IDENTITY", v, 1);
	unlock_ok(f, 0);
	/* -i comes first */
	add_slot(f, 1);
	f->files[f->o.n_files++] = f->file[1];
	unlock_ok(f, 1);
	setenv("SECRETCTL_IDENTITY", path_in(f, "gone.txt"), 1);
	f->o.n_files = 0;
	unlock_fails(f, ERR_NOTFOUND, "$SECRETCTL_IDENTITY: cannot open '");
}

/* -i, else $SECRETCTL_IDENTITY, is the only source when given: a backup
 * identity can be tested alone. Every later source here would open the
 * slot on its own. */
static void test_explicit_exclusive(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };
	char want[1024];

	add_slot(f, 0);
	id_line(&f->id[0], &m);
	put_file(path_in(f, "config/secretctl/identity.txt"), m.p, m.len);
	put_file(path_in(f, "config/sops/age/keys.txt"), m.p, m.len);
	mkdir(path_in(f, "creds"), 0700);
	put_file(path_in(f, "creds/secretctl-identity"), m.p, m.len);
	secmem_free(&m);
	setenv("CREDENTIALS_DIRECTORY", path_in(f, "creds"), 1);
	setenv("SOPS_AGE_KEY_FILE", f->file[0], 1);
	unlock_ok(f, 0); /* control */
	f->files[f->o.n_files++] = f->file[1];
	snprintf(want, sizeof want, "identities found: %s (-i %s); tried: -i %s; with -i, no other "
		 "key source is tried)", f->rcpt[1], f->file[1], f->file[1]);
	unlock_fails(f, ERR_NOKEY, want);
	/* -i replaces $SECRETCTL_IDENTITY */
	setenv("SECRETCTL_IDENTITY", f->file[0], 1);
	unlock_fails(f, ERR_NOKEY, want);
	f->o.n_files = 0;
	unlock_ok(f, 0);
	setenv("SECRETCTL_IDENTITY", f->file[1], 1);
	snprintf(want, sizeof want, "tried: $SECRETCTL_IDENTITY %s; with $SECRETCTL_IDENTITY, no "
		 "other key source is tried)", f->file[1]);
	unlock_fails(f, ERR_NOKEY, want);
	/* the passphrase slot only with --passphrase-file */
	add_slot(f, -1);
	unlock_fails(f, ERR_NOKEY, "no other key source is tried (add --passphrase-file for the "
				   "passphrase slot))");
	put_str(path_in(f, "pass"), "sesame\n");
	f->o.passphrase_file = path_in(f, "pass");
	unlock_ok(f, 1);
	unsetenv("SECRETCTL_IDENTITY");
}

/* ---- source 2: $CREDENTIALS_DIRECTORY ---- */

static void test_credentials(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };

	add_slot(f, 0);
	add_slot(f, 1);
	mkdir(path_in(f, "creds"), 0700);
	setenv("CREDENTIALS_DIRECTORY", path_in(f, "creds"), 1);
	/* absent credential: on to the identity files */
	unlock_fails(f, ERR_NOKEY, "no identity found");
	assert_non_null(strstr(f->e.msg, "creds/secretctl-identity (absent)"));
	id_line(&f->id[1], &m);
	put_file(path_in(f, "creds/secretctl-identity"), m.p, m.len);
	secmem_free(&m);
	unlock_ok(f, 1);
	/* $SECRETCTL_IDENTITY comes first */
	setenv("SECRETCTL_IDENTITY", f->file[0], 1);
	unlock_ok(f, 0);
	/* and the credential before the identity files */
	unsetenv("SECRETCTL_IDENTITY");
	put_file(path_in(f, "config/secretctl/identity.txt"), "", 0);
	{
		struct secmem a = { 0 };

		id_line(&f->id[0], &a);
		put_file(path_in(f, "config/secretctl/identity.txt"), a.p, a.len);
		secmem_free(&a);
	}
	unlock_ok(f, 1);
}

/* ---- source 4: identity files ---- */

static void test_default_files(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };

	add_slot(f, 1);
	add_slot(f, 0);
	/* sops default */
	id_line(&f->id[0], &m);
	put_file(path_in(f, "config/sops/age/keys.txt"), m.p, m.len);
	unlock_ok(f, 1);
	/* $SOPS_AGE_KEY_FILE before it */
	setenv("SOPS_AGE_KEY_FILE", f->file[1], 1);
	unlock_ok(f, 0);
	/* secretctl's own file before both */
	put_file(path_in(f, "config/secretctl/identity.txt"), m.p, m.len);
	unlock_ok(f, 1);
	secmem_free(&m);
	/* a non-matching identity there: the search goes on */
	put_str(path_in(f, "config/secretctl/identity.txt"), "");
	{
		struct secmem c = { 0 };

		id_line(&f->id[2], &c);
		put_file(path_in(f, "config/secretctl/identity.txt"), c.p, c.len);
		secmem_free(&c);
	}
	unlock_ok(f, 0);
}

/* A default file that exists but cannot be used is noted, not fatal. */
static void test_default_unusable(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };

	add_slot(f, 0);
	mkdir(path_in(f, "config/secretctl/identity.txt"), 0700);
	put_str(path_in(f, "junk"), "not a key\n");
	setenv("SOPS_AGE_KEY_FILE", path_in(f, "junk"), 1);
	unlock_fails(f, ERR_NOKEY, "no identity found");
	assert_non_null(strstr(f->e.msg, "identity.txt [cannot read '"));
	assert_non_null(strstr(f->e.msg, "Is a directory]"));
	assert_non_null(strstr(f->e.msg, "$SOPS_AGE_KEY_FILE "));
	assert_non_null(strstr(f->e.msg, "junk ['"));
	id_line(&f->id[0], &m);
	put_file(path_in(f, "config/sops/age/keys.txt"), m.p, m.len);
	secmem_free(&m);
	unlock_ok(f, 0);
}

/* A passphrase-encrypted identity file without a terminal. */
static void test_encrypted_identity_no_tty(void **state)
{
	struct fx *f = *state;
	struct age_recipients r = { 0 };
	struct secmem m = { 0 };
	struct buf enc = { 0 };
	struct age_idlist l = { 0 };
	struct err e;

	add_slot(f, 0);
	id_line(&f->id[0], &m);
	r.passphrase = (const unsigned char *)"pw";
	r.passphrase_len = 2;
	r.log_n = 10;
	assert_int_equal(age_encrypt(&r, m.p, m.len, 1, &enc, &e), 0);
	put_file(path_in(f, "enc.age"), enc.p, enc.len);
	assert_int_equal(identity_load_file(path_in(f, "enc.age"), &l, &e), ERR_NOKEY);
	assert_non_null(strstr(e.msg, "enc.age' is passphrase-protected and there is no terminal"));
	f->files[f->o.n_files++] = path_in(f, "enc.age");
	unlock_fails(f, ERR_NOKEY, "is passphrase-protected and there is no terminal to ask on");
	/* as a default file it is noted and the next source tried */
	f->o.n_files = 0;
	put_file(path_in(f, "config/secretctl/identity.txt"), enc.p, enc.len);
	put_file(path_in(f, "config/sops/age/keys.txt"), m.p, m.len);
	unlock_ok(f, 0);
	secmem_free(&m);
	buf_free(&enc);
}

/* Identity files readable or writable by group or others, or owned by
 * another user than us or root, are refused (ERR_NOKEY), as OpenSSH
 * refuses such private keys; a default file too, not skipped. */
static void test_private_files(void **state)
{
	static const struct {
		mode_t mode;
		const char *what;
	} bad[] = {
		{ 0644, "readable by others" },  { 0604, "readable by others" },
		{ 0640, "readable by its group" }, { 0620, "writable by its group" },
		{ 0602, "writable by others" },  { 0610, "executable by its group" },
		{ 0601, "executable by others" },      { 0666, "readable by others" },
	};
	struct fx *f = *state;
	struct age_idlist l = { 0 };
	struct secmem m = { 0 };
	struct err e;
	char want[1024];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(chmod(f->file[0], bad[i].mode), 0);
		assert_int_equal(identity_load_file(f->file[0], &l, &e), ERR_NOKEY);
		snprintf(want, sizeof want, "identity file '%s' is %s (mode 0%o): chmod 600 '%s'",
			 f->file[0], bad[i].what, (unsigned)bad[i].mode, f->file[0]);
		assert_string_equal(e.msg, want);
		assert_int_equal(l.n, 0);
	}
	assert_int_equal(chmod(f->file[0], 0400), 0);
	assert_int_equal(identity_load_file(f->file[0], &l, &e), 0);
	age_idlist_free(&l);
	if (geteuid() == 0) {
		assert_int_equal(chmod(f->file[0], 0600), 0);
		assert_int_equal(chown(f->file[0], 65534, (gid_t)-1), 0);
		assert_int_equal(identity_load_file(f->file[0], &l, &e), ERR_NOKEY);
		snprintf(want, sizeof want, "identity file '%s' is owned by uid 65534", f->file[0]);
		assert_non_null(strstr(e.msg, want));
		assert_non_null(strstr(e.msg, ", not by root: chown root '"));
		/* root under sudo: sudo's caller owns its identity files */
		setenv("SUDO_UID", "65534", 1);
		assert_int_equal(identity_load_file(f->file[0], &l, &e), 0);
		age_idlist_free(&l);
		setenv("SUDO_UID", "65533", 1);
		assert_int_equal(identity_load_file(f->file[0], &l, &e), ERR_NOKEY);
		assert_non_null(strstr(e.msg, ", not by root or sudo's caller (uid 65533): chown root"));
		setenv("SUDO_UID", "65534x", 1);
		assert_int_equal(identity_load_file(f->file[0], &l, &e), ERR_NOKEY);
		unsetenv("SUDO_UID");
		assert_int_equal(chown(f->file[0], 0, (gid_t)-1), 0);
	}

	/* in the key sources: -i, $SECRETCTL_IDENTITY, the default files */
	add_slot(f, 0);
	assert_int_equal(chmod(f->file[0], 0640), 0);
	f->files[f->o.n_files++] = f->file[0];
	unlock_fails(f, ERR_NOKEY, "is readable by its group (mode 0640): chmod 600 '");
	f->o.n_files = 0;
	setenv("SECRETCTL_IDENTITY", f->file[0], 1);
	unlock_fails(f, ERR_NOKEY, "is readable by its group (mode 0640): chmod 600 '");
	unsetenv("SECRETCTL_IDENTITY");
	id_line(&f->id[0], &m);
	put_file(path_in(f, "config/sops/age/keys.txt"), m.p, m.len);
	unlock_ok(f, 0); /* control: sops' file opens the slot */
	put_file(path_in(f, "config/secretctl/identity.txt"), m.p, m.len);
	assert_int_equal(chmod(path_in(f, "config/secretctl/identity.txt"), 0644), 0);
	snprintf(want, sizeof want, "identity file '%s' is readable by others (mode 0644): chmod 600 '%s'",
		 path_in(f, "config/secretctl/identity.txt"), path_in(f, "config/secretctl/identity.txt"));
	unlock_fails(f, ERR_NOKEY, want);
	assert_string_equal(f->e.msg, want); /* the whole message: no "no identity found" */
	unlink(path_in(f, "config/secretctl/identity.txt"));
	setenv("SOPS_AGE_KEY_FILE", f->file[0], 1);
	unlock_fails(f, ERR_NOKEY, "is readable by its group (mode 0640)");
	unsetenv("SOPS_AGE_KEY_FILE");
	assert_int_equal(chmod(path_in(f, "config/sops/age/keys.txt"), 0660), 0);
	unlock_fails(f, ERR_NOKEY, "keys.txt' is readable by its group (mode 0660)");
	unlink(path_in(f, "config/sops/age/keys.txt"));
	/* $CREDENTIALS_DIRECTORY is systemd's: exempt */
	mkdir(path_in(f, "creds"), 0755);
	put_file(path_in(f, "creds/secretctl-identity"), m.p, m.len);
	assert_int_equal(chmod(path_in(f, "creds/secretctl-identity"), 0644), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(path_in(f, "creds/secretctl-identity"), 65534, (gid_t)-1), 0);
	setenv("CREDENTIALS_DIRECTORY", path_in(f, "creds"), 1);
	unlock_ok(f, 0);
	unsetenv("CREDENTIALS_DIRECTORY");
	secmem_free(&m);
}

/* ---- source 5: the scrypt slot ---- */

static void test_passphrase_file(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	add_slot(f, -1);
	put_str(path_in(f, "pass"), "sesame\nsecond line ignored\n");
	f->o.passphrase_file = path_in(f, "pass");
	unlock_ok(f, 1);
	put_str(path_in(f, "pass"), "sesame\r\n");
	unlock_ok(f, 1);
	put_str(path_in(f, "pass"), "sesame");
	unlock_ok(f, 1);
	put_str(path_in(f, "pass"), "sesame \n");
	unlock_fails(f, ERR_NOKEY, "wrong passphrase (from --passphrase-file ");
	put_str(path_in(f, "pass"), "\nsesame\n");
	unlock_fails(f, ERR_INPUT, "the passphrase (its first line) is empty");
	/* an identity that matches comes first: the file is not read */
	f->files[f->o.n_files++] = f->file[0];
	unlock_ok(f, 0);
}

static void test_passphrase_no_slot(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	put_str(path_in(f, "pass"), "sesame\n");
	f->o.passphrase_file = path_in(f, "pass");
	unlock_fails(f, ERR_NOKEY, "no identity found");
	assert_non_null(strstr(f->e.msg, "pass (no passphrase slot to open)"));
}

static void test_passphrase_no_tty(void **state)
{
	struct fx *f = *state;

	add_slot(f, -1);
	assert_int_equal(tty_available(), 0);
	unlock_fails(f, ERR_NOKEY, "passphrase prompt (no terminal; use --passphrase-file)");
}

/* ---- matching and errors ---- */

static void test_no_identity_lists_places(void **state)
{
	struct fx *f = *state;
	char want[1024];

	add_slot(f, 0);
	unlock_fails(f, ERR_NOKEY, "no identity found (tried: $SECRETCTL_IDENTITY (unset), "
				   "$CREDENTIALS_DIRECTORY (unset), the keyring (no session bus), ");
	snprintf(want, sizeof want, "%s/config/secretctl/identity.txt (absent), $SOPS_AGE_KEY_FILE "
		 "(unset), %s/config/sops/age/keys.txt (absent)%s); make one with 'secretctl keygen' "
		 "or name one with -i", f->dir, f->dir,
		 geteuid() == 0 ? ", " IDENTITY_HOST_KEY " (absent)" : "");
	if (!strstr(f->e.msg, want))
		fail_msg("'%s' lacks '%s'", f->e.msg, want);
}

/* The host's ssh key: $SECRETCTL_HOST_KEY (root's default is
 * /etc/ssh/ssh_host_ed25519_key), after the identity files. The key is
 * tests/data/ssh/ed25519. */
static void test_host_key(void **state)
{
	static const char key[] =
		"-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		"QyNTUxOQAAACAuIiEdNoTFVn9mg3BilxZ6f9WU/DTdYE84/TrzdtZQBgAAAJhZfkxBWX5M\n"
		"QQAAAAtzc2gtZWQyNTUxOQAAACAuIiEdNoTFVn9mg3BilxZ6f9WU/DTdYE84/TrzdtZQBg\n"
		"AAAECEMG1p7VEhAQd5YbXyVPS1woLQX5OuH9JLXBcyYnfpPS4iIR02hMVWf2aDcGKXFnp/\n"
		"1ZT8NN1gTzj9OvN21lAGAAAAEWZpeHR1cmVAc2VjcmV0Y3RsAQIDBA==\n"
		"-----END OPENSSH PRIVATE KEY-----\n";
	static const char line[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4iIR02hMVWf2aDcGKXFnp/"
				   "1ZT8NN1gTzj9OvN21lAG fixture@secretctl";
	struct fx *f = *state;
	struct age_recipients r = { 0 };
	struct age_rcpt rc_;
	struct err e;

	assert_int_equal(age_rcpt_parse(line, strlen(line), &rc_, &e), 0);
	r.ssh_ed25519 = (const unsigned char(*)[AGE_KEY_LEN])rc_.key;
	r.n_ssh_ed25519 = 1;
	assert_int_equal(age_encrypt(&r, data_key, sizeof data_key, 1, &f->age[f->n], &e), 0);
	f->slot[f->n] = (struct keyslot){ .recipient = (char *)line, .data_key = f->age[f->n].p,
					  .data_key_len = f->age[f->n].len };
	f->n++;
	put_str(path_in(f, "host_key"), key);
	setenv("SECRETCTL_HOST_KEY", path_in(f, "host_key"), 1);
	unlock_ok(f, 0);
	/* as -i too */
	unsetenv("SECRETCTL_HOST_KEY");
	f->files[f->o.n_files++] = path_in(f, "host_key");
	unlock_ok(f, 0);
	f->o.n_files = 0;
	/* empty: no host key, not even root's */
	setenv("SECRETCTL_HOST_KEY", "", 1);
	unlock_fails(f, ERR_NOKEY, "no identity found");
	assert_null(strstr(f->e.msg, "ssh_host"));
	/* a host key readable by others is refused, as any identity file */
	setenv("SECRETCTL_HOST_KEY", path_in(f, "host_key"), 1);
	assert_int_equal(chmod(path_in(f, "host_key"), 0644), 0);
	unlock_fails(f, ERR_NOKEY, "is readable by others (mode 0644)");
	assert_int_equal(chmod(path_in(f, "host_key"), 0600), 0);
	/* its public half given as an identity: said so */
	put_str(path_in(f, "host_key"), line);
	unlock_fails(f, ERR_NOKEY, "this is an ssh public key: name its private key file");
	unsetenv("SECRETCTL_HOST_KEY");
}

static void test_no_match_lists_recipients(void **state)
{
	struct fx *f = *state;
	char want[1024];

	add_slot(f, 0);
	add_slot(f, -1);
	add_slot(f, 1);
	f->files[f->o.n_files++] = f->file[2];
	snprintf(want, sizeof want, "no identity matches a recipient of the store (recipients: %s, "
		 "passphrase, %s; identities found: %s (-i %s); tried: -i %s",
		 f->rcpt[0], f->rcpt[1], f->rcpt[2], f->file[2], f->file[2]);
	unlock_fails(f, ERR_NOKEY, want);
}

/* A slot that no identity names is never decrypted: garbage there does
 * not matter. */
static void test_match_without_trial(void **state)
{
	struct fx *f = *state;

	add_slot(f, 0);
	f->slot[f->n++] = (struct keyslot){ .recipient = f->rcpt[2], .data_key = "junk",
					    .data_key_len = 4 };
	add_slot(f, 1);
	f->files[f->o.n_files++] = f->file[1];
	unlock_ok(f, 2);
	/* ...but the one that is named is, and its junk is reported */
	f->files[0] = f->file[2];
	unlock_fails(f, ERR_INPUT, "key slot 2 (");
}

static void test_multi_key_file(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };

	add_slot(f, 0);
	put_str(path_in(f, "multi"), "");
	assert_int_equal(secmem_append(&m, "# two keys\r\n\r\n", 14), 0);
	{
		struct secmem a = { 0 }, c = { 0 };

		id_line(&f->id[2], &c);
		id_line(&f->id[0], &a);
		assert_int_equal(secmem_append(&m, c.p, c.len), 0);
		assert_int_equal(secmem_append(&m, a.p, a.len), 0);
		secmem_free(&a);
		secmem_free(&c);
	}
	put_file(path_in(f, "multi"), m.p, m.len);
	secmem_free(&m);
	f->files[f->o.n_files++] = path_in(f, "multi");
	unlock_ok(f, 0);
}

static void test_integrity(void **state)
{
	struct fx *f = *state;
	struct age_recipients r = { 0 };
	struct err e;
	char want[1024];

	/* a slot naming A, encrypted to B */
	r.x25519 = (const unsigned char(*)[AGE_KEY_LEN])f->id[1].public;
	r.n_x25519 = 1;
	assert_int_equal(age_encrypt(&r, data_key, sizeof data_key, 1, &f->age[0], &e), 0);
	f->slot[0] = (struct keyslot){ .recipient = f->rcpt[0], .data_key = f->age[0].p,
				       .data_key_len = f->age[0].len };
	f->n = 1;
	f->files[f->o.n_files++] = f->file[0];
	snprintf(want, sizeof want, "key slot 1 names %s but does not open with its identity "
		 "(from -i %s): the store was modified", f->rcpt[0], f->file[0]);
	unlock_fails(f, ERR_INTEGRITY, want);
	/* a slot for A with a flipped payload byte (binary age file) */
	r.x25519 = (const unsigned char(*)[AGE_KEY_LEN])f->id[0].public;
	assert_int_equal(age_encrypt(&r, data_key, sizeof data_key, 0, &f->age[1], &e), 0);
	f->age[1].p[f->age[1].len - 1] ^= 1;
	f->slot[0] = (struct keyslot){ .recipient = f->rcpt[0], .data_key = f->age[1].p,
				       .data_key_len = f->age[1].len };
	snprintf(want, sizeof want, "key slot 1 (%s): ", f->rcpt[0]);
	unlock_fails(f, ERR_INTEGRITY, want);
	f->n = 2; /* so teardown frees both files */
}

static void test_no_slots(void **state)
{
	struct fx *f = *state;

	unlock_fails(f, ERR_INPUT, "no key slots");
}

/* ---- events: what identity_unlock tells (it never prints) ---- */

static char events[4096];
static int n_opened;

static void record(enum identity_event ev, const char *msg)
{
	size_t n = strlen(events);

	assert_null(strchr(msg, '\n'));
	if (ev == IDENTITY_EVENT_OPENED)
		n_opened++;
	snprintf(events + n, sizeof events - n, "%c %s\n", ev == IDENTITY_EVENT_OPENED ? 'O' : 'S',
		 msg);
}

static void test_events(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };
	char want[2048];

	add_slot(f, 0);
	f->o.on_event = record;
	id_line(&f->id[2], &m);
	put_file(path_in(f, "config/secretctl/identity.txt"), m.p, m.len);
	secmem_free(&m);
	setenv("SOPS_AGE_KEY_FILE", f->file[0], 1);
	events[0] = '\0';
	n_opened = 0;
	unlock_ok(f, 0);
	snprintf(want, sizeof want,
		 "S key source: $SECRETCTL_IDENTITY (unset)\n"
		 "S key source: $CREDENTIALS_DIRECTORY (unset)\n"
		 "S keyring: skipped: no session bus: ");
	if (strncmp(events, want, strlen(want)))
		fail_msg("events:\n%s\nwant them to start with:\n%s", events, want);
	snprintf(want, sizeof want,
		 "S key source: %s/config/secretctl/identity.txt\n"
		 "S identity %s (%s/config/secretctl/identity.txt) matches no key slot\n"
		 "S key source: $SOPS_AGE_KEY_FILE %s\n"
		 "O key slot 1 (%s) opened with $SOPS_AGE_KEY_FILE %s\n",
		 f->dir, f->rcpt[2], f->dir, f->file[0], f->rcpt[0], f->file[0]);
	if (!strstr(events, want) || strcmp(events + strlen(events) - strlen(want), want))
		fail_msg("events:\n%s\nwant them to end with:\n%s", events, want);
	assert_int_equal(n_opened, 1);
	/* a failure: no OPENED event, and the keyring's gist is in the error */
	unsetenv("SOPS_AGE_KEY_FILE");
	events[0] = '\0';
	n_opened = 0;
	unlock_fails(f, ERR_NOKEY, "the keyring (no session bus)");
	assert_int_equal(n_opened, 0);
	assert_non_null(strstr(events, "S keyring: skipped: no session bus: "));
	/* -i given and $SECRETCTL_IDENTITY set: it says the variable is not read */
	setenv("SECRETCTL_IDENTITY", f->file[1], 1);
	f->files[f->o.n_files++] = f->file[0];
	events[0] = '\0';
	unlock_ok(f, 0);
	snprintf(want, sizeof want,
		 "S key source: $SECRETCTL_IDENTITY (not read: -i is given)\n"
		 "S key source: -i %s\n"
		 "O key slot 1 (%s) opened with -i %s\n",
		 f->file[0], f->rcpt[0], f->file[0]);
	assert_string_equal(events, want);
	unsetenv("SECRETCTL_IDENTITY");
}

/* ---- files ---- */

static void test_default_path(void **state)
{
	struct fx *f = *state;
	struct buf p = { 0 };
	struct err e;
	char want[1024];

	assert_int_equal(identity_default_path(&p, &e), 0);
	snprintf(want, sizeof want, "%s/config/secretctl/identity.txt", f->dir);
	assert_string_equal(p.p, want);
	p.len = 0;
	setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
	assert_int_equal(identity_default_path(&p, &e), 0);
	snprintf(want, sizeof want, "%s/home/.config/secretctl/identity.txt", f->dir);
	assert_string_equal(p.p, want);
	p.len = 0;
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(identity_default_path(&p, &e), 0);
	assert_string_equal(p.p, want);
	buf_free(&p);
}

static void test_file_text(void **state)
{
	struct fx *f = *state;
	struct secmem t = { 0 };
	struct age_idlist l = { 0 };
	struct err e;
	char want[160];
	const char *s;

	assert_int_equal(identity_file_text(&f->id[0], &t, &e), 0);
	s = (const char *)t.p;
	assert_int_equal(strncmp(s, "# created: ", 11), 0);
	/* 2006-01-02T15:04:05 then Z or +hh:mm */
	assert_true(s[15] == '-' && s[18] == '-' && s[21] == 'T' && s[24] == ':' && s[27] == ':');
	assert_true(s[30] == 'Z' || ((s[30] == '+' || s[30] == '-') && s[33] == ':'));
	snprintf(want, sizeof want, "\n# public key: %s\nAGE-SECRET-KEY-1", f->rcpt[0]);
	assert_non_null(strstr(s, want));
	assert_int_equal(s[t.len - 1], '\n');
	assert_int_equal(age_identity_file_parse(t.p, t.len, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.v[0].secret, f->id[0].secret, AGE_KEY_LEN);
	age_idlist_free(&l);
	secmem_free(&t);
}

static void test_create_file(void **state)
{
	struct fx *f = *state;
	struct age_identity *id = secmem_alloc(sizeof *id);
	struct age_idlist l = { 0 };
	struct err e;
	struct stat st;
	char *p = path_in(f, "new/deeper/id.txt");

	umask(022);
	assert_int_equal(identity_create_file(p, id, &e), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(path_in(f, "new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path_in(f, "new/deeper"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(identity_load_file(p, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.v[0].public, id->public, AGE_KEY_LEN);
	age_idlist_free(&l);
	/* never overwrites */
	assert_int_equal(identity_create_file(p, id, &e), ERR_IO);
	assert_string_equal(strstr(e.msg, "' already exists"), "' already exists");
	/* nor follows a symlink, even a dangling one */
	assert_int_equal(symlink(path_in(f, "target"), path_in(f, "link")), 0);
	assert_int_equal(identity_create_file(path_in(f, "link"), id, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "already exists"));
	assert_int_equal(access(path_in(f, "target"), F_OK), -1);
	/* a parent that is a file */
	assert_int_equal(identity_create_file(path_in(f, "idA.txt/x"), id, &e), ERR_IO);
	secmem_release(id);
}

static void test_load_file(void **state)
{
	struct fx *f = *state;
	struct age_idlist l = { 0 };
	struct err e;
	char *big;

	assert_int_equal(identity_load_file(f->file[1], &l, &e), 0);
	assert_int_equal(identity_load_file(f->file[0], &l, &e), 0); /* appends */
	assert_int_equal(l.n, 2);
	assert_memory_equal(l.v[1].public, f->id[0].public, AGE_KEY_LEN);
	age_idlist_free(&l);
	assert_int_equal(identity_load_file(path_in(f, "none"), &l, &e), ERR_NOTFOUND);
	put_str(path_in(f, "empty"), "# nothing\n\n");
	assert_int_equal(identity_load_file(path_in(f, "empty"), &l, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "empty': no age identity found"));
	put_str(path_in(f, "pub"), "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n");
	assert_int_equal(identity_load_file(path_in(f, "pub"), &l, &e), ERR_INPUT);
	/* size cap */
	big = malloc(IDENTITY_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '#', IDENTITY_FILE_MAX + 1);
	put_file(path_in(f, "big"), big, IDENTITY_FILE_MAX + 1);
	assert_int_equal(identity_load_file(path_in(f, "big"), &l, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "is larger than 1048576 bytes"));
	free(big);
	assert_int_equal(l.n, 0);
}

static void test_passphrase_file_read(void **state)
{
	struct fx *f = *state;
	struct secmem m = { 0 };
	struct err e;

	assert_int_equal(secmem_append(&m, "old", 3), 0);
	put_str(path_in(f, "p"), "one two\r\nthree\n");
	assert_int_equal(identity_read_passphrase_file(path_in(f, "p"), &m, &e), 0);
	assert_int_equal(m.len, 7);
	assert_memory_equal(m.p, "one two", 7);
	put_str(path_in(f, "p"), "no newline");
	assert_int_equal(identity_read_passphrase_file(path_in(f, "p"), &m, &e), 0);
	assert_string_equal((char *)m.p, "no newline");
	put_str(path_in(f, "p"), "");
	assert_int_equal(identity_read_passphrase_file(path_in(f, "p"), &m, &e), ERR_INPUT);
	assert_int_equal(m.len, 0);
	put_str(path_in(f, "p"), "\r\n");
	assert_int_equal(identity_read_passphrase_file(path_in(f, "p"), &m, &e), ERR_INPUT);
	assert_int_equal(identity_read_passphrase_file(path_in(f, "q"), &m, &e), ERR_NOTFOUND);
	secmem_free(&m);
}

static void test_tty_none(void **state)
{
	struct secmem m = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(tty_available(), 0);
	assert_int_equal(secmem_append(&m, "old", 3), 0);
	assert_int_equal(tty_read_passphrase("store passphrase", &m, &e), ERR_NOKEY);
	assert_string_equal(e.msg, "cannot ask for the store passphrase: no terminal");
	assert_int_equal(tty_read_new_passphrase("store passphrase", &m, &e), ERR_NOKEY);
	secmem_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_dash_i),
		T(test_dash_i_order),
		T(test_dash_i_missing),
		T(test_dash_i_invalid),
		T(test_later_not_read),
		T(test_env_identity),
		T(test_explicit_exclusive),
		T(test_credentials),
		T(test_default_files),
		T(test_default_unusable),
		T(test_encrypted_identity_no_tty),
		T(test_private_files),
		T(test_passphrase_file),
		T(test_passphrase_no_slot),
		T(test_passphrase_no_tty),
		T(test_no_identity_lists_places),
		T(test_host_key),
		T(test_no_match_lists_recipients),
		T(test_match_without_trial),
		T(test_multi_key_file),
		T(test_integrity),
		T(test_no_slots),
		T(test_events),
		T(test_default_path),
		T(test_file_text),
		T(test_create_file),
		T(test_load_file),
		T(test_passphrase_file_read),
		T(test_tty_none),
#undef T
	};
	pid_t pid;
	int status;

	/* No controlling terminal, whoever runs this: a session leader of a
	 * new session has none until it opens one (and O_NOCTTY prevents that). */
	if (setsid() < 0) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			if (waitpid(pid, &status, 0) < 0)
				return 1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		}
		if (setsid() < 0)
			return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
