/* template: {{ PATH | filter }} placeholders (template.h). */
#include "secretctl/template.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/utf8.h"

static const char *const filter_names[] = { "raw", "json", "yaml", "sh", "trim" };
#define N_FILTERS (sizeof filter_names / sizeof filter_names[0])

const char *template_filter_name(enum template_filter f)
{
	return (size_t)f < N_FILTERS ? filter_names[f] : "?";
}

void template_free(struct template *t)
{
	free(t->parts);
	t->parts = NULL;
	t->n = 0;
}

static int add(struct template *t, size_t *cap, const struct template_part *p)
{
	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct template_part *np = realloc(t->parts, ncap * sizeof *np);
		if (!np)
			return -1;
		t->parts = np;
		*cap = ncap;
	}
	t->parts[t->n++] = *p;
	return 0;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s[*a, *b) without blanks at either end */
static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && blank(s[*a]))
		(*a)++;
	while (*b > *a && blank(s[*b - 1]))
		(*b)--;
}

/* The placeholder between s[a, b) (inside "{{" "}}"), into p. */
static int placeholder(const char *s, size_t a, size_t b, size_t line, size_t col0,
		       struct template_part *p, struct err *e)
{
	size_t i = a, end, open = a - 2; /* where "{{" is, column col0 */

	/* PATH: up to the first '|' */
	while (i < b && s[i] != '|')
		i++;
	end = i;
	trim(s, &a, &end);
	if (a == end)
		return err_set(e, ERR_INPUT, "line %zu, column %zu: a placeholder without a PATH",
			       line, col0);
	if (end - a == 4 && memcmp(s + a, "\"{{\"", 4) == 0 && i == b) {
		/* the literal "{{" */
		*p = (struct template_part){ 0, a + 1, 2, line, col0, { 0 }, 0 };
		return 0;
	}
	*p = (struct template_part){ 1, a, end - a, line, col0, { 0 }, 0 };
	while (i < b) {
		size_t fa = ++i, fb, k;
		while (i < b && s[i] != '|')
			i++;
		fb = i;
		trim(s, &fa, &fb);
		for (k = 0; k < N_FILTERS; k++)
			if (fb - fa == strlen(filter_names[k]) &&
			    memcmp(s + fa, filter_names[k], fb - fa) == 0)
				break;
		if (k == N_FILTERS)
			return err_set(e, ERR_INPUT,
				       "line %zu, column %zu: unknown filter '%.*s' (filters: raw, json, yaml, sh, trim)",
				       line, col0 + (fa - open),
				       (int)(fb - fa > 64 ? 64 : fb - fa), s + fa);
		if (p->n_filters == TEMPLATE_MAX_FILTERS)
			return err_set(e, ERR_INPUT, "line %zu, column %zu: more than %d filters",
				       line, col0, TEMPLATE_MAX_FILTERS);
		p->filters[p->n_filters++] = (enum template_filter)k;
	}
	return 0;
}

int template_parse(const char *s, size_t len, struct template *t, struct err *e)
{
	size_t i = 0, text = 0, line = 1, line_start = 0, cap = 0;
	struct template_part p;

	t->parts = NULL;
	t->n = 0;
	if (len > TEMPLATE_MAX_SIZE)
		return err_set(e, ERR_INPUT, "the template is larger than %u MiB",
			       TEMPLATE_MAX_SIZE >> 20);
	while (i < len) {
		if (s[i] == '\n') {
			line++;
			line_start = ++i;
			continue;
		}
		if (s[i] != '{' || i + 1 >= len || s[i + 1] != '{') {
			i++;
			continue;
		}
		/* "{{" at i: its "}}" is on this line */
		size_t col = i - line_start + 1, j = i + 2;
		while (j + 1 < len && s[j] != '\n' && !(s[j] == '}' && s[j + 1] == '}'))
			j++;
		if (j + 1 >= len || s[j] == '\n') {
			template_free(t);
			return err_set(e, ERR_INPUT,
				       "line %zu, column %zu: unterminated placeholder (no }} on its line; {{ \"{{\" }} is a literal {{)",
				       line, col);
		}
		if (i > text) {
			p = (struct template_part){ 0, text, i - text, 0, 0, { 0 }, 0 };
			if (add(t, &cap, &p))
				goto oom;
		}
		if (placeholder(s, i + 2, j, line, col, &p, e)) {
			template_free(t);
			return e->code;
		}
		if (add(t, &cap, &p))
			goto oom;
		i = text = j + 2;
	}
	if (len > text) {
		p = (struct template_part){ 0, text, len - text, 0, 0, { 0 }, 0 };
		if (add(t, &cap, &p))
			goto oom;
	}
	return 0;
oom:
	template_free(t);
	return err_oom(e);
}

