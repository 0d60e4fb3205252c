#include "secretctl/envfmt.h"
#include "secretctl/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

int envfmt_dialect_parse(const char *name, enum envfmt_dialect *out, struct err *e)
{
	static const struct {
		const char *name;
		enum envfmt_dialect d;
	} tab[] = {
		{ "systemd", ENVFMT_SYSTEMD },
		{ "podman", ENVFMT_PODMAN },
		{ "docker", ENVFMT_PODMAN },
		{ "shell", ENVFMT_SHELL },
		{ "json", ENVFMT_JSON },
	};
	size_t i;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (strcmp(name, tab[i].name) == 0) {
			*out = tab[i].d;
			return 0;
		}
	}
	return err_set(e, ERR_USAGE,
		       "unknown format '%.64s' (expected systemd, podman, docker, shell or json)",
		       name);
}

const char *envfmt_dialect_name(enum envfmt_dialect d)
{
	switch (d) {
	case ENVFMT_SYSTEMD:
		return "systemd";
	case ENVFMT_PODMAN:
		return "podman";
	case ENVFMT_SHELL:
		return "shell";
	case ENVFMT_JSON:
		return "json";
	}
	return "?";
}

/* What the error message calls the dialect. */
static const char *dialect_what(enum envfmt_dialect d)
{
	switch (d) {
	case ENVFMT_SYSTEMD:
		return "the systemd env-file format";
	case ENVFMT_PODMAN:
		return "the podman env-file format";
	case ENVFMT_SHELL:
		return "the shell format";
	case ENVFMT_JSON:
		return "the json format";
	}
	return "?";
}

int envfmt_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

/* systemd's utf8_is_valid() also refuses the noncharacters, and a value it
 * refuses makes EnvironmentFile= drop the whole file. */
static int unicode_nonchar(uint32_t c)
{
	return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/* s as printable text for a message: control bytes as \xNN, cut short. */
static void msg_text(char *dst, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= cap) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
}

/* Where a value came from, for messages: its PATH, else its name. */
static void msg_where(char *dst, size_t cap, const struct envfmt_entry *v)
{
	if (v->path)
		msg_text(dst, cap, v->path, strlen(v->path));
	else
		msg_text(dst, cap, v->name, v->name_len);
}

static int refuse(enum envfmt_dialect d, const struct envfmt_entry *v, struct err *e,
		  const char *why, const char *instead)
{
	char where[256];

	msg_where(where, sizeof where, v);
	return err_set(e, ERR_INPUT, "%s: value %s, which %s cannot carry; use %s", where, why,
		       dialect_what(d), instead);
}

/* podman's advice: an env secret carries what its env file cannot (runc
 * passes the bytes through; only NUL and invalid UTF-8 fail there too). */
static int refuse_podman(const struct envfmt_entry *v, struct err *e, const char *why)
{
	char where[256], name[128], instead[800];

	msg_where(where, sizeof where, v);
	msg_text(name, sizeof name, v->name, v->name_len);
	snprintf(instead, sizeof instead,
		 "an env secret (secretctl podman STORE -e %s %s, and Secret=%s,type=env in the "
		 "unit) or -f",
		 where, name, name);
	return refuse(ENVFMT_PODMAN, v, e, why, instead);
}

int envfmt_check(enum envfmt_dialect d, const struct envfmt_entry *v, struct err *e)
{
	const unsigned char *s = v->value;
	size_t len = v->value_len, i, n;
	char why[96];
	uint32_t cp;

	if (!envfmt_name_valid(v->name, v->name_len)) {
		char where[256], name[128];

		msg_where(where, sizeof where, v);
		msg_text(name, sizeof name, v->name, v->name_len);
		return err_set(e, ERR_INPUT,
			       "%s: \"%s\" is not a valid variable name "
			       "(letters, digits and _, not starting with a digit)",
			       where, name);
	}
	/* Order: the classes with the fewest ways out first, so the hint is
	 * true (a NUL fits no env format at all). */
	if (len && memchr(s, 0, len)) {
		snprintf(why, sizeof why, "has a NUL byte (offset %zu)",
			 (size_t)((const unsigned char *)memchr(s, 0, len) - s));
		return refuse(d, v, e, why, "-f");
	}
	if (d == ENVFMT_SHELL)
		return 0; /* single quotes carry every other byte */
	for (i = 0; i < len; i += n) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			snprintf(why, sizeof why, "is not valid UTF-8 (byte 0x%02x at offset %zu)",
				 s[i], i);
			/* podman's OCI spec is JSON, which Go makes valid UTF-8 */
			return refuse(d, v, e, why,
				      d == ENVFMT_PODMAN ? "-f (podman turns invalid UTF-8 into "
							   "U+FFFD, in env secrets too)"
							 : "--format shell or -f");
		}
		if (d == ENVFMT_SYSTEMD && unicode_nonchar(cp)) {
			snprintf(why, sizeof why, "has the Unicode noncharacter U+%04X (offset %zu)",
				 (unsigned)cp, i);
			return refuse(d, v, e, why, "--format shell or -f");
		}
	}
	if (d != ENVFMT_PODMAN)
		return 0;
	/* podman (pkg/env ParseFile, 4.3 to 5.x) reads lines with Go's
	 * bufio.Scanner, which ends a line at LF and drops one CR before it,
	 * and takes everything after the first '=' raw: blanks and quotes at
	 * either end are the value's own. */
	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			snprintf(why, sizeof why, "has a newline (offset %zu)", i);
			return refuse_podman(v, e, why);
		}
	}
	if (len && s[len - 1] == '\r')
		return refuse_podman(v, e, "ends with a carriage return");
	if (v->name_len + 1 + len > ENVFMT_PODMAN_LINE_MAX) {
		snprintf(why, sizeof why, "is too long (a line over %d bytes)",
			 ENVFMT_PODMAN_LINE_MAX);
		return refuse_podman(v, e, why);
	}
	return 0;
}

