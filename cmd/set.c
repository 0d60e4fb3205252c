/* set / unset: change one value without an editor. */
#include <string.h>

#include "secretctl/io.h"
#include "secretctl/yedit.h"
#include "stores.h"

enum { OPT_VALUE_FILE };

const struct cli_opt cmd_set_opts[] = {
	{ "value-file", 0, 1, OPT_VALUE_FILE, "FILE", "read the value from FILE, not stdin" },
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

const struct cli_opt cmd_unset_opts[] = {
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

/* set STORE PATH (is_set) or unset STORE PATH */
static int change(const struct cli_cmd *cmd, const struct cli_args *a, const char *store,
		  int is_set)
{
	struct secmem plain = { 0 }, value = { 0 }, out = { 0 };
	struct store s = { 0 };
	struct path p = { 0 };
	struct err e;
	const char *pstr = a->pos[0];
	int rc;

	if (path_parse(pstr, strlen(pstr), &p, &e) ||
	    (p.n == 0 &&
	     err_set(&e, ERR_USAGE, "%s needs a PATH below the top level", cmd->name))) {
		rc = cli_fail(&e);
		goto out;
	}
	/* read the value before taking the lock: stdin may be slow */
	if (is_set && io_read_file_secret(a->opt[OPT_VALUE_FILE].count ? a->opt[OPT_VALUE_FILE].value
									: "-",
					  STORE_MAX_SIZE, &value, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	rc = cli_store_open(store, a, CLI_OPEN_LOCK, &s, &plain);
	if (rc)
		goto out;
	if (is_set)
		rc = yedit_set((char *)plain.p, plain.len, &p, value.p, value.len, &out, &e);
	else
		rc = yedit_unset((char *)plain.p, plain.len, &p, &out, &e);
	if (rc) {
		rc = cli_fail(&e);
		goto out;
	}
	rc = cli_store_commit(&s, (char *)out.p, out.len, a->opt[CLI_OPT_VERBOSE].count);
out:
	secmem_free(&plain);
	secmem_free(&value);
	secmem_free(&out);
	path_free(&p);
	store_free(&s);
	return rc;
}

int cmd_set(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	return change(cmd, a, store, 1);
}

int cmd_unset(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	return change(cmd, a, store, 0);
}
