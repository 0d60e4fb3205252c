/* spawn: posix_spawn, the program found in $PATH first, stdin fed and
 * stdout and stderr read together under poll. */
#include "secretctl/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read what is there into b, kept up to max (the rest is dropped, so the
 * child never blocks on a full pipe). 1 at the end (or an error). */
static int drain(int fd, struct buf *b, size_t max, int *oom)
{
	char tmp[8192];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (b->len < max &&
	    buf_append(b, tmp, (size_t)n > max - b->len ? max - b->len : (size_t)n))
		*oom = 1;
	return 0;
}

/* The program's file, looked up in $PATH as execvp would. Done before the
 * spawn so "not installed" never depends on how posix_spawn reports a
 * failed exec (under valgrind, or a libc that forks, it becomes exit 127). */
static int find_program(const char *program, struct buf *out, struct err *e)
{
	const char *path = getenv("PATH"), *p, *colon;
	struct stat st;

	if (strchr(program, '/')) {
		if (access(program, X_OK) != 0)
			return err_errno(e, ERR_EXTERNAL, errno, "cannot run %s", program);
		return buf_puts(out, program) ? err_oom(e) : 0;
	}
	for (p = path && *path ? path : "/usr/bin:/bin";; p = colon + 1) {
		colon = strchr(p, ':');
		out->len = 0;
		if (buf_append(out, p, colon ? (size_t)(colon - p) : strlen(p)) ||
		    (out->len && buf_putc(out, '/')) || buf_puts(out, program))
			return err_oom(e);
		if (stat(out->p, &st) == 0 && S_ISREG(st.st_mode) && access(out->p, X_OK) == 0)
			return 0;
		if (!colon)
			break;
	}
	err_set(e, ERR_EXTERNAL, "%s is not installed (not found in PATH)", program);
	e->sub = ENOENT;
	return ERR_EXTERNAL;
}

/* The child's fd `to` is pipe_end, /dev/null or ours. */
static void child_fd(posix_spawn_file_actions_t *fa, enum spawn_io io, int pipe_end,
		     int devnull, int to)
{
	/* dup2 clears O_CLOEXEC on 0-2; every other fd of ours is CLOEXEC */
	if (io != SPAWN_INHERIT)
		posix_spawn_file_actions_adddup2(fa, io == SPAWN_PIPE ? pipe_end : devnull, to);
}

/* Feed in[0..len) to fd (non-blocking) and read out and err, until all
 * three are done. */
static void pump(int *in_fd, const unsigned char *in, size_t len, int *out_fd, int *err_fd,
		 struct spawn_result *r, size_t max, int *oom)
{
	size_t off = 0;

	if (*in_fd >= 0) {
		fcntl(*in_fd, F_SETFL, O_NONBLOCK);
		if (len == 0)
			close_fd(in_fd);
	}
	while (*in_fd >= 0 || *out_fd >= 0 || *err_fd >= 0) {
		struct pollfd pf[3];
		int n = 0, io_in = -1, io_out = -1, io_err = -1;

		if (*in_fd >= 0) {
			pf[n] = (struct pollfd){ *in_fd, POLLOUT, 0 };
			io_in = n++;
		}
		if (*out_fd >= 0) {
			pf[n] = (struct pollfd){ *out_fd, POLLIN, 0 };
			io_out = n++;
		}
		if (*err_fd >= 0) {
			pf[n] = (struct pollfd){ *err_fd, POLLIN, 0 };
			io_err = n++;
		}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (io_in >= 0 && pf[io_in].revents) {
			ssize_t w = write(*in_fd, in + off, len - off);

			if (w > 0)
				off += (size_t)w;
			/* EPIPE: it exited without reading it all; not our failure */
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len ||
			    (pf[io_in].revents & (POLLERR | POLLHUP)))
				close_fd(in_fd);
		}
		if (io_out >= 0 && pf[io_out].revents && drain(*out_fd, &r->out, max, oom))
			close_fd(out_fd);
		if (io_err >= 0 && pf[io_err].revents && drain(*err_fd, &r->err, max, oom))
			close_fd(err_fd);
	}
}

