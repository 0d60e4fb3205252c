/* manifest: the YAML file `apply` reads: the store and a host's targets
 * (install files, podman secrets), each with the units to restart when it
 * changes. Parsed strictly with libyaml: an unknown key, a wrong type, a
 * duplicate target, an alias, a bad PATH, NAME, mode or dialect is
 * ERR_INPUT "FILE:LINE:COLUMN: what: why". Nothing here opens the store. */
#ifndef SECRETCTL_MANIFEST_H
#define SECRETCTL_MANIFEST_H

#include <stddef.h>
#include <sys/types.h>

#include "secretctl/envfmt.h"
#include "secretctl/err.h"

/* A manifest larger than this is refused (it names targets, not values). */
#define MANIFEST_MAX_SIZE (1u << 20)
/* An explicit name: key: [A-Za-z0-9_.-], 1..64 bytes. */
#define MANIFEST_NAME_MAX 64
/* The id: the name: key, else "p" + 32 hex digits of the absolute path's
 * BLAKE2b-128. */
#define MANIFEST_ID_MAX 72
/* The podman label and the state file prefix that mark what apply made. */
#define MANIFEST_LABEL "secretctl.manifest"
#define MANIFEST_STATE_PREFIX ".secretctl-apply."

enum manifest_kind { MANIFEST_INSTALL, MANIFEST_PODMAN };

struct manifest_target {
	enum manifest_kind kind;
	int line, col;          /* where the entry starts (1-based) */
	int env;                /* env: (else file:) */
	char *path;             /* the store PATH */
	int has_format;
	enum envfmt_dialect dialect; /* format: (install, env form) */
	char *var;              /* var: the variable name of an env scalar (--name) */
	char *name;             /* install: the file name (the key); podman: name: (NAME) */
	/* install */
	char *dir;              /* dir: (NULL: the manifest's dir:, else /etc/secrets/$UID) */
	char *owner, *group;    /* owner:, group: as written (names or numbers) */
	int has_mode;
	mode_t mode;
	unsigned long *readers; /* reader: container uids */
	size_t n_readers;
	int mkdir;              /* mkdir: true */
	int sudo;               /* sudo: true (as --sudo) */
	/* podman */
	char *prefix;
	char **labels;          /* label: {K: V} as "K=V", in order */
	size_t n_labels;
	int shell;              /* driver: shell */
	char *driver_bin;       /* driver-bin: */
	/* both */
	char **restart;         /* restart: unit names */
	size_t n_restart;
};

struct manifest {
	char *file;             /* the path as given */
	char *abs;              /* its absolute path (realpath) */
	char *store;            /* store:, resolved against the manifest's directory */
	char *name;             /* name: (NULL: none) */
	char id[MANIFEST_ID_MAX]; /* name, or "p" + hash of abs */
	char *dir;              /* dir: the default install directory (NULL: none) */
	int mkdir;              /* mkdir: true, every install target's default */
	int sudo;               /* sudo: true, every install target's (as --sudo) */
	char *podman_program;   /* podman-program: */
	struct manifest_target *t; /* install targets first (in file order), then podman */
	size_t n;
	int store_line, store_col;
};

/* Read and parse the manifest file (at most MANIFEST_MAX_SIZE bytes). */
int manifest_load(const char *file, struct manifest *m, struct err *e);
/* Parse text as the manifest at file (for messages) whose absolute path is
 * abs (the id and the store's directory come from it). */
int manifest_parse(const char *text, size_t len, const char *file, const char *abs,
		   struct manifest *m, struct err *e);
void manifest_free(struct manifest *m);

/* Does t list unit in restart:? */
int manifest_target_has_unit(const struct manifest_target *t, const char *unit);
/* A unit name restart: and --unit take: 1..255 bytes of
 * [A-Za-z0-9:_.@\\-], with a '.' (a suffix). 0 or ERR_INPUT "why". */
int manifest_unit_check(const char *unit, struct err *e);

#endif
