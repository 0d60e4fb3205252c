/* yedit_render: the scalar styles of yedit.h, rendered (for new values and
 * keys, and for yedit_render_scalar). */
#include "secretctl/yedit_render.h"
#include "secretctl/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define BIN_COLS 76
#define TAG_BINARY "tag:yaml.org,2002:binary"

/* A character that may stand as itself in a plain or block scalar: what
 * libyaml reads as printable and not as a line break or BOM. */
static int text_char(uint32_t c)
{
	return (c >= 0x20 && c <= 0x7E) ||
	       (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
	       (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Is v safe as a plain scalar (reads back as the same text, as a string,
 * not a null)? Deliberately conservative. */
static int plain_ok(const unsigned char *v, size_t n, int flow, int key)
{
	size_t i, l;
	uint32_t cp;

	if (n == 0 || v[0] == ' ' || v[n - 1] == ' ' || v[n - 1] == ':')
		return 0;
	if ((n == 1 && v[0] == '~') ||
	    (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4))))
		return 0;
	if (key && n == 2 && !memcmp(v, "<<", 2))
		return 0; /* the merge key */
	if (n >= 3 && (!memcmp(v, "---", 3) || !memcmp(v, "...", 3)))
		return 0; /* document markers at column 0 */
	if (strchr("-?:,[]{}#&*!|>'\"%@`", v[0]) && !(v[0] == '-' && n > 1 && ascii_alnum(v[1])))
		return 0;
	for (i = 0; i < n; i += l) {
		l = utf8_decode(v + i, n - i, &cp);
		if (!l || !text_char(cp))
			return 0;
		if (cp == ':' && i + 1 < n && v[i + 1] == ' ')
			return 0;
		if (cp == '#' && i > 0 && v[i - 1] == ' ')
			return 0;
		if (flow && cp < 0x80 && strchr(",[]{}:", (int)cp))
			return 0;
	}
	return 1;
}

/* Can v be a literal block (it has a line break, some text, and only
 * characters a block carries as themselves)? */
static int literal_ok(const unsigned char *v, size_t n)
{
	size_t i, l;
	uint32_t cp;
	int nl = 0, text = 0;

	for (i = 0; i < n; i += l) {
		l = utf8_decode(v + i, n - i, &cp);
		if (!l)
			return 0;
		if (cp == '\n')
			nl = 1;
		else if (cp == '\t' || text_char(cp))
			text = 1;
		else
			return 0;
	}
	return nl && text;
}

int yedit_put(struct secmem *m, const char *s)
{
	return secmem_append(m, s, strlen(s));
}

int yedit_put_spaces(struct secmem *m, size_t n)
{
	static const char sp[] = "                                ";

	while (n) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;

		if (secmem_append(m, sp, k))
			return -1;
		n -= k;
	}
	return 0;
}

static int render_dq(const unsigned char *v, size_t n, struct secmem *out)
{
	size_t i, l;
	uint32_t cp;
	char esc[16];

	if (yedit_put(out, "\""))
		return -1;
	for (i = 0; i < n; i += l) {
		const char *s = NULL;

		l = utf8_decode(v + i, n - i, &cp);
		if (!l)
			return -1;
		switch (cp) {
		case '"': s = "\\\""; break;
		case '\\': s = "\\\\"; break;
		case 0: s = "\\0"; break;
		case '\t': s = "\\t"; break;
		case '\n': s = "\\n"; break;
		case '\r': s = "\\r"; break;
		case 0x2028: s = "\\L"; break;
		case 0x2029: s = "\\P"; break;
		default:
			if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
				snprintf(esc, sizeof esc, "\\x%02X", (unsigned)cp);
				s = esc;
			} else if (cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
				snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
				s = esc;
			}
		}
		if (s ? yedit_put(out, s) : secmem_append(out, v + i, l))
			return -1;
	}
	return yedit_put(out, "\"");
}