/* ---- filters ---- */

static int put(struct secmem *m, const char *s, size_t n)
{
	return secmem_append(m, s, n);
}

/* "\xHH" below U+0100, else "\uHHHH" (YAML's escapes) */
static int hex_escape(struct secmem *m, uint32_t cp)
{
	char b[16];
	int k = cp < 0x100 ? snprintf(b, sizeof b, "\\x%02x", (unsigned)cp)
			   : snprintf(b, sizeof b, "\\u%04x", (unsigned)cp);

	return put(m, b, (size_t)k);
}

static int json(const unsigned char *v, size_t n, struct secmem *o)
{
	static const char hex[] = "0123456789abcdef";
	int rc = put(o, "\"", 1);

	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = v[i];
		char esc[7] = { '\\', 0 };
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default: break;
		}
		if (esc[1])
			rc = put(o, esc, 2);
		else if (c < 0x20) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			rc = put(o, u, 6);
		} else
			rc = put(o, (const char *)&v[i], 1);
	}
	return rc ? rc : put(o, "\"", 1);
}

/* YAML 1.2 double-quoted: every character outside c-printable escaped,
 * and the line breaks YAML 1.1 readers fold (NEL, LS, PS) too */
static int yaml(const unsigned char *v, size_t n, struct secmem *o)
{
	int rc = put(o, "\"", 1);

	for (size_t i = 0; i < n && !rc;) {
		uint32_t cp;
		size_t k = utf8_decode(v + i, n - i, &cp);
		if (cp == '"' || cp == '\\')
			rc = put(o, "\\", 1) || put(o, (const char *)&v[i], 1);
		else if (cp == '\n')
			rc = put(o, "\\n", 2);
		else if (cp == '\t')
			rc = put(o, "\\t", 2);
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			rc = hex_escape(o, cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff)
			rc = hex_escape(o, cp);
		else
			rc = put(o, (const char *)v + i, k);
		i += k;
	}
	return rc ? rc : put(o, "\"", 1);
}

static int sh(const unsigned char *v, size_t n, struct secmem *o)
{
	int rc = put(o, "'", 1);

	for (size_t i = 0; i < n && !rc; i++)
		rc = v[i] == '\'' ? put(o, "'\\''", 4) : put(o, (const char *)&v[i], 1);
	return rc ? rc : put(o, "'", 1);
}

/* Why v cannot pass filter f: 0, or ERR_INPUT. */
static int refuse(enum template_filter f, const unsigned char *v, size_t n, struct err *e)
{
	const unsigned char *nul;
	size_t bad;

	if (f == TEMPLATE_SH && n && (nul = memchr(v, 0, n)))
		return err_set(e, ERR_INPUT,
			       "value has a NUL byte (offset %zu), which the sh filter cannot carry",
			       (size_t)(nul - v));
	if ((f == TEMPLATE_JSON || f == TEMPLATE_YAML) && (bad = utf8_invalid(v, n)) < n)
		return err_set(e, ERR_INPUT,
			       "value is not valid UTF-8 (byte 0x%02x at offset %zu), which the %s filter cannot carry",
			       v[bad], bad, template_filter_name(f));
	return 0;
}

int template_apply(const struct template_part *p, const unsigned char *v, size_t n,
		   struct secmem *out, struct err *e)
{
	struct secmem a = { 0 }, b = { 0 };
	const unsigned char *cur = v;
	size_t len = n;
	int rc = 0;

	for (size_t k = 0; k < p->n_filters && !rc; k++) {
		enum template_filter f = p->filters[k];
		/* the buffer cur is not in */
		struct secmem *to = cur == a.p ? &b : &a;

		if ((rc = refuse(f, cur, len, e)))
			break;
		if (f == TEMPLATE_RAW)
			continue;
		if (f == TEMPLATE_TRIM) {
			if (len && cur[len - 1] == '\n')
				len--;
			continue;
		}
		secmem_clear(to);
		to->len = 0;
		if ((f == TEMPLATE_JSON && json(cur, len, to)) ||
		    (f == TEMPLATE_YAML && yaml(cur, len, to)) || (f == TEMPLATE_SH && sh(cur, len, to)))
			rc = err_oom(e);
		cur = to->p;
		len = to->len;
	}
	if (!rc && len && secmem_append(out, cur, len))
		rc = err_oom(e);
	secmem_free(&a);
	secmem_free(&b);
	return rc;
}
