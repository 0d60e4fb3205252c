/* extract: one value (file form) or env lines (env form) on stdout. This
 * runs in ExecStartPre= before every container start: quiet on success,
 * decrypts only the tokens asked for. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "secretctl/envfmt.h"

enum { OPT_ENV, OPT_FILE, OPT_FORMAT, OPT_NAME };

static const struct cli_opt opts[] = {
	{ "env", 'e', 1, OPT_ENV, "PATH", "env form: NAME=value lines" },
	{ "file", 'f', 1, OPT_FILE, "PATH", "file form: the value's exact bytes" },
	{ "format", 0, 1, OPT_FORMAT, "F", "env dialect: systemd (default), podman, docker, shell, json" },
	{ "name", 0, 1, OPT_NAME, "NAME", "env form of a scalar: the variable's name" },
	CLI_KEY_OPTS,
	CLI_VERIFY_OPT,
	CLI_OPT_END,
};

int cli_form_args(const struct cli_cmd *cmd, const struct cli_args *a, int opt_env, int opt_file,
		  int opt_format, int opt_name, struct cli_form *f)
{
	struct err e;

	*f = (struct cli_form){ 0 };
	f->dialect = ENVFMT_SYSTEMD;
	f->env = a->opt[opt_env].count > 0;
	if (f->env == (a->opt[opt_file].count > 0))
		return cli_usage(cmd, "give exactly one of -e PATH (env form) and -f PATH (file form)");
	f->path = f->env ? a->opt[opt_env].value : a->opt[opt_file].value;
	if (opt_format >= 0 && a->opt[opt_format].count) {
		if (!f->env)
			return cli_usage(cmd, "--format goes with -e");
		if (envfmt_dialect_parse(a->opt[opt_format].value, &f->dialect, &e))
			return cli_fail(&e);
	}
	if (opt_name >= 0 && a->opt[opt_name].count) {
		f->name = a->opt[opt_name].value;
		if (!f->env)
			return cli_usage(cmd, "--name goes with -e");
		if (!envfmt_name_valid(f->name, strlen(f->name)))
			return cli_error(ERR_INPUT, "--name '%s' is not a valid variable name", f->name);
	}
	return 0;
}

int cmd_extract(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("extract");
	struct store s = { 0 };
	struct cli_values v = { 0 };
	struct secmem out = { 0 };
	struct cli_form f;
	struct cli_args a;
	const char *store;
	int used, rc;

	rc = cli_parse(cmd, opts, argc, argv, 0, 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_form_args(cmd, &a, OPT_ENV, OPT_FILE, OPT_FORMAT, OPT_NAME, &f);
	store = cli_store_arg(&a, &used);
	if (!rc && !store)
		rc = cli_usage(cmd, "missing STORE (or $SECRETCTL_STORE)");
	if (!rc)
		rc = cli_values_open(&v, store, &f, &a, &s);
	if (!rc && f.env)
		rc = cli_render_env(&v, f.dialect, &out);
	if (!rc)
		rc = f.env ? cli_write_stdout(out.p, out.len)
			   : cli_write_stdout(v.v[0].value, v.v[0].value_len);
	secmem_free(&out);
	cli_values_free(&v);
	store_free(&s);
	cli_args_free(&a);
	return rc;
}
