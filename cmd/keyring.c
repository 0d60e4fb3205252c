/* keyring: age identities in the desktop Secret Service (add, ls, rm). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "secretctl/age.h"
#include "secretctl/identity.h"
#include "secretctl/io.h"
#include "secretctl/keyring.h"

enum { OPT_DELETE_FILE, OPT_VERBOSE };

const struct cli_opt cmd_keyring_opts[] = {
	{ "delete-file", 0, 0, OPT_DELETE_FILE, NULL,
	  "add: overwrite and remove the identity file once the keyring holds it" },
	{ "verbose", 'v', 0, OPT_VERBOSE, NULL, "say what is done" },
	CLI_OPT_END,
};

/* Overwrite a regular file with zeros, then remove it. Best effort against
 * recovery (journals and copy-on-write file systems may keep old blocks);
 * what matters is that the plain key no longer lies at its path. */
static int shred_file(const char *path)
{
	static const unsigned char zero[4096];
	struct stat st;
	off_t left;
	size_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return cli_error(ERR_IO, "cannot overwrite '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_error(ERR_IO, "cannot overwrite '%s': not a regular file", path);
	}
	for (left = st.st_size; left > 0 && rc == 0; left -= (off_t)n) {
		n = left < (off_t)sizeof zero ? (size_t)left : sizeof zero;
		rc = io_write_all(fd, zero, n);
	}
	if (rc != 0 || fsync(fd) != 0) {
		int err = errno;

		close(fd);
		return cli_error(ERR_IO, "cannot overwrite '%s': %s", path, strerror(err));
	}
	close(fd);
	if (unlink(path) != 0)
		return cli_error(ERR_IO, "cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

/* Store one identity, then read it back and compare. */
static int add_one(const struct age_identity *id, const char *rcpt, int verbose)
{
	struct secmem key = { 0 }, back = { 0 };
	struct err e;
	int rc;

	rc = age_identity_format(id, &key, &e);
	if (!rc)
		rc = keyring_store(rcpt, &key, &e);
	if (!rc)
		rc = keyring_fetch(rcpt, &back, &e);
	if (rc)
		rc = cli_fail(&e);
	else if (back.len != key.len || secmem_equal(back.p, key.p, key.len) != 0)
		rc = cli_error(ERR_EXTERNAL,
			       "the keyring returned another secret for %s than was stored", rcpt);
	else if (verbose)
		cli_note("added %s to the keyring", rcpt);
	secmem_free(&key);
	secmem_free(&back);
	return rc;
}

static int keyring_add(const struct cli_cmd *cmd, const struct cli_args *a)
{
	struct age_idlist ids = { 0 };
	struct buf def = { 0 };
	struct err e;
	const char *path, *shown;
	char rcpt[AGE_RECIPIENT_MAX];
	int rc = 0, del = a->opt[OPT_DELETE_FILE].count > 0;

	if (a->n_pos == 2) {
		path = a->pos[1];
	} else {
		if (identity_default_path(&def, &e))
			return cli_fail(&e);
		path = def.p;
	}
	shown = path;
	if (strcmp(path, "-") == 0) {
		if (del) {
			buf_free(&def);
			return cli_usage(cmd, "--delete-file needs a file, not standard input");
		}
		path = "/dev/stdin";
		shown = "standard input";
	}
	/* refuse early, before the file's passphrase is asked for */
	if (keyring_available(&e)) {
		rc = cli_fail(&e);
		goto out;
	}
	rc = identity_load_file(path, &ids, &e);
	if (rc) {
		rc = cli_fail(&e);
		goto out;
	}
	for (size_t i = 0; i < ids.n && !rc; i++) {
		if (ids.v[i].kind == AGE_KIND_SSH_ED25519) {
			rc = cli_error(ERR_INPUT, "'%s' is an ssh key: the keyring holds age "
						  "identities only (name an ssh key with -i)", shown);
			break;
		}
		age_recipient_format(ids.v[i].public, rcpt);
		rc = add_one(&ids.v[i], rcpt, a->opt[OPT_VERBOSE].count);
	}
	if (!rc && del) {
		rc = shred_file(path);
		if (!rc && a->opt[OPT_VERBOSE].count)
			cli_note("overwrote and removed '%s'", shown);
	}
out:
	age_idlist_free(&ids);
	buf_free(&def);
	return rc;
}

static int keyring_ls(const struct cli_cmd *cmd, const struct cli_args *a)
{
	struct keyring_list l;
	struct err e;

	if (a->n_pos > 1)
		return cli_usage(cmd, "ls takes no argument");
	if (a->opt[OPT_DELETE_FILE].count)
		return cli_usage(cmd, "--delete-file goes with add");
	if (keyring_list(&l, &e))
		return cli_fail(&e);
	for (size_t i = 0; i < l.n; i++)
		printf("%s\t%s%s\n", l.v[i].recipient, l.v[i].label,
		       l.v[i].locked ? "\t(locked)" : "");
	keyring_list_free(&l);
	return 0;
}

static int keyring_rm(const struct cli_cmd *cmd, const struct cli_args *a)
{
	unsigned char pk[AGE_KEY_LEN];
	struct err e;

	if (a->n_pos != 2)
		return cli_usage(cmd, "rm takes one recipient (age1...)");
	if (a->opt[OPT_DELETE_FILE].count)
		return cli_usage(cmd, "--delete-file goes with add");
	if (age_recipient_parse(a->pos[1], strlen(a->pos[1]), pk, &e))
		return cli_usage(cmd, "'%s' is not an age recipient: %s", a->pos[1], e.msg);
	if (keyring_remove(a->pos[1], &e))
		return cli_fail(&e);
	if (a->opt[OPT_VERBOSE].count)
		cli_note("removed %s from the keyring", a->pos[1]);
	return 0;
}

int cmd_keyring(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const char *sub = a->pos[0];

	(void)store;
	if (strcmp(sub, "add") == 0)
		return keyring_add(cmd, a);
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return keyring_ls(cmd, a);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
		return keyring_rm(cmd, a);
	return cli_usage(cmd, "unknown subcommand '%s' (add, ls or rm)", sub);
}