/* systemd takes these unquoted as they are. */
static int systemd_bare(const unsigned char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0; /* NAME="" says "empty" on purpose; a bare NAME= looks cut off */
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr("_@%+=:,./-", c)))
			return 0;
	}
	return 1;
}

#define PUT(p, n)                                   \
	do {                                        \
		if (secmem_append(out, (p), (n)))   \
			return -1;                  \
	} while (0)
#define PUTS(s) PUT((s), strlen(s))

static int render_systemd(const struct envfmt_entry *v, struct secmem *out)
{
	size_t i;

	PUT(v->name, v->name_len);
	PUTS("=");
	if (systemd_bare(v->value, v->value_len)) {
		PUT(v->value, v->value_len);
	} else {
		PUTS("\"");
		for (i = 0; i < v->value_len; i++) {
			unsigned char c = v->value[i];

			if (c == '"' || c == '\\' || c == '`' || c == '$')
				PUTS("\\");
			PUT(&c, 1);
		}
		PUTS("\"");
	}
	PUTS("\n");
	return 0;
}

static int render_podman(const struct envfmt_entry *v, struct secmem *out)
{
	PUT(v->name, v->name_len);
	PUTS("=");
	PUT(v->value, v->value_len);
	PUTS("\n");
	return 0;
}

static int render_shell(const struct envfmt_entry *v, struct secmem *out)
{
	size_t i, start = 0;

	PUTS("export ");
	PUT(v->name, v->name_len);
	PUTS("='");
	for (i = 0; i < v->value_len; i++) {
		if (v->value[i] == '\'') {
			PUT(v->value + start, i - start);
			PUTS("'\\''");
			start = i + 1;
		}
	}
	PUT(v->value + start, v->value_len - start);
	PUTS("'\n");
	return 0;
}

static int render_json_string(const unsigned char *s, size_t len, struct secmem *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	PUTS("\"");
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		char u[7];

		switch (c) {
		case '"':
			PUTS("\\\"");
			break;
		case '\\':
			PUTS("\\\\");
			break;
		case '\b':
			PUTS("\\b");
			break;
		case '\f':
			PUTS("\\f");
			break;
		case '\n':
			PUTS("\\n");
			break;
		case '\r':
			PUTS("\\r");
			break;
		case '\t':
			PUTS("\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				memcpy(u, "\\u00", 4);
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				PUT(u, 6);
			} else {
				PUT(&c, 1);
			}
		}
	}
	PUTS("\"");
	return 0;
}

#undef PUT
#undef PUTS

static int render_all(enum envfmt_dialect d, const struct envfmt_entry *v, size_t n,
		      struct secmem *out)
{
	size_t i;
	int r = 0;

	if (d == ENVFMT_JSON && secmem_append(out, "{", 1))
		return -1;
	for (i = 0; i < n && r == 0; i++) {
		switch (d) {
		case ENVFMT_SYSTEMD:
			r = render_systemd(&v[i], out);
			break;
		case ENVFMT_PODMAN:
			r = render_podman(&v[i], out);
			break;
		case ENVFMT_SHELL:
			r = render_shell(&v[i], out);
			break;
		case ENVFMT_JSON:
			if (i && secmem_append(out, ",", 1))
				return -1;
			r = render_json_string((const unsigned char *)v[i].name, v[i].name_len, out);
			if (r == 0 && secmem_append(out, ":", 1))
				return -1;
			if (r == 0)
				r = render_json_string(v[i].value, v[i].value_len, out);
			break;
		}
	}
	if (r == 0 && d == ENVFMT_JSON && secmem_append(out, "}\n", 2))
		return -1;
	return r;
}

int envfmt_render(enum envfmt_dialect d, const struct envfmt_entry *v, size_t n,
		  struct secmem *out, struct err *e)
{
	size_t i, j, start = out->len;

	for (i = 0; i < n; i++) {
		int r = envfmt_check(d, &v[i], e);

		if (r)
			return r;
	}
	/* A later line would silently win (or, in JSON, be undefined). */
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (v[j].name_len == v[i].name_len &&
			    memcmp(v[j].name, v[i].name, v[i].name_len) == 0) {
				char where[256];

				msg_where(where, sizeof where, &v[i]);
				return err_set(e, ERR_INPUT, "%s: variable %.*s appears twice", where,
					       (int)v[i].name_len, v[i].name);
			}
		}
	}
	if (render_all(d, v, n, out)) {
		if (out->p) {
			sodium_memzero(out->p + start, out->len - start);
			out->len = start;
		}
		return err_oom(e);
	}
	return 0;
}