int spawn_run(const struct spawn_opts *o, struct spawn_result *r, struct err *e)
{
	const char *name = o->program ? o->program : o->argv[0];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, devnull = -1;
	int rc = 0, err_no, st, oom = 0, have_fa = 0, have_attr = 0, blocked = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct buf file = { 0 };
	sigset_t old_mask;
	pid_t pid;

	memset(r, 0, sizeof *r);
	if ((rc = find_program(name, &file, e)))
		goto out;
	if ((o->in == SPAWN_PIPE && pipe2(pin, O_CLOEXEC) != 0) ||
	    (o->out == SPAWN_PIPE && pipe2(pout, O_CLOEXEC) != 0) ||
	    (o->err == SPAWN_PIPE && pipe2(perr, O_CLOEXEC) != 0) ||
	    ((o->in == SPAWN_NULL || o->out == SPAWN_NULL || o->err == SPAWN_NULL) &&
	     (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)) {
		rc = err_errno(e, ERR_IO, errno, "cannot make pipes for %s", name);
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		rc = err_oom(e);
		goto out;
	}
	have_fa = 1;
	child_fd(&fa, o->in, pin[0], devnull, 0);
	child_fd(&fa, o->out, pout[1], devnull, 1);
	child_fd(&fa, o->err, perr[1], devnull, 2);
	if (o->live) {
		if (posix_spawnattr_init(&attr)) {
			rc = err_oom(e);
			goto out;
		}
		have_attr = 1;
		/* blocked until *live is set: a handler never misses the child */
		sigprocmask(SIG_BLOCK, o->live_signals, &old_mask);
		blocked = 1;
		posix_spawnattr_setsigmask(&attr, &old_mask);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	}
	/* (glibc's child sets our handlers to SIG_DFL before it execs, and
	 * SIG_IGN stays SIG_IGN) */
	err_no = posix_spawn(&pid, file.p, &fa, have_attr ? &attr : NULL, (char *const *)o->argv,
			     o->envp ? o->envp : environ);
	if (err_no) {
		rc = err_errno(e, ERR_EXTERNAL, err_no, "cannot run %s", name);
		goto out;
	}
	if (o->live) {
		*o->live = pid;
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		blocked = 0;
	}
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	close_fd(&devnull);
	if (pin[1] >= 0 || pout[0] >= 0 || perr[0] >= 0) {
		/* a program that exits before reading its stdin: EPIPE, not a signal */
		if (pin[1] >= 0)
			sigaction(SIGPIPE, &ign, &old_pipe);
		pump(&pin[1], o->in_data, o->in_len, &pout[0], &perr[0], r,
		     o->capture_max ? o->capture_max : SPAWN_CAPTURE_DEFAULT, &oom);
		if (o->in == SPAWN_PIPE)
			sigaction(SIGPIPE, &old_pipe, NULL);
	}
	if (o->live) {
		siginfo_t info;

		/* WNOWAIT: the pid stays ours (a zombie) until *live is cleared,
		 * so a handler never signals a recycled pid */
		while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
			;
		sigprocmask(SIG_BLOCK, o->live_signals, &old_mask);
		blocked = 1;
		*o->live = 0;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			rc = err_errno(e, ERR_EXTERNAL, errno, "cannot wait for %s", name);
			goto out;
		}
	}
	r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + r->signal;
	/* captured streams are text for messages and parsing: never NULL */
	if (oom || (o->out == SPAWN_PIPE && !r->out.p && buf_puts(&r->out, "")) ||
	    (o->err == SPAWN_PIPE && !r->err.p && buf_puts(&r->err, "")))
		rc = err_oom(e);
out:
	if (blocked)
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (have_attr)
		posix_spawnattr_destroy(&attr);
	close_fd(&pin[0]);
	close_fd(&pin[1]);
	close_fd(&pout[0]);
	close_fd(&pout[1]);
	close_fd(&perr[0]);
	close_fd(&perr[1]);
	close_fd(&devnull);
	buf_free(&file);
	if (rc)
		spawn_result_free(r);
	return rc;
}

void spawn_result_free(struct spawn_result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
	r->status = r->signal = 0;
}
