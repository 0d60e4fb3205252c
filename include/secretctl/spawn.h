/* spawn: run a program and wait for it (podman, the editor, sudo
 * install-write). A secret reaches the child only on a pipe to its
 * stdin, never in argv or the environment. Feeding stdin and reading
 * stdout and stderr go on together (poll), so a child that writes a lot
 * before it reads cannot deadlock us. */
#ifndef SECRETCTL_SPAWN_H
#define SECRETCTL_SPAWN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"

/* What one of the child's stdin, stdout, stderr is. */
enum spawn_io {
	SPAWN_INHERIT, /* ours */
	SPAWN_NULL,    /* /dev/null */
	SPAWN_PIPE,    /* stdin: in_data is written to it; stdout, stderr: captured */
};

/* Captured output past this is read and dropped (capture_max 0). */
#define SPAWN_CAPTURE_DEFAULT (1u << 20)

struct spawn_opts {
	/* The program: looked up in $PATH (as execvp would; /usr/bin:/bin
	 * when unset) unless it has a '/'. NULL: argv[0]. */
	const char *program;
	const char *const *argv; /* argv[0] included, NULL-terminated */
	char *const *envp;       /* NULL: ours */
	enum spawn_io in, out, err;
	const void *in_data; /* with in == SPAWN_PIPE */
	size_t in_len;
	size_t capture_max; /* bytes kept of each captured stream */
	/* For a signal handler that must end the child: *live is its pid
	 * from the spawn until it has exited (still unreaped, so the pid
	 * cannot be another process's), else 0. live_signals (the
	 * handler's) are blocked while *live changes; the child starts with
	 * our signal mask as it was. */
	volatile pid_t *live;
	const sigset_t *live_signals;
};

struct spawn_result {
	int status;         /* the exit status, or 128 + the signal */
	int signal;         /* the signal that ended it, 0 when it exited */
	struct buf out, err; /* what was captured: an empty string at least */
};

/* Run o->program and wait for it. 0 when it ran, whatever its status (in
 * r, to free with spawn_result_free). ERR_EXTERNAL when it could not be
 * started: "NAME is not installed (not found in PATH)" with e->sub ENOENT
 * for a name without '/' that $PATH does not have, "cannot run NAME: ..."
 * otherwise; ERR_IO when pipes cannot be made. A child that exits before
 * it has read all of in_data is no error (no SIGPIPE either). */
int spawn_run(const struct spawn_opts *o, struct spawn_result *r, struct err *e);
void spawn_result_free(struct spawn_result *r);

#endif
