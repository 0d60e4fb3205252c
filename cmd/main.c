/* secretctl: the command line. Global options, the command table, exit
 * codes (include/secretctl/err.h), and the final stdout check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"

struct cli_process cli_process_start;

/* Sorted by name; `secretctl --help` lists them in this order. Each
 * entry: name, run, options, positionals (min, max; STORE included),
 * flags, usage, summary. A command is one file (cmd/NAME.c) and a line here. */
static const struct cli_cmd commands[] = {
	{ "apply", cmd_apply, cmd_apply_opts, 0, 1, 0,
	  "[MANIFEST] [--unit UNIT] [--dry-run] [--prune] [--restart] [--list]",
	  "make a manifest's install files and podman secrets right, in one process" },
	{ "completion", cmd_completion, cmd_completion_opts, 1, 1, 0, "bash|zsh|fish",
	  "print the shell completion script" },
	{ "decrypt", cmd_decrypt, cmd_decrypt_opts, 0, 1, CLI_STORE, "[STORE] [-o FILE]",
	  "print the whole plaintext view of a store" },
	{ "edit", cmd_edit, cmd_edit_opts, 0, 4, CLI_STORE,
	  "[STORE] [--allow-disk-tmp] [--no-wait] [-r R]...",
	  "edit the plaintext view in $VISUAL/$EDITOR (on tmpfs), re-encrypt, save",
	  .check = cmd_edit_check },
	{ "encrypt", cmd_encrypt, cmd_encrypt_opts, 1, 1, 0,
	  "PLAIN.yaml [-r R]... [-R FILE] [--passphrase] [-o STORE]",
	  "turn a plaintext view into a store" },
	{ "exec", cmd_exec, cmd_exec_opts, 0, 1, CLI_STORE | CLI_EXECS,
	  "[STORE] [-e PATH]... [--file VAR=PATH]... [--name N] -- COMMAND [ARG]...",
	  "run a command with secrets in its environment, or as paths that read them",
	  .check = cmd_exec_check },
	{ "extract", cmd_extract, cmd_extract_opts, 0, 1, CLI_STORE | CLI_FORM,
	  "[STORE] (-e|-f) PATH [--format F] [--name N]",
	  "print a value: env form (-e) or file form (-f)" },
	{ "git-merge", cmd_git_merge, cmd_git_merge_opts, 3, 4, 0, "BASE OURS THEIRS [PATHNAME]",
	  "git's merge driver for stores (merge=secretctl, see secretctl(1))" },
	{ "init", cmd_init, cmd_init_opts, 0, 1, CLI_STORE,
	  "[STORE] [-r R]... [-R FILE] [--passphrase] [--from PLAIN.yaml]", "create a new store" },
	{ "install", cmd_install, cmd_install_opts, 0, 2,
	  CLI_STORE | CLI_STORE_OR_NEXT | CLI_FORM | CLI_FORM_OPTIONAL,
	  "[STORE] (-e|-f) PATH [NAME] [--format F] [--dir D] [--owner U] [--group G] [--mode M] [--reader UID]... [--sudo] [--mkdir] [--dry-run]\n"
	  "       secretctl install [STORE] --template TEMPLATE NAME [--dir D] [--owner U] [--group G] [--mode M] [--reader UID]... [--sudo] [--mkdir] [--dry-run]\n"
	  "       secretctl install --mkdir [--dir D] [--owner U] [--dry-run]",
	  "install a value as a file in /etc/secrets/$UID, atomically" },
	{ "install-write", cmd_install_write, cmd_install_write_opts, 1, 1, CLI_HIDDEN,
	  "--uid UID [--mode M] [--reader UID]... [--mkdir] NAME",
	  "the write step of install --sudo (as root, value on stdin)" },
	{ "keygen", cmd_keygen, cmd_keygen_opts, 0, 0, 0, "[-o FILE] | -y FILE",
	  "make a new age X25519 identity; -y prints an identity file's recipients" },
	{ "keyring", cmd_keyring, cmd_keyring_opts, 1, 2, 0,
	  "add [IDENTITY_FILE|-] [--delete-file] | ls | rm RECIPIENT",
	  "keep identities in the desktop keyring (Secret Service)" },
	{ "ls", cmd_ls, cmd_ls_opts, 0, 2, CLI_STORE | CLI_STORE_OR_NEXT,
	  "[STORE] [PATH] [--json] [--prefix P] [--depth N]",
	  "list the key paths of a store (needs no key)" },
	{ "podman", cmd_podman, cmd_podman_opts, 0, 2, CLI_STORE | CLI_STORE_OR_NEXT | CLI_FORM,
	  "[STORE] (-e|-f) PATH [NAME] [--prefix P] [--label K=V]... [--dry-run] [--podman PROGRAM]",
	  "put values into podman secrets (value on stdin; unchanged ones left alone)" },
	{ "podman-driver", cmd_podman_driver, cmd_podman_driver_opts, 1, 1, CLI_HIDDEN,
	  "list|lookup|store|delete",
	  "podman's shell secret driver: podman runs it with $SECRET_ID (see secretctl(1))" },
	{ "recipients", cmd_recipients, cmd_recipients_opts, 0, 3, 0,
	  "[STORE] [add R | rm R] [--no-rotate]", "list, add or remove the store's key slots" },
	{ "render", cmd_render, cmd_render_opts, 1, 2, CLI_STORE, "[STORE] TEMPLATE [-o FILE]",
	  "fill a template's {{ PATH | filter }} placeholders with values" },
	{ "rotate", cmd_rotate, cmd_rotate_opts, 0, 1, CLI_STORE, "[STORE]",
	  "new data key, every token re-encrypted" },
	{ "set", cmd_set, cmd_set_opts, 1, 2, CLI_STORE, "[STORE] PATH [--value-file F]",
	  "set one value (from stdin, byte for byte)" },
	{ "unset", cmd_unset, cmd_unset_opts, 1, 2, CLI_STORE, "[STORE] PATH", "remove one key" },
	{ "upgrade", cmd_upgrade, cmd_upgrade_opts, 0, 1, CLI_STORE, "[STORE]",
	  "check a version 1 store and rewrite it as version 2" },
	{ "verify", cmd_verify, cmd_verify_opts, 0, 1, CLI_STORE, "[STORE]",
	  "decrypt everything, check every tag and the MAC" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

const struct cli_cmd *cli_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: secretctl [--version] [--help] COMMAND [ARGS]\n\n"
	      "Keeps a host's secrets in one encrypted YAML store and hands them to the\n"
	      "programs that need them.\n\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!(commands[i].flags & CLI_HIDDEN))
			fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'secretctl COMMAND --help' tells more. Exit codes: 0 ok, 1 failure, 2 usage,\n"
	      "3 not found, 4 no key, 5 integrity, 6 bad input, 7 I/O, 8 external program,\n"
	      "9 a --dry-run found something to change.\n", f);
}

