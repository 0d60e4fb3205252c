/* libFuzzer harness for envfmt: every dialect (systemd, podman, docker,
 * shell, json), up to four entries, with the round trip checked here.
 *
 * Input: byte 0 picks the dialect (0 systemd, 1 podman, 2 shell, 3 json,
 * 4 "docker" through envfmt_dialect_parse); byte 1 is flags: bits 0-1 + 1
 * entries (bit 4: none at all), bit 2 the last entry reuses the first
 * one's name, bit 3 the first entry's name is its value (name checks).
 * The rest is the values: all of it for one entry, else split at NULs.
 *
 * Checks:
 *  - rendered: the output, read back by a small reader of that dialect as
 *    the consumer reads it (systemd EnvironmentFile= quoting and escapes;
 *    podman's Go reader: lines, a trailing CR dropped, blanks before the
 *    name skipped, the value raw, invalid UTF-8 made U+FFFD by the OCI
 *    spec's JSON; POSIX sh single quotes; JSON), gives the
 *    same names and values in order; the text before stays as it was;
 *  - refused: exactly when this harness's own rules say so (a NUL; invalid
 *    UTF-8 except in shell; a Unicode noncharacter in systemd; a newline,
 *    a CR at the end or a line over 65535 bytes in podman; an invalid or
 *    repeated name); ERR_INPUT, and
 *    the output is untouched (all or nothing). Any mismatch aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/envfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXV 4
static const char prefix[] = "before\n";

struct pair {
	const unsigned char *name, *val; /* into dec */
	size_t nlen, vlen;
};

static unsigned char dec[1 << 16];
static size_t dec_len;
static struct pair got[MAXV + 1];
static size_t n_got;

static int put(unsigned char c)
{
	if (dec_len >= sizeof dec)
		return -1;
	dec[dec_len++] = c;
	return 0;
}

static int add_pair(const unsigned char *name, size_t nlen, size_t vstart)
{
	if (n_got > MAXV)
		return -1;
	got[n_got++] = (struct pair){ name, dec + vstart, nlen, dec_len - vstart };
	return 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* NAME up to '=' at s[*i]: [A-Za-z0-9_]+ */
static int read_name(const unsigned char *s, size_t n, size_t *i, const unsigned char **name,
		     size_t *nlen)
{
	size_t a = *i;

	while (*i < n && s[*i] != '=' && s[*i] != '\n')
		(*i)++;
	if (*i >= n || s[*i] != '=' || *i == a)
		return -1;
	*name = s + a;
	*nlen = *i - a;
	(*i)++;
	return 0;
}

/* systemd EnvironmentFile=: NAME=bare or NAME="..." per line. In double
 * quotes systemd takes \" \\ \` \$ as the character, keeps any other
 * backslash, and takes line breaks as they are; the renderer must escape
 * exactly " \ ` $ there and use bare values only from a safe set. */
static int dec_systemd(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *name;
		size_t nlen, v = dec_len;

		if (read_name(s, n, &i, &name, &nlen))
			return -1;
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '`' || s[i] == '$')
					return -1; /* unescaped: systemd leaves it, a shell would not */
				if (s[i] == '\\') {
					if (i + 1 >= n || !strchr("\"\\`$", s[i + 1]))
						return -1; /* never rendered */
					i++;
				}
				if (put(s[i]))
					return -1;
			}
			if (i >= n)
				return -1;
			i++; /* the closing quote */
		} else {
			for (; i < n && s[i] != '\n'; i++) {
				unsigned char c = s[i];

				if (!strchr("_@%+=:,./-", c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
				    !(c >= '0' && c <= '9'))
					return -1;
				if (put(c))
					return -1;
			}
			if (dec_len == v)
				return -1; /* a bare empty value is never rendered */
		}
		if (i >= n || s[i] != '\n' || add_pair(name, nlen, v))
			return -1;
		i++;
	}
	return 0;
}

/* Length of the UTF-8 sequence at s as Go decodes it (utf8.DecodeRune:
 * no overlong forms, surrogates or code points past U+10FFFF), 0 when
 * invalid. */
