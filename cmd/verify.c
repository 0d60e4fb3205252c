/* verify: check the whole store (the MAC, every tag, the view); and
 * verify --repair: a new MAC for a store a person merged by hand, after
 * every token is checked on its own and the person has seen what the new
 * MAC will vouch for. */
#include <stdio.h>
#include <string.h>

#include "secretctl/editor.h"
#include "secretctl/merge.h"
#include "secretctl/tty.h"
#include "stores.h"

enum { OPT_REPAIR, OPT_AGAINST, OPT_YES };

const struct cli_opt cmd_verify_opts[] = {
	{ "repair", 0, 0, OPT_REPAIR, NULL,
	  "write a new MAC once every token opens at its own path (after a hand merge)" },
	{ "against", 0, 1, OPT_AGAINST, "GOOD",
	  "--repair: list the entries that differ from the store GOOD (one whose MAC verifies)" },
	{ "yes", 0, 0, OPT_YES, NULL, "--repair: do not ask before writing" },
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

static void say_waiting(const char *path)
{
	cli_note("waiting for another secretctl to finish with '%s'...", path);
}

/* What the new MAC vouches for, on stderr: the entries that differ from
 * GOOD, or without GOOD every entry. */
static int show_changes(const char *path, const struct secmem *view, const char *good,
			const struct cli_args *a)
{
	struct store g = { 0 };
	struct secmem gview = { 0 };
	struct merge_view mv[2];
	struct buf list = { 0 };
	struct err e;
	size_t n;
	int rc = 0;

	if (good)
		rc = cli_store_open(good, a, 0, &g, &gview);
	if (rc)
		goto out;
	mv[0] = (struct merge_view){ gview.p ? (const char *)gview.p : "", gview.len };
	mv[1] = (struct merge_view){ (const char *)view->p, view->len };
	if (merge_diff(&mv[0], &mv[1], &list, &n, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (good)
		cli_note("%s: %zu entr%s from '%s' (+ added, - removed, ~ changed):", path, n,
			 n == 1 ? "y differs" : "ies differ", good);
	else
		cli_note("%s: no --against store: the new MAC vouches for all of it (%zu entries):",
			 path, n);
	fputs(list.p ? list.p : "", stderr);
out:
	buf_free(&list);
	secmem_free(&gview);
	store_free(&g);
	return rc;
}

static int repair(const char *path, const struct cli_args *a)
{
	struct store_open o = { .lock = 1, .no_wait = a->opt[CLI_OPT_NOWAIT].count > 0,
				.on_wait = say_waiting };
	struct store s = { 0 };
	struct secmem view = { 0 };
	struct buf text = { 0 };
	struct store_counts c;
	struct identity_opts io;
	struct err e;
	int rc, yes = a->opt[OPT_YES].count > 0, written;

	cli_identity_opts(a, &io);
	if (!yes && !tty_available())
		return cli_error(ERR_USAGE, "verify --repair asks before it writes: run it on a "
					    "terminal, or give --yes");
	/* the signatures are not checked, as the MAC is not: a hand merge
	 * changed the bytes they cover; the person vouches anew below, and
	 * a signed store is signed anew (its signing key asked for first) */
	if (store_load(path, &o, &s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if ((rc = cli_store_signing(a, &s)))
		goto out;
	if (store_repair(&s, &io, &view, &c, &text, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (text.len == s.text.len && memcmp(text.p, s.text.p, text.len) == 0) {
		cli_note("%s: the MAC verifies; nothing to repair", path);
		rc = 0;
		goto out;
	}
	if (store_sign_ready(&s, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	cli_note("%s: every token opens at its own path (%zu values, %zu comments); key slots:",
		 path, c.values, c.comments);
	for (size_t i = 0; i < s.n_slots; i++)
		fprintf(stderr, "  %s\n", s.slots[i].recipient ? s.slots[i].recipient : "scrypt");
	rc = show_changes(path, &view, a->opt[OPT_AGAINST].value, a);
	if (rc)
		goto out;
	if (!yes && editor_ask("write a new MAC over all of it?", 0, &yes, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (!yes) {
		rc = cli_error(ERR_FAIL, "%s: left as it was", path);
		goto out;
	}
	if (store_save(&s, text.p, text.len, 0, &written, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	cli_note("%s: a new MAC is written", path);
out:
	secmem_free(&view);
	buf_free(&text);
	store_free(&s);
	return rc;
}

int cmd_verify(const struct cli_cmd *cmd, const struct cli_args *a, const char *path)
{
	struct store s = { 0 };
	struct secmem plain = { 0 };
	struct store_counts c;
	struct identity_opts io;
	struct err e;
	int rc = 0;

	if (!a->opt[OPT_REPAIR].count && (a->opt[OPT_AGAINST].count || a->opt[OPT_YES].count))
		return cli_usage(cmd, "--against and --yes go with --repair");
	if (a->opt[OPT_REPAIR].count)
		return repair(path, a);
	cli_identity_opts(a, &io);
	/* the plaintext must also be a valid view, as edit would require */
	if (store_load(path, NULL, &s, &e) || cli_store_unlock(&s, &io, &e) ||
	    store_decrypt(&s, &plain, &c, &e) ||
	    (store_view_check((char *)plain.p, plain.len, &e) &&
	     err_wrap(&e, "%s: decrypted view", path))) {
		rc = cli_fail(&e);
		goto out;
	}
	printf("ok: %zu values, %zu comments, %zu key slots\n", c.values, c.comments, c.slots);
out:
	secmem_free(&plain);
	store_free(&s);
	return rc;
}
