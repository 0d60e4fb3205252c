/* podman --driver shell's helpers (cmd/podman.c), shared with apply. */
#ifndef SECRETCTL_PODMAN_SHELL_H
#define SECRETCTL_PODMAN_SHELL_H

#include <limits.h>

#include "cli.h"
#include "secretctl/pdriver.h"
#include "secretctl/podman.h"

/* The shell driver's part of a run: the reference of each value and the
 * binary podman will run. */
struct shell {
	int on;
	char bin[PATH_MAX];
	struct pdriver_ref ref; /* store, identities; form and path per value */
	struct buf *lines;      /* one reference line per value */
};

/* sh->bin: bin (--driver-bin, driver-bin:), else this program by its
 * $PATH name, else by /proc/self/exe; checked for --driver-opts. The
 * error printed. */
int shell_bin_path(struct shell *sh, const char *bin);
/* sh->ref's store (store's absolute path) and identities (-i, else
 * $SECRETCTL_IDENTITY, as absolute paths). The error printed. */
int shell_setup(struct shell *sh, const char *store, const struct cli_args *a);
/* The driver's lookup, done now with no terminal (tty_forbid: for the
 * rest of the process): the store opened with sh->ref's identities. */
int shell_probe(const struct shell *sh);
/* Mark cur[i] (existing shell-driver secrets) whose driver entry is
 * missing or differs from sh->lines[i]. */
void shell_entries(const struct shell *sh, struct podman_existing *cur, size_t n);

#endif
