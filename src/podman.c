/* podman: spawn podman, version probe, name rules, digest labels. */
#include "secretctl/podman.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/envfmt.h"
#include "secretctl/secmem.h"
#include "secretctl/spawn.h"
#include "secretctl/utf8.h"

/* ---- version ---- */

static int parse_num(const char **p, const char *end, int *out)
{
	long v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > 1000000)
			return -1;
		s++;
	}
	*out = (int)v;
	*p = s;
	return 0;
}

int podman_version_parse(const char *s, size_t len, struct podman_version *v, struct err *e)
{
	const char *p = s, *end = s + len;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	*v = (struct podman_version){ 0, 0, 0 };
	if (p < end && *p == 'v')
		p++;
	if (parse_num(&p, end, &v->major) || p >= end || *p++ != '.' ||
	    parse_num(&p, end, &v->minor))
		goto bad;
	if (p < end && *p == '.') {
		p++;
		if (parse_num(&p, end, &v->patch))
			goto bad;
	}
	if (p == end || *p == '-' || *p == '+' || *p == '~' || *p == ' ')
		return 0;
bad:
	len = (size_t)(end - s);
	return err_set(e, ERR_EXTERNAL, "cannot read podman's version from '%.*s'",
		       (int)(len > 40 ? 40 : len), s);
}

int podman_version_at_least(const struct podman_version *v, int major, int minor)
{
	return v->major > major || (v->major == major && v->minor >= minor);
}

int podman_has_replace(const struct podman_version *v)
{
	return podman_version_at_least(v, 4, 7);
}

/* ---- names and values ---- */

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A byte for a message: 'c' when printable, else "byte 0xNN". */
static const char *char_what(char out[16], unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(out, 16, "'%c'", c);
	else
		snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

int podman_name_check(const struct podman_version *v, const char *name, size_t len,
		      struct err *e)
{
	if (podman_has_replace(v)) {
		/* containers/common since v0.56 (podman 4.7) */
		const char *bad;
		if (len == 0)
			return err_set(e, ERR_INPUT, "secret name is empty");
		if (len > 253)
			return err_set(e, ERR_INPUT,
				       "secret name '%.40s...' is %zu bytes; podman takes at most 253",
				       name, len);
		if (memchr(name, '\0', len))
			return err_set(e, ERR_INPUT, "secret name has a NUL byte, which podman refuses");
		for (const char *c = ",/="; *c; c++)
			if ((bad = memchr(name, *c, len)) != NULL)
				return err_set(e, ERR_INPUT,
					       "secret name '%.*s' has '%c', which podman refuses in names",
					       (int)len, name, *c);
		return 0;
	}
	/* What podman 4.3.1 does (containers/common before v0.56), measured */
	if (len == 0)
		return err_set(e, ERR_INPUT, "secret name is empty");
	if (len > 64)
		return err_set(e, ERR_INPUT,
			       "secret name '%.40s...' is %zu bytes; podman %d.%d takes at most 64",
			       name, len, v->major, v->minor);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		char what[16];
		if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
			return err_set(e, ERR_INPUT,
				       "secret name '%.*s' has %s (byte %zu); podman %d.%d takes only "
				       "[a-zA-Z0-9_.-]",
				       (int)len, name, char_what(what, c), i, v->major, v->minor);
	}
	if (!is_alnum((unsigned char)name[0]))
		return err_set(e, ERR_INPUT,
			       "secret name '%.*s' starts with '%c'; podman %d.%d wants a letter or digit first",
			       (int)len, name, name[0], v->major, v->minor);
	if (name[len - 1] == '-' || name[len - 1] == '.')
		return err_set(e, ERR_INPUT,
			       "secret name '%.*s' ends with '%c'; podman %d.%d refuses that", (int)len,
			       name, name[len - 1], v->major, v->minor);
	return 0;
}

