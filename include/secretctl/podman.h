/* podman: podman secrets from store values. podman is run
 * with posix_spawn; a value reaches it only on a pipe to its stdin, never
 * in argv or the environment. The version is probed once; name rules and
 * the replace strategy follow it. Every secret carries a digest label,
 * so an unchanged value is left alone. */
#ifndef SECRETCTL_PODMAN_H
#define SECRETCTL_PODMAN_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"

/* podman takes 1 .. 511999 bytes (containers/common maxSecretSize 512000,
 * exclusive). */
#define PODMAN_VALUE_MAX 511999u
#define PODMAN_DIGEST_LABEL "secretctl.digest"
/* A shell-driver secret's label: its reference (pdriver.h), without "\n". */
#define PODMAN_REF_LABEL "secretctl.ref"
/* 32-byte keyed BLAKE2b, hex, NUL */
#define PODMAN_DIGEST_HEX_LEN 65
/* Captured stdout/stderr of one podman run is cut here. */
#define PODMAN_CAPTURE_MAX (1u << 20)

struct podman_version {
	int major, minor, patch;
};

/* "4.3.1", "v4.7.0-dev", "5.0.0-rc1\n": major.minor[.patch] then anything
 * after '-', '+', '~' or a blank. ERR_EXTERNAL otherwise. */
int podman_version_parse(const char *s, size_t len, struct podman_version *v, struct err *e);
int podman_version_at_least(const struct podman_version *v, int major, int minor);
/* `secret create --replace` and the relaxed name rules: podman >= 4.7. */
int podman_has_replace(const struct podman_version *v);

/* Is name a secret name the podman of version v accepts? 0, or ERR_INPUT
 * "why". podman >= 4.7: 1..253 bytes, none of , / = NUL. Older (measured
 * on 4.3.1): 1..64 bytes of [a-zA-Z0-9_.-], first one [a-zA-Z0-9], last
 * one not '-' or '.'. */
int podman_name_check(const struct podman_version *v, const char *name, size_t len,
		      struct err *e);

/* Is prefix the start of names the podman of version v accepts (the
 * rules above, but for the last byte, as a name goes on after it)?
 * Checked alone so the message names the option; whole names are checked
 * with podman_name_check. 0, or ERR_USAGE "why" (an empty prefix too). */
int podman_prefix_check(const struct podman_version *v, const char *prefix, size_t len,
			struct err *e);

/* Can value be a podman secret? 1..PODMAN_VALUE_MAX bytes; for env form
 * (type=env secrets) no NUL byte, which runc refuses in an environment,
 * and valid UTF-8, which podman's OCI spec (JSON) otherwise replaces with
 * U+FFFD. 0 or ERR_INPUT "why". */
int podman_value_check(const unsigned char *value, size_t len, int env, struct err *e);

/* The digest label's value: hex of BLAKE2b-256(value) keyed with
 * k_pod = crypto_kdf_derive_from_key(32, 3, "sctl_pod", data_key).
 * Without the data key it tells nothing about the value. */
int podman_digest(const unsigned char *data_key, const unsigned char *value, size_t len,
		  char hex[PODMAN_DIGEST_HEX_LEN], struct err *e);

/* One run of a program: exit status, and stdout and stderr captured. */
struct podman_result {
	int status; /* exit status, or 128 + signal */
	struct buf out;
	struct buf err;
};
void podman_result_free(struct podman_result *r);

/* Run program (PATH searched when it has no '/') with argv (argv[0]
 * included, NULL-terminated) and the caller's environment; in[0..in_len)
 * is written to its stdin (/dev/null when in is NULL). Returns 0 when the
 * program ran (whatever its status), ERR_EXTERNAL when it could not be
 * started ("podman is not installed" for ENOENT). */
int podman_spawn(const char *program, const char *const *argv, const unsigned char *in,
		 size_t in_len, struct podman_result *r, struct err *e);

/* A podman to talk to: program name and probed version. */
struct podman {
	const char *program;
	struct podman_version version;
	char version_text[32];
};

/* `podman version --format '{{.Client.Version}}'`: once per run. */
int podman_probe(struct podman *p, const char *program, struct err *e);

/* A label as podman stores it ("K=V" split at the first '='; "K" alone has
 * an empty value). */
