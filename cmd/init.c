/* init: a new store, empty or from a plaintext view. */
#include <unistd.h>

#include "secretctl/io.h"
#include "stores.h"

enum { OPT_FROM };

const struct cli_opt cmd_init_opts[] = {
	{ "from", 0, 1, OPT_FROM, "PLAIN.yaml", "encrypt this plaintext view ('-': stdin)" },
	CLI_RECIPIENT_OPTS,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

int cmd_init(const struct cli_cmd *cmd, const struct cli_args *a, const char *path)
{
	struct secmem plain = { 0 };
	struct store s = { 0 };
	struct err e;
	int rc;

	(void)cmd;
	if (access(path, F_OK) == 0) {
		rc = cli_error(ERR_IO, "cannot create '%s': it already exists", path);
		goto out;
	}
	if (a->opt[OPT_FROM].count &&
	    io_read_file_secret(a->opt[OPT_FROM].value, STORE_MAX_SIZE, &plain, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	rc = cli_store_create(path, a, &s);
	if (!rc)
		rc = cli_store_commit(&s, plain.p ? (char *)plain.p : "", plain.len,
				      a->opt[CLI_OPT_VERBOSE].count);
out:
	secmem_free(&plain);
	store_free(&s);
	return rc;
}
