/* verify: decrypt everything, check every tag and the MAC. */
#include <stdio.h>

#include "cli.h"

static const struct cli_opt opts[] = {
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

int cmd_verify(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("verify");
	struct store s = { .lock_fd = -1 };
	struct secmem plain = { 0 };
	struct splice_doc d = { 0 };
	struct store_counts c;
	struct identity_opts io;
	struct cli_args a;
	struct err e;
	const char *path;
	int rc;

	rc = cli_parse_store(cmd, opts, argc, argv, &a, &path);
	if (rc)
		return rc < 0 ? 0 : rc;
	cli_identity_opts(&a, &io);
	/* the plaintext must also be a valid view, as edit would require */
	if (store_load(path, NULL, &s, &e) || store_unlock(&s, &io, &e) ||
	    store_decrypt(&s, &plain, &c, &e) ||
	    (splice_scan_plain((char *)plain.p, plain.len, &d, &e) &&
	     err_wrap(&e, "%s: decrypted view", path))) {
		rc = cli_fail(&e);
		goto out;
	}
	printf("ok: %zu values, %zu comments, %zu key slots\n", c.values, c.comments, c.slots);
out:
	splice_doc_free(&d);
	secmem_free(&plain);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}
