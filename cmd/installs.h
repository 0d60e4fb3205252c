/* installs (cmd/install.c): what install shares with apply: who the caller
 * is, owner and group names, and the --sudo write step. */
#ifndef SECRETCTL_INSTALLS_H
#define SECRETCTL_INSTALLS_H

#include <stddef.h>
#include <sys/types.h>

/* A decimal uid or gid (no sign, no blanks, below (uid_t)-1): 0, or -1. */
int install_parse_id(const char *s, unsigned long *out);
/* The caller: $SUDO_UID when root under sudo, else the real uid. */
uid_t install_caller_uid(void);
/* A user or group by name or number; ERR_INPUT "WHAT 'S': no such user"
 * (or group) printed. */
int install_user_arg(const char *what, const char *s, uid_t *out);
int install_group_arg(const char *what, const char *s, gid_t *out);

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
