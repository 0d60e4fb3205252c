/* install --sudo's write step (cmd/install.c), shared with apply. */
#ifndef SECRETCTL_INSTALL_SUDO_H
#define SECRETCTL_INSTALL_SUDO_H

#include <stddef.h>
#include <sys/types.h>

/* The --reader options install-write takes (its command line's room). */
#define SUDO_MAX_READERS 25

/* What `sudo -n secretctl install-write` is asked to write: NAME into
 * /etc/secrets/UID, owned UID:0. mode NULL: install-write's 0400;
 * readers: container uids as given (at most SUDO_MAX_READERS). */
struct sudo_write {
	uid_t uid;
	const char *name;
	const char *mode;
	const char *const *readers;
	size_t n_readers;
	int mkdir, verbose;
};
/* Run it with data on sudo's stdin (never in argv or the environment).
 * sudo refusing is ERR_EXTERNAL naming the sudoers line that would allow
 * it; the error printed. */
int install_sudo_write(const struct sudo_write *w, const void *data, size_t len);

#endif
