/* A store's SSH signatures (docs/FORMAT.md, section 5.4): the field after
 * the mac line, taken out on load (what is left is the signed payload,
 * which the MAC covers as an unsigned store's), put in on save. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secretctl/store.h"

#define MAX_SIGS 16

static int b64char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/* The last line of t that is "<spaces>mac: <44 base64 characters>" and
 * ends in a line break: [*ls, *le) without the break, *eol its length. */
static int find_mac_line(const char *t, size_t n, size_t *ls, size_t *le, size_t *eol,
			 size_t *indent)
{
	size_t pos = n;

	while (pos > 0) {
		size_t e = pos, b, k = 0, j;
		const char *nl;

		if (t[e - 1] != '\n') { /* the last line has no break: not ours */
			nl = memrchr(t, '\n', e);
			pos = nl ? (size_t)(nl - t) + 1 : 0;
			continue;
		}
		e--;
		*eol = 1;
		if (e > 0 && t[e - 1] == '\r') {
			e--;
			*eol = 2;
		}
		nl = e ? memrchr(t, '\n', e) : NULL;
		b = nl ? (size_t)(nl - t) + 1 : 0;
		while (b + k < e && t[b + k] == ' ')
			k++;
		if (e - b - k == 49 && memcmp(t + b + k, "mac: ", 5) == 0) {
			for (j = b + k + 5; j < e && b64char(t[j]); j++)
				;
			if (j == e) {
				*ls = b;
				*le = e;
				*indent = k;
				return 1;
			}
		}
		pos = b;
	}
	return 0;
}

/* Is t[*p..) the line `ind` spaces + want + the break? Then *p passes it. */
static int line_is(const char *t, size_t n, size_t *p, size_t ind, const char *want,
		   const char *br, size_t brn)
{
	size_t w = strlen(want), q = *p, i;

	if (n - q < ind + w + brn)
		return 0;
	for (i = 0; i < ind; i++)
		if (t[q + i] != ' ')
			return 0;
	if (memcmp(t + q + ind, want, w) != 0 || memcmp(t + q + ind + w, br, brn) != 0)
		return 0;
	*p = q + ind + w + brn;
	return 1;
}

static unsigned line_no(const char *t, size_t p)
{
	unsigned l = 1;

	for (size_t i = 0; i < p; i++)
		l += t[i] == '\n';
	return l;
}

int store_sig_split(struct store *s, struct err *e)
{
	char *t = s->text.p;
	size_t n = s->text.len, ls, le, eol, ind, p, r0;
	const char *br;
	struct buf arm = { 0 };
	int rc = 0;

	if (!t || !find_mac_line(t, n, &ls, &le, &eol, &ind))
		return 0;
	br = t + le;
	p = r0 = le + eol;
	if (!line_is(t, n, &p, ind, "signatures:", br, eol))
		return 0;
	s->sigs = calloc(MAX_SIGS, sizeof *s->sigs);
	if (!s->sigs)
		return err_oom(e);
	while (line_is(t, n, &p, ind + 2, "- |", br, eol)) {
		size_t q = p;
		const char *nl;

		if (s->n_sigs == MAX_SIGS) {
			rc = err_set(e, ERR_INPUT, "%s: line %u: more than %d signatures", s->path,
				     line_no(t, q), MAX_SIGS);
			goto out;
		}
		arm.len = 0;
		/* the entry's lines, `ind + 4` spaces in, up to the END line */
		for (;;) {
			size_t k, ce;

			nl = memchr(t + q, '\n', n - q);
			if (!nl || (size_t)(nl - t) - q < ind + 4) {
				rc = err_set(e, ERR_INPUT, "%s: line %u: signature %zu is not closed by "
					     "'" SSHSIG_END "'", s->path, line_no(t, q), s->n_sigs + 1);
				goto out;
			}
			for (k = 0; k < ind + 4; k++)
				if (t[q + k] != ' ')
					break;
			ce = (size_t)(nl - t) + 1 - eol; /* where the content ends */
			if (k < ind + 4 || ce <= q + ind + 4 || memcmp(t + ce, br, eol) != 0) {
				rc = err_set(e, ERR_INPUT, "%s: line %u: malformed signature line",
					     s->path, line_no(t, q));
				goto out;
			}
			if (buf_append(&arm, t + q + ind + 4, ce - q - (ind + 4)) ||
			    buf_putc(&arm, '\n')) {
				rc = err_oom(e);
				goto out;
			}
			q = (size_t)(nl - t) + 1;
			if (arm.len >= sizeof SSHSIG_END &&
			    memcmp(arm.p + arm.len - sizeof SSHSIG_END, SSHSIG_END "\n",
				   sizeof SSHSIG_END) == 0)
				break;
		}
		if ((rc = sshsig_parse(arm.p, arm.len, &s->sigs[s->n_sigs], e))) {
			err_wrap(e, "%s: line %u: signature %zu", s->path, line_no(t, p),
				 s->n_sigs + 1);
			goto out;
		}
		s->n_sigs++;
		p = q;
	}
	if (s->n_sigs == 0) {
		rc = err_set(e, ERR_INPUT, "%s: line %u: 'signatures:' must list at least one "
			     "signature ('- |' then the armored signature)", s->path, line_no(t, r0));
		goto out;
	}
	/* the payload: the text without the field */
	memmove(t + r0, t + p, n - p);
	s->text.len = n - (p - r0);
	t[s->text.len] = '\0';
	s->sig_at = r0;
out:
	buf_free(&arm);
	return rc;
}

