/* OpenSSH signatures (PROTOCOL.sshsig) with ssh-ed25519, the agent's sign
 * request (PROTOCOL.agent), and allowed_signers files. */
#include "secretctl/sshsig.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "secretctl/b64.h"
#include "secretctl/secmem.h"

#define MAGIC "SSHSIG"
#define ARMOR_COLS 70
#define SIG_B64_MAX 8192
#define AGENTC_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
/* the whole exchange, not each read: ssh-add -c may ask the user to
 * confirm, and an agent that drips its answer must not hold us forever */
int sshsig_agent_timeout_ms = 60000;


#define SYNTAX(e, why) err_set_sub(e, ERR_INPUT, SSHSIG_FAIL_SYNTAX, "ssh signature: %s", why)

/* The blob that is signed: MAGIC, namespace, reserved, hash, H(msg). */
static int signed_data(const char *ns, int sha256, const unsigned char *msg, size_t len,
		       struct buf *out)
{
	unsigned char h[crypto_hash_sha512_BYTES];
	size_t hn = sha256 ? crypto_hash_sha256_BYTES : crypto_hash_sha512_BYTES;

	if (sha256)
		crypto_hash_sha256(h, msg, len);
	else
		crypto_hash_sha512(h, msg, len);
	return buf_append(out, MAGIC, 6) || sshbuf_put_string(out, ns, strlen(ns)) ||
			       sshbuf_put_string(out, "", 0) ||
			       sshbuf_put_string(out, sha256 ? "sha256" : "sha512", 6) ||
			       sshbuf_put_string(out, h, hn)
		       ? -1
		       : 0;
}

/* The signature's own blob, for the armor. */
static int sig_blob(const unsigned char pk[32], const unsigned char sig[64], struct buf *out)
{
	unsigned char w[SSHKEY_WIRE_LEN];
	struct buf inner = { 0 };
	int rc;

	sshkey_wire(pk, w);
	rc = sshbuf_put_string(&inner, SSHKEY_TYPE, sizeof SSHKEY_TYPE - 1) ||
	     sshbuf_put_string(&inner, sig, 64) || buf_append(out, MAGIC, 6) ||
	     sshbuf_put_u32(out, 1) || sshbuf_put_string(out, w, sizeof w) ||
	     sshbuf_put_string(out, SSHSIG_NAMESPACE, sizeof SSHSIG_NAMESPACE - 1) ||
	     sshbuf_put_string(out, "", 0) || sshbuf_put_string(out, "sha512", 6) ||
	     sshbuf_put_string(out, inner.p, inner.len);
	buf_free(&inner);
	return rc ? -1 : 0;
}

static int armor(const struct buf *blob, struct buf *out)
{
	struct buf b = { 0 };
	size_t i;
	int rc = -1;

	if (b64_encode(&b, blob->p, blob->len, B64_PADDED))
		goto out;
	if (buf_puts(out, SSHSIG_BEGIN "\n"))
		goto out;
	for (i = 0; i < b.len; i += ARMOR_COLS)
		if (buf_append(out, b.p + i, b.len - i < ARMOR_COLS ? b.len - i : ARMOR_COLS) ||
		    buf_putc(out, '\n'))
			goto out;
	rc = buf_puts(out, SSHSIG_END "\n");
out:
	buf_free(&b);
	return rc;
}

/* "ssh-ed25519" signature blob -> 64 bytes */
static int parse_sig_blob(const unsigned char *p, size_t n, unsigned char sig[64], struct err *e)
{
	struct sshbuf b = { p, n, 0 };
	const unsigned char *t, *s;
	size_t tn, sn;

	if (sshbuf_get_string(&b, &t, &tn) || sshbuf_get_string(&b, &s, &sn) || b.pos != b.len)
		return SYNTAX(e, "malformed signature blob");
	if (tn != sizeof SSHKEY_TYPE - 1 || memcmp(t, SSHKEY_TYPE, tn) != 0)
		return err_set_sub(e, ERR_INPUT, SSHSIG_FAIL_TYPE,
			     "ssh signature: the signature is not ssh-ed25519");
	if (sn != 64)
		return SYNTAX(e, "an ssh-ed25519 signature is 64 bytes");
	memcpy(sig, s, 64);
	return 0;
}

