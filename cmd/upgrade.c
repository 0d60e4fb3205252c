/* upgrade: a version 1 store, checked as far as version 1 allows (its
 * MAC, every tag) and against the rules version 2 adds for clear text (no
 * alias of a key), rewritten as version 2: the same plaintext view, the
 * same tokens, a version 2 MAC over every byte.
 *
 * Version 1 authenticated each token with its path, but not the clear text
 * around them: a writer without the key could add an alias of an anchored
 * value at another path, or a key with an empty value. The new MAC would
 * vouch for those too, so they are listed first and need a yes. */
#include <stdio.h>
#include <string.h>

#include "secretctl/editor.h"
#include "secretctl/tty.h"
#include "stores.h"

enum { OPT_YES };

const struct cli_opt cmd_upgrade_opts[] = {
	{ "yes", 0, 0, OPT_YES, NULL, "do not ask before authenticating aliases and empty values" },
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

static int confirm(const char *path, const struct secmem *plain, int yes)
{
	struct buf list = { 0 };
	struct err e;
	size_t n;
	int rc = 0;

	if (store_view_unauthenticated((const char *)plain->p, plain->len, &list, &n, &e)) {
		err_wrap(&e, "%s: its plaintext view", path);
		rc = cli_fail(&e);
		goto out;
	}
	if (!n)
		goto out;
	cli_note("%s: version 1 did not authenticate these, and version 2 will; make sure "
		 "they are yours:",
		 path);
	fputs(list.p, stderr);
	if (!yes && !tty_available()) {
		rc = cli_error(ERR_USAGE, "upgrade asks before it authenticates them: run it on a "
					  "terminal, or give --yes");
		goto out;
	}
	if (!yes && editor_ask("upgrade?", 0, &yes, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (!yes)
		rc = cli_error(ERR_FAIL, "%s: left as it was", path);
out:
	buf_free(&list);
	return rc;
}

int cmd_upgrade(const struct cli_cmd *cmd, const struct cli_args *a, const char *path)
{
	struct store s = { 0 };
	struct secmem plain = { 0 };
	int verbose = a->opt[CLI_OPT_VERBOSE].count > 0, rc;

	(void)cmd;
	rc = cli_store_open(path, a, CLI_OPEN_LOCK | CLI_OPEN_V1, &s, &plain);
	if (!rc && store_version(&s) != 1) {
		if (verbose)
			cli_note("%s is a version %ld store already", path, store_version(&s));
	} else if (!rc) {
		rc = confirm(path, &plain, a->opt[OPT_YES].count > 0);
		if (!rc)
			rc = cli_store_commit(&s, (char *)plain.p, plain.len, 0);
		if (!rc && verbose)
			cli_note("%s: upgraded to version 2", path);
	}
	secmem_free(&plain);
	store_free(&s);
	return rc;
}
