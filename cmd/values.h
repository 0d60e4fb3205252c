/* values (cmd/values.c): what extract, install and podman hand out. */
#ifndef SECRETCTL_VALUES_H
#define SECRETCTL_VALUES_H

#include "cli.h"
#include "secretctl/envfmt.h"
#include "secretctl/store.h"
#include "secretctl/template.h"

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
/* The same on a store already open (v->store is not used): for a command
 * that hands out several PATHs of one store (exec, apply). */
int cli_values_find(struct cli_values *v, struct store *s, const struct cli_form *f);
void cli_values_free(struct cli_values *v);
/* "PATH is a mapping of N keys; HINTone of: A, B, ..." (what is there) in
 * out, which is reset first; -1 when out of memory. */
int cli_not_scalar_msg(const struct store *s, const struct store_ref *ref, const char *pstr,
		       const char *hint, struct buf *out);
/* Env form of the values in dialect d (all or nothing; errors printed). */
int cli_render_env(const struct cli_values *v, enum envfmt_dialect d, struct secmem *out);


/* A template (render, install --template; cmd/render.c). A zeroed struct
 * is empty. */
struct cli_template {
	const char *file;  /* as given; "-" is standard input */
	struct secmem text;
	struct template t;
	struct buf shown;  /* "template 'FILE'", for messages */
};
/* Read and parse file, before any store is opened: a syntax error is
 * exit 6, "template 'FILE', line L, column C: why"; errors printed. */
int cli_template_load(struct cli_template *t, const char *file);
/* Open store and fill t into out (secure memory): every placeholder
 * looked up, then every value decrypted and filtered, before out holds
 * anything: on error out is empty. Errors printed with the placeholder's
 * line and column: 3 no such PATH (with "did you mean"), 6 a bad PATH, a
 * mapping or sequence, a value a filter cannot carry; 4 and 5 as the
 * store's. */
int cli_template_fill(struct cli_template *t, const char *store, const struct cli_args *a,
		      struct secmem *out);
void cli_template_free(struct cli_template *t);

#endif
