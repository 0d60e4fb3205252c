/* keygen: a new age X25519 identity, as age-keygen makes it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "secretctl/age.h"
#include "secretctl/identity.h"

enum { OPT_OUT, OPT_PUBLIC };

const struct cli_opt cmd_keygen_opts[] = {
	{ "output", 'o', 1, OPT_OUT, "FILE", "write the identity to FILE (mode 0600, never overwritten)" },
	{ "public", 'y', 1, OPT_PUBLIC, "FILE", "print the recipients of identity file FILE" },
	CLI_OPT_END,
};

static int print_recipients(const char *file)
{
	struct age_idlist ids = { 0 };
	struct err e;
	char r[AGE_RECIPIENT_MAX];
	int rc;

	rc = identity_load_file(file, &ids, &e);
	if (rc)
		return cli_fail(&e);
	for (size_t i = 0; i < ids.n; i++) {
		age_identity_recipient(&ids.v[i], r);
		printf("%s\n", r);
	}
	age_idlist_free(&ids);
	return 0;
}

int cmd_keygen(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	struct age_identity *id;
	struct secmem text = { 0 };
	struct err e;
	char r[AGE_RECIPIENT_MAX];
	int rc;

	(void)store;
	if (a->opt[OPT_PUBLIC].count) {
		if (a->opt[OPT_OUT].count)
			return cli_usage(cmd, "-o and -y exclude each other");
		return print_recipients(a->opt[OPT_PUBLIC].value);
	}
	id = secmem_alloc(sizeof *id);
	if (!id)
		return cli_error(ERR_FAIL, "out of memory");
	if (a->opt[OPT_OUT].count) {
		rc = identity_create_file(a->opt[OPT_OUT].value, id, &e);
		if (rc) {
			rc = cli_fail(&e);
			goto out;
		}
	} else {
		age_identity_generate(id);
		rc = identity_file_text(id, &text, &e);
		if (rc) {
			rc = cli_fail(&e);
			goto out;
		}
		rc = cli_write_stdout(text.p, text.len);
		if (rc)
			goto out;
	}
	age_recipient_format(id->public, r);
	fprintf(stderr, "Public key: %s\n", r);
out:
	secmem_free(&text);
	secmem_release(id);
	return rc;
}