int sshsig_parse(const char *text, size_t len, struct sshsig *s, struct err *e)
{
	const char *p = text, *end = text + len, *q;
	struct buf b64 = { 0 };
	unsigned char *bin = NULL;
	size_t n;
	struct sshbuf b;
	const unsigned char *pub, *ns, *res, *hash, *sig;
	size_t pubn, nsn, resn, hashn, sign;
	uint32_t version;
	int rc;

	memset(s, 0, sizeof *s);
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if ((size_t)(end - p) < sizeof SSHSIG_BEGIN - 1 ||
	    memcmp(p, SSHSIG_BEGIN, sizeof SSHSIG_BEGIN - 1) != 0)
		return SYNTAX(e, "no '" SSHSIG_BEGIN "' line");
	p += sizeof SSHSIG_BEGIN - 1;
	q = memmem(p, (size_t)(end - p), SSHSIG_END, sizeof SSHSIG_END - 1);
	if (!q)
		return SYNTAX(e, "no '" SSHSIG_END "' line (truncated)");
	for (const char *r = q + sizeof SSHSIG_END - 1; r < end; r++)
		if (*r != ' ' && *r != '\t' && *r != '\r' && *r != '\n')
			return SYNTAX(e, "text after the END line");
	if (q - p > SIG_B64_MAX)
		return SYNTAX(e, "too large");
	for (; p < q; p++)
		if (*p != '\r' && *p != '\n' && buf_putc(&b64, *p)) {
			buf_free(&b64);
			return err_oom(e);
		}
	bin = malloc(B64_DECODED_MAX(b64.len) + 1);
	if (!bin) {
		buf_free(&b64);
		return err_oom(e);
	}
	if (b64_decode(b64.p ? b64.p : "", b64.len, bin, &n)) {
		rc = SYNTAX(e, "not valid base64");
		goto out;
	}
	b = (struct sshbuf){ bin, n, 0 };
	if (n < 6 || memcmp(bin, MAGIC, 6) != 0) {
		rc = SYNTAX(e, "bad magic (not an SSHSIG blob)");
		goto out;
	}
	b.pos = 6;
	if (sshbuf_get_u32(&b, &version) || sshbuf_get_string(&b, &pub, &pubn) ||
	    sshbuf_get_string(&b, &ns, &nsn) || sshbuf_get_string(&b, &res, &resn) ||
	    sshbuf_get_string(&b, &hash, &hashn) || sshbuf_get_string(&b, &sig, &sign)) {
		rc = SYNTAX(e, "truncated");
		goto out;
	}
	if (b.pos != b.len) {
		rc = SYNTAX(e, "trailing bytes");
		goto out;
	}
	if (version != 1) {
		rc = SYNTAX(e, "unsupported version");
		goto out;
	}
	if ((rc = sshkey_from_wire(pub, pubn, s->pk, e))) {
		e->sub = e->sub == SSHKEY_FAIL_TYPE ? SSHSIG_FAIL_TYPE : SSHSIG_FAIL_SYNTAX;
		err_wrap(e, "ssh signature");
		goto out;
	}
	if (nsn == 0 || nsn > SSHSIG_NS_MAX || memchr(ns, 0, nsn)) {
		rc = SYNTAX(e, "bad namespace");
		goto out;
	}
	memcpy(s->ns, ns, nsn);
	s->ns[nsn] = '\0';
	if (hashn == 6 && memcmp(hash, "sha512", 6) == 0) {
		s->sha256 = 0;
	} else if (hashn == 6 && memcmp(hash, "sha256", 6) == 0) {
		s->sha256 = 1;
	} else {
		rc = err_set_sub(e, ERR_INPUT, SSHSIG_FAIL_TYPE, "ssh signature: unsupported hash");
		goto out;
	}
	rc = parse_sig_blob(sig, sign, s->sig, e);
out:
	free(bin);
	buf_free(&b64);
	return rc;
}

int sshsig_verify(const struct sshsig *s, const unsigned char *msg, size_t len, struct err *e)
{
	struct buf d = { 0 };
	int ok;

	if (signed_data(s->ns, s->sha256, msg, len, &d)) {
		buf_free(&d);
		return err_oom(e);
	}
	ok = crypto_sign_verify_detached(s->sig, (const unsigned char *)d.p, d.len, s->pk) == 0;
	buf_free(&d);
	if (!ok)
		return err_set_sub(e, ERR_INTEGRITY, SSHSIG_FAIL_BAD,
			     "the signature does not verify over the store's bytes");
	return 0;
}

