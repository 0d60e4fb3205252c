/* podman: store values as podman secrets, for quadlet's Secret= lines.
 * Runs in ExecStartPre= before every start, so an unchanged value costs
 * two podman runs (version, inspect) and changes nothing. With --driver
 * shell, the secrets hold references and secretctl is their driver
 * (podman-driver): nothing needs to run before a start. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podman_shell.h"
#include "secretctl/pdriver.h"
#include "secretctl/podman.h"
#include "secretctl/tty.h"
#include "stores.h"
#include "values.h"

enum { OPT_LABEL, OPT_PODMAN, OPT_PREFIX, OPT_DRY_RUN, OPT_DRIVER, OPT_DRIVER_BIN };

static int realpath_dup(const char *what, const char *p, char **out)
{
	char *r = realpath(p, NULL);

	if (!r)
		return cli_error(errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s '%s': %s", what, p,
				 strerror(errno));
	*out = r;
	return 0;
}

/* secretctl as $PATH names it when that is this very program (same file):
 * /usr/local/bin/secretctl outlives an upgrade that moves the file a
 * symlink there points at, which /proc/self/exe names. 0 when none is. */
static int path_name(char *out, size_t cap)
{
	const char *p = getenv("PATH");
	struct stat self, st;

	if (!p || stat("/proc/self/exe", &self) != 0)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ":");
		if (n && p[0] == '/' && (size_t)snprintf(out, cap, "%.*s/secretctl", (int)n, p) < cap &&
		    stat(out, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino)
			return 1;
		p += n + (p[n] == ':');
	}
	return 0;
}

/* The driver binary podman will run: --driver-bin, else this program by
 * its $PATH name, else by /proc/self/exe. Checked before anything else. */
int shell_bin_path(struct shell *sh, const char *bin)
{
	struct err e;

	if (bin) {
		snprintf(sh->bin, sizeof sh->bin, "%s", bin);
	} else if (!path_name(sh->bin, sizeof sh->bin)) {
		ssize_t n = readlink("/proc/self/exe", sh->bin, sizeof sh->bin - 1);
		if (n < 0)
			return cli_error(ERR_IO, "cannot find this program's path (/proc/self/exe): %s; "
					 "give --driver-bin", strerror(errno));
		sh->bin[n] = '\0';
	}
	return podman_driver_bin_check(sh->bin, &e) ? cli_fail(&e) : 0;
}

static int shell_bin(struct shell *sh, const struct cli_args *a)
{
	int rc;

	if ((rc = shell_bin_path(sh, a->opt[OPT_DRIVER_BIN].count ? a->opt[OPT_DRIVER_BIN].value : NULL)))
		return rc;
	/* podman starts containers with no one to ask */
	if (a->opt[CLI_OPT_PASSFILE].count)
		return cli_usage(cli_find("podman"), "--driver shell records identity files, not a "
				 "passphrase: give -i with an identity that has no passphrase");
	return 0;
}

/* What every reference of the run shares: the store's absolute path and
 * the identities (-i, else $SECRETCTL_IDENTITY) as absolute paths. */
int shell_setup(struct shell *sh, const char *store, const struct cli_args *a)
{
	const struct cli_optval *ids = &a->opt[CLI_OPT_IDENTITY];
	const char *env = getenv("SECRETCTL_IDENTITY");
	int rc;

	if ((rc = realpath_dup("store", store, &sh->ref.store)))
		return rc;
	if (ids->count > PDRIVER_MAX_IDS)
		return cli_usage(cli_find("podman"), "--driver shell records at most %d identities",
				 PDRIVER_MAX_IDS);
	for (int i = 0; i < ids->count; i++)
		if ((rc = realpath_dup("identity", ids->values[i], &sh->ref.ids[sh->ref.n_ids++])))
			return rc;
	if (!ids->count && env && *env) {
		char *copy = strdup(env), *save = NULL, *tok;
		if (!copy)
			return cli_error(ERR_FAIL, "out of memory");
		for (tok = strtok_r(copy, ":", &save); tok && !rc; tok = strtok_r(NULL, ":", &save)) {
			if (sh->ref.n_ids >= PDRIVER_MAX_IDS)
				rc = cli_error(ERR_USAGE, "$SECRETCTL_IDENTITY names more than %d "
					       "identities", PDRIVER_MAX_IDS);
			else
				rc = realpath_dup("identity", tok, &sh->ref.ids[sh->ref.n_ids++]);
		}
		free(copy);
	}
	return rc;
}

/* What the driver will do at a container start, done now: open the store
 * with the recorded identities (none: the key sources of this
 * environment) and no terminal. A reference that could never be looked
 * up is not made. */
int shell_probe(const struct shell *sh)
{
	struct identity_opts io = { 0 };
	struct store s = { 0 };
	struct err e;
	int rc;

	io.files = (const char *const *)sh->ref.ids;
	io.n_files = sh->ref.n_ids;
	tty_forbid();
	rc = store_load(sh->ref.store, NULL, &s, &e);
	if (!rc)
		rc = cli_store_unlock(&s, &io, &e);
	store_free(&s);
	if (rc) {
		err_wrap(&e, "--driver shell: the driver could not open the store at a container "
			 "start (no terminal; %s)", sh->ref.n_ids ? "the identities given" :
			 "the key sources of this environment, no -i");
		return cli_fail(&e);
	}
	return 0;
}

/* Mark the existing shell-driver secrets whose driver has no reference,
 * or another one, for their ID (a state directory lost or restored):
 * they are made again. */
