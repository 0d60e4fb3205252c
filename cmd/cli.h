/* cli: what the command files share: option parsing, messages, the
 * command table entry. Only cmd/ prints and exits. */
#ifndef SECRETCTL_CLI_H
#define SECRETCTL_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"

#define CLI_MAX_OPTS 25
#define CLI_MAX_POS 8

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

struct cli_optval {
	int count;            /* times given */
	const char **values;  /* every value, in order (has_arg options) */
	const char *value;    /* the last value */
};

struct cli_args {
	struct cli_optval opt[CLI_MAX_OPTS];
	const char *pos[CLI_MAX_POS];
	int n_pos;
};

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;   /* after "secretctl NAME " */
	const char *summary;
	int hidden;
};

/* Options every command that opens a store takes (ids 20..23). */
enum { CLI_OPT_IDENTITY = 20, CLI_OPT_PASSFILE, CLI_OPT_VERBOSE, CLI_OPT_HELP };
#define CLI_KEY_OPTS \
	{ "identity", 'i', 1, CLI_OPT_IDENTITY, "FILE", \
	  "identity file (repeatable); only these are tried" }, \
	{ "passphrase-file", 0, 1, CLI_OPT_PASSFILE, "FILE", "read the store passphrase from FILE" }, \
	{ "verbose", 'v', 0, CLI_OPT_VERBOSE, NULL, \
	  "say what is done (-vv: and every key source looked at)" }
/* The commands that hand out values (extract, install, podman): id 24. */
enum { CLI_OPT_VERIFY = 24 };
#define CLI_VERIFY_OPT \
	{ "verify", 0, 0, CLI_OPT_VERIFY, NULL, \
	  "no effect: the whole store is always checked (kept for old scripts)" }

/* Parse argv[1..] of command `cmd` against opts (NULL-name terminated; --help
 * is added). Returns 0, or ERR_USAGE after printing the error (with a "did
 * you mean" hint), or -1 when --help was printed (exit 0). Positional
 * arguments beyond min..max are a usage error. */
int cli_parse(const struct cli_cmd *cmd, const struct cli_opt *opts, int argc, char **argv,
	      int min_pos, int max_pos, struct cli_args *out);
void cli_args_free(struct cli_args *a);
void cli_help(const struct cli_cmd *cmd, const struct cli_opt *opts, FILE *f);

/* "secretctl: MSG" on stderr; returns e->code. */
int cli_fail(const struct err *e);
/* "secretctl: fmt..." on stderr; returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for cmd: message, then "try 'secretctl CMD --help'". ERR_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "secretctl: fmt..." on stderr, no code. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_parse for the commands whose only positional is [STORE]: *store is
 * it, else $SECRETCTL_STORE; when neither, a usage error (printed, args
 * freed). Returns as cli_parse. */
int cli_parse_store(const struct cli_cmd *cmd, const struct cli_opt *opts, int argc, char **argv,
		    struct cli_args *a, const char **store);

/* The store argument: pos[0] when given, else $SECRETCTL_STORE; NULL if none. */
const char *cli_store_arg(const struct cli_args *a, int *consumed);
/* For commands whose STORE may be followed by a NAME (install, podman):
 * as cli_store_arg, but with $SECRETCTL_STORE set, a single argument that
 * names no file is the NAME ("install -e app/env app.env"), as for ls. */
const char *cli_store_or_name(const struct cli_args *a, int *consumed);

/* s[0..len) as a message may show it (path_quote: a key cannot write
 * control characters to the terminal), in b, which is reset first. */
const char *cli_quote(struct buf *b, const char *s, size_t len);

/* Write all of buf to stdout; 0 or ERR_IO with a message printed. */
int cli_write_stdout(const void *p, size_t n);

/* The command table (main.c) and the commands. */
const struct cli_cmd *cli_find(const char *name);
#define CLI_DECLARE(fn) int fn(int argc, char **argv)
CLI_DECLARE(cmd_keygen);
CLI_DECLARE(cmd_completion);
CLI_DECLARE(cmd_keyring);
CLI_DECLARE(cmd_init);
CLI_DECLARE(cmd_install);
CLI_DECLARE(cmd_install_write);
CLI_DECLARE(cmd_extract);
CLI_DECLARE(cmd_encrypt);
CLI_DECLARE(cmd_decrypt);
CLI_DECLARE(cmd_edit);
CLI_DECLARE(cmd_ls);
CLI_DECLARE(cmd_verify);
CLI_DECLARE(cmd_set);
CLI_DECLARE(cmd_unset);
CLI_DECLARE(cmd_recipients);
CLI_DECLARE(cmd_rotate);
CLI_DECLARE(cmd_podman);
CLI_DECLARE(cmd_upgrade);
CLI_DECLARE(cmd_git_merge);

