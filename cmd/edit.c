/* edit: the plaintext view in $VISUAL/$EDITOR on tmpfs, validated,
 * re-encrypted with stable tokens, saved atomically; the store locked
 * throughout. The workspace and its cleanup are src/editor.c's. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merges.h"
#include "secretctl/editor.h"
#include "secretctl/tty.h"
#include "stores.h"

enum { OPT_ALLOW_DISK, OPT_MERGE };

const struct cli_opt cmd_edit_opts[] = {
	{ "allow-disk-tmp", 0, 0, OPT_ALLOW_DISK, NULL,
	  "edit on disk when there is no tmpfs (the plaintext touches the disk)" },
	{ "merge", 0, 0, OPT_MERGE, NULL,
	  "STORE --merge BASE OURS THEIRS: edit their merge (conflicts marked), save it as STORE" },
	CLI_NOWAIT_OPT,
	CLI_SIGN_OPTS,
	CLI_RECIPIENT_OPTS,
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

static void say_waiting(const char *path)
{
	cli_note("waiting for another secretctl to finish with '%s'...", path);
}

/* A missing store, on a terminal and with the user's yes: created as init
 * does (empty), its data key kept in *key so the edit needs no identity. */
static int offer_create(const char *path, const struct cli_args *a, unsigned char **key)
{
	struct store c = { 0 };
	struct buf q = { 0 };
	struct err e;
	int yes = 0, rc;

	if (buf_printf(&q, "secretctl: '%s' does not exist; create it?", path))
		return cli_error(ERR_FAIL, "out of memory");
	rc = editor_ask(q.p, 1, &yes, &e);
	buf_free(&q);
	if (rc)
		return cli_fail(&e);
	if (!yes)
		return cli_error(ERR_NOTFOUND, "'%s' was not created", path);
	rc = cli_store_create(path, a, &c);
	if (!rc)
		rc = cli_store_commit(&c, "", 0, a->opt[CLI_OPT_VERBOSE].count);
	if (!rc) {
		*key = c.data_key;
		c.data_key = NULL;
	}
	store_free(&c);
	return rc;
}

/* The first key-slot option given (they apply to a new store only), or NULL. */
static const char *slot_opts(const struct cli_args *a)
{
	if (a->opt[CLI_OPT_RECIPIENT].count)
		return "-r";
	if (a->opt[CLI_OPT_RECIPFILE].count)
		return "-R";
	if (a->opt[CLI_OPT_PASSPHRASE].count)
		return "--passphrase";
	if (a->opt[CLI_OPT_WORKFACTOR].count)
		return "--work-factor";
	return NULL;
}

/* Not silently ignored: they would not change the slots of a store that exists. */
static int slot_opts_refused(const struct cli_args *a, const char *path)
{
	return cli_error(ERR_USAGE,
			 "edit: %s only sets the key slots of a store this edit creates, and '%s' "
			 "exists; use 'secretctl recipients add' to add a slot",
			 slot_opts(a), path);
}

/* Lock, load, unlock and decrypt; a missing store may be created first. */
static int open_store(const char *path, const struct cli_args *a, struct store *s,
		      struct secmem *plain)
{
	struct store_open o = { .lock = 1, .no_wait = a->opt[CLI_OPT_NOWAIT].count > 0,
				.on_wait = say_waiting };
	struct identity_opts io;
	unsigned char *key = NULL;
	struct err e;
	int rc;

	/* refused before waiting for the lock; checked again once loaded */
	if (slot_opts(a) && access(path, F_OK) == 0)
		return slot_opts_refused(a, path);
	rc = store_load(path, &o, s, &e);
	if (rc == ERR_NOTFOUND && access(path, F_OK) != 0 && tty_available()) {
		store_free(s);
		rc = offer_create(path, a, &key);
		if (rc)
			return rc;
		rc = store_load(path, &o, s, &e);
	}
	if (rc) {
		secmem_release(key);
		return cli_fail(&e);
	}
	if (key) {
		secmem_release(s->data_key);
		s->data_key = key;
	} else if (slot_opts(a)) {
		return slot_opts_refused(a, path);
	} else {
		/* the signers first: a tampered store is not shown, nor
		 * re-signed by this edit */
		cli_identity_opts(a, &io);
		if (cli_store_unlock(s, &io, &e))
			return cli_fail(&e);
	}
	if (store_decrypt(s, plain, NULL, &e))
		return cli_fail(&e);
	return 0;
}

