/* cli: the command runner (cli.c, with main.c's table), the options the
 * commands share, and messages. Only cmd/ prints and exits. */
#ifndef SECRETCTL_CLI_H
#define SECRETCTL_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "secretctl/buf.h"
#include "secretctl/envfmt.h"
#include "secretctl/err.h"

/* ---- options ---- */

/* One option of a command. id indexes struct cli_args.opt. */
struct cli_opt {
	const char *name; /* long name, without "--" */
	char short_name;  /* 0: none */
	int has_arg;      /* 0: flag, 1: takes a value */
	int id;
	const char *arg_name; /* for help: "FILE" */
	const char *help;
};
#define CLI_OPT_END { NULL, 0, 0, 0, NULL, NULL }

/* Option ids: a command's own count from 0, below CLI_OPT_SHARED; these
 * are the ones several commands take. */
enum {
	CLI_OPT_SHARED = 12,
	CLI_OPT_NOWAIT = CLI_OPT_SHARED, /* stores.h */
	CLI_OPT_RECIPIENT,               /* stores.h: -r, -R, --passphrase, --work-factor */
	CLI_OPT_RECIPFILE,
	CLI_OPT_PASSPHRASE,
	CLI_OPT_WORKFACTOR,
	CLI_OPT_IDENTITY, /* CLI_KEY_OPTS */
	CLI_OPT_PASSFILE,
	CLI_OPT_VERBOSE,
	CLI_OPT_HELP,     /* every command's */
	CLI_OPT_VERIFY,   /* CLI_VERIFY_OPT */
	CLI_OPT_ENV,      /* the form (CLI_FORM): -e, -f, --format, --name */
	CLI_OPT_FILE,
	CLI_OPT_FORMAT,
	CLI_OPT_NAME,
	CLI_OPT_TEMPLATE, /* install --template: a third form, beside -e and -f */
	CLI_OPT_SIGNWITH, /* stores.h: CLI_SIGN_OPTS */
	CLI_OPT_DROPSIGS,
	CLI_MAX_OPTS
};

/* Options every command that opens a store takes. */
#define CLI_KEY_OPTS \
	{ "identity", 'i', 1, CLI_OPT_IDENTITY, "FILE", \
	  "identity file (repeatable); only these are tried" }, \
	{ "passphrase-file", 0, 1, CLI_OPT_PASSFILE, "FILE", "read the store passphrase from FILE" }, \
	{ "verbose", 'v', 0, CLI_OPT_VERBOSE, NULL, \
	  "say what is done (-vv: and every key source looked at)" }
/* The commands that hand out values (extract, install, podman). */
#define CLI_VERIFY_OPT \
	{ "verify", 0, 0, CLI_OPT_VERIFY, NULL, \
	  "no effect: the whole store is always checked (kept for old scripts)" }

struct cli_optval {
	int count;            /* times given */
	const char **values;  /* every value, in order (has_arg options) */
	const char *value;    /* the last value */
};

/* -e/-f PATH, --format and --name, as the runner found them (CLI_FORM). */
struct cli_form {
	int env;                     /* -e: env form; else file form */
	const char *path;            /* NULL: neither -e nor -f (CLI_FORM_OPTIONAL) */
	const char *name;            /* --name */
	enum envfmt_dialect dialect; /* --format, systemd by default */
	const char *template;        /* --template TEMPLATE instead of -e or -f */
};

#define CLI_MAX_POS 8

/* A command's arguments as its run function gets them. */
struct cli_args {
	struct cli_optval opt[CLI_MAX_OPTS];
	const char *pos[CLI_MAX_POS]; /* the positionals, STORE taken out */
	int n_pos;
	struct cli_form form;
	/* CLI_EXECS: the arguments after "--", the command to run */
	char **tail;
	int n_tail;
};

/* ---- the runner ---- */

/* A command's entry in main.c's table. */
struct cli_cmd {
	const char *name;
	/* the command itself: arguments checked, store found (NULL when the
	 * command takes none); returns the exit code, errors printed */
	int (*run)(const struct cli_cmd *cmd, const struct cli_args *a, const char *store);
	const struct cli_opt *opts; /* CLI_OPT_END-terminated; --help is added */
	int min_pos, max_pos;       /* positionals, STORE included */
	unsigned flags;             /* CLI_STORE, ... */
	const char *usage;          /* after "secretctl NAME " */
	const char *summary;
	/* usage errors that depend on the options, told before STORE is
	 * looked for (NULL: none); 0 or the exit code, the error printed */
	int (*check)(const struct cli_cmd *cmd, const struct cli_args *a);
};

