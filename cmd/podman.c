/* podman: store values as podman secrets, for quadlet's Secret= lines.
 * Runs in ExecStartPre= before every start, so an unchanged value costs
 * two podman runs (version, inspect) and changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "secretctl/podman.h"
#include "values.h"

enum { OPT_LABEL, OPT_PODMAN, OPT_PREFIX, OPT_DRY_RUN };

const struct cli_opt cmd_podman_opts[] = {
	{ "env", 'e', 1, CLI_OPT_ENV, "PATH", "env form: a scalar, or one secret per scalar child of a mapping" },
	{ "file", 'f', 1, CLI_OPT_FILE, "PATH", "file form: the value's exact bytes" },
	{ "label", 'l', 1, OPT_LABEL, "K=V", "add a label to every secret (repeatable)" },
	{ "podman", 0, 1, OPT_PODMAN, "PROGRAM", "the podman to run (default: podman in PATH)" },
	{ "prefix", 0, 1, OPT_PREFIX, "P", "start every secret's name with P (P+KEY, P+NAME)" },
	{ "dry-run", 0, 0, OPT_DRY_RUN, NULL, "say what would change and why, change nothing (exit 9: something would)" },
	CLI_KEY_OPTS,
	CLI_VERIFY_OPT,
	CLI_OPT_END,
};

int cmd_podman(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const struct cli_form *f = &a->form;
	struct cli_values v = { 0 };
	struct podman_labels labels = { 0 };
	struct podman_existing *cur = NULL;
	struct podman pm;
	struct err e;
	char **names = NULL;
	char (*digests)[PODMAN_DIGEST_HEX_LEN] = NULL;
	const char *name = a->n_pos ? a->pos[0] : NULL, *prefix = NULL;
	struct buf report = { 0 };
	int verbose = a->opt[CLI_OPT_VERBOSE].count > 0, dry_run = a->opt[OPT_DRY_RUN].count > 0;
	int pending = 0, rc = 0;

	if (a->opt[OPT_PREFIX].count) {
		prefix = a->opt[OPT_PREFIX].value;
		if (!*prefix)
			rc = cli_usage(cmd, "--prefix is empty");
	}
	for (int i = 0; !rc && i < a->opt[OPT_LABEL].count; i++) {
		const char *kv = a->opt[OPT_LABEL].values[i];
		if (strncmp(kv, PODMAN_DIGEST_LABEL, strlen(PODMAN_DIGEST_LABEL)) == 0 &&
		    (kv[strlen(PODMAN_DIGEST_LABEL)] == '=' || !kv[strlen(PODMAN_DIGEST_LABEL)]))
			rc = cli_usage(cmd, "the label %s is secretctl's own", PODMAN_DIGEST_LABEL);
		else if (podman_labels_add(&labels, kv, strlen(kv), &e))
			rc = cli_usage(cmd, "%s", e.msg);
	}
	if (!rc)
		rc = cli_values_open(&v, store, f, a);
	if (rc)
		goto out;
	if (name) {
		if (f->env && v.ref.kind == STORE_MAPPING) {
			rc = cli_usage(cmd, "NAME goes with a scalar; the secrets of mapping %s are "
				       "named after its keys", f->path);
			goto out;
		}
		v.v[0].name = name;
		v.v[0].name_len = strlen(name);
	}
	names = calloc(v.n ? v.n : 1, sizeof *names);
	digests = calloc(v.n ? v.n : 1, sizeof *digests);
	cur = calloc(v.n ? v.n : 1, sizeof *cur);
	if (!names || !digests || !cur) {
		rc = cli_error(ERR_FAIL, "out of memory");
		goto out;
	}
	/* every value is checked before podman runs at all */
	for (size_t i = 0; i < v.n; i++) {
		const struct envfmt_entry *x = &v.v[i];
		if (memchr(x->name, '\0', x->name_len)) {
			rc = cli_error(ERR_INPUT, "%s: secret name has a NUL byte", x->path);
			goto out;
		}
		/* P+name: every secret of the run, NAME too, so one --prefix
		 * per unit keeps all its secrets apart */
		names[i] = malloc((prefix ? strlen(prefix) : 0) + x->name_len + 1);
		if (!names[i]) {
			rc = cli_error(ERR_FAIL, "out of memory");
			goto out;
		}
		snprintf(names[i], (prefix ? strlen(prefix) : 0) + x->name_len + 1, "%s%.*s",
			 prefix ? prefix : "", (int)x->name_len, x->name);
		if (podman_value_check(x->value, x->value_len, f->env, &e) ||
		    podman_digest(v.store.data_key, x->value, x->value_len, digests[i], &e)) {
			rc = cli_error(e.code, "%s: %s", x->path, e.msg);
			goto out;
		}
	}
	if (podman_probe(&pm, a->opt[OPT_PODMAN].count ? a->opt[OPT_PODMAN].value : "podman", &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (prefix && podman_prefix_check(&pm.version, prefix, strlen(prefix), &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		if (podman_name_check(&pm.version, names[i], strlen(names[i]), &e)) {
			rc = cli_error(e.code, "%s: %s", v.v[i].path, e.msg);
			goto out;
		}
	}
	if (podman_lookup(&pm, (const char *const *)names, v.n, cur, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		struct podman_secret sec = { names[i], v.v[i].value, v.v[i].value_len, digests[i],
					     &labels };
		enum podman_action done;
		char id[80];

		if (dry_run) {
			/* only version and inspect have run: a report, no change */
			enum podman_why why = podman_secret_compare(&sec, &cur[i]);

			pending |= why != PODMAN_WHY_EQUAL;
			if (buf_printf(&report, "%s: %s (%s)\n", names[i],
				       why == PODMAN_WHY_EQUAL	  ? "unchanged"
				       : why == PODMAN_WHY_MISSING ? "would create"
								   : "would replace",
				       podman_why_text(why))) {
				rc = cli_error(ERR_FAIL, "out of memory");
				goto out;
			}
			continue;
		}

		if (podman_secret_put(&pm, &sec, &cur[i], &done, id, &e)) {
			rc = cli_fail(&e);
			goto out;
		}
		if (verbose)
			cli_note("%s: %s%s%s%s", names[i], podman_action_name(done),
				 id[0] ? " (id " : "", id, id[0] ? ")" : "");
	}
	if (dry_run) {
		rc = cli_write_stdout(report.p, report.len);
		if (!rc && pending)
			rc = ERR_PENDING;
	}
out:
	buf_free(&report);
	for (size_t i = 0; cur && i < v.n; i++)
		podman_existing_free(&cur[i]);
	free(cur);
	for (size_t i = 0; names && i < v.n; i++)
		free(names[i]);
	free(names);
	free(digests);
	podman_labels_free(&labels);
	cli_values_free(&v);
	return rc;
}
