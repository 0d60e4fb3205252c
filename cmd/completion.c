/* completion: print the shell completion script, the same text as the
 * files in completions/ (embedded by completions/embed.sh). */
#include <string.h>

#include "cli.h"
#include "completion_data.h"

const struct cli_opt cmd_completion_opts[] = {
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

int cmd_completion(const struct cli_cmd *cmd, const struct cli_args *a, const char *store)
{
	(void)store;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
		if (strcmp(a->pos[0], scripts[i].shell) == 0)
			return cli_write_stdout(scripts[i].text, scripts[i].len);
	return cli_usage(cmd, "unknown shell '%s' (bash, zsh or fish)", a->pos[0]);
}