/* ---- signing ---- */

int sshsig_signer_init(struct sshsig_signer *g, const unsigned char *text, size_t len,
		       const char *label, struct err *e)
{
	memset(g, 0, sizeof *g);
	snprintf(g->label, sizeof g->label, "%s", label);
	if (sshkey_is_private(text, len)) {
		if (!(g->sk = secmem_alloc(SSHKEY_SK_LEN)))
			return err_oom(e);
		if (sshkey_parse_private(text, len, g->sk, e)) {
			sshsig_signer_free(g);
			return err_wrap(e, "signing key '%s'", label);
		}
		memcpy(g->pk, g->sk + 32, SSHKEY_PK_LEN);
		return 0;
	}
	if (sshkey_parse_public((const char *)text, len, g->pk, NULL, NULL, e))
		return err_wrap(e, "signing key '%s' (a private key file, or a .pub whose key "
				   "ssh-agent holds)", label);
	return 0;
}

void sshsig_signer_free(struct sshsig_signer *g)
{
	secmem_release(g->sk);
	g->sk = NULL;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n bytes to or from the agent by the deadline (now_ms() time). */
static int agent_io(int fd, void *p, size_t n, int writing, long long deadline)
{
	struct pollfd pfd = { fd, writing ? POLLOUT : POLLIN, 0 };
	ssize_t k;

	while (n) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -1;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		k = writing ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p = (char *)p + k;
		n -= (size_t)k;
	}
	return 0;
}

#define AGENT_FAIL(e, ...) err_set_sub(e, ERR_NOKEY, SSHSIG_FAIL_AGENT, __VA_ARGS__)

/* SSH_AGENTC_SIGN_REQUEST: string key blob, string data, uint32 flags. */
static int agent_sign(const struct sshsig_signer *g, const struct buf *data,
		      unsigned char sig[64], struct err *e)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned char w[SSHKEY_WIRE_LEN], hdr[4], *resp = NULL;
	struct buf req = { 0 };
	struct sshbuf b;
	const unsigned char *blob;
	size_t blobn;
	uint32_t n;
	int fd = -1, rc;
	char fp[SSHKEY_FP_MAX];
	long long deadline = now_ms() + sshsig_agent_timeout_ms;

	sshkey_fingerprint(g->pk, fp);
	if (!sock || !*sock)
		return AGENT_FAIL(e, "signing key '%s' is a public key and $SSH_AUTH_SOCK is unset: "
				     "start ssh-agent and ssh-add the private key, or name the "
				     "private key file", g->label);
	if (strlen(sock) >= sizeof sa.sun_path)
		return AGENT_FAIL(e, "$SSH_AUTH_SOCK is too long");
	strcpy(sa.sun_path, sock);
	sshkey_wire(g->pk, w);
	if (buf_putc(&req, 0) || buf_putc(&req, 0) || buf_putc(&req, 0) || buf_putc(&req, 0) ||
	    buf_putc(&req, AGENTC_SIGN_REQUEST) || sshbuf_put_string(&req, w, sizeof w) ||
	    sshbuf_put_string(&req, data->p, data->len) || sshbuf_put_u32(&req, 0)) {
		rc = err_oom(e);
		goto out;
	}
	n = (uint32_t)(req.len - 4);
	req.p[0] = (char)(n >> 24);
	req.p[1] = (char)(n >> 16);
	req.p[2] = (char)(n >> 8);
	req.p[3] = (char)n;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		rc = AGENT_FAIL(e, "cannot reach ssh-agent at '%s': %s", sock, strerror(errno));
		goto out;
	}
	if (agent_io(fd, req.p, req.len, 1, deadline) || agent_io(fd, hdr, 4, 0, deadline)) {
		rc = AGENT_FAIL(e, "ssh-agent at '%s' did not answer", sock);
		goto out;
	}
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > 65536 || !(resp = malloc(n)) || agent_io(fd, resp, n, 0, deadline)) {
		rc = AGENT_FAIL(e, "ssh-agent at '%s' gave a malformed answer", sock);
		goto out;
	}
	if (resp[0] != AGENT_SIGN_RESPONSE) {
		rc = AGENT_FAIL(e, "ssh-agent refused to sign with %s (%s): is its private key "
				   "loaded (ssh-add -l)?", fp, g->label);
		goto out;
	}
	b = (struct sshbuf){ resp + 1, n - 1, 0 };
	if (sshbuf_get_string(&b, &blob, &blobn) || b.pos != b.len ||
	    parse_sig_blob(blob, blobn, sig, e)) {
		rc = AGENT_FAIL(e, "ssh-agent at '%s' gave a malformed signature", sock);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(resp);
	buf_free(&req);
	return rc;
}