#endif

/* ---- stores (cmd/storecli.c) ---- */
#include "secretctl/identity.h"
#include "secretctl/store.h"

/* --no-wait, for the commands that lock the store (id 15). */
enum { CLI_OPT_NOWAIT = 15 };
#define CLI_NOWAIT_OPT \
	{ "no-wait", 0, 0, CLI_OPT_NOWAIT, NULL, "fail at once when another secretctl holds the store's lock" }

/* Options of the commands that make a new store (ids 16..19). */
enum { CLI_OPT_RECIPIENT = 16, CLI_OPT_RECIPFILE, CLI_OPT_PASSPHRASE, CLI_OPT_WORKFACTOR };
#define CLI_RECIPIENT_OPTS \
	{ "recipient", 'r', 1, CLI_OPT_RECIPIENT, "R", "encrypt to age recipient R (repeatable)" }, \
	{ "recipients-file", 'R', 1, CLI_OPT_RECIPFILE, "FILE", "encrypt to the recipients in FILE" }, \
	{ "passphrase", 0, 0, CLI_OPT_PASSPHRASE, NULL, "add a passphrase (scrypt) slot" }, \
	{ "work-factor", 0, 1, CLI_OPT_WORKFACTOR, "N", "scrypt work factor log2 (default 18, max 22)" }

/* A new store object for path with the slots the options ask for: -r, -R,
 * --passphrase; with none of them, the default identity's recipient (the
 * identity is created, and said so, when missing). */
int cli_store_create(const char *path, const struct cli_args *a, struct store *s);

/* identity_opts from -i, --passphrase-file, -v (points into a): -v says
 * which key source opened the store, -vv also every source looked at. */
void cli_identity_opts(const struct cli_args *a, struct identity_opts *io);
/* Load the store (with CLI_OPEN_LOCK, locked: waiting, or not with
 * --no-wait; with CLI_OPEN_V1, a version 1 store too), open its data key,
 * check it whole and decrypt it: plaintext view in plain. Prints the error
 * and returns its code. */
enum { CLI_OPEN_LOCK = 1, CLI_OPEN_V1 = 2 };
int cli_store_open(const char *path, const struct cli_args *a, unsigned flags, struct store *s,
		   struct secmem *plain);
/* Re-encrypt plain with s (stable tokens) and save it atomically. Prints
 * errors; with verbose, says whether anything was written. */
int cli_store_commit(struct store *s, const char *plain, size_t len, int verbose);

/* ---- values (cmd/values.c): what extract, install and podman hand out ---- */
#include "secretctl/envfmt.h"

/* -e/-f PATH, --format, --name as a command gave them (ids < 0: the
 * command has no such option). Errors printed. */
struct cli_form {
	int env;
	const char *path;
	const char *name;
	enum envfmt_dialect dialect;
};
int cli_form_args(const struct cli_cmd *cmd, const struct cli_args *a, int opt_env, int opt_file,
		  int opt_format, int opt_name, struct cli_form *f);

/* What -e/-f PATH names and the values it hands out. A zeroed struct is
 * empty. */
struct cli_values {
	struct path path;        /* PATH, parsed */
	int parsed;
	struct store_ref ref;    /* what it names */
	/* the scalar, or the mapping's scalar children in order: named after
	 * their keys (a scalar after the last segment, or --name) */
	struct envfmt_entry *v;
	size_t n;
	struct secmem bytes;     /* the values' bytes, one after the other */
	struct buf text;         /* their PATHs, each NUL-terminated */
};
/* Parse PATH into v (for a command that needs it before the store is
 * opened); the error printed. */
int cli_values_parse(struct cli_values *v, const char *path);
/* Load store, open and check it, look f->path up (parsed first unless
 * cli_values_parse did) and collect what it names: file form the one
 * scalar; env form the scalar or the mapping's scalar children. Every
 * error is printed (2 for PATH, 4 no key, 5 integrity, then 3 with "did
 * you mean", 6 for a wrong kind). */
int cli_values_open(struct cli_values *v, const char *store, const struct cli_form *f,
		    const struct cli_args *a, struct store *s);
void cli_values_free(struct cli_values *v);
/* Env form of values in dialect d (all or nothing; errors printed). */
int cli_render_env(const struct cli_values *v, enum envfmt_dialect d, struct secmem *out);

/* ---- merges (cmd/gitmerge.c) ---- */
#include "secretctl/merge.h"

/* Open the stores paths[0..2] (base, ours, theirs; an empty base file is
 * an empty store), check and decrypt them, and merge their views into r
 * (flags: MERGE_*). Errors printed. */
int cli_merge_open(const char *const paths[3], const struct cli_args *a, struct store s[3],
		   struct secmem view[3], struct merge_result *r, unsigned flags);