static size_t go_rune_len(const unsigned char *s, size_t n)
{
	size_t k, j;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (j = 1; j < k; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[j] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* podman --env-file (pkg/env ParseFile, the same from 4.3 to 5.x): Go's
 * bufio.Scanner lines (split at LF, one CR before it dropped, a line that
 * does not fit 64 KiB with its LF an error), strings.TrimLeft " \t", empty
 * and '#' lines skipped, cut at the first '=', the value raw. The value
 * then reaches the container through the OCI spec, which Go's JSON writes
 * with each invalid UTF-8 byte as U+FFFD; runc refuses a NUL. */
static int dec_podman(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, e2 = end, v = dec_len, j, k;
		const unsigned char *name;
		size_t nlen;

		if (!nl)
			return -1; /* every line ends */
		if (end - i + 1 > 65536)
			return -1; /* bufio.ErrTooLong: podman fails */
		if (e2 > i && s[e2 - 1] == '\r')
			e2--; /* ScanLines drops it */
		j = i;
		while (j < e2 && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j == e2 || s[j] == '#')
			return -1; /* the renderer never writes such lines */
		if (read_name(s, e2, &j, &name, &nlen))
			return -1;
		for (; j < e2; j += k) {
			if (s[j] == 0)
				return -1; /* runc will not start the container */
			k = go_rune_len(s + j, e2 - j);
			if (k == 0) {
				if (put(0xef) || put(0xbf) || put(0xbd))
					return -1;
				k = 1;
				continue;
			}
			for (size_t c = 0; c < k; c++)
				if (put(s[j + c]))
					return -1;
		}
		if (add_pair(name, nlen, v))
			return -1;
		i = end + 1;
	}
	return 0;
}

/* export NAME='...' ('\'' for a quote); line breaks inside quotes are data. */
static int dec_shell(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *name;
		size_t nlen, v = dec_len;

		if (n - i < 7 || memcmp(s + i, "export ", 7))
			return -1;
		i += 7;
		if (read_name(s, n, &i, &name, &nlen))
			return -1;
		if (i >= n || s[i] != '\'')
			return -1;
		for (;;) {
			if (i >= n)
				return -1;
			if (s[i] == '\'') {
				for (i++; i < n && s[i] != '\''; i++)
					if (put(s[i]))
						return -1;
				if (i >= n)
					return -1;
				i++;
			} else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\'') {
				if (put('\''))
					return -1;
				i += 2;
			} else if (s[i] == '\n') {
				break;
			} else {
				return -1;
			}
		}
		if (add_pair(name, nlen, v))
			return -1;
		i++;
	}
	return 0;
}

static int json_string(const unsigned char *s, size_t n, size_t *i)
{
	if (*i >= n || s[*i] != '"')
		return -1;
	for ((*i)++; *i < n && s[*i] != '"'; (*i)++) {
		unsigned char c = s[*i];
		int h, l;

		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (put(c))
				return -1;
			continue;
		}
		if (++*i >= n)
			return -1;
		switch (s[*i]) {
		case '"': case '\\': case '/': c = s[*i]; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			/* the renderer only escapes control bytes and DEL */
			if (*i + 4 >= n || s[*i + 1] != '0' || s[*i + 2] != '0' ||
			    (h = hexval(s[*i + 3])) < 0 || (l = hexval(s[*i + 4])) < 0)
				return -1;
			c = (unsigned char)(h << 4 | l);
			*i += 4;
			break;
		default:
			return -1;
		}
		if (put(c))
			return -1;
	}
	if (*i >= n)
		return -1;
	(*i)++;
	return 0;
}

static int dec_json(const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (n < 3 || s[0] != '{' || memcmp(s + n - 2, "}\n", 2))
		return -1;
	n -= 2;
	i = 1;
	while (i < n) {
		size_t k = dec_len, v;

		if (n_got && s[i++] != ',')
			return -1;
		if (json_string(s, n, &i) || i >= n || s[i++] != ':')
			return -1;
		v = dec_len;
		if (json_string(s, n, &i))
			return -1;
		if (add_pair(dec + k, v - k, v))
			return -1;
	}
	return 0;
}

/* ---- the refusal rules, written independently of envfmt.c ---- */

static int utf8_ok(const unsigned char *s, size_t n, int no_nonchars)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (no_nonchars && ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe))
			return 0;
		i += k + 1;
	}
	return 1;
}

static int name_ok(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			return 0;
	return 1;
}

