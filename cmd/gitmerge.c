/* git-merge: git's merge driver for stores (`merge=secretctl`). git calls
 * it with BASE OURS THEIRS [PATHNAME] (%O %A %B %P); the result replaces
 * OURS, exit 0 when clean. A conflict, or anything that fails, leaves OURS
 * as it was and exits non-zero, so git reports the file as conflicted.
 *
 * The three stores are opened with the usual key sources and checked
 * whole; their plaintext views are merged entry by entry (merge.h), the
 * keys and slots as store_merge_keys says, and the result gets a fresh
 * MAC. Unchanged values keep their tokens, so the merged file differs
 * from OURS only where theirs changed something. */
#include <string.h>
#include <sys/stat.h>

#include "merges.h"
#include "stores.h"

const struct cli_opt cmd_git_merge_opts[] = {
	CLI_KEY_OPTS,
	CLI_OPT_END,
};

/* Open a store and its view; an empty BASE (no common ancestor) is an
 * empty store without keys. */
static int merge_side(const char *path, int may_be_empty, const struct cli_args *a,
		      struct store *s, struct secmem *view)
{
	struct stat st;

	if (may_be_empty && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return 0;
	return cli_store_open(path, a, 0, s, view);
}

int cli_merge_open(const char *const paths[3], const struct cli_args *a, struct store s[3],
		   struct secmem view[3], struct merge_result *r, unsigned flags)
{
	struct merge_view mv[3];
	struct err e;
	int rc = 0;

	for (int i = 0; i < 3 && !rc; i++)
		rc = merge_side(paths[i], i == 0, a, &s[i], &view[i]);
	if (rc)
		return rc;
	for (int i = 0; i < 3; i++)
		mv[i] = (struct merge_view){ (const char *)view[i].p, view[i].len };
	if (merge_views(&mv[0], &mv[1], &mv[2], flags, r, &e))
		return cli_fail(&e);
	return 0;
}

int cmd_git_merge(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	struct store s[3] = { { 0 } };
	struct store out = { 0 };
	struct secmem view[3] = { { 0 } };
	struct merge_result r = { { 0 } };
	struct buf text = { 0 };
	struct err e;
	const char *name = a->n_pos > 3 ? a->pos[3] : a->pos[1];
	int rc, written;

	(void)cmd;
	(void)store;
	rc = cli_merge_open(a->pos, a, s, view, &r, 0);
	if (rc)
		goto out;
	if (r.n_conflicts) {
		for (char *l = r.conflicts.p, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			cli_note("%s: conflict: %.*s", name, (int)(nl - l), l);
		}
		cli_note("%s: %zu conflict%s; resolve with 'git mergetool --tool=secretctl' "
			 "(see secretctl(1), GIT)",
			 name, r.n_conflicts, r.n_conflicts == 1 ? "" : "s");
		rc = ERR_FAIL;
		goto out;
	}
	if (store_merge_keys(&out, a->pos[1], &s[0], &s[1], &s[2], &e) ||
	    store_encrypt(&out, (const char *)r.text.p, r.text.len, &text, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	out.mode = s[1].mode;
	out.exists = 1;
	if ((rc = cli_store_signing(a, &out)))
		goto out;
	if (!out.signer && (s[1].n_sigs || s[2].n_sigs)) {
		rc = cli_error(ERR_NOKEY, "%s: the stores are signed: the merge must be signed too; "
			       "set $SECRETCTL_SIGNING_KEY", name);
		goto out;
	}
	if (store_save(&out, text.p, text.len, 0, &written, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (a->opt[CLI_OPT_VERBOSE].count)
		cli_note("%s: merged", name);
out:
	buf_free(&text);
	merge_result_free(&r);
	store_free(&out);
	for (int i = 0; i < 3; i++) {
		secmem_free(&view[i]);
		store_free(&s[i]);
	}
	return rc;
}