int podman_prefix_check(const struct podman_version *v, const char *prefix, size_t len,
			struct err *e)
{
	if (len == 0)
		return err_set(e, ERR_USAGE, "--prefix is empty");
	if (podman_has_replace(v)) {
		for (const char *c = ",/="; *c; c++)
			if (memchr(prefix, *c, len))
				return err_set(e, ERR_USAGE,
					       "--prefix '%.*s' has '%c', which podman refuses in secret "
					       "names",
					       (int)len, prefix, *c);
		return 0;
	}
	/* the 4.3 rules of podman_name_check, but for the last byte: a
	 * name goes on after the prefix */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)prefix[i];
		char what[16];
		if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
			return err_set(e, ERR_USAGE,
				       "--prefix '%.*s' has %s (byte %zu); podman %d.%d takes only "
				       "[a-zA-Z0-9_.-] in secret names",
				       (int)len, prefix, char_what(what, c), i, v->major, v->minor);
	}
	if (!is_alnum((unsigned char)prefix[0]))
		return err_set(e, ERR_USAGE,
			       "--prefix '%.*s' starts with '%c'; podman %d.%d wants a letter or digit "
			       "first in secret names",
			       (int)len, prefix, prefix[0], v->major, v->minor);
	return 0;
}

int podman_value_check(const unsigned char *value, size_t len, int env, struct err *e)
{
	const unsigned char *nul;
	size_t bad;

	if (len == 0)
		return err_set(e, ERR_INPUT, "value is empty; a podman secret holds 1 to %u bytes",
			       PODMAN_VALUE_MAX);
	if (len > PODMAN_VALUE_MAX)
		return err_set(e, ERR_INPUT, "value is %zu bytes; a podman secret holds 1 to %u bytes",
			       len, PODMAN_VALUE_MAX);
	if (env && (nul = memchr(value, '\0', len)) != NULL)
		return err_set(e, ERR_INPUT,
			       "value has a NUL byte (offset %zu), which an environment variable "
			       "cannot carry (runc refuses it); use -f",
			       (size_t)(nul - value));
	/* podman puts env secrets into the OCI spec, which Go's JSON writes
	 * as valid UTF-8: each invalid byte would reach the container as
	 * U+FFFD */
	if (env && (bad = utf8_invalid(value, len)) < len)
		return err_set(e, ERR_INPUT,
			       "value is not valid UTF-8 (byte 0x%02x at offset %zu), which podman "
			       "turns into U+FFFD in an environment variable; use -f",
			       value[bad], bad);
	return 0;
}

/* ---- digest ---- */

int podman_digest(const unsigned char *data_key, const unsigned char *value, size_t len,
		  char hex[PODMAN_DIGEST_HEX_LEN], struct err *e)
{
	unsigned char *k = secmem_alloc(32);
	unsigned char h[32];

	if (!k)
		return err_oom(e);
	if (crypto_kdf_derive_from_key(k, 32, 3, "sctl_pod", data_key) != 0 ||
	    crypto_generichash(h, sizeof h, value, len, k, 32) != 0) {
		secmem_release(k);
		return err_set(e, ERR_FAIL, "cannot compute the digest label");
	}
	secmem_release(k);
	sodium_bin2hex(hex, PODMAN_DIGEST_HEX_LEN, h, sizeof h);
	return 0;
}

/* ---- running a program ---- */

void podman_result_free(struct podman_result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
	r->status = 0;
}

int podman_spawn(const char *program, const char *const *argv, const unsigned char *in,
		 size_t in_len, struct podman_result *r, struct err *e)
{
	struct spawn_opts o = { .program = program, .argv = argv,
				.in = in ? SPAWN_PIPE : SPAWN_NULL, .in_data = in, .in_len = in_len,
				.out = SPAWN_PIPE, .err = SPAWN_PIPE,
				.capture_max = PODMAN_CAPTURE_MAX };
	struct spawn_result sr;
	int rc;

	memset(r, 0, sizeof *r);
	rc = spawn_run(&o, &sr, e);
	if (rc == ERR_EXTERNAL && e->sub == ENOENT)
		return err_set(e, ERR_EXTERNAL,
			       "%s is not installed (not found in PATH); install it, or name the "
			       "program with --podman",
			       program);
	if (rc)
		return rc;
	r->status = sr.status;
	r->out = sr.out;
	r->err = sr.err;
	return 0;
}

