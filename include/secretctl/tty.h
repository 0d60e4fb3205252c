/* tty: passphrase prompts on /dev/tty (never stdin/stdout, which may carry
 * data), echo off, straight into secmem. Without a controlling terminal
 * they fail at once: nothing ever waits for input that cannot come. */
#ifndef SECRETCTL_TTY_H
#define SECRETCTL_TTY_H

#include "secretctl/err.h"
#include "secretctl/secmem.h"

/* Longest passphrase read from a terminal (longer: ERR_INPUT). */
#define TTY_PASSPHRASE_MAX 4096

/* From now on, act as if there were no terminal: for a process that a
 * program runs in the background (podman's secret driver), where a prompt
 * on the user's terminal would hang that program. */
void tty_forbid(void);

/* 1 when /dev/tty can be opened (there is a controlling terminal), else 0. */
int tty_available(void);

/* Write "PROMPT: " to /dev/tty, read one line with echo off, into out
 * (replacing its content; the newline is not kept). The terminal's mode is
 * restored on every path, a signal included (it is re-raised after).
 * Errors: no terminal: ERR_NOKEY "cannot ask for PROMPT: no terminal";
 * end of input before a newline: ERR_NOKEY; too long: ERR_INPUT; other I/O
 * errors: ERR_IO. */
int tty_read_passphrase(const char *prompt, struct secmem *out, struct err *e);

/* For a new passphrase: ask twice ("PROMPT: ", "PROMPT (again): ").
 * Empty, or the two differ: ERR_INPUT. */
int tty_read_new_passphrase(const char *prompt, struct secmem *out, struct err *e);

#endif