/* edit --merge: the merge of BASE OURS THEIRS (a->pos[0..2]) with its
 * conflicts between markers in plain; s gets the merged keys, and the
 * lock of STORE (whatever it holds now: git may have left it conflicted). */
static int open_merge(const char *path, const struct cli_args *a, struct store *s,
		      struct secmem *plain)
{
	struct store_open o = { .lock = 1, .no_wait = a->opt[CLI_OPT_NOWAIT].count > 0,
				.on_wait = say_waiting };
	struct store in[3] = { { 0 } };
	struct secmem view[3] = { { 0 } };
	struct merge_result r = { { 0 } };
	struct err e;
	int rc;

	if (slot_opts(a))
		return cli_error(ERR_USAGE, "edit --merge: %s does not go with --merge", slot_opts(a));
	rc = cli_merge_open(a->pos, a, in, view, &r, MERGE_MARKERS);
	if (!rc && (store_merge_keys(s, path, &in[0], &in[1], &in[2], &e) ||
		    (access(path, F_OK) == 0 && store_lock(s, &o, &e))))
		rc = cli_fail(&e);
	/* signed sides: the merge is signed too (as git-merge's) */
	if (!rc)
		rc = cli_store_signing(a, s);
	if (!rc && !s->signer && !s->drop_signatures && (in[1].n_sigs || in[2].n_sigs))
		rc = cli_error(ERR_NOKEY, "%s: the stores are signed: the merge must be signed too; "
			       "name a signing key ($SECRETCTL_SIGNING_KEY or --sign-with FILE), or "
			       "give --drop-signatures to write it unsigned", path);
	if (!rc && secmem_append(plain, r.text.p, r.text.len))
		rc = cli_error(ERR_FAIL, "out of memory");
	if (!rc && r.n_conflicts)
		cli_note("%s: %zu conflict%s between '%s' and '%s' lines in the text: keep what "
			 "each should hold and remove the marker lines",
			 path, r.n_conflicts, r.n_conflicts == 1 ? "" : "s", MERGE_MARK_OURS,
			 MERGE_MARK_THEIRS);
	merge_result_free(&r);
	for (int i = 0; i < 3; i++) {
		secmem_free(&view[i]);
		store_free(&in[i]);
	}
	return rc;
}

/* Edit until the text is a valid plaintext view, the user gives up, or the
 * editor fails. *text gets the new store text; *changed says whether
 * there is one (with merge, the text is new even when the editor left it
 * as it was). Invalid text is reopened as the user left it (visudo). */
static int edit_loop(struct editor_ws *ws, struct store *s, const struct secmem *plain,
		     int merge, struct buf *text, int *changed)
{
	struct secmem edited = { 0 };
	struct err e;
	int rc, again;

	*changed = 0;
	for (;;) {
		rc = editor_run(ws, &e);
		if (!rc)
			rc = editor_ws_read(ws, &edited, &e);
		if (rc && e.code != ERR_INPUT)
			break;
		if (!rc && !merge && edited.len == plain->len &&
		    memcmp(edited.p, plain->p, plain->len) == 0)
			break;
		if (!rc && merge) {
			size_t ml = merge_markers_line((char *)edited.p, edited.len);
			if (ml)
				rc = err_set(&e, ERR_INPUT,
					     "line %zu: a conflict marker is left; keep one side of "
					     "each conflict and remove the marker lines",
					     ml);
		}
		if (!rc)
			rc = store_view_check((char *)edited.p, edited.len, &e);
		if (!rc) {
			text->len = 0;
			rc = store_encrypt(s, (char *)edited.p, edited.len, text, &e);
		}
		if (!rc) {
			*changed = 1;
			break;
		}
		if (e.code != ERR_INPUT)
			break;
		cli_note("%s (edited): %s", s->path, e.msg);
		if (!tty_available()) {
			err_set(&e, ERR_INPUT, "the edit is discarded; '%s' is unchanged", s->path);
			break;
		}
		if (editor_ask("re-edit?", 1, &again, &e))
			break;
		if (!again) {
			err_set(&e, ERR_INPUT, "the edit is discarded; '%s' is unchanged", s->path);
			break;
		}
	}
	secmem_free(&edited);
	if (rc && e.code == ERR_EXTERNAL) {
		return cli_error(ERR_EXTERNAL, "%s; '%s' is unchanged", e.msg, s->path);
	}
	if (rc)
		return cli_fail(&e);
	return 0;
}