/* "podman secret create NAME: exit status 125: Error: ..." */
static int run_failed(struct err *e, const char *what, const char *name,
		      const struct podman_result *r)
{
	size_t n = r->err.len;

	while (n && (r->err.p[n - 1] == '\n' || r->err.p[n - 1] == ' '))
		n--;
	if (r->status > 128)
		return err_set(e, ERR_EXTERNAL, "%s%s%s: killed by signal %d%s%.*s", what,
			       name ? " " : "", name ? name : "", r->status - 128, n ? ": " : "",
			       (int)n, r->err.p);
	return err_set(e, ERR_EXTERNAL, "%s%s%s: exit status %d%s%.*s", what, name ? " " : "",
		       name ? name : "", r->status, n ? ": " : "", (int)n,
		       n ? r->err.p : "(nothing on stderr)");
}

int podman_probe(struct podman *p, const char *program, struct err *e)
{
	const char *argv[] = { program, "version", "--format", "{{.Client.Version}}", NULL };
	struct podman_result r;
	int rc;

	memset(p, 0, sizeof *p);
	p->program = program;
	rc = podman_spawn(program, argv, NULL, 0, &r, e);
	if (rc)
		return rc;
	if (r.status)
		rc = run_failed(e, "podman version", NULL, &r);
	else
		rc = podman_version_parse(r.out.p, r.out.len, &p->version, e);
	if (!rc)
		snprintf(p->version_text, sizeof p->version_text, "%d.%d.%d", p->version.major,
			 p->version.minor, p->version.patch);
	podman_result_free(&r);
	return rc;
}

/* ---- labels ---- */

int podman_labels_add(struct podman_labels *l, const char *kv, size_t len, struct err *e)
{
	const char *eq = memchr(kv, '=', len);
	size_t klen = eq ? (size_t)(eq - kv) : len;
	char *k, *v;

	if (klen == 0)
		return err_set(e, ERR_USAGE, "label '%.*s' has no key", (int)len, kv);
	k = strndup(kv, klen);
	v = eq ? strndup(eq + 1, len - klen - 1) : strdup("");
	if (!k || !v) {
		free(k);
		free(v);
		return err_oom(e);
	}
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, k) == 0) {
			free(l->v[i].value);
			free(k);
			l->v[i].value = v;
			return 0;
		}
	}
	struct podman_label *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv) {
		free(k);
		free(v);
		return err_oom(e);
	}
	l->v = nv;
	l->v[l->n++] = (struct podman_label){ k, v };
	return 0;
}

const char *podman_labels_get(const struct podman_labels *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

int podman_labels_equal(const struct podman_labels *a, const struct podman_labels *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const char *v = podman_labels_get(b, a->v[i].key);
		if (!v || strcmp(v, a->v[i].value) != 0)
			return 0;
	}
	return 1;
}