/* Lines of a block scalar at column `col`. */
static int block_lines(const unsigned char *v, size_t n, size_t col, const char *eol,
		       struct secmem *body)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && v[j] != '\n'; j++)
			;
		if (j > i && (yedit_put_spaces(body, col) || secmem_append(body, v + i, j - i)))
			return -1;
		if (yedit_put(body, eol))
			return -1;
		i = j + 1;
	}
	return 0;
}

void yedit_rend_free(struct yedit_rend *r)
{
	secmem_free(&r->head);
	secmem_free(&r->body);
	r->block = r->keep = 0;
}

int yedit_render(const unsigned char *v, size_t n, size_t indent, unsigned flags, const char *eol,
		 int verbatim_bin, struct yedit_rend *r, struct err *e)
{
	int inl = (flags & (YEDIT_FLOW | YEDIT_INLINE)) != 0;
	const char *btag = verbatim_bin ? "!<" TAG_BINARY ">" : "!!binary";

	r->block = r->keep = 0;
	if (utf8_invalid(v, n) != n) {
		struct secmem b64 = { 0 };
		size_t blen = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);

		if (secmem_reserve(&b64, blen))
			return err_oom(e);
		sodium_bin2base64((char *)b64.p, blen, v, n, sodium_base64_VARIANT_ORIGINAL);
		b64.len = strlen((char *)b64.p);
		if (inl || b64.len <= BIN_COLS) {
			if (yedit_put(&r->head, btag) || yedit_put(&r->head, inl ? " \"" : " ") ||
			    secmem_append(&r->head, b64.p, b64.len) ||
			    (inl && yedit_put(&r->head, "\"")))
				goto oom_b64;
		} else {
			size_t i;

			r->block = 1;
			if (yedit_put(&r->head, btag) || yedit_put(&r->head, " |"))
				goto oom_b64;
			for (i = 0; i < b64.len; i += BIN_COLS)
				if (yedit_put_spaces(&r->body, indent + 2) ||
				    secmem_append(&r->body, b64.p + i,
						  b64.len - i < BIN_COLS ? b64.len - i
									 : BIN_COLS) ||
				    yedit_put(&r->body, eol))
					goto oom_b64;
		}
		secmem_free(&b64);
		return 0;
oom_b64:
		secmem_free(&b64);
		return err_oom(e);
	}
	if (plain_ok(v, n, (flags & YEDIT_FLOW) != 0, 0))
		return secmem_append(&r->head, v, n) ? err_oom(e) : 0;
	if (!inl && memchr(v, '\n', n) && literal_ok(v, n)) {
		size_t trail = 0;

		while (trail < n && v[n - 1 - trail] == '\n')
			trail++;
		r->block = 1;
		r->keep = trail > 1;
		/* Indentation is detected from the first line: say it when
		 * that line starts with a blank or is empty. */
		if (yedit_put(&r->head, "|") ||
		    ((v[0] == ' ' || v[0] == '\t' || v[0] == '\n') && yedit_put(&r->head, "2")) ||
		    yedit_put(&r->head, trail == 0 ? "-" : trail == 1 ? "" : "+") ||
		    block_lines(v, n, indent + 2, eol, &r->body))
			return err_oom(e);
		return 0;
	}
	return render_dq(v, n, &r->head) ? err_oom(e) : 0;
}

int yedit_render_key(const unsigned char *k, size_t n, int flow, struct secmem *out)
{
	return plain_ok(k, n, flow, 1) ? secmem_append(out, k, n) : render_dq(k, n, out);
}

int yedit_render_scalar(const unsigned char *v, size_t len, size_t indent, unsigned flags,
			struct secmem *out, struct err *e)
{
	struct yedit_rend r = { 0 };
	const char *eol = (flags & YEDIT_CRLF) ? "\r\n" : "\n";
	int rc;

	rc = yedit_render(v, len, indent, flags, eol, 0, &r, e);
	if (!rc && (secmem_append(out, r.head.p, r.head.len) ||
		    (r.block && (yedit_put(out, eol) || secmem_append(out, r.body.p, r.body.len)))))
		rc = err_oom(e);
	yedit_rend_free(&r);
	return rc;
}
