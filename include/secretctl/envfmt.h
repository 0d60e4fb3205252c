/* envfmt: the env form: NAME=value lines in the dialect a
 * consumer parses (systemd EnvironmentFile=, podman/docker --env-file, a
 * POSIX shell, JSON). Rendering is all or nothing: every name and value is
 * checked before a byte is produced, so a refused value never leaves half a
 * file behind. */
#ifndef SECRETCTL_ENVFMT_H
#define SECRETCTL_ENVFMT_H

#include <stddef.h>

#include "secretctl/err.h"
#include "secretctl/secmem.h"

enum envfmt_dialect {
	ENVFMT_SYSTEMD, /* default */
	ENVFMT_PODMAN,  /* also "docker" */
	ENVFMT_SHELL,
	ENVFMT_JSON,
};

/* podman reads --env-file with Go's bufio.Scanner: a line (NAME=value)
 * longer than this is an error there (64 KiB with its LF), so it is
 * refused here. */
#define ENVFMT_PODMAN_LINE_MAX 65535

/* "systemd", "podman", "docker", "shell", "json" (exact, lower case).
 * Anything else: ERR_USAGE naming the accepted names. */
int envfmt_dialect_parse(const char *name, enum envfmt_dialect *out, struct err *e);
/* The dialect's canonical name ("docker" parses to "podman"). */
const char *envfmt_dialect_name(enum envfmt_dialect d);

/* [A-Za-z_][A-Za-z0-9_]*, non-empty. 1 if valid, else 0. */
int envfmt_name_valid(const char *name, size_t len);


/* One variable. value may be NULL when value_len is 0. path is the PATH
 * (escaped text form) the value came from, used in messages; NULL: name. */
struct envfmt_entry {
	const char *name;
	size_t name_len;
	const unsigned char *value;
	size_t value_len;
	const char *path;
};

/* Check one entry against a dialect without rendering: 0, or ERR_INPUT
 * with "PATH: why, which the D format cannot carry; use ..." */
int envfmt_check(enum envfmt_dialect d, const struct envfmt_entry *v, struct err *e);

/* Render v[0..n) in dialect d, appended to out:
 *   systemd  NAME=value or NAME="..." ("\ ` $ backslash-escaped), one per line
 *   podman   NAME=value, one per line, raw (podman's --env-file takes the
 *            rest of the line as it is: no line break, no CR at the end)
 *   shell    export NAME='...' ('\'' for a quote), one per line
 *   json     {"NAME":"value",...} and a newline (n == 0: {})
 * Every entry is checked first (envfmt_check, and no name twice); on any
 * error out is left as it was (ERR_INPUT, or ERR_FAIL on out of memory). */
int envfmt_render(enum envfmt_dialect d, const struct envfmt_entry *v, size_t n,
		  struct secmem *out, struct err *e);

#endif
