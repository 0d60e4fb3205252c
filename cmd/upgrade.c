/* upgrade: a version 1 store, checked as far as version 1 allows (its
 * MAC, every tag) and against the rules version 2 adds for clear text (no
 * alias of a key), rewritten as version 2: the same plaintext view, the
 * same tokens, a version 2 MAC over every byte. */
#include "cli.h"

static const struct cli_opt opts[] = {
	CLI_NOWAIT_OPT,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

int cmd_upgrade(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("upgrade");
	struct store s = { .lock_fd = -1 };
	struct secmem plain = { 0 };
	struct cli_args a;
	const char *path;
	int verbose, rc;

	rc = cli_parse_store(cmd, opts, argc, argv, &a, &path);
	if (rc)
		return rc < 0 ? 0 : rc;
	verbose = a.opt[CLI_OPT_VERBOSE].count > 0;
	rc = cli_store_open(path, &a, CLI_OPEN_LOCK | CLI_OPEN_V1, &s, &plain);
	if (!rc && s.doc.version != 1) {
		if (verbose)
			cli_note("%s is a version %ld store already", path, s.doc.version);
	} else if (!rc) {
		rc = cli_store_commit(&s, (char *)plain.p, plain.len, 0);
		if (!rc && verbose)
			cli_note("%s: upgraded to version 2", path);
	}
	secmem_free(&plain);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}