void podman_labels_free(struct podman_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

void podman_existing_free(struct podman_existing *x)
{
	podman_labels_free(&x->labels);
	free(x->lookup_opt);
	memset(x, 0, sizeof *x);
}

/* ---- the shell driver ---- */

int podman_driver_bin_check(const char *path, struct err *e)
{
	size_t n = strlen(path);

	if (path[0] != '/')
		return err_set(e, ERR_USAGE, "the driver program '%s' is not an absolute path", path);
	if (n > 1024)
		return err_set(e, ERR_USAGE, "the driver program's path is %zu bytes; at most 1024", n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		char what[16];
		if (!is_alnum(c) && !strchr("/._+@-", c))
			return err_set(e, ERR_USAGE,
				       "the driver program '%s' has %s, which podman's --driver-opts "
				       "or /bin/sh -c would split or change; give --driver-bin a path "
				       "of [A-Za-z0-9/._+@-] only (a symlink will do)",
				       path, char_what(what, c));
	}
	return 0;
}

int podman_driver_cmd(const char *bin, const char *op, struct buf *out)
{
	return buf_printf(out, "%s podman-driver %s", bin, op);
}

/* ---- existing secrets ---- */

/* Hex (as Go's %x prints a string) to bytes, in place; -1 if not hex. */
static int unhex(char *s, size_t len, size_t *out_len)
{
	size_t n;

	if (len % 2 || sodium_hex2bin((unsigned char *)s, len / 2, s, len, NULL, &n, NULL) != 0 ||
	    n != len / 2)
		return -1;
	s[n] = '\0';
	*out_len = n;
	return 0;
}

/* One line of the inspect format below: ID HEXNAME xHEXDRIVER xHEXLOOKUP
 * [HEXKEY=HEXVALUE]... */
static int parse_line(char *line, const char *const *names, size_t n, struct podman_existing *out,
		      struct err *e)
{
	char *save = NULL, *id = strtok_r(line, " ", &save), *hname = strtok_r(NULL, " ", &save);
	char *hdriver = strtok_r(NULL, " ", &save), *hlookup = strtok_r(NULL, " ", &save);
	struct podman_existing *x = NULL;
	size_t nlen, dlen, llen;
	char *tok;

	if (!id || !hname || unhex(hname, strlen(hname), &nlen) || !hdriver || *hdriver++ != 'x' ||
	    unhex(hdriver, strlen(hdriver), &dlen) || !hlookup || *hlookup++ != 'x' ||
	    unhex(hlookup, strlen(hlookup), &llen))
		return err_set(e, ERR_EXTERNAL, "cannot read podman secret inspect's output");
	for (size_t i = 0; i < n; i++)
		if (!out[i].exists && strlen(names[i]) == nlen && memcmp(names[i], hname, nlen) == 0)
			x = &out[i];
	if (!x) /* an ID-prefix match, or a name given twice */
		return 0;
	x->exists = 1;
	snprintf(x->id, sizeof x->id, "%s", id);
	snprintf(x->driver, sizeof x->driver, "%s", hdriver);
	if (llen && !(x->lookup_opt = strdup(hlookup)))
		return err_oom(e);
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		size_t kl, vl;
		if (!eq || unhex(tok, (size_t)(eq - tok), &kl) || unhex(eq + 1, strlen(eq + 1), &vl))
			return err_set(e, ERR_EXTERNAL, "cannot read podman secret inspect's labels");
		/* decoded in place: key at tok, value at eq + 1 */
		if (memchr(tok, '\0', kl) || memchr(eq + 1, '\0', vl))
			continue; /* never one of ours */
		struct buf kv = { 0 };
		int rc = buf_printf(&kv, "%s=%s", tok, eq + 1) ? err_oom(e)
			 : podman_labels_add(&x->labels, kv.p, kv.len, e);
		buf_free(&kv);
		if (rc)
			return rc;
	}
	return 0;
}

int podman_lookup(const struct podman *p, const char *const *names, size_t n,
		  struct podman_existing *out, struct err *e)
{
	/* Hex keeps any byte a newer podman allows in a name or label
	 * unambiguous; the name is compared, since inspect also matches IDs. */
	static const char fmt[] = "{{.ID}} {{printf \"%x\" .Spec.Name}}"
				  " x{{printf \"%x\" .Spec.Driver.Name}}"
				  " x{{printf \"%x\" (index .Spec.Driver.Options \"lookup\")}}"
				  "{{range $k, $v := .Spec.Labels}} {{printf \"%x\" $k}}="
				  "{{printf \"%x\" $v}}{{end}}";
	const char **argv = calloc(n + 7, sizeof *argv);
	struct podman_result r;
	size_t k = 0;
	char *line, *save = NULL;
	int rc;

	for (size_t i = 0; i < n; i++)
		memset(&out[i], 0, sizeof out[i]);
	if (!argv)
		return err_oom(e);
	argv[k++] = p->program;
	argv[k++] = "secret";
	argv[k++] = "inspect";
	argv[k++] = "--format";
	argv[k++] = fmt;
	argv[k++] = "--";
	for (size_t i = 0; i < n; i++)
		argv[k++] = names[i];
	argv[k] = NULL;
	rc = podman_spawn(p->program, argv, NULL, 0, &r, e);
	free(argv);
	if (rc)
		return rc;
	/* Missing names make inspect exit 125 ("no such secret") after
	 * printing the others; any other failure is a failure. */
	if (r.status && !strstr(r.err.p, "no such secret")) {
		rc = run_failed(e, "podman secret inspect", NULL, &r);
		goto out;
	}
	for (line = strtok_r(r.out.p, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save))
		rc = parse_line(line, names, n, out, e);
out:
	if (rc)
		for (size_t i = 0; i < n; i++)
			podman_existing_free(&out[i]);
	podman_result_free(&r);
	return rc;
}

/* ---- creating ---- */

const char *podman_action_name(enum podman_action a)
{
	switch (a) {
	case PODMAN_UNCHANGED:
		return "unchanged";
	case PODMAN_CREATED:
		return "created";
	case PODMAN_REPLACED:
		return "replaced";
	case PODMAN_RECREATED:
		return "replaced (removed, then created: podman < 4.7 has no --replace)";
	case PODMAN_RECREATED_DRIVER:
		return "replaced (removed, then created: never create --replace across or with "
		       "the shell driver)";
	}
	return "?";
}

