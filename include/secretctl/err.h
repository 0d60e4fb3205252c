/* err: error values with context; the exit codes of secretctl. */
#ifndef SECRETCTL_ERR_H
#define SECRETCTL_ERR_H

#include <stddef.h>

/* Exit codes, documented in README.md and secretctl(1). An error's code is
 * the exit status the command ends with. */
enum err_code {
	ERR_OK = 0,        /* success */
	ERR_FAIL = 1,      /* any other failure (out of memory, internal) */
	ERR_USAGE = 2,     /* bad command line */
	ERR_NOTFOUND = 3,  /* store or path not found */
	ERR_NOKEY = 4,     /* no identity opens the store, or wrong passphrase */
	ERR_INTEGRITY = 5, /* an authentication tag or MAC does not verify */
	ERR_INPUT = 6,     /* bad input: YAML, format, a value a form cannot carry */
	ERR_IO = 7,        /* I/O or permission error */
	ERR_EXTERNAL = 8,  /* an external program failed (editor, podman, sudo) */
	ERR_PENDING = 9,   /* --dry-run: something would change (not a failure) */
};

#define ERR_MSG_MAX 1024

/* Filled by the function that fails, where the file name or key is known,
 * and passed up unchanged (err_wrap may add outer context). `sub` is a
 * module-specific detail code (age: enum age_fail). */
struct err {
	int code;
	int sub;
	char msg[ERR_MSG_MAX];
};

/* All return the error's code (never 0 except err_clear), so callers can
 * write `return err_set(e, ERR_IO, "...")`. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As err_set, with the module's detail code sub. */
int err_set_sub(struct err *e, int code, int sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* As err_set, with ": strerror(errnum)" appended. */
int err_errno(struct err *e, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefixes the message with "context: ", keeps the code. */
int err_wrap(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int err_oom(struct err *e);
void err_clear(struct err *e);

#endif