struct podman_label {
	char *key;
	char *value;
};
struct podman_labels {
	struct podman_label *v;
	size_t n;
};
/* Add "K=V" (or "K"); a later key replaces an earlier one, as in podman.
 * ERR_USAGE for an empty key. */
int podman_labels_add(struct podman_labels *l, const char *kv, size_t len, struct err *e);
/* Same keys and values, in any order. */
int podman_labels_equal(const struct podman_labels *a, const struct podman_labels *b);
const char *podman_labels_get(const struct podman_labels *l, const char *key);
void podman_labels_free(struct podman_labels *l);

/* What exists under one name. */
struct podman_existing {
	int exists;
	char id[80];
	char driver[32];   /* "file", "shell", ... */
	char *lookup_opt;  /* the driver's "lookup" option (NULL: none) */
	struct podman_labels labels;
	int entry_lost;    /* shell driver: the driver has no (or another)
			    * reference for its ID (set by the caller) */
};
void podman_existing_free(struct podman_existing *x);

/* Look up names[0..n) with one `podman secret inspect`; out[i] says
 * whether names[i] exists (by name: a match on an ID prefix does not
 * count), its ID and labels. */
int podman_lookup(const struct podman *p, const char *const *names, size_t n,
		  struct podman_existing *out, struct err *e);

/* One secret to put in place. labels are the user's (the digest label, or
 * the reference label, is added here). */
struct podman_secret {
	const char *name;
	const unsigned char *value;
	size_t len;
	const char *digest; /* podman_digest() of value (file driver) */
	const struct podman_labels *labels;
	/* shell driver: the reference line (value and len are it) and the
	 * secretctl binary podman runs as the driver */
	const char *ref;
	const char *driver_bin;
};

/* Can path be the secretctl binary in podman's --driver-opts? Those are
 * split at ',' (and read as CSV when they hold a second '='), then run by
 * /bin/sh -c: an absolute path of [A-Za-z0-9/._+@-] only. 0 or ERR_USAGE. */
int podman_driver_bin_check(const char *path, struct err *e);
/* The driver command podman runs for op (list, lookup, store, delete):
 * "BIN podman-driver OP", appended to out. */
int podman_driver_cmd(const char *bin, const char *op, struct buf *out);

enum podman_action {
	PODMAN_UNCHANGED, /* digest and labels already match: nothing run */
	PODMAN_CREATED,   /* did not exist */
	PODMAN_REPLACED,  /* create --replace (podman >= 4.7) */
	PODMAN_RECREATED, /* rm, then create (older podman) */
	/* rm, then create: a shell-driver secret, or a secret of another
	 * driver (create --replace deletes through the new driver) */
	PODMAN_RECREATED_DRIVER,
};
const char *podman_action_name(enum podman_action a);

/* How what exists compares with what s would create, first difference
 * first. */
enum podman_why {
	PODMAN_WHY_MISSING,   /* no such secret */
	PODMAN_WHY_DRIVER,    /* another driver, or another driver command */
	PODMAN_WHY_NO_DIGEST, /* exists without the digest label */
	PODMAN_WHY_REF,       /* shell driver: the reference label differs */
	PODMAN_WHY_ENTRY,     /* shell driver: the driver's reference file is gone */
	PODMAN_WHY_DIGEST,    /* the digest label differs: another value */
	PODMAN_WHY_LABELS,    /* same digest, the --label set differs */
	PODMAN_WHY_EQUAL,     /* nothing to do */
};
enum podman_why podman_secret_compare(const struct podman_secret *s,
				      const struct podman_existing *cur);
/* "no such secret", "digest label differs", ... for messages. */
const char *podman_why_text(enum podman_why w);

/* Is cur what s would create (podman_secret_compare says equal)? */
int podman_secret_current(const struct podman_secret *s, const struct podman_existing *cur);

/* Put s in place given what exists (cur, from podman_lookup): nothing when
 * current, else create (--replace on >= 4.7; older: rm by ID, then
 * create). *done says which; id gets the new secret's ID (may be empty). */
int podman_secret_put(const struct podman *p, const struct podman_secret *s,
		      const struct podman_existing *cur, enum podman_action *done, char id[80],
		      struct err *e);

#endif