/* STORE alone, or STORE --merge BASE OURS THEIRS (STORE not from the
 * environment then); an empty STORE is a missing one. */
int cmd_edit_check(const struct cli_cmd *cmd, const struct cli_args *a)
{
	int merge = a->opt[OPT_MERGE].count > 0;

	if (merge ? a->n_pos != 4 : a->n_pos > 1)
		return cli_usage(cmd, merge ? "--merge needs STORE BASE OURS THEIRS"
					    : "too many arguments");
	if (a->n_pos && !*a->pos[0])
		return cli_usage(cmd, CLI_MISSING_STORE);
	return 0;
}

int cmd_edit(const struct cli_cmd *cmd, const struct cli_args *a, const char *path)
{
	struct editor_ws ws = { .root_fd = -1, .dir_fd = -1 };
	struct store s = { 0 };
	struct secmem plain = { 0 };
	struct buf text = { 0 }, stale = { 0 };
	struct err e;
	int rc, rc2, merge = a->opt[OPT_MERGE].count > 0, changed = 0, written = 0;

	(void)cmd;
	/* workspaces of edits whose secretctl died (SIGKILL, power loss on a
	 * disk fallback) */
	if (editor_clean_stale(&stale)) {
		for (char *l = stale.p, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			*nl = '\0';
			cli_note("removed the stale edit workspace '%s'", l);
		}
	}
	rc = merge ? open_merge(path, a, &s, &plain) : open_store(path, a, &s, &plain);
	if (!rc)
		rc = cli_store_signing(a, &s);
	/* a signed store without a signing key: said before the edit, not
	 * after it */
	if (!rc && store_sign_ready(&s, &e))
		rc = cli_fail(&e);
	if (rc)
		goto out;
	rc = editor_ws_create(&ws, path, a->opt[OPT_ALLOW_DISK].count > 0, &e);
	if (rc) {
		rc = cli_fail(&e);
		goto out;
	}
	if (!ws.on_tmpfs)
		cli_note("warning: '%s' is not on tmpfs: the plaintext is written to disk", ws.root);
	rc = editor_ws_write(&ws, plain.p, plain.len, &e) ? cli_fail(&e) : 0;
	if (!rc)
		rc = edit_loop(&ws, &s, &plain, merge, &text, &changed);
	/* gone before the store is written: a signal from here on finds
	 * nothing to clean up. A failed removal is reported, but a valid
	 * edit is still saved. */
	rc2 = editor_ws_destroy(&ws, &e) ? cli_fail(&e) : 0;
	if (rc)
		goto out;
	if (!changed) {
		cli_note("no changes");
	} else if (store_save(&s, text.p, text.len, !s.exists, &written, &e)) {
		rc = cli_fail(&e);
	} else if (a->opt[CLI_OPT_VERBOSE].count) {
		cli_note("%s: %s", s.path, written ? "updated" : "unchanged");
	}
	rc = rc ? rc : rc2;
out:
	editor_ws_destroy(&ws, &e);
	secmem_free(&plain);
	buf_free(&text);
	buf_free(&stale);
	store_free(&s);
	return rc;
}
