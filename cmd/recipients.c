/* recipients: list the key slots, add one, remove one (and rotate); and
 * rotate: a new data key for every token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/tty.h"
#include "stores.h"

enum { OPT_NO_ROTATE };

const struct cli_opt cmd_recipients_opts[] = {
	{ "no-rotate", 0, 0, OPT_NO_ROTATE, NULL, "rm: keep the data key (the removed party may hold it)" },
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

const struct cli_opt cmd_rotate_opts[] = {
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

/* A new data key must reach the passphrase slot too: ask for the
 * passphrase only when the store has one. */
static int rotate(struct store *s, const struct cli_args *a, struct err *e)
{
	struct secmem pass = { 0 };
	int has_scrypt = 0, rc;

	for (size_t i = 0; i < s->n_slots; i++)
		has_scrypt |= s->slots[i].recipient == NULL;
	if (has_scrypt) {
		rc = a->opt[CLI_OPT_PASSFILE].count
			     ? identity_read_passphrase_file(a->opt[CLI_OPT_PASSFILE].value, &pass, e)
			     : tty_read_passphrase("store passphrase (to rewrap its slot)", &pass, e);
		if (rc)
			return rc;
	}
	rc = store_rotate_key(s, has_scrypt ? pass.p : NULL, pass.len, e);
	secmem_free(&pass);
	return rc;
}

static int modify(const char *store, const char *verb, const char *r, const struct cli_args *a)
{
	struct store s = { 0 };
	struct secmem plain = { 0 };
	struct err e;
	int rc;

	rc = cli_store_open(store, a, CLI_OPEN_LOCK, &s, &plain);
	if (rc)
		goto out;
	if (strcmp(verb, "add") == 0)
		rc = store_add_recipient(&s, r, &e);
	else if (strcmp(verb, "rm") == 0) {
		rc = store_remove_recipient(&s, r, &e);
		if (!rc && !a->opt[OPT_NO_ROTATE].count)
			rc = rotate(&s, a, &e);
	} else {
		rc = rotate(&s, a, &e);
	}
	if (rc)
		rc = cli_fail(&e);
	else
		rc = cli_store_commit(&s, (char *)plain.p, plain.len, a->opt[CLI_OPT_VERBOSE].count);
out:
	secmem_free(&plain);
	store_free(&s);
	return rc;
}

static int list(const char *store)
{
	struct store s = { 0 };
	struct err e;

	if (store_load(store, NULL, &s, &e)) {
		store_free(&s); /* a failed load keeps the text it read */
		return cli_fail(&e);
	}
	for (size_t i = 0; i < s.n_slots; i++)
		printf("%s\n", s.slots[i].recipient ? s.slots[i].recipient : "scrypt");
	store_free(&s);
	return 0;
}

static int is_verb(const char *s)
{
	return strcmp(s, "add") == 0 || strcmp(s, "rm") == 0 || strcmp(s, "ls") == 0;
}

/* Its own STORE rule: "recipients add STORE R" (the verb first) and
 * "recipients STORE add R" both stand in the man page. */
int cmd_recipients(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const char *env = cli_store_env(), *verb = "ls", *r = NULL;

	if (a->n_pos > 0 && is_verb(a->pos[0])) {
		int need = strcmp(a->pos[0], "ls") == 0 ? 0 : 1;
		verb = a->pos[0];
		if (a->n_pos == 2 + need) {
			store = a->pos[1];
			r = need ? a->pos[2] : NULL;
		} else if (a->n_pos == 1 + need) {
			store = env;
			r = need ? a->pos[1] : NULL;
		}
	} else if (a->n_pos > 0) {
		store = a->pos[0];
		if (a->n_pos > 1) {
			verb = a->pos[1];
			r = a->n_pos > 2 ? a->pos[2] : NULL;
		}
	} else {
		store = env;
	}
	if (!store)
		return cli_usage(cmd, CLI_MISSING_STORE);
	if (!is_verb(verb))
		return cli_usage(cmd, "unknown action '%s' (add, rm or ls)", verb);
	if (strcmp(verb, "ls") != 0 && !r)
		return cli_usage(cmd, "%s needs a recipient", verb);
	if (strcmp(verb, "ls") == 0 && a->n_pos > 2)
		return cli_usage(cmd, "ls takes no recipient");
	if (strcmp(verb, "ls") == 0)
		return list(store);
	return modify(store, verb, r, a);
}

int cmd_rotate(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	(void)cmd;
	return modify(store, "rotate", NULL, a);
}
