/* set / unset: change one value without an editor. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "secretctl/yedit.h"

enum { OPT_VALUE_FILE };

static const struct cli_opt set_opts[] = {
	{ "value-file", 0, 1, OPT_VALUE_FILE, "FILE", "read the value from FILE, not stdin" },
	CLI_NOWAIT_OPT,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

static const struct cli_opt unset_opts[] = {
	CLI_NOWAIT_OPT,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

static int change(const char *name, const struct cli_opt *opts, int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find(name);
	int is_set = strcmp(name, "set") == 0;
	struct secmem plain = { 0 }, value = { 0 }, out = { 0 };
	struct store s = { 0 };
	struct path p = { 0 };
	struct cli_args a;
	struct err e;
	const char *store, *pstr;
	int rc;

	rc = cli_parse(cmd, opts, argc, argv, 1, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.n_pos == 2) {
		store = a.pos[0];
		pstr = a.pos[1];
	} else {
		store = getenv("SECRETCTL_STORE");
		pstr = a.pos[0];
		if (!store || !*store) {
			rc = cli_usage(cmd, "missing STORE (or $SECRETCTL_STORE)");
			goto out;
		}
	}
	if (path_parse(pstr, strlen(pstr), &p, &e) ||
	    (p.n == 0 && err_set(&e, ERR_USAGE, "%s needs a PATH below the top level", name))) {
		rc = cli_fail(&e);
		goto out;
	}
	/* read the value before taking the lock: stdin may be slow */
	if (is_set && store_read_secret_file(a.opt[OPT_VALUE_FILE].count ? a.opt[OPT_VALUE_FILE].value
									  : "-",
					     &value, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	rc = cli_store_open(store, &a, CLI_OPEN_LOCK, &s, &plain);
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
	rc = cli_store_commit(&s, (char *)out.p, out.len, a.opt[CLI_OPT_VERBOSE].count);
out:
	secmem_free(&plain);
	secmem_free(&value);
	secmem_free(&out);
	path_free(&p);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}

int cmd_set(int argc, char **argv)
{
	return change("set", set_opts, argc, argv);
}

int cmd_unset(int argc, char **argv)
{
	return change("unset", unset_opts, argc, argv);
}
