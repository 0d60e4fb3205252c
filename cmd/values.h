/* values (cmd/values.c): what extract, install and podman hand out. */
#ifndef SECRETCTL_VALUES_H
#define SECRETCTL_VALUES_H

#include "cli.h"
#include "secretctl/envfmt.h"
#include "secretctl/store.h"

/* What -e/-f PATH names in a store, and the values it hands out. A zeroed
 * struct is empty. */
struct cli_values {
	struct store store;      /* the store they are read from */
	struct path path;        /* PATH, parsed */
	int parsed;
	struct store_ref ref;    /* what it names */
	/* the scalar, or the mapping's scalar children in order: named after
	 * their keys (a scalar after the last segment, or --name) */
	struct envfmt_entry *v;
	size_t n;
	struct secmem bytes;     /* the values' bytes, one after the other */
	struct buf text;         /* their PATHs, each NUL-terminated */
};
/* Parse PATH into v, for a command that needs it before the store is
 * opened; the error printed. */
int cli_values_parse(struct cli_values *v, const char *path);
/* Load store, open and check it, look f->path up (parsed first unless
 * cli_values_parse did) and collect what it names: file form the one
 * scalar; env form the scalar or the mapping's scalar children. Every
 * error is printed (2 for PATH, 4 no key, 5 integrity, then 3 with "did
 * you mean", 6 for a wrong kind). */
int cli_values_open(struct cli_values *v, const char *store, const struct cli_form *f,
		    const struct cli_args *a);
/* As cli_values_open, in a store s already open (apply: one store, many
 * targets); v->store stays unused. */
int cli_values_get(struct cli_values *v, struct store *s, const struct cli_form *f);
void cli_values_free(struct cli_values *v);
/* Env form of the values in dialect d (all or nothing; errors printed). */
int cli_render_env(const struct cli_values *v, enum envfmt_dialect d, struct secmem *out);

#endif
