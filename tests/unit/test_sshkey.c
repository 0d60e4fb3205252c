/* Unit tests for src/sshkey.c: public key lines, OpenSSH private key files
 * (the real ones ssh-keygen wrote in tests/data/ssh, and built ones with
 * one thing wrong each), the wire reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/age.h"
#include "secretctl/sshkey.h"

static void read_data(const char *name, struct buf *b)
{
	char path[PATH_MAX], tmp[4096];
	const char *top = getenv("TOP"), *slash = strrchr(__FILE__, '/');
	FILE *f;
	size_t n;

	if (top && *top)
		snprintf(path, sizeof path, "%s/tests/data/ssh/%s", top, name);
	else
		snprintf(path, sizeof path, "%.*s/../data/ssh/%s",
			 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	b->len = 0;
	if (!(f = fopen(path, "rb")))
		fail_msg("cannot read %s", path);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		assert_int_equal(buf_append(b, tmp, n), 0);
	fclose(f);
}

static int parse_priv(const struct buf *b, unsigned char sk[64], struct err *e)
{
	err_clear(e);
	return sshkey_parse_private((const unsigned char *)b->p, b->len, sk, e);
}

static void test_real_keys(void **state)
{
	struct buf b = { 0 }, pub = { 0 }, line = { 0 };
	unsigned char sk[64], pk[32];
	const char *c;
	size_t cn;
	struct err e;
	char fp[SSHKEY_FP_MAX];

	(void)state;
	read_data("ed25519", &b);
	assert_true(sshkey_is_private((unsigned char *)b.p, b.len));
	assert_int_equal(parse_priv(&b, sk, &e), 0);
	read_data("ed25519.pub", &pub);
	assert_false(sshkey_is_private((unsigned char *)pub.p, pub.len));
	assert_true(sshkey_looks_public(pub.p, pub.len));
	assert_int_equal(sshkey_parse_public(pub.p, pub.len, pk, &c, &cn, &e), 0);
	assert_memory_equal(pk, sk + 32, 32);
	assert_int_equal(cn, strlen("fixture@secretctl"));
	assert_memory_equal(c, "fixture@secretctl", cn);
	/* the line as secretctl writes it is the .pub file's line */
	assert_int_equal(sshkey_format_public(pk, c, cn, &line), 0);
	assert_int_equal(line.len + 1, pub.len);
	assert_memory_equal(line.p, pub.p, line.len);
	/* ssh-keygen -l -f ed25519.pub */
	sshkey_fingerprint(pk, fp);
	assert_string_equal(fp, "SHA256:V7t162V3XxKsAQDe6OVpDzWL4Q4VtAduA6WIw/u35AY");

	/* encrypted: refused, saying why and what to do */
	read_data("ed25519_encrypted", &b);
	assert_int_equal(parse_priv(&b, sk, &e), ERR_INPUT);
	assert_int_equal(e.sub, SSHKEY_FAIL_ENCRYPTED);
	assert_non_null(strstr(e.msg, "protected by a passphrase (aes256-ctr with bcrypt-pbkdf)"));
	assert_non_null(strstr(e.msg, "ssh-keygen -p -N '' -f COPY"));
	/* other key types, private and public */
	read_data("rsa", &b);
	assert_int_equal(parse_priv(&b, sk, &e), ERR_INPUT);
	assert_int_equal(e.sub, SSHKEY_FAIL_TYPE);
	assert_non_null(strstr(e.msg, "'ssh-rsa' is not supported: RSA (libsodium"));
	read_data("rsa.pub", &pub);
	assert_int_equal(sshkey_parse_public(pub.p, pub.len, pk, NULL, NULL, &e), ERR_INPUT);
	assert_int_equal(e.sub, SSHKEY_FAIL_TYPE);
	assert_non_null(strstr(e.msg, "use an ssh-ed25519 key"));
	read_data("ecdsa", &b);
	assert_int_equal(parse_priv(&b, sk, &e), ERR_INPUT);
	assert_int_equal(e.sub, SSHKEY_FAIL_TYPE);
	read_data("ecdsa.pub", &pub);
	assert_int_equal(sshkey_parse_public(pub.p, pub.len, pk, NULL, NULL, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "ECDSA"));
	sodium_memzero(sk, sizeof sk);
	buf_free(&b);
	buf_free(&pub);
	buf_free(&line);
}

