/* What the store commands share: opening with the key sources, and the
 * re-encrypt-and-save step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secretctl/age.h"
#include "secretctl/io.h"
#include "secretctl/pdriver.h"
#include "secretctl/tty.h"

#include "stores.h"

/* -v: the one line saying which key source opened the store. */
static void say_opened(enum identity_event ev, const char *msg)
{
	if (ev == IDENTITY_EVENT_OPENED)
		cli_note("%s", msg);
}

/* -vv: every key source looked at, as it is. */
static void say_key_event(enum identity_event ev, const char *msg)
{
	(void)ev;
	cli_note("%s", msg);
}

void cli_identity_opts(const struct cli_args *a, struct identity_opts *io)
{
	int v = a->opt[CLI_OPT_VERBOSE].count;

	*io = (struct identity_opts){ 0 };
	io->files = a->opt[CLI_OPT_IDENTITY].values;
	io->n_files = (size_t)a->opt[CLI_OPT_IDENTITY].count;
	io->passphrase_file = a->opt[CLI_OPT_PASSFILE].value;
	/* Not -v's notes about sources that were not needed (a keyring
	 * without a session bus): ExecStartPre= lines with -v would repeat
	 * them in the journal on every start. When nothing opens the store,
	 * the error lists each source and why it did not work. */
	io->on_event = v >= 2 ? say_key_event : v == 1 ? say_opened : NULL;
}

static void say_waiting(const char *path)
{
	cli_note("waiting for another secretctl to finish with '%s'...", path);
}

int cli_store_open(const char *path, const struct cli_args *a, unsigned flags, struct store *s,
		   struct secmem *plain)
{
	struct store_open o = { .lock = (flags & CLI_OPEN_LOCK) != 0,
				.no_wait = a->opt[CLI_OPT_NOWAIT].count > 0,
				.on_wait = say_waiting,
				.allow_v1 = (flags & CLI_OPEN_V1) != 0 };
	struct identity_opts io;
	struct err e;

	cli_identity_opts(a, &io);
	if (store_load(path, &o, s, &e) || cli_store_unlock(s, &io, &e) ||
	    (plain && store_decrypt(s, plain, NULL, &e)))
		return cli_fail(&e);
	return (flags & CLI_OPEN_LOCK) ? cli_store_signing(a, s) : 0;
}

static struct sshsig_signer signer;
static int signer_loaded;

static void signer_free(void)
{
	sshsig_signer_free(&signer);
}

int cli_store_signing(const struct cli_args *a, struct store *s)
{
	const char *f = a->opt[CLI_OPT_SIGNWITH].value, *how = "--sign-with";
	struct secmem text = { 0 };
	struct err e;
	int rc;

	s->drop_signatures = a->opt[CLI_OPT_DROPSIGS].count > 0;
	if (!f) {
		f = getenv("SECRETCTL_SIGNING_KEY");
		how = "$SECRETCTL_SIGNING_KEY";
	}
	if (!f || !*f)
		return 0;
	if (s->drop_signatures)
		return cli_error(ERR_USAGE, "--drop-signatures and a signing key (%s) exclude each "
				 "other", how);
	if (!signer_loaded) {
		/* a .pub is public; a private key file must be private */
		rc = io_read_file_secret(f, IDENTITY_FILE_MAX, &text, &e);
		if (!rc && sshkey_is_private(text.p, text.len))
			rc = identity_read_key_file(f, &text, &e);
		if (!rc)
			rc = sshsig_signer_init(&signer, text.p, text.len, f, &e);
		secmem_free(&text);
		if (rc) {
			if (e.sub != IDENTITY_FAIL_EXPOSED)
				err_wrap(&e, "%s", how);
			return cli_fail(&e);
		}
		signer_loaded = 1;
		atexit(signer_free);
	}
	s->signer = &signer;
	return 0;
}

int cli_store_check_signers(const struct store *s, struct err *e)
{
	const char *env = getenv("SECRETCTL_ALLOWED_SIGNERS");
	struct sshsig_allowed al = { 0 };
	struct buf path = { 0 }, text = { 0 };
	int rc = 0;

	if (env) {
		if (*env && buf_puts(&path, env))
			rc = err_oom(e);
	} else if (pdriver_host_root()) {
		/* uid 0 of a user namespace (rootless podman's driver) is a
		 * user: the user's file, as its state directory is */
		if (buf_puts(&path, "/etc/secretctl/allowed_signers"))
			rc = err_oom(e);
	} else {
		rc = identity_config_file("allowed_signers", &path, e);
	}
	/* a default file that does not exist pins nothing; one named by the
	 * variable must be there (fail closed) */
	if (!rc && path.p && (env || access(path.p, F_OK) == 0)) {
		rc = io_read_file(path.p, IDENTITY_FILE_MAX, &text, e);
		if (rc && env)
			err_wrap(e, "$SECRETCTL_ALLOWED_SIGNERS");
		if (!rc)
			rc = sshsig_allowed_parse(text.p ? text.p : "", text.len, path.p, &al, e);
		if (!rc)
			rc = store_check_signatures(s, &al, path.p, e);
		sshsig_allowed_free(&al);
	} else if (!rc) {
		rc = store_check_signatures(s, NULL, NULL, e);
	}
	buf_free(&path);
	buf_free(&text);
	return rc;
}