enum {
	/* the first positional is STORE when there are more than min_pos,
	 * else $SECRETCTL_STORE names it; neither is a usage error */
	CLI_STORE = 1,
	/* with CLI_STORE: while $SECRETCTL_STORE is set, a single positional
	 * that names no file is the next argument (install, podman, ls) */
	CLI_STORE_OR_NEXT = 2,
	/* -e PATH or -f PATH, exactly one; --format and --name go with -e;
	 * or, for a command that takes it, --template alone */
	CLI_FORM = 4,
	/* with CLI_FORM: neither -e nor -f is the command's to judge; it runs
	 * without a form and without STORE (install --mkdir) */
	CLI_FORM_OPTIONAL = 8,
	CLI_HIDDEN = 16, /* not listed by secretctl --help (install-write) */
	/* it execs a command: what follows "--" is a->tail, not positionals;
	 * main keeps what the command must get back (struct cli_process) */
	CLI_EXECS = 32,
};

/* What main changed in this process, as it was before, for a command
 * that execs another program (CLI_EXECS). */
struct cli_process {
	mode_t umask;
	struct rlimit core; /* RLIMIT_CORE, when core_kept */
	int core_kept;
};
extern struct cli_process cli_process_start;

/* The usage errors the runner gives, for the commands that judge one of
 * these cases themselves. */
#define CLI_MISSING_STORE "missing STORE (or $SECRETCTL_STORE)"
#define CLI_ONE_FORM "give exactly one of -e PATH (env form) and -f PATH (file form)"

/* The command table (main.c). */
const struct cli_cmd *cli_find(const char *name);
/* Run cmd on argv[1..argc) (argv[0] is its name), as git runs a builtin:
 * the options (getopt_long; options may follow positionals; "--help"
 * prints cli_help and is exit 0), the positionals (min_pos..max_pos),
 * cmd->check, the form, STORE; then cmd->run. Every error is printed;
 * returns the exit code. */
int cli_run(const struct cli_cmd *cmd, int argc, char **argv);
/* "usage: secretctl NAME USAGE", the summary and the options. */
void cli_help(const struct cli_cmd *cmd, FILE *f);
/* $SECRETCTL_STORE, or NULL when it is unset or empty. */
const char *cli_store_env(void);

/* ---- messages ---- */

/* "secretctl: MSG" on stderr; returns e->code. */
int cli_fail(const struct err *e);
/* Put where ("FILE:LINE:COL: what") in front of every cli_fail and
 * cli_error message until it is set to NULL (apply, per target). */
void cli_context(const char *where);
/* "secretctl: fmt..." on stderr; returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for cmd: message, then its usage line. ERR_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "secretctl: fmt..." on stderr, no code. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* s[0..len) as a message may show it (path_quote: a key cannot write
 * control characters to the terminal), in b, which is reset first. */
const char *cli_quote(struct buf *b, const char *s, size_t len);
/* Write all of p to stdout; 0 or ERR_IO with a message printed. */
int cli_write_stdout(const void *p, size_t n);

/* ---- the commands, one file each (main.c's table) ---- */

#define CLI_COMMAND(name) \
	int cmd_##name(const struct cli_cmd *cmd, const struct cli_args *a, const char *store); \
	extern const struct cli_opt cmd_##name##_opts[]
CLI_COMMAND(apply);
CLI_COMMAND(completion);
CLI_COMMAND(decrypt);
CLI_COMMAND(edit);
CLI_COMMAND(encrypt);
CLI_COMMAND(exec);
CLI_COMMAND(extract);
CLI_COMMAND(git_merge);
CLI_COMMAND(init);
CLI_COMMAND(install);
CLI_COMMAND(install_write);
CLI_COMMAND(keygen);
CLI_COMMAND(keyring);
CLI_COMMAND(ls);
CLI_COMMAND(podman);
CLI_COMMAND(podman_driver);
CLI_COMMAND(recipients);
CLI_COMMAND(render);
CLI_COMMAND(rotate);
CLI_COMMAND(set);
CLI_COMMAND(unset);
CLI_COMMAND(upgrade);
CLI_COMMAND(verify);
int cmd_edit_check(const struct cli_cmd *cmd, const struct cli_args *a);
int cmd_exec_check(const struct cli_cmd *cmd, const struct cli_args *a);

#endif