/* ---- built keys, one thing wrong each ---- */

enum fault {
	F_NONE, F_MAGIC, F_CIPHER, F_KDF, F_NKEYS, F_PUBTYPE, F_CHECKINT, F_PRIVTYPE,
	F_PRIVPK, F_SEED, F_PADDING, F_PADLEN, F_TRAILING, F_SKLEN,
};

static void build(enum fault f, struct buf *out)
{
	unsigned char pk[32], sk[64], pk2[32], sk2[64], w[SSHKEY_WIRE_LEN], bw[SSHKEY_WIRE_LEN];
	struct buf blob = { 0 }, priv = { 0 };
	char *b64;
	size_t n, i;

	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	sshkey_wire(pk, w);
	buf_append(&blob, f == F_MAGIC ? "openssh-key-v2" : "openssh-key-v1", 15);
	sshbuf_put_string(&blob, f == F_CIPHER ? "aes256-ctr" : "none", f == F_CIPHER ? 10 : 4);
	sshbuf_put_string(&blob, f == F_KDF ? "bcrypt" : "none", f == F_KDF ? 6 : 4);
	sshbuf_put_string(&blob, "", 0);
	sshbuf_put_u32(&blob, f == F_NKEYS ? 2 : 1);
	memcpy(bw, w, sizeof w);
	if (f == F_PUBTYPE)
		memcpy(bw + 4, "ssh-ed25518", 11);
	sshbuf_put_string(&blob, bw, sizeof bw);
	sshbuf_put_u32(&priv, 0x11223344);
	sshbuf_put_u32(&priv, f == F_CHECKINT ? 0x11223345 : 0x11223344);
	sshbuf_put_string(&priv, f == F_PRIVTYPE ? "ssh-rsa" : "ssh-ed25519",
			  f == F_PRIVTYPE ? 7 : 11);
	sshbuf_put_string(&priv, f == F_PRIVPK ? pk2 : pk, 32);
	if (f == F_SEED) /* another key's seed, with this key's public half */
		memcpy(sk2 + 32, pk, 32);
	sshbuf_put_string(&priv, f == F_SEED ? sk2 : sk, f == F_SKLEN ? 63 : 64);
	sshbuf_put_string(&priv, "comment", 7);
	for (i = 1; priv.len % 8; i++)
		buf_putc(&priv, (char)(f == F_PADDING && i == 2 ? 9 : i));
	if (f == F_PADLEN) /* a full block of padding more: 8 is too many */
		for (i = 0; i < 8; i++)
			buf_putc(&priv, (char)(priv.len % 8 + 1));
	sshbuf_put_string(&blob, priv.p, priv.len);
	if (f == F_TRAILING)
		buf_putc(&blob, 0);
	n = sodium_base64_ENCODED_LEN(blob.len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(n);
	assert_non_null(b64);
	sodium_bin2base64(b64, n, (unsigned char *)blob.p, blob.len, sodium_base64_VARIANT_ORIGINAL);
	out->len = 0;
	buf_puts(out, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	for (i = 0; i < strlen(b64); i += 70) {
		buf_append(out, b64 + i, strnlen(b64 + i, 70));
		buf_putc(out, '\n');
	}
	buf_puts(out, "-----END OPENSSH PRIVATE KEY-----\n");
	free(b64);
	buf_free(&blob);
	buf_free(&priv);
}

static void test_built_keys(void **state)
{
	static const struct {
		enum fault f;
		int sub;
		const char *msg;
	} cases[] = {
		{ F_MAGIC, SSHKEY_FAIL_SYNTAX, "ssh private key: not an openssh-key-v1 key (bad magic)" },
		{ F_CIPHER, SSHKEY_FAIL_ENCRYPTED, "ssh private key: protected by a passphrase" },
		{ F_KDF, SSHKEY_FAIL_SYNTAX, "ssh private key: KDF is not 'none'" },
		{ F_NKEYS, SSHKEY_FAIL_SYNTAX, "ssh private key: the file must hold exactly one key" },
		{ F_PUBTYPE, SSHKEY_FAIL_TYPE, "ssh private key: ssh key type 'ssh-ed25518'" },
		{ F_CHECKINT, SSHKEY_FAIL_SYNTAX, "ssh private key: the check-ints differ" },
		{ F_PRIVTYPE, SSHKEY_FAIL_MISMATCH, "ssh private key: the private key's type differs" },
		{ F_PRIVPK, SSHKEY_FAIL_MISMATCH, "ssh private key: the private key does not match" },
		{ F_SEED, SSHKEY_FAIL_MISMATCH, "ssh private key: the private key does not match" },
		{ F_PADDING, SSHKEY_FAIL_SYNTAX, "ssh private key: bad padding" },
		{ F_PADLEN, SSHKEY_FAIL_SYNTAX, "ssh private key: bad padding" },
		{ F_TRAILING, SSHKEY_FAIL_SYNTAX, "ssh private key: trailing bytes" },
		{ F_SKLEN, SSHKEY_FAIL_SYNTAX, "ssh private key: " },
	};
	struct buf b = { 0 };
	unsigned char sk[64];
	struct err e;

	(void)state;
	build(F_NONE, &b);
	if (parse_priv(&b, sk, &e) != 0)
		fail_msg("good key: %s", e.msg);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		build(cases[i].f, &b);
		if (parse_priv(&b, sk, &e) != ERR_INPUT || e.sub != cases[i].sub ||
		    strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("fault %d: sub %d, '%s'", cases[i].f, e.sub, e.msg);
	}
	/* every truncation of a good file is an error, never a crash */
	build(F_NONE, &b);
	for (size_t n = 0; n < b.len - 36; n++) {
		assert_int_equal(sshkey_parse_private((unsigned char *)b.p, n, sk, &e), ERR_INPUT);
		assert_int_equal(e.sub, SSHKEY_FAIL_SYNTAX);
	}
	/* garbled base64, text after END, no END */
	build(F_NONE, &b);
	b.p[40] = '*';
	assert_int_equal(parse_priv(&b, sk, &e), ERR_INPUT);
	assert_string_equal(e.msg, "ssh private key: not valid base64 (garbled or truncated)");
	build(F_NONE, &b);
	buf_puts(&b, "x\n");
	assert_int_equal(parse_priv(&b, sk, &e), ERR_INPUT);
	assert_string_equal(e.msg, "ssh private key: text after the END line");
	buf_free(&b);
}

static void test_public_lines(void **state)
{
	static const char good[] =
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4iIR02hMVWf2aDcGKXFnp/1ZT8NN1gTzj9OvN21lAG";
	unsigned char pk[32];
	struct buf b = { 0 };
	const char *c;
	size_t cn;
	struct err e;
	char line[256];

	(void)state;
	assert_int_equal(sshkey_parse_public(good, strlen(good), pk, &c, &cn, &e), 0);
	assert_int_equal(cn, 0);
	snprintf(line, sizeof line, "  %s \troot@host 1  \r\n", good);
	assert_int_equal(sshkey_parse_public(line, strlen(line), pk, &c, &cn, &e), 0);
	assert_int_equal(cn, 11);
	/* a comment a YAML plain scalar cannot carry as it is is left out */
	assert_int_equal(sshkey_format_public(pk, "a: b # c", 8, &b), 0);
	assert_string_equal(b.p, good);
	b.len = 0;
	assert_int_equal(sshkey_format_public(pk, "root@host1", 10, &b), 0);
	assert_int_equal(strncmp(b.p, good, strlen(good)), 0);
	assert_string_equal(b.p + strlen(good), " root@host1");

	assert_int_equal(sshkey_parse_public("ssh-ed25519", 11, pk, NULL, NULL, &e), ERR_INPUT);
	assert_string_equal(e.msg, "ssh public key: no key after 'ssh-ed25519'");
	assert_int_equal(sshkey_parse_public("ssh-ed25519 AAAA!", 17, pk, NULL, NULL, &e), ERR_INPUT);
	assert_string_equal(e.msg, "ssh public key: the key is not valid base64");
	/* one character short: not canonical base64 any more */
	assert_int_equal(sshkey_parse_public(good, strlen(good) - 1, pk, NULL, NULL, &e), ERR_INPUT);
	/* the blob's type must be the line's */
	assert_int_equal(sshkey_parse_public("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQ==", 44, pk,
					     NULL, NULL, &e),
			 ERR_INPUT);
	assert_int_equal(e.sub, SSHKEY_FAIL_TYPE);
	assert_int_equal(sshkey_parse_public("sk-ssh-ed25519@openssh.com AAAA", 31, pk, NULL, NULL,
					     &e),
			 ERR_INPUT);
	assert_non_null(strstr(e.msg, "FIDO"));
	buf_free(&b);
}

static void test_wire(void **state)
{
	static const unsigned char d[] = { 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 9, 'x' };
	struct sshbuf b = { d, sizeof d, 0 };
	const unsigned char *s;
	size_t n;
	uint32_t v;

	(void)state;
	assert_int_equal(sshbuf_get_cstring_is(&b, "ac"), -1);
	assert_int_equal(b.pos, 0);
	assert_int_equal(sshbuf_get_string(&b, &s, &n), 0);
	assert_int_equal(n, 2);
	/* a length past the end: fails, pos kept */
	assert_int_equal(sshbuf_get_string(&b, &s, &n), -1);
	assert_int_equal(b.pos, 6);
	assert_int_equal(sshbuf_get_u32(&b, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(sshbuf_get_u32(&b, &v), -1);
}

/* age's ssh-ed25519 stanza, both ways, through the age module */
static void test_age_ssh(void **state)
{
	struct buf key = { 0 }, file = { 0 }, pubb = { 0 }, enc = { 0 };
	unsigned char *sk = secmem_alloc(64);
	struct age_identity *id = secmem_alloc(sizeof *id);
	struct age_rcpt r;
	struct age_recipients rs = { 0 };
	struct age_keys k = { 0 };
	struct secmem out = { 0 };
	struct err e;
	char rcpt[AGE_RECIPIENT_MAX];
	static const char plain[] = "opened by an ssh-ed25519 identity\n";

	(void)state;
	read_data("ed25519", &key);
	assert_int_equal(parse_priv(&key, sk, &e), 0);
	assert_int_equal(age_identity_from_ssh(sk, id, &e), 0);
	age_identity_recipient(id, rcpt);
	read_data("ed25519.pub", &pubb);
	assert_int_equal(strncmp(rcpt, pubb.p, strlen(rcpt)), 0);
	k.ids = id;
	k.n_ids = 1;
	/* a file `age -R ed25519.pub` wrote */
	read_data("ed25519.age", &file);
	assert_int_equal(age_decrypt((unsigned char *)file.p, file.len, &k, &out, &e), 0);
	assert_int_equal(out.len, strlen(plain));
	assert_memory_equal(out.p, plain, out.len);
	/* and our own, to the .pub line */
	assert_int_equal(age_rcpt_parse(pubb.p, pubb.len, &r, &e), 0);
	assert_int_equal(r.kind, AGE_KIND_SSH_ED25519);
	rs.ssh_ed25519 = (const unsigned char(*)[32])r.key;
	rs.n_ssh_ed25519 = 1;
	assert_int_equal(age_encrypt(&rs, (const unsigned char *)"x", 1, 1, &enc, &e), 0);
	secmem_clear(&out);
	out.len = 0;
	assert_int_equal(age_decrypt((unsigned char *)enc.p, enc.len, &k, &out, &e), 0);
	assert_int_equal(out.len, 1);
	/* its bare X25519 form does not open an ssh stanza (the tweak), nor
	 * does another ssh key (the tag) */
	id->kind = AGE_KIND_X25519;
	out.len = 0;
	assert_int_equal(age_decrypt((unsigned char *)enc.p, enc.len, &k, &out, &e), ERR_NOKEY);
	id->kind = AGE_KIND_SSH_ED25519;
	id->ssh_pk[0] ^= 1;
	assert_int_equal(age_decrypt((unsigned char *)enc.p, enc.len, &k, &out, &e), ERR_NOKEY);
	secmem_free(&out);
	secmem_release(sk);
	secmem_release(id);
	buf_free(&key);
	buf_free(&file);
	buf_free(&pubb);
	buf_free(&enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_keys),
		cmocka_unit_test(test_built_keys),
		cmocka_unit_test(test_public_lines),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_age_ssh),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