int store_sig_check_place(const struct store *s, struct err *e)
{
	const char *t = s->text.p;
	size_t m = s->doc.mac_end;

	if (!s->n_sigs)
		return 0;
	if (t[m] == '\r')
		m++;
	if (t[m] == '\n')
		m++;
	if (m != s->sig_at)
		return err_set(e, ERR_INPUT, "%s: the signatures field must follow the metadata "
			       "block's mac line", s->path);
	return 0;
}

int store_sig_insert(const struct store *s, const char *text, size_t len, struct buf *out,
		     struct err *e)
{
	struct buf arm = { 0 };
	size_t ls, le, eol, ind, i;
	const char *p, *nl;
	int rc;

	if (!find_mac_line(text, len, &ls, &le, &eol, &ind))
		return err_set(e, ERR_FAIL, "%s: cannot find the mac line to sign after", s->path);
	if ((rc = sshsig_sign(s->signer, (const unsigned char *)text, len, &arm, e)))
		return err_wrap(e, "%s: cannot sign", s->path);
	rc = -1;
	if (buf_append(out, text, le + eol))
		goto out;
	for (i = 0; i < ind; i++)
		if (buf_putc(out, ' '))
			goto out;
	if (buf_puts(out, "signatures:") || buf_append(out, text + le, eol))
		goto out;
	for (i = 0; i < ind + 2; i++)
		if (buf_putc(out, ' '))
			goto out;
	if (buf_puts(out, "- |") || buf_append(out, text + le, eol))
		goto out;
	for (p = arm.p; p < arm.p + arm.len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(arm.p + arm.len - p));
		for (i = 0; i < ind + 4; i++)
			if (buf_putc(out, ' '))
				goto out;
		if (buf_append(out, p, (size_t)(nl - p)) || buf_append(out, text + le, eol))
			goto out;
	}
	if (buf_append(out, text + le + eol, len - le - eol))
		goto out;
	rc = 0;
out:
	buf_free(&arm);
	return rc ? err_oom(e) : 0;
}

int store_check_signatures(const struct store *s, const struct sshsig_allowed *allowed,
			   const char *label, struct err *e)
{
	char fp[SSHKEY_FP_MAX], found[ERR_MSG_MAX / 2] = "";
	const char *why = NULL, *w;
	time_t now = time(NULL);
	size_t i, used = 0;

	for (i = 0; i < s->n_sigs; i++) {
		sshkey_fingerprint(s->sigs[i].pk, fp);
		if (strcmp(s->sigs[i].ns, SSHSIG_NAMESPACE) != 0)
			return err_set(e, ERR_INTEGRITY,
				       "%s: signature %zu (by %s) is for namespace '%s', not '"
				       SSHSIG_NAMESPACE "'", s->path, i + 1, fp, s->sigs[i].ns);
		if (sshsig_verify(&s->sigs[i], (const unsigned char *)s->text.p, s->text.len, e))
			return err_wrap(e, "%s: signature %zu (by %s)", s->path, i + 1, fp);
	}
	if (!allowed)
		return 0;
	if (s->n_sigs == 0)
		return err_set(e, ERR_INTEGRITY, "%s is not signed, and %s pins its signers: "
			       "refused", s->path, label);
	for (i = 0; i < s->n_sigs; i++) {
		const struct sshsig_allowed_entry *en = sshsig_allowed_check(allowed, &s->sigs[i],
									   now, &w);
		if (en)
			return 0;
		if (w && !why)
			why = w;
		sshkey_fingerprint(s->sigs[i].pk, fp);
		used += (size_t)snprintf(found + used, used < sizeof found ? sizeof found - used : 0,
					 "%s%s", i ? ", " : "", fp);
		if (used >= sizeof found)
			used = sizeof found - 1;
	}
	return err_set(e, ERR_INTEGRITY, "%s is signed by %s, %s in %s%s%s: refused", s->path,
		       found, why ? "allowed" : "not listed", label, why ? " but " : "",
		       why ? why : "");
}