void shell_entries(const struct shell *sh, struct podman_existing *cur, size_t n)
{
	struct buf dir = { 0 }, line = { 0 };
	struct err e;
	int fd = -1;

	if (pdriver_dir_open(0, &fd, &dir, &e))
		fd = -1;
	for (size_t i = 0; i < n; i++) {
		struct pdriver_ref r = { 0 };

		if (!cur[i].exists || strcmp(cur[i].driver, "shell") != 0)
			continue;
		line.len = 0;
		cur[i].entry_lost = fd < 0 || pdriver_entry_get(fd, dir.p, cur[i].id, &r, &e) ||
				    pdriver_ref_format(&r, &line, &e) || line.len != sh->lines[i].len ||
				    memcmp(line.p, sh->lines[i].p, line.len) != 0;
		pdriver_ref_free(&r);
	}
	if (fd >= 0)
		close(fd);
	buf_free(&dir);
	buf_free(&line);
}

const struct cli_opt cmd_podman_opts[] = {
	{ "env", 'e', 1, CLI_OPT_ENV, "PATH", "env form: a scalar, or one secret per scalar child of a mapping" },
	{ "file", 'f', 1, CLI_OPT_FILE, "PATH", "file form: the value's exact bytes" },
	{ "label", 'l', 1, OPT_LABEL, "K=V", "add a label to every secret (repeatable)" },
	{ "podman", 0, 1, OPT_PODMAN, "PROGRAM", "the podman to run (default: podman in PATH)" },
	{ "prefix", 0, 1, OPT_PREFIX, "P", "start every secret's name with P (P+KEY, P+NAME)" },
	{ "dry-run", 0, 0, OPT_DRY_RUN, NULL, "say what would change and why, change nothing (exit 9: something would)" },
	{ "driver", 0, 1, OPT_DRIVER, "D", "file (default: podman keeps the value) or shell (podman keeps a reference; secretctl decrypts at every start)" },
	{ "driver-bin", 0, 1, OPT_DRIVER_BIN, "PATH", "--driver shell: the secretctl podman runs (default: this one)" },
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
	struct shell sh = { 0 };
	int pending = 0, rc = 0;

	if (a->opt[OPT_DRIVER].count) {
		const char *d = a->opt[OPT_DRIVER].value;
		sh.on = strcmp(d, "shell") == 0;
		if (!sh.on && strcmp(d, "file") != 0)
			rc = cli_usage(cmd, "--driver is file or shell, not '%s'", d);
	}
	if (!rc && a->opt[OPT_DRIVER_BIN].count && !sh.on)
		rc = cli_usage(cmd, "--driver-bin goes with --driver shell");
	if (!rc && a->opt[OPT_PREFIX].count) {
		prefix = a->opt[OPT_PREFIX].value;
		if (!*prefix)
			rc = cli_usage(cmd, "--prefix is empty");
	}
	for (int i = 0; !rc && i < a->opt[OPT_LABEL].count; i++) {
		const char *kv = a->opt[OPT_LABEL].values[i];
		size_t kl = strcspn(kv, "=");
		if ((kl == strlen(PODMAN_DIGEST_LABEL) && strncmp(kv, PODMAN_DIGEST_LABEL, kl) == 0) ||
		    (kl == strlen(PODMAN_REF_LABEL) && strncmp(kv, PODMAN_REF_LABEL, kl) == 0))
			rc = cli_usage(cmd, "the label %.*s is secretctl's own", (int)kl, kv);
		else if (podman_labels_add(&labels, kv, strlen(kv), &e))
			rc = cli_usage(cmd, "%s", e.msg);
	}
	if (!rc && sh.on)
		rc = shell_bin(&sh, a);
	if (!rc)
		rc = cli_values_open(&v, store, f, a);
	if (!rc && sh.on && !(rc = shell_setup(&sh, store, a)))
		rc = shell_probe(&sh);
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
	sh.lines = calloc(v.n ? v.n : 1, sizeof *sh.lines);
	if (!names || !digests || !cur || !sh.lines) {
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
		    (!sh.on && podman_digest(v.store.data_key, x->value, x->value_len, digests[i], &e))) {
			rc = cli_error(e.code, "%s: %s", x->path, e.msg);
			goto out;
		}
		if (sh.on) {
			sh.ref.env = f->env;
			sh.ref.path = (char *)x->path;
			rc = pdriver_ref_format(&sh.ref, &sh.lines[i], &e);
			sh.ref.path = NULL;
			if (rc) {
				rc = cli_error(e.code, "%s: %s", x->path, e.msg);
				goto out;
			}
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
	if (sh.on)
		shell_entries(&sh, cur, v.n);
	for (size_t i = 0; i < v.n; i++) {
		struct podman_secret sec = { names[i], v.v[i].value, v.v[i].value_len, digests[i],
					     &labels, NULL, NULL };
		enum podman_action done;
		char id[80];

		if (sh.on) {
			/* podman hands the reference to the driver's store */
			sec.value = (const unsigned char *)sh.lines[i].p;
			sec.len = sh.lines[i].len;
			sec.digest = NULL;
			sec.ref = sh.lines[i].p;
			sec.driver_bin = sh.bin;
		}

		if (dry_run) {
			/* only version and inspect have run: a report, no change */
			enum podman_why why = podman_secret_compare(&sec, &cur[i]);

			pending |= why != PODMAN_WHY_EQUAL;
			if (buf_printf(&report, "%s: %s (%s)\n", names[i],
				       why == PODMAN_WHY_EQUAL	  ? "unchanged"
				       : why == PODMAN_WHY_MISSING ? "would create"
								   : "would replace",
				       why == PODMAN_WHY_EQUAL && sh.on ? "reference and labels equal"
									 : podman_why_text(why))) {
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
	for (size_t i = 0; sh.lines && i < v.n; i++)
		buf_free(&sh.lines[i]);
	free(sh.lines);
	pdriver_ref_free(&sh.ref);
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