int sshsig_sign(const struct sshsig_signer *g, const unsigned char *msg, size_t len,
		struct buf *out, struct err *e)
{
	struct buf d = { 0 }, blob = { 0 };
	unsigned char sig[64];
	struct sshsig check;
	int rc = 0;

	if (signed_data(SSHSIG_NAMESPACE, 0, msg, len, &d))
		rc = err_oom(e);
	else if (g->sk)
		crypto_sign_detached(sig, NULL, (const unsigned char *)d.p, d.len, g->sk);
	else
		rc = agent_sign(g, &d, sig, e);
	/* an agent's answer is checked: a wrong key must not sign a store */
	if (!rc) {
		memcpy(check.pk, g->pk, sizeof check.pk);
		memcpy(check.sig, sig, sizeof sig);
		snprintf(check.ns, sizeof check.ns, "%s", SSHSIG_NAMESPACE);
		check.sha256 = 0;
		if (sshsig_verify(&check, msg, len, e))
			rc = AGENT_FAIL(e, "the signature made with '%s' does not verify", g->label);
	}
	if (!rc && (sig_blob(g->pk, sig, &blob) || armor(&blob, out)))
		rc = err_oom(e);
	buf_free(&d);
	buf_free(&blob);
	return rc;
}

/* ---- allowed_signers ---- */

struct lp {
	const char *s;
	size_t n, i;
	unsigned line;
	const char *label;
	struct err *e;
};

static int lfail(struct lp *l, size_t col, const char *why)
{
	return err_set_sub(l->e, ERR_INPUT, SSHSIG_FAIL_SYNTAX, "%s: line %u, column %zu: %s", l->label,
		     l->line, col + 1, why);
}

static void skip_ws(struct lp *l)
{
	while (l->i < l->n && (l->s[l->i] == ' ' || l->s[l->i] == '\t'))
		l->i++;
}

/* A token: up to a blank, or a "quoted string" (quotes kept out); with
 * in_opts, commas end it too and quotes may start inside (opt="v"). */
static int token(struct lp *l, char **out)
{
	size_t a = l->i, start = l->i;
	struct buf b = { 0 };
	int quoted = 0;

	for (; l->i < l->n; l->i++) {
		char c = l->s[l->i];
		if (c == '"') {
			quoted = !quoted;
			if (buf_putc(&b, c))
				goto oom;
			continue;
		}
		if (!quoted && (c == ' ' || c == '\t'))
			break;
		if (buf_putc(&b, c))
			goto oom;
	}
	if (quoted) {
		buf_free(&b);
		return lfail(l, start, "unterminated quoted string");
	}
	(void)a;
	if (!b.p && buf_puts(&b, ""))
		goto oom;
	*out = b.p;
	return 0;
oom:
	buf_free(&b);
	return err_oom(l->e);
}

static void unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

