/* libFuzzer harness for identity files as secretctl reads them:
 * identity_load_file (src/identity.c) on the input written to a file
 * (a memfd, reached through /proc/self/fd/N, rewritten each run; mode
 * 0600, as identity files must be private), and
 * identity_read_passphrase_file on the same file.
 *
 * A passphrase-encrypted identity file (an age file) is opened with the
 * passphrase "password" (the age-cctv scrypt vectors' passphrase): the
 * terminal prompt is replaced at link time (--wrap) by one that answers
 * it, but only when every scrypt stanza asks for a work factor of 12 or
 * less (a mutated 22 would take seconds and gigabytes); otherwise the
 * prompt fails as with no terminal.
 *
 * Checks (any mismatch aborts):
 *  - an OpenSSH private key file loads one ssh-ed25519 identity or fails
 *    with ERR_INPUT;
 *  - a plain file loads exactly as age_identity_file_parse reads the
 *    bytes (same result, same keys in order); an error adds no identity;
 *  - every identity loaded has the public key of its secret, formats to
 *    "AGE-SECRET-KEY-1..." and parses back to itself, and its keygen-style
 *    file text (identity_file_text) loads back to it alone;
 *  - the passphrase file gives its first line without "\n" or "\r\n";
 *    an empty first line is ERR_INPUT.
 * FUZZ_LDFLAGS: -Wl,--wrap=tty_available -Wl,--wrap=tty_read_passphrase */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secretctl/age.h"
#include "secretctl/identity.h"
#include "secretctl/sshkey.h"
#include "secretctl/tty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_tty_available(void);
int __wrap_tty_read_passphrase(const char *prompt, struct secmem *out, struct err *e);

static const uint8_t *cur;
static size_t cur_len;
static int prompts;

/* 1 when every "-> scrypt SALT N" line of the header has N <= 12 (exactly
 * one or two digits); anything unusual counts as expensive. */
static int cheap_scrypt(const uint8_t *d, size_t n)
{
	struct buf dec = { 0 };
	struct err e;
	size_t i = 0;
	int ok = 1;

	while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
		i++;
	if (n - i >= 5 && !memcmp(d + i, "-----", 5)) {
		if (age_armor_decode(d, n, &dec, &e)) {
			buf_free(&dec);
			return 1; /* age_decrypt refuses it before any scrypt */
		}
		d = (const uint8_t *)dec.p;
		n = dec.len;
	}
	for (i = 0; i < n && ok;) {
		const uint8_t *nl = memchr(d + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - d) : n, sp, k;

		if (end - i >= 3 && !memcmp(d + i, "---", 3))
			break; /* the MAC line ends the header */
		if (end - i >= 9 && !memcmp(d + i, "-> scrypt", 9)) {
			for (sp = end; sp > i && d[sp - 1] != ' '; sp--)
				;
			k = end - sp;
			ok = (k == 1 && d[sp] >= '0' && d[sp] <= '9') ||
			     (k == 2 && d[sp] == '1' && d[sp + 1] >= '0' && d[sp + 1] <= '2');
		}
		i = end + 1;
	}
	buf_free(&dec);
	return ok;
}

int __wrap_tty_available(void)
{
	return 1;
}

int __wrap_tty_read_passphrase(const char *prompt, struct secmem *out, struct err *e)
{
	(void)prompt;
	prompts++;
	if (!cheap_scrypt(cur, cur_len))
		return err_set(e, ERR_NOKEY, "cannot ask for a passphrase: no terminal (fuzz)");
	secmem_clear(out);
	if (secmem_append(out, "password", 8))
		abort();
	return 0;
}

static void check_id(const struct age_identity *id, const char *path)
{
	struct age_identity *a = secmem_alloc(sizeof *a);
	struct secmem s = { 0 };
	struct age_idlist l = { 0 };
	struct err e;

	if (!a)
		abort();
	memcpy(a->secret, id->secret, sizeof a->secret);
	age_identity_complete(a);
	if (memcmp(a->public, id->public, sizeof a->public))
		abort(); /* the public key is not the secret's */
	if (age_identity_format(id, &s, &e) || s.len < 16 || memcmp(s.p, "AGE-SECRET-KEY-1", 16) ||
	    age_identity_parse((const char *)s.p, s.len, a, &e) ||
	    memcmp(a->secret, id->secret, sizeof a->secret))
		abort(); /* does not format and parse back */
	/* keygen's file text reads back to the same identity */
	if (identity_file_text(id, &s, &e) || age_identity_file_parse(s.p, s.len, &l, &e) ||
	    l.n != 1 || memcmp(l.v[0].secret, id->secret, sizeof id->secret))
		abort();
	(void)path;
	age_idlist_free(&l);
	secmem_free(&s);
	secmem_release(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	struct age_idlist got = { 0 }, want = { 0 };
	struct secmem pass = { 0 };
	struct err e = { 0 }, e2 = { 0 };
	const uint8_t *nl;
	size_t first;
	int rc, rc2, enc;

	if (fd < 0) {
		if (secmem_init())
			abort();
		fd = memfd_create("fuzz-identity", MFD_CLOEXEC);
		if (fd < 0) {
			char tmpl[] = "/tmp/fuzz-identity.XXXXXX";

			if ((fd = mkstemp(tmpl)) < 0)
				abort();
			snprintf(path, sizeof path, "%s", tmpl);
		} else {
			snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		}
		/* identity files must be private (a memfd is made 0777) */
		if (fchmod(fd, 0600) != 0)
			abort();
	}
	if (size > 65536)
		return 0;
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	cur = data;
	cur_len = size;
	prompts = 0;

	enc = age_is_encrypted(data, size);
	rc = identity_load_file(path, &got, &e);
	if (rc && got.n)
		abort(); /* an error that left identities behind */
	if (sshkey_is_private(data, size)) {
		/* an OpenSSH key: one ssh-ed25519 identity, or ERR_INPUT */
		if (rc ? rc != ERR_INPUT : got.n != 1 || got.v[0].kind != AGE_KIND_SSH_ED25519)
			abort();
	} else if (!enc) {
		rc2 = age_identity_file_parse(data, size, &want, &e2);
		if ((rc != 0) != (rc2 != 0) || got.n != want.n || prompts)
			abort(); /* the file reads differently from its bytes */
		for (size_t i = 0; i < got.n; i++)
			if (memcmp(got.v[i].secret, want.v[i].secret, sizeof want.v[i].secret))
				abort();
		if (rc && rc != ERR_INPUT)
			abort();
	} else if (rc && rc != ERR_NOKEY && rc != ERR_INPUT && rc != ERR_INTEGRITY) {
		abort(); /* an encrypted identity file fails only for these */
	}
	for (size_t i = 0; i < got.n; i++)
		check_id(&got.v[i], path);

	/* --passphrase-file: the first line */
	nl = size ? memchr(data, '\n', size) : NULL;
	first = nl ? (size_t)(nl - data) : size;
	if (nl && first && data[first - 1] == '\r')
		first--;
	rc = identity_read_passphrase_file(path, &pass, &e);
	if (first == 0 ? rc != ERR_INPUT
		       : rc || pass.len != first || memcmp(pass.p, data, first))
		abort();
	secmem_free(&pass);
	age_idlist_free(&got);
	age_idlist_free(&want);
	return 0;
}