static const char *closest_command(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(name);

	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t d = path_distance(name, len, commands[i].name, strlen(commands[i].name));
		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	return best_d <= 2 || (best && strncmp(best, name, len) == 0 && len > 0) ? best : NULL;
}

/* stdout is flushed and closed with an error check, so that a full disk or
 * a closed pipe is an error, never a silent loss. */
static int close_stdout(int rc)
{
	int err = 0;

	if (fflush(stdout) != 0 || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) != 0 && !err)
		err = errno;
	if (err && err != EBADF) {
		fprintf(stderr, "secretctl: cannot write standard output: %s\n", strerror(err));
		return rc ? rc : ERR_IO;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	const char *hint;
	int rc;

	cli_process_start.umask = umask(077);
	/* A command that execs another program (exec) gives it the core limit
	 * it would have had: only the soft limit is lowered then. */
	cmd = argc >= 2 ? cli_find(argv[1]) : NULL;
	cli_process_start.core_kept = cmd && (cmd->flags & CLI_EXECS);
	/* Sanitizers trace the process to report leaks; a non-dumpable process
	 * cannot be traced by its own user. Release builds always harden. */
#if defined(__SANITIZE_ADDRESS__)
	rc = secmem_harden_process(1, cli_process_start.core_kept ? &cli_process_start.core : NULL);
#else
	rc = secmem_harden_process(0, cli_process_start.core_kept ? &cli_process_start.core : NULL);
#endif
	if (rc != 0) {
		fprintf(stderr, "secretctl: cannot disable core dumps: %s\n", strerror(-rc));
		return ERR_FAIL;
	}
	if (secmem_init() != 0) {
		fputs("secretctl: cannot initialise libsodium\n", stderr);
		return ERR_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return ERR_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("secretctl %s\n", SECRETCTL_VERSION);
		return close_stdout(0);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (cmd = cli_find(argv[2])) != NULL)
			cli_help(cmd, stdout);
		else
			usage(stdout);
		return close_stdout(0);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "secretctl: unknown option '%s'\n", argv[1]);
		usage(stderr);
		return ERR_USAGE;
	}
	cmd = cli_find(argv[1]);
	if (!cmd) {
		hint = closest_command(argv[1]);
		if (hint)
			fprintf(stderr, "secretctl: unknown command '%s'; did you mean '%s'?\n",
				argv[1], hint);
		else
			fprintf(stderr, "secretctl: unknown command '%s'; see 'secretctl --help'\n",
				argv[1]);
		return ERR_USAGE;
	}
	return close_stdout(cli_run(cmd, argc - 1, argv + 1));
}