/* The labels s is created with: the user's, and the digest. */
static int want_labels(const struct podman_secret *s, struct podman_labels *l, struct err *e)
{
	struct buf kv = { 0 };
	int rc = 0;

	memset(l, 0, sizeof *l);
	for (size_t i = 0; s->labels && i < s->labels->n && !rc; i++) {
		kv.len = 0;
		rc = buf_printf(&kv, "%s=%s", s->labels->v[i].key, s->labels->v[i].value)
			     ? err_oom(e)
			     : podman_labels_add(l, kv.p, kv.len, e);
	}
	kv.len = 0;
	if (!rc && s->ref)
		rc = buf_printf(&kv, "%s=%.*s", PODMAN_REF_LABEL, (int)strcspn(s->ref, "\n"), s->ref)
			     ? err_oom(e)
			     : podman_labels_add(l, kv.p, kv.len, e);
	else if (!rc)
		rc = buf_printf(&kv, "%s=%s", PODMAN_DIGEST_LABEL, s->digest)
			     ? err_oom(e)
			     : podman_labels_add(l, kv.p, kv.len, e);
	buf_free(&kv);
	if (rc)
		podman_labels_free(l);
	return rc;
}

const char *podman_why_text(enum podman_why w)
{
	switch (w) {
	case PODMAN_WHY_MISSING:
		return "no such secret";
	case PODMAN_WHY_DRIVER:
		return "another secret driver or driver command";
	case PODMAN_WHY_NO_DIGEST:
		return "no digest label: not made by secretctl";
	case PODMAN_WHY_REF:
		return "reference label differs";
	case PODMAN_WHY_ENTRY:
		return "the driver has lost its reference";
	case PODMAN_WHY_DIGEST:
		return "digest label differs";
	case PODMAN_WHY_LABELS:
		return "labels differ";
	case PODMAN_WHY_EQUAL:
		return "digest and labels equal";
	}
	return "?";
}

enum podman_why podman_secret_compare(const struct podman_secret *s,
				      const struct podman_existing *cur)
{
	struct podman_labels want;
	struct err e;
	const char *d;
	int same;

	if (!cur->exists)
		return PODMAN_WHY_MISSING;
	if (s->ref) {
		struct buf cmd = { 0 };
		int same_cmd;

		if (strcmp(cur->driver, "shell") != 0)
			return PODMAN_WHY_DRIVER;
		if (podman_driver_cmd(s->driver_bin, "lookup", &cmd))
			return PODMAN_WHY_DRIVER; /* out of memory: not known equal */
		same_cmd = cur->lookup_opt && strcmp(cur->lookup_opt, cmd.p) == 0;
		buf_free(&cmd);
		if (!same_cmd)
			return PODMAN_WHY_DRIVER;
		d = podman_labels_get(&cur->labels, PODMAN_REF_LABEL);
		if (!d || strlen(d) != strcspn(s->ref, "\n") || memcmp(d, s->ref, strlen(d)) != 0)
			return PODMAN_WHY_REF;
		if (cur->entry_lost)
			return PODMAN_WHY_ENTRY;
	} else {
		if (cur->driver[0] && strcmp(cur->driver, "file") != 0)
			return PODMAN_WHY_DRIVER;
		d = podman_labels_get(&cur->labels, PODMAN_DIGEST_LABEL);
		if (!d)
			return PODMAN_WHY_NO_DIGEST;
		if (strlen(d) != PODMAN_DIGEST_HEX_LEN - 1 ||
		    sodium_memcmp(d, s->digest, PODMAN_DIGEST_HEX_LEN - 1) != 0)
			return PODMAN_WHY_DIGEST;
	}
	if (want_labels(s, &want, &e))
		return PODMAN_WHY_LABELS; /* out of memory: not known equal */
	same = podman_labels_equal(&want, &cur->labels);
	podman_labels_free(&want);
	return same ? PODMAN_WHY_EQUAL : PODMAN_WHY_LABELS;
}

int podman_secret_current(const struct podman_secret *s, const struct podman_existing *cur)
{
	return podman_secret_compare(s, cur) == PODMAN_WHY_EQUAL;
}