/* YYYYMMDD[HHMM[SS]][Z], as ssh-keygen reads it (local time without Z). */
static int parse_time(const char *v, time_t *out)
{
	struct tm tm = { 0 };
	size_t n = strlen(v), k;
	int utc = 0, f[6] = { 0, 0, 0, 0, 0, 0 };
	time_t t;

	if (n && (v[n - 1] == 'Z' || v[n - 1] == 'z')) {
		utc = 1;
		n--;
	}
	if (n != 8 && n != 12 && n != 14)
		return -1;
	for (k = 0; k < n; k++)
		if (v[k] < '0' || v[k] > '9')
			return -1;
	f[0] = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + v[3] - '0';
	for (k = 1; k < n / 2 - 1; k++)
		f[k] = (v[2 + 2 * k] - '0') * 10 + v[3 + 2 * k] - '0';
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	tm.tm_isdst = -1;
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

/* options: comma-separated, values may be quoted and hold commas */
static int parse_options(struct lp *l, const char *opts, size_t col0,
			 struct sshsig_allowed_entry *en, int *ca)
{
	const char *p = opts;
	unsigned seen = 0;

	while (*p) {
		const char *a = p;
		int q = 0;
		char name[32], *val;
		const char *eq;
		size_t n;

		while (*p && (q || *p != ',')) {
			if (*p == '"')
				q = !q;
			p++;
		}
		n = (size_t)(p - a);
		eq = memchr(a, '=', n);
		if (n == 0)
			return lfail(l, col0 + (size_t)(a - opts), "empty option");
		if ((size_t)((eq ? eq : p) - a) >= sizeof name)
			return lfail(l, col0 + (size_t)(a - opts), "unknown option");
		memcpy(name, a, (size_t)((eq ? eq : p) - a));
		name[(eq ? eq : p) - a] = '\0';
		if (strcmp(name, "cert-authority") == 0 && !eq) {
			*ca = 1;
		} else if (eq && (!strcmp(name, "namespaces") || !strcmp(name, "valid-after") ||
				  !strcmp(name, "valid-before"))) {
			size_t vn = (size_t)(p - eq - 1);
			if (vn < 2 || eq[1] != '"' || eq[vn] != '"')
				return lfail(l, col0 + (size_t)(eq + 1 - opts),
					     "option value must be a \"quoted string\"");
			/* as ssh-keygen: one clause of each per line */
			unsigned bit = name[0] == 'n' ? 1u : name[6] == 'a' ? 2u : 4u;
			if (seen & bit)
				return lfail(l, col0 + (size_t)(a - opts), name[0] == 'n'
					     ? "multiple namespaces= clauses"
					     : bit == 2 ? "multiple valid-after= clauses"
							: "multiple valid-before= clauses");
			seen |= bit;
			if (!(val = malloc(vn - 1)))
				return err_oom(l->e);
			memcpy(val, eq + 2, vn - 2);
			val[vn - 2] = '\0';
			if (name[0] == 'n') {
				free(en->namespaces);
				en->namespaces = val;
			} else {
				time_t t;
				/* ssh-keygen takes 0 (1970-01-01 UTC) for "unset"
				 * and refuses it */
				int bad = parse_time(val, &t) || t <= 0;
				free(val);
				if (bad)
					return lfail(l, col0 + (size_t)(eq + 1 - opts),
						     "bad time (YYYYMMDD[HHMM[SS]][Z])");
				if (name[6] == 'a')
					en->valid_after = t;
				else
					en->valid_before = t;
			}
		} else {
			return lfail(l, col0 + (size_t)(a - opts), "unknown option");
		}
		if (*p == ',')
			p++;
	}
	if (en->valid_after && en->valid_before && en->valid_before <= en->valid_after)
		return lfail(l, col0, "valid-before= is not after valid-after=");
	return 0;
}

static int allowed_line(struct lp *l, struct sshsig_allowed *a)
{
	struct sshsig_allowed_entry en = { 0 };
	char *princ = NULL, *opts = NULL;
	size_t opts_col = 0, key_col;
	int ca = 0, rc;
	const char *rest;
	struct err ke;

	en.line = l->line;
	if ((rc = token(l, &princ)))
		return rc;
	unquote(princ);
	if (!*princ) {
		free(princ);
		return lfail(l, l->i, "empty principals");
	}
	skip_ws(l);
	if (l->i == l->n) {
		free(princ);
		return lfail(l, l->i, "no key after the principals");
	}
	rest = l->s + l->i;
	if (!sshkey_looks_public(rest, l->n - l->i)) {
		opts_col = l->i;
		if ((rc = token(l, &opts)) ||
		    (rc = parse_options(l, opts, opts_col, &en, &ca)))
			goto out;
		skip_ws(l);
		if (l->i == l->n) {
			rc = lfail(l, l->i, "no key after the options");
			goto out;
		}
	}
	key_col = l->i;
	rc = sshkey_parse_public(l->s + l->i, l->n - l->i, en.pk, NULL, NULL, &ke);
	if (rc && ke.sub == SSHKEY_FAIL_TYPE && sshkey_looks_public(l->s + l->i, l->n - l->i)) {
		a->skipped++; /* another key type: it never matches */
		rc = 0;
		goto out;
	}
	if (rc) {
		rc = lfail(l, key_col, ke.msg);
		goto out;
	}
	if (ca) {
		a->skipped++; /* certificates are not verified: the line matches nothing */
		goto out;
	}
	{
		struct sshsig_allowed_entry *v = realloc(a->v, (a->n + 1) * sizeof *v);
		if (!v) {
			rc = err_oom(l->e);
			goto out;
		}
		a->v = v;
		en.principals = princ;
		princ = NULL;
		a->v[a->n++] = en;
		en.namespaces = NULL;
	}
out:
	free(princ);
	free(opts);
	free(en.namespaces);
	return rc;
}

int sshsig_allowed_parse(const char *text, size_t len, const char *label,
			 struct sshsig_allowed *a, struct err *e)
{
	size_t pos = 0;
	unsigned line = 0;
	int rc = 0;

	memset(a, 0, sizeof *a);
	while (pos < len && !rc) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		struct lp l = { text + pos, end - pos, 0, ++line, label, e };

		if (l.n && l.s[l.n - 1] == '\r')
			l.n--;
		if (memchr(l.s, 0, l.n))
			rc = lfail(&l, (size_t)((const char *)memchr(l.s, 0, l.n) - l.s), "NUL byte");
		skip_ws(&l);
		if (!rc && l.i < l.n && l.s[l.i] != '#')
			rc = allowed_line(&l, a);
		pos = end + 1;
	}
	if (rc)
		sshsig_allowed_free(a);
	return rc;
}

