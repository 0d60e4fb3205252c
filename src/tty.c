#include "secretctl/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "secretctl/io.h"

/* Signals that would leave the terminal with echo off if they ended or
 * stopped the process mid-prompt. */
static const int tty_signals[] = { SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM,
				   SIGTSTP, SIGTTIN, SIGTTOU };
#define N_SIGNALS (sizeof tty_signals / sizeof tty_signals[0])

static volatile sig_atomic_t tty_caught;

static void tty_on_signal(int sig)
{
	tty_caught = sig;
}

static int tty_forbidden;

void tty_forbid(void)
{
	tty_forbidden = 1;
}

static int tty_open(void)
{
	if (tty_forbidden) {
		errno = ENXIO;
		return -1;
	}
	return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

int tty_available(void)
{
	int fd = tty_open();

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int write_str(int fd, const char *s)
{
	return io_write_all(fd, s, strlen(s));
}

/* Read a line from fd byte by byte (no stdio buffer keeps a copy). 0, or
 * -1 with errno (EINTR: a signal came), or 1 at end of input. */
static int read_line(int fd, struct secmem *out, int *too_long)
{
	unsigned char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
		if (c == '\n')
			return 0;
		if (out->len >= TTY_PASSPHRASE_MAX) {
			*too_long = 1;
			continue; /* drain the line */
		}
		if (secmem_append(out, &c, 1)) {
			errno = ENOMEM;
			return -1;
		}
	}
}

int tty_read_passphrase(const char *prompt, struct secmem *out, struct err *e)
{
	struct sigaction sa, old[N_SIGNALS];
	struct termios saved, quiet;
	int fd, r, saved_errno, too_long = 0, have_termios;
	size_t i;

	fd = tty_open();
	if (fd < 0)
		return err_set(e, ERR_NOKEY, "cannot ask for the %s: no terminal", prompt);
	secmem_clear(out);
	if (secmem_reserve(out, 64)) {
		close(fd);
		return err_oom(e);
	}
	/* Handlers without SA_RESTART: a signal interrupts read(), the
	 * terminal is restored, then the signal is delivered as it would
	 * have been. */
	tty_caught = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tty_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < N_SIGNALS; i++) {
		sigaction(tty_signals[i], NULL, &old[i]);
		/* an ignored signal stays ignored, as the caller wanted */
		if (old[i].sa_handler != SIG_IGN)
			sigaction(tty_signals[i], &sa, NULL);
	}

	have_termios = tcgetattr(fd, &saved) == 0;
	if (have_termios) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
		quiet.c_lflag |= ICANON;
		/* TCSAFLUSH: type-ahead from before the prompt is not the passphrase */
		if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
			have_termios = 0;
	}
	r = write_str(fd, prompt) || write_str(fd, ": ") ? -1 : 0;
	if (r == 0)
		r = read_line(fd, out, &too_long);
	saved_errno = errno;
	if (have_termios)
		tcsetattr(fd, TCSAFLUSH, &saved);
	write_str(fd, "\n"); /* the user's Enter was not echoed */
	close(fd);
	for (i = 0; i < N_SIGNALS; i++)
		sigaction(tty_signals[i], &old[i], NULL);
	if (tty_caught) {
		secmem_clear(out);
		raise(tty_caught);
		return err_set(e, ERR_FAIL, "interrupted");
	}
	if (r == 0 && too_long) {
		secmem_clear(out);
		return err_set(e, ERR_INPUT, "the %s is longer than %d bytes", prompt,
			       TTY_PASSPHRASE_MAX);
	}
	if (r == 0) {
		return 0;
	}
	secmem_clear(out);
	if (r == 1)
		return err_set(e, ERR_NOKEY, "no %s given (end of input)", prompt);
	if (saved_errno == ENOMEM)
		return err_oom(e);
	return err_errno(e, ERR_IO, saved_errno, "cannot read the %s from the terminal", prompt);
}

int tty_read_new_passphrase(const char *prompt, struct secmem *out, struct err *e)
{
	struct secmem again = { 0 };
	char p2[256];
	int r;

	r = tty_read_passphrase(prompt, out, e);
	if (r)
		return r;
	if (out->len == 0)
		return err_set(e, ERR_INPUT, "the %s is empty", prompt);
	snprintf(p2, sizeof p2, "%s (again)", prompt);
	r = tty_read_passphrase(p2, &again, e);
	if (r == 0 && (again.len != out->len || secmem_equal(again.p, out->p, out->len) != 0))
		r = err_set(e, ERR_INPUT, "the two %ss differ", prompt);
	secmem_free(&again);
	if (r)
		secmem_clear(out);
	return r;
}
