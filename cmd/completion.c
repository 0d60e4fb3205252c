/* completion: print the shell completion script, the same text as the
 * files in completions/ (embedded by completions/embed.sh). */
#include <string.h>

#include "cli.h"
#include "completion_data.h"

static const struct cli_opt opts[] = {
	CLI_OPT_END,
};

static const struct {
	const char *shell;
	const char *text;
	size_t len;
} scripts[] = {
	{ "bash", completion_bash, sizeof completion_bash - 1 },
	{ "zsh", completion_zsh, sizeof completion_zsh - 1 },
	{ "fish", completion_fish, sizeof completion_fish - 1 },
};

int cmd_completion(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("completion");
	struct cli_args a;
	int rc;

	rc = cli_parse(cmd, opts, argc, argv, 1, 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = -1;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0] && rc < 0; i++)
		if (strcmp(a.pos[0], scripts[i].shell) == 0)
			rc = cli_write_stdout(scripts[i].text, scripts[i].len);
	if (rc < 0)
		rc = cli_usage(cmd, "unknown shell '%s' (bash, zsh or fish)", a.pos[0]);
	cli_args_free(&a);
	return rc;
}