void sshsig_allowed_free(struct sshsig_allowed *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].principals);
		free(a->v[i].namespaces);
	}
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* OpenSSH's match_pattern: '*' any run, '?' any one character. The same
 * answers in linear time: on a mismatch only the last '*' is retried, one
 * character further (OpenSSH's recursion is exponential in the stars, and
 * the file is input). */
static int pattern_match(const char *s, const char *pat, size_t pn)
{
	size_t p = 0, star = (size_t)-1;
	const char *retry = NULL;

	while (*s) {
		if (p < pn && pat[p] == '*') {
			star = p++;
			retry = s;
		} else if (p < pn && (pat[p] == '?' || pat[p] == *s)) {
			p++;
			s++;
		} else if (retry) {
			p = star + 1;
			s = ++retry;
		} else {
			return 0;
		}
	}
	while (p < pn && pat[p] == '*')
		p++;
	return p == pn;
}

/* OpenSSH's match_pattern_list: comma-separated patterns, '!' negates; a
 * negated pattern that matches refuses whatever else matched. */
static int ns_listed(const char *list, const char *ns)
{
	int yes = 0;

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		int neg = *p == '!';

		if (pattern_match(ns, p + neg, k - (size_t)neg)) {
			if (neg)
				return 0;
			yes = 1;
		}
		p += k + (p[k] == ',');
	}
	return yes;
}

const struct sshsig_allowed_entry *sshsig_allowed_check(const struct sshsig_allowed *a,
							const struct sshsig *s, time_t now,
							const char **why)
{
	*why = NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct sshsig_allowed_entry *en = &a->v[i];
		if (sodium_memcmp(en->pk, s->pk, SSHKEY_PK_LEN) != 0)
			continue;
		if (strcmp(s->ns, SSHSIG_NAMESPACE) != 0) {
			*why = "its namespace is not \"" SSHSIG_NAMESPACE "\"";
			continue;
		}
		if (en->namespaces && !ns_listed(en->namespaces, SSHSIG_NAMESPACE)) {
			*why = "its allowed-signers line has no \"" SSHSIG_NAMESPACE "\" in namespaces=";
			continue;
		}
		if (en->valid_after && now < en->valid_after) {
			*why = "its allowed-signers line is not valid yet (valid-after)";
			continue;
		}
		if (en->valid_before && now > en->valid_before) { /* as ssh-keygen */
			*why = "its allowed-signers line has expired (valid-before)";
			continue;
		}
		return en;
	}
	return NULL;
}
