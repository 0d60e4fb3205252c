/* b64: strict, canonical standard base64, compared with libsodium's
 * encoder over random inputs, and every way to be non-canonical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "secretctl/b64.h"

static void test_round_trip_random(void **state)
{
	unsigned char in[70], out[70];
	char enc[sodium_base64_ENCODED_LEN(70, sodium_base64_VARIANT_ORIGINAL)];
	size_t len;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)i % 70;
		randombytes_buf(in, n);
		sodium_bin2base64(enc, sizeof enc, in, n, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(b64_decode(enc, strlen(enc), out, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, in, n);
		assert_int_equal(b64_span(enc, strlen(enc)), strlen(enc));
	}
}

static void test_rejects(void **state)
{
	static const char *bad[] = {
		"QQ",       /* no padding */
		"QQ=",      /* short padding */
		"QR==",     /* non-zero unused bits (canonical is QQ==) */
		"QUJ=",     /* non-zero unused bits (canonical is QUI=) */
		"Q===",     /* one character cannot make a byte */
		"QQ==QUJD", /* padding in the middle */
		"QU=D",     /* '=' before a character */
		"QUJD\n",   /* a line break */
		"QU D",     /* a blank */
		"QUJ-",     /* url alphabet */
		"QUJ\xaf",  /* libsodium 1.0.18 reads 0xaf as '/' */
		"====",
	};
	unsigned char out[16];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(b64_decode(bad[i], strlen(bad[i]), out, &len), -1);
	}
	assert_int_equal(b64_decode("QUJD", 4, out, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "ABC", 3);
}

/* b64_span stops at the first byte that is no base64 character or '=',
 * for every byte value at every position of 0..70 bytes (the 16-byte
 * steps and the byte-wise tail), and nowhere else. */
static void test_span(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	char s[70] = { 0 };

	(void)state;
	for (size_t n = 0; n <= sizeof s; n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = alpha[(i * 7 + n) % (sizeof alpha - 1)];
		assert_int_equal(b64_span(s, n), n);
		for (size_t pos = 0; pos < n; pos++) {
			char keep = s[pos];

			for (int c = 0; c < 256; c++) {
				int in = c && strchr(alpha, c) != NULL;

				s[pos] = (char)c;
				assert_int_equal(b64_span(s, n), in ? n : pos);
			}
			s[pos] = keep;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_span),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