int cli_store_unlock(struct store *s, const struct identity_opts *io, struct err *e)
{
	/* the signatures and the pinning need no key: an unpinned store is
	 * refused before any key source (a prompt, scrypt) is tried on it */
	int rc = cli_store_check_signers(s, e);

	return rc ? rc : store_unlock(s, io, e);
}

int cli_store_commit(struct store *s, const char *plain, size_t len, int verbose)
{
	struct buf text = { 0 };
	struct err e;
	int written = 0, rc;

	rc = store_encrypt(s, plain, len, &text, &e);
	if (!rc)
		rc = store_save(s, text.p, text.len, !s->exists, &written, &e);
	buf_free(&text);
	if (rc)
		return cli_fail(&e);
	if (verbose)
		cli_note("%s: %s", s->path, written ? (s->exists ? "updated" : "created") : "unchanged");
	return 0;
}

static int add_recipients_file(struct store *s, const char *file, struct err *e)
{
	struct buf text = { 0 };
	char *line, *save = NULL;
	int rc, n = 0;

	rc = io_read_file(file, STORE_MAX_SIZE, &text, e);
	for (line = rc ? NULL : strtok_r(text.p, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		rc = store_add_recipient(s, line, e);
		if (rc)
			err_wrap(e, "%s", file);
		n++;
	}
	if (!rc && n == 0)
		rc = err_set(e, ERR_INPUT, "%s: no recipients in the file", file);
	buf_free(&text);
	return rc;
}

static int default_recipient(struct store *s, struct err *e)
{
	struct age_idlist ids = { 0 };
	struct buf path = { 0 };
	char r[AGE_RECIPIENT_MAX];
	int rc;

	rc = identity_default_path(&path, e);
	if (rc)
		goto out;
	if (access(path.p, F_OK) == 0) {
		rc = identity_load_file(path.p, &ids, e);
		if (rc)
			goto out;
		age_recipient_format(ids.v[0].public, r);
	} else {
		struct age_identity *id = secmem_alloc(sizeof *id);
		if (!id) {
			rc = err_oom(e);
			goto out;
		}
		rc = identity_create_file(path.p, id, e);
		age_recipient_format(id->public, r);
		secmem_release(id);
		if (rc)
			goto out;
		cli_note("created identity %s (recipient %s); keep a copy of it somewhere safe",
			 path.p, r);
	}
	rc = store_add_recipient(s, r, e);
out:
	age_idlist_free(&ids);
	buf_free(&path);
	return rc;
}

int cli_store_create(const char *path, const struct cli_args *a, struct store *s)
{
	const struct cli_optval *r = &a->opt[CLI_OPT_RECIPIENT], *rf = &a->opt[CLI_OPT_RECIPFILE];
	struct err e;
	int log_n = 0, rc;

	if (a->opt[CLI_OPT_WORKFACTOR].count) {
		char *end;
		long v = strtol(a->opt[CLI_OPT_WORKFACTOR].value, &end, 10);
		if (*end || v < 1 || v > AGE_SCRYPT_MAX_LOG_N)
			return cli_error(ERR_USAGE, "--work-factor must be 1..%d",
					 AGE_SCRYPT_MAX_LOG_N);
		log_n = (int)v;
	}
	rc = store_new(path, s, &e);
	if (!rc) {
		int src = cli_store_signing(a, s);
		if (src)
			return src;
	}
	for (int i = 0; !rc && i < r->count; i++)
		rc = store_add_recipient(s, r->values[i], &e);
	for (int i = 0; !rc && i < rf->count; i++)
		rc = add_recipients_file(s, rf->values[i], &e);
	if (!rc && a->opt[CLI_OPT_PASSPHRASE].count) {
		struct secmem pass = { 0 };
		if (a->opt[CLI_OPT_PASSFILE].count)
			rc = identity_read_passphrase_file(a->opt[CLI_OPT_PASSFILE].value, &pass, &e);
		else
			rc = tty_read_new_passphrase("store passphrase", &pass, &e);
		if (!rc)
			rc = store_add_passphrase(s, pass.p, pass.len, log_n, &e);
		secmem_free(&pass);
	}
	if (!rc && s->n_slots == 0)
		rc = default_recipient(s, &e);
	return rc ? cli_fail(&e) : 0;
}
