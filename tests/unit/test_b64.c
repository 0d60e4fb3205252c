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
		assert_true(b64_valid(enc, strlen(enc)) || n == 0);
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
		assert_false(b64_valid(bad[i], strlen(bad[i])));
	}
	assert_int_equal(b64_decode("QUJD", 4, out, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "ABC", 3);
}

/* b64_valid's fast check says what a full decode says: every byte value
 * at every position of encodings of 0..40 bytes (the 16-byte steps, the
 * byte-wise tail and the last quantum). */
static void test_valid_agrees(void **state)
{
	unsigned char in[40], out[64];
	char enc[sodium_base64_ENCODED_LEN(40, sodium_base64_VARIANT_ORIGINAL)];
	size_t len, n, el, want = 0;
	int checked = 0;

	(void)state;
	for (n = 0; n <= 40; n++) {
		randombytes_buf(in, n);
		sodium_bin2base64(enc, sizeof enc, in, n, sodium_base64_VARIANT_ORIGINAL);
		el = strlen(enc);
		want += 256 * el;
		for (size_t pos = 0; pos < el; pos++) {
			char keep = enc[pos];
			for (int c = 0; c < 256; c++) {
				enc[pos] = (char)c;
				assert_int_equal(b64_valid(enc, el), b64_decode(enc, el, out, &len) == 0);
				checked++;
			}
			enc[pos] = keep;
		}
	}
	assert_int_equal(checked, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_valid_agrees),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