static int secret_rm(const struct podman *p, const char *name, const char *id, struct err *e)
{
	/* by full ID: a name could also be read as an ID prefix */
	const char *argv[] = { p->program, "secret", "rm", "--", id, NULL };
	struct podman_result r;
	int rc = podman_spawn(p->program, argv, NULL, 0, &r, e);

	if (!rc && r.status)
		rc = run_failed(e, "podman secret rm", name, &r);
	podman_result_free(&r);
	return rc;
}

int podman_secret_put(const struct podman *p, const struct podman_secret *s,
		      const struct podman_existing *cur, enum podman_action *done, char id[80],
		      struct err *e)
{
	struct podman_labels want;
	struct podman_result r;
	const char **argv;
	size_t k = 0;
	/* create --replace only from file driver to file driver: podman 4.x
	 * deletes the old data through the new driver (containers/podman#27130) */
	int replace = cur->exists && podman_has_replace(&p->version) && !s->ref &&
		      (!cur->driver[0] || strcmp(cur->driver, "file") == 0);
	struct buf opts[4] = { { 0 } };
	static const char *const ops[4] = { "list", "lookup", "store", "delete" };
	int rc;

	id[0] = '\0';
	if (podman_secret_current(s, cur)) {
		*done = PODMAN_UNCHANGED;
		snprintf(id, 80, "%s", cur->id);
		return 0;
	}
	if (want_labels(s, &want, e))
		return e->code;
	argv = calloc(2 * want.n + 19, sizeof *argv);
	if (!argv) {
		podman_labels_free(&want);
		return err_oom(e);
	}
	if (cur->exists && !replace && (rc = secret_rm(p, s->name, cur->id, e)) != 0)
		goto out;
	argv[k++] = p->program;
	argv[k++] = "secret";
	argv[k++] = "create";
	if (replace)
		argv[k++] = "--replace";
	/* named even for the file driver: containers.conf may make another
	 * driver the default (secretctl(1), "The shell driver") */
	argv[k++] = "--driver";
	argv[k++] = s->ref ? "shell" : "file";
	if (s->ref) {
		for (int i = 0; i < 4; i++) {
			if (buf_printf(&opts[i], "%s=", ops[i]) ||
			    podman_driver_cmd(s->driver_bin, ops[i], &opts[i])) {
				rc = err_oom(e);
				goto out;
			}
			argv[k++] = "--driver-opts";
			argv[k++] = opts[i].p;
		}
	}
	{
		struct buf *kv = calloc(want.n ? want.n : 1, sizeof *kv);
		if (!kv) {
			rc = err_oom(e);
			goto out;
		}
		rc = 0;
		for (size_t i = 0; i < want.n && !rc; i++) {
			if (buf_printf(&kv[i], "%s=%s", want.v[i].key, want.v[i].value))
				rc = err_oom(e);
			argv[k++] = "--label";
			argv[k++] = kv[i].p;
		}
		argv[k++] = "--";
		argv[k++] = s->name;
		argv[k++] = "-";
		argv[k] = NULL;
		if (!rc)
			rc = podman_spawn(p->program, argv, s->value, s->len, &r, e);
		for (size_t i = 0; i < want.n; i++)
			buf_free(&kv[i]);
		free(kv);
	}
	if (rc)
		goto out;
	if (r.status) {
		rc = run_failed(e, "podman secret create", s->name, &r);
		if (cur->exists && !replace)
			err_wrap(e, "the old secret '%s' was removed, but", s->name);
	} else {
		size_t n = r.out.len;
		while (n && (r.out.p[n - 1] == '\n' || r.out.p[n - 1] == ' '))
			n--;
		snprintf(id, 80, "%.*s", (int)(n > 79 ? 79 : n), r.out.p);
		*done = !cur->exists ? PODMAN_CREATED
			: replace    ? PODMAN_REPLACED
			: s->ref || (cur->driver[0] && strcmp(cur->driver, "file") != 0)
				? PODMAN_RECREATED_DRIVER
				: PODMAN_RECREATED;
	}
	podman_result_free(&r);
out:
	for (int i = 0; i < 4; i++)
		buf_free(&opts[i]);
	free(argv);
	podman_labels_free(&want);
	return rc;
}
