/* libFuzzer harness for SSH signatures and allowed_signers files
 * (src/sshsig.c). The first byte picks the mode: 0, the rest is an SSHSIG
 * blob the harness armors; 1, an armored signature as it is; else an
 * allowed_signers file.
 *
 * Checks (any mismatch aborts):
 *  - a signature fails only with ERR_INPUT and an enum sshsig_fail; a
 *    parsed one has a NUL-free namespace, and verifying it over any bytes
 *    gives 0 or ERR_INTEGRITY, never anything else;
 *  - an allowed_signers file fails only with ERR_INPUT naming "line L,
 *    column C"; a parsed one has non-empty principals and line numbers in
 *    order, and checking a signature against it never fails otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/secmem.h"
#include "secretctl/sshsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sig(const char *t, size_t n)
{
	struct sshsig s;
	struct err e = { 0 };
	int rc = sshsig_parse(t, n, &s, &e);

	if (rc && (rc != ERR_INPUT || e.sub < SSHSIG_FAIL_SYNTAX || e.sub > SSHSIG_FAIL_TYPE))
		abort();
	if (rc)
		return;
	if (strlen(s.ns) == 0 || strlen(s.ns) > SSHSIG_NS_MAX)
		abort();
	rc = sshsig_verify(&s, (const unsigned char *)t, n, &e);
	if (rc && rc != ERR_INTEGRITY)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct buf f = { 0 };
	struct sshsig_allowed a;
	struct sshsig s = { 0 };
	struct err e = { 0 };
	const char *why;
	char *b64;
	size_t n;
	int rc;

	if (!init++ && secmem_init())
		abort();
	if (size == 0 || size > 16384)
		return 0;
	if (data[0] == 0) {
		n = sodium_base64_ENCODED_LEN(size - 1, sodium_base64_VARIANT_ORIGINAL);
		if (!(b64 = malloc(n)))
			abort();
		sodium_bin2base64(b64, n, data + 1, size - 1, sodium_base64_VARIANT_ORIGINAL);
		if (buf_puts(&f, SSHSIG_BEGIN "\n") || buf_puts(&f, b64) ||
		    buf_puts(&f, "\n" SSHSIG_END "\n"))
			abort();
		check_sig(f.p, f.len);
		free(b64);
		buf_free(&f);
		return 0;
	}
	if (data[0] == 1) {
		check_sig((const char *)data + 1, size - 1);
		return 0;
	}
	rc = sshsig_allowed_parse((const char *)data + 1, size - 1, "f", &a, &e);
	if (rc && (rc != ERR_INPUT || strncmp(e.msg, "f: line ", 8) || !strstr(e.msg, ", column ")))
		abort();
	if (rc)
		return 0;
	for (size_t i = 0; i < a.n; i++)
		if (!a.v[i].principals[0] || (i && a.v[i].line <= a.v[i - 1].line))
			abort();
	if (a.n) {
		memcpy(s.pk, a.v[0].pk, sizeof s.pk);
		strcpy(s.ns, SSHSIG_NAMESPACE);
		(void)sshsig_allowed_check(&a, &s, 1700000000, &why);
	}
	sshsig_allowed_free(&a);
	return 0;
}
