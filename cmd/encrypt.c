/* encrypt / decrypt: a whole plaintext view to a store and back. */
#include <unistd.h>

#include "secretctl/io.h"
#include "stores.h"

enum { OPT_OUT };

const struct cli_opt cmd_encrypt_opts[] = {
	{ "output", 'o', 1, OPT_OUT, "STORE", "write the store to STORE (never overwritten)" },
	CLI_RECIPIENT_OPTS,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

const struct cli_opt cmd_decrypt_opts[] = {
	{ "output", 'o', 1, OPT_OUT, "FILE", "write the plaintext to FILE (mode 0600, never overwritten)" },
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

int cmd_encrypt(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const char *to = a->opt[OPT_OUT].count ? a->opt[OPT_OUT].value : NULL;
	struct secmem plain = { 0 };
	struct store s = { 0 };
	struct buf text = { 0 };
	struct err e;
	int rc;

	(void)cmd;
	(void)store;
	if (io_read_file_secret(a->pos[0], STORE_MAX_SIZE, &plain, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (to && access(to, F_OK) == 0) {
		rc = cli_error(ERR_IO, "cannot create '%s': it already exists", to);
		goto out;
	}
	rc = cli_store_create(to ? to : "-", a, &s);
	if (rc)
		goto out;
	if (to) {
		rc = cli_store_commit(&s, (char *)plain.p, plain.len, a->opt[CLI_OPT_VERBOSE].count);
	} else if (store_encrypt(&s, (char *)plain.p, plain.len, &text, &e)) {
		rc = cli_fail(&e);
	} else {
		rc = cli_write_stdout(text.p, text.len);
	}
out:
	buf_free(&text);
	secmem_free(&plain);
	store_free(&s);
	return rc;
}

int cmd_decrypt(const struct cli_cmd *cmd, const struct cli_args *a, const char *path)
{
	const char *to = a->opt[OPT_OUT].count ? a->opt[OPT_OUT].value : NULL;
	struct secmem plain = { 0 };
	struct store s = { 0 };
	struct err e;
	int rc;

	(void)cmd;
	rc = cli_store_open(path, a, 0, &s, &plain);
	if (!rc && to && io_write_new(to, 0600, plain.p, plain.len, &e))
		rc = cli_fail(&e);
	else if (!rc && !to)
		rc = cli_write_stdout(plain.p, plain.len);
	secmem_free(&plain);
	store_free(&s);
	return rc;
}