static int refusable(enum envfmt_dialect d, const struct envfmt_entry *v)
{
	const unsigned char *s = v->value;
	size_t n = v->value_len;

	if (!name_ok(v->name, v->name_len) || (n && memchr(s, 0, n)))
		return 1;
	if (d == ENVFMT_SHELL)
		return 0;
	if (!utf8_ok(s, n, d == ENVFMT_SYSTEMD))
		return 1;
	if (d != ENVFMT_PODMAN)
		return 0;
	return (n && (memchr(s, '\n', n) || s[n - 1] == '\r')) ||
	       v->name_len + 1 + n > ENVFMT_PODMAN_LINE_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[MAXV] = { "K0", "K1", "_k2", "Kx3" };
	static int init;
	struct secmem out = { 0 };
	struct err e = { 0 };
	struct envfmt_entry v[MAXV];
	enum envfmt_dialect d;
	size_t k, i, pos;
	int r, refuse = 0;

	if (!init) {
		if (secmem_init())
			abort();
		init = 1;
	}
	if (size < 2 || size > 70000)
		return 0;
	switch (data[0] % 5) {
	case 0: d = ENVFMT_SYSTEMD; break;
	case 1: d = ENVFMT_PODMAN; break;
	case 2: d = ENVFMT_SHELL; break;
	case 3: d = ENVFMT_JSON; break;
	default:
		if (envfmt_dialect_parse("docker", &d, &e) || d != ENVFMT_PODMAN ||
		    strcmp(envfmt_dialect_name(d), "podman"))
			abort();
		break;
	}
	{ /* the name of a dialect parses back to it */
		enum envfmt_dialect d2;

		if (envfmt_dialect_parse(envfmt_dialect_name(d), &d2, &e) || d2 != d)
			abort();
	}
	k = (data[1] & 16) ? 0 : (size_t)(data[1] & 3) + 1;
	pos = 2;
	for (i = 0; i < k; i++) { /* the last value takes the rest; a missing NUL: empty values */
		const uint8_t *nul = i + 1 < k ? memchr(data + pos, 0, size - pos) : NULL;
		size_t end = nul ? (size_t)(nul - data) : size;

		v[i] = (struct envfmt_entry){ names[i], strlen(names[i]), data + pos, end - pos, NULL };
		pos = end < size ? end + 1 : size;
	}
	if (k && (data[1] & 8)) { /* the first value is also its name */
		v[0].name = (const char *)v[0].value;
		v[0].name_len = v[0].value_len;
	}
	if (k > 1 && (data[1] & 4)) {
		v[k - 1].name = v[0].name;
		v[k - 1].name_len = v[0].name_len;
	}
	for (i = 0; i < k; i++) {
		struct err ce;
		int rf = refusable(d, &v[i]);

		if ((envfmt_check(d, &v[i], &ce) != 0) != rf)
			abort(); /* envfmt_check and the rules above disagree */
		refuse |= rf;
		for (size_t j = 0; j < i; j++)
			if (v[j].name_len == v[i].name_len && !memcmp(v[j].name, v[i].name, v[i].name_len))
				refuse = 1;
	}
	if (secmem_append(&out, prefix, sizeof prefix - 1))
		abort();
	r = envfmt_render(d, v, k, &out, &e);
	if (out.len < sizeof prefix - 1 || memcmp(out.p, prefix, sizeof prefix - 1))
		abort(); /* what was there before changed */
	if (r) {
		if (!refuse || r != ERR_INPUT || out.len != sizeof prefix - 1)
			abort(); /* refused a value it can carry, or not all or nothing */
	} else {
		const unsigned char *s = out.p + sizeof prefix - 1;
		size_t n = out.len - (sizeof prefix - 1);
		int bad;

		if (refuse)
			abort(); /* rendered a value it cannot carry */
		dec_len = 0;
		n_got = 0;
		switch (d) {
		case ENVFMT_SYSTEMD: bad = dec_systemd(s, n); break;
		case ENVFMT_PODMAN: bad = dec_podman(s, n); break;
		case ENVFMT_SHELL: bad = dec_shell(s, n); break;
		default: bad = dec_json(s, n); break; /* none: "{}\n" */
		}
		if (bad || n_got != k)
			abort(); /* does not read back */
		for (i = 0; i < k; i++)
			if (got[i].nlen != v[i].name_len || memcmp(got[i].name, v[i].name, v[i].name_len) ||
			    got[i].vlen != v[i].value_len ||
			    (v[i].value_len && memcmp(got[i].val, v[i].value, v[i].value_len)))
				abort(); /* a name or a value reads back different */
	}
	secmem_free(&out);
	return 0;
}
