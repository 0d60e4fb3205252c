/* extract: one value (file form) or env lines (env form) on stdout. This
 * runs in ExecStartPre= before every container start: quiet on success,
 * decrypts only the tokens asked for. */
#include "values.h"

const struct cli_opt cmd_extract_opts[] = {
	{ "env", 'e', 1, CLI_OPT_ENV, "PATH", "env form: NAME=value lines" },
	{ "file", 'f', 1, CLI_OPT_FILE, "PATH", "file form: the value's exact bytes" },
	{ "format", 0, 1, CLI_OPT_FORMAT, "F", "env dialect: systemd (default), podman, docker, shell, json" },
	{ "name", 0, 1, CLI_OPT_NAME, "NAME", "env form of a scalar: the variable's name" },
	CLI_KEY_OPTS,
	CLI_VERIFY_OPT,
	CLI_OPT_END,
};

int cmd_extract(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	const struct cli_form *f = &a->form;
	struct cli_values v = { 0 };
	struct secmem out = { 0 };
	int rc;

	(void)cmd;
	rc = cli_values_open(&v, store, f, a);
	if (!rc && f->env)
		rc = cli_render_env(&v, f->dialect, &out);
	if (!rc)
		rc = f->env ? cli_write_stdout(out.p, out.len)
			    : cli_write_stdout(v.v[0].value, v.v[0].value_len);
	secmem_free(&out);
	cli_values_free(&v);
	return rc;
}
